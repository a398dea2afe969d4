"""The frame every second-order test works in: reduced coordinates, rebalanced layers, scale.

Inertia and the witness test (docs/theory.md §4.1) are computed in reduced coordinates
(``W~_1 = W_1 Sxx^{1/2} V``, ``W~_h = U^T W_h``, a linear change of ``W_1`` and ``W_h`` that
keeps the inertia by Sylvester's law) at a well-conditioned point of the same hidden-layer
symmetry orbit (:func:`prepared_point`): the layers are first rescaled ``W_j <- c_j W_j`` with
``prod c_j = 1`` to equal norms (:func:`~.balancing.balance_layers`), then every hidden layer is balanced
under its full ``GL(d_j)`` action (:func:`~.balancing.balance_hidden_layers`), which undoes badly
conditioned changes ``W_j -> G_j W_j G_{j-1}^{-1}`` as well as scalings. The action is linear
and keeps the loss, ``L(g.x) = L(x)``, so ``H(x) = J^T H(g.x) J`` with ``J`` the action on
directions: a congruence, and the inertia at the prepared point is the inertia at the given
one (Sylvester's law of inertia), while the small nonzero eigenvalues that an ill-conditioned
representative pushes towards zero come back to the size they have at a balanced one. The
zero threshold of both tests (:func:`zero_threshold`) is ``zero_tol`` times the curvature scale
(:func:`curvature_scale`, norms of partial products) of the prepared point, plus
``GRADIENT_MARGIN ||grad L|| / max_j ||W_j||`` there: rounding-sized at an exact critical
point, it absorbs the kernel's spread at a point critical only to within its gradient (a
trained network).

Public: :data:`ZERO_TOL` and its range (:func:`check_zero_tol`), :func:`curvature_scale` (the balancing itself is in
:mod:`landscape.geometry.balancing`).
Documented internals shared by the other modules of :mod:`landscape.geometry`:
:func:`prepared_point` (on ``land.to_reduced``, the problem's own coordinate map),
:func:`zero_threshold`, :class:`BalancedFrame`.
"""

from __future__ import annotations

import numpy as np

from .._base.products import prefix_products, suffix_products
from .._base.validation import check_positive
from ..problem.network import Landscape, check_landscape, reduced_landscape
from .balancing import orbit_balance

__all__ = ["MAX_ZERO_TOL", "MIN_ZERO_TOL", "ZERO_TOL", "check_zero_tol", "curvature_scale"]

#: Default relative zero threshold (times :func:`curvature_scale`) for Hessian eigenvalues
#: and witness strengths.
ZERO_TOL = 1e-7
#: Range of ``zero_tol`` (:func:`check_zero_tol`). Above a hundredth of the curvature scale,
#: eigenvalues of a sizeable part of the Hessian's own size count as zero (a strict saddle read
#: as non-strict); below ``1e-12``, the eigenvalues' rounding (``~ 1e-16`` times the scale and
#: the number of parameters) counts as nonzero.
MAX_ZERO_TOL = 1e-2
MIN_ZERO_TOL = 1e-12
#: Factor of ``||grad L|| / ||W||`` (rebalanced point) added to the zero threshold: off an exact
#: critical point the orbit generators leave the kernel, ``H xi = -X . grad L``, which moves the
#: kernel eigenvalues by about ``||grad L|| / ||W||``.
GRADIENT_MARGIN = 10.0


def check_zero_tol(zero_tol, name: str = "zero_tol") -> float:
    """Return ``zero_tol`` as a float if it lies in ``[MIN_ZERO_TOL, MAX_ZERO_TOL]``.

    Examples
    --------
    >>> check_zero_tol(1e-6)
    1e-06
    >>> check_zero_tol(1e10)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: zero_tol must lie in [1e-12, 0.01] ..., got 1e+10
    """
    zero_tol = check_positive(zero_tol, name)
    if not MIN_ZERO_TOL <= zero_tol <= MAX_ZERO_TOL:
        raise ValueError(f"{name} must lie in [{MIN_ZERO_TOL:g}, {MAX_ZERO_TOL:g}] (relative to "
                         f"the Hessian's curvature scale: above, eigenvalues of a sizeable part "
                         f"of that scale count as zero; below, rounding counts as nonzero), "
                         f"got {zero_tol:g}")
    return zero_tol


