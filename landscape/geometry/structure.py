"""The Hessian's structure: a small core network and blocks known in closed form.

Second-order figures (inertia, orbit dimension, witness strengths) are computed in reduced
coordinates, ``L = 1/2 ||Sigma - W_{1:h}||^2`` (docs/theory.md §1), where the Hessian is the quadratic
form

    Q(V) = ||sum_j T_j V_j Q_{j-1}||^2 + 2 sum_{a<b} <G_ab, V_b Mid_ab V_a>

(``T_j = W_h ... W_{j+1}``, ``Q_{j-1} = W_{j-1} ... W_1``, ``Mid_ab = W_{b-1} ... W_{a+1}``,
``G_ab = T_b^T R Q_{a-1}^T``, ``R = W_{1:h} - Sigma``). Three kinds of coordinates split off
exactly:

- **Dropped inputs** (``DataSpectrum.from_data(..., input_space="column_space")``): the loss
  does not depend on ``W_1`` along the null directions of ``Sxx``, so the map
  ``W_1 -> W_1 Sxx^{1/2} V`` is onto the live reduced coordinates with a kernel of dimension
  ``d_1 (d_x - k)``: ``H = J^T H_live J``, and ``H`` has the inertia of ``H_live`` plus
  ``d_1 (d_x - k)`` zeros (the reduced coordinates beyond the column space are not
  parameters).
- **Idle hidden units.** Rotate hidden layer ``j`` by an orthogonal matrix (a move along the
  symmetry orbit that keeps the Hessian's eigenvalues) so that its first ``c_j`` units span
  ``range W_j + range W_{j+1}^T``; the others have no weight in or out. Such a unit ``u`` enters
  ``Q`` only through ``x_u = V_j[u, :]`` and ``y_u = V_{j+1}[:, u]``, in the single term
  ``2 y_u^T G_{j,j+1} x_u`` (``T_j`` has a zero column and ``Q_j`` a zero row at ``u``, and
  ``Mid_ab`` for ``b > a + 1`` is zero on it): a block ``[[0, G^T], [G, 0]]`` with eigenvalues
  ``+-sigma_i(G_{j,j+1})``, once per idle unit, the rest of its coordinates zero.
- **Idle inputs and outputs** (``h >= 2``): an input ``e`` with ``Sigma e = 0`` and
  ``W_1 e = 0`` enters only through ``||T_1 V_1 e||^2`` (``R e = 0`` and ``Q_{j-1} e = 0``):
  the eigenvalues ``sigma_i(T_1)^2``, once per idle input; an output ``o`` with
  ``e_o^T Sigma = 0`` and ``e_o^T W_h = 0`` gives ``sigma_i(Q_{h-1})^2`` once per idle output.

What is left is the **core**: a network of widths ``(c_0, ..., c_h)`` on the reduced problem of
the kept singular values, whose size is set by ``d_x``, ``d_y`` and the ranks, not by the
hidden widths (at a balanced aligned representative of ``S``, ``c_j = |S| + 1``). Its Hessian is
solved (dense or matrix-free) and the split-off blocks are counted in closed form. One idle
unit per hidden layer is kept in the core, so that ``rank Mid_ab > rho`` of the witness test
(docs/theory.md §4.1) reads the same. The orbit dimension needs the full widths: ``sum_j d_j^2`` minus
the stabiliser, counted from the partial-product ranks of the core (the same as the full
network's) by :func:`landscape.geometry.orbit.orbit_dimension_from_ranks`; under a dropped
input space the null part ``W_1 N`` of the first layer joins those ranks, since the orbit acts
in the data's coordinates.

Internal to :mod:`landscape.geometry`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..problem.network import Landscape
from ..problem.spectrum import DataSpectrum
from .balancing import orbit_balance
from .frame import curvature_scale
from .orbit import orbit_dimension_from_ranks, partial_ranks

__all__: list[str] = []

#: A direction whose weights are at most this fraction of the layers' scale counts as idle
#: (far below the zero threshold ``ZERO_TOL`` of the Hessian eigenvalues it perturbs).
IDLE_RTOL = 1e-12
#: Widest random block of the range finder before a hidden layer is kept whole: beyond, the
#: layer is not worth compressing.
COMPRESS_FRACTION = 0.5


@dataclass(frozen=True, eq=False)
class CorePoint:
    """A critical point split into its core network and the blocks known in closed form.

    Attributes
    ----------
    land : Landscape
        The core problem ``1/2 ||Sigma_c - W_{1:h}||^2`` (reduced, widths ``c_0..c_h``).
    weights : list of ndarray
        The core weights, rebalanced (:func:`landscape.geometry.balancing.orbit_balance`).
    scale : float
        Their :func:`curvature_scale` (the full network's: norms of partial products).
    widths : tuple of int
        The full network's widths.
    n_params : int
        The full network's ``P``.
    idle_hidden : tuple of int
        Idle units split off each hidden layer ``j = 1..h-1``.
    idle_inputs, idle_outputs : int
        Idle inputs and outputs split off.
    dropped_inputs : int
        Input directions beyond the column space (``input_space="column_space"``).
    null_block : ndarray
        ``G_1 B_1^T W_1 N``: the first layer on the dropped directions ``N``, in the core's
        balanced hidden coordinates (``c_1 x dropped_inputs``), for the orbit's ranks.
    """

    land: Landscape
    weights: list = field(repr=False)
    scale: float
    widths: tuple
    n_params: int
    idle_hidden: tuple
    idle_inputs: int
    idle_outputs: int
    dropped_inputs: int
    null_block: np.ndarray = field(repr=False)

    @property
    def split_params(self) -> int:
        """Parameters outside the core (``n_params - core size``)."""
        return self.n_params - self.land.n_params

    def split_eigenvalues(self) -> np.ndarray:
        """The nonzero eigenvalues of the split-off blocks, with multiplicity (module notes).

        Examples
        --------
        At one hidden layer of width 20 at the saddle that learnt mode 1 of ``sigma = (2, 1)``,
        each of the 18 idle hidden units gives ``+-sigma_i(R) = +-1`` (Baldi & Hornik 1989):

        >>> from landscape.problem import DataSpectrum
        >>> land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0]), (2, 20, 2))
        >>> w1 = np.zeros((20, 2)); w1[0, 0] = 2 ** 0.5
        >>> core = core_point(land, [w1, w1.T.copy()])
        >>> values = np.round(core.split_eigenvalues(), 12)
        >>> core.land.widths, core.idle_hidden, np.unique(values, return_counts=True)[1].tolist()
        ((2, 2, 2), (18,), [18, 18])
        """
        weights, h = self.weights, len(self.weights)
        land = self.land
        parts = []
        prefixes = [np.eye(land.widths[0])]
        for w in weights:
            prefixes.append(w @ prefixes[-1])
        suffixes = [None] * (h + 1)
        suffixes[h] = np.eye(land.widths[h])
        for j in range(h, 0, -1):
            suffixes[j - 1] = suffixes[j] @ weights[j - 1]
        residual = prefixes[h] - land.spectrum.sigma_matrix()
        for j, count in enumerate(self.idle_hidden, start=1):
            if count:
                g = suffixes[j + 1].T @ residual @ prefixes[j - 1].T
                s = _nonzero(np.linalg.svd(g, compute_uv=False))
                parts += [np.repeat(s, count), np.repeat(-s, count)]
        if self.idle_inputs:
            s = _nonzero(np.linalg.svd(suffixes[1], compute_uv=False))
            parts.append(np.repeat(s ** 2, self.idle_inputs))
        if self.idle_outputs:
            s = _nonzero(np.linalg.svd(prefixes[h - 1], compute_uv=False))
            parts.append(np.repeat(s ** 2, self.idle_outputs))
        return np.concatenate(parts) if parts else np.zeros(0)

    def orbit_dimension(self) -> int:
        """Dimension of the tangent of the hidden-layer symmetry orbit of the full network, in
        the problem's coordinates (module notes)."""
        if len(self.widths) <= 2:
            return 0
        extended = list(self.weights)
        if self.null_block.size:
            extended[0] = np.hstack([extended[0], self.null_block])
        return orbit_dimension_from_ranks(self.widths, partial_ranks(extended))


