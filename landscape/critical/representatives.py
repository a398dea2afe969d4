"""The canonical representative of a critical class and the record of the class.

A class is keyed by a learnt set ``S`` of nonzero data modes, ``|S| <= r``, canonical within
each block of tied singular values (the lowest indices; :func:`~.ties.canonical_subset`).
Its **canonical representative** is ``|S|`` disjoint paths input ``i`` ->
hidden unit ``c`` -> ... -> output ``i``, every edge ``sigma_i^{1/h}``, hidden units assigned
in the order of ``S``: balanced (every ``C_j = 0``), with end-to-end map ``Sigma_S`` and value
``L_S = L0 + 1/2 sum_{i not in S} sigma_i^2`` (docs/theory.md §2-§3; Baldi & Hornik 1989; Wendin &
Altafini, SIAM Review 2025). Built in reduced coordinates and mapped to the problem's
(``W_1 = W~_1 V^T Sxx^{-1/2}``, ``W_h = U W~_h``) when the spectrum is not reduced. The
class's end-to-end maps form a Grassmannian of dimension ``sum_g k_g (|g| - k_g)``.
"""

from __future__ import annotations

import numpy as np

from ..geometry import witness_kind
from ..problem.criticality import CRITICAL_TOL, CriticalKind, check_critical, check_critical_tol
from ..problem.nearby import aligned_weights
from ..problem.network import Landscape, check_landscape, reduced_landscape
from ..problem.rules import problem_with_tie_tol
from ..problem.ties import canonical_subset, check_subset, grassmannian_dimension, tie_counts
from .points import CriticalPoint

__all__ = ["canonical_representative", "critical_point"]


def admissible_subset(land: Landscape, subset, groups, name: str = "subset") -> tuple[int, ...]:
    """Validate ``subset`` as a learnt set of ``land`` and return it ascending.

    ``groups`` are the spectrum's :func:`~landscape.problem.ties.tie_groups`; a learnt set
    holds distinct indices of nonzero modes, at most ``r`` (the bottleneck) of them, and for a
    one-layer network every nonzero mode (its only critical point is the minimum).
    """
    n_modes = sum(len(g) for g in groups)
    subset = check_subset(subset, n_modes, name)
    if len(subset) > land.bottleneck:
        raise ValueError(f"{name} must hold at most r = {land.bottleneck} modes (the "
                         f"bottleneck width), got {len(subset)}")
    if land.h == 1 and len(subset) != n_modes:
        raise ValueError(f"{name} must hold every nonzero mode (0..{n_modes - 1}) for a "
                         f"one-layer network, whose only critical point is the minimum, "
                         f"got {subset}")
    return subset


def canonical_representative(land: Landscape, subset, *,
                             tie_tol: float | None = None) -> list[np.ndarray]:
    """The balanced, aligned critical point with end-to-end map ``Sigma_S``.

    ``|S|`` disjoint paths input ``i`` -> hidden unit ``c`` -> ... -> output ``i`` (hidden
    units ``c = 0, 1, ...`` in the order of ``S``), every edge ``sigma_i^{1/h}``, built in
    reduced coordinates and mapped to the problem's (``W_1 = W~_1 V^T Sxx^{-1/2}``,
    ``W_h = U W~_h``) when the spectrum is not reduced (docs/theory.md §1). Weights beyond
    ``MAX_WEIGHT_BYTES`` are refused before anything is allocated
    (:meth:`~landscape.problem.network.Landscape.check_weight_memory`: the message gives the
    figure and narrower widths with the same classes).

    Parameters
    ----------
    land : Landscape
    subset : sequence of int
        Learnt modes: distinct indices of positive singular values, at most ``r`` of them.
    tie_tol : float, optional
        Deprecated (one release): set ``Landscape(..., tie_tol=)``; a value other than
        ``land.tie_tol`` warns and is used through a copy of ``land``
        (:func:`~landscape.problem.rules.problem_with_tie_tol`).

    Examples
    --------
    >>> from landscape import DataSpectrum
    >>> land = Landscape(DataSpectrum.from_singular_values([4.0, 1.0]), widths=(2, 2, 2))
    >>> [w.tolist() for w in canonical_representative(land, (1,))]
    [[[0.0, 1.0], [0.0, 0.0]], [[0.0, 0.0], [1.0, 0.0]]]
    """
    land = problem_with_tie_tol(check_landscape(land), tie_tol, "canonical_representative")
    subset = admissible_subset(land, subset, land.tie_groups)
    land.check_weight_memory()
    return land.from_reduced(aligned_weights(land, subset))


