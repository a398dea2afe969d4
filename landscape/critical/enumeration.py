"""Enumeration of the critical classes of a deep linear network, one per learnt set.

Every critical point has end-to-end map ``Sigma_S`` (reduced coordinates) for a set ``S`` of
nonzero data modes with ``|S| <= r``, and value ``L_S = L0 + 1/2 sum_{i not in S} sigma_i^2``
(docs/theory.md §2; Baldi & Hornik 1989; Kawaguchi 2016; Wendin & Altafini, SIAM Review 2025). With
distinct nonzero ``sigma`` there are ``sum_{k <= min(r, m)} C(m, k)`` classes; sets that differ
only inside a block of tied values are one class (keyed by the lowest indices), zero
singular values never enter ``S``, and a one-layer network (``h = 1``, convex) has only its
minimum. The enumeration streams: :func:`iter_classes` yields keys and values,
:func:`iter_critical_points` full records with verified representatives and computed kinds,
and :func:`enumerate_critical_points` collects them into a compact
:class:`~landscape.critical.catalog.Catalog`, optionally with the frustration of each
representative (:func:`representative_frustration`, docs/theory.md §6).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Iterator
from typing import NamedTuple

import numpy as np

from .._base.progress import Progress
from .._base.validation import check_bool, check_int
from ..geometry import classify
from ..problem.criticality import CRITICAL_TOL, check_critical_tol
from ..problem.network import Landscape, check_landscape
from ..problem.rules import problem_with_tie_tol
from ..signed import FrustrationResult, frustration as signed_frustration
from .batches import admissible_sizes, class_blocks, class_values, verified_columns
from .catalog import Catalog
from .points import CriticalPoint
from .representatives import class_record

__all__ = [
    "CriticalClass",
    "count_classes",
    "enumerate_critical_points",
    "iter_classes",
    "iter_critical_points",
    "representative_frustration",
]

#: Default bound of :func:`enumerate_critical_points` on the number of classes (2^24, about
#: 16.8 million: a catalog of about 1.5 GB at its peak, built in about a minute; measured at
#: 2^20, 2.4 s and 90 bytes a class on one core).
MAX_CLASSES = 2 ** 24


class CriticalClass(NamedTuple):
    """Key and value of one critical class: the pair ``(subset, value)`` that
    :func:`iter_classes` yields, nothing computed beyond them.

    Not to be confused with :class:`~landscape.critical.points.CriticalPoint`, the full
    *record* of a class (kind, canonical representative, tie fields, curvature) that a
    :class:`~landscape.critical.catalog.Catalog` holds and :func:`iter_critical_points`
    yields: a ``CriticalClass`` is the cheap key of a class, a ``CriticalPoint`` its record.
    """

    subset: tuple[int, ...]
    value: float


def count_classes(land: Landscape, *, tie_tol: float | None = None) -> int:
    """Number of critical classes: learnt counts ``0 <= k_g <= |g|`` per tie group, ``sum k_g``
    admissible (tie groups ``land.tie_groups``; ``tie_tol`` deprecated as in
    :func:`iter_critical_points`).

    The coefficients of ``prod_g (1 + x + ... + x^{|g|})`` count the classes by rank; with
    distinct values this is ``sum_{k <= min(r, m)} C(m, k)``. Written
    ``prod_g (1 - x^{|g|+1}) / (1 - x)^n`` (``n`` groups), the count of ranks up to ``K`` is
    ``sum_j a_j C(n + K - j, K - j)`` (hockey-stick identity) over the numerator's
    coefficients ``a_j``, ``j <= K``, expanded by the binomial theorem per group size: exact
    integers, a few milliseconds at ``10^4`` modes.

    Examples
    --------
    >>> from landscape import DataSpectrum
    >>> land = Landscape(DataSpectrum.from_singular_values([3.0, 2.0, 2.0]), widths=(3, 2, 3))
    >>> count_classes(land)  # {}, {0}, {1}, {0,1}, {1,2}
    5
    """
    land = problem_with_tie_tol(check_landscape(land), tie_tol, "count_classes")
    groups = land.tie_groups
    sizes = admissible_sizes(land, land.m)
    return _ranks_up_to(groups, sizes[-1]) - _ranks_up_to(groups, sizes[0] - 1)


def _ranks_up_to(groups, top: int) -> int:
    """The classes of at most ``top`` learnt modes (docstring of :func:`count_classes`)."""
    if top < 0:
        return 0
    modes = sum(len(g) for g in groups)
    if 2 * top > modes:  # the polynomial is palindromic: count the ranks above top instead
        return math.prod(len(g) + 1 for g in groups) - _ranks_up_to(groups, modes - top - 1)
    numerator = {0: 1}  # the nonzero a_j, j <= top
    for size, copies in zip(*np.unique([len(g) + 1 for g in groups], return_counts=True)):
        size, copies, factor, binomial = int(size), int(copies), {}, 1
        for i in range(min(copies, top // size) + 1):  # (1 - x^size)^copies, truncated
            factor[i * size] = (-1) ** i * binomial
            binomial = binomial * (copies - i) // (i + 1)
        product = {}
        for j, a in numerator.items():
            for k, b in factor.items():
                if j + k <= top:
                    product[j + k] = product.get(j + k, 0) + a * b
        numerator = product
    total, binomial, n = 0, 1, len(groups)  # binomial = C(n + t, t), t = top - j
    for t in range(top + 1):
        total += numerator.get(top - t, 0) * binomial
        binomial = binomial * (n + t + 1) // (t + 1)
    return total


def iter_classes(land: Landscape, *, tie_tol: float | None = None, chunk: int = 4096
                 ) -> Iterator[CriticalClass]:
    """Stream the class keys and critical values, by rank, then lexicographically.

    Keys are ascending tuples of mode indices taking, inside each tie group, the lowest
    indices (tie groups ``land.tie_groups``; ``tie_tol`` deprecated as in
    :func:`iter_critical_points`). Values ``L0 + 1/2 sum_{i not in S} sigma_i^2`` are summed
    over the complement (no cancellation), ``chunk`` sets at a time.

    Examples
    --------
    >>> from landscape import DataSpectrum
    >>> land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0]), widths=(2, 1, 2))
    >>> [(c.subset, c.value) for c in iter_classes(land)]
    [((), 2.5), ((0,), 0.5), ((1,), 2.0)]
    """
    land = problem_with_tie_tol(check_landscape(land), tie_tol, "iter_classes")
    chunk = check_int(chunk, "chunk", minimum=1)
    for rows, block in class_blocks(land, land.tie_groups, chunk):
        yield from map(CriticalClass._make, zip(rows, class_values(land, block)[1].tolist()))


def iter_critical_points(land: Landscape, *, tie_tol: float | None = None,
                         critical_tol: float = CRITICAL_TOL,
                         curvature: bool = False) -> Iterator[CriticalPoint]:
    """Stream the full record of every class, in the order of :func:`iter_classes`.

    Each record carries the canonical representative (balanced, aligned, in the problem's
    coordinates), verified critical (relative gradient norm at most ``critical_tol``; a
    failure raises :class:`~landscape.problem.criticality.NotCriticalError`), its value and
    its kind from the witness test of :func:`landscape.geometry.witness_kind`. Only the record
    being yielded holds weights.

    Parameters
    ----------
    land : Landscape
        The problem, with its tolerance for tied and zero singular values (``land.tie_tol``).
    tie_tol : float, optional
        Deprecated (one release): set ``Landscape(..., tie_tol=)``; a value other than
        ``land.tie_tol`` warns and is used through a copy of ``land``
        (:func:`~landscape.problem.rules.problem_with_tie_tol`).
    critical_tol : float
        Bound on each representative's relative gradient norm.
    curvature : bool
        Also fill ``inertia``, ``n_orbit``, ``centre_dim`` and ``witness_kind`` from
        :func:`landscape.geometry.classify` (Hessian inertia: for small networks).

    Examples
    --------
    >>> from landscape import DataSpectrum
    >>> land = Landscape(DataSpectrum.from_singular_values([4.0, 1.0]), widths=(2, 2, 2, 2))
    >>> for point in iter_critical_points(land):
    ...     print(point.subset, point.value, point.kind.value)
    () 8.5 non_strict_saddle
    (0,) 0.5 non_strict_saddle
    (1,) 8.0 strict_saddle
    (0, 1) 0.0 global_minimum
    """
    land = problem_with_tie_tol(check_landscape(land), tie_tol, "iter_critical_points")
    critical_tol = check_critical_tol(critical_tol)
    for cls in iter_classes(land):
        record = class_record(land, cls.subset, land.tie_groups, critical_tol=critical_tol)
        if curvature:
            found = classify(land, record.weights, critical_tol=critical_tol)
            record = dataclasses.replace(record, inertia=found.inertia, n_orbit=found.n_orbit,
                                         centre_dim=found.centre_dim,
                                         witness_kind=found.witness_kind)
        yield record


def representative_frustration(point: CriticalPoint) -> FrustrationResult:
    """The frustration column entry of a class: :func:`landscape.signed.frustration` of its
    representative's weights (weighted, every node switchable, ``seed=0``: exact where the
    network is small enough, else the greedy upper bound; docs/theory.md §6).

    It belongs to the representative, not to the class: switching and permuting hidden units
    keep it, other points of the class may differ.

    Examples
    --------
    >>> from landscape import DataSpectrum, critical_point
    >>> land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0]), widths=(2, 2, 2))
    >>> representative_frustration(critical_point(land, (0,))).value  # one aligned path
    0.0
    """
    if not isinstance(point, CriticalPoint):
        raise TypeError(f"point must be a CriticalPoint, got {type(point).__name__}")
    return signed_frustration(point.weights, seed=0)


def enumerate_critical_points(land: Landscape, *, tie_tol: float | None = None,
                              critical_tol: float = CRITICAL_TOL, keep_weights: bool = False,
                              curvature: bool = False, frustration: bool = False,
                              max_classes: int = MAX_CLASSES,
                              progress: bool | None = None) -> Catalog:
    """The catalog of all critical classes of ``land``, ordered by decreasing value.

    Parameters
    ----------
    land : Landscape
    tie_tol, critical_tol, curvature
        As in :func:`iter_critical_points`.
    keep_weights : bool
        Store every representative (``n_classes x P`` floats); by default representatives
        are rebuilt on access and the catalog holds only keys, values and kinds.
    frustration : bool
        Fill the catalog's frustration column (:attr:`Catalog.frustration
        <landscape.critical.catalog.Catalog.frustration>`) with
        :func:`representative_frustration` of each class.
    max_classes : int
        Refuse, before any work, a problem with more classes than this (the count is
        :func:`count_classes`, exact and cheap); the message gives the count and the memory
        the catalog would take. Raise it to go on.
    progress : bool or None
        Show a progress bar (``None``: on a terminal; off one, with curvature, weights or
        frustration, a plain line on standard error every 10 s).

    Without weights, curvature or frustration the classes are built and verified in
    vectorized batches (:mod:`~landscape.critical.batches`: every representative checked
    critical, its learnt set read back and its kind decided by the witness test's rules, the
    records equal to the per-record path of :func:`iter_critical_points`), hundreds of
    thousands of classes a second; otherwise one record at a time.

    Examples
    --------
    >>> from landscape import DataSpectrum
    >>> spec = DataSpectrum.from_singular_values([3.0, 2.0, 1.0, 0.5], d_x=11, d_y=4)
    >>> catalog = enumerate_critical_points(Landscape(spec, widths=(11, 6, 6, 6, 6, 4)))
    >>> len(catalog), catalog[0].value, catalog[-1].value, catalog[-1].kind.value
    (16, 7.125, 0.0, 'global_minimum')
    """
    land = problem_with_tie_tol(check_landscape(land), tie_tol, "enumerate_critical_points")
    frustration = check_bool(frustration, "frustration")
    critical_tol = check_critical_tol(critical_tol)
    keep_weights = check_bool(keep_weights, "keep_weights")
    curvature = check_bool(curvature, "curvature")
    max_classes = check_int(max_classes, "max_classes", minimum=1)
    n_classes = count_classes(land)
    if n_classes > max_classes:
        per_class = 8 * (len(land.spectrum.sigma) + 4 + (land.n_params if keep_weights else 0))
        raise ValueError(f"land has {n_classes:,} critical classes, more than max_classes = "
                         f"{max_classes:,} (the catalog would take about "
                         f"{n_classes * per_class / 2**30:.3g} GiB); pass a larger max_classes "
                         f"to enumerate them anyway, or stream them with iter_classes")
    if not (keep_weights or curvature or frustration):
        return _batched_catalog(land, critical_tol=critical_tol, progress=progress)
    points = _counted(iter_critical_points(land, critical_tol=critical_tol, curvature=curvature),
                      Progress(n_classes, "critical classes", progress))
    column = None
    if frustration:
        # one record at a time: the column is consumed in step with the points
        points, copies = itertools.tee(points)
        column = map(representative_frustration, copies)
    return Catalog(land, points, keep_weights=keep_weights, frustration=column)


def _counted(points, bar: Progress):
    """``points``, counted on ``bar`` (a plain line every 10 s off a terminal)."""
    try:
        for point in points:
            yield point
            bar.update()
    finally:
        bar.close()


def _batched_catalog(land: Landscape, *, critical_tol: float,
                     progress: bool | None, chunk: int = 8192) -> Catalog:
    """The catalog of :func:`enumerate_critical_points` from vectorized batches
    (:func:`~landscape.critical.batches.verified_columns`), sorted as :class:`Catalog` sorts."""
    groups = land.tie_groups
    masks, values, kinds = [], [], []
    from tqdm import tqdm  # imported where used: ``import landscape`` stays light

    with tqdm(total=count_classes(land), desc="critical classes", leave=False,
              disable=None if progress is None else not progress) as bar:
        for rows, block in class_blocks(land, groups, chunk):
            columns = verified_columns(land, rows, block, groups, critical_tol=critical_tol)
            for store, column in zip((masks, values, kinds), columns):
                store.append(column)
            bar.update(len(rows))
    values = np.concatenate(values)
    order = np.argsort(-values, kind="stable")
    return Catalog._from_columns(land=land, masks=np.concatenate(masks)[order],
                                 values=values[order], kinds=np.concatenate(kinds)[order],
                                 weights=None, extras={}, frustration={})
