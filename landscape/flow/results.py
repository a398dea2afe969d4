"""What every flow result offers: the one protocol of
:class:`~landscape.flow.integration.FlowResult` and
:class:`~landscape.flow.end_to_end.EndToEndResult`.

Modelled on scipy's ``solve_ivp`` result: ``status`` (a :class:`FlowStatus`), ``message`` and
``success``; then the records at the recorded times ``t`` (``loss``, ``singular_values`` of the
end-to-end map, ``gradient_norm``) and the weights: ``weights`` (final) and ``weights_at(k)``
(at record ``k``). A reader of trajectories (:func:`~landscape.flow.plateaus`,
:func:`landscape.connections.trajectory_visits`, the estimator) takes either result through it.
"""

from __future__ import annotations

import enum
from typing import Protocol, runtime_checkable

import numpy as np

from .._base.validation import check_int

__all__ = ["FlowRecords", "FlowStatus"]


class FlowStatus(enum.Enum):
    """How a flow ended."""

    CONVERGED = "converged"
    T_MAX = "t_max reached"
    FAILED = "failed"


@runtime_checkable
class FlowRecords(Protocol):
    """The protocol every flow result follows (``isinstance(result, FlowRecords)`` checks it).

    Attributes
    ----------
    t, loss, gradient_norm : ndarray (T,)
        Recorded times, the loss and ``||grad L||_F`` there.
    singular_values : ndarray (T, min(d_x, d_y))
        Singular values of the end-to-end map in reduced coordinates.
    status : FlowStatus
    message : str
    success : bool
        ``status is FlowStatus.CONVERGED``.
    weights : list of ndarray
        The final weights ``W_1..W_h``.
    """

    t: np.ndarray
    loss: np.ndarray
    singular_values: np.ndarray
    gradient_norm: np.ndarray
    status: FlowStatus
    message: str

    @property
    def success(self) -> bool: ...

    @property
    def weights(self) -> list: ...

    def weights_at(self, index: int = -1) -> list[np.ndarray]:
        """The weights ``W_1..W_h`` at record ``index`` (``-1``: the last)."""


def check_record_index(index, n_records: int) -> int:
    """``index`` as a non-negative record number, if it lies in ``[-n_records, n_records)``."""
    index = check_int(index, "index")
    if not -n_records <= index < n_records:
        raise ValueError(f"index must lie in [-{n_records}, {n_records}), got {index}")
    return index % n_records


def recorded_weights(final: list, trajectory: np.ndarray | None, index) -> list[np.ndarray]:
    """``W_1..W_h`` at record ``index`` of a flat ``trajectory`` (``T x P``), shaped like the
    ``final`` weights; the final weights themselves at the last record."""
    if trajectory is None and not isinstance(index, bool) and index == -1:
        return [w.copy() for w in final]
    if trajectory is None:
        raise ValueError(f"index must be -1 (the final weights) for a flow recorded without "
                         f"record_weights=True, got {index!r}")
    index = check_record_index(index, trajectory.shape[0])
    out, offset = [], 0
    for w in final:
        out.append(trajectory[index, offset:offset + w.size].reshape(w.shape).copy())
        offset += w.size
    return out
