"""Exact frustration: the linear-time balance test, a lower bound, and enumeration.

Every edge joins an even layer to an odd one, so the signed graph is bipartite: given the
signs ``s_X`` of one side, each free node ``a`` of the other side independently takes
``s_a = sign(u_a)`` with ``u = B s_X`` its signed incident weight, and

    sum_{ab} s_a A_ab s_b = sum_{a free} |u_a| + sum_{a fixed} u_a,

so the frustration ``F = (W - max_s sum_{ab} s_a A_ab s_b) / 2`` is found exactly by
enumerating the ``2^k`` sign patterns of the free nodes of the smaller side
(:func:`enumerate_switching`). A graph is *balanced* (``F = 0``) when sign propagation along a
spanning forest meets no contradiction (:func:`balanced_signs`, ``O(n + m)``); negative cycles
give a proven lower bound (:func:`lower_bound`). docs/theory.md §6; J. Wendin, E. G. Larsson,
C. Altafini, *Computing frustration and near-monotonicity in deep neural networks*,
arXiv:2510.05286.

Internal to :mod:`landscape.signed`.
"""

from __future__ import annotations

import math

import numpy as np

from .signed_graph import SignedLayers

__all__ = ["balanced_signs", "bipartition", "enumerate_switching", "enumeration_size",
           "lower_bound"]

# Largest number of entries of one vectorised slab of the enumeration (about 512 KiB of
# float64: it stays in cache, which matters more than fewer Python-level Gray-code steps).
_SLAB = 1 << 16


def balanced_signs(g: SignedLayers) -> np.ndarray | None:
    """A switching with no negative edge, or ``None``: breadth-first sign propagation, ``O(n + m)``.

    Fixed nodes hang off an extra ground node by positive edges, so they all get ``+1``. Only
    ``g.n``, ``g.free`` and ``g.edges()`` are read, so any graph with them is accepted (the
    edge list of a network's adjacency matrix too).
    """
    from scipy import sparse  # imported where used: ``import landscape`` stays light
    from scipy.sparse import csgraph

    n = g.n
    r, c, w = g.edges()
    rows, cols, vals = [r], [c], [np.sign(w)]
    fixed = np.flatnonzero(~g.free)
    rows.append(np.full(fixed.size, n))
    cols.append(fixed)
    vals.append(np.ones(fixed.size))
    rows, cols, vals = (np.concatenate(x) for x in (rows, cols, vals))
    M = sparse.coo_matrix((vals, (rows, cols)), shape=(n + 1, n + 1)).tocsr()
    M = (M + M.T).tocsr()
    n_comp, labels = csgraph.connected_components(M, directed=False)
    s = np.ones(n + 1)
    sizes = np.bincount(labels, minlength=n_comp)
    roots = {labels[n]: n}
    for comp in np.flatnonzero(sizes > 1):
        root = roots.get(comp, int(np.argmax(labels == comp)))
        order, pred = csgraph.breadth_first_order(M, root, directed=False,
                                                  return_predecessors=True)
        edge_sign = np.asarray(M[pred[order[1:]], order[1:]]).ravel()
        for v, p, e in zip(order[1:], pred[order[1:]], edge_sign):
            s[v] = s[p] * e
    s = s[:n]
    if np.any(s[~g.free] < 0) or np.any(s[r] * w * s[c] < 0):
        return None
    return s.astype(np.int8)


