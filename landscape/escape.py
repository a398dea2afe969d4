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
   starts, with its exact gradient in ``v`` (the chain rule through the perturbed products).
3. Read the order ``k`` and rate ``c_k`` of each minimiser off the exact polynomial
   (:meth:`Landscape.loss_polynomial`), keep those with ``c_k < 0``, and (``follow=True``)
   step off at the radius where the order-``k`` term dominates, integrate the gradient flow
   and record the first critical class it comes close to. Near a non-hyperbolic saddle the
   flow leaves in time ``~ eps^{-(k-2)}``, so the step is as large as the polynomial allows.

At a 0-balanced point (e.g. a canonical representative) the minimisers are the balanced
one-mode paths through a free hidden unit (the explicit heteroclinic orbits ``S -> S + {i}``
of THEORY §4.2; the product of ``k`` path weights of unit total norm is largest when they are
equal).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize

from ._validation import check_int, check_positive
from .curvature import ZERO_TOL, _check_land, _prepared, _reduced_landscape, orbit_tangent
from .flow import gradient_flow
from .model import Landscape
from .modes import (CRITICAL_TOL, TIE_RTOL, check_critical, learnt_modes, relative_gradient_norm,
                    tie_groups)

__all__ = ["DENSE_ESCAPE_LIMIT", "Escape", "escape_directions"]

