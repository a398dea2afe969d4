"""The channel graph of a network: a small signed graph whose switchings are the channel-constant
switchings of the full one, and the starts it gives the greedy descent.

A switching that gives every node of a channel (the first axis of a tensor; every node of a
one-dimensional tensor is its own channel) the same sign has the value
``sum_b u_target^T M_b u_source``, with ``M_b[c, c'] = sum`` of the block's weights from
channel ``c'`` into channel ``c``. Weight sharing makes this the natural coarse problem of a
convolutional network: a planted balance ``K[o, c, D] = s_o s_c |K|`` makes every ``M_b``
balanced with the same channel signs, which sign propagation along a maximum-weight spanning
tree recovers exactly (docs/theory.md §6.1; J. Wendin, E. G. Larsson, C. Altafini, arXiv:2510.05286).
The coarse problem is solved by that propagation, by the all-``+1`` switching and by random
starts, each followed by block-coordinate ascent (every tensor's channels to the sign of their
field, forward and backward sweeps), and the channel switchings are expanded to nodes.

Internal to :mod:`landscape.signed`.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import numpy as np

from .convolution import ConvBlock, _valid_pairs
from .milp import milp_switching
from .network import DenseBlock, network_of_parts
from .network_exact import edge_list, enumerate_network, enumeration_plan
from .network_graph import NetworkGraph

if TYPE_CHECKING:  # scipy.sparse is imported where used: ``import landscape`` stays light
    from scipy import sparse

__all__ = ["ChannelGraph"]

#: Largest number of edges of a block whose channel weights are read from its sparse matrix.
_SPARSE_EDGES = 20_000_000
#: Largest number of values one chunk of indicator products may hold.
_CHUNK = 1 << 22
#: Most enumerated channels, and most channels, of a channel graph solved exactly (enumeration,
#: else the mixed-integer program within ``_MILP_SECONDS``).
_EXACT_ENUMERATION, _EXACT_CHANNELS, _MILP_SECONDS = 16, 48, 10.0


def channel_count(shape: tuple) -> int:
    """Channels of a tensor: its first axis, or every node of a one-dimensional tensor."""
    return int(shape[0]) if len(shape) >= 2 else int(np.prod(shape, dtype=np.int64))


def _conv_channels(b: ConvBlock) -> np.ndarray:
    """``M[o, c] = sum_D K[o, c, D] N(D)``, ``N(D)`` the output positions whose input
    ``s q + d D - b`` lies inside the input, groups laid out block-diagonally."""
    K = b.kernel
    per_axis = [[len(_valid_pairs(n_in, n_out, k, s, p, dl, o)[0]) for o in range(k)]
                for n_in, n_out, k, s, p, dl in zip(b.in_shape[1:], b.out_shape[1:], K.shape[2:],
                                                    b.stride, b.pads, b.dilation)]
    counts = np.ones(())
    for axis in per_axis:
        counts = np.multiply.outer(counts, np.asarray(axis, dtype=float))
    summed = np.tensordot(K, counts, axes=(tuple(range(2, K.ndim)), tuple(range(counts.ndim))))
    c_out, cin_g = K.shape[:2]
    M = np.zeros((c_out, b.in_shape[0]))
    rows = np.arange(c_out)[:, None]
    M[rows, (rows // (c_out // b.groups)) * cin_g + np.arange(cin_g)[None, :]] = summed
    return M


def _aggregator(shape: tuple) -> sparse.csr_matrix:
    """The ``(channels, nodes)`` 0/1 matrix summing the nodes of each channel."""
    from scipy import sparse

    size = int(np.prod(shape, dtype=np.int64))
    c = channel_count(shape)
    return sparse.csr_matrix((np.ones(size), (np.repeat(np.arange(c), size // c),
                                              np.arange(size))), shape=(c, size))


def channel_block(b, source_shape: tuple, target_shape: tuple) -> np.ndarray:
    """``M_b`` (target channels, source channels): exact for dense and convolution blocks and
    for blocks up to ``_SPARSE_EDGES`` edges; indicator products otherwise."""
    cs, ct = channel_count(source_shape), channel_count(target_shape)
    if isinstance(b, DenseBlock) and b.repeat == 1:
        w = b.parameters
        return w.reshape(ct, w.shape[0] // ct, cs, w.shape[1] // cs).sum(axis=(1, 3))
    if isinstance(b, ConvBlock) and b.kernel.shape[0] == ct and b.in_shape[0] == cs:
        return _conv_channels(b)
    if b.n_edges <= _SPARSE_EDGES:
        R_t, R_s = _aggregator(target_shape), _aggregator(source_shape)
        return np.asarray((R_t @ b.to_sparse().tocsr() @ R_s.T).todense())
    size_s, size_t = int(np.prod(source_shape)), int(np.prod(target_shape))
    R_t = _aggregator(target_shape)
    M = np.zeros((ct, cs))
    step = max(1, _CHUNK // max(size_s, size_t))
    for lo in range(0, cs, step):
        chunk = np.arange(lo, min(cs, lo + step))
        x = np.zeros((chunk.size, size_s))
        x[np.arange(chunk.size)[:, None], chunk[:, None] * (size_s // cs)
          + np.arange(size_s // cs)[None, :]] = 1.0
        M[:, chunk] = (R_t @ b.matvec(x).T)
    return M


class ChannelGraph:
    """The coarse signed graph over channels of a :class:`NetworkGraph`.

    Attributes
    ----------
    counts : list of int
        Channels per tensor.
    offsets : ndarray
        First channel of each tensor, and the total last.
    blocks : list of ndarray
        ``M_b`` per block.
    """

    def __init__(self, graph):
        self.graph = graph
        shapes = [t.shape for t in graph.tensors]
        self.counts = [channel_count(shape) for shape in shapes]
        self.offsets = np.concatenate([[0], np.cumsum(self.counts)]).astype(np.int64)
        self.blocks = [channel_block(b, shapes[b.source], shapes[b.target])
                       for b in graph.blocks]
        scale = max((float(np.max(np.abs(M))) for M in self.blocks if M.size), default=0.0)
        self.tol = 1e-12 * scale

    def value(self, u: list[np.ndarray]) -> float:
        """``sum_b u_target^T M_b u_source``."""
        return float(sum(u[b.target] @ M @ u[b.source]
                         for b, M in zip(self.graph.blocks, self.blocks)))

    def field(self, t: int, u: list[np.ndarray]) -> np.ndarray:
        """The coarse field of the channels of tensor ``t``."""
        g = np.zeros(self.counts[t])
        for index in self.graph.in_blocks[t]:
            g += self.blocks[index] @ u[self.graph.blocks[index].source]
        for index in self.graph.out_blocks[t]:
            g += self.blocks[index].T @ u[self.graph.blocks[index].target]
        return g

    def ascend(self, u: list[np.ndarray], max_sweeps: int = 200) -> list[np.ndarray]:
        """Block-coordinate ascent: each free tensor's channels take the sign of their field,
        in forward then backward sweeps, until a sweep changes nothing."""
        order = self.graph.free_tensors()
        for sweep in range(max_sweeps):
            changed = False
            for t in (order if sweep % 2 == 0 else order[::-1]):
                g = self.field(t, u)
                bad = u[t] * g < -self.tol
                if bad.any():
                    u[t][bad] = -u[t][bad]
                    changed = True
            if not changed:
                break
        return u

    def propagated(self) -> list[np.ndarray]:
        """Signs propagated along a maximum-weight spanning tree of ``|M|`` (every tree edge
        positive), fixed channels hanging off a ground node: the channel signs of a balanced
        channel graph, exactly."""
        from scipy import sparse
        from scipy.sparse import csgraph

        n = int(self.offsets[-1])
        rows, cols, vals = [], [], []
        for b, M in zip(self.graph.blocks, self.blocks):
            r, c = np.nonzero(M)
            rows.append(r + self.offsets[b.target])
            cols.append(c + self.offsets[b.source])
            vals.append(M[r, c])
        fixed = np.flatnonzero(np.repeat(self.graph.fixed, self.counts))
        rows += [np.full(fixed.size, n)]
        cols += [fixed]
        vals += [np.full(fixed.size, np.inf)]
        M = sparse.coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                              shape=(n + 1, n + 1)).tocsr()
        M = (M + M.T).tocsr()
        M.eliminate_zeros()
        cost = M.copy()  # a maximum-weight tree is a minimum-cost one, cost 1/|M|
        with np.errstate(divide="ignore", over="ignore"):
            cost.data = np.where(np.isinf(M.data), 1e-300,
                                 np.minimum(1.0 / np.abs(M.data), 1e300))
        tree = csgraph.minimum_spanning_tree(cost)
        tree = (tree + tree.T).tocsr()
        signs = np.ones(n + 1)
        _, labels = csgraph.connected_components(tree, directed=False)
        roots = {labels[n]: n}
        for node in np.flatnonzero(np.diff(tree.indptr) > 0):
            roots.setdefault(labels[node], int(node))
        for root in roots.values():
            order, pred = csgraph.breadth_first_order(tree, root, directed=False,
                                                      return_predecessors=True)
            if order.size < 2:
                continue
            edge = np.sign(np.asarray(M[pred[order[1:]], order[1:]]).ravel())
            edge[(order[1:] == n) | (pred[order[1:]] == n)] = 1.0
            for v, p, e in zip(order[1:], pred[order[1:]], edge):
                signs[v] = signs[p] * e
        return self.split(signs[:n])

    def exact(self) -> list[np.ndarray] | None:
        """The best channel switching of a small channel graph (``None`` for a large one): by
        enumeration, else by the mixed-integer program. Its expansion is the best
        channel-constant switching of the network, so the descent from it ends at most at the
        cost of any channel-constant switching (a planted one with noise included)."""
        if self.offsets[-1] > _EXACT_CHANNELS:
            return None
        shapes = [(f"c{t}", (k,)) for t, k in enumerate(self.counts)]
        blocks = [DenseBlock(b.source, b.target, b.name, M)
                  for b, M in zip(self.graph.blocks, self.blocks)]
        coarse = NetworkGraph(network_of_parts(shapes, blocks, self.graph.net.outputs), False)
        coarse.fixed = self.graph.fixed
        edges = edge_list(coarse, 1 << 26)
        if enumeration_plan(coarse)[1].size <= _EXACT_ENUMERATION:
            u = enumerate_network(coarse, edges)
        else:
            u = milp_switching(edges, _MILP_SECONDS)[0]
        return self.split(u.astype(float))

    def split(self, u: np.ndarray) -> list[np.ndarray]:
        """A flat channel vector cut per tensor (copies)."""
        return [u[self.offsets[t]:self.offsets[t + 1]].astype(float).copy()
                for t in range(len(self.counts))]

    def starts(self, restarts: int, rng: np.random.Generator) -> list[list[np.ndarray]]:
        """Coarse local optima from the propagation, the all-``+1`` switching and ``restarts``
        random starts, best first, without repeats; expanded to node switchings."""
        n = int(self.offsets[-1])
        fixed = np.repeat(self.graph.fixed, self.counts)
        found = []
        exact = self.exact()
        candidates = itertools.chain([] if exact is None else [exact],
                                     [self.propagated(), self.split(np.ones(n))],
                                     (self.split(np.where(fixed | (rng.random(n) < 0.5), 1.0,
                                                          -1.0)) for _ in range(restarts)))
        for u in candidates:
            u = self.ascend(u)
            found.append((self.value(u), np.concatenate(u) if u else np.zeros(0)))
        found.sort(key=lambda pair: -pair[0])
        unique, seen = [], set()
        for _, u in found:
            key = np.packbits(u > 0).tobytes()
            if key not in seen:
                seen.add(key)
                unique.append(self.expand(self.split(u)))
        return unique

    def expand(self, u: list[np.ndarray]) -> list[np.ndarray]:
        """Channel signs to node signs (every node of a channel gets its channel's sign)."""
        return [np.repeat(ut, size // count) for ut, size, count
                in zip(u, self.graph.sizes, self.counts)]