def _nonzero(values: np.ndarray) -> np.ndarray:
    """Singular values above rounding (``IDLE_RTOL`` of the largest): exact zeros of the
    block are zeros of the Hessian, counted by the caller as the rest of ``P``."""
    top = float(values[0]) if values.size else 0.0
    return values[values > IDLE_RTOL * top] if top > 0 else values[:0]


def _range_basis(m: np.ndarray, tol: float, rng) -> np.ndarray | None:
    """An orthonormal basis of the column space of ``m`` up to ``tol`` (``||m - B B^T m||_F <=
    tol``: with each layer scaled to norm 1 in ``m``, dropping the rest moves every layer by at
    most ``tol`` of its norm), or ``None`` where it is not much smaller than the space.
    Randomized range finder with an exact residual check (Halko, Martinsson & Tropp, SIAM
    Review 2011): ``O(rows cols k)`` for rank ``k``."""
    rows, cols = m.shape
    block = 8
    while block <= COMPRESS_FRACTION * rows:
        q = np.linalg.qr(m @ rng.standard_normal((cols, block)))[0]
        small = q.T @ m
        if np.linalg.norm(m - q @ small) <= tol:
            u, s, _ = np.linalg.svd(small, full_matrices=False)
            return q @ u[:, :int(np.count_nonzero(s > tol))]
        block *= 2
    return None


