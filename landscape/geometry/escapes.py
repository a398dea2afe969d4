"""Escape from saddles: negative curvature and higher-order escapes through the centre.

At a critical point ``x`` the loss along a line is an exact polynomial of degree ``2h``,

    L(x + t v) - L(x) = sum_{k=2}^{2h} c_k(v) t^k,      c_2(v) = 1/2 v^T H v,

so a direction ``v`` escapes at order ``k`` when ``c_2 = ... = c_{k-1} = 0`` and ``c_k < 0``
(docs/theory.md §4.2). Negative Hessian eigenvectors escape at order 2. Where the Hessian has no
negative direction (non-strict saddles, Achour, Malgouyres & Gerchinovitz, JMLR 2024), and
beside the negative directions at strict saddles, escapes live in the **centre**: the Hessian
kernel minus the tangent of the hidden-layer symmetry orbit. They form a cone, not a
subspace, and :func:`escape_directions` finds them numerically ("find, don't assume"):

1. In reduced coordinates at the rebalanced point
   (:func:`landscape.geometry.frame.prepared_point`: layer scalings and the hidden ``GL``
   action balanced), take an orthonormal basis of the centre from the dense Hessian and the
   orbit generators, restricted to directions tangent to the level set of the conserved
   ``C_j = W_{j+1}^T W_{j+1} - W_j W_j^T`` through the point (in the problem's coordinates,
   where the flow runs): a trajectory leaving ``x`` stays in that level set (Wendin &
   Altafini, SIAM Review 2025).
2. Sector by sector -- once per unlearnt data mode ``i``, with the residual restricted to that
   mode, ``R_i = -sigma_i u_i v_i^T`` -- minimise the sector loss
   ``<R_i, P(x + eps v) - P(x)> + 1/2 ||P(x + eps v) - P(x)||^2`` over unit centre directions
   ``v`` at a small radius ``eps``, where the lowest-order term dominates, from several seeded
   starts, with its exact gradient in ``v`` (the chain rule through the perturbed products);
   then sharpen each minimiser by fixed-point steps ``v <- -grad / |grad|`` (its stationarity
   condition), which remove the components the sector loss barely sees -- couplings to other
   modes that would otherwise seed them and pull the flow away from ``S u {i}``.
3. Read the order ``k`` and rate ``c_k`` of each minimiser off the exact polynomial
   (:meth:`Landscape.loss_polynomial`), keep those with ``c_k < 0``, and (``follow=True``)
   step off at the radius where the order-``k`` term dominates, integrate the gradient flow
   and record the first critical class it comes close to. Near a non-hyperbolic saddle the
   flow leaves in time ``~ eps^{-(k-2)}``, so the step is as large as the polynomial allows.

At a 0-balanced point (e.g. a canonical representative) the minimisers are the balanced
one-mode paths through a free hidden unit (the explicit heteroclinic orbits ``S -> S + {i}``
of docs/theory.md §4.2; the product of ``k`` path weights of unit total norm is largest when they are
equal): order ``h``, rate ``-sigma_i h^{-h/2}``.

Where the flow goes. In reduced coordinates the inputs and outputs of a set of modes span
subspaces the flow keeps whenever the point's first and last layers do not mix them (canonical
representatives, their hidden ``GL`` orbits, blocked paths), so the escape of sector ``i``
reaches ``S u {i}`` for every learnable ``i``. Where the flow mixes the input modes -- data
coordinates, whose first-layer metric is ``Sxx``, or a dense sub-network reading every input
-- a leading-order ray reaches ``S u {i}`` only when that class is top; the others are strict
saddles, reached only from their stable manifolds, which no ray from ``x`` follows.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from .._base.products import prefix_products
from .._base.validation import DEFAULT_SEED, check_int, check_positive, check_seed
from ..flow.integration import gradient_flow
from ..problem.criticality import (CRITICAL_TOL, check_critical, check_critical_tol,
                                   relative_gradient_norm)
from ..problem.learnt import learnt_modes
from ..problem.network import Landscape, check_landscape
from ..problem.rules import problem_with_tie_tol
from ..problem.ties import canonical_subset
from .centre import (canonical_eigenbasis, centre_basis, coefficient_scales, level_set_tangent,
                     on_sphere, polynomial_order, sector_objective, sectors, sharpen,
                     without_orbit)
from .frame import ZERO_TOL, BalancedFrame, check_zero_tol

__all__ = ["DENSE_ESCAPE_LIMIT", "Escape", "escape_directions"]

#: Largest parameter count for which :func:`escape_directions` forms the dense Hessian.
DENSE_ESCAPE_LIMIT = 2500
#: A followed flow has passed a class once its loss is this far (relative to
#: ``1/2 sum sigma_i^2``) below the class's critical value.
PASSED_RTOL = 1e-3
#: Convergence tolerance (``loss_tol``) of the followed flows
#: (:func:`landscape.gradient_flow`).
FLOW_TOL = 1e-10


@dataclass(frozen=True, eq=False)
class Escape:
    """A direction along which the loss leaves a critical point downhill.

    Attributes
    ----------
    direction : list of ndarray
        ``V_1..V_h`` in the problem's coordinates, unit Frobenius norm over all layers.
    order : int
        ``k``: the lowest nonvanishing coefficient of ``L(x + t v) - L(x)`` is ``c_k t^k``.
    rate : float
        ``c_k < 0``.
    source : str
        ``"negative_curvature"`` (a Hessian eigenvector, order 2) or ``"centre"``.
    mode : int or None
        For centre escapes, the unlearnt data mode (0-based) whose sector produced it.
    eigenvalue : float or None
        For negative-curvature escapes, the Hessian eigenvalue at the rebalanced point in
        reduced coordinates.
    step : float
        The step ``eps`` off the point at which the order-``k`` term dominates the others.
    target : tuple of int or None
        The learnt set of the first critical class the flow from ``x + step * direction``
        came close to (``follow=True``), ``None`` when not integrated.
    """

    direction: list = field(repr=False)
    order: int
    rate: float
    source: str
    mode: int | None
    eigenvalue: float | None
    step: float
    target: tuple[int, ...] | None

    def __repr__(self) -> str:
        extra = f", mode={self.mode}" if self.mode is not None else \
            f", eigenvalue={self.eigenvalue:.6g}"
        return (f"Escape(order={self.order}, rate={self.rate:.6g}, source={self.source!r}"
                f"{extra}, step={self.step:.3g}, target={self.target})")


def escape_step(coefficients: np.ndarray, order: int, cap: float) -> float:
    """Largest ``eps <= cap`` with the order-``k`` term at least twice the rest, halving from ``cap``.

    With ``L(x + t v) - L(x) = sum_k c_k t^k`` (``coefficients``, e.g.
    :meth:`landscape.Landscape.loss_polynomial`), the step off a critical point along an
    escape of order ``k = order``: ``|sum_{l > k} c_l eps^l| <= 1/2 |c_k| eps^k``, so the loss
    falls by between ``1/2`` and ``3/2`` of its leading term there. At most 60 halvings.

    Examples
    --------
    >>> escape_step(np.array([0.0, 0.0, 0.0, -1.0, 0.0, 0.0, 1.0]), 3, 1.0)
    0.5
    """
    eps = cap
    for _ in range(60):
        powers = eps ** np.arange(coefficients.size)
        lead = abs(coefficients[order]) * powers[order]
        rest = abs(float(np.sum(coefficients[order + 1:] * powers[order + 1:])))
        if rest <= 0.5 * lead:
            return eps
        eps *= 0.5
    return eps



def follow_escape(land: Landscape, x, direction, step: float, subset, t_max: float,
                  visit_tol: float, own=None):
    """The learnt set of the first critical class the flow from ``x + step v`` comes close to.

    Along the recorded trajectory, runs of constant learnt set other than ``subset`` are
    examined in order; the first in which the relative gradient norm
    (:func:`landscape.relative_gradient_norm`) falls to ``visit_tol`` is the target.
    Otherwise the final learnt set if the flow converged, else ``None``.

    With ``own`` (the class a sector escape aims at) the flow is first integrated only until
    the loss falls ``PASSED_RTOL`` (relative to ``1/2 sum sigma_i^2``) below ``L_own``: the loss
    decreases, so ``own`` cannot be visited later, and the rest of the trajectory is
    integrated only when ``own`` was missed.
    """
    start = [w + step * v for w, v in zip(x, direction)]
    scale = land.loss_scale
    tols = [FLOW_TOL]
    if own is not None:
        passed = (land.critical_value(own) - land.minimum_value()) / scale - PASSED_RTOL
        if passed > FLOW_TOL:
            tols.insert(0, passed)
    last, remaining = None, t_max
    for tol in tols:
        result = gradient_flow(land, start, t_max=remaining, rtol=1e-9, loss_tol=tol,
                               record_weights=True)
        for theta in result.trajectory:
            weights = land.split_flat(theta)
            key = learnt_modes(land, weights).subset
            if key == tuple(subset):
                continue
            last = key
            if relative_gradient_norm(land, weights) <= visit_tol:
                return key
        remaining -= float(result.t[-1])
        if not result.success or remaining <= 0:
            return None
        start = result.weights
    return last


def escape_directions(land: Landscape, weights, *, zero_tol: float = ZERO_TOL,
                      n_starts: int = 4, radius: float = 0.1, seed=DEFAULT_SEED,
                      follow: bool = True, t_max: float = 1e7, visit_tol: float = 1e-3,
                      tie_tol: float | None = None,
                      critical_tol: float = CRITICAL_TOL) -> list[Escape]:
    """Escape directions at a critical point: negative curvature and higher order (docs/theory.md §4.2).

    Returns the negative Hessian eigenvectors (order 2, a basis of each eigenspace chosen
    independently of the eigensolver) and, sector by sector, the best centre escape found for
    each unlearnt data mode (order ``k >= 3``), sorted by order then rate. See the module
    docstring for the route.

    Parameters
    ----------
    land : Landscape
    weights : sequence of ndarray
        A critical point in the problem's coordinates (at most ``DENSE_ESCAPE_LIMIT``
        parameters: the centre comes from the dense Hessian).
    zero_tol : float
        Relative zero threshold for Hessian eigenvalues (as in
        :func:`landscape.classify`) and for the polynomial coefficients ``c_k``
        (times the size of a term of that order).
    n_starts : int
        Seeded random starts per sector.
    radius : float
        Search radius ``eps`` relative to ``sigma_1^{1/h}`` (balanced reduced coordinates):
        small enough for the lowest-order term to dominate the sector loss.
    seed : int, numpy Generator or None
        Seed of the starts; the same seed gives the same directions.
    follow : bool
        Integrate the gradient flow from each escape; keep only escapes whose flow leaves the
        point's class and record the class it reaches first as ``target``.
    t_max : float
        Time limit of each integration.
    visit_tol : float
        A class counts as reached when the relative gradient norm
        (:func:`landscape.relative_gradient_norm`) falls to this bound inside it.
    tie_tol : float, optional
        Deprecated (one release): set ``Landscape(..., tie_tol=)``; a value other than
        ``land.tie_tol`` warns and is used through a copy of ``land``
        (:func:`~landscape.problem.rules.problem_with_tie_tol`).
    critical_tol : float
        Bound on :func:`landscape.relative_gradient_norm`.

    Returns
    -------
    list of Escape

    Raises
    ------
    NotCriticalError
        If ``weights`` is not a critical point.
    ValueError
        If the network has more than ``DENSE_ESCAPE_LIMIT`` parameters, or for a bad argument.
    TypeError
        If ``land`` is not a :class:`Landscape` or ``follow`` not a bool.

    Examples
    --------
    At the origin of a depth-3 network every mode escapes at order 3 with rate
    ``-sigma_i / 3^{3/2}``, and the flow learns that mode:

    >>> from landscape.problem import DataSpectrum
    >>> land = Landscape(DataSpectrum.from_singular_values([3.0, 2.0]), widths=(2, 2, 2, 2))
    >>> [(e.order, round(e.rate, 4), e.mode, e.target)
    ...  for e in escape_directions(land, [np.zeros((2, 2))] * 3)]
    [(3, -0.5774, 0, (0,)), (3, -0.3849, 1, (1,))]
    """
    land = problem_with_tie_tol(check_landscape(land), tie_tol, "escape_directions")
    zero_tol = check_zero_tol(zero_tol)
    n_starts = check_int(n_starts, "n_starts", minimum=1)
    radius = check_positive(radius, "radius")
    rng = check_seed(seed)
    t_max = check_positive(t_max, "t_max")
    visit_tol = check_positive(visit_tol, "visit_tol")
    critical_tol = check_critical_tol(critical_tol)
    if not isinstance(follow, (bool, np.bool_)):
        raise TypeError(f"follow must be a bool, got {follow!r}")
    if land.n_params > DENSE_ESCAPE_LIMIT:
        raise ValueError(f"land must have at most DENSE_ESCAPE_LIMIT = {DENSE_ESCAPE_LIMIT} "
                         f"parameters for escape_directions (the centre needs the dense "
                         f"Hessian), got {land.n_params}")
    check_critical(land, weights, critical_tol=critical_tol)
    modes = learnt_modes(land, weights)
    subset = modes.subset
    frame = BalancedFrame(land, weights)
    threshold = zero_tol * frame.scale
    values, vectors, kernel, orbit = centre_basis(frame, threshold)
    cap = radius * land.weight_scale
    found: list[Escape] = []

    def make(vb_flat, **info):
        direction = frame.to_problem(frame.reduced.split_flat(vb_flat))
        length = float(np.sqrt(sum(np.sum(v * v) for v in direction)))
        direction = [v / length for v in direction]
        coefficients = land.loss_polynomial(frame.x, direction)
        coefficients[0] = 0.0
        order, rate = polynomial_order(coefficients, coefficient_scales(frame, direction),
                                        zero_tol)
        if order is None or rate >= 0:
            return None
        vb = frame.to_balanced(direction)
        balanced_length = float(np.sqrt(sum(np.sum(v * v) for v in vb)))
        step = escape_step(coefficients, order, cap / balanced_length)
        return Escape(direction=direction, order=order, rate=rate, step=step, target=None,
                      **info)

    def _followed(escape: Escape, own) -> Escape:
        target = follow_escape(land, frame.x, escape.direction, escape.step, subset, t_max,
                               visit_tol, own)
        return dataclasses.replace(escape, target=target)

    negative = values < -threshold
    if np.any(negative):
        groups = np.split(np.flatnonzero(negative),
                          np.flatnonzero(np.diff(values[negative]) > threshold) + 1)
        for group in groups:
            for vec in canonical_eigenbasis(vectors[:, group]).T:
                escape = make(vec, source="negative_curvature", mode=None,
                              eigenvalue=float(np.mean(values[group])))
                if escape is not None:
                    found.append(_followed(escape, None) if follow else escape)

    basis = without_orbit(level_set_tangent(frame, kernel), orbit)
    if basis.shape[1]:
        from scipy import optimize  # imported where used: ``import landscape`` stays light

        product = prefix_products(frame.xb)[-1]
        norm = frame.scale * cap ** 2
        for mode, piece in sectors(frame, subset):
            sector = sector_objective(frame, basis, piece, product, cap, norm)
            fun = on_sphere(sector)
            candidates = []
            for _ in range(n_starts):
                z0 = rng.standard_normal(basis.shape[1])
                res = optimize.minimize(fun, z0, jac=True, method="L-BFGS-B",
                                        options={"maxiter": 1000, "gtol": 1e-12, "ftol": 1e-15})
                unit = sharpen(sector, res.x / np.linalg.norm(res.x))
                escape = make(basis @ unit, source="centre", mode=mode, eigenvalue=None)
                if escape is not None:
                    candidates.append(escape)
            candidates.sort(key=lambda e: (e.order, e.rate))
            if not follow:
                found.extend(candidates[:1])
                continue
            own = canonical_subset((*subset, mode), modes.tie_groups)
            left, missed = [], []
            for escape in candidates:
                if any(escape.order == e.order and abs(escape.rate - e.rate) <= 1e-6 * abs(e.rate)
                       for e in missed):
                    continue  # an equally good direction already missed ``own``
                escape = _followed(escape, own)
                if escape.target != own:
                    missed.append(escape)
                if escape.target is not None and escape.target != subset:
                    left.append(escape)
                    if escape.target == own:
                        break
            left.sort(key=lambda e: (e.target != own, e.order, e.rate))
            found.extend(left[:1])
    found.sort(key=lambda e: (e.order, e.rate))
    if follow:
        found = [e for e in found if e.target is not None and e.target != subset]
    return found
