"""Critical classes in vectorized batches: keys, values, verified representatives and kinds.

The enumeration of :mod:`~landscape.critical.enumeration` streams the learnt sets ``S`` rank
by rank, a few thousand at a time (:func:`class_blocks`), as an ``(n, k)`` array of mode
indices. :func:`verified_columns` turns one such block into the catalog's columns -- the
membership mask, the critical value ``L_S = L0 + 1/2 sum_{i not in S} sigma_i^2`` and the kind
-- with every class's canonical representative verified, all at once, by the same rules as the
per-record path (:func:`~landscape.critical.representatives.class_record`), and the same
results:

- *criticality*: the representative is ``|S|`` disjoint balanced paths of edge
  ``e_i = sigma_i^{1/h}`` (reduced coordinates), so its end-to-end map is diagonal with
  ``p_i = e_i ... e_i`` (the products a dense matrix chain computes, zeros elsewhere exact), its
  layers have equal norms (no rebalancing) and every layer's gradient has norm
  ``sqrt(sum_{i in S} (e_i^{h-1} (p_i - sigma_i))^2)`` (the unlearnt residuals are invisible
  from the paths); the relative gradient norm (:func:`~.criticality.relative_gradient_norm`)
  is that over ``sigma_1^{(2h-1)/h}``, computed in the flow's units
  (``sigma_i / sigma_1``, so nothing overflows at ``sigma_1 = 1e150``) and checked against
  ``critical_tol`` for every class. The construction of the weights and the map to the
  problem's coordinates, shared by all classes, are checked by the dense per-record test on
  the first and the last representative of each batch, built on the network with every
  hidden layer cut to ``min(d_j, |S| + 1)`` units (the paths and an idle unit where the layer
  has one): off its paths the representative is zero and so is its gradient, so the test is
  the full network's at a cost independent of the hidden widths (``10^9`` included);
- *the learnt set read back* (:func:`~landscape.problem.learnt.learnt_modes`): per tie group,
  how many ``|p_i|`` exceed ``sigma_g / 2``;
- *the kind* (the witness test, :func:`~landscape.geometry.witness.witness_at`): not top ->
  strict saddle; top with ``|S| = r*`` -> global minimum; depth 2 -> strict; the remaining
  top sets (at most one per rank: the first ``k`` modes) go through the per-record test.

The values are summed exactly as :meth:`~landscape.problem.network.Landscape.critical_value`
sums them (the complement's squares in index order, one row at a time), so they are equal to
the last bit.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import numpy as np

from ..problem.criticality import CriticalKind, NotCriticalError, check_critical
from ..problem.learnt import learnt_above
from ..problem.nearby import aligned_weights
from ..problem.network import Landscape
from .points import KINDS
from .representatives import representative_kind

__all__: list[str] = []

_STRICT = KINDS.index(CriticalKind.STRICT_SADDLE)
_MINIMUM = KINDS.index(CriticalKind.GLOBAL_MINIMUM)


def admissible_sizes(land: Landscape, n_modes: int) -> range:
    """Admissible numbers of learnt modes: ``0..min(r, m)``, only ``m`` for ``h = 1``."""
    if land.h == 1:
        return range(n_modes, n_modes + 1)
    return range(min(land.bottleneck, n_modes) + 1)


def class_values(land: Landscape, block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(masks, values)`` of the classes whose learnt modes are the rows of ``block``
    (``(n, k)``): the learnt masks over all of ``sigma`` and the critical values
    ``L0 + 1/2 sum_{i not in S} sigma_i^2``, summed over the complement (no cancellation), the
    same numbers as :meth:`Landscape.critical_value`."""
    sigma = land.spectrum.sigma
    n, k = block.shape
    masks = np.zeros((n, sigma.size), dtype=bool)
    np.put_along_axis(masks, block, True, axis=1)
    complement = np.nonzero(~masks)[1].reshape(n, sigma.size - k)
    return masks, land.spectrum.loss_offset + 0.5 * (sigma[complement] ** 2).sum(axis=1)