#: Largest parameter count for which :func:`escape_directions` forms the dense Hessian.
DENSE_ESCAPE_LIMIT = 2500


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

    ``v_b = c * to_reduced(v)`` maps problem-coordinate directions to balanced ones (the
    linear part of the orbit move), so ``L(x + t v) = L_b(x_b + t v_b)`` exactly.
    """

    def __init__(self, land: Landscape, weights):
        self.land = land
        self.x = land.check(weights)
        self.reduced = _reduced_landscape(land)
        self.xb, self.scale = _prepared(land, self.x)
        reduced_x = self.x if land.spectrum.reduced else land.spectrum.to_reduced(self.x)
        self.factors = np.array([np.linalg.norm(b) / np.linalg.norm(r) if np.linalg.norm(r) > 0
                                 else 1.0 for b, r in zip(self.xb, reduced_x)])

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
        v = frame.to_problem(frame.reduced._split(basis[:, k]))
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
    residual = Landscape._prefixes(frame.xb)[-1] - spec.sigma_matrix()
    u, s, vt = np.linalg.svd(residual)
    threshold = rtol * frame.land.scale
    positive = [i for i in range(spec.sigma.size) if spec.sigma[i] > threshold]
    unlearnt = [i for i in positive if i not in subset]
    pieces = [(s[k], np.outer(u[:, k], vt[k])) for k in range(s.size) if s[k] > threshold]
    pieces.sort(key=lambda p: -p[0])
    return [(mode, sv * piece) for mode, (sv, piece) in zip(unlearnt, pieces)]


def _perturbed_chain(weights, direction, eps):
    moved = [w + eps * v for w, v in zip(weights, direction)]
    return moved, Landscape._prefixes(moved), Landscape._suffixes(moved)


def _sector_objective(frame: _Frame, basis: np.ndarray, residual_piece: np.ndarray,
                      product: np.ndarray, eps: float, norm: float):
    """Sector loss at radius ``eps`` along the unit balanced direction ``v_b = B z / |z|``.

    ``f(z) = (<R_i, dP> + 1/2 ||dP||^2) / norm`` with ``dP = P(x_b + eps v_b) - P(x_b)``; its
    gradient is ``(I - z_hat z_hat^T) B^T g / |z|`` with ``g = eps (T_j^T (R_i + dP) Q_{j-1}^T)_j``
    at the perturbed point (orthonormal ``B``).
    """
    split = frame.reduced._split
    h = frame.land.h

    def fun(z):
        length = float(np.linalg.norm(z))
        unit = z / length
        moved, prefixes, suffixes = _perturbed_chain(frame.xb, split(basis @ unit), eps)
        delta = prefixes[-1] - product
        value = float(np.sum(residual_piece * delta) + 0.5 * np.sum(delta * delta))
        outer = residual_piece + delta
        grads = []
        for j in range(h):
            g = outer if suffixes[j + 1] is None else suffixes[j + 1].T @ outer
            grads.append(g if prefixes[j] is None else g @ prefixes[j].T)
        gz = basis.T @ (eps * np.concatenate([g.ravel() for g in grads]))
        grad = (gz - float(gz @ unit) * unit) / length
        return value / norm, grad / norm

    return fun


def _polynomial_order(coefficients: np.ndarray, scales: np.ndarray, zero_tol: float):
    """The first ``k >= 2`` with ``|c_k| > zero_tol * scale_k``, and ``c_k``."""
    for k in range(2, coefficients.size):
        if abs(coefficients[k]) > zero_tol * scales[k]:
            return k, float(coefficients[k])
    return None, 0.0


def _coefficient_scales(frame: _Frame, direction) -> np.ndarray:
    """Scale of ``c_k`` along ``direction``: ``kappa_k |v_b|^k`` with ``kappa_k`` the size of a
    term with ``h - k`` (or ``2h - k``) balanced weights and one residual (or none)."""
    h = frame.land.h
    vb = frame.to_balanced(direction)
    length = float(np.sqrt(sum(np.sum(v * v) for v in vb)))
    w = max([frame.land.weight_scale] + [float(np.linalg.norm(x)) for x in frame.xb])
    sigma = frame.land.scale
    k = np.arange(2 * h + 1)
    return np.maximum(sigma * w ** np.maximum(h - k, 0), w ** (2 * h - k)) * length ** k


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


def _class_key(sigma, subset, rtol: float) -> tuple[int, ...]:
    """The canonical key of a learnt set: within each tie group, its lowest indices."""
    return tuple(i for g in tie_groups(sigma, rtol=rtol)
                 for i in g[:sum(1 for j in subset if j in g)])


def _follow(land: Landscape, x, direction, step: float, subset, t_max: float, rtol: float,
            visit_tol: float, own=None):
    """The learnt set of the first critical class the flow from ``x + step v`` comes close to.

    Along the recorded trajectory, runs of constant learnt set other than ``subset`` are
    examined in order; the first in which the relative gradient norm
    (:func:`landscape.modes.relative_gradient_norm`) falls to ``visit_tol`` is the target.
    Otherwise the final learnt set if the flow converged, else ``None``.
    """
    start = [w + step * v for w, v in zip(x, direction)]
    result = gradient_flow(land, start, t_max=t_max, rtol=1e-9, record_weights=True)
    last = None
    for theta in result.trajectory:
        weights = land._split(theta)
        key = learnt_modes(land, weights, rtol=rtol).subset
        if key == tuple(subset):
            continue
        last = key
        if relative_gradient_norm(land, weights) <= visit_tol:
            return key
    return last if result.success else None


def escape_directions(land: Landscape, weights, *, zero_tol: float = ZERO_TOL,
                      n_starts: int = 4, radius: float = 0.1, seed: int = 0,
                      follow: bool = True, t_max: float = 1e7, visit_tol: float = 1e-3,
                      rtol: float = TIE_RTOL, critical_tol: float = CRITICAL_TOL) -> list[Escape]:
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
        If the network has more than ``DENSE_ESCAPE_LIMIT`` parameters.
    """
    _check_land(land)
    zero_tol = check_positive(zero_tol, "zero_tol")
    n_starts = check_int(n_starts, "n_starts", minimum=1)
    radius = check_positive(radius, "radius")
    seed = check_int(seed, "seed", minimum=0)
    t_max = check_positive(t_max, "t_max")
    visit_tol = check_positive(visit_tol, "visit_tol")
    if land.n_params > DENSE_ESCAPE_LIMIT:
        raise ValueError(f"land must have at most DENSE_ESCAPE_LIMIT = {DENSE_ESCAPE_LIMIT} "
                         f"parameters for escape_directions (the centre needs the dense "
                         f"Hessian), got {land.n_params}")
    check_critical(land, weights, tol=critical_tol)
    subset = learnt_modes(land, weights, rtol=rtol).subset
    frame = _Frame(land, weights)
    threshold = zero_tol * frame.scale
    values, vectors, kernel, orbit = _centre_basis(frame, threshold)
    rng = np.random.default_rng(seed)
    cap = radius * land.weight_scale
    found: list[Escape] = []

    def make(vb_flat, **info):
        direction = frame.to_problem(frame.reduced._split(vb_flat))
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
        product = Landscape._prefixes(frame.xb)[-1]
        norm = frame.scale * cap ** 2
        for mode, piece in _sectors(frame, subset, rtol):
            fun = _sector_objective(frame, basis, piece, product, cap, norm)
            candidates = []
            for _ in range(n_starts):
                z0 = rng.standard_normal(basis.shape[1])
                res = optimize.minimize(fun, z0, jac=True, method="L-BFGS-B",
                                        options={"maxiter": 1000, "gtol": 1e-12, "ftol": 1e-15})
                escape = make(basis @ res.x / np.linalg.norm(res.x), source="centre",
                              mode=mode, eigenvalue=None)
                if escape is not None:
                    candidates.append(escape)
            candidates.sort(key=lambda e: (e.order, e.rate))
            if not follow:
                found.extend(candidates[:1])
                continue
            own = _class_key(land.spectrum.sigma, (*subset, mode), rtol)
            left = []
            for escape in candidates:
                escape = _followed(escape, own)
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
