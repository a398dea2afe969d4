"""Which data modes a point has learnt: tie groups, learnt sets and relative criticality.

At a critical point the end-to-end map in the data's singular basis (reduced coordinates,
THEORY §1) is ``Sigma_S = sum_{i in S} sigma_i u_i v_i^T`` for a set ``S`` of nonzero modes with
``|S| <= r`` -- up to a rotation inside each block of tied singular values, where the learnt
part is ``sigma_g`` times an orthogonal projector of some rank ``k`` (Baldi & Hornik 1989;
Wendin & Altafini, SIAM Review 2025, §4). This module reads ``S`` off a point, groups tied
singular values, and measures how far a point is from critical relative to its scale.

All tolerances are relative to ``sigma_1`` (the problem's scale) and live in one keyword:
``rtol`` decides ties and zeros of the spectrum, ``tol`` decides criticality.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np

from ._validation import as_vector, check_int, check_nonnegative
from .model import Landscape, check_landscape

__all__ = [
    "CriticalKind",
    "LearntModes",
    "NotCriticalError",
    "check_critical",
    "check_subset",
    "is_top",
    "learnt_modes",
    "relative_gradient_norm",
    "tie_groups",
]

#: Default relative tolerance (times ``sigma_1``) for tied and zero singular values.
TIE_RTOL = 1e-8
#: Default bound on :func:`relative_gradient_norm` for a point to count as critical.
CRITICAL_TOL = 1e-6


class CriticalKind(enum.StrEnum):
    """Second-order type of a critical point (Achour, Malgouyres & Gerchinovitz, JMLR 2024).

    A ``str`` enum: ``CriticalKind.STRICT_SADDLE == "strict_saddle"``.
    """

    GLOBAL_MINIMUM = "global_minimum"
    STRICT_SADDLE = "strict_saddle"
    NON_STRICT_SADDLE = "non_strict_saddle"


class NotCriticalError(ValueError):
    """Raised where a critical point is required and the weights are not one.

    Attributes
    ----------
    gradient_norm : float
        The :func:`relative_gradient_norm` of the weights.
    tol : float
        The bound it exceeded.
    """

    def __init__(self, gradient_norm: float, tol: float, name: str = "weights"):
        self.gradient_norm = float(gradient_norm)
        self.tol = float(tol)
        super().__init__(f"{name} must be a critical point (relative gradient norm <= {tol:.3g}), "
                         f"got relative gradient norm {self.gradient_norm:.3g}")


def _check_sigma(sigma) -> np.ndarray:
    sigma = as_vector(sigma, "sigma")
    if np.any(sigma < 0):
        raise ValueError(f"sigma must be >= 0, got {sigma.tolist()}")
    if np.any(np.diff(sigma) > 0):
        raise ValueError(f"sigma must be sorted in descending order, got {sigma.tolist()}")
    return sigma


def tie_groups(sigma, *, rtol: float = TIE_RTOL) -> tuple[tuple[int, ...], ...]:
    """Group the indices of the positive singular values into blocks of equal values.

    Index ``i`` joins the group opened by the first index ``g`` of its block when
    ``sigma_g - sigma_i <= rtol * sigma_1``; values ``sigma_i <= rtol * sigma_1`` count as zero
    and belong to no group. Singletons are groups too.

    Parameters
    ----------
    sigma : array_like
        Singular values in descending order, ``>= 0``.
    rtol : float
        Relative tolerance (times ``sigma_1``) for equal and zero values.

    Returns
    -------
    tuple of tuple of int
        Groups of 0-based indices, in order of decreasing value.

    Examples
    --------
    >>> tie_groups([3.0, 2.0, 2.0, 1.0, 0.0])
    ((0,), (1, 2), (3,))
    """
    sigma = _check_sigma(sigma)
    return _groups(sigma, check_nonnegative(rtol, "rtol"))


def _groups(sigma: np.ndarray, rtol: float) -> tuple[tuple[int, ...], ...]:
    threshold = rtol * float(sigma[0])
    groups: list[list[int]] = []
    for i, s in enumerate(sigma.tolist()):
        if s <= threshold:
            break
        if groups and sigma[groups[-1][0]] - s <= threshold:
            groups[-1].append(i)
        else:
            groups.append([i])
    return tuple(tuple(g) for g in groups)


def _top(counts) -> bool:
    """Top: every tie group before the last one with a learnt mode is fully learnt."""
    learnt = [g for g, (k, _) in enumerate(counts) if k > 0]
    return all(k == size for k, size in counts[:learnt[-1]]) if learnt else True


def check_subset(subset, n_modes: int, name: str = "subset") -> tuple[int, ...]:
    """Validate a set of 0-based mode indices and return it as an ascending tuple.

    ``n_modes`` is the number of positive singular values: indices must lie in
    ``[0, n_modes)`` (zero singular values are never learnt) and be distinct.

    Examples
    --------
    >>> check_subset([2, 0], 3)
    (0, 2)
    >>> check_subset([0, 3], 3)
    Traceback (most recent call last):
    ...
    ValueError: subset must hold indices of positive singular values, i.e. < 3, got 3
    """
    if isinstance(subset, (str, bytes)) or not hasattr(subset, "__iter__"):
        raise TypeError(f"{name} must be a sequence of mode indices, got {subset!r}")
    items = tuple(check_int(i, f"{name}[{k}]", minimum=0) for k, i in enumerate(subset))
    out = tuple(sorted(items))
    if len(set(out)) != len(out):
        raise ValueError(f"{name} must hold distinct mode indices, got {items}")
    if out and out[-1] >= n_modes:
        raise ValueError(f"{name} must hold indices of positive singular values, i.e. < "
                         f"{n_modes}, got {out[-1]}")
    return out


def is_top(sigma, subset, *, rtol: float = TIE_RTOL) -> bool:
    """Whether no unlearnt positive ``sigma_i`` exceeds a learnt one (ties allowed at the cut).

    ``S`` is top when every tie group (:func:`tie_groups`) before the last group holding a
    learnt mode is fully learnt, i.e. ``sigma_k >= sigma_i`` for learnt ``k`` and unlearnt
    positive ``sigma_i`` up to ties (THEORY §4.1). The empty set is top.

    Examples
    --------
    >>> is_top([3.0, 2.0, 1.0], (0, 1)), is_top([3.0, 2.0, 1.0], (0, 2))
    (True, False)
    >>> is_top([2.0, 2.0, 1.0], (1,))
    True
    """
    groups = tie_groups(sigma, rtol=rtol)
    members = set(check_subset(subset, sum(len(g) for g in groups)))
    return _top([(sum(i in members for i in g), len(g)) for g in groups])


@dataclass(frozen=True)
class LearntModes:
    """The modes a point has learnt, read off its end-to-end map.

    Attributes
    ----------
    subset : tuple of int
        Learnt 0-based mode indices, canonical: within each tie group the lowest indices.
    rank : int
        ``rho = |S|``, the number of learnt modes.
    tie_groups : tuple of tuple of int
        All groups of equal positive singular values (singletons included).
    counts : tuple of int
        Number of learnt modes in each group of ``tie_groups``.
    top : bool
        No unlearnt positive ``sigma`` larger than a learnt one (ties allowed at the cut).
    max_rank : int
        ``r* = min(r, m)`` with ``m`` the number of groups' indices (positive ``sigma``).
    """

    subset: tuple[int, ...]
    rank: int
    tie_groups: tuple[tuple[int, ...], ...]
    counts: tuple[int, ...]
    top: bool
    max_rank: int

    @property
    def grassmannian_dim(self) -> int:
        """``sum_g k_g (|g| - k_g)``: dimension of the family of end-to-end maps of this class."""
        return sum(k * (len(g) - k) for g, k in zip(self.tie_groups, self.counts))


def learnt_modes(land: Landscape, weights, *, rtol: float = TIE_RTOL) -> LearntModes:
    """Read the learnt set ``S`` off the end-to-end map in the data's singular basis.

    With ``M = U^T W_{1:h} Sxx^{1/2} V`` (the reduced map, :meth:`DataSpectrum.reduced_map`),
    a critical point has ``M = Sigma_S`` up to a rotation inside each tie block, where the
    diagonal block of a group ``g`` is ``sigma_g`` times a rank-``k_g`` orthogonal projector.
    The count ``k_g`` is the number of singular values of that block above ``sigma_g / 2``
    (exact at a critical point, and the nearest class near one). The canonical ``S`` takes
    the lowest ``k_g`` indices of each group.

    Parameters
    ----------
    land : Landscape
    weights : sequence of ndarray
        ``W_1..W_h`` in the problem's coordinates; meaningful at (or near) a critical point.
    rtol : float
        Relative tolerance for tied and zero singular values (see :func:`tie_groups`).

    Examples
    --------
    >>> import numpy as np
    >>> from landscape.data import DataSpectrum
    >>> land = Landscape(DataSpectrum.from_singular_values([4.0, 1.0]), widths=(2, 2, 2))
    >>> w = [np.diag([0.0, 1.0]), np.diag([0.0, 1.0])]
    >>> modes = learnt_modes(land, w)
    >>> modes.subset, modes.top
    ((1,), False)
    """
    check_landscape(land)
    spec = land.spectrum
    groups = _groups(spec.sigma, check_nonnegative(rtol, "rtol"))
    reduced = spec.reduced_map(land.end_to_end(weights))
    counts = []
    for g in groups:
        half = 0.5 * spec.sigma[g[0]]
        if len(g) == 1:
            counts.append(int(abs(reduced[g[0], g[0]]) > half))
        else:
            block = reduced[g[0]:g[-1] + 1, g[0]:g[-1] + 1]
            counts.append(int(np.count_nonzero(np.linalg.svd(block, compute_uv=False) > half)))
    subset = tuple(i for g, k in zip(groups, counts) for i in g[:k])
    n_modes = sum(len(g) for g in groups)
    return LearntModes(subset=subset, rank=len(subset), tie_groups=groups, counts=tuple(counts),
                       top=_top([(k, len(g)) for k, g in zip(counts, groups)]),
                       max_rank=min(land.bottleneck, n_modes))


def relative_gradient_norm(land: Landscape, weights) -> float:
    """Distance from criticality: the gradient at the rebalanced point over the problem's scale.

    In reduced coordinates (so the figure is the same for whitened and raw data), the layers
    are rescaled ``W_j -> c_j W_j`` with ``prod c_j = 1`` to equal Frobenius norms ``g`` (their
    geometric mean) -- a move along the symmetry orbit, which maps critical points to
    critical points -- and the measure is ``max_j ||grad_j|| / sigma_1^{(2h-1)/h}`` there, i.e.
    ``max_j ||grad_j|| ||W_j|| / (g sigma_1^{(2h-1)/h})`` at the given point, with
    ``grad_j = (W_h ... W_{j+1})^T (W_{1:h} - Sigma) (W_{j-1} ... W_1)^T``. It is invariant
    under the layer rescalings, so very unbalanced critical points (layers scaled by
    ``1e4`` and ``1e-4``) are recognised, and it is continuous: a point whose rebalanced
    form lies near a critical point counts as near it. Where a layer vanishes (no
    rebalancing exists) the plain gradient is used.

    Examples
    --------
    >>> import numpy as np
    >>> from landscape.data import DataSpectrum
    >>> land = Landscape(DataSpectrum.from_singular_values([1.0]), widths=(1, 1, 1))
    >>> w = [np.array([[2.0]]), np.array([[0.25]])]  # P = 0.5, rebalanced: both sqrt(0.5)
    >>> round(relative_gradient_norm(land, w), 6)  # |R| sqrt(0.5) = 0.5 sqrt(0.5)
    0.353553
    """
    check_landscape(land)
    spec = land.spectrum
    weights = land.check(weights)
    if not spec.reduced:
        weights = spec.to_reduced(weights)
    prefixes = Landscape._prefixes(weights)
    suffixes = Landscape._suffixes(weights)
    residual = prefixes[-1] - spec.sigma_matrix()
    norms = np.array([np.linalg.norm(w) for w in weights])
    factors = norms / np.exp(np.mean(np.log(norms))) if np.all(norms > 0) else np.ones(land.h)
    worst = 0.0
    for j in range(land.h):
        after, before = suffixes[j + 1], prefixes[j]
        grad = residual if after is None else after.T @ residual
        grad = grad if before is None else grad @ before.T
        worst = max(worst, float(np.linalg.norm(grad) * factors[j]))
    return worst / land.gradient_scale


def check_critical(land: Landscape, weights, *, tol: float = CRITICAL_TOL,
                   name: str = "weights") -> float:
    """Return :func:`relative_gradient_norm` of ``weights``, or raise :class:`NotCriticalError`.

    Raises
    ------
    NotCriticalError
        If the relative gradient norm exceeds ``tol`` (its value is in the message and in
        the exception's ``gradient_norm``).

    Examples
    --------
    The origin of a network with two hidden layers is critical; a random point is not.

    >>> import numpy as np
    >>> from landscape.data import DataSpectrum
    >>> land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0]), widths=(2, 2, 2, 2))
    >>> check_critical(land, [np.zeros((2, 2))] * 3)
    0.0
    >>> check_critical(land, land.random_weights(rng=0))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    landscape.modes.NotCriticalError: weights must be a critical point (relative gradient norm <= 1e-06), got relative gradient norm ...
    """
    tol = check_nonnegative(tol, "tol")
    measure = relative_gradient_norm(land, weights)
    if not measure <= tol:
        raise NotCriticalError(measure, tol, name)
    return measure
