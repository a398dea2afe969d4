"""The start reduced to the modes that learn and the hidden directions that couple them.

Training from a small start (docs/theory.md §8) moves the weights only along the directions the
gradient reaches: in reduced coordinates the data's nonzero modes ``e_1..e_m`` at the input
and output, and in each hidden layer the directions the start's layers carry them to. One
sweep of the start's layers over those directions -- forward, ``F_j = W_j F_{j-1}`` from
``F_0 = span(e_1..e_m)``, then backward, ``Q_j = F_j + W_{j+1}^T Q_{j+1}`` from
``Q_h = span(e_1..e_m)`` -- gives orthonormal bases ``Q_j`` of dimension at most ``(h - j + 1) m``
(``2 m`` at the input side of a depth-3 network). The reduced network
``W'_j = Q_j^T W_j Q_{j-1}`` (widths ``m, k_1, ..., k_{h-1}, m``) keeps each mode's path, the
hidden layers' couplings between the modes' paths (the coupling of docs/theory.md §8 that delays the
later modes at depth ``h >= 3``) and the start's projections; what it drops is the start's
reach into further hidden directions, of higher order in the start's scale. The flow is
equivariant under orthogonal maps of the hidden layers, so where the sweep spans a whole hidden
layer the reduction is only a change of basis, and for aligned starts it is exact.

For Gaussian starts (:meth:`Landscape.random_weights`) the reduced start has a law of its own
(Bartlett's decomposition: the triangular factor of a Gaussian matrix has chi-distributed
diagonal and Gaussian upper entries), drawn by :func:`sample_reduced_start` at a cost set by
``m`` and ``h`` alone, whatever the hidden widths.
"""

from __future__ import annotations

import numpy as np

from ..problem.network import Landscape
from ..problem.spectrum import DataSpectrum

__all__ = ["mode_count", "reduce_start", "sample_reduced_start"]


def mode_count(land: Landscape) -> int:
    """``m``: the nonzero modes (:attr:`DataSpectrum.rank`) a flow can learn, at most ``r``."""
    return land.spectrum.rank


def _mode_space(land: Landscape) -> tuple[np.ndarray, np.ndarray, DataSpectrum]:
    """Input and output bases the reduction keeps, and the spectrum of the reduced network.

    Reduced coordinates keep the ``m`` nonzero modes (the other inputs' and outputs' weights
    only shrink, at a relative order ``eps^2``); the data's coordinates are kept whole, so that
    the reduced network runs the same flow in the same coordinates.
    """
    spec = land.spectrum
    if not spec.reduced:
        return np.eye(spec.d_x), np.eye(spec.d_y), spec
    m = mode_count(land)
    return (np.eye(spec.d_x)[:, :m], np.eye(spec.d_y)[:, :m],
            DataSpectrum.from_singular_values(spec.sigma[:m]))


