"""Exact frustration of a small network from its adjacency matrix: the edge list the balance test
and the mixed-integer program read, and enumeration over all but an independent set of tensors.

Nodes of one tensor share no edge, so a union ``Y`` of tensors no two of which share a block is
an independent set: given the signs ``s_X`` of the other nodes, each free node ``y`` of ``Y``
takes ``s_y = sign(u_y)`` with ``u = B s_X`` (``B = (A + A^T)_{YX}``), and

    sum_{edges} s_i A_ij s_j = s_X^T A_XX s_X + sum_{y free} |u_y| + sum_{y fixed} u_y,

so ``F = (W - max) / 2`` is found exactly by enumerating the ``2^k`` sign patterns of the free
nodes of ``X`` (the generalisation to any feed-forward network of the even/odd layer
enumeration of :mod:`~landscape.signed.exact`; docs/theory.md §6, §6.1; J. Wendin, E. G. Larsson,
C. Altafini, arXiv:2510.05286).

Internal to :mod:`landscape.signed`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["EdgeList", "edge_list", "enumerate_network", "enumeration_plan"]

#: Largest ``2^k |X| (|X| + |Y|)`` (multiply-adds) an automatic enumeration may cost.
MAX_ENUMERATION_WORK = 4e9
#: Low bits of the enumeration, all enumerated at once as a matrix.
_LOW_BITS = 12


@dataclass(frozen=True, eq=False)
class EdgeList:
    """The edges of a network's adjacency matrix and its free nodes: what
    :func:`~landscape.signed.exact.balanced_signs` and
    :func:`~landscape.signed.milp.milp_switching` read."""

    n: int
    rows: np.ndarray
    cols: np.ndarray
    weights: np.ndarray
    free: np.ndarray

    def edges(self):
        """``(receiving nodes, sending nodes, weights)`` of every nonzero edge."""
        return self.rows, self.cols, self.weights

    def scale(self) -> float:
        """Largest ``|A_ij|`` (0 without edges)."""
        return float(np.max(np.abs(self.weights))) if self.weights.size else 0.0


def edge_list(graph, max_bytes: int) -> EdgeList:
    """The edge list of ``graph.net.adjacency(max_bytes=max_bytes)`` (parallel edges summed)."""
    A = graph.net.adjacency(max_bytes=max_bytes).tocoo()
    return EdgeList(graph.n, A.row.astype(np.int64), A.col.astype(np.int64),
                    A.data.astype(float), graph.free())


def enumeration_plan(graph):
    """``(y_mask, enumerated nodes, work)``: ``Y`` the union of the tensors picked largest first
    that share no block with a picked one; the enumerated nodes are the free nodes outside
    ``Y`` (one fewer when every node is free: ``s -> -s`` keeps the value); ``work`` the
    multiply-adds of the enumeration."""
    picked: set[int] = set()
    adjacent = [set() for _ in graph.tensors]
    for b in graph.blocks:
        adjacent[b.source].add(b.target)
        adjacent[b.target].add(b.source)
    free_count = [0 if graph.fixed[t] else graph.sizes[t] for t in range(len(graph.tensors))]
    for t in sorted(range(len(graph.tensors)), key=lambda t: -free_count[t]):
        if not adjacent[t] & picked:
            picked.add(t)
    y_mask = np.repeat([t in picked for t in range(len(graph.tensors))], graph.sizes)
    free = graph.free()
    enumerated = np.flatnonzero(free & ~y_mask)
    if free.all() and enumerated.size:
        enumerated = enumerated[1:]
    n_x = int(np.sum(~y_mask))
    work = float(2 ** enumerated.size) * n_x * graph.n
    return y_mask, enumerated, work


def enumerate_network(graph, edges: EdgeList) -> np.ndarray:
    """The exact switching by enumeration over :func:`enumeration_plan` (``int8`` per node).

    Patterns are split into low bits, all enumerated at once as a matrix, and high bits,
    walked one pattern at a time.
    """
    y_mask, enumerated, _ = enumeration_plan(graph)
    n = graph.n
    A = np.zeros((n, n))
    np.add.at(A, (edges.rows, edges.cols), edges.weights)
    x_nodes, y_nodes = np.flatnonzero(~y_mask), np.flatnonzero(y_mask)
    free = graph.free()
    y_nodes = np.concatenate([y_nodes[free[y_nodes]], y_nodes[~free[y_nodes]]])
    n_free_y = int(np.sum(free[y_nodes]))
    A_xx = A[np.ix_(x_nodes, x_nodes)]
    B = (A + A.T)[np.ix_(y_nodes, x_nodes)]
    position = np.full(n, -1)
    position[x_nodes] = np.arange(x_nodes.size)
    cols = position[enumerated]
    k = cols.size
    low = min(k, _LOW_BITS)
    bits = ((np.arange(1 << low)[:, None] >> np.arange(low)) & 1).astype(float)
    patterns = 1.0 - 2.0 * bits
    best, best_s = -np.inf, None
    for high in range(1 << (k - low)):
        S = np.ones((1 << low, x_nodes.size))
        S[:, cols[:low]] = patterns
        S[:, cols[low:]] = 1.0 - 2.0 * ((high >> np.arange(k - low)) & 1)
        U = S @ B.T
        values = (np.einsum("pi,pi->p", S @ A_xx.T, S) + np.abs(U[:, :n_free_y]).sum(axis=1)
                  + U[:, n_free_y:].sum(axis=1))
        i = int(np.argmax(values))
        if values[i] > best:
            best, best_s = values[i], S[i].copy()
    s = np.ones(n)
    s[x_nodes] = best_s
    u = B @ best_s
    s[y_nodes[:n_free_y]] = np.where(u[:n_free_y] < 0, -1.0, 1.0)
    return s.astype(np.int8)