def _with_idle_unit(basis: np.ndarray, rows: int, rng) -> np.ndarray | None:
    """``basis`` and one unit vector orthogonal to it (``None``: the whole layer is kept)."""
    if basis.shape[1] + 1 >= rows:
        return None
    extra = rng.standard_normal(rows)
    for _ in range(2):
        extra -= basis @ (basis.T @ extra)
    return np.column_stack([basis, extra / np.linalg.norm(extra)])


def _live_reduced(land: Landscape, weights):
    """Reduced weights with ``W~_1`` on the live inputs, ``W_1 N`` on the dropped ones, and the
    rounding ``W~_1 = W_1 Sxx^{1/2} V`` leaves there (``64 eps ||W_1|| ||Sxx^{1/2}||``: weight
    on the dropped inputs must not come back as live weight)."""
    spec = land.spectrum
    reduced = list(land.to_reduced(weights))
    if spec.reduced or spec.dropped_inputs == 0:
        return reduced, np.zeros((land.widths[1], 0)), 0.0
    k = spec.input_rank
    u, s, _ = np.linalg.svd(spec.input_sqrt)
    first = land.check(weights)[0]
    reduced[0] = reduced[0][:, :k]
    noise = 64 * np.finfo(float).eps * float(np.linalg.norm(first)) * float(s[0])
    return reduced, first @ u[:, k:], noise


def _kept_modes(sigma: np.ndarray, first: np.ndarray, last: np.ndarray, noise: float,
                split: bool):
    """Input and output coordinates of the core: every mode with ``sigma_i > 0`` and every
    coordinate the first (last) layer uses beyond ``IDLE_RTOL`` of its norm (and ``noise``);
    both lists start with the shared modes, in order, so that ``Sigma`` restricted to them is
    diagonal with the shared modes' ``sigma``."""
    n_in, n_out = first.shape[1], last.shape[0]
    if not split:
        return np.arange(n_in), np.arange(n_out), sigma[:min(n_in, n_out)]
    top = float(sigma[0]) if sigma.size and sigma[0] > 0 else 1.0
    mode = np.zeros(max(n_in, n_out), dtype=bool)
    mode[:sigma.size] = sigma > IDLE_RTOL * top
    used_in = np.linalg.norm(first, axis=0) > max(noise, IDLE_RTOL * np.linalg.norm(first))
    used_out = np.linalg.norm(last, axis=1) > IDLE_RTOL * np.linalg.norm(last)
    shared = [i for i in range(min(n_in, n_out)) if mode[i] or used_in[i] or used_out[i]]
    inputs = shared + [i for i in range(n_in) if used_in[i] and i not in set(shared)]
    outputs = shared + [o for o in range(n_out) if used_out[o] and o not in set(shared)]
    inputs, outputs = inputs or [0], outputs or [0]
    kept = sigma[shared] if shared else np.zeros(1)     # no mode: Sigma_c = 0
    return np.array(inputs), np.array(outputs), kept