def _extend(basis: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """``basis`` with an orthonormal basis of the part of ``vectors`` orthogonal to it."""
    for _ in range(2):  # twice: orthogonal to working precision
        vectors = vectors - basis @ (basis.T @ vectors)
    if vectors.shape[1] == 0:
        return basis
    u, s, _ = np.linalg.svd(vectors, full_matrices=False)
    floor = max(vectors.shape) * np.finfo(float).eps * float(np.linalg.norm(vectors)) * 1e3
    return np.hstack([basis, u[:, s > floor]])


def reduce_start(land: Landscape, weights) -> tuple[Landscape, list[np.ndarray]]:
    """The reduced network of a start: its landscape and weights ``W'_j = Q_j^T W_j Q_{j-1}``.

    Parameters
    ----------
    land : Landscape
    weights : sequence of ndarray
        The start ``W_1..W_h`` (checked by the caller).

    Returns
    -------
    reduced : Landscape
        Widths ``(m, k_1, ..., k_{h-1}, m)`` on the top ``m`` singular values (reduced
        coordinates), or the same spectrum with hidden widths ``k_j`` (the data's).
    start : list of ndarray
        The reduced start.

    Examples
    --------
    >>> import numpy as np
    >>> from landscape import DataSpectrum, Landscape
    >>> land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0]), widths=(2, 50, 50, 2))
    >>> small, start = reduce_start(land, land.random_weights(scale=0.1, seed=0))
    >>> small.widths
    (2, 6, 4, 2)
    """
    q_in, q_out, spec = _mode_space(land)
    h = land.h
    forward = [q_in] + [None] * (h - 1) + [q_out]
    for j in range(1, h):
        forward[j] = _extend(np.zeros((land.widths[j], 0)), weights[j - 1] @ forward[j - 1])
    bases = list(forward)
    for j in range(h - 1, 0, -1):
        bases[j] = _extend(forward[j], weights[j].T @ bases[j + 1])
    start = [bases[j + 1].T @ weights[j] @ bases[j] for j in range(h)]
    return Landscape(spec, tuple(b.shape[1] for b in bases)), start


def _bartlett(rows: int, cols: int, std: float, rng) -> np.ndarray:
    """The triangular factor ``R`` (``min(rows, cols) x cols``) of ``G = Q R`` for a Gaussian
    ``rows x cols`` matrix ``G`` of entries ``N(0, std^2)``: ``R_ii = std chi_{rows - i}``,
    ``R_ij ~ N(0, std^2)`` above the diagonal (Bartlett's decomposition)."""
    k = min(rows, cols)
    out = np.triu(rng.standard_normal((k, cols)) * std, 1)
    out[np.arange(k), np.arange(k)] = std * np.sqrt(rng.chisquare(rows - np.arange(k)))
    return out


def sample_reduced_start(land: Landscape, scale: float, rng) -> tuple[Landscape, list]:
    """A draw of the reduced start of ``land.random_weights(scale=scale)``, never built whole.

    The law of :func:`reduce_start` applied to Gaussian layers of entries
    ``N(0, scale^2 / d_{j-1})`` in reduced coordinates: the forward sweep meets each layer
    ``W_j`` (``j >= 2``) untouched, so ``W_j F_{j-1}`` is Gaussian and its triangular factor
    is Bartlett's; the backward sweep meets ``W_{j+1}`` on the complement of ``F_j``, where it
    is Gaussian and independent of everything drawn before (on ``F_j`` it is known:
    ``Q_{j+1}^T W_{j+1} F_j`` is the forward factor stacked on zeros). Cost ``O(h m^3)``.
    Returns the reduced landscape and start, as :func:`reduce_start` does (in other bases of
    the hidden layers, which the flow does not see).
    """
    _, _, spec = _mode_space(land)
    widths, h = land.widths, land.h
    std = [scale / np.sqrt(widths[j]) for j in range(h)]
    m_in = spec.d_x
    m_out = spec.d_y
    dims_f = [m_in]
    factors = []  # forward factors R_j: Q_j(F)^T W_j F_{j-1}
    for j in range(1, h):
        factors.append(_bartlett(widths[j], dims_f[-1], std[j - 1], rng))
        dims_f.append(factors[-1].shape[0])
    dims = dims_f + [m_out]
    blocks: list = [None] * h  # blocks[j] = W'_{j+1}, rows Q_{j+1}, columns Q_j
    # the output layer meets the forward directions untouched: Gaussian on all of them
    known = rng.standard_normal((m_out, dims_f[h - 1])) * std[h - 1]
    for j in range(h - 1, 0, -1):  # backward: W_{j+1}^T Q_{j+1} on the complement of F_j
        rows = dims[j + 1]
        fresh = _bartlett(widths[j] - dims_f[j], rows, std[j], rng)  # (new x rows)
        blocks[j] = np.hstack([known, fresh.T])
        dims[j] = dims_f[j] + fresh.shape[0]
        # W_j: forward factor on F_{j-1}, zero from F_{j-1} into the new directions
        known = np.vstack([factors[j - 1], np.zeros((fresh.shape[0], dims_f[j - 1]))])
    blocks[0] = known
    return Landscape(spec, tuple(dims)), blocks
