"""Landscape: loss, exact derivatives and conversions against independent oracles.

Oracles: the loss computed directly from the samples, central finite differences (the loss is
a polynomial, so their error is O(eps^2) plus rounding), the Hessian assembled from HVPs and
brute-force critical values (THEORY §1-2).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from conftest import KINDS, random_problem
from landscape import DataSpectrum
from landscape import Landscape

SEEDS = range(12)
CASES = [(seed, kind) for seed in SEEDS for kind in KINDS]


def _inner(a, b) -> float:
    return float(sum(np.sum(x * y) for x, y in zip(a, b)))


def _shift(weights, direction, t):
    return [w + t * v for w, v in zip(weights, direction)]


def _scale(land, weights) -> float:
    """Size of the loss's derivatives at ``weights``, for relative tolerances."""
    grads = land.gradient(weights)
    return 1.0 + max(float(np.max(np.abs(g))) for g in grads) + land.loss(weights)


@pytest.mark.parametrize("seed,kind", CASES)
def test_gradient_matches_central_differences(seed, kind):
    p = random_problem(seed, kind)
    land = p.land
    theta = land.flatten(p.weights)
    eps = 1e-6
    fd = np.empty(land.n_params)
    for k in range(land.n_params):
        e = np.zeros(land.n_params)
        e[k] = eps
        fd[k] = (land.loss(land.unflatten(theta + e)) - land.loss(land.unflatten(theta - e))) / (2 * eps)
    grad = land.flatten(land.gradient(p.weights))
    np.testing.assert_allclose(grad, fd, rtol=0, atol=1e-6 * _scale(land, p.weights))
    np.testing.assert_allclose(land.flat_gradient(theta), grad, rtol=1e-13, atol=1e-14)
    loss, grads = land.loss_and_gradient(p.weights)
    assert loss == land.loss(p.weights)
    np.testing.assert_allclose(land.flatten(grads), grad, rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("seed,kind", CASES)
def test_hvp_matches_central_differences_of_gradient(seed, kind):
    p = random_problem(seed, kind)
    land = p.land
    eps = 1e-5
    plus = land.flatten(land.gradient(_shift(p.weights, p.direction, eps)))
    minus = land.flatten(land.gradient(_shift(p.weights, p.direction, -eps)))
    hv = land.flatten(land.hvp(p.weights, p.direction))
    scale = _scale(land, p.weights) * (1 + np.max(np.abs(land.flatten(p.direction)))) ** 2
    np.testing.assert_allclose(hv, (plus - minus) / (2 * eps), rtol=0, atol=1e-6 * scale)


@pytest.mark.parametrize("seed,kind", CASES[::2])
def test_hessian_is_symmetric_and_equals_stacked_hvps(seed, kind):
    p = random_problem(seed, kind)
    land = p.land
    H = land.hessian(p.weights)
    assert H.shape == (land.n_params, land.n_params)
    tol = 1e-12 * (1 + np.max(np.abs(H)))
    np.testing.assert_allclose(H, H.T, rtol=0, atol=1e-3 * tol)
    columns = np.column_stack([
        land.flatten(land.hvp(p.weights, land.unflatten(e))) for e in np.eye(land.n_params)])
    np.testing.assert_allclose(H, columns, rtol=0, atol=tol)
    # and to central differences of the gradient, column by column
    theta = land.flatten(p.weights)
    eps = 1e-5
    fd = np.column_stack([
        (land.flat_gradient(theta + eps * e) - land.flat_gradient(theta - eps * e)) / (2 * eps)
        for e in np.eye(land.n_params)])
    np.testing.assert_allclose(H, fd, rtol=0, atol=1e-6 * (1 + np.max(np.abs(H))))


def test_hessian_vanishes_at_origin_for_deep_networks():
    # THEORY §4: for h >= 3 the loss starts at order h at the origin, so the Hessian is 0.
    land = Landscape(DataSpectrum.from_singular_values([3.0, 2.0]), widths=(2, 3, 3, 2))
    zero = [np.zeros(s) for s in land.shapes]
    np.testing.assert_array_equal(land.hessian(zero), 0.0)
    assert land.loss(zero) == pytest.approx(0.5 * (9 + 4), rel=1e-15)


@pytest.mark.parametrize("seed", SEEDS)
def test_raw_loss_equals_sample_loss(seed):
    p = random_problem(seed, "raw")
    Xc = p.X - p.X.mean(axis=0)
    Yc = p.Y - p.Y.mean(axis=0)
    P = p.land.end_to_end(p.weights)
    np.testing.assert_allclose(P, np.linalg.multi_dot(p.weights[::-1]) if p.land.h > 1
                               else p.weights[0], rtol=1e-13)
    direct = np.sum((Yc - Xc @ P.T) ** 2) / (2 * len(Xc))
    assert p.land.loss(p.weights) == pytest.approx(direct, rel=1e-11)
    # the residual dL/dP = (P - P*) Sxx is the gradient of the sample loss in P
    residual = -(Yc - Xc @ P.T).T @ Xc / len(Xc)
    np.testing.assert_allclose(p.land.residual(p.weights), residual, rtol=1e-10,
                               atol=1e-12 * np.max(np.abs(residual)))


@pytest.mark.parametrize("seed,kind", CASES)
def test_loss_polynomial_matches_direct_evaluation(seed, kind):
    p = random_problem(seed, kind)
    land = p.land
    coeffs = land.loss_polynomial(p.weights, p.direction)
    assert coeffs.shape == (2 * land.h + 1,)
    for t in (-1.3, -0.4, 0.0, 0.25, 0.7, 1.5):
        direct = land.loss(_shift(p.weights, p.direction, t))
        assert np.polynomial.polynomial.polyval(t, coeffs) == pytest.approx(
            direct, rel=1e-10, abs=1e-12)
    # low coefficients: value, slope <g, V>, curvature 1/2 <V, H V>
    assert coeffs[0] == pytest.approx(land.loss(p.weights), rel=1e-12)
    assert coeffs[1] == pytest.approx(_inner(land.gradient(p.weights), p.direction),
                                      rel=1e-10, abs=1e-12)
    assert coeffs[2] == pytest.approx(
        0.5 * _inner(land.hvp(p.weights, p.direction), p.direction), rel=1e-10, abs=1e-12)
    # top coefficient: 1/2 ||V_h ... V_1 Sxx^{1/2}||^2, from the samples for raw data
    top = land.end_to_end(p.direction)
    if kind == "raw":
        Xc = p.X - p.X.mean(axis=0)
        expected = np.sum((Xc @ top.T) ** 2) / (2 * len(Xc))
    else:
        expected = 0.5 * np.sum(top ** 2)
    assert coeffs[-1] == pytest.approx(expected, rel=1e-10, abs=1e-14)


@pytest.mark.parametrize("seed,kind", CASES[:9])
def test_flatten_and_adjacency_round_trips(seed, kind):
    p = random_problem(seed, kind)
    land = p.land
    theta = land.flatten(p.weights)
    assert theta.shape == (land.n_params,)
    assert land.n_params == sum(a * b for a, b in land.shapes)
    for w, back in zip(p.weights, land.unflatten(theta)):
        np.testing.assert_array_equal(w, back)
    # flatten order: W_1 row-major, then W_2, ...
    np.testing.assert_array_equal(theta[:p.weights[0].size], p.weights[0].ravel())
    np.testing.assert_array_equal(land.flatten(land.unflatten(theta)), theta)
    A = land.adjacency(p.weights)
    assert A.shape == (sum(land.widths),) * 2
    for w, back in zip(p.weights, land.from_adjacency(A)):
        np.testing.assert_array_equal(w, back)
    np.testing.assert_array_equal(land.adjacency(land.from_adjacency(A)), A)


@pytest.mark.parametrize("seed", range(6))
def test_from_adjacency_rejects_every_off_pattern_block(seed):
    land = random_problem(seed, "singular_values", h=3).land
    A = land.adjacency(land.random_weights(seed=seed))
    offsets = np.cumsum((0, *land.widths))
    for a in range(land.h + 1):
        for b in range(land.h + 1):
            if a == b + 1:
                continue
            bad = A.copy()
            bad[offsets[a], offsets[b]] = 0.5
            with pytest.raises(ValueError, match=r"A must be zero off the block-shift pattern"):
                land.from_adjacency(bad)
    with pytest.raises(ValueError, match=r"A must have shape"):
        land.from_adjacency(A[:-1, :-1])


def test_invariants_are_the_hidden_blocks():
    rng = np.random.default_rng(5)
    land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0]), widths=(2, 3, 4, 2, 2))
    w = land.random_weights(seed=rng)
    C = land.invariants(w)
    assert len(C) == land.h - 1
    for j, c in enumerate(C, start=1):
        np.testing.assert_allclose(c, w[j].T @ w[j] - w[j - 1] @ w[j - 1].T, rtol=1e-15)
    one = Landscape(DataSpectrum.from_singular_values([2.0, 1.0]), widths=(2, 2))
    assert one.invariants(one.random_weights(seed=rng)) == []


