"""The critical classes a recorded gradient-flow trajectory visits, in order.

A trajectory through a sequence of saddles lingers on one plateau per saddle
(:func:`landscape.flow.plateaus`: ``||grad L|| <= grad_tol * sigma_1^{(2h-1)/h}``). A plateau
point is only *near* a critical point, so its class is read from the learnt modes of the
end-to-end map at the plateau's record of smallest gradient
(:func:`landscape.problem.learnt.learnt_modes`), and accepted only where the loss there is
within ``value_tol * 1/2 sum sigma_i^2`` of that class's critical value
``L_S = L0 + 1/2 sum_{i not in S} sigma_i^2`` (docs/theory.md §2, §5; Saxe, McClelland & Ganguli,
ICLR 2014, on the plateaus of sequential learning).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._base.validation import check_bool, check_positive, describe_value
from ..flow import FlowRecords, FlowResult, plateaus
from ..problem.learnt import learnt_modes
from ..problem.network import Landscape
from ..problem.rules import problem_with_tie_tol

__all__ = ["Visit", "trajectory_visits"]


@dataclass(frozen=True)
class Visit:
    """A critical class a trajectory came close to.

    Attributes
    ----------
    subset : tuple of int
        The class key, read from the learnt modes at the plateau.
    t_start, t_end : float
        Time span of the plateau (both 0 for the start of a probe, which begins next to its
        saddle by construction).
    loss : float
        The loss at the plateau's record of smallest gradient.
    """

    subset: tuple[int, ...]
    t_start: float
    t_end: float
    loss: float


def trajectory_visits(land: Landscape, result: FlowRecords, *, grad_tol: float = 1e-3,
                      value_tol: float = 1e-3, tie_tol: float | None = None,
                      include_limit: bool = False) -> tuple[list[Visit], int]:
    """The critical classes a recorded trajectory visits, in order, and the unread plateaus.

    A visit is a plateau of :func:`landscape.flow.plateaus` (``||grad L|| <= grad_tol *
    sigma_1^{(2h-1)/h}`` held over consecutive records) whose class is read from the learnt
    modes of the end-to-end map at its record of smallest gradient, and accepted when the
    loss there is within ``value_tol * 1/2 sum sigma_i^2`` of that class's critical value
    ``L_S = L0 + 1/2 sum_{i not in S} sigma_i^2``. Consecutive plateaus of one class merge.

    Parameters
    ----------
    land : Landscape
    result : FlowResult
        Any flow result (:class:`~landscape.flow.FlowRecords`): a :class:`FlowResult`
        recorded with ``record_weights=True`` or an :class:`~landscape.flow.EndToEndResult`
        (its balanced weights); the weights are read with ``result.weights_at(k)``.
    grad_tol, value_tol : float
        Plateau threshold and accepted distance from the critical value (both relative).
    include_limit : bool
        Also read the last record of a converged flow (``result.success``) as a visit, at
        ``t_start = t_end = t[-1]``, where no plateau ends there.
    tie_tol : float, optional
        Deprecated (one release): set ``Landscape(..., tie_tol=)``; a value other than
        ``land.tie_tol`` warns and is used through a copy of ``land``
        (:func:`~landscape.problem.rules.problem_with_tie_tol`).

    Returns
    -------
    visits : list of Visit
    unresolved : int
        Plateaus whose loss was not near the value of the class read there.

    Examples
    --------
    >>> import numpy as np
    >>> from landscape import DataSpectrum, Landscape, gradient_flow
    >>> land = Landscape(DataSpectrum.from_singular_values([2.0]), widths=(1, 1, 1))
    >>> res = gradient_flow(land, [np.array([[1e-3]]), np.array([[1e-3]])], record_weights=True)
    >>> visits, unresolved = trajectory_visits(land, res)
    >>> [v.subset for v in visits], unresolved
    ([(), (0,)], 0)
    """
    if not isinstance(result, FlowRecords) or \
            isinstance(result, FlowResult) and result.trajectory is None:
        raise ValueError(f"result must be an EndToEndResult or a FlowResult recorded with "
                         f"record_weights=True, got {describe_value(result)}")
    include_limit = check_bool(include_limit, "include_limit")
    land = problem_with_tie_tol(land, tie_tol, "trajectory_visits")
    grad_tol = check_positive(grad_tol, "grad_tol")
    value_tol = check_positive(value_tol, "value_tol")
    scale = land.loss_scale
    visits: list[Visit] = []
    unresolved = 0
    readings = []  # (record of least gradient, t_start, t_end) of each plateau
    for plateau in plateaus(land, result, grad_tol=grad_tol):
        span = slice(plateau.start_index, plateau.end_index + 1)
        readings.append((plateau.start_index + int(np.argmin(result.gradient_norm[span])),
                         plateau.t_start, plateau.t_end))
    last = len(result.t) - 1
    if include_limit and result.success and not (readings and readings[-1][0] == last):
        readings.append((last, float(result.t[last]), float(result.t[last])))
    for index, t_start, t_end in readings:
        subset = learnt_modes(land, result.weights_at(index)).subset
        loss = float(result.loss[index])
        if abs(loss - land.critical_value(subset)) > value_tol * scale:
            unresolved += 1
            continue
        if visits and visits[-1].subset == subset:
            before = visits[-1]
            visits[-1] = Visit(subset, before.t_start, t_end, min(before.loss, loss))
        else:
            visits.append(Visit(subset, t_start, t_end, loss))
    return visits, unresolved
