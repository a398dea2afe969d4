"""The signed layered graph of a deep linear network, from its layers or its adjacency matrix.

The block-shift adjacency matrix ``A`` (``W_j`` in block ``(j, j-1)``) is a signed weighted
graph whose edges join consecutive layers (docs/theory.md §6; J. Wendin, E. G. Larsson, C. Altafini,
*Computing frustration and near-monotonicity in deep neural networks*, arXiv:2510.05286).
A switching ``D = diag(s)``, ``s in {-1, +1}^n``, flips the signs of nodes; the frustrated
weight of ``s`` is

    F(s) = sum_{(a, b): s_a A_ab s_b < 0} |A_ab|,

and the *field* of node ``a`` is its signed incident weight ``g_a = sum_b (A_ab + A_ba) s_b``.

This module is internal to :mod:`landscape.signed`: :class:`SignedLayers` (the graph, with
free and fixed nodes), :func:`layers_of` (validation of the user's layers or adjacency
matrix), :func:`signed_layers` (construction) and :func:`check_signs` (a given switching).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .._base.validation import as_matrix, block_shift_layers, check_layers, check_widths

__all__ = ["SignedLayers", "check_signs", "layers_of", "signed_layers"]


@dataclass(frozen=True, eq=False)
class SignedLayers:
    """The signed layered graph: blocks ``W_j`` (weights or their signs), widths, free nodes.

    Attributes
    ----------
    blocks : list of ndarray
        ``W_1..W_h`` (``W_j`` of shape ``(d_j, d_{j-1})``), or their signs when unweighted.
    widths : tuple of int
        ``(d_0, ..., d_h)``.
    offsets : ndarray of int, shape (h + 2,)
        First node of each layer, and ``n`` last.
    free : ndarray of bool, shape (n,)
        Nodes whose sign may switch (all, or the hidden ones with fixed input/output signs).
    total : float
        Total weight ``W = sum |A_ab|``.
    """

    blocks: list
    widths: tuple
    offsets: np.ndarray
    free: np.ndarray
    total: float

    @property
    def n(self) -> int:
        """Number of nodes."""
        return int(self.offsets[-1])

    @property
    def h(self) -> int:
        """Number of layers (blocks)."""
        return len(self.blocks)

    def layer(self, s: np.ndarray, j: int) -> np.ndarray:
        """The entries of the node vector ``s`` in layer ``j`` (a view)."""
        return s[self.offsets[j]:self.offsets[j + 1]]

    def per_layer(self, s: np.ndarray) -> np.ndarray:
        """Frustrated weight of each block under the switching ``s``: the definition, literally."""
        out = np.empty(self.h)
        for j, w in enumerate(self.blocks, start=1):
            signed = self.layer(s, j)[:, None] * w * self.layer(s, j - 1)[None, :]
            out[j - 1] = float(np.sum(np.abs(w)[signed < 0]))
        return out

    def field(self, s: np.ndarray) -> np.ndarray:
        """``g_a = sum_b (A_ab + A_ba) s_b``: each node's signed incident weight."""
        g = np.zeros(self.n)
        o = self.offsets
        for j, w in enumerate(self.blocks, start=1):
            g[o[j]:o[j + 1]] += w @ self.layer(s, j - 1)
            g[o[j - 1]:o[j]] += w.T @ self.layer(s, j)
        return g

    def edges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(receiving nodes, sending nodes, weights)`` of every nonzero edge, layer by layer."""
        rows, cols, weights = [], [], []
        for j, w in enumerate(self.blocks, start=1):
            r, c = np.nonzero(w)
            rows.append(r + self.offsets[j])
            cols.append(c + self.offsets[j - 1])
            weights.append(w[r, c])
        return np.concatenate(rows), np.concatenate(cols), np.concatenate(weights)

    def scale(self) -> float:
        """Largest ``|A_ab|`` (0 without edges)."""
        return max((float(np.max(np.abs(w))) for w in self.blocks), default=0.0)


def layers_of(value, widths, name: str) -> list[np.ndarray]:
    """Validate a list ``W_1..W_h`` or a square block-shift adjacency matrix plus ``widths``.

    Returns the layer matrices; an adjacency matrix needs ``widths`` (the layering is never
    guessed from zero blocks) and must be zero off the blocks ``(j, j-1)``.
    """
    if isinstance(value, np.ndarray):
        if value.ndim != 2:
            raise ValueError(f"{name} must be a list of layer matrices W_1..W_h or a square "
                             f"adjacency matrix, got an array with shape {value.shape}")
        A = as_matrix(value, name)
        if A.shape[0] != A.shape[1]:
            raise ValueError(f"{name} must be square when given as an adjacency matrix, got "
                             f"shape {A.shape} (pass a single layer as a list: [W])")
        if widths is None:
            raise ValueError(f"widths must be given with an adjacency matrix {name} (the "
                             f"layering is not inferred from zero blocks), got None")
        widths = check_widths(widths)
        if sum(widths) != A.shape[0]:
            raise ValueError(f"widths must sum to the size of {name} = {A.shape[0]}, got "
                             f"{widths} (sum {sum(widths)})")
        return block_shift_layers(A, widths, name)
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise TypeError(f"{name} must be a list of layer matrices W_1..W_h or a square "
                        f"adjacency matrix (numpy array), got {type(value).__name__}")
    layers = check_layers(value, name)
    if widths is not None:
        expected = tuple([layers[0].shape[1]] + [w.shape[0] for w in layers])
        widths = check_widths(widths)
        if widths != expected:
            raise ValueError(f"widths must match the layer shapes {expected}, got {widths}")
    return layers


def signed_layers(layers: list[np.ndarray], weighted: bool, fix_io_signs: bool) -> SignedLayers:
    """The graph of validated ``layers``: weighted by ``|A_ab|`` or by edge count, with the
    input and output nodes fixed (``fix_io_signs``) or free."""
    blocks = [w if weighted else np.sign(w) for w in layers]
    widths = tuple([layers[0].shape[1]] + [w.shape[0] for w in layers])
    offsets = np.concatenate([[0], np.cumsum(widths)]).astype(int)
    free = np.ones(int(offsets[-1]), dtype=bool)
    if fix_io_signs:
        free[:offsets[1]] = False
        free[offsets[-2]:] = False
    total = float(sum(np.sum(np.abs(w)) for w in blocks))
    return SignedLayers(blocks, widths, offsets, free, total)


def check_signs(signs, g: SignedLayers, name: str = "initial_signs") -> np.ndarray:
    """Validate a switching of ``g``: ``n`` entries of ``+-1``, ``+1`` on fixed nodes; as floats."""
    s = np.asarray(signs)
    if s.shape != (g.n,) or not np.all(np.isin(s, (-1, 1))):
        raise ValueError(f"{name} must be a vector of n = {g.n} entries, each +1 or -1, "
                         f"got shape {s.shape}")
    if np.any(s[~g.free] != 1):
        raise ValueError(f"{name} must be +1 on the input and output nodes when "
                         "fix_io_signs=True, got -1 there")
    return s.astype(float)
