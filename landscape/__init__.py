"""landscape: exact maps of the loss landscape of deep linear neural networks.

A network ``W_h ... W_1`` trained on a square loss is a block-shift adjacency matrix ``A``
with ``L(A) = 1/2 ||E - A^h||^2`` (Wendin & Altafini, SIAM Review 2025). The library computes
its spectrum, exact derivatives, gradient flow, critical points, their second-order type,
saddle connections and the frustration of its signed graph. The mathematics, with the
formulas and the papers they come from, is in the repository's ``docs/theory.md`` (also
in the source distribution), which docstrings cite by section: ``docs/theory.md §4.1``.

The package is drawn in layers (README, Layout): ``_base`` helpers; ``problem`` (data,
network, ties, criticality); ``flow``; ``signed`` (frustration); ``geometry`` (second
order); ``critical`` (critical points, quotient, catalog); ``connections`` (the saddle
graph); and the application layer (``estimator``, ``report``, ``cli``, ``plot``). Every
public name of every layer is importable from ``landscape`` directly; those of
``estimator`` (which needs scikit-learn, a second to import) are imported on first use, so
that ``import landscape`` stays fast (``benchmarks/import_time.py``).
"""

import importlib

from . import (connections, critical, flow, forecast, geometry, plot, problem, report, signed)
from ._base.files import atomic_write
from ._base.parallel import Backend, Executor
from .connections import *  # noqa: F403
from .critical import *  # noqa: F403
from .flow import *  # noqa: F403
from .forecast import *  # noqa: F403
from .geometry import *  # noqa: F403
from .plot import *  # noqa: F403
from .problem import *  # noqa: F403
from .report import *  # noqa: F403
from .signed import *  # noqa: F403

__version__ = "0.1.0"

#: Modules imported on first use, with their public names (``estimator.__all__``; a test
#: checks that the two agree).
LAZY_MODULES = {"estimator": ("DeepLinearRegressor", "default_widths")}

__all__ = sorted({"atomic_write", "Backend", "Executor"}
                 | {name for names in LAZY_MODULES.values() for name in names}
                 | {name for layer in (connections, critical, flow, forecast, geometry, plot,
                                       problem, report, signed) for name in layer.__all__})


def __getattr__(name: str):
    """Import a module of :data:`LAZY_MODULES` when it, or one of its names, is first used."""
    for module, names in LAZY_MODULES.items():
        if name == module or name in names:
            loaded = importlib.import_module(f"{__name__}.{module}")
            return loaded if name == module else getattr(loaded, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