def representative_kind(land: Landscape, subset, *, critical_tol: float) -> CriticalKind:
    """Second-order kind of the canonical representative of ``subset``: the Hessian-free
    witness test of docs/theory.md §4.1 (:func:`landscape.geometry.witness_kind`).

    It runs on the aligned point of a narrower network: every hidden layer cut to
    ``min(d_j, |S| + 1)`` units (the paths of ``S`` and, where the layer has one, an idle
    unit), in reduced coordinates. Off the paths the representative is zero, and the kind
    depends only on the learnt set and on whether each hidden layer has an idle unit
    (docs/theory.md §4.1), so the answer is that of the full network at the cost of a network of
    width ``|S| + 1`` whatever the widths (a test checks it against the full network).
    """
    narrow = reduced_landscape(land, (land.widths[0],
                                      *(min(d, len(subset) + 1) for d in land.widths[1:-1]),
                                      land.widths[-1]))
    return witness_kind(narrow, aligned_weights(narrow, subset), critical_tol=critical_tol)


def class_record(land: Landscape, subset: tuple[int, ...], groups, *,
                 critical_tol: float) -> CriticalPoint:
    """The record of the class of an admissible, canonical ``subset``.

    ``groups`` are the problem's tie groups (``land.tie_groups``). The representative is verified
    critical (a failure raises :class:`~landscape.problem.criticality.NotCriticalError`) and
    its kind computed by the witness test. Weights beyond ``MAX_WEIGHT_BYTES`` are refused
    before they are allocated.
    """
    land.check_weight_memory()
    weights = land.from_reduced(aligned_weights(land, subset))
    check_critical(land, weights, critical_tol=critical_tol,
                   name=f"the representative of {subset}")
    tied = tuple(g for g in groups if len(g) > 1)
    counts = tie_counts(subset, tied)
    return CriticalPoint(subset=subset, value=land.critical_value(subset),
                         kind=representative_kind(land, subset, critical_tol=critical_tol),
                         weights=weights, tied_groups=tied, tie_counts=counts,
                         grassmannian_dim=grassmannian_dimension(tied, counts))


def critical_point(land: Landscape, subset, *, tie_tol: float | None = None,
                   critical_tol: float = CRITICAL_TOL) -> CriticalPoint:
    """The record of the class of ``subset``: canonical key, value, kind and representative.

    Parameters
    ----------
    land : Landscape
    subset : sequence of int
        Any learnt set of the class (within a tie group, any indices: the key takes the
        lowest).
    tie_tol : float, optional
        Deprecated (one release): set ``Landscape(..., tie_tol=)``; a value other than
        ``land.tie_tol`` warns and is used through a copy of ``land``
        (:func:`~landscape.problem.rules.problem_with_tie_tol`).
    critical_tol : float
        Bound on the representative's relative gradient norm (it is always verified).

    Examples
    --------
    >>> from landscape import DataSpectrum
    >>> land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0, 1.0]), widths=(3, 3, 3))
    >>> critical_point(land, (2,))
    CriticalPoint(subset=(1,), value=2.5, kind='strict_saddle', tie_counts=(1,), grassmannian_dim=1)
    """
    land = problem_with_tie_tol(check_landscape(land), tie_tol, "critical_point")
    critical_tol = check_critical_tol(critical_tol)
    groups = land.tie_groups
    subset = admissible_subset(land, subset, groups)
    return class_record(land, canonical_subset(subset, groups), groups,
                        critical_tol=critical_tol)
