"""A :class:`~landscape.signed.network.SignedNetwork` as the solvers see it: fields and frustrated
weight, matrix-free.

A switching ``s`` (one ``+-1`` per node) is held tensor by tensor. The field of node ``i`` is
``g_i = sum_j (A_ij + A_ji) s_j``: for a tensor ``t``, the ``matvec`` of its in-blocks applied
to their sources' signs plus the ``rmatvec`` of its out-blocks applied to their targets'
signs. Nodes of one tensor share no edge, so flipping any set ``I`` of them changes the
frustrated weight by exactly ``sum_{i in I} s_i g_i`` (docs/theory.md §6.1; J. Wendin, E. G. Larsson,
C. Altafini, *Computing frustration and near-monotonicity in deep neural networks*,
arXiv:2510.05286).

The frustrated weight of a block is counted from its definition,
``F_b = sum_{edges i <- j} |A_ij| [s_i A_ij s_j < 0]``, as four sums of non-negative terms
(the positive and negative parts of the kernel against the ``+1`` and ``-1`` nodes), so that a
switching that frustrates no edge gives exactly 0, with no cancellation.

Internal to :mod:`landscape.signed`.
"""

from __future__ import annotations

import numpy as np

__all__ = ["NetworkGraph"]


class NetworkGraph:
    """The tensors, blocks, fixed tensors and total weight of a network, and its fields.

    Parameters
    ----------
    net : SignedNetwork
    fix_io_signs : bool
        Keep the signs of the input tensor and the output tensors at ``+1``.
    """

    def __init__(self, net, fix_io_signs: bool):
        self.net = net
        self.tensors = net.tensors
        self.blocks = net.blocks
        self.sizes = [t.size for t in net.tensors]
        self.n = int(net.n_nodes)
        self.in_blocks = [[] for _ in net.tensors]
        self.out_blocks = [[] for _ in net.tensors]
        for index, b in enumerate(net.blocks):
            self.in_blocks[b.target].append(index)
            self.out_blocks[b.source].append(index)
        self.fixed = np.zeros(len(net.tensors), dtype=bool)
        if fix_io_signs:
            self.fixed[0] = True
            self.fixed[list(net.outputs)] = True
        self.block_weight = np.array([b.abs_weight() for b in net.blocks], dtype=float)
        self.total = float(self.block_weight.sum())

    # --- switchings ---------------------------------------------------------------------------
    def split(self, s: np.ndarray) -> list[np.ndarray]:
        """The node vector ``s`` cut into one float array per tensor (copies)."""
        return [np.asarray(s[t.start:t.stop], dtype=float).copy() for t in self.tensors]

    def join(self, parts: list[np.ndarray]) -> np.ndarray:
        """One ``int8`` node vector from per-tensor signs."""
        if not parts:
            return np.zeros(0, dtype=np.int8)
        return np.concatenate([np.asarray(p) for p in parts]).astype(np.int8)

    def free(self) -> np.ndarray:
        """Per node: whether its sign may switch."""
        return np.repeat(~self.fixed, self.sizes)

    def free_tensors(self) -> list[int]:
        """Indices of the tensors whose nodes switch, in topological order (those with edges)."""
        return [t for t in range(len(self.tensors)) if not self.fixed[t]
                and (self.in_blocks[t] or self.out_blocks[t])]

    # --- fields -------------------------------------------------------------------------------
    def forward(self, index: int, s: list[np.ndarray]) -> np.ndarray:
        """``A_b s_source`` of block ``index``."""
        b = self.blocks[index]
        return b.matvec(s[b.source][None, :])[0]

    def backward(self, index: int, s: list[np.ndarray]) -> np.ndarray:
        """``A_b^T s_target`` of block ``index``."""
        b = self.blocks[index]
        return b.rmatvec(s[b.target][None, :])[0]

    def field(self, t: int, s: list[np.ndarray]) -> np.ndarray:
        """``g = sum_j (A_ij + A_ji) s_j`` for the nodes ``i`` of tensor ``t``."""
        g = np.zeros(self.sizes[t])
        for index in self.in_blocks[t]:
            g += self.forward(index, s)
        for index in self.out_blocks[t]:
            g += self.backward(index, s)
        return g

    def tolerance(self, t: int) -> np.ndarray:
        """Per node of tensor ``t``: ``1e-10 sum_j |A_ij| + |A_ji|``, the least gain a flip must
        make to count (far above the rounding of the field)."""
        g = np.zeros(self.sizes[t])
        for index in self.in_blocks[t]:
            b = self.blocks[index]
            g += b.abs_matvec(np.ones((1, self.sizes[b.source])))[0]
        for index in self.out_blocks[t]:
            b = self.blocks[index]
            g += b.abs_rmatvec(np.ones((1, self.sizes[b.target])))[0]
        return (1e-10 * g).astype(np.float32)

    # --- frustrated weight --------------------------------------------------------------------
    def frustrated(self, s: list[np.ndarray]) -> np.ndarray:
        """Frustrated weight of each block under the switching ``s``, from the definition."""
        return np.array([self.block_frustrated(b, s[b.target], s[b.source])
                         for b in self.blocks], dtype=float)

    @staticmethod
    def block_frustrated(b, s_target: np.ndarray, s_source: np.ndarray) -> float:
        """``sum |A_ij| [s_i A_ij s_j < 0]`` over the edges of block ``b``.

        With ``p``, ``m`` the indicators of the ``+1`` and ``-1`` nodes and ``A = P - N`` split
        into non-negative parts, ``F_b = p_t.(P m_s + N p_s) + m_t.(P p_s + N m_s)``. A
        fixed-weight block (pooling, addition, concatenation) has non-negative weights.
        """
        x = np.stack([s_source > 0, s_source < 0]).astype(float)
        pt, mt = (s_target > 0).astype(float), (s_target < 0).astype(float)
        if b.parameters is None:
            y = b.abs_matvec(x)
            return float(pt @ y[1] + mt @ y[0])
        w = np.asarray(b.parameters, dtype=float)
        yp = b.with_parameters(np.maximum(w, 0.0)).matvec(x)
        yn = b.with_parameters(np.maximum(-w, 0.0)).matvec(x)
        return float(pt @ (yp[1] + yn[0]) + mt @ (yp[0] + yn[1]))
