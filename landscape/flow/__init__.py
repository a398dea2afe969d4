"""Dynamics in weight space: the gradient flow and gradient descent from any start, the
plateaus a trajectory lingers on, and the exact one-mode solution used as an oracle.

Modules: :mod:`~landscape.flow.integration` (``gradient_flow``, ``FlowResult``),
:mod:`~landscape.flow.plateau_detection` (``plateaus``), :mod:`~landscape.flow.one_mode`.
"""

from . import integration, one_mode, plateau_detection
from .integration import *  # noqa: F403
from .one_mode import *  # noqa: F403
from .plateau_detection import *  # noqa: F403

__all__ = sorted({*integration.__all__, *one_mode.__all__, *plateau_detection.__all__})
