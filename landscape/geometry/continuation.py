"""From a network near a critical class to a critical point of that class (docs/theory.md §3).

A trained network is rarely critical to :data:`~landscape.problem.criticality.CRITICAL_TOL`:
it rests on a plateau near a saddle, or is still converging to the minimum. The gradient flow
from it converges to a critical point (Bah, Rauhut, Terstiege & Westdickenberg, Inf.
Inference 2021), and from a plateau it first approaches the saddle it is passing. So the kind
of the class a network is near is read where the flow, continued from the network, becomes
critical to ``critical_tol`` while its learnt set (:func:`~.learnt.learnt_modes`) is
still the network's own. The flow runs in reduced coordinates (docs/theory.md §1:
whitened inputs, so its speed does not depend on how badly the inputs are scaled; critical
points, classes and kinds are the same in both coordinates, the path between them is not) and
the critical point it reaches is mapped back to the problem's coordinates. Where the flow
leaves the class first (a network caught in the middle of a transition) or does not get
there within its time and evaluation budget,
:func:`~landscape.geometry.classification.classify` falls back on the class's canonical
representative.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..flow import FlowStatus, gradient_flow
from ..problem.criticality import relative_gradient_norm
from ..problem.learnt import learnt_modes
from ..problem.network import Landscape, reduced_landscape

__all__ = ["CONTINUATION_ROUNDS", "Continuation", "continue_to_critical"]

#: Rounds of :func:`continue_to_critical`: round ``k`` integrates ``4^k`` time units
#: ``1 / sigma_1^{2 - 2/h}`` (the learnt modes' relaxation time), so the budget is about
#: ``4^ROUNDS / 3`` units.
CONTINUATION_ROUNDS = 10
#: Recorded times per round (geometric inside the round).
_RECORDS_PER_ROUND = 8
#: Bound on the gradient evaluations of one round (``max_steps`` of :func:`gradient_flow`).
_EVALUATIONS_PER_ROUND = 20_000


@dataclass(frozen=True, eq=False)
class Continuation:
    """Outcome of :func:`continue_to_critical`.

    Attributes
    ----------
    weights : list of ndarray or None
        The first recorded point of the flow that is critical to ``critical_tol`` with the
        start's learnt set; ``None`` where there was none.
    time : float
        Flow time from the start to that point (to where the search stopped otherwise).
    gradient_norm : float
        Its relative gradient norm (the smallest one met otherwise).
    reason : str
        ``"critical"``, ``"left the class"`` (the learnt set changed first: the flow went on
        to another class), ``"time budget"`` or ``"flow failed"``.
    """

    weights: list | None
    time: float
    gradient_norm: float
    reason: str

    def __repr__(self) -> str:
        return (f"Continuation(reason={self.reason!r}, time={self.time:.6g}, "
                f"gradient_norm={self.gradient_norm:.3g})")


def continue_to_critical(land: Landscape, weights, subset, *, critical_tol: float,
                         rounds: int = CONTINUATION_ROUNDS) -> Continuation:
    """Follow the gradient flow from ``weights`` until it is critical inside class ``subset``.

    Integrates ``dW~/dt = -grad L(W~)`` in reduced coordinates (:func:`landscape.gradient_flow`
    on :func:`~landscape.problem.network.reduced_landscape`) in rounds of growing length,
    recording at geometric times, and returns, in the problem's coordinates, the first
    recorded point whose relative gradient norm is at most ``critical_tol`` and whose learnt
    set is still ``subset`` (read with ``land.tie_tol``); stops as soon as the learnt set
    changes. Arguments are trusted (validated by the caller).
    """
    reduced = reduced_landscape(land)
    unit = reduced.time_unit
    current, elapsed, best = land.to_reduced(weights), 0.0, np.inf
    for k in range(rounds):
        span = unit * 4.0 ** k
        times = np.geomspace(span / 2 ** _RECORDS_PER_ROUND, span, _RECORDS_PER_ROUND)
        result = gradient_flow(reduced, current, t_max=span, record=times, record_weights=True,
                               max_steps=_EVALUATIONS_PER_ROUND)
        for t, theta in zip(result.t, result.trajectory):
            point = reduced.unflatten(theta)
            if learnt_modes(reduced, point).subset != subset:
                return Continuation(None, elapsed + float(t), best, "left the class")
            measure = relative_gradient_norm(reduced, point)
            best = min(best, measure)
            if measure <= critical_tol:
                return Continuation(land.from_reduced(point), elapsed + float(t),
                                    measure, "critical")
        if result.status is FlowStatus.FAILED:
            return Continuation(None, elapsed + float(result.t[-1]), best, "flow failed")
        current, elapsed = result.weights, elapsed + float(result.t[-1])
    return Continuation(None, elapsed, best, "time budget")
