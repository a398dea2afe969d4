"""Second-order geometry of critical points: Hessian inertia, symmetry orbit, witness test.

At a critical point ``W`` of a deep linear network the Hessian of
``L = L0 + 1/2 ||Sigma - W_h ... W_1||^2`` (reduced coordinates, THEORY §1) is the quadratic form

    Q(V) = ||sum_j T_j V_j Q_{j-1}||^2 + 2 sum_{a<b} <G_ab, V_b Mid_ab V_a>,

with ``T_j = W_h ... W_{j+1}``, ``Q_{j-1} = W_{j-1} ... W_1``, ``Mid_ab = W_{b-1} ... W_{a+1}``
and ``G_ab = T_b^T R Q_{a-1}^T`` (``R = W_{1:h} - Sigma`` the residual). This module

- counts its inertia ``(n_-, n_0, n_+)``, densely or matrix-free (a randomized range finder
  and Rayleigh-Ritz on exact Hessian-vector products, with a certified error bound), and
  splits the spectrum into its negative, orbit, centre and positive parts;
- measures the tangent of the hidden-layer symmetry orbit, spanned by the generators
  ``delta W_j = X_j W_j - W_j X_{j-1}`` (``X_0 = X_h = 0``), and the centre beyond it;
- decides strict / non-strict without any Hessian, by the witness test of THEORY §4.1
  (in the spirit of Achour, Malgouyres & Gerchinovitz, JMLR 2024): a top saddle at depth
  ``h >= 3`` is strict iff some layer pair ``a < b`` has ``G_ab != 0`` and
  ``rank Mid_ab > rho``, measured by the strength ``s_ab = sigma_1(G_ab) sigma_{rho+1}(Mid_ab)``.

Both inertia and the witness test are computed in reduced coordinates (a linear change of
``W_1`` and ``W_h``, which keeps the inertia by Sylvester's law) and after rescaling the
layers ``W_j <- c_j W_j`` with ``prod c_j = 1`` to equal norms: a point of the symmetry orbit,
so the Hessian there is congruent to the one at the given point (same inertia), while very
unbalanced points (layer scalings of ``1e4`` and ``1e-4``) become well conditioned. The
zero threshold of both tests is ``zero_tol`` times the curvature scale
:func:`curvature_scale` (norms of partial products) of the rebalanced point, plus
``GRADIENT_MARGIN ||grad L|| / max_j ||W_j||`` there: rounding-sized at an exact critical
point, it absorbs the kernel's spread at a point critical only to within its gradient (a
trained network).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ._base.products import prefix_products, suffix_products
from ._base.validation import (as_matrix, as_vector, check_choice, check_int, check_nonnegative,
                          check_positive, check_weights)
from .problem.spectrum import DataSpectrum
from .problem.network import Landscape, check_landscape
from .problem import CRITICAL_TOL, TIE_TOL, CriticalKind, check_critical, learnt_modes

__all__ = [
    "DENSE_HESSIAN_LIMIT",
    "ZERO_TOL",
    "Classification",
    "HessianSpectrum",
    "Inertia",
    "Witness",
    "balance_layers",
    "classify",
    "curvature_scale",
    "hessian_inertia",
    "hessian_spectrum",
    "orbit_dimension",
    "orbit_tangent",
    "witness_kind",
    "witness_strengths",
    "witness_test",
]

#: Default relative zero threshold (times :func:`curvature_scale`) for Hessian eigenvalues
#: and witness strengths.
ZERO_TOL = 1e-7
#: Largest parameter count ``P`` for which ``method="auto"`` forms the dense ``P x P`` Hessian.
DENSE_HESSIAN_LIMIT = 2500
#: Width of the first random block of the matrix-free inertia (doubled until it suffices).
FIRST_BLOCK = 16
#: Gaussian probes of the matrix-free error bound (it fails with probability ``10^-PROBES``).
PROBES = 10
#: Factor of ``||grad L|| / ||W||`` (rebalanced point) added to the zero threshold: off an exact
#: critical point the orbit generators leave the kernel, ``H xi = -X . grad L``, which moves the
#: kernel eigenvalues by about ``||grad L|| / ||W||``.
GRADIENT_MARGIN = 10.0
#: Largest ``P x sum_j d_j^2`` for which :func:`orbit_dimension` stacks the generator images.
GENERATOR_LIMIT = 2 * 10 ** 7
#: Relative numerical-rank threshold (times the largest singular value, or the product of the
#: factors' norms) for the orbit tangent and partial products.
RANK_RTOL = 1e-10


def _reduced(land: Landscape, weights) -> list[np.ndarray]:
    """Validated weights in reduced coordinates (``W~_1 = W_1 Sxx^{1/2} V``, ``W~_h = U^T W_h``)."""
    weights = land.check(weights)
    return weights if land.spectrum.reduced else land.spectrum.to_reduced(weights)


def _reduced_landscape(land: Landscape) -> Landscape:
    """The same network on the reduced problem ``1/2 ||Sigma - W_{1:h}||^2`` (offset dropped)."""
    if land.spectrum.reduced:
        return land
    spec = land.spectrum
    return Landscape(DataSpectrum.from_singular_values(spec.sigma, d_x=spec.d_x, d_y=spec.d_y),
                     land.widths)


def balance_layers(weights, *, norm: float) -> tuple[list[np.ndarray], np.ndarray]:
    """Rescale layers ``W_j <- c_j W_j`` to equal Frobenius norms, a move along the symmetry orbit.

    If every layer is nonzero the common norm is the geometric mean of the norms (so
    ``prod c_j = 1``: the hidden-layer action with ``G_j = (c_1 ... c_j) I``). If some layer is
    zero the end-to-end map is zero, the product constraint is absorbed by that layer, and the
    nonzero layers get the norm ``norm``.

    Parameters
    ----------
    weights : sequence of ndarray
    norm : float
        Common norm used when some layer is zero (e.g. ``sigma_1^{1/h}``).

    Returns
    -------
    weights : list of ndarray
        The rescaled layers.
    factors : ndarray (h,)
        The ``c_j`` (1 for zero layers).

    Examples
    --------
    >>> import numpy as np
    >>> w, c = balance_layers([np.array([[1e4]]), np.array([[1e-4]]), np.array([[4.0]])], norm=1.0)
    >>> np.round([float(x[0, 0]) for x in w], 12).tolist()
    [1.587401051968, 1.587401051968, 1.587401051968]
    """
    if isinstance(weights, (np.ndarray, str, bytes)) or not isinstance(weights, Sequence):
        raise TypeError(f"weights must be a sequence of matrices W_1..W_h, "
                        f"got {type(weights).__name__}")
    if not weights:
        raise ValueError("weights must hold at least one matrix, got an empty sequence")
    weights = [as_matrix(w, f"weights[{j}]", allow_empty=True) for j, w in enumerate(weights)]
    norm = check_positive(norm, "norm")
    norms = np.array([np.linalg.norm(w) for w in weights])
    nonzero = norms > 0
    if not np.any(nonzero):
        return weights, np.ones(len(weights))
    if np.all(nonzero):
        target = float(np.exp(np.mean(np.log(norms))))
    else:
        target = float(norm)
    factors = np.where(nonzero, target / np.where(nonzero, norms, 1.0), 1.0)
    return [c * w for c, w in zip(factors, weights)], factors


def curvature_scale(land: Landscape, weights) -> float:
    """The size of the Hessian at ``weights``, from norms of partial products.

    ``max(sigma_1^{2(h-1)/h}, max_j ||T_j||^2 ||Q_{j-1}||^2,
    max_{a<b} sigma_1 ||T_b|| ||Mid_ab|| ||Q_{a-1}||)`` (Frobenius norms, empty products 1):
    bounds of the Gauss-Newton blocks ``(T_j^T T_k) (x) (Q_{j-1} Q_{k-1}^T)`` and of the residual
    blocks ``<G_ab, V_b Mid_ab V_a>`` (``||R|| <= sigma_1`` at a critical point) of the Hessian in
    reduced coordinates. Partial products carry a hidden ``GL`` change only at their two ends,
    so the figure grows far less than the layers' norms at unbalanced points. At a balanced
    point that learnt ``sigma_1`` it is ``sigma_1^{2(h-1)/h}``-sized, the scale of the
    closed-form spectra of THEORY §4.1.

    Examples
    --------
    >>> from landscape.data import DataSpectrum
    >>> from landscape.quotient import canonical_representative
    >>> land = Landscape(DataSpectrum.from_singular_values([4.0, 1.0]), widths=(2, 2, 2, 2))
    >>> bool(np.isclose(curvature_scale(land, canonical_representative(land, (0,))),
    ...                 4.0 ** (4 / 3)))
    True
    """
    check_landscape(land)
    weights = land.check(weights)
    h = land.h
    prefixes = prefix_products(weights)
    suffixes = suffix_products(weights)

    def norm(m):
        return 1.0 if m is None else float(np.linalg.norm(m))

    size = land.scale ** (2.0 * (h - 1) / h)
    for j in range(1, h + 1):
        size = max(size, (norm(suffixes[j]) * norm(prefixes[j - 1])) ** 2)
    for a in range(1, h + 1):
        mid = None
        for b in range(a + 1, h + 1):
            if b > a + 1:
                mid = weights[b - 2] if mid is None else weights[b - 2] @ mid
            size = max(size, land.scale * norm(suffixes[b]) * norm(mid) * norm(prefixes[a - 1]))
    return float(size)


def _prepared(land: Landscape, weights):
    """Reduced, rebalanced weights and their curvature scale."""
    balanced, _ = balance_layers(_reduced(land, weights), norm=land.weight_scale)
    return balanced, curvature_scale(land, balanced)


def _zero_threshold(land: Landscape, balanced, scale: float, zero_tol: float) -> float:
    """``zero_tol * scale + GRADIENT_MARGIN ||grad L|| / max_j ||W_j||`` at the rebalanced point.

    The second term is rounding-sized at an exact critical point; at a point critical only to
    within its gradient (the end of a training run) it absorbs the spread of the kernel.
    """
    size = max(float(np.linalg.norm(w)) for w in balanced)
    if size == 0:
        return zero_tol * scale
    gradient = _reduced_landscape(land).unchecked_gradient(balanced)[0]
    norm = float(np.sqrt(sum(np.sum(g * g) for g in gradient)))
    return zero_tol * scale + GRADIENT_MARGIN * norm / size


@dataclass(frozen=True)
class Witness:
    """Outcome of the Hessian-free second-order test of THEORY §4.1.

    Attributes
    ----------
    kind : CriticalKind
    subset : tuple of int
        Learnt modes ``S`` (0-based).
    rank : int
        ``rho = |S|``.
    max_rank : int
        ``r* = min(r, m)``.
    top : bool
        Whether ``S`` is top (no unlearnt positive ``sigma`` above a learnt one).
    rule : str
        Which rule decided: ``"top, full rank"`` (global minimum), ``"not top"`` (strict),
        ``"depth 2"`` (strict), ``"witness"`` (strict) or ``"no witness"`` (non-strict).
    pair : tuple of int or None
        The 1-based layers ``(a, b)`` with the largest strength (``None`` where no pair was
        examined -- minima, non-top sets, ``h <= 2`` -- or every strength is exactly 0).
    strength : float
        ``s_ab = sigma_1(G_ab) sigma_{rho+1}(Mid_ab)`` of that pair, at the rebalanced point
        in reduced coordinates (0 where no pair was examined).
    threshold : float
        The zero threshold (``zero_tol * curvature_scale`` plus the gradient margin, see the
        module notes): a pair is a witness when its strength exceeds it.
    """

    kind: CriticalKind
    subset: tuple[int, ...]
    rank: int
    max_rank: int
    top: bool
    rule: str
    pair: tuple[int, int] | None
    strength: float
    threshold: float

    def __repr__(self) -> str:
        return (f"Witness(kind={self.kind.value!r}, subset={self.subset}, rule={self.rule!r}, "
                f"pair={self.pair}, strength={self.strength:.3g}, "
                f"threshold={self.threshold:.3g})")


def _top_singular_value(left: np.ndarray, right: np.ndarray) -> float:
    """``sigma_1(left @ right.T)`` through thin QR factors when the inner dimension is small."""
    inner = left.shape[1]
    if inner < min(left.shape[0], right.shape[0]):
        r_left = np.linalg.qr(left, mode="r")
        r_right = np.linalg.qr(right, mode="r")
        return float(np.linalg.norm(r_left @ r_right.T, 2))
    return float(np.linalg.norm(left @ right.T, 2))


def _singular_value(matrix: np.ndarray | None, index: int, size: int) -> float:
    """``sigma_{index+1}`` of ``matrix`` (``None`` is the ``size x size`` identity); 0 if absent."""
    if matrix is None:
        return 1.0 if index < size else 0.0
    if index >= min(matrix.shape):
        return 0.0
    return float(np.linalg.svd(matrix, compute_uv=False)[index])


def witness_strengths(weights, sigma_matrix: np.ndarray, rank: int) -> dict[tuple[int, int], float]:
    """All ``s_ab = sigma_1(G_ab) sigma_{rho+1}(Mid_ab)`` for layer pairs ``1 <= a < b <= h``.

    ``G_ab = (W_h ... W_{b+1})^T R (W_{a-1} ... W_1)^T`` with ``R = W_h ... W_1 - Sigma`` and
    ``Mid_ab = W_{b-1} ... W_{a+1}`` (identity for ``b = a + 1``), in reduced coordinates.
    Costs ``O(h^2)`` chained products and small singular value decompositions.

    Parameters
    ----------
    weights : sequence of ndarray
        ``W_1..W_h`` in reduced coordinates, ``W_1`` with ``d_x`` columns, ``W_h`` with
        ``d_y`` rows.
    sigma_matrix : ndarray (d_y, d_x)
        ``Sigma`` (:meth:`landscape.data.DataSpectrum.sigma_matrix`).
    rank : int
        ``rho = |S|``.

    Examples
    --------
    One hidden layer that learnt the weaker mode: ``G_12 = R`` has norm ``sigma_1 = 4`` and
    ``Mid_12`` is the identity, so ``s_12 = 4`` (a strict saddle).

    >>> from landscape.data import DataSpectrum
    >>> from landscape.quotient import canonical_representative
    >>> land = Landscape(DataSpectrum.from_singular_values([4.0, 1.0]), widths=(2, 2, 2))
    >>> weights = canonical_representative(land, (1,))
    >>> {pair: round(s, 12) for pair, s in
    ...  witness_strengths(weights, land.spectrum.sigma_matrix(), 1).items()}
    {(1, 2): 4.0}
    """
    sigma_matrix = as_matrix(sigma_matrix, "sigma_matrix")
    rank = check_int(rank, "rank", minimum=0)
    if isinstance(weights, (np.ndarray, str, bytes)) or not isinstance(weights, Sequence):
        raise TypeError(f"weights must be a sequence of matrices W_1..W_h, "
                        f"got {type(weights).__name__}")
    d_y, d_x = sigma_matrix.shape
    weights = [as_matrix(w, f"weights[{j}]") for j, w in enumerate(weights)]
    if not weights or weights[0].shape[1] != d_x or weights[-1].shape[0] != d_y:
        raise ValueError(f"weights must run from d_x = {d_x} inputs to d_y = {d_y} outputs "
                         f"(the shape of sigma_matrix), got shapes "
                         f"{[w.shape for w in weights]}")
    weights = check_weights(weights, (d_x, *(w.shape[0] for w in weights)))
    h = len(weights)
    prefixes = prefix_products(weights)
    suffixes = suffix_products(weights)
    residual = prefixes[-1] - sigma_matrix
    d_x, d_y = sigma_matrix.shape[1], sigma_matrix.shape[0]
    out = {}
    for a in range(1, h + 1):
        mid = None
        for b in range(a + 1, h + 1):
            if b > a + 1:
                mid = weights[b - 2] if mid is None else weights[b - 2] @ mid
            after, before = suffixes[b], prefixes[a - 1]
            # G_ab = X Y^T with the inner dimension min(d_x, d_y)
            if d_x <= d_y:
                left = residual if after is None else after.T @ residual
                right = np.eye(d_x) if before is None else before
            else:
                left = np.eye(d_y) if after is None else after.T
                right = residual.T if before is None else before @ residual.T
            g = _top_singular_value(left, right)
            size = weights[a - 1].shape[0]
            out[(a, b)] = g * _singular_value(mid, rank, size) if g > 0 else 0.0
    return out


def witness_test(land: Landscape, weights, *, zero_tol: float = ZERO_TOL,
                 rtol: float = TIE_TOL, critical_tol: float = CRITICAL_TOL) -> Witness:
    """Decide global minimum / strict / non-strict saddle without the Hessian (THEORY §4.1).

    With ``S`` the learnt set, ``rho = |S|`` and ``r* = min(r, m)``:

    1. ``S`` not top: strict (rotating a learnt ``sigma_k`` towards a larger unlearnt
       ``sigma_i`` has curvature ``-2 sigma_k (sigma_i - sigma_k)``);
    2. ``S`` top and ``rho = r*``: global minimum (Eckart-Young);
    3. ``h = 2``: strict (Baldi & Hornik 1989; Kawaguchi 2016);
    4. ``h >= 3``: strict iff some pair ``a < b`` is a witness, ``G_ab != 0`` and
       ``rank Mid_ab > rho``: the layers ``a`` and ``b`` alone switch on an unlearnt mode at
       second order. Decided by ``max_ab s_ab >`` the zero threshold (``zero_tol *
       curvature_scale`` plus the gradient margin) at the rebalanced point,
       ``s_ab = sigma_1(G_ab) sigma_{rho+1}(Mid_ab)`` (see :func:`witness_strengths`).

    The test is in the spirit of Achour, Malgouyres & Gerchinovitz (JMLR 2024), who decide
    second-order types by ranks of partial products; it costs ``O(h^2)`` chained products and
    small SVDs and never forms a Hessian, so it runs on networks with ``10^5``-``10^6``
    parameters.

    Parameters
    ----------
    land : Landscape
    weights : sequence of ndarray
        A critical point ``W_1..W_h`` in the problem's coordinates.
    zero_tol : float
        Relative threshold (times :func:`curvature_scale` of the rebalanced point) above which
        a strength counts as nonzero.
    rtol : float
        Tolerance for tied and zero singular values (:func:`landscape.modes.tie_groups`).
    critical_tol : float
        Bound on :func:`landscape.modes.relative_gradient_norm`.

    Raises
    ------
    NotCriticalError
        If ``weights`` is not a critical point.

    Examples
    --------
    >>> import numpy as np
    >>> from landscape.data import DataSpectrum
    >>> land = Landscape(DataSpectrum.from_singular_values([3.0, 2.0]), widths=(2, 2, 2, 2))
    >>> zero = [np.zeros((2, 2))] * 3
    >>> witness_test(land, zero).kind.value
    'non_strict_saddle'
    >>> middle = [np.zeros((2, 2)), np.eye(2), np.zeros((2, 2))]
    >>> w = witness_test(land, middle)
    >>> w.kind.value, w.pair
    ('strict_saddle', (1, 3))
    """
    check_landscape(land)
    zero_tol = check_positive(zero_tol, "zero_tol")
    rtol = check_nonnegative(rtol, "rtol")
    critical_tol = check_nonnegative(critical_tol, "critical_tol")
    weights = land.check(weights)
    check_critical(land, weights, critical_tol=critical_tol)
    balanced, scale = _prepared(land, weights)
    return _witness(land, weights, balanced, _zero_threshold(land, balanced, scale, zero_tol),
                    rtol)


def _witness(land: Landscape, weights, balanced, threshold: float, rtol: float) -> Witness:
    """The witness test on validated critical ``weights`` with their rebalanced reduced form."""
    modes = learnt_modes(land, weights, tie_tol=rtol)
    common = dict(subset=modes.subset, rank=modes.rank, max_rank=modes.max_rank, top=modes.top,
                  threshold=threshold)
    if not modes.top:
        return Witness(kind=CriticalKind.STRICT_SADDLE, rule="not top", pair=None,
                       strength=0.0, **common)
    if modes.rank >= modes.max_rank:
        return Witness(kind=CriticalKind.GLOBAL_MINIMUM, rule="top, full rank", pair=None,
                       strength=0.0, **common)
    if land.h <= 2:
        return Witness(kind=CriticalKind.STRICT_SADDLE, rule="depth 2", pair=None,
                       strength=0.0, **common)
    strengths = witness_strengths(balanced, land.spectrum.sigma_matrix(), modes.rank)
    pair = max(strengths, key=lambda p: (strengths[p], -p[0], -p[1]))
    strength = strengths[pair]
    pair = pair if strength > 0 else None
    if strength > threshold:
        return Witness(kind=CriticalKind.STRICT_SADDLE, rule="witness", pair=pair,
                       strength=strength, **common)
    return Witness(kind=CriticalKind.NON_STRICT_SADDLE, rule="no witness", pair=pair,
                   strength=strength, **common)


def witness_kind(land: Landscape, weights, *, zero_tol: float = ZERO_TOL,
                 rtol: float = TIE_TOL, critical_tol: float = CRITICAL_TOL) -> CriticalKind:
    """The second-order type of a critical point by the witness test (:func:`witness_test`).

    Examples
    --------
    >>> import numpy as np
    >>> from landscape.data import DataSpectrum
    >>> land = Landscape(DataSpectrum.from_singular_values([3.0, 2.0]), widths=(2, 2, 2))
    >>> witness_kind(land, [np.zeros((2, 2)), np.zeros((2, 2))]).value
    'strict_saddle'
    """
    return witness_test(land, weights, zero_tol=zero_tol, rtol=rtol,
                        critical_tol=critical_tol).kind


# ---------------------------------------------------------------------- symmetry orbit
def _hidden_offsets(widths) -> np.ndarray:
    sizes = [d * d for d in widths[1:-1]]
    return np.concatenate([[0], np.cumsum(sizes)]).astype(int)


def orbit_tangent(land: Landscape, weights) -> np.ndarray:
    """The generator map ``X -> (X_j W_j - W_j X_{j-1})_j`` as a ``P x sum_j d_j^2`` matrix.

    Column ``(j, p, q)`` is the image of the matrix unit ``E_pq`` of ``gl(d_j)``
    (``j = 1..h-1``): row ``p`` of ``W_j`` receives row ``q`` of ``W_j``, column ``q`` of
    ``W_{j+1}`` receives minus column ``p`` of ``W_{j+1}``. Its column space is the tangent of
    the hidden-layer symmetry orbit ``W_j -> G_j W_j G_{j-1}^{-1}`` (THEORY §1), in flatten
    order, in the coordinates of ``weights``.

    Examples
    --------
    >>> from landscape.data import DataSpectrum
    >>> from landscape.quotient import canonical_representative
    >>> land = Landscape(DataSpectrum.from_singular_values([4.0, 1.0]), widths=(2, 2, 2, 2))
    >>> tangent = orbit_tangent(land, canonical_representative(land, (0,)))
    >>> tangent.shape, int(np.linalg.matrix_rank(tangent))
    ((12, 8), 6)
    """
    check_landscape(land)
    weights = land.check(weights)
    widths, h = land.widths, land.h
    hidden = _hidden_offsets(widths)
    offsets = land._offsets
    out = np.zeros((land.n_params, int(hidden[-1])))
    for j in range(1, h):
        d = widths[j]
        below, above = weights[j - 1], weights[j]   # W_j (d x d_{j-1}), W_{j+1} (d_{j+1} x d)
        d_in, d_out = below.shape[1], above.shape[0]
        for p in range(d):
            for q in range(d):
                col = hidden[j - 1] + p * d + q
                start = offsets[j - 1] + p * d_in
                out[start:start + d_in, col] = below[q]
                rows = offsets[j] + np.arange(d_out) * d + q
                out[rows, col] = -above[:, p]
    return out


def _numerical_rank(values: np.ndarray, scale: float) -> int:
    return int(np.count_nonzero(values > RANK_RTOL * scale)) if scale > 0 else 0


def _partial_ranks(weights) -> dict[tuple[int, int], int]:
    """``r_ij = rank(W_j ... W_{i+1})`` for ``0 <= i < j <= h`` (relative to the factors' norms)."""
    h = len(weights)
    out = {}
    for i in range(h):
        product, scale = None, 1.0
        for j in range(i + 1, h + 1):
            w = weights[j - 1]
            product = w if product is None else w @ product
            scale *= float(np.linalg.norm(w, 2)) if w.size else 0.0
            out[(i, j)] = _numerical_rank(np.linalg.svd(product, compute_uv=False), scale)
    return out


def _orbit_dimension_from_ranks(widths, ranks) -> int:
    """``sum_j d_j^2 - dim stab`` from the interval decomposition of the quiver representation.

    A representation ``V_0 -> V_1 -> ... -> V_h`` of the linear quiver splits into interval
    modules ``I[s, t]`` with multiplicities ``m_st = r_st - r_{s-1,t} - r_{s,t+1} +
    r_{s-1,t+1}`` (``r_ii = d_i``, out-of-range ranks 0). ``Hom(I[s,t], I[s',t'])`` is
    one-dimensional iff ``s' <= s <= t' <= t``, supported on ``[s, t']``; the stabiliser of the
    hidden action (``X_0 = X_h = 0``) keeps the morphisms with ``s >= 1`` and ``t' <= h - 1``.
    """
    h = len(widths) - 1

    def rank(i, j):
        if i < 0 or j > h:
            return 0
        return widths[i] if i == j else ranks[(i, j)]

    mult = {(s, t): rank(s, t) - rank(s - 1, t) - rank(s, t + 1) + rank(s - 1, t + 1)
            for s in range(h + 1) for t in range(s, h + 1)}
    stab = 0
    for (s, t), m in mult.items():
        if m == 0 or s < 1:
            continue
        for (s2, t2), m2 in mult.items():
            if m2 and s2 <= s <= t2 <= t and t2 <= h - 1:
                stab += m * m2
    return int(sum(d * d for d in widths[1:-1]) - stab)


def orbit_dimension(land: Landscape, weights, *, method: str = "auto") -> int:
    """Dimension of the tangent of the hidden-layer symmetry orbit through ``weights``.

    ``method="generators"``: numerical rank of the stacked generator images
    (:func:`orbit_tangent`). ``method="ranks"``: ``sum_j d_j^2`` minus the dimension of the
    stabiliser ``{X : X_j W_j = W_j X_{j-1}, X_0 = X_h = 0}``, counted from the ranks of all
    partial products ``W_j ... W_{i+1}`` through the interval decomposition of the linear
    quiver representation (each pair of intervals ``I[s,t]``, ``I[s',t']`` with
    ``1 <= s``, ``s' <= s <= t' <= t``, ``t' <= h - 1`` adds one stabiliser dimension); it needs
    no ``P x sum d_j^2`` matrix. ``"auto"`` stacks the generators while
    ``P sum_j d_j^2 <= GENERATOR_LIMIT``. Both run on the rebalanced point (a move along the
    orbit, which maps orbit tangents onto each other).

    Examples
    --------
    >>> import numpy as np
    >>> from landscape.data import DataSpectrum
    >>> land = Landscape(DataSpectrum.from_singular_values([1.0, 1.0]), widths=(2, 2, 2, 2))
    >>> w = [np.eye(2) + 0.1, np.eye(2), np.eye(2) - 0.2]
    >>> orbit_dimension(land, w, method="generators"), orbit_dimension(land, w, method="ranks")
    (8, 8)
    """
    check_landscape(land)
    check_choice(method, "method", ("auto", "generators", "ranks"))
    weights, _ = balance_layers(land.check(weights), norm=land.weight_scale)
    return _orbit_dimension(land, weights, method)


def _orbit_dimension(land: Landscape, weights, method: str) -> int:
    """:func:`orbit_dimension` at validated, rebalanced ``weights``."""
    n_generators = int(_hidden_offsets(land.widths)[-1])
    if n_generators == 0:
        return 0
    if method == "auto":
        method = "generators" if land.n_params * n_generators <= GENERATOR_LIMIT else "ranks"
    if method == "ranks":
        return _orbit_dimension_from_ranks(land.widths, _partial_ranks(weights))
    values = np.linalg.svd(orbit_tangent(land, weights), compute_uv=False)
    return _numerical_rank(values, float(values[0]) if values.size else 0.0)


# ---------------------------------------------------------------------- Hessian inertia
@dataclass(frozen=True, eq=False)
class Inertia:
    """Hessian inertia ``(n_-, n_0, n_+)`` at a rebalanced point in reduced coordinates.

    Attributes
    ----------
    n_negative, n_zero, n_positive : int
    threshold : float
        Eigenvalues with ``|lambda| <= threshold`` count as zero.
    eigenvalues : ndarray
        Ascending. All ``P`` eigenvalues (``method="dense"``), or the Ritz values of the
        matrix-free solver: every eigenvalue beyond the noise of the range it captured (all
        the nonzero ones) and some near-zero ones, the rest of the kernel uncomputed.
    method : str
        ``"dense"`` or ``"matrix_free"``.
    eigenvalue_bound : float
        Matrix-free: a bound, holding with probability at least ``1 - 10^-10``, on the
        distance of every Hessian eigenvalue from the computed values (completed by zeros);
        0 for the dense method.
    """

    n_negative: int
    n_zero: int
    n_positive: int
    threshold: float
    eigenvalues: np.ndarray = field(repr=False)
    method: str
    eigenvalue_bound: float = 0.0

    @property
    def min_eigenvalue(self) -> float:
        """The lowest eigenvalue (0 where it lies in an uncomputed part of the kernel)."""
        lowest = float(self.eigenvalues[0])
        complete = self.eigenvalues.size == self.n_negative + self.n_zero + self.n_positive
        return lowest if complete or self.n_negative else min(lowest, 0.0)

    def __repr__(self) -> str:
        return (f"Inertia(n_negative={self.n_negative}, n_zero={self.n_zero}, "
                f"n_positive={self.n_positive}, min_eigenvalue={self.min_eigenvalue:.6g}, "
                f"method={self.method!r})")


def _counted(values: np.ndarray, threshold: float, size: int, method: str,
             bound: float = 0.0) -> Inertia:
    n_neg = int(np.count_nonzero(values < -threshold))
    n_pos = int(np.count_nonzero(values > threshold))
    return Inertia(n_neg, size - n_neg - n_pos, n_pos, threshold, values, method, bound)


def _hvp_block(land: Landscape, weights):
    """``V -> H V`` column by column (exact Hessian-vector products, :meth:`Landscape.hvp`)."""
    def apply(block: np.ndarray) -> np.ndarray:
        return np.column_stack([np.concatenate([o.ravel() for o in land.unchecked_hvp(
            weights, land.split_flat(block[:, k]))]) for k in range(block.shape[1])])

    return apply


def _range_eigenvalues(apply, size: int, threshold: float, *, rng,
                       max_eigenpairs: int) -> tuple[np.ndarray, float]:
    """Eigenvalues of a symmetric operator on its range, with a certified error bound.

    Randomized range finder and Rayleigh-Ritz (Halko, Martinsson & Tropp, SIAM Review 2011):
    ``B = orth(H Omega)`` for a Gaussian block ``Omega`` holds the whole range of ``H`` once
    the block is wider than ``rank H``, and the eigenvalues of ``B^T H B`` are then the nonzero
    eigenvalues of ``H``. Fresh Gaussian probes ``w_i`` bound what is left,
    ``||(I - B B^T) H|| <= e = 10 sqrt(2/pi) max_i ||(I - B B^T) H w_i||`` with probability
    ``1 - 10^-PROBES`` (ibid. §4.3); writing ``H`` in the basis ``(B, B_perp)``, Weyl's
    inequality puts every eigenvalue of ``H`` within ``2 e`` of the Ritz values completed
    by zeros. The block doubles (reusing the probes' images) until ``2 e`` is below
    ``threshold / 10``.
    """
    block = min(FIRST_BLOCK, size)
    sample = apply(rng.standard_normal((size, block)))
    while True:
        basis = np.linalg.qr(sample)[0]
        image = apply(basis)
        small = basis.T @ image
        values = np.linalg.eigvalsh(0.5 * (small + small.T))
        if basis.shape[1] >= size:      # the basis spans the whole space: nothing is left
            return values, 0.0
        probes = apply(rng.standard_normal((size, PROBES)))
        left = probes - basis @ (basis.T @ probes)
        bound = 2.0 * 10.0 * np.sqrt(2.0 / np.pi) * float(np.max(np.linalg.norm(left, axis=0)))
        if bound <= 0.1 * threshold:
            return values, bound
        if block >= max_eigenpairs:
            raise RuntimeError(
                f"the matrix-free inertia needs a subspace wider than max_eigenpairs = "
                f"{max_eigenpairs} (eigenvalue bound {bound:.3g} > threshold / 10 = "
                f"{0.1 * threshold:.3g}): the Hessian has too many nonzero eigenvalues; raise "
                f"max_eigenpairs or use method='dense'")
        wider = min(2 * block, size, max_eigenpairs)
        extra = [probes] if wider - block >= PROBES else []
        fresh = wider - block - sum(p.shape[1] for p in extra)
        if fresh > 0:
            extra.append(apply(rng.standard_normal((size, fresh))))
        sample = np.column_stack([sample, *extra])
        block = sample.shape[1]


def hessian_inertia(land: Landscape, weights, *, zero_tol: float = ZERO_TOL,
                    method: str = "auto", dense_limit: int = DENSE_HESSIAN_LIMIT,
                    max_eigenpairs: int = 512, seed: int = 0) -> Inertia:
    """Inertia of the Hessian at a point, densely or matrix-free.

    The point is mapped to reduced coordinates and rebalanced (:func:`balance_layers`);
    both are fixed linear changes of the parameters under which the loss is unchanged, so
    the Hessians are congruent and the inertia is the one at ``weights`` (Sylvester's law of
    inertia). Eigenvalues with ``|lambda| <= zero_tol * curvature_scale`` plus the gradient
    margin (``GRADIENT_MARGIN ||grad L|| / max_j ||W_j||``, rounding-sized at an exact
    critical point) count as zero.

    ``method="dense"`` forms the analytic ``P x P`` Hessian and all its eigenvalues
    (``O(P^3)``). ``method="matrix_free"`` never forms it: a randomized range finder on
    exact Hessian-vector products captures the range of the Hessian, Rayleigh-Ritz on it
    gives every eigenvalue beyond the threshold, and a posteriori Gaussian probes certify
    that nothing was missed (see :func:`_range_eigenvalues`); ``n_0 = P - n_- - n_+``. The
    symmetry orbit lies in the kernel and needs no deflation; the cost is
    ``O(k)`` Hessian-vector products and ``O(P k^2)`` orthogonalisation for a subspace of
    width ``k`` about twice ``n_- + n_+`` (the rank of the Hessian, small for wide networks
    at low-rank critical points). ``"auto"`` is dense up to ``dense_limit`` parameters
    (:data:`DENSE_HESSIAN_LIMIT`).

    Parameters
    ----------
    land : Landscape
    weights : sequence of ndarray
    zero_tol : float
    method : {"auto", "dense", "matrix_free"}
    dense_limit : int
    max_eigenpairs : int
        Widest subspace (Ritz pairs) the matrix-free solver may use (RuntimeError beyond).
    seed : int
        Seed of the solver's random blocks.

    Notes
    -----
    Rebalancing undoes any scalar imbalance between the layers exactly: ``(c_j W_j)`` with
    ``prod c_j = 1`` has the very same rebalanced point and spectrum as ``W``. A non-scalar
    hidden change ``W_j -> G_j W_j G_{j-1}^{-1}`` with badly conditioned ``G_j`` is not
    undone; it keeps the inertia in exact arithmetic but spreads the spectrum, so that at a
    very ill-conditioned point small nonzero eigenvalues can fall under the relative
    threshold (lower ``zero_tol`` there).

    Examples
    --------
    >>> import numpy as np
    >>> from landscape.data import DataSpectrum
    >>> land = Landscape(DataSpectrum.from_singular_values([3.0, 2.0]), widths=(2, 2, 2))
    >>> w = [np.diag([3.0 ** 0.5, 0.0]), np.diag([3.0 ** 0.5, 0.0])]
    >>> hessian_inertia(land, w)  # h = 2, S = {1}: index 1, nullity 3 (THEORY §4.1)
    Inertia(n_negative=1, n_zero=3, n_positive=4, min_eigenvalue=-2, method='dense')
    """
    check_landscape(land)
    zero_tol = check_positive(zero_tol, "zero_tol")
    check_choice(method, "method", ("auto", "dense", "matrix_free"))
    dense_limit = check_int(dense_limit, "dense_limit", minimum=1)
    max_eigenpairs = check_int(max_eigenpairs, "max_eigenpairs", minimum=1)
    seed = check_int(seed, "seed", minimum=0)
    weights, scale = _prepared(land, weights)
    return _inertia(_reduced_landscape(land), weights,
                    _zero_threshold(land, weights, scale, zero_tol), method, dense_limit,
                    max_eigenpairs, seed)


def _inertia(reduced: Landscape, weights, threshold, method, dense_limit, max_eigenpairs,
             seed) -> Inertia:
    size = reduced.n_params
    if method == "dense" or (method == "auto" and size <= dense_limit):
        return _counted(np.linalg.eigvalsh(reduced.hessian(weights)), threshold, size, "dense")
    values, bound = _range_eigenvalues(_hvp_block(reduced, weights), size, threshold,
                                       rng=np.random.default_rng(seed),
                                       max_eigenpairs=max_eigenpairs)
    return _counted(values, threshold, size, "matrix_free", bound)


# ---------------------------------------------------------------------- spectrum parts
@dataclass(frozen=True, eq=False)
class HessianSpectrum:
    """The Hessian spectrum at a critical point, split into its parts (THEORY §4).

    ``eigenvalues`` (ascending, length ``P``) holds the negative part, then the kernel
    (``|lambda| <= zero_threshold``), then the positive part. The kernel splits by dimension
    into the tangent of the symmetry orbit (its first ``n_orbit`` entries) and the centre
    beyond it (the other ``centre_dim``); it is one degenerate eigenspace, so the split is a
    count, not an assignment of eigenvectors.

    Attributes
    ----------
    eigenvalues : ndarray (P,)
        Ascending; kernel eigenvalues a matrix-free solver did not compute are ``0.0``.
    n_negative, n_zero, n_positive, n_orbit : int
    zero_threshold : float
    complete : bool
        Whether every eigenvalue was computed (else part of the kernel is filled with 0).
    """

    eigenvalues: np.ndarray = field(repr=False)
    n_negative: int
    n_zero: int
    n_positive: int
    n_orbit: int
    zero_threshold: float
    complete: bool

    @property
    def centre_dim(self) -> int:
        """``n_zero - n_orbit``."""
        return self.n_zero - self.n_orbit

    @property
    def negative(self) -> np.ndarray:
        return self.eigenvalues[:self.n_negative]

    @property
    def orbit(self) -> np.ndarray:
        return self.eigenvalues[self.n_negative:self.n_negative + self.n_orbit]

    @property
    def centre(self) -> np.ndarray:
        return self.eigenvalues[self.n_negative + self.n_orbit:self.n_negative + self.n_zero]

    @property
    def positive(self) -> np.ndarray:
        return self.eigenvalues[self.n_negative + self.n_zero:]

    def __repr__(self) -> str:
        return (f"HessianSpectrum(n_negative={self.n_negative}, n_orbit={self.n_orbit}, "
                f"centre_dim={self.centre_dim}, n_positive={self.n_positive}, "
                f"zero_threshold={self.zero_threshold:.3g}, complete={self.complete})")


def hessian_spectrum(eigenvalues, *, zero_threshold: float, n_orbit: int = 0,
                     n_params: int | None = None) -> HessianSpectrum:
    """Split Hessian eigenvalues into negative, orbit, centre and positive parts.

    Parameters
    ----------
    eigenvalues : array_like, 1-D
        Computed eigenvalues: all of them, or (matrix-free) every one beyond
        ``zero_threshold`` and some of the kernel.
    zero_threshold : float
        ``|lambda| <= zero_threshold`` counts as zero.
    n_orbit : int
        Dimension of the symmetry-orbit tangent, at most the kernel dimension.
    n_params : int, optional
        ``P``; kernel eigenvalues missing from ``eigenvalues`` are filled with 0.

    Examples
    --------
    >>> s = hessian_spectrum([2.0, 0.0, -1.0, 1e-12], zero_threshold=1e-9, n_orbit=1, n_params=5)
    >>> s.n_negative, s.n_orbit, s.centre_dim, s.n_positive, s.complete
    (1, 1, 2, 1, False)
    >>> s.eigenvalues.tolist()
    [-1.0, 0.0, 0.0, 1e-12, 2.0]
    """
    values = np.sort(as_vector(eigenvalues, "eigenvalues"))
    zero_threshold = check_nonnegative(zero_threshold, "zero_threshold")
    n_orbit = check_int(n_orbit, "n_orbit", minimum=0)
    size = values.size if n_params is None else check_int(n_params, "n_params", minimum=1)
    if size < values.size:
        raise ValueError(f"n_params must be at least the number of eigenvalues "
                         f"{values.size}, got {size}")
    negative = values[values < -zero_threshold]
    positive = values[values > zero_threshold]
    zero = values[np.abs(values) <= zero_threshold]
    n_zero = size - negative.size - positive.size
    if n_orbit > n_zero:
        raise ValueError(f"n_orbit must be at most the kernel dimension {n_zero}, got {n_orbit}")
    kernel = np.sort(np.concatenate([zero, np.zeros(n_zero - zero.size)]))
    return HessianSpectrum(eigenvalues=np.concatenate([negative, kernel, positive]),
                           n_negative=int(negative.size), n_zero=int(n_zero),
                           n_positive=int(positive.size), n_orbit=n_orbit,
                           zero_threshold=zero_threshold, complete=size == values.size)


# ---------------------------------------------------------------------- classification
@dataclass(frozen=True, eq=False)
class Classification:
    """Second-order type of a critical point, from its Hessian and from the witness test.

    Attributes
    ----------
    kind : CriticalKind
        From the Hessian: strict if ``n_negative > 0``; else a global minimum if the loss is
        the global minimum value, a non-strict saddle otherwise.
    witness_kind : CriticalKind
        From the Hessian-free witness test (:func:`witness_test`).
    agree : bool
        Whether the two kinds agree.
    disagreement : str
        Empty when they agree; otherwise which eigenvalue and which layer pair disagree.
    n_negative, n_zero, n_positive : int
        Hessian inertia (see :func:`hessian_inertia`).
    n_orbit : int
        Dimension of the tangent of the hidden-layer symmetry orbit (:func:`orbit_dimension`).
    centre_dim : int
        ``n_zero - n_orbit``: the kernel beyond the orbit (the Morse-Bott defect where the
        critical set is no larger than the orbit).
    min_eigenvalue : float
        Lowest Hessian eigenvalue at the rebalanced point in reduced coordinates.
    eigenvalues : ndarray
        The eigenvalues computed (all of them for the dense method; see :class:`Inertia`).
    zero_threshold : float
        ``zero_tol * curvature_scale + GRADIENT_MARGIN ||grad L|| / max_j ||W_j||`` at the
        rebalanced point: the bound on ``|lambda|`` and witness strengths counted as zero.
    curvature_scale : float
    witness : Witness
        The full witness outcome (rule, pair, strength).
    escape_order : int or None
        2 at a strict saddle; at a non-strict saddle the lowest order of the escapes found by
        :func:`landscape.escape.escape_directions` (``None`` when not searched); ``None`` at a
        minimum.
    value : float
        The loss at the point.
    method : str
        ``"dense"`` or ``"matrix_free"``.
    """

    kind: CriticalKind
    witness_kind: CriticalKind
    agree: bool
    disagreement: str
    n_negative: int
    n_zero: int
    n_positive: int
    n_orbit: int
    centre_dim: int
    min_eigenvalue: float
    eigenvalues: np.ndarray = field(repr=False)
    zero_threshold: float
    curvature_scale: float
    witness: Witness
    escape_order: int | None
    value: float
    method: str

    @property
    def subset(self) -> tuple[int, ...]:
        """The learnt set ``S``."""
        return self.witness.subset

    @property
    def inertia(self) -> tuple[int, int, int]:
        """``(n_negative, n_zero, n_positive)``."""
        return self.n_negative, self.n_zero, self.n_positive

    @property
    def witness_pair(self) -> tuple[int, int] | None:
        return self.witness.pair

    @property
    def witness_strength(self) -> float:
        return self.witness.strength

    @property
    def spectrum(self) -> HessianSpectrum:
        """The eigenvalues split into negative, orbit, centre and positive parts."""
        return hessian_spectrum(self.eigenvalues, zero_threshold=self.zero_threshold,
                                n_orbit=self.n_orbit, n_params=sum(self.inertia))

    def __repr__(self) -> str:
        text = (f"Classification(kind={self.kind.value!r}, witness_kind="
                f"{self.witness_kind.value!r}, subset={self.subset}, inertia={self.inertia}, "
                f"n_orbit={self.n_orbit}, centre_dim={self.centre_dim}, "
                f"min_eigenvalue={self.min_eigenvalue:.6g}, escape_order={self.escape_order}")
        return text + ("" if self.agree else f", disagreement={self.disagreement!r}") + ")"


def _minimum_gap(land: Landscape, rtol: float) -> float:
    """Half the smallest positive gap between the global minimum value and any other
    critical value."""
    sigma = land.spectrum.sigma
    k = land.max_rank
    if k == 0:
        return np.inf
    gaps = [sigma[k - 1] ** 2]
    if k < sigma.size and sigma[k - 1] - sigma[k] > rtol * land.scale:
        gaps.append(sigma[k - 1] ** 2 - sigma[k] ** 2)
    return 0.25 * min(gaps)


def _hessian_kind(land: Landscape, value: float, n_negative: int, rtol: float) -> CriticalKind:
    if n_negative > 0:
        return CriticalKind.STRICT_SADDLE
    if value - land.minimum_value() <= _minimum_gap(land, rtol):
        return CriticalKind.GLOBAL_MINIMUM
    return CriticalKind.NON_STRICT_SADDLE


def _disagreement(kind, witness: Witness, inertia: Inertia) -> str:
    if kind is witness.kind:
        return ""
    pair = "no layer pair examined" if witness.pair is None else \
        f"strongest pair (a, b) = {witness.pair} with strength {witness.strength:.3g}"
    return (f"Hessian says {kind.value} (n_negative = {inertia.n_negative}, lowest eigenvalue "
            f"{inertia.min_eigenvalue:.3g}, zero threshold {inertia.threshold:.3g}) but the "
            f"witness test says {witness.kind.value} (rule {witness.rule!r}, {pair}, "
            f"threshold {witness.threshold:.3g})")


def classify(land: Landscape, weights, *, zero_tol: float = ZERO_TOL, method: str = "auto",
             dense_limit: int = DENSE_HESSIAN_LIMIT, max_eigenpairs: int = 512,
             escapes: bool = False, rtol: float = TIE_TOL, critical_tol: float = CRITICAL_TOL,
             seed: int = 0) -> Classification:
    """Second-order classification of any critical point (THEORY §4, §4.1).

    Computes the Hessian inertia (:func:`hessian_inertia`), the orbit-tangent dimension from
    the symmetry generators (:func:`orbit_dimension`) and the centre beyond it, and the
    witness test (:func:`witness_test`); both kinds are always computed, and a disagreement is
    reported with the eigenvalue and the layer pair involved.

    Parameters
    ----------
    land : Landscape
    weights : sequence of ndarray
        A critical point in the problem's coordinates.
    zero_tol : float
        Relative zero threshold (times :func:`curvature_scale` of the rebalanced point) for
        Hessian eigenvalues and witness strengths alike.
    method : {"auto", "dense", "matrix_free"}
        How the inertia is computed (``"auto"``: dense up to ``dense_limit`` parameters).
    dense_limit, max_eigenpairs : int
        See :func:`hessian_inertia`.
    escapes : bool
        At a non-strict saddle, also search the higher-order escapes
        (:func:`landscape.escape.escape_directions`) to fill ``escape_order``.
    rtol, critical_tol : float
        Tie tolerance and criticality bound (:mod:`landscape.modes`).
    seed : int
        Seed of the matrix-free solver and of the escape search.

    Raises
    ------
    NotCriticalError
        If ``weights`` is not a critical point.

    Examples
    --------
    >>> import numpy as np
    >>> from landscape.data import DataSpectrum
    >>> land = Landscape(DataSpectrum.from_singular_values([1.0, 1.0]), widths=(2, 2, 2, 2))
    >>> c = classify(land, [np.zeros((2, 2))] * 3)
    >>> c.kind.value, c.witness_kind.value, c.inertia, c.n_orbit, c.centre_dim
    ('non_strict_saddle', 'non_strict_saddle', (0, 12, 0), 0, 12)
    """
    check_landscape(land)
    zero_tol = check_positive(zero_tol, "zero_tol")
    check_choice(method, "method", ("auto", "dense", "matrix_free"))
    dense_limit = check_int(dense_limit, "dense_limit", minimum=1)
    max_eigenpairs = check_int(max_eigenpairs, "max_eigenpairs", minimum=1)
    if not isinstance(escapes, bool):
        raise TypeError(f"escapes must be a bool, got {escapes!r}")
    rtol = check_nonnegative(rtol, "rtol")
    critical_tol = check_nonnegative(critical_tol, "critical_tol")
    seed = check_int(seed, "seed", minimum=0)
    weights = land.check(weights)
    check_critical(land, weights, critical_tol=critical_tol)
    balanced, scale = _prepared(land, weights)
    threshold = _zero_threshold(land, balanced, scale, zero_tol)
    witness = _witness(land, weights, balanced, threshold, rtol)
    reduced = _reduced_landscape(land)
    inertia = _inertia(reduced, balanced, threshold, method, dense_limit, max_eigenpairs, seed)
    n_orbit = _orbit_dimension(reduced, balanced, "auto")
    value = land.loss(weights)
    kind = _hessian_kind(land, value, inertia.n_negative, rtol)
    escape_order = None
    if kind is CriticalKind.STRICT_SADDLE:
        escape_order = 2
    elif kind is CriticalKind.NON_STRICT_SADDLE and escapes:
        from .escape import escape_directions

        found = escape_directions(land, weights, zero_tol=zero_tol, seed=seed,
                                  follow=False)
        escape_order = min((e.order for e in found), default=None)
    disagreement = _disagreement(kind, witness, inertia)
    return Classification(
        kind=kind, witness_kind=witness.kind, agree=not disagreement, disagreement=disagreement,
        n_negative=inertia.n_negative, n_zero=inertia.n_zero, n_positive=inertia.n_positive,
        n_orbit=n_orbit, centre_dim=inertia.n_zero - n_orbit,
        min_eigenvalue=inertia.min_eigenvalue, eigenvalues=inertia.eigenvalues,
        zero_threshold=inertia.threshold, curvature_scale=scale, witness=witness,
        escape_order=escape_order, value=value, method=inertia.method)
