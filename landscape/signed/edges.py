"""The edges of a network's signed graph, block by block, and the graph itself.

:class:`TensorNodes` numbers the nodes of one tensor; an :class:`EdgeBlock` applies one block
of the adjacency matrix ``A`` (``A[i, j]`` = weight of the edge from node ``j`` to node ``i``)
without forming it; :class:`SignedNetwork` holds the tensors and blocks and builds the sparse
matrix only on request (docs/theory.md §6.1; J. Wendin, E. G. Larsson, C. Altafini,
arXiv:2510.05286). The public names are re-exported by :mod:`~landscape.signed.network`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .._base.validation import check_int

if TYPE_CHECKING:  # scipy.sparse is imported where used: ``import landscape`` stays light
    import scipy.sparse as sp

__all__ = ["DenseBlock", "EdgeBlock", "ScaledBlock", "SignedNetwork", "SparseBlock",
           "TensorNodes", "dense_network", "network_of_parts"]



@dataclass(frozen=True)
class TensorNodes:
    """One tensor of nodes: its name (``"input"`` or its producing operation), its shape
    without the batch axis, and its node range ``start .. stop-1`` (C order)."""

    name: str
    shape: tuple
    start: int
    stop: int

    @property
    def size(self) -> int:
        """Number of nodes, ``stop - start``."""
        return self.stop - self.start


class EdgeBlock:
    """One block of edges, from the tensor ``source`` into the tensor ``target`` (indices into
    :attr:`SignedNetwork.tensors`, ``target > source``).

    Subclasses apply the block matrix ``M`` (shape ``(target size, source size)``) to a batch
    of vectors: ``matvec(x)[r] = M @ x[r]``, ``rmatvec(y)[r] = M.T @ y[r]``, and the same with
    ``|M|`` (``abs_matvec``, ``abs_rmatvec``). ``parameters`` are the shared weights (a
    convolution kernel ``(c_out, c_in/groups, *kernel)`` or a dense matrix ``(out, in)``),
    ``None`` for fixed-weight blocks; ``fan_in`` the inputs per output unit of a learnable
    block; ``n_edges`` the number of edges (a convolution's multiply-accumulate count, padding
    excluded).
    """

    def __init__(self, source: int, target: int, kind: str, name: str, parameters,
                 fan_in: int | None, n_edges: int):
        self.source, self.target, self.kind, self.name = source, target, kind, name
        self.parameters, self.fan_in, self.n_edges = parameters, fan_in, int(n_edges)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({self.kind!r}, {self.name!r}, {self.source} -> "
                f"{self.target}, {self.n_edges} edges)")

    def matvec(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def rmatvec(self, y: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def abs_matvec(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def abs_rmatvec(self, y: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def to_sparse(self) -> sp.coo_matrix:
        raise NotImplementedError

    def abs_weight(self) -> float:
        """``sum |weight|`` over the block's edges: ``1 . |M| 1``."""
        y = self.abs_rmatvec(np.ones((1, self.target_size)))
        return float(np.sum(y))

    @property
    def target_size(self) -> int:
        """Number of target nodes (rows of the block)."""
        raise NotImplementedError

    def with_parameters(self, parameters) -> EdgeBlock:
        """The same structure with new shared weights of the same shape."""
        raise TypeError(f"the {self.kind} block {self.name!r} has fixed weights: it takes no "
                        f"parameters")

    def _checked(self, parameters) -> np.ndarray:
        """``parameters`` as a finite float array of this block's parameter shape."""
        new = np.asarray(parameters, dtype=float)
        if self.parameters is None or new.shape != self.parameters.shape:
            shape = None if self.parameters is None else self.parameters.shape
            raise ValueError(f"parameters of block {self.name!r} must have shape {shape}, got "
                             f"{new.shape}")
        if not np.all(np.isfinite(new)):
            raise ValueError(f"parameters of block {self.name!r} must be finite")
        return new