def class_blocks(land: Landscape, groups, chunk: int) -> Iterator[tuple[list, np.ndarray]]:
    """The class keys in enumeration order (by rank, then lexicographically), ``chunk`` at a
    time: ``(rows, block)`` with ``rows`` the tuples and ``block`` their ``(n, k)`` array.

    Inside a tie group only prefixes are keys (each non-first index follows its predecessor).
    """
    n_modes = sum(len(g) for g in groups)
    starts = np.zeros(n_modes, dtype=bool)
    starts[[g[0] for g in groups]] = True
    tied = not bool(np.all(starts))
    for k in admissible_sizes(land, n_modes):
        combos = itertools.combinations(range(n_modes), k)
        while True:
            rows = list(itertools.islice(combos, chunk))
            if not rows:
                break
            block = np.fromiter(itertools.chain.from_iterable(rows), dtype=np.intp,
                                count=len(rows) * k).reshape(len(rows), k)
            if tied and k:
                follows = np.zeros_like(block, dtype=bool)
                follows[:, 1:] = block[:, 1:] == block[:, :-1] + 1
                keep = np.all(starts[block] | follows, axis=1)
                rows = list(itertools.compress(rows, keep))
                block = block[keep]
            if rows:
                yield rows, block


def verified_columns(land: Landscape, rows, block: np.ndarray, groups, *,
                     critical_tol: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Masks ``(n, len(sigma))``, values ``(n,)`` and kind codes ``(n,)`` of one block of
    canonical, admissible keys, every representative verified (module docstring).

    Raises
    ------
    NotCriticalError
        If a representative is not critical to ``critical_tol`` (as the per-record path).
    """
    sigma = land.spectrum.sigma
    n = block.shape[0]
    masks, values = class_values(land, block)
    for row in {rows[0], rows[-1]}:
        # the construction and the map to the problem's coordinates, by the dense test
        narrow = Landscape(land.spectrum, (land.widths[0], *(min(d, len(row) + 1)
                                                             for d in land.widths[1:-1]),
                                           land.widths[-1]), tie_tol=land.tie_tol)
        check_critical(narrow, narrow.from_reduced(aligned_weights(narrow, row)),
                       critical_tol=critical_tol, name=f"the representative of {row}")
    # in the flow's units (sigma / sigma_1, edges / sigma_1^{1/h}): the gradient norm is the
    # relative one directly, and its squares cannot overflow for any accepted sigma_1
    learnt = sigma[block] / land.scale
    if land.h == 1:
        products = learnt.copy()
        measures = np.zeros(n)
    else:
        edge = learnt ** (1.0 / land.h)
        slope = edge.copy()  # edge^(h-1), then the product edge^h
        for _ in range(land.h - 2):
            slope = edge * slope
        products = edge * slope
        measures = np.sqrt(np.sum((slope * (products - learnt)) ** 2, axis=1))
    products = products * land.scale
    bad = np.flatnonzero(~(measures <= critical_tol))
    if bad.size:
        raise NotCriticalError(measures[bad[0]], critical_tol,
                               f"the representative of {rows[bad[0]]}")
    counts, intended, sizes = _read_counts(sigma, block, masks, products, groups)
    # last[i]: the last tie group holding a learnt mode (-1: none, also with no groups at
    # all, an all-zero sigma); before[:, g]: every group before g is fully learnt
    last = np.max((counts > 0) * np.arange(1, len(groups) + 1), axis=1, initial=0) - 1
    before = np.ones((n, len(groups) + 1), dtype=bool)
    before[:, 1:] = np.logical_and.accumulate(counts == sizes, axis=1)
    top = before[np.arange(n), np.maximum(last, 0)]
    rank = counts.sum(axis=1)
    max_rank = min(land.bottleneck, int(sizes.sum()))
    kinds = np.full(n, _STRICT, dtype=np.uint8)
    kinds[top & (rank >= max_rank)] = _MINIMUM
    per_record = np.flatnonzero((top & (rank < max_rank) & (land.h > 2))
                                | np.any(counts != intended, axis=1))
    for i in per_record:
        kinds[i] = KINDS.index(representative_kind(land, rows[i], critical_tol=critical_tol))
    return masks, values, kinds


def _read_counts(sigma, block, masks, products, groups):
    """Learnt modes per tie group as :func:`~landscape.problem.learnt.learnt_modes` reads them
    off the diagonal end-to-end map (``|p_i|`` above ``sigma_g / 2``), the intended counts (the
    keys') and the groups' sizes."""
    n = block.shape[0]
    sizes = np.array([len(g) for g in groups], dtype=int)
    membership = np.zeros((sigma.size, len(groups)))  # float: BLAS, exact for counts
    level = np.full(sigma.size, np.inf)  # sigma_g of each mode's group; inf: in none
    for number, g in enumerate(groups):
        membership[list(g), number] = 1
        level[list(g)] = sigma[g[0]]
    above = np.zeros_like(masks)
    np.put_along_axis(above, block, learnt_above(np.abs(products), level[block]), axis=1)
    if not groups:
        empty = np.zeros((n, 0), dtype=np.int64)
        return empty, empty, sizes
    return ((above @ membership).astype(np.int64), (masks @ membership).astype(np.int64),
            sizes)