@pytest.mark.parametrize("seed", range(20))
def test_critical_values_and_minimum_by_brute_force(seed):
    rng = np.random.default_rng(seed)
    m = int(rng.integers(1, 5))
    sigma = np.sort(rng.uniform(0.1, 3.0, size=m))[::-1]
    widths = (m, *rng.integers(1, 5, size=int(rng.integers(1, 4))), m)
    land = Landscape(DataSpectrum.from_singular_values(sigma), widths)
    r = min(widths)
    values = {}
    for k in range(m + 1):
        for S in itertools.combinations(range(m), k):
            expected = 0.5 * sum(sigma[i] ** 2 for i in range(m) if i not in S)
            assert land.critical_value(S) == pytest.approx(expected, rel=1e-14, abs=1e-15)
            if k <= r:
                values[S] = expected
    assert land.minimum_value() == pytest.approx(min(values.values()), rel=1e-14, abs=1e-15)
    assert land.bottleneck == r and land.max_rank == min(r, m)
    # the canonical representative of each subset is critical with that value (THEORY §2)
    for S, value in values.items():
        w = []
        for j, (rows, cols) in enumerate(land.shapes):
            wj = np.zeros((rows, cols))
            for c, i in enumerate(S):
                row = i if j == land.h - 1 else c
                col = i if j == 0 else c
                wj[row, col] = sigma[i] ** (1.0 / land.h)
            w.append(wj)
        assert land.loss(w) == pytest.approx(value, rel=1e-12, abs=1e-14)
        g = land.flatten(land.gradient(w))
        assert np.max(np.abs(g)) <= 1e-13 * land.gradient_scale