class DenseBlock(EdgeBlock):
    """A dense linear map ``W = parameters`` (shape ``(out, in)``): every target node has an
    edge from every source node; with ``repeat = m``, ``W`` acts on the last axis of a tensor
    of ``m`` rows of ``in`` entries (a linear layer on a tensor of several axes): the
    block-diagonal ``M = I_m (x) W``."""

    def __init__(self, source: int, target: int, name: str, matrix, kind: str = "dense",
                 repeat: int = 1):
        matrix = np.asarray(matrix, dtype=float)
        self.repeat = int(repeat)
        super().__init__(source, target, kind, name, matrix, matrix.shape[1],
                         self.repeat * matrix.size)

    @property
    def target_size(self) -> int:
        return self.repeat * self.parameters.shape[0]

    def _map(self, W, x):
        x = x.reshape(x.shape[0], self.repeat, W.shape[1]) @ W.T
        return x.reshape(x.shape[0], -1)

    def matvec(self, x):
        return self._map(self.parameters, x)

    def rmatvec(self, y):
        return self._map(self.parameters.T, y)

    def abs_matvec(self, x):
        return self._map(np.abs(self.parameters), x)

    def abs_rmatvec(self, y):
        return self._map(np.abs(self.parameters).T, y)

    def abs_weight(self) -> float:
        return self.repeat * float(np.sum(np.abs(self.parameters)))

    def to_sparse(self):
        import scipy.sparse as sp

        return sp.kron(sp.identity(self.repeat), sp.coo_matrix(self.parameters), format="coo")

    def with_parameters(self, parameters):
        return DenseBlock(self.source, self.target, self.name, self._checked(parameters),
                          self.kind, self.repeat)


class SparseBlock(EdgeBlock):
    """A fixed-weight block given by its sparse matrix: residual addition (``+1`` edges, ``+2``
    for an addend used twice), concatenation (re-indexing into the target), and the arg-max
    edges of a max pooling in an active subnetwork."""

    def __init__(self, source: int, target: int, kind: str, name: str, matrix):
        import scipy.sparse as sp

        matrix = sp.csr_matrix(matrix, dtype=float)
        super().__init__(source, target, kind, name, None, None, matrix.nnz)
        self.matrix = matrix
        self.abs_matrix = abs(matrix)

    @property
    def target_size(self) -> int:
        return self.matrix.shape[0]

    def matvec(self, x):
        return np.asarray((self.matrix @ x.T).T)

    def rmatvec(self, y):
        return np.asarray((self.matrix.T @ y.T).T)

    def abs_matvec(self, x):
        return np.asarray((self.abs_matrix @ x.T).T)

    def abs_rmatvec(self, y):
        return np.asarray((self.abs_matrix.T @ y.T).T)

    def abs_weight(self) -> float:
        return float(self.abs_matrix.sum())

    def to_sparse(self):
        return self.matrix.tocoo()


class ScaledBlock(EdgeBlock):
    """The block ``diag(scale) M`` of another block ``M``: each target node's in-edges times
    its own factor (average pooling that counts only the entries inside the input; the units
    of an active subnetwork, weighted by the activation's derivative)."""

    def __init__(self, block: EdgeBlock, scale):
        super().__init__(block.source, block.target, block.kind, block.name, block.parameters,
                         block.fan_in, block.n_edges)
        self.block, self.scale = block, np.asarray(scale, dtype=float).ravel()

    @property
    def target_size(self) -> int:
        return self.block.target_size

    def matvec(self, x):
        return self.block.matvec(x) * self.scale

    def rmatvec(self, y):
        return self.block.rmatvec(y * self.scale)

    def abs_matvec(self, x):
        return self.block.abs_matvec(x) * np.abs(self.scale)

    def abs_rmatvec(self, y):
        return self.block.abs_rmatvec(y * np.abs(self.scale))

    def to_sparse(self):
        import scipy.sparse as sp

        m = self.block.to_sparse()
        return sp.coo_matrix((m.data * self.scale[m.row], (m.row, m.col)), shape=m.shape)

    def with_parameters(self, parameters):
        return ScaledBlock(self.block.with_parameters(parameters), self.scale)


