"""Dynamics in weight space and in function space: the gradient flow and gradient descent from
any start, the end-to-end flow of balanced networks, the plateaus a trajectory lingers on, and
the exact one-mode solution used as an oracle.

Modules: :mod:`~landscape.flow.integration` (``gradient_flow``, ``FlowResult``),
:mod:`~landscape.flow.end_to_end` (``end_to_end_flow``, ``EndToEndResult``: docs/theory.md §7),
:mod:`~landscape.flow.results` (``FlowRecords``, the protocol both results follow; ``FlowStatus``),
:mod:`~landscape.flow.balance` (``balanced_factorization``, ``check_balanced``),
:mod:`~landscape.flow.rank_manifold` (``is_rank_minimum``, ``rank_minimum_value``),
:mod:`~landscape.flow.plateau_detection` (``plateaus``), :mod:`~landscape.flow.one_mode`,
:mod:`~landscape.flow.units` (``time_unit``, ``weight_unit``, ``gradient_unit``),
:mod:`~landscape.flow.memory` (``check_flow_memory``, ``narrow_widths``).
"""

from . import (balance, end_to_end, integration, memory, one_mode, plateau_detection,
               rank_manifold, results, units)
from .balance import *  # noqa: F403
from .end_to_end import *  # noqa: F403
from .integration import *  # noqa: F403
from .memory import *  # noqa: F403
from .one_mode import *  # noqa: F403
from .plateau_detection import *  # noqa: F403
from .rank_manifold import *  # noqa: F403
from .results import *  # noqa: F403
from .units import *  # noqa: F403

__all__ = sorted({*balance.__all__, *end_to_end.__all__, *integration.__all__, *memory.__all__,
                  *one_mode.__all__, *plateau_detection.__all__, *rank_manifold.__all__,
                  *results.__all__, *units.__all__})
