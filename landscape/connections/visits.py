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

from .._base.validation import check_positive
from ..flow import FlowResult, plateaus
from ..problem.learnt import learnt_modes
from ..problem.network import Landscape
from ..problem.ties import TIE_TOL

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


def trajectory_visits(land: Landscape, result: FlowResult, *, grad_tol: float = 1e-3,
                      value_tol: float = 1e-3, tie_tol: float = TIE_TOL
                      ) -> tuple[list[Visit], int]:
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
        A trajectory recorded with ``record_weights=True``.
    grad_tol, value_tol : float
        Plateau threshold and accepted distance from the critical value (both relative).
    tie_tol : float
        Tie tolerance of :func:`landscape.problem.learnt.learnt_modes`.

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
    if not isinstance(result, FlowResult) or result.trajectory is None:
        raise ValueError("result must be a FlowResult recorded with record_weights=True")
    grad_tol = check_positive(grad_tol, "grad_tol")
    value_tol = check_positive(value_tol, "value_tol")
    scale = land.loss_scale
    visits: list[Visit] = []
    unresolved = 0
    for plateau in plateaus(result, land, grad_tol=grad_tol):
        span = slice(plateau.start_index, plateau.end_index + 1)
        index = plateau.start_index + int(np.argmin(result.gradient_norm[span]))
        weights = land.unflatten(result.trajectory[index])
        subset = learnt_modes(land, weights, tie_tol=tie_tol).subset
        loss = float(result.loss[index])
        if abs(loss - land.critical_value(subset)) > value_tol * scale:
            unresolved += 1
            continue
        if visits and visits[-1].subset == subset:
            last = visits[-1]
            visits[-1] = Visit(subset, last.t_start, plateau.t_end, min(last.loss, loss))
        else:
            visits.append(Visit(subset, plateau.t_start, plateau.t_end, loss))
    return visits, unresolved
