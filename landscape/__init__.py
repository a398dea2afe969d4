"""landscape: exact maps of the loss landscape of deep linear neural networks.

A network ``W_h ... W_1`` trained on a square loss is a block-shift adjacency matrix ``A``
with ``L(A) = 1/2 ||E - A^h||^2`` (Wendin & Altafini, SIAM Review 2025). The library computes
its spectrum, exact derivatives, gradient flow, critical points, their second-order type,
saddle connections and the frustration of its signed graph.

The package is drawn in layers (README, Layout): ``_base`` helpers; ``problem`` (data,
network, ties, criticality); ``flow``; ``signed`` (frustration); ``geometry`` (second
order); ``critical`` (critical points, quotient, catalog); ``connections`` (the saddle
graph); and the application layer (``estimator``, ``report``, ``cli``, ``plot``). Every
public name of every layer is importable from ``landscape`` directly.
"""

from . import (connections, critical, estimator, flow, forecast, geometry, plot, problem, report,
               signed)
from ._base.files import atomic_write
from ._base.parallel import Backend, Executor
from .connections import *  # noqa: F403
from .critical import *  # noqa: F403
from .estimator import *  # noqa: F403
from .flow import *  # noqa: F403
from .forecast import *  # noqa: F403
from .geometry import *  # noqa: F403
from .plot import *  # noqa: F403
from .problem import *  # noqa: F403
from .report import *  # noqa: F403
from .signed import *  # noqa: F403

__version__ = "0.1.0"

__all__ = sorted({"atomic_write", "Backend", "Executor"}
                 | {name for layer in (connections, critical, estimator, flow, forecast, geometry,
                                       plot, problem, report, signed) for name in layer.__all__})