def curvature_scale(land: Landscape, weights) -> float:
    """The size of the Hessian at ``weights``, from norms of partial products.

    ``max(sigma_1^{2(h-1)/h}, max_j ||T_j||^2 ||Q_{j-1}||^2,
    max_{a<b} sigma_1 ||T_b|| ||Mid_ab|| ||Q_{a-1}||)`` (Frobenius norms, empty products 1):
    bounds of the Gauss-Newton blocks ``(T_j^T T_k) (x) (Q_{j-1} Q_{k-1}^T)`` and of the residual
    blocks ``<G_ab, V_b Mid_ab V_a>`` (``||R|| <= sigma_1`` at a critical point) of the Hessian in
    reduced coordinates. Partial products carry a hidden ``GL`` change only at their two ends,
    so the figure grows far less than the layers' norms at unbalanced points. At a balanced
    point that learnt ``sigma_1`` it is ``sigma_1^{2(h-1)/h}``-sized, the scale of the
    closed-form spectra of docs/theory.md §4.1.

    Examples
    --------
    The canonical point that learnt ``sigma_1 = 4`` at depth 3: one aligned path of weight
    ``4^{1/3}`` per layer.

    >>> import numpy as np
    >>> from landscape.problem import DataSpectrum
    >>> land = Landscape(DataSpectrum.from_singular_values([4.0, 1.0]), widths=(2, 2, 2, 2))
    >>> point = [np.diag([4.0 ** (1 / 3), 0.0])] * 3
    >>> bool(np.isclose(curvature_scale(land, point), 4.0 ** (4 / 3)))
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


def prepared_point(land: Landscape, weights) -> tuple[list[np.ndarray], float]:
    """The reduced weights moved to a well-conditioned point of their orbit
    (:func:`orbit_balance` with ``norm = sigma_1^{1/h}``: layer scalings, then the hidden
    ``GL`` action), and its :func:`curvature_scale`.

    Examples
    --------
    >>> import numpy as np
    >>> from landscape.problem import DataSpectrum
    >>> land = Landscape(DataSpectrum.from_singular_values([1.0]), widths=(1, 1, 1))
    >>> balanced, scale = prepared_point(land, [[[4.0]], [[0.25]]])
    >>> [float(w[0, 0]) for w in balanced], scale
    ([1.0, 1.0], 1.0)
    """
    balanced, _, _ = orbit_balance(land.to_reduced(weights), land.weight_scale,
                                   transforms=False)
    return balanced, curvature_scale(land, balanced)


def zero_threshold(land: Landscape, balanced, scale: float, zero_tol: float) -> float:
    """``zero_tol * scale + GRADIENT_MARGIN ||grad L|| / max_j ||W_j||`` at the rebalanced point.

    ``balanced`` and ``scale`` come from :func:`prepared_point`. The second term is
    rounding-sized at an exact critical point; at a point critical only to within its
    gradient (the end of a training run) it absorbs the spread of the kernel.

    Examples
    --------
    >>> import numpy as np
    >>> from landscape.problem import DataSpectrum
    >>> land = Landscape(DataSpectrum.from_singular_values([1.0]), widths=(1, 1, 1))
    >>> zero_threshold(land, [np.ones((1, 1))] * 2, 1.0, 1e-7)
    1e-07
    """
    size = max(float(np.linalg.norm(w)) for w in balanced)
    if size == 0:
        return zero_tol * scale
    gradient = reduced_landscape(land).unchecked_gradient(balanced)[0]
    unit = land.gradient_scale  # norms in the flow's units: their squares cannot overflow
    norm = float(np.sqrt(sum(np.sum((g / unit) ** 2) for g in gradient)))
    return zero_tol * scale + GRADIENT_MARGIN * (norm / size) * unit


class BalancedFrame:
    """A critical point in the problem's coordinates and its prepared reduced image.

    ``v_b = J to_reduced(v)`` with ``J V = (G_j V_j G_{j-1}^{-1})_j`` the hidden-layer action
    of :func:`orbit_balance` (layer scalings and ``GL`` balancing, ``G_0 = G_h = I``) maps
    problem-coordinate directions to balanced ones, so ``L(x + t v) = L_b(x_b + t v_b)``
    exactly.

    Attributes
    ----------
    land : Landscape
    x : list of ndarray
        The point, validated, in the problem's coordinates.
    reduced : Landscape
        :func:`reduced_landscape` of ``land``.
    xb : list of ndarray
        The prepared point in reduced coordinates (:func:`prepared_point`).
    scale : float
        Its :func:`curvature_scale`.
    transforms, inverses : list of ndarray or float
        ``G_1..G_{h-1}`` and their inverses (a float for a multiple of the identity).

    Examples
    --------
    >>> import numpy as np
    >>> from landscape.problem import DataSpectrum
    >>> land = Landscape(DataSpectrum.from_singular_values([1.0]), widths=(1, 1, 1))
    >>> frame = BalancedFrame(land, [[[4.0]], [[0.25]]])
    >>> frame.transforms[0].tolist(), [float(v[0, 0]) for v in frame.to_problem(frame.xb)]
    ([[0.25]], [4.0, 0.25])
    """

    def __init__(self, land: Landscape, weights):
        self.land = land
        self.x = land.check(weights)
        self.reduced = reduced_landscape(land)
        self.xb, self.transforms, self.inverses = orbit_balance(land.to_reduced(self.x),
                                                                land.weight_scale)
        self.scale = curvature_scale(land, self.xb)

    def _act(self, v, left, right) -> list[np.ndarray]:
        """``left_j V_j right_{j-1}`` (matrices, or floats for multiples of the identity)."""
        out = []
        for j, w in enumerate(v):
            w = np.asarray(w, dtype=float)
            if j < len(left):
                w = left[j] @ w if isinstance(left[j], np.ndarray) else left[j] * w
            if j > 0:
                w = w @ right[j - 1] if isinstance(right[j - 1], np.ndarray) \
                    else w * right[j - 1]
            out.append(w)
        return out

    def to_problem(self, vb: list[np.ndarray]) -> list[np.ndarray]:
        """A balanced reduced direction in the problem's coordinates."""
        v = self._act(vb, self.inverses, self.transforms)
        return self.land.from_reduced(v)

    def to_balanced(self, v: list[np.ndarray]) -> list[np.ndarray]:
        """A problem-coordinate direction in balanced reduced coordinates."""
        v = self.land.to_reduced(v)
        return self._act(v, self.transforms, self.inverses)
