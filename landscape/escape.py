"""Escape from saddles: negative curvature and higher-order escapes through the centre.

At a critical point ``x`` the loss along a line is an exact polynomial of degree ``2h``,

    L(x + t v) - L(x) = sum_{k=2}^{2h} c_k(v) t^k,      c_2(v) = 1/2 v^T H v,

so a direction ``v`` escapes at order ``k`` when ``c_2 = ... = c_{k-1} = 0`` and ``c_k < 0``
(THEORY §4.2). Negative Hessian eigenvectors escape at order 2. Where the Hessian has no
negative direction (non-strict saddles, Achour, Malgouyres & Gerchinovitz, JMLR 2024), and
beside the negative directions at strict saddles, escapes live in the **centre**: the Hessian
kernel minus the tangent of the hidden-layer symmetry orbit. They form a cone, not a
subspace, and :func:`escape_directions` finds them numerically ("find, don't assume"):

1. In reduced coordinates at the rebalanced point (:func:`landscape.curvature.balance_layers`),
   take an orthonormal basis of the centre from the dense Hessian and the orbit generators,
   restricted to directions tangent to the level set of the conserved
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
of THEORY §4.2; the product of ``k`` path weights of unit total norm is largest when they are
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
from scipy import optimize

from ._base.products import prefix_products, suffix_products
from ._base.validation import check_int, check_nonnegative, check_positive
from .curvature import ZERO_TOL, _prepared, _reduced_landscape, orbit_tangent
from .flow import gradient_flow
from .problem.network import Landscape, check_landscape
from .problem.ties import canonical_subset as _canonical
from .problem import (CRITICAL_TOL, TIE_TOL, check_critical, learnt_modes, relative_gradient_norm,
                    tie_groups)

__all__ = ["DENSE_ESCAPE_LIMIT", "Escape", "escape_directions"]

#: Largest parameter count for which :func:`escape_directions` forms the dense Hessian.
DENSE_ESCAPE_LIMIT = 2500
#: A followed flow has passed a class once its loss is this far (relative to
#: ``1/2 sum sigma_i^2``) below the class's critical value.
_PASSED_RTOL = 1e-3
#: Convergence tolerance of the followed flows (:func:`landscape.flow.gradient_flow`).
_FLOW_TOL = 1e-10


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


class _Frame:
    """A critical point in the problem's coordinates and its rebalanced reduced image.

    ``v_b = c * to_reduced(v)`` maps problem-coordinate directions to balanced ones, with
    layer factors ``c_j`` of product 1 (the hidden-layer action ``G_j = (c_1 ... c_j) I``), so
    ``L(x + t v) = L_b(x_b + t v_b)`` exactly. A zero layer keeps ``x_b = 0`` under any factor:
    zero layers share the factor that makes the product 1.
    """

    def __init__(self, land: Landscape, weights):
        self.land = land
        self.x = land.check(weights)
        self.reduced = _reduced_landscape(land)
        self.xb, self.scale = _prepared(land, self.x)
        reduced_x = self.x if land.spectrum.reduced else land.spectrum.to_reduced(self.x)
        norms = np.array([np.linalg.norm(r) for r in reduced_x])
        nonzero = norms > 0
        factors = np.ones(land.h)
        factors[nonzero] = [np.linalg.norm(self.xb[j]) / norms[j] for j in np.flatnonzero(nonzero)]
        if not np.all(nonzero) and np.any(nonzero):
            share = -np.sum(np.log(factors[nonzero])) / np.count_nonzero(~nonzero)
            factors[~nonzero] = np.exp(share)
        self.factors = factors

    def to_problem(self, vb: list[np.ndarray]) -> list[np.ndarray]:
        v = [w / c for w, c in zip(vb, self.factors)]
        return v if self.land.spectrum.reduced else self.land.spectrum.from_reduced(v)

    def to_balanced(self, v: list[np.ndarray]) -> list[np.ndarray]:
        if not self.land.spectrum.reduced:
            v = self.land.spectrum.to_reduced(v)
        return [np.asarray(w, dtype=float) * c for w, c in zip(v, self.factors)]


def _centre_basis(frame: _Frame, threshold: float):
    """Dense Hessian eigenpairs, the kernel and an orthonormal orbit-tangent basis (balanced point)."""
    reduced = frame.reduced
    values, vectors = np.linalg.eigh(reduced.hessian(frame.xb))
    kernel = vectors[:, np.abs(values) <= threshold]
    tangent = orbit_tangent(reduced, frame.xb)
    orbit = tangent[:, :0]
    if tangent.size:
        u, s, _ = np.linalg.svd(tangent, full_matrices=False)
        if s.size and s[0] > 0:
            orbit = u[:, s > 1e-10 * s[0]]
    return values, vectors, kernel, orbit


def _without_orbit(basis: np.ndarray, orbit: np.ndarray) -> np.ndarray:
    """Orthonormal basis of the part of ``span(basis)`` orthogonal to the orbit directions it contains."""
    if basis.shape[1] == 0 or orbit.shape[1] == 0:
        return basis
    u, s, _ = np.linalg.svd(basis.T @ orbit, full_matrices=True)
    common = int(np.count_nonzero(s > 1.0 - 1e-6))
    return basis @ u[:, common:]


def _level_set_tangent(frame: _Frame, basis: np.ndarray) -> np.ndarray:
    """The combinations ``basis @ z`` whose problem-coordinate image keeps every ``C_j`` to first order.

    ``dC_j[V] = W_{j+1}^T V_{j+1} + V_{j+1}^T W_{j+1} - W_j V_j^T - V_j W_j^T`` (THEORY §1).
    """
    land, x = frame.land, frame.x
    if land.h < 2 or basis.shape[1] == 0:
        return basis
    rows = []
    for k in range(basis.shape[1]):
        v = frame.to_problem(frame.reduced.split_flat(basis[:, k]))
        parts = []
        for j in range(1, land.h):
            d = x[j].T @ v[j] - x[j - 1] @ v[j - 1].T
            parts.append((d + d.T)[np.triu_indices(d.shape[0])])
        rows.append(np.concatenate(parts))
    matrix = np.array(rows).T
    size = max(float(np.linalg.norm(w)) for w in x)
    _, s, vt = np.linalg.svd(matrix, full_matrices=True)
    rank = int(np.count_nonzero(s > 1e-9 * max(size, frame.land.weight_scale)))
    return basis @ vt[rank:].T


def _sectors(frame: _Frame, subset, rtol: float):
    """``(mode, R_i)`` for every unlearnt positive mode: the SVD pieces of the residual."""
    spec = frame.land.spectrum
    residual = prefix_products(frame.xb)[-1] - spec.sigma_matrix()
    u, s, vt = np.linalg.svd(residual)
    threshold = rtol * frame.land.scale
    positive = [i for i in range(spec.sigma.size) if spec.sigma[i] > threshold]
    unlearnt = [i for i in positive if i not in subset]
    pieces = [s[k] * np.outer(u[:, k], vt[k]) for k in range(s.size) if s[k] > threshold]
    return list(zip(unlearnt, pieces))


def _perturbed_chain(weights, direction, eps):
    moved = [w + eps * v for w, v in zip(weights, direction)]
    return moved, prefix_products(moved), suffix_products(moved)


def _sector_objective(frame: _Frame, basis: np.ndarray, residual_piece: np.ndarray,
                      product: np.ndarray, eps: float, norm: float):
    """Sector loss at radius ``eps`` along the unit balanced direction ``v_b = B u``.

    ``f(u) = (<R_i, dP> + 1/2 ||dP||^2) / norm`` with ``dP = P(x_b + eps v_b) - P(x_b)``, and
    its unconstrained gradient ``B^T g`` with ``g = eps (T_j^T (R_i + dP) Q_{j-1}^T)_j`` at the
    perturbed point (orthonormal ``B``). Returns ``sector(u) -> (f, B^T g / norm)``.
    """
    split = frame.reduced.split_flat
    h = frame.land.h

    def sector(unit):
        moved, prefixes, suffixes = _perturbed_chain(frame.xb, split(basis @ unit), eps)
        delta = prefixes[-1] - product
        value = float(np.sum(residual_piece * delta) + 0.5 * np.sum(delta * delta))
        outer = residual_piece + delta
        grads = []
        for j in range(h):
            g = outer if suffixes[j + 1] is None else suffixes[j + 1].T @ outer
            grads.append(g if prefixes[j] is None else g @ prefixes[j].T)
        return value / norm, basis.T @ (eps * np.concatenate([g.ravel() for g in grads])) / norm

    return sector


def _on_sphere(sector):
    """``f(z / |z|)`` and its gradient ``(I - u u^T) B^T g / |z|`` in ``z`` (for L-BFGS)."""

    def fun(z):
        length = float(np.linalg.norm(z))
        unit = z / length
        value, gz = sector(unit)
        return value, (gz - float(gz @ unit) * unit) / length

    return fun


def _sharpen(sector, unit: np.ndarray, max_steps: int = 8) -> np.ndarray:
    """Fixed-point steps ``u <- -B^T g(u) / |B^T g(u)|`` from an (approximate) minimiser.

    A minimiser on the sphere satisfies ``B^T g = -|B^T g| u``, so it is a fixed point. The
    sector loss is nearly flat along directions that couple other modes to the path (they
    enter only through ``||dP||^2``, at order ``eps^{2k}``), so the optimiser leaves them at its
    tolerance (~1e-8 of the direction); they are absent from the gradient to first order,
    and one step removes them. Left unremoved, they seed the larger modes, and the flow from
    the escape leaves ``S u {i}`` before it settles there. Steps are kept while ``f`` does not
    increase.
    """
    value, gz = sector(unit)
    for _ in range(max_steps):
        size = float(np.linalg.norm(gz))
        if size == 0:
            break
        new = -gz / size
        new_value, new_gz = sector(new)
        if new_value > value + 1e-12 * abs(value):
            break
        moved = float(np.linalg.norm(new - unit))
        unit, value, gz = new, new_value, new_gz
        if moved < 1e-14:
            break
    return unit


def _polynomial_order(coefficients: np.ndarray, scales: np.ndarray, zero_tol: float):
    """The first ``k >= 2`` with ``|c_k| > zero_tol * scale_k``, and ``c_k``."""
    for k in range(2, coefficients.size):
        if abs(coefficients[k]) > zero_tol * scales[k]:
            return k, float(coefficients[k])
    return None, 0.0


def _coefficient_scales(frame: _Frame, direction) -> np.ndarray:
    """Bounds on ``|c_k|`` along ``direction``, from norms of the layers.

    In reduced coordinates ``L(x + t v) - L(x) = <R, D(t)> + 1/2 ||D(t)||^2`` with
    ``D(t) = prod_j (x_j + t v_j) - prod_j x_j``, so ``|c_k| <= ||R|| e_k + 1/2 sum_{a+b=k}
    e_a e_b`` (``a, b >= 1``) with ``e(t) = prod_j (||x_j|| + t ||v_j||)`` (Frobenius norms,
    submultiplicative). The bound is unchanged by the layer rescalings of the orbit.
    """
    land = frame.land
    x, v = frame.x, direction
    if not land.spectrum.reduced:
        x, v = land.spectrum.to_reduced(x), land.spectrum.to_reduced(v)
    e = np.ones(1)
    for w, d in zip(x, v):
        e = np.convolve(e, [np.linalg.norm(w), np.linalg.norm(d)])
    e[0] = 0.0
    residual = float(np.linalg.norm(prefix_products(x)[-1] - land.spectrum.sigma_matrix()))
    scales = 0.5 * np.convolve(e, e)
    scales[:e.size] += residual * e
    return scales


def _step(coefficients: np.ndarray, order: int, cap: float) -> float:
    """Largest ``eps <= cap`` with the order-``k`` term at least twice the rest, halving from ``cap``."""
    eps = cap
    for _ in range(60):
        powers = eps ** np.arange(coefficients.size)
        lead = abs(coefficients[order]) * powers[order]
        rest = abs(float(np.sum(coefficients[order + 1:] * powers[order + 1:])))
        if rest <= 0.5 * lead:
            return eps
        eps *= 0.5
    return eps


def _canonical_eigenbasis(vectors: np.ndarray) -> np.ndarray:
    """A basis of the span of ``vectors`` independent of the solver's choice inside it.

    Gram-Schmidt on the projector's columns taken in order of decreasing norm (pivoted), each
    vector signed so that its largest-magnitude entry is positive.
    """
    projector = vectors @ vectors.T
    out = []
    for _ in range(vectors.shape[1]):
        residual = projector - (np.array(out).T @ (np.array(out) @ projector) if out else 0.0)
        col = int(np.argmax(np.linalg.norm(residual, axis=0)))
        v = residual[:, col] / np.linalg.norm(residual[:, col])
        out.append(v * np.sign(v[int(np.argmax(np.abs(v)))]))
    return np.array(out).T


def _follow(land: Landscape, x, direction, step: float, subset, t_max: float, rtol: float,
            visit_tol: float, own=None):
    """The learnt set of the first critical class the flow from ``x + step v`` comes close to.

    Along the recorded trajectory, runs of constant learnt set other than ``subset`` are
    examined in order; the first in which the relative gradient norm
    (:func:`landscape.modes.relative_gradient_norm`) falls to ``visit_tol`` is the target.
    Otherwise the final learnt set if the flow converged, else ``None``.

    With ``own`` (the class a sector escape aims at) the flow is first integrated only until
    the loss falls ``_PASSED_RTOL`` (relative to ``1/2 sum sigma_i^2``) below ``L_own``: the loss
    decreases, so ``own`` cannot be visited later, and the rest of the trajectory is
    integrated only when ``own`` was missed.
    """
    start = [w + step * v for w, v in zip(x, direction)]
    scale = float(0.5 * np.sum(land.spectrum.sigma ** 2)) or 1.0
    tols = [_FLOW_TOL]
    if own is not None:
        passed = (land.critical_value(own) - land.minimum_value()) / scale - _PASSED_RTOL
        if passed > _FLOW_TOL:
            tols.insert(0, passed)
    last, remaining = None, t_max
    for tol in tols:
        result = gradient_flow(land, start, t_max=remaining, rtol=1e-9, tol=tol,
                               record_weights=True)
        for theta in result.trajectory:
            weights = land.split_flat(theta)
            key = learnt_modes(land, weights, tie_tol=rtol).subset
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
                      n_starts: int = 4, radius: float = 0.1, seed: int = 0,
                      follow: bool = True, t_max: float = 1e7, visit_tol: float = 1e-3,
                      rtol: float = TIE_TOL, critical_tol: float = CRITICAL_TOL) -> list[Escape]:
    """Escape directions at a critical point: negative curvature and higher order (THEORY §4.2).

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
        :func:`landscape.curvature.classify`) and for the polynomial coefficients ``c_k``
        (times the size of a term of that order).
    n_starts : int
        Seeded random starts per sector.
    radius : float
        Search radius ``eps`` relative to ``sigma_1^{1/h}`` (balanced reduced coordinates):
        small enough for the lowest-order term to dominate the sector loss.
    seed : int
        Seed of the starts; the same seed gives the same directions.
    follow : bool
        Integrate the gradient flow from each escape; keep only escapes whose flow leaves the
        point's class and record the class it reaches first as ``target``.
    t_max : float
        Time limit of each integration.
    visit_tol : float
        A class counts as reached when the relative gradient norm
        (:func:`landscape.modes.relative_gradient_norm`) falls to this bound inside it.
    rtol, critical_tol : float
        Tie tolerance and criticality bound (:mod:`landscape.modes`).

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

    >>> from landscape.data import DataSpectrum
    >>> land = Landscape(DataSpectrum.from_singular_values([3.0, 2.0]), widths=(2, 2, 2, 2))
    >>> [(e.order, round(e.rate, 4), e.mode, e.target)
    ...  for e in escape_directions(land, [np.zeros((2, 2))] * 3)]
    [(3, -0.5774, 0, (0,)), (3, -0.3849, 1, (1,))]
    """
    check_landscape(land)
    zero_tol = check_positive(zero_tol, "zero_tol")
    n_starts = check_int(n_starts, "n_starts", minimum=1)
    radius = check_positive(radius, "radius")
    seed = check_int(seed, "seed", minimum=0)
    t_max = check_positive(t_max, "t_max")
    visit_tol = check_positive(visit_tol, "visit_tol")
    rtol = check_nonnegative(rtol, "rtol")
    critical_tol = check_nonnegative(critical_tol, "critical_tol")
    if not isinstance(follow, (bool, np.bool_)):
        raise TypeError(f"follow must be a bool, got {follow!r}")
    if land.n_params > DENSE_ESCAPE_LIMIT:
        raise ValueError(f"land must have at most DENSE_ESCAPE_LIMIT = {DENSE_ESCAPE_LIMIT} "
                         f"parameters for escape_directions (the centre needs the dense "
                         f"Hessian), got {land.n_params}")
    check_critical(land, weights, critical_tol=critical_tol)
    subset = learnt_modes(land, weights, tie_tol=rtol).subset
    frame = _Frame(land, weights)
    threshold = zero_tol * frame.scale
    values, vectors, kernel, orbit = _centre_basis(frame, threshold)
    rng = np.random.default_rng(seed)
    cap = radius * land.weight_scale
    found: list[Escape] = []

    def make(vb_flat, **info):
        direction = frame.to_problem(frame.reduced.split_flat(vb_flat))
        length = float(np.sqrt(sum(np.sum(v * v) for v in direction)))
        direction = [v / length for v in direction]
        coefficients = land.loss_polynomial(frame.x, direction)
        coefficients[0] = 0.0
        order, rate = _polynomial_order(coefficients, _coefficient_scales(frame, direction),
                                        zero_tol)
        if order is None or rate >= 0:
            return None
        vb = frame.to_balanced(direction)
        balanced_length = float(np.sqrt(sum(np.sum(v * v) for v in vb)))
        step = _step(coefficients, order, cap / balanced_length)
        return Escape(direction=direction, order=order, rate=rate, step=step, target=None,
                      **info)

    def _followed(escape: Escape, own) -> Escape:
        target = _follow(land, frame.x, escape.direction, escape.step, subset, t_max, rtol,
                         visit_tol, own)
        return dataclasses.replace(escape, target=target)

    negative = values < -threshold
    if np.any(negative):
        groups = np.split(np.flatnonzero(negative),
                          np.flatnonzero(np.diff(values[negative]) > threshold) + 1)
        for group in groups:
            for vec in _canonical_eigenbasis(vectors[:, group]).T:
                escape = make(vec, source="negative_curvature", mode=None,
                              eigenvalue=float(np.mean(values[group])))
                if escape is not None:
                    found.append(_followed(escape, None) if follow else escape)

    basis = _without_orbit(_level_set_tangent(frame, kernel), orbit)
    if basis.shape[1]:
        product = prefix_products(frame.xb)[-1]
        norm = frame.scale * cap ** 2
        for mode, piece in _sectors(frame, subset, rtol):
            sector = _sector_objective(frame, basis, piece, product, cap, norm)
            fun = _on_sphere(sector)
            candidates = []
            for _ in range(n_starts):
                z0 = rng.standard_normal(basis.shape[1])
                res = optimize.minimize(fun, z0, jac=True, method="L-BFGS-B",
                                        options={"maxiter": 1000, "gtol": 1e-12, "ftol": 1e-15})
                unit = _sharpen(sector, res.x / np.linalg.norm(res.x))
                escape = make(basis @ unit, source="centre", mode=mode, eigenvalue=None)
                if escape is not None:
                    candidates.append(escape)
            candidates.sort(key=lambda e: (e.order, e.rate))
            if not follow:
                found.extend(candidates[:1])
                continue
            own = _canonical((*subset, mode), tie_groups(land.spectrum.sigma, tie_tol=rtol))
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
