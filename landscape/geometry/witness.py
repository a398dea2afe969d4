"""The Hessian-free second-order test of docs/theory.md §4.1: strict or non-strict without a Hessian.

At a critical point with learnt set ``S``, ``rho = |S|`` and ``r* = min(r, m)``, a top saddle
of depth ``h >= 3`` is strict iff some layer pair ``a < b`` is a witness: ``G_ab != 0`` and
``rank Mid_ab > rho``, with

    G_ab = (W_h ... W_{b+1})^T R (W_{a-1} ... W_1)^T,     Mid_ab = W_{b-1} ... W_{a+1},

``R = W_h ... W_1 - Sigma`` the residual in reduced coordinates. The test measures the
strength ``s_ab = sigma_1(G_ab) sigma_{rho+1}(Mid_ab)`` of every pair and compares the
largest with the zero threshold of :mod:`landscape.geometry.frame`. It is in the spirit of
Achour, Malgouyres & Gerchinovitz (JMLR 2024), who decide second-order types by ranks of
partial products; it costs ``O(h^2)`` chained products and small SVDs and never forms a
Hessian.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._base.products import prefix_products, suffix_products
from .._base.validation import as_matrix, check_int, check_layers
from ..problem.criticality import CRITICAL_TOL, CriticalKind, check_critical, check_critical_tol
from ..problem.learnt import learnt_modes
from ..problem.network import Landscape, check_landscape
from ..problem.rules import problem_with_tie_tol
from .frame import ZERO_TOL, check_zero_tol, zero_threshold
from .structure import CorePoint, core_point

__all__ = ["Witness", "witness_kind", "witness_strengths", "witness_test"]


@dataclass(frozen=True)
class Witness:
    """Outcome of the Hessian-free second-order test of docs/theory.md §4.1.

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
        Whether ``S`` is top (no unlearnt nonzero ``sigma`` above a learnt one).
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
        The zero threshold (``zero_tol * curvature_scale`` plus the gradient margin,
        :func:`landscape.geometry.frame.zero_threshold`): a pair is a witness when its
        strength exceeds it.
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
        ``Sigma`` (:meth:`landscape.DataSpectrum.sigma_matrix`).
    rank : int
        ``rho = |S|``.

    Examples
    --------
    One hidden layer that learnt the weaker mode: ``G_12 = R`` has norm ``sigma_1 = 4`` and
    ``Mid_12`` is the identity, so ``s_12 = 4`` (a strict saddle).

    >>> import numpy as np
    >>> sigma_matrix = np.diag([4.0, 1.0])
    >>> weights = [np.diag([0.0, 1.0]), np.diag([0.0, 1.0])]   # the path of mode 2
    >>> {pair: round(s, 12) for pair, s in witness_strengths(weights, sigma_matrix, 1).items()}
    {(1, 2): 4.0}
    """
    sigma_matrix = as_matrix(sigma_matrix, "sigma_matrix")
    rank = check_int(rank, "rank", minimum=0)
    d_y, d_x = sigma_matrix.shape
    weights = check_layers(weights)
    if weights[0].shape[1] != d_x or weights[-1].shape[0] != d_y:
        raise ValueError(f"weights must run from d_x = {d_x} inputs to d_y = {d_y} outputs "
                         f"(the shape of sigma_matrix), got shapes "
                         f"{[w.shape for w in weights]}")
    h = len(weights)
    prefixes = prefix_products(weights)
    suffixes = suffix_products(weights)
    residual = prefixes[-1] - sigma_matrix
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
                 tie_tol: float | None = None, critical_tol: float = CRITICAL_TOL) -> Witness:
    """Decide global minimum / strict / non-strict saddle without the Hessian (docs/theory.md §4.1).

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

    ``S``, ``rho``, top and ``r*`` follow the library's one rule for zero and tied singular
    values (:mod:`landscape.problem.ties`, through :func:`landscape.learnt_modes`).

    Parameters
    ----------
    land : Landscape
    weights : sequence of ndarray
        A critical point ``W_1..W_h`` in the problem's coordinates.
    zero_tol : float
        Relative threshold (times :func:`~.frame.curvature_scale` of the rebalanced point) above which
        a strength counts as nonzero.
    tie_tol : float, optional
        Deprecated (one release): set ``Landscape(..., tie_tol=)``; a value other than
        ``land.tie_tol`` warns and is used through a copy of ``land``
        (:func:`~landscape.problem.rules.problem_with_tie_tol`).
    critical_tol : float
        Bound on :func:`landscape.relative_gradient_norm`.

    Raises
    ------
    NotCriticalError
        If ``weights`` is not a critical point.

    Examples
    --------
    >>> import numpy as np
    >>> from landscape.problem import DataSpectrum
    >>> land = Landscape(DataSpectrum.from_singular_values([3.0, 2.0]), widths=(2, 2, 2, 2))
    >>> zero = [np.zeros((2, 2))] * 3
    >>> witness_test(land, zero).kind.value
    'non_strict_saddle'
    >>> middle = [np.zeros((2, 2)), np.eye(2), np.zeros((2, 2))]
    >>> w = witness_test(land, middle)
    >>> w.kind.value, w.pair
    ('strict_saddle', (1, 3))
    """
    land, weights, zero_tol = _checked(land, weights, zero_tol, tie_tol, critical_tol,
                                       "witness_test")
    core = core_point(land, weights)
    return witness_at(land, weights, core,
                      zero_threshold(core.land, core.weights, core.scale, zero_tol))


def _checked(land, weights, zero_tol, tie_tol, critical_tol, caller: str):
    """``(land, weights, zero_tol)`` validated (``land`` with a deprecated ``tie_tol``), the
    weights critical (else :class:`~.criticality.NotCriticalError`)."""
    land = problem_with_tie_tol(check_landscape(land), tie_tol, caller)
    zero_tol = check_zero_tol(zero_tol)
    critical_tol = check_critical_tol(critical_tol)
    weights = land.check(weights)
    check_critical(land, weights, critical_tol=critical_tol)
    return land, weights, zero_tol


def kind_from_modes(land: Landscape, modes) -> tuple[CriticalKind, str] | None:
    """``(kind, rule)`` by the witness test's first three rules, which read the learnt modes
    (:class:`~landscape.problem.learnt.LearntModes`) only -- not top: strict; top and of rank
    ``r*``: global minimum; depth 2: strict -- or ``None`` where the witness strengths decide
    (a top set below full rank at depth >= 3, at most one class per rank)."""
    if not modes.top:
        return CriticalKind.STRICT_SADDLE, "not top"
    if modes.rank >= modes.max_rank:
        return CriticalKind.GLOBAL_MINIMUM, "top, full rank"
    if land.h <= 2:
        return CriticalKind.STRICT_SADDLE, "depth 2"
    return None


def witness_at(land: Landscape, weights, core: CorePoint, threshold: float) -> Witness:
    """The witness test on validated critical ``weights`` with their rebalanced core.

    ``core`` comes from :func:`landscape.geometry.structure.core_point` (its partial products
    have the singular values of the full network's, and every hidden layer with more than
    ``rho`` units keeps more than ``rho``) and ``threshold`` from
    :func:`landscape.geometry.frame.zero_threshold` there; no argument is checked.
    """
    modes = learnt_modes(land, weights)
    common = dict(subset=modes.subset, rank=modes.rank, max_rank=modes.max_rank, top=modes.top,
                  threshold=threshold)
    ruled = kind_from_modes(land, modes)
    if ruled is not None:
        return Witness(kind=ruled[0], rule=ruled[1], pair=None, strength=0.0, **common)
    strengths = witness_strengths(core.weights, core.land.spectrum.sigma_matrix(), modes.rank)
    pair = max(strengths, key=lambda p: (strengths[p], -p[0], -p[1]))
    strength = strengths[pair]
    pair = pair if strength > 0 else None
    if strength > threshold:
        return Witness(kind=CriticalKind.STRICT_SADDLE, rule="witness", pair=pair,
                       strength=strength, **common)
    return Witness(kind=CriticalKind.NON_STRICT_SADDLE, rule="no witness", pair=pair,
                   strength=strength, **common)


def witness_kind(land: Landscape, weights, *, zero_tol: float = ZERO_TOL,
                 tie_tol: float | None = None, critical_tol: float = CRITICAL_TOL) -> CriticalKind:
    """The second-order type of a critical point by the witness test (:func:`witness_test`;
    ``tie_tol`` deprecated there too).

    Examples
    --------
    >>> import numpy as np
    >>> from landscape.problem import DataSpectrum
    >>> land = Landscape(DataSpectrum.from_singular_values([3.0, 2.0]), widths=(2, 2, 2))
    >>> witness_kind(land, [np.zeros((2, 2)), np.zeros((2, 2))]).value
    'strict_saddle'
    """
    land, weights, zero_tol = _checked(land, weights, zero_tol, tie_tol, critical_tol,
                                       "witness_kind")
    ruled = kind_from_modes(land, learnt_modes(land, weights))
    if ruled is not None:  # no balancing where the learnt modes decide
        return ruled[0]
    core = core_point(land, weights)
    return witness_at(land, weights, core,
                      zero_threshold(core.land, core.weights, core.scale, zero_tol)).kind