def core_point(land: Landscape, weights, *, split: bool = True) -> CorePoint:
    """The core of a point (module notes): live inputs always; with ``split`` also idle
    hidden units, inputs and outputs. ``weights`` are in the problem's coordinates and valid.

    Examples
    --------
    The canonical representative of the global minimum at hidden widths 50: a core of two
    units per hidden layer (one learnt path and one idle unit kept).

    >>> from landscape.problem import DataSpectrum
    >>> land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0], d_x=4, d_y=3),
    ...                  (4, 50, 50, 3))
    >>> w = [np.zeros((50, 4)), np.zeros((50, 50)), np.zeros((3, 50))]
    >>> w[0][0, 0] = w[1][0, 0] = w[2][0, 0] = 2 ** (1 / 3)
    >>> core = core_point(land, w)
    >>> core.land.widths, core.idle_hidden, core.idle_inputs, core.idle_outputs
    ((2, 2, 2, 2), (48, 48), 2, 1)
    """
    spec = land.spectrum
    live, null, noise = _live_reduced(land, weights)
    h = land.h
    if np.linalg.norm(live[0]) <= noise:     # only rounding of the weight on dropped inputs
        live[0] = np.zeros_like(live[0])
    split = split and h >= 2
    inputs, outputs, sigma = _kept_modes(spec.sigma, live[0], live[-1], noise, split)
    live[0] = live[0][:, inputs]
    live[-1] = live[-1][outputs]
    rng = np.random.default_rng(0)
    bases = [None] * (h + 1)
    idle = [0] * (h - 1)
    if split:
        for j in range(1, h):
            parts = [live[j - 1], live[j].T] + ([null] if j == 1 else [])
            # each part at unit norm: an unbalanced point keeps its small layers
            found = _range_basis(np.hstack([p / max(np.linalg.norm(p), 1e-300) for p in parts]),
                                 IDLE_RTOL, rng)
            bases[j] = None if found is None else _with_idle_unit(found, land.widths[j], rng)
            if bases[j] is not None:
                idle[j - 1] = land.widths[j] - bases[j].shape[1]
    for j in range(1, h + 1):
        w = live[j - 1]
        if bases[j] is not None:
            w = bases[j].T @ w
        if bases[j - 1] is not None:
            w = w @ bases[j - 1]
        live[j - 1] = w
    if bases[1] is not None and null.size:
        null = bases[1].T @ null
    has_null = bool(null.size) and h >= 2
    balanced, transforms, _ = orbit_balance(live, land.weight_scale, transforms=has_null)
    if has_null:
        first = transforms[0]
        null = first @ null if isinstance(first, np.ndarray) else first * null
    widths = (inputs.size, *(w.shape[0] for w in balanced))
    core = Landscape(DataSpectrum.from_singular_values(sigma, d_x=inputs.size,
                                                       d_y=outputs.size), widths)
    return CorePoint(land=core, weights=balanced, scale=curvature_scale(core, balanced),
                     widths=land.widths, n_params=land.n_params, idle_hidden=tuple(idle),
                     idle_inputs=live_inputs(land) - inputs.size if split else 0,
                     idle_outputs=land.widths[-1] - outputs.size if split else 0,
                     dropped_inputs=spec.d_x - live_inputs(land), null_block=null)


def live_inputs(land: Landscape) -> int:
    """Input coordinates the loss depends on: ``input_rank`` under a dropped input space in the
    data's coordinates, else ``d_x``."""
    spec = land.spectrum
    return spec.d_x if spec.reduced else spec.input_rank