def test_scales_and_repr():
    land = Landscape(DataSpectrum.from_singular_values([4.0, 1.0]), widths=(2, 3, 2))
    assert land.scale == 4.0
    assert land.weight_scale == pytest.approx(2.0, rel=1e-15)
    assert land.gradient_scale == pytest.approx(4.0 ** 1.5, rel=1e-15)
    text = repr(land)
    assert text.startswith("Landscape(widths=(2, 3, 2), h=2, n_params=12")


# ---------------------------------------------------------------------- bad input
SPEC = DataSpectrum.from_singular_values([2.0, 1.0], d_x=3, d_y=2)


@pytest.mark.parametrize("widths,error,match", [
    ((4, 5, 2), ValueError, r"widths\[0\] must equal d_x = 3, got 4"),
    ((3, 5, 3), ValueError, r"widths\[-1\] must equal d_y = 2, got 3"),
    ((3, 2.5, 2), TypeError, r"widths\[1\] must be an integer, got 2.5"),
    ((3, 0, 2), ValueError, r"widths\[1\] must be >= 1, got 0"),
    ((3, True, 2), TypeError, r"widths\[1\] must be an integer, got True"),
    ((3,), ValueError, r"widths must hold at least 2 entries"),
    ("3,2", TypeError, r"widths must be a sequence of integers"),
    (None, TypeError, r"widths must be a sequence of integers"),
])
def test_bad_widths_raise(widths, error, match):
    with pytest.raises(error, match=match):
        Landscape(SPEC, widths)


def test_numpy_integer_widths_are_accepted():
    land = Landscape(SPEC, np.array([3, 4, 2]))
    assert land.widths == (3, 4, 2) and all(type(w) is int for w in land.widths)


def test_spectrum_must_be_a_data_spectrum():
    with pytest.raises(TypeError, match=r"spectrum must be a DataSpectrum, got list"):
        Landscape([2.0, 1.0], (2, 2))


@pytest.mark.parametrize("method", ["loss", "gradient", "flatten", "adjacency", "invariants",
                                    "end_to_end", "hessian"])
def test_bad_weights_raise(method):
    land = Landscape(SPEC, (3, 4, 2))
    good = [np.ones((4, 3)), np.ones((2, 4))]
    call = getattr(land, method)
    with pytest.raises(ValueError, match=r"weights must hold h = 2 matrices, got 1"):
        call(good[:1])
    with pytest.raises(ValueError, match=r"weights\[1\] must have shape \(2, 4\), got \(4, 2\)"):
        call([good[0], good[1].T])
    with pytest.raises(ValueError, match=r"weights\[0\] must hold finite values only"):
        call([np.full((4, 3), np.nan), good[1]])
    with pytest.raises(ValueError, match=r"weights\[0\] must hold finite values only"):
        call([good[0] * np.inf, good[1]])
    with pytest.raises(ValueError, match=r"weights\[0\] must be a 2-D array"):
        call([np.ones(12), good[1]])
    with pytest.raises(TypeError, match=r"weights must be a sequence of 2 matrices"):
        call(np.ones((2, 4, 3)))


def test_bad_direction_and_theta_raise():
    land = Landscape(SPEC, (3, 4, 2))
    good = [np.ones((4, 3)), np.ones((2, 4))]
    with pytest.raises(ValueError, match=r"direction\[0\] must have shape \(4, 3\)"):
        land.hvp(good, [np.ones((3, 3)), good[1]])
    with pytest.raises(ValueError, match=r"direction must hold h = 2 matrices"):
        land.loss_polynomial(good, good[:1])
    with pytest.raises(ValueError, match=r"theta must have length 20, got 19"):
        land.unflatten(np.ones(19))
    with pytest.raises(ValueError, match=r"theta must be a 1-D array"):
        land.unflatten(np.ones((4, 5)))
