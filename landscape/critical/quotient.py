"""The quotient map: any critical point to its class record and its place in the fiber.

Every critical point has end-to-end map ``Sigma_S`` (reduced coordinates, up to rotations
inside tie blocks), so its class is read off that map (:func:`~.learnt.learnt_modes`),
whatever its place in the fiber ``pi^{-1}(Sigma_S)``: balanced or not, moved
by any hidden-layer ``GL`` transformation ``W_j -> G_j W_j G_{j-1}^{-1}``, with blocked paths,
in whitened or raw coordinates (docs/theory.md §3; Wendin & Altafini, SIAM Review 2025). The place in
the fiber is described by the conserved ``C_j = W_{j+1}^T W_{j+1} - W_j W_j^T`` and the ranks
of all partial products ``W_j ... W_i`` (:class:`~landscape.critical.points.FiberCoordinates`).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .._base.validation import check_nonnegative
from ..geometry.orbit import RANK_RTOL, partial_ranks
from ..problem.criticality import (CRITICAL_TOL, check_critical, check_critical_tol,
                                   relative_gradient_norm)
from ..problem.learnt import learnt_modes
from ..problem.network import Landscape, check_landscape
from ..problem.rules import problem_with_tie_tol
from .points import CriticalPoint, FiberCoordinates
from .representatives import class_record

__all__ = ["canonicalize", "fiber_coordinates", "same_class"]

def fiber_coordinates(land: Landscape, weights, *,
                      rank_rtol: float = RANK_RTOL) -> FiberCoordinates:
    """The conserved ``C_j`` and the ranks of all partial products ``W_j ... W_i``.

    A singular value of ``W_j ... W_i`` counts when it exceeds ``rank_rtol`` times
    ``||W_j||_2 ... ||W_i||_2`` (the scale of the product's rounding error), so the ranks do
    not depend on how the layers are scaled against each other.

    Examples
    --------
    The canonical point of ``S = {0}`` is one balanced path: every partial product has
    rank 1 and every ``C_j`` vanishes.

    >>> from landscape import DataSpectrum, canonical_representative
    >>> land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0]), widths=(2, 2, 2, 2))
    >>> fiber = fiber_coordinates(land, canonical_representative(land, (0,)))
    >>> fiber.layer_ranks, fiber.partial_rank(1, 3), max(fiber.invariant_norms)
    ((1, 1, 1), 1, 0.0)
    """
    check_landscape(land)
    weights = land.check(weights)
    rank_rtol = check_nonnegative(rank_rtol, "rank_rtol")
    return _fiber(land, weights, rank_rtol, relative_gradient_norm(land, weights))


def _fiber(land: Landscape, weights, rank_rtol: float, gradient_norm: float) -> FiberCoordinates:
    ranks = np.full((land.h, land.h), -1, dtype=int)  # ranks[a, b]: W_{b+1} ... W_{a+1}
    for (i, j), r in partial_ranks(weights, rtol=rank_rtol).items():
        ranks[i, j - 1] = r
    return FiberCoordinates(invariants=tuple(land.invariants(weights)), ranks=ranks,
                            gradient_norm=gradient_norm)


def canonicalize(land: Landscape, weights, *, critical_tol: float = CRITICAL_TOL,
                 tie_tol: float | None = None, rank_rtol: float = RANK_RTOL) -> CriticalPoint:
    """The class record of a critical point, with the point's own fiber coordinates.

    Verifies the point is critical (:func:`~.criticality.relative_gradient_norm`
    at most ``critical_tol``), reads ``S`` off its end-to-end map in
    the data's singular basis (:func:`~landscape.problem.learnt.learnt_modes`), and returns
    the class's :class:`~landscape.critical.points.CriticalPoint` (canonical key, value, kind
    and representative) with ``fiber`` set to the point's
    :class:`~landscape.critical.points.FiberCoordinates`. The result does not depend on the
    point's place in its fiber: balanced or not, moved by any hidden-layer ``GL``
    transformation, with blocked paths, in whitened or raw coordinates (docs/theory.md §3).

    Parameters
    ----------
    land : Landscape
    weights : sequence of ndarray
        ``W_1..W_h`` in the problem's coordinates.
    critical_tol : float
        Bound on the relative gradient norm.
    tie_tol : float, optional
        Deprecated (one release): set ``Landscape(..., tie_tol=)``; a value other than
        ``land.tie_tol`` warns and is used through a copy of ``land``
        (:func:`~landscape.problem.rules.problem_with_tie_tol`).
    rank_rtol : float
        Relative threshold for the ranks of partial products (:func:`fiber_coordinates`).

    Raises
    ------
    NotCriticalError
        If the point is not critical; the relative gradient norm is in the message and in
        ``gradient_norm``.

    Examples
    --------
    >>> import numpy as np
    >>> from landscape import DataSpectrum
    >>> land = Landscape(DataSpectrum.from_singular_values([4.0, 1.0]), widths=(2, 2, 2))
    >>> g = np.array([[2.0, 1.0], [0.0, 0.5]])
    >>> w = [g @ np.diag([2.0, 0.0]), np.diag([2.0, 0.0]) @ np.linalg.inv(g)]
    >>> cp = canonicalize(land, w)
    >>> cp.subset, cp.value, cp.kind.value, cp.fiber.layer_ranks
    ((0,), 0.5, 'strict_saddle', (1, 1))
    """
    land = problem_with_tie_tol(check_landscape(land), tie_tol, "canonicalize")
    weights = land.check(weights)
    critical_tol = check_critical_tol(critical_tol)
    rank_rtol = check_nonnegative(rank_rtol, "rank_rtol")
    measure = check_critical(land, weights, critical_tol=critical_tol)
    record = class_record(land, learnt_modes(land, weights).subset, land.tie_groups,
                          critical_tol=critical_tol)
    return dataclasses.replace(record, fiber=_fiber(land, weights, rank_rtol, measure))


def same_class(land: Landscape, a, b, *, critical_tol: float = CRITICAL_TOL,
               tie_tol: float | None = None) -> bool:
    """Whether two critical points lie in the same class (same learnt set up to the ties of
    ``land.tie_tol``; a per-call ``tie_tol`` is deprecated as in :func:`canonicalize`).

    Raises
    ------
    NotCriticalError
        If either point is not critical.

    Examples
    --------
    A hidden-layer ``GL`` move keeps a critical point in its class.

    >>> import numpy as np
    >>> from landscape import DataSpectrum, canonical_representative
    >>> land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0]), widths=(2, 2, 2))
    >>> W1, W2 = canonical_representative(land, (0,))
    >>> g = np.array([[2.0, 1.0], [0.0, 1.0]])
    >>> same_class(land, [W1, W2], [g @ W1, W2 @ np.linalg.inv(g)])
    True
    >>> same_class(land, [W1, W2], canonical_representative(land, (1,)))
    False
    """
    land = problem_with_tie_tol(check_landscape(land), tie_tol, "same_class")
    critical_tol = check_critical_tol(critical_tol)
    check_critical(land, a, critical_tol=critical_tol, name="a")
    check_critical(land, b, critical_tol=critical_tol, name="b")
    return learnt_modes(land, a).subset == learnt_modes(land, b).subset