@dataclass(frozen=True, eq=False)
class SignedNetwork:
    """A feed-forward network's signed graph (docs/theory.md §6.1).

    Attributes
    ----------
    tensors : tuple of TensorNodes
        The tensors of nodes in topological order, the input first.
    blocks : tuple of EdgeBlock
        The edges, one block per (operation, source tensor).
    outputs : tuple of int
        Indices of the output tensors.
    """

    tensors: tuple
    blocks: tuple
    outputs: tuple

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return self.tensors[-1].stop if self.tensors else 0

    @property
    def n_edges(self) -> int:
        """Number of edges (summed over blocks)."""
        return sum(b.n_edges for b in self.blocks)

    def __repr__(self) -> str:
        return (f"SignedNetwork({len(self.tensors)} tensors, {self.n_nodes} nodes, "
                f"{self.n_edges} edges)")

    def memory_estimate(self) -> int:
        """Bytes :meth:`adjacency` needs: the coordinate triples of every edge (8 + 2 * 8 bytes)
        before they are summed into CSR form."""
        return 24 * self.n_edges + 8 * (self.n_nodes + 1)

    def adjacency(self, *, max_bytes: int = 2 ** 31) -> sp.csr_matrix:
        """The adjacency matrix, ``A[i, j]`` = weight of the edge from node ``j`` to node ``i``
        (parallel edges summed, zero weights dropped), refused above ``max_bytes``."""
        max_bytes = check_int(max_bytes, "max_bytes", minimum=0)
        need = self.memory_estimate()
        if need > max_bytes:
            raise ValueError(f"adjacency() needs about {need} bytes for {self.n_edges} edges, "
                             f"above max_bytes = {max_bytes}: use the blocks' matvec instead, "
                             f"or raise max_bytes")
        import scipy.sparse as sp

        rows, cols, data = [], [], []
        for b in self.blocks:
            m = b.to_sparse()
            rows.append(m.row.astype(np.int64) + self.tensors[b.target].start)
            cols.append(m.col.astype(np.int64) + self.tensors[b.source].start)
            data.append(m.data)
        n = self.n_nodes
        if not rows:
            return sp.csr_matrix((n, n))
        A = sp.coo_matrix((np.concatenate(data), (np.concatenate(rows), np.concatenate(cols))),
                          shape=(n, n)).tocsr()
        A.eliminate_zeros()
        return A

    def with_blocks(self, blocks) -> SignedNetwork:
        """The same tensors and outputs with new edge blocks (null models)."""
        return SignedNetwork(self.tensors, tuple(blocks), self.outputs)


def network_of_parts(shapes: Sequence[tuple[str, tuple]], blocks, outputs) -> SignedNetwork:
    """Number the nodes of tensors given as ``(name, shape)`` in topological order and check
    every block against them."""
    tensors, start = [], 0
    for name, shape in shapes:
        size = int(np.prod(shape, dtype=np.int64))
        tensors.append(TensorNodes(name, tuple(int(d) for d in shape), start, start + size))
        start += size
    for b in blocks:
        if not 0 <= b.source < b.target < len(tensors):
            raise ValueError(f"block {b.name!r} must go from an earlier tensor to a later one, "
                             f"got {b.source} -> {b.target}")
        if b.target_size != tensors[b.target].size:
            raise ValueError(f"block {b.name!r} has {b.target_size} rows, tensor "
                             f"{tensors[b.target].name!r} {tensors[b.target].size} nodes")
    return SignedNetwork(tuple(tensors), tuple(blocks), tuple(outputs))


def dense_network(layers: list[np.ndarray]) -> SignedNetwork:
    """The signed graph of dense layers ``W_1..W_h``: tensors ``input, layer1, ..., layerh``,
    one :class:`DenseBlock` each (the block-shift adjacency of docs/theory.md §6)."""
    shapes = [("input", (layers[0].shape[1],))]
    shapes += [(f"layer{j}", (w.shape[0],)) for j, w in enumerate(layers, start=1)]
    blocks = [DenseBlock(j - 1, j, f"layer{j}", w) for j, w in enumerate(layers, start=1)]
    return network_of_parts(shapes, blocks, (len(layers),))
