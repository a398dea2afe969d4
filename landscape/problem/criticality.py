"""How far a point is from critical, relative to the problem's scale, and what kind it is.

A point is critical when its :func:`relative_gradient_norm` (the gradient at the rebalanced
point over ``sigma_1^{(2h-1)/h}``) is at most ``critical_tol``; one keyword of that name,
default :data:`CRITICAL_TOL`, decides criticality everywhere in the library.
"""

from __future__ import annotations

import enum

import numpy as np

from .._base.validation import check_nonnegative
from .network import Landscape, check_landscape
from .spectrum import DataSpectrum

__all__ = [
    "CRITICAL_TOL",
    "MAX_CRITICAL_TOL",
    "CriticalKind",
    "NotCriticalError",
    "check_critical",
    "check_critical_tol",
    "relative_gradient_norm",
]

#: Default bound on :func:`relative_gradient_norm` for a point to count as critical.
CRITICAL_TOL = 1e-6
#: Largest ``critical_tol`` accepted (:func:`check_critical_tol`): a tenth of the relative
#: gradient norm ``NEAR_GRADIENT = 0.1`` beyond which a network is near no class
#: (:func:`landscape.locate`). A point whose gradient is larger is not critical in any sense
#: the second-order tests can use: the gradient moves the Hessian's kernel eigenvalues by
#: ``~ ||grad L|| / ||W||`` (``landscape.geometry``'s zero-threshold margin, ten times that),
#: which would then reach the curvature scale itself, and a Hessian inertia read there is not
#: that of a critical point.
MAX_CRITICAL_TOL = 1e-2


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
    critical_tol : float
        The bound it exceeded.
    """

    def __init__(self, gradient_norm: float, critical_tol: float, name: str = "weights"):
        self.gradient_norm = float(gradient_norm)
        self.critical_tol = float(critical_tol)
        super().__init__(f"{name} must be a critical point (relative gradient norm <= "
                         f"{critical_tol:.3g}), "
                         f"got relative gradient norm {self.gradient_norm:.3g} (for a network "
                         f"that is not critical, landscape.locate(land, weights) reads the class "
                         f"it is near and landscape.classify(land, weights) its kind)")


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
    rebalancing exists) the plain gradient is used. It is computed in the flow's units
    (:mod:`landscape.flow.units`; in reduced coordinates ``W_j / sigma_1^{1/h}`` on the
    problem ``Sigma / sigma_1``, whose gradient is ``grad_j / sigma_1^{(2h-1)/h}`` exactly), so
    no intermediate overflows or underflows for any ``sigma_1`` in the accepted range.

    Examples
    --------
    >>> import numpy as np
    >>> from landscape import DataSpectrum
    >>> land = Landscape(DataSpectrum.from_singular_values([1.0]), widths=(1, 1, 1))
    >>> w = [np.array([[2.0]]), np.array([[0.25]])]  # P = 0.5, rebalanced: both sqrt(0.5)
    >>> round(relative_gradient_norm(land, w), 6)  # |R| sqrt(0.5) = 0.5 sqrt(0.5)
    0.353553
    """
    check_landscape(land)
    spec = land.spectrum
    weights = [w / land.weight_scale for w in land.to_reduced(weights)]
    unit = Landscape(DataSpectrum.from_singular_values(spec.sigma / land.scale, d_x=spec.d_x,
                                                       d_y=spec.d_y), land.widths,
                     tie_tol=land.tie_tol)
    grads = unit.unchecked_gradient(weights)[0]
    norms = np.array([np.linalg.norm(w) for w in weights])
    factors = norms / np.exp(np.mean(np.log(norms))) if np.all(norms > 0) else np.ones(land.h)
    return max(float(np.linalg.norm(g) * f) for g, f in zip(grads, factors))


def check_critical_tol(critical_tol, name: str = "critical_tol") -> float:
    """Return ``critical_tol`` as a float if it lies in ``[0, MAX_CRITICAL_TOL]``.

    Every function that takes ``critical_tol`` checks it here, before any work.

    Examples
    --------
    >>> check_critical_tol(1e-5)
    1e-05
    >>> check_critical_tol(1e300)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: critical_tol must be <= 0.01 (a bound on the relative gradient norm; ...), got 1e+300
    """
    critical_tol = check_nonnegative(critical_tol, name)
    if critical_tol > MAX_CRITICAL_TOL:
        raise ValueError(f"{name} must be <= {MAX_CRITICAL_TOL:g} (a bound on the relative "
                         f"gradient norm; a larger one calls critical a network whose gradient "
                         f"is a sizeable part of the problem's scale, whose Hessian inertia is "
                         f"not that of a critical point; landscape.classify takes a network "
                         f"that is not critical as it is), got {critical_tol:g}")
    return critical_tol


def check_critical(land: Landscape, weights, *, critical_tol: float = CRITICAL_TOL,
                   name: str = "weights") -> float:
    """Return :func:`relative_gradient_norm` of ``weights``, or raise :class:`NotCriticalError`.

    Raises
    ------
    NotCriticalError
        If the relative gradient norm exceeds ``critical_tol`` (its value is in the message and in
        the exception's ``gradient_norm``).

    Examples
    --------
    The origin of a network with two hidden layers is critical; a random point is not.

    >>> import numpy as np
    >>> from landscape import DataSpectrum
    >>> land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0]), widths=(2, 2, 2, 2))
    >>> check_critical(land, [np.zeros((2, 2))] * 3)
    0.0
    >>> check_critical(land, land.random_weights(seed=0))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    landscape.problem.criticality.NotCriticalError: weights must be a critical point (relative gradient norm <= 1e-06), got relative gradient norm ...
    """
    critical_tol = check_critical_tol(critical_tol)
    measure = relative_gradient_norm(land, weights)
    if not measure <= critical_tol:
        raise NotCriticalError(measure, critical_tol, name)
    return measure
