"""The centre of a critical point and the sector objectives searched for higher-order escapes.

At a critical point ``x`` the loss along a line is an exact polynomial of degree ``2h``,

    L(x + t v) - L(x) = sum_{k=2}^{2h} c_k(v) t^k,      c_2(v) = 1/2 v^T H v,

and escapes beyond the negative curvature live in the **centre**: the Hessian kernel minus
the tangent of the hidden-layer symmetry orbit, restricted to directions tangent to the level
set of the conserved ``C_j = W_{j+1}^T W_{j+1} - W_j W_j^T`` (Wendin & Altafini, SIAM Review
2025). Sector by sector -- one per unlearnt nonzero data mode ``i``, with the residual piece
``R_i = -sigma_i u_i v_i^T`` -- the sector loss

    f_i(v) = <R_i, P(x + eps v) - P(x)> + 1/2 ||P(x + eps v) - P(x)||^2

over unit centre directions at a small radius is dominated by the lowest-order term
(docs/theory.md §4.2). This module holds the pieces of that search used by
:func:`landscape.geometry.escapes.escape_directions`: the centre basis, the level-set
tangent, the sectors, the sector objective with its exact gradient, the fixed-point
sharpening, and the order and rate read off the polynomial coefficients.
"""

from __future__ import annotations

import numpy as np

from .._base.products import prefix_products, suffix_products
from .frame import BalancedFrame
from .orbit import orbit_tangent, orthonormal_orbit_basis

__all__: list[str] = []


def centre_basis(frame: BalancedFrame, threshold: float):
    """Dense Hessian eigenpairs, the kernel and an orthonormal orbit-tangent basis.

    All at the balanced point ``frame.xb`` in reduced coordinates. Returns
    ``(values, vectors, kernel, orbit)``: ascending eigenvalues, their eigenvectors, the
    eigenvectors with ``|lambda| <= threshold`` and an orthonormal basis of the orbit tangent.
    """
    reduced = frame.reduced
    values, vectors = np.linalg.eigh(reduced.hessian(frame.xb))
    kernel = vectors[:, np.abs(values) <= threshold]
    orbit = orthonormal_orbit_basis(orbit_tangent(reduced, frame.xb))
    return values, vectors, kernel, orbit


def without_orbit(basis: np.ndarray, orbit: np.ndarray) -> np.ndarray:
    """Orthonormal basis of the part of ``span(basis)`` orthogonal to the orbit directions it
    contains.

    Examples
    --------
    >>> without_orbit(np.eye(3)[:, :2], np.eye(3)[:, :1]).round(12).tolist()
    [[0.0], [1.0], [0.0]]
    """
    if basis.shape[1] == 0 or orbit.shape[1] == 0:
        return basis
    u, s, _ = np.linalg.svd(basis.T @ orbit, full_matrices=True)
    common = int(np.count_nonzero(s > 1.0 - 1e-6))
    return basis @ u[:, common:]


