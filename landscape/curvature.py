"""Second-order geometry of critical points: Hessian inertia, symmetry orbit, witness test.

At a critical point ``W`` of a deep linear network the Hessian of
``L = L0 + 1/2 ||Sigma - W_h ... W_1||^2`` (reduced coordinates, THEORY §1) is the quadratic form

    Q(V) = ||sum_j T_j V_j Q_{j-1}||^2 + 2 sum_{a<b} <G_ab, V_b Mid_ab V_a>,

with ``T_j = W_h ... W_{j+1}``, ``Q_{j-1} = W_{j-1} ... W_1``, ``Mid_ab = W_{b-1} ... W_{a+1}``
and ``G_ab = T_b^T R Q_{a-1}^T`` (``R = W_{1:h} - Sigma`` the residual). This module

- counts its inertia ``(n_-, n_0, n_+)``, densely or matrix-free on Hessian-vector products;
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
``max(sigma_1^{1/h}, max_j ||W_j||_F)^{2(h-1)}`` of the rebalanced point.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validation import check_nonnegative, check_positive
from .model import Landscape
from .modes import CRITICAL_TOL, TIE_RTOL, CriticalKind, check_critical, learnt_modes

__all__ = [
    "ZERO_TOL",
    "Witness",
    "balance_layers",
    "curvature_scale",
    "witness_kind",
    "witness_test",
]

#: Default relative zero threshold (times :func:`curvature_scale`) for Hessian eigenvalues
#: and witness strengths.
ZERO_TOL = 1e-7


def _check_land(land) -> Landscape:
    if not isinstance(land, Landscape):
        raise TypeError(f"land must be a Landscape, got {type(land).__name__}")
    return land


def _reduced(land: Landscape, weights) -> list[np.ndarray]:
    """Validated weights in reduced coordinates (``W~_1 = W_1 Sxx^{1/2} V``, ``W~_h = U^T W_h``)."""
    weights = land.check(weights)
    return weights if land.spectrum.reduced else land.spectrum.to_reduced(weights)


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
    norms = np.array([np.linalg.norm(w) for w in weights])
    nonzero = norms > 0
    if not np.any(nonzero):
        return [np.array(w, dtype=float) for w in weights], np.ones(len(weights))
    if np.all(nonzero):
        target = float(np.exp(np.mean(np.log(norms))))
    else:
        target = float(norm)
    factors = np.where(nonzero, target / np.where(nonzero, norms, 1.0), 1.0)
    return [c * np.asarray(w, dtype=float) for c, w in zip(factors, weights)], factors


def curvature_scale(land: Landscape, weights) -> float:
    """``max(sigma_1^{1/h}, max_j ||W_j||_F)^{2(h-1)}``: the size of Hessian entries at ``weights``.

    It bounds the Gauss-Newton term ``||T_j||^2 ||Q_{j-1}||^2`` and the residual term
    ``||R|| ||T_b|| ||Mid_ab|| ||Q_{a-1}||`` of the Hessian at a point with residual at most
    ``sigma_1`` (reduced coordinates); at a balanced point that learnt ``sigma_1`` it is
    ``sigma_1^{2(h-1)/h}``, the curvature of the closed-form spectra of THEORY §4.1.
    """
    _check_land(land)
    size = max([land.weight_scale] + [float(np.linalg.norm(w)) for w in weights])
    return float(size ** (2 * (land.h - 1)))


def _prepared(land: Landscape, weights):
    """Reduced, rebalanced weights and their curvature scale."""
    balanced, _ = balance_layers(_reduced(land, weights), norm=land.weight_scale)
    return balanced, curvature_scale(land, balanced)


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
        ``zero_tol * curvature_scale``: a pair is a witness when its strength exceeds it.
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
    """
    h = len(weights)
    prefixes = Landscape._prefixes(weights)
    suffixes = Landscape._suffixes(weights)
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
                 rtol: float = TIE_RTOL, critical_tol: float = CRITICAL_TOL) -> Witness:
    """Decide global minimum / strict / non-strict saddle without the Hessian (THEORY §4.1).

    With ``S`` the learnt set, ``rho = |S|`` and ``r* = min(r, m)``:

    1. ``S`` not top: strict (rotating a learnt ``sigma_k`` towards a larger unlearnt
       ``sigma_i`` has curvature ``-2 sigma_k (sigma_i - sigma_k)``);
    2. ``S`` top and ``rho = r*``: global minimum (Eckart-Young);
    3. ``h = 2``: strict (Baldi & Hornik 1989; Kawaguchi 2016);
    4. ``h >= 3``: strict iff some pair ``a < b`` is a witness, ``G_ab != 0`` and
       ``rank Mid_ab > rho``: the layers ``a`` and ``b`` alone switch on an unlearnt mode at
       second order. Decided by ``max_ab s_ab > zero_tol * curvature_scale`` at the rebalanced
       point, ``s_ab = sigma_1(G_ab) sigma_{rho+1}(Mid_ab)`` (see :func:`witness_strengths`).

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
    _check_land(land)
    zero_tol = check_positive(zero_tol, "zero_tol")
    rtol = check_nonnegative(rtol, "rtol")
    check_critical(land, weights, tol=critical_tol)
    modes = learnt_modes(land, weights, rtol=rtol)
    balanced, scale = _prepared(land, weights)
    threshold = zero_tol * scale
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
                 rtol: float = TIE_RTOL, critical_tol: float = CRITICAL_TOL) -> CriticalKind:
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
