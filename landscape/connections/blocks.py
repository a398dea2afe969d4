"""Invariant blocks of an aligned critical point: where the saddle graph's probes run.

At the aligned representative of a class ``S`` (disjoint paths ``i -> c(i) -> ... -> i`` of
weight ``sigma_i^{1/h}`` in reduced coordinates, path units ``c(i) = 0, 1, ...`` in the
order of ``S`` and idle units ``|S|, |S| + 1, ...`` after them; docs/theory.md §2) a perturbation
supported on the inputs and outputs of a set of modes ``T``, the path units of ``T ∩ S`` and
``n_idle`` idle units keeps every other path at rest: that block of weights evolves by
itself under the gradient flow, and the loss is the block's loss plus a constant (docs/theory.md §5,
invariant sub-networks). The block is the deep linear network with singular values
``sigma_T`` and widths ``(|T|, u, ..., u, |T|)``, ``u = |T ∩ S| + n_idle``, at its aligned
point of ``T ∩ S``. A probe therefore costs what its block costs, whatever ``m`` and the
widths, and one block (the same ``T``, ``T ∩ S`` and ``n_idle``) serves every class ``S``
that contains ``T ∩ S``, avoids ``T - S`` and has ``n_idle`` idle units to spare.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..problem.nearby import aligned_weights
from ..problem.network import Landscape
from ..problem.spectrum import DataSpectrum
from ..problem.ties import TIE_TOL

__all__ = ["InvariantBlock", "combine_blocks", "spare_units"]


def spare_units(land: Landscape, subset) -> int:
    """Idle hidden units that every hidden layer has beside the paths of ``subset``."""
    return min(land.widths[1:-1], default=0) - len(subset)


@dataclass(frozen=True)
class InvariantBlock:
    """The invariant block of the modes ``modes``, of which ``learnt`` sit on their paths.

    Attributes
    ----------
    modes : tuple of int
        ``T``: the data modes of the block (its inputs and outputs), ascending.
    learnt : tuple of int
        ``T ∩ S``: modes of ``T`` that are learnt where the block is embedded, ascending.
    n_idle : int
        Idle hidden units of the block.
    h : int
        Depth.
    """

    modes: tuple[int, ...]
    learnt: tuple[int, ...]
    n_idle: int
    h: int

    @property
    def shapes(self) -> list[tuple[int, int]]:
        """Shapes of the block's layers ``W_1..W_h``."""
        t, u = len(self.modes), len(self.learnt) + self.n_idle
        if self.h == 1:
            return [(t, t)]
        return [(u, t), *([(u, u)] * (self.h - 2)), (t, u)]

    def landscape(self, sigma, *, tie_tol: float = TIE_TOL) -> Landscape:
        """The block as a deep linear network of its own (reduced coordinates) on the modes
        ``T`` of the problem's singular values ``sigma``.

        ``tie_tol`` is the problem's (``land.tie_tol``, relative to ``sigma_1``); the block
        keeps its threshold ``tie_tol * sigma_1``, so its own tolerance is ``tie_tol``
        rescaled to the block's largest singular value (below 1: a block holds nonzero
        modes only).
        """
        sigma = np.asarray(sigma, dtype=float)
        spec = DataSpectrum.from_singular_values(sigma[list(self.modes)])
        t, u = len(self.modes), len(self.learnt) + self.n_idle
        scale = float(sigma[0]) if sigma.size and sigma[0] > 0 else 1.0
        return Landscape(spec, widths=(t, *([u] * (self.h - 1)), t),
                         tie_tol=tie_tol * scale / spec.scale)

    def start(self, block: Landscape) -> list[np.ndarray]:
        """The block's aligned point of ``T ∩ S`` (its weights at the class it probes)."""
        return aligned_weights(block, tuple(self.modes.index(i) for i in self.learnt))

    def fits(self, land: Landscape, subset) -> bool:
        """Whether the block embeds at the class ``subset`` of ``land``."""
        members = set(subset)
        return (set(self.learnt) <= members and not (set(self.modes) - set(self.learnt)) & members
                and self.n_idle <= spare_units(land, subset))

    def global_subset(self, local, subset) -> tuple[int, ...]:
        """The full network's learnt set when the block is at its learnt set ``local``."""
        outside = set(subset) - set(self.modes)
        return tuple(sorted(outside | {self.modes[i] for i in local}))

    def units(self, subset) -> list[int]:
        """The full network's hidden units that the block's units stand for, in order."""
        order = {mode: c for c, mode in enumerate(subset)}
        return [order[i] for i in self.learnt] + list(range(len(subset),
                                                            len(subset) + self.n_idle))

    def embed(self, land: Landscape, subset, block_weights) -> list[np.ndarray]:
        """Reduced weights of ``land``: the aligned point of ``subset`` with the block replaced."""
        return _scatter(aligned_weights(land, subset), block_weights, list(self.modes),
                        self.units(subset))

    def place(self, inner: "InvariantBlock", weights, idle_offset: int) -> list[np.ndarray]:
        """Weights of the block ``inner`` (contained in this one) as weights of this block,
        its idle units from ``idle_offset`` on (shared when this block has too few)."""
        modes = [self.modes.index(i) for i in inner.modes]
        units = [self.learnt.index(i) for i in inner.learnt] + [
            len(self.learnt) + min(idle_offset + q, self.n_idle - 1) for q in range(inner.n_idle)]
        return _scatter([np.zeros(s) for s in self.shapes], weights, modes, units)


def _scatter(layers, block_weights, modes, units) -> list[np.ndarray]:
    """Write a block's layers into ``layers``: rows and columns ``units`` of the hidden
    layers, columns ``modes`` of the first and rows ``modes`` of the last."""
    if len(layers) == 1:
        layers[0][np.ix_(modes, modes)] = block_weights[0]
        return layers
    layers[0][np.ix_(units, modes)] = block_weights[0]
    for w, b in zip(layers[1:-1], block_weights[1:-1]):
        w[np.ix_(units, units)] = b
    layers[-1][np.ix_(modes, units)] = block_weights[-1]
    return layers


def combine_blocks(blocks, spare: int) -> InvariantBlock:
    """The smallest block holding ``blocks``: their modes and learnt modes, and their idle
    units up to the ``spare`` idle units of the class."""
    modes = tuple(sorted({i for b in blocks for i in b.modes}))
    learnt = tuple(sorted({i for b in blocks for i in b.learnt}))
    n_idle = min(sum(b.n_idle for b in blocks), spare)
    return InvariantBlock(modes, learnt, n_idle, blocks[0].h)