def level_set_tangent(frame: BalancedFrame, basis: np.ndarray) -> np.ndarray:
    """The combinations ``basis @ z`` whose problem-coordinate image keeps every ``C_j`` to
    first order.

    ``dC_j[V] = W_{j+1}^T V_{j+1} + V_{j+1}^T W_{j+1} - W_j V_j^T - V_j W_j^T`` (docs/theory.md §1).
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


def sectors(frame: BalancedFrame, subset):
    """``(mode, R_i)`` for every unlearnt nonzero mode: the SVD pieces of the residual.

    The nonzero modes are the first ``land.m`` (the one rule of :mod:`landscape.problem.ties`,
    with the problem's ``land.tie_tol``); residual pieces at or below ``tie_tol * sigma_1``
    are dropped.
    """
    spec = frame.land.spectrum
    residual = prefix_products(frame.xb)[-1] - spec.sigma_matrix()
    u, s, vt = np.linalg.svd(residual)
    threshold = frame.land.tie_tol * frame.land.scale
    unlearnt = [i for i in range(frame.land.m) if i not in subset]
    pieces = [s[k] * np.outer(u[:, k], vt[k]) for k in range(s.size) if s[k] > threshold]
    return list(zip(unlearnt, pieces))


def _perturbed_chain(weights, direction, eps):
    moved = [w + eps * v for w, v in zip(weights, direction)]
    return moved, prefix_products(moved), suffix_products(moved)


def sector_objective(frame: BalancedFrame, basis: np.ndarray, residual_piece: np.ndarray,
                     product: np.ndarray, eps: float, norm: float):
    """Sector loss at radius ``eps`` along the unit balanced direction ``v_b = B u``.

    ``f(u) = (<R_i, dP> + 1/2 ||dP||^2) / norm`` with ``dP = P(x_b + eps v_b) - P(x_b)``, and
    its unconstrained gradient ``B^T g`` with ``g = eps (T_j^T (R_i + dP) Q_{j-1}^T)_j`` at the
    perturbed point (orthonormal ``B``). Returns ``sector(u) -> (f, B^T g / norm)``.
    """
    split = frame.reduced.split_flat
    h = frame.land.h

    def sector(unit):
        _, prefixes, suffixes = _perturbed_chain(frame.xb, split(basis @ unit), eps)
        delta = prefixes[-1] - product
        value = float(np.sum(residual_piece * delta) + 0.5 * np.sum(delta * delta))
        outer = residual_piece + delta
        grads = []
        for j in range(h):
            g = outer if suffixes[j + 1] is None else suffixes[j + 1].T @ outer
            grads.append(g if prefixes[j] is None else g @ prefixes[j].T)
        return value / norm, basis.T @ (eps * np.concatenate([g.ravel() for g in grads])) / norm

    return sector


def on_sphere(sector):
    """``f(z / |z|)`` and its gradient ``(I - u u^T) B^T g / |z|`` in ``z`` (for L-BFGS)."""

    def fun(z):
        length = float(np.linalg.norm(z))
        unit = z / length
        value, gz = sector(unit)
        return value, (gz - float(gz @ unit) * unit) / length

    return fun


def sharpen(sector, unit: np.ndarray, max_steps: int = 8) -> np.ndarray:
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


def polynomial_order(coefficients: np.ndarray, scales: np.ndarray, zero_tol: float):
    """The first ``k >= 2`` with ``|c_k| > zero_tol * scale_k``, and ``c_k`` (``(None, 0.0)``
    if there is none).

    Examples
    --------
    >>> polynomial_order(np.array([0.0, 0.0, 1e-12, -2.0, 1.0]), np.ones(5), 1e-7)
    (3, -2.0)
    """
    for k in range(2, coefficients.size):
        if abs(coefficients[k]) > zero_tol * scales[k]:
            return k, float(coefficients[k])
    return None, 0.0


def coefficient_scales(frame: BalancedFrame, direction) -> np.ndarray:
    """Bounds on ``|c_k|`` along ``direction``, from norms of the layers.

    In reduced coordinates ``L(x + t v) - L(x) = <R, D(t)> + 1/2 ||D(t)||^2`` with
    ``D(t) = prod_j (x_j + t v_j) - prod_j x_j``, so ``|c_k| <= ||R|| e_k + 1/2 sum_{a+b=k}
    e_a e_b`` (``a, b >= 1``) with ``e(t) = prod_j (||x_j|| + t ||v_j||)`` (Frobenius norms,
    submultiplicative), read at the prepared point ``x_b`` with the direction ``v_b`` moved
    along (the coefficients are the same there, ``L(x + t v) = L_b(x_b + t v_b)``, and the
    bound is not inflated by an ill-conditioned representative).
    """
    land = frame.land
    x, v = frame.xb, frame.to_balanced(direction)
    e = np.ones(1)
    for w, d in zip(x, v):
        e = np.convolve(e, [np.linalg.norm(w), np.linalg.norm(d)])
    e[0] = 0.0
    residual = float(np.linalg.norm(prefix_products(x)[-1] - land.spectrum.sigma_matrix()))
    scales = 0.5 * np.convolve(e, e)
    scales[:e.size] += residual * e
    return scales


def canonical_eigenbasis(vectors: np.ndarray) -> np.ndarray:
    """A basis of the span of ``vectors`` independent of the solver's choice inside it.

    Gram-Schmidt on the projector's columns taken in order of decreasing norm (pivoted), each
    vector signed so that its largest-magnitude entry is positive.

    Examples
    --------
    >>> q = np.array([[0.6, -0.8], [0.8, 0.6], [0.0, 0.0]])
    >>> np.abs(canonical_eigenbasis(q).round(12)).tolist()
    [[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]
    """
    projector = vectors @ vectors.T
    out = []
    for _ in range(vectors.shape[1]):
        residual = projector - (np.array(out).T @ (np.array(out) @ projector) if out else 0.0)
        col = int(np.argmax(np.linalg.norm(residual, axis=0)))
        v = residual[:, col] / np.linalg.norm(residual[:, col])
        out.append(v * np.sign(v[int(np.argmax(np.abs(v)))]))
    return np.array(out).T
