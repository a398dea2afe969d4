"""landscape: exact maps of the loss landscape of deep linear neural networks.

A network ``W_h ... W_1`` trained on a square loss is a block-shift adjacency matrix ``A``
with ``L(A) = 1/2 ||E - A^h||^2`` (Wendin & Altafini, SIAM Review 2025). The library computes
its spectrum, exact derivatives, gradient flow, critical points, their second-order type,
saddle connections and the frustration of its signed graph.
"""

import importlib as _importlib

_TOPICS = ("problem", "flow", "catalog", "connections", "critical", "curvature",
           "escape", "estimator", "frustration", "plot", "quotient", "report")
from ._base.files import atomic_write  # noqa: E402
from ._base.parallel import Backend, Executor  # noqa: E402
from .problem import *  # noqa: F403
from .flow import *  # noqa: F403
from .catalog import *  # noqa: F403
from .connections import *  # noqa: F403
from .critical import *  # noqa: F403
from .curvature import *  # noqa: F403
from .escape import *  # noqa: F403
from .estimator import *  # noqa: F403
from .frustration import *  # noqa: F403
from .plot import *  # noqa: F403
from .quotient import *  # noqa: F403
from .report import *  # noqa: F403

__version__ = "0.1.0"

# Every public name of every topic module, importable from ``landscape`` directly.
__all__ = sorted({"atomic_write", "Backend", "Executor"}
                 | {name for topic in _TOPICS
                    for name in _importlib.import_module(f".{topic}", __name__).__all__})
