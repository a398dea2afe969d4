"""The adjacency-matrix formulation as an oracle for the block-wise code, and its structure.

``L(A) = 1/2 ||E - A^h||^2`` with dense powers (Wendin & Altafini 2025) is evaluated in
reduced coordinates; a landscape on raw data is compared through ``spec.to_reduced``, whose
Jacobian ``J`` (a linear map of the weights) pulls the reduced gradient back as ``J^T g~``
and the Hessian as ``J^T H~ J``.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate
from scipy.stats import ortho_group

from conftest import KINDS, random_problem
from landscape import adjacency_gradient, adjacency_invariants, adjacency_loss
from landscape import DataSpectrum
from landscape import gradient_flow
from landscape import Landscape

CASES = [(seed, kind) for seed in range(12) for kind in KINDS]


def _reduced_jacobian(land: Landscape) -> np.ndarray:
    """The ``P x P`` matrix of ``spec.to_reduced`` on flat weights (identity if reduced)."""
    if land.spectrum.reduced:
        return np.eye(land.n_params)
    return np.column_stack([land.flatten(land.spectrum.to_reduced(land.unflatten(e)))
                            for e in np.eye(land.n_params)])


def _dense_gradient_derivative(A, B, E, h):
    """Exact derivative of ``-sum_k (A^T)^k (E - A^h) (A^T)^{h-1-k}`` along ``B`` (product rule)."""
    n = A.shape[0]
    P = [np.eye(n)]  # powers of A
    for _ in range(h):
        P.append(P[-1] @ A)
    Pt = [p.T for p in P]  # powers of A^T

    def d_power(k, transpose):
        """d(A^k)[B] (or of (A^T)^k)."""
        out = np.zeros((n, n))
        for l in range(k):
            out += (Pt[l] @ B.T @ Pt[k - 1 - l]) if transpose else (P[l] @ B @ P[k - 1 - l])
        return out

    R = E - P[h]
    dR = -d_power(h, False)
    total = np.zeros((n, n))
    for k in range(h):
        total += (d_power(k, True) @ R @ Pt[h - 1 - k] + Pt[k] @ dR @ Pt[h - 1 - k]
                  + Pt[k] @ R @ d_power(h - 1 - k, True))
    return -total


@pytest.mark.parametrize("seed,kind", CASES)
def test_loss_and_gradient_match_adjacency_oracle(seed, kind):
    p = random_problem(seed, kind)
    land = p.land
    E = land.adjacency_target()
    J = _reduced_jacobian(land)
    A = land.adjacency(land.unflatten(J @ land.flatten(p.weights)))
    expected_loss = adjacency_loss(A, E, land.h) + land.spectrum.loss_offset
    assert land.loss(p.weights) == pytest.approx(expected_loss, rel=1e-11)
    G = adjacency_gradient(A, E, land.h)
    # the gradient lies exactly on the block-shift pattern, no mask needed
    assert np.all(G[~land.pattern_mask()] == 0)
    expected = J.T @ land.flatten(land.from_adjacency(G))
    got = land.flatten(land.gradient(p.weights))
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-11 * np.max(np.abs(expected)))


@pytest.mark.parametrize("seed,kind", CASES)
def test_hvp_matches_adjacency_oracle(seed, kind):
    p = random_problem(seed, kind)
    land = p.land
    J = _reduced_jacobian(land)
    A = land.adjacency(land.unflatten(J @ land.flatten(p.weights)))
    B = land.adjacency(land.unflatten(J @ land.flatten(p.direction)))
    D = _dense_gradient_derivative(A, B, land.adjacency_target(), land.h)
    assert np.all(D[~land.pattern_mask()] == 0)
    expected = J.T @ land.flatten(land.from_adjacency(D))
    got = land.flatten(land.hvp(p.weights, p.direction))
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-11 * np.max(np.abs(expected)))


@pytest.mark.parametrize("seed", range(12))
def test_powers_of_adjacency_are_the_chain(seed):
    land = random_problem(seed, "singular_values").land
    w = land.random_weights(seed=seed)
    A = land.adjacency(w)
    offsets = np.cumsum((0, *land.widths))
    Ah = np.linalg.matrix_power(A, land.h)
    block = Ah[offsets[land.h]:, :offsets[1]]
    np.testing.assert_allclose(block, land.end_to_end(w), rtol=1e-12, atol=1e-14)
    Ah[offsets[land.h]:, :offsets[1]] = 0
    assert np.all(Ah == 0)
    assert np.all(np.linalg.matrix_power(A, land.h + 1) == 0)
    # A^T A - A A^T is block diagonal with the conserved C_j as its hidden blocks
    M = adjacency_invariants(A)
    for a in range(land.h + 1):
        for b in range(land.h + 1):
            if a != b:
                assert np.all(M[offsets[a]:offsets[a + 1], offsets[b]:offsets[b + 1]] == 0)
    for j, C in enumerate(land.invariants(w), start=1):
        np.testing.assert_allclose(M[offsets[j]:offsets[j + 1], offsets[j]:offsets[j + 1]], C,
                                   rtol=1e-14, atol=1e-14)


def _pattern_problem(seed):
    rng = np.random.default_rng(seed)
    h = 2 + seed % 4
    widths = tuple(int(d) for d in rng.integers(1, 5, size=h + 1))
    m = min(widths[0], widths[-1])
    spec = DataSpectrum.from_singular_values(rng.uniform(0.5, 2.0, size=m),
                                             d_x=widths[0], d_y=widths[-1])
    land = Landscape(spec, widths)
    return land, land.adjacency(land.random_weights(scale=0.8, seed=rng))


@pytest.mark.parametrize("seed", range(8))
def test_gradient_descent_in_dense_form_keeps_pattern_and_nilpotency_exactly(seed):
    land, A = _pattern_problem(seed)
    E, h = land.adjacency_target(), land.h
    mask = land.pattern_mask()
    start = adjacency_loss(A, E, h)
    for _ in range(200):
        A = A - 0.02 * adjacency_gradient(A, E, h)
        assert np.all(A[~mask] == 0)
        assert np.all(np.linalg.matrix_power(A, h + 1) == 0)
    assert adjacency_loss(A, E, h) < start


@pytest.mark.parametrize("seed", range(8))
def test_flow_in_dense_form_keeps_pattern_and_nilpotency_exactly(seed):
    land, A0 = _pattern_problem(seed)
    E, h, n = land.adjacency_target(), land.h, land.n_nodes
    mask = land.pattern_mask()

    def rhs(_t, y):
        return -adjacency_gradient(y.reshape(n, n), E, h).ravel()

    # the library's flow, block by block, to t = 3 (or to convergence)
    res = gradient_flow(land, land.from_adjacency(A0), t_max=3.0, record=[3.0], rtol=1e-11)
    sol = integrate.solve_ivp(rhs, (0.0, res.t[-1]), A0.ravel(), method="DOP853", rtol=1e-9,
                              atol=1e-12)
    assert sol.success
    for y in sol.y.T:
        A = y.reshape(n, n)
        assert np.all(A[~mask] == 0)
        assert np.all(np.linalg.matrix_power(A, h + 1) == 0)
    np.testing.assert_allclose(land.adjacency(res.weights), sol.y[:, -1].reshape(n, n),
                               rtol=0, atol=1e-6)


@pytest.mark.parametrize("kind", ["singular_values", "raw"])
def test_library_flow_trajectory_is_a_nilpotent_block_shift(kind):
    p = random_problem(5, kind)
    land = p.land
    res = gradient_flow(land, p.weights, t_max=2.0, record_weights=True)
    offsets = np.cumsum((0, *land.widths))
    assert res.trajectory.shape == (res.t.size, land.n_params)
    for theta in res.trajectory:
        w = land.unflatten(theta)
        A = land.adjacency(w)
        assert np.all(A[~land.pattern_mask()] == 0)
        assert np.all(np.linalg.matrix_power(A, land.h + 1) == 0)
        np.testing.assert_allclose(
            np.linalg.matrix_power(A, land.h)[offsets[-2]:, :offsets[1]], land.end_to_end(w),
            rtol=1e-12, atol=1e-12)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2 ** 32 - 1), h=st.integers(2, 4))
def test_hidden_layer_symmetry_and_equivariance(seed, h):
    # THEORY §1: A -> T A T^{-1}, T = blkdiag(I, G_1, ..., G_{h-1}, I), keeps A^h and L;
    # for orthogonal G_j the gradient is equivariant.
    rng = np.random.default_rng(seed)
    widths = tuple(int(d) for d in rng.integers(1, 4, size=h + 1))
    spec = DataSpectrum.from_singular_values(rng.uniform(0.5, 2.0, size=min(widths[0], widths[-1])),
                                             d_x=widths[0], d_y=widths[-1])
    land = Landscape(spec, widths)
    w = land.random_weights(seed=rng)
    blocks_gl = [np.eye(widths[0])] + [
        rng.standard_normal((d, d)) + 2 * np.eye(d) for d in widths[1:-1]] + [np.eye(widths[-1])]
    moved = [blocks_gl[j + 1] @ w[j] @ np.linalg.inv(blocks_gl[j]) for j in range(h)]
    np.testing.assert_allclose(land.end_to_end(moved), land.end_to_end(w), rtol=1e-8,
                               atol=1e-10)
    assert land.loss(moved) == pytest.approx(land.loss(w), rel=1e-8)
    orth = [np.eye(widths[0])] + [
        ortho_group.rvs(d, random_state=rng) if d > 1 else np.array([[-1.0]])
        for d in widths[1:-1]] + [np.eye(widths[-1])]
    rotated = [orth[j + 1] @ w[j] @ orth[j].T for j in range(h)]
    for g, g_rot, j in zip(land.gradient(w), land.gradient(rotated), range(h)):
        np.testing.assert_allclose(g_rot, orth[j + 1] @ g @ orth[j].T, rtol=1e-10, atol=1e-12)
    # the orbit tangent dW_j = X_j W_j - W_j X_{j-1} (X_0 = X_h = 0) is orthogonal to the gradient
    gens = [np.zeros((widths[0],) * 2)] + [rng.standard_normal((d, d)) for d in widths[1:-1]] \
        + [np.zeros((widths[-1],) * 2)]
    tangent = [gens[j + 1] @ w[j] - w[j] @ gens[j] for j in range(h)]
    slope = sum(float(np.sum(g * t)) for g, t in zip(land.gradient(w), tangent))
    assert abs(slope) <= 1e-12 * (1 + sum(np.sum(np.abs(t)) for t in tangent)) * land.gradient_scale


@pytest.mark.parametrize("call", [adjacency_loss, adjacency_gradient])
def test_adjacency_functions_reject_bad_input(call):
    A = np.zeros((4, 4))
    with pytest.raises(ValueError, match=r"A must be square, got shape \(4, 3\)"):
        call(A[:, :3], A[:, :3], 2)
    with pytest.raises(ValueError, match=r"E must have shape \(4, 4\), got \(3, 3\)"):
        call(A, A[:3, :3], 2)
    with pytest.raises(ValueError, match=r"h must be >= 1, got 0"):
        call(A, A, 0)
    with pytest.raises(TypeError, match=r"h must be an integer, got 2.0"):
        call(A, A, 2.0)
    with pytest.raises(ValueError, match=r"A must hold finite values only"):
        call(np.full((4, 4), np.nan), A, 2)