def lower_bound(g: SignedLayers) -> float:
    """A proven lower bound from edge-disjoint negative 4-cycles.

    A cycle's sign (the product of its edge signs) is invariant under switching, so every
    negative cycle keeps at least its lightest edge frustrated, and edge-disjoint cycles add
    up. Each block ``W_j`` is tiled by disjoint ``2 x 2`` sub-blocks (rows ``a, a'``,
    columns ``b, b'``: the 4-cycle ``a b a' b'``). An unbalanced graph without a negative
    tile still costs its smallest nonzero ``|A_ab|``.
    """
    bound = 0.0
    for w in g.blocks:
        r, c = w.shape[0] // 2 * 2, w.shape[1] // 2 * 2
        tiles = w[:r, :c].reshape(r // 2, 2, c // 2, 2).transpose(0, 2, 1, 3).reshape(-1, 4)
        negative = np.prod(np.sign(tiles), axis=1) < 0
        bound += float(np.sum(np.min(np.abs(tiles[negative]), axis=1)))
    if bound == 0.0 and balanced_signs(g) is None:
        bound = min(float(np.min(np.abs(w[w != 0]))) for w in g.blocks if np.any(w != 0))
    return bound


def bipartition(g: SignedLayers):
    """Even/odd layer sides; ``X`` the side with fewer free, connected nodes (enumerated)."""
    degree = np.zeros(g.n, dtype=bool)
    o = g.offsets
    for j, w in enumerate(g.blocks, start=1):
        nz = w != 0
        degree[o[j]:o[j + 1]] |= nz.any(axis=1)
        degree[o[j - 1]:o[j]] |= nz.any(axis=0)
    parity = np.repeat(np.arange(len(g.widths)) % 2, g.widths)
    counts = [int(np.sum(g.free & degree & (parity == p))) for p in (0, 1)]
    x_parity = int(np.argmin(counts))
    return x_parity, g.free & degree & (parity == x_parity), counts[x_parity]


def enumeration_size(g: SignedLayers) -> int:
    """Number of enumerated nodes (after the global-flip symmetry when nothing is fixed)."""
    _, _, k = bipartition(g)
    return max(k - 1, 0) if g.free.all() else k


def enumerate_switching(g: SignedLayers) -> np.ndarray:
    """Exact switching by enumerating the free nodes of the smaller side of the bipartition.

    For each pattern ``s_X`` the other side responds in closed form, ``s_a = sign(u_a)``,
    ``u = B s_X``; the value ``sum_{a free} |u_a| + sum_{a fixed} u_a`` is maximised.
    Patterns are split into low bits, all enumerated at once as a matrix, and high bits,
    walked in Gray-code order with one column update per step.
    """
    x_parity, enum_mask, _ = bipartition(g)
    parity = np.repeat(np.arange(len(g.widths)) % 2, g.widths)
    x_nodes = np.flatnonzero(parity == x_parity)
    y_nodes = np.flatnonzero(parity != x_parity)
    y_nodes = np.concatenate([y_nodes[g.free[y_nodes]], y_nodes[~g.free[y_nodes]]])
    n_free_y = int(np.sum(g.free[y_nodes]))
    x_pos = np.full(g.n, -1)
    x_pos[x_nodes] = np.arange(x_nodes.size)
    y_pos = np.full(g.n, -1)
    y_pos[y_nodes] = np.arange(y_nodes.size)
    B = np.zeros((y_nodes.size, x_nodes.size))
    o = g.offsets
    for j, w in enumerate(g.blocks, start=1):
        upper_nodes = np.arange(o[j], o[j + 1])
        lower_nodes = np.arange(o[j - 1], o[j])
        if j % 2 == x_parity:
            B[np.ix_(y_pos[lower_nodes], x_pos[upper_nodes])] = w.T
        else:
            B[np.ix_(y_pos[upper_nodes], x_pos[lower_nodes])] = w
    enum_nodes = np.flatnonzero(enum_mask)
    if g.free.all() and enum_nodes.size:
        enum_nodes = enum_nodes[1:]  # s -> -s leaves the value unchanged: fix one sign
    s = np.ones(g.n)
    cols = x_pos[enum_nodes]
    rest = np.setdiff1d(np.arange(x_nodes.size), cols)
    u0 = B[:, rest].sum(axis=1)
    k = cols.size
    low = min(k, 16, max(0, int(math.log2(_SLAB / max(y_nodes.size, 1)))))
    bits = ((np.arange(1 << low)[:, None] >> np.arange(low)) & 1).astype(float)
    patterns = 1.0 - 2.0 * bits
    U_low = patterns @ B[:, cols[:low]].T + u0
    B_high = B[:, cols[low:]]
    s_high = np.ones(k - low)
    u_high = B_high.sum(axis=1)
    best, best_low, best_high = -np.inf, 0, s_high.copy()
    for t in range(1 << (k - low)):
        if t:
            bit = (t & -t).bit_length() - 1
            u_high -= 2.0 * s_high[bit] * B_high[:, bit]
            s_high[bit] = -s_high[bit]
        total = U_low + u_high
        vals = np.abs(total[:, :n_free_y]).sum(axis=1) + total[:, n_free_y:].sum(axis=1)
        i = int(np.argmax(vals))
        if vals[i] > best:
            best, best_low, best_high = vals[i], i, s_high.copy()
    s[enum_nodes[:low]] = patterns[best_low]
    s[enum_nodes[low:]] = best_high
    u = B @ s[x_nodes]
    free_y = y_nodes[:n_free_y]
    s[free_y] = np.where(u[:n_free_y] < 0, -1.0, 1.0)
    return s.astype(np.int8)
