"""Gradient flow and gradient descent: conservation laws, Lyapunov rate, exact one-mode solution.

Oracles: the conserved ``C_j`` (THEORY §1), the exact per-step change of ``C_j`` under
gradient descent, ``dL/dt = -||grad L||^2`` by finite differences in time, the closed-form
one-mode trajectory (Saxe et al. 2014) against ``scipy.integrate.quad`` and an independent
scalar ODE solve.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from scipy import integrate

from conftest import random_problem, sample_data
from landscape import adjacency_invariants
from landscape import DataSpectrum
from landscape import (FlowError, FlowResult, FlowStatus, gradient_flow, one_mode_time,
                            one_mode_weight, plateaus)
from landscape import Landscape

FLOW_CASES = [(seed, kind) for seed in (1, 2, 3, 5, 7, 9, 11) for kind in ("singular_values", "raw")]


def _relative_change(before, after) -> float:
    scale = max(float(np.linalg.norm(b)) for b in before)
    return max(float(np.linalg.norm(a - b)) for a, b in zip(after, before)) / scale


@pytest.mark.parametrize("seed,kind", FLOW_CASES)
def test_invariants_are_conserved_along_the_flow(seed, kind):
    p = random_problem(seed, kind)
    land = p.land
    res = gradient_flow(land, p.weights, t_max=20.0)
    assert isinstance(res, FlowResult)
    assert res.coordinates == ("reduced" if kind == "singular_values" else "data")
    assert res.invariant_drift[0] == 0.0
    assert res.invariant_drift.max() <= 1e-8
    if land.h >= 2:
        c0, c1 = land.invariants(p.weights), land.invariants(res.weights)
        assert _relative_change(c0, c1) <= 1e-8
        # while the input and output blocks of A^T A - A A^T move
        M0 = adjacency_invariants(land.adjacency(p.weights))
        M1 = adjacency_invariants(land.adjacency(res.weights))
        d0, dh = land.widths[0], land.widths[-1]
        for block in (np.s_[:d0, :d0], np.s_[-dh:, -dh:]):
            assert np.linalg.norm(M1[block] - M0[block]) >= 1e-4 * np.linalg.norm(M0[block])
    # the loss never increases and the record is consistent with the final weights
    assert np.all(np.diff(res.loss) <= 1e-12 * res.loss[0])
    assert res.loss[-1] == pytest.approx(land.loss(res.weights), rel=1e-14)


@pytest.mark.parametrize("method", ["DOP853", "Radau", "LSODA"])
@pytest.mark.parametrize("seed", [1, 3])
def test_invariants_are_conserved_by_every_integrator(seed, method):
    p = random_problem(seed, "raw")
    res = gradient_flow(p.land, p.weights, t_max=2.0, method=method)
    assert res.method == method
    assert res.invariant_drift.max() <= 1e-8
    assert _relative_change(p.land.invariants(p.weights), p.land.invariants(res.weights)) <= 1e-8


@pytest.mark.parametrize("seed", [2, 3, 4, 5])
def test_gradient_descent_changes_invariants_at_second_order(seed):
    # One step W <- W - eta G changes C_j by exactly eta^2 (G_{j+1}^T G_{j+1} - G_j G_j^T):
    # the first-order term vanishes because C_j is conserved by the flow.
    p = random_problem(seed, "singular_values", h=2 + seed % 5)
    land = p.land
    G = land.gradient(p.weights)
    c0 = land.invariants(p.weights)
    changes = []
    for eta in (1e-2, 5e-3, 2.5e-3):
        res = gradient_flow(land, p.weights, method="gd", step=eta, t_max=eta,
                            record_weights=True)
        assert res.t.tolist() == [0.0, eta] and res.n_evaluations == 1
        c1 = land.invariants(land.unflatten(res.trajectory[1]))
        for j in range(land.h - 1):
            expected = eta ** 2 * (G[j + 1].T @ G[j + 1] - G[j] @ G[j].T)
            np.testing.assert_allclose(c1[j] - c0[j], expected, rtol=0,
                                       atol=1e-12 * (1 + np.max(np.abs(c0[j]))))
        changes.append(max(np.linalg.norm(a - b) for a, b in zip(c1, c0)))
    for big, small in zip(changes, changes[1:]):
        assert big / small == pytest.approx(4.0, rel=1e-3)


@pytest.mark.parametrize("seed,kind", [(2, "singular_values"), (4, "raw"), (5, "singular_values")])
def test_loss_decreases_at_rate_gradient_norm_squared(seed, kind):
    p = random_problem(seed, kind)
    land = p.land
    loss, grads = land.loss_and_gradient(p.weights)
    t_max = 0.2 * loss / sum(float(np.sum(g * g)) for g in grads)  # a fifth of L / |dL/dt|
    times = np.linspace(0.0, t_max, 201)
    res = gradient_flow(land, p.weights, t_max=t_max, record=times, rtol=1e-12)
    assert res.status is FlowStatus.T_MAX
    np.testing.assert_array_equal(res.t, times)
    dt = times[1] - times[0]
    L = res.loss
    rate = (L[:-4] - 8 * L[1:-3] + 8 * L[3:-1] - L[4:]) / (12 * dt)  # O(dt^4) stencil
    expected = -res.gradient_norm[2:-2] ** 2
    np.testing.assert_allclose(rate, expected, rtol=0, atol=1e-5 * np.max(np.abs(expected)))
    # recorded gradient norms are those of the recorded weights
    res = gradient_flow(land, p.weights, t_max=t_max, record=times[::50], record_weights=True)
    for theta, norm in zip(res.trajectory, res.gradient_norm):
        assert norm == pytest.approx(np.linalg.norm(land.flat_gradient(theta)), rel=1e-12)


def _one_mode_start(land, mode, unit, a0):
    w = [np.zeros(s) for s in land.shapes]
    for j in range(land.h):
        w[j][mode if j == land.h - 1 else unit, mode if j == 0 else unit] = a0
    return w


@pytest.mark.parametrize("h", [2, 3, 4])
def test_flow_from_one_mode_start_matches_closed_form(h):
    sigma = np.array([3.0, 2.0, 1.0])
    land = Landscape(DataSpectrum.from_singular_values(sigma), (3, *[4] * (h - 1), 3))
    mode, unit, a0 = 1, 2, 0.3
    w0 = _one_mode_start(land, mode, unit, a0)
    times = np.linspace(0.0, 12.0, 49)
    res = gradient_flow(land, w0, t_max=12.0, record=times, record_weights=True)
    assert res.status is FlowStatus.T_MAX  # the other modes are never learnt
    exact = np.array([one_mode_weight(t, a0=a0, sigma=sigma[mode], h=h) for t in times])
    path = _one_mode_start(land, mode, unit, 1.0)
    for theta, a in zip(res.trajectory, exact):
        w = land.unflatten(theta)
        for j in range(h):
            assert w[j][path[j] == 1][0] == pytest.approx(a, rel=1e-6)
            assert np.all(w[j][path[j] == 0] == 0)  # the path subspace is invariant
    assert exact[-1] == pytest.approx(sigma[mode] ** (1 / h), rel=1e-6)  # it learnt the mode
    assert res.loss[-1] == pytest.approx(land.critical_value([mode]), rel=1e-8)


@pytest.mark.parametrize("h", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("a0,sigma", [(0.3, 2.0), (0.05, 1.5), (0.9, 1.0)])
def test_one_mode_weight_solves_the_scalar_ode(h, a0, sigma):
    if a0 >= sigma ** (1 / h):
        pytest.skip("start beyond the fixed point")
    times = np.linspace(0.0, 60.0, 121)
    sol = integrate.solve_ivp(lambda _t, a: a ** (h - 1) * (sigma - a ** h), (0.0, 60.0), [a0],
                              method="DOP853", rtol=1e-13, atol=1e-16, t_eval=times)
    exact = np.array([one_mode_weight(t, a0=a0, sigma=sigma, h=h) for t in times])
    np.testing.assert_allclose(exact, sol.y[0], rtol=1e-9)
    assert one_mode_weight(0.0, a0=a0, sigma=sigma, h=h) == a0
    assert np.all(np.diff(exact) >= 0) and np.all(exact <= sigma ** (1 / h))


@pytest.mark.parametrize("h", [1, 2, 3, 4, 6])
@pytest.mark.parametrize("sigma", [0.5, 2.0, 7.0])
def test_one_mode_time_matches_quadrature_and_inverts_weight(h, sigma):
    top = sigma ** (1 / h)
    a0 = 0.1 * top

    def integrand(y):
        # dx / (x^{h-1} (sigma - x^h)) with x = top (1 - e^{-y}): smooth up to x = top
        x = -top * np.expm1(-y)
        return top * np.exp(-y) / (x ** (h - 1) * -sigma * np.expm1(h * np.log1p(-np.exp(-y))))

    for frac in (0.2, 0.5, 0.9, 0.999, 1 - 1e-7):
        a = frac * top
        t = one_mode_time(a, a0=a0, sigma=sigma, h=h)
        direct = integrate.quad(lambda x: 1.0 / (x ** (h - 1) * (sigma - x ** h)), a0, a,
                                epsabs=0, epsrel=1e-10, limit=200)[0]
        assert t == pytest.approx(direct, rel=1e-9)
        smooth = integrate.quad(integrand, -np.log1p(-a0 / top), -np.log1p(-frac), epsabs=0,
                                epsrel=1e-12, limit=200)[0]
        assert t == pytest.approx(smooth, rel=1e-9)
        assert one_mode_weight(t, a0=a0, sigma=sigma, h=h) == pytest.approx(a, rel=1e-10)
    # backwards in time is negative
    assert one_mode_time(0.5 * a0, a0=a0, sigma=sigma, h=h) < 0


@pytest.mark.parametrize("a0,a", [(0.01, 1.0), (0.5, 1.2), (1.0, 1.4)])
def test_one_mode_time_h2_is_the_saxe_log_formula(a0, a):
    sigma = 2.5
    expected = np.log(a ** 2 * (sigma - a0 ** 2) / (a0 ** 2 * (sigma - a ** 2))) / (2 * sigma)
    assert one_mode_time(a, a0=a0, sigma=sigma, h=2) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("h", [3, 4, 5])
def test_escape_time_from_small_start_is_algebraic(h):
    sigma = 1.7
    target = (0.5 * sigma) ** (1 / h)
    errors = []
    for a0 in (1e-2, 1e-3, 1e-4):
        t = one_mode_time(target, a0=a0, sigma=sigma, h=h)
        errors.append(abs(t * (h - 2) * sigma * a0 ** (h - 2) - 1))
    assert errors[-1] < 1e-3
    assert errors[0] > errors[1] > errors[2]


def test_one_mode_functions_reject_bad_input():
    with pytest.raises(ValueError, match=r"a0 must lie in \(0, sigma\^\(1/h\)\) = \(0, 2\), got 2.0"):
        one_mode_weight(1.0, a0=2.0, sigma=4.0, h=2)
    with pytest.raises(ValueError, match=r"a0 must be > 0, got 0.0"):
        one_mode_weight(1.0, a0=0.0, sigma=4.0, h=2)
    with pytest.raises(ValueError, match=r"sigma must be > 0, got -1.0"):
        one_mode_time(0.5, a0=0.1, sigma=-1.0, h=2)
    with pytest.raises(TypeError, match=r"h must be an integer, got 2.0"):
        one_mode_time(0.5, a0=0.1, sigma=1.0, h=2.0)
    with pytest.raises(ValueError, match=r"a must lie in \(0, sigma\^\(1/h\)\)"):
        one_mode_time(1.5, a0=0.1, sigma=1.0, h=2)
    with pytest.raises(ValueError, match=r"t must be finite and >= 0, got -1.0"):
        one_mode_weight(-1.0, a0=0.1, sigma=1.0, h=2)
    with pytest.raises(ValueError, match=r"t must be finite and >= 0, got nan"):
        one_mode_weight(np.nan, a0=0.1, sigma=1.0, h=2)


def test_only_a_whitened_input_makes_data_and_reduced_flows_agree():
    # THEORY §1: the flows agree only when Sxx is proportional to the identity (here Sxx = I).
    rng = np.random.default_rng(11)
    X, Y = sample_data(rng, 40, 3, 2)
    white_X = np.linalg.qr(X - X.mean(axis=0))[0] * np.sqrt(len(X))
    for X_, agree in ((white_X, True), (X, False)):
        raw = Landscape(DataSpectrum.from_data(X_, Y), (3, 3, 2))
        red = Landscape(DataSpectrum.from_data(X_, Y, whiten=True), (3, 3, 2))
        w0 = raw.random_weights(seed=1)
        a = gradient_flow(raw, w0, t_max=0.3, record=[0.3])
        b = gradient_flow(red, raw.spectrum.to_reduced(w0), t_max=0.3, record=[0.3])
        assert (a.coordinates, b.coordinates) == ("data", "reduced")
        mapped = raw.spectrum.to_reduced(a.weights)
        gap = max(float(np.max(np.abs(m - w))) for m, w in zip(mapped, b.weights))
        assert (gap <= 1e-8) is agree


def test_saddle_to_saddle_plateaus_sit_at_critical_values():
    # From a small balanced start (h = 3), the flow rests near L_{}, then L_{0}, then L_{0,1}.
    sigma = np.array([3.0, 1.0])
    land = Landscape(DataSpectrum.from_singular_values(sigma), (2, 2, 2, 2))
    w0 = [1e-3 * np.eye(2)] * 3
    res = gradient_flow(land, w0)
    assert res.status is FlowStatus.CONVERGED and res.success
    found = [p.loss for p in plateaus(land, res, grad_tol=1e-3)]
    expected = [land.critical_value(S) for S in [(), (0,), (0, 1)]]
    assert len(found) == 3
    np.testing.assert_allclose(found, expected, rtol=0, atol=1e-2)
    assert res.invariant_drift.max() <= 1e-8


# ---------------------------------------------------------------------- statuses
def _small_problem():
    land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0]), (2, 3, 2))
    return land, land.random_weights(seed=0)


def test_statuses():
    land, w0 = _small_problem()
    done = gradient_flow(land, w0)
    assert done.status is FlowStatus.CONVERGED and done.success
    assert done.loss[-1] - land.minimum_value() <= 1.01e-10 * 0.5 * (4 + 1)
    assert repr(done).startswith("FlowResult(status='converged'")
    short = gradient_flow(land, w0, t_max=1e-2)
    assert short.status is FlowStatus.T_MAX and not short.success
    assert short.t[-1] == pytest.approx(1e-2, rel=1e-12)
    descent = gradient_flow(land, w0, method="gd", step=0.05)
    assert descent.status is FlowStatus.CONVERGED and descent.method == "gd"
    np.testing.assert_allclose(descent.t, 0.05 * np.arange(descent.t.size), rtol=1e-12)
    blown = gradient_flow(land, w0, method="gd", step=50.0)
    assert blown.status is FlowStatus.FAILED and "diverged" in blown.message
    assert np.all(np.isfinite(blown.loss))
    with pytest.raises(FlowError, match=r"did not converge"):
        gradient_flow(land, w0, t_max=1e-2, throw=True)
    with pytest.raises(FlowError, match=r"diverged"):
        gradient_flow(land, w0, method="gd", step=50.0, throw=True)
    # a start at a global minimum has converged already
    root = np.sqrt([[2.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    at_min = gradient_flow(land, [root, root.T])
    assert at_min.status is FlowStatus.CONVERGED and at_min.t.tolist() == [0.0]


def test_flow_converging_before_the_first_requested_time():
    land, w0 = _small_problem()
    res = gradient_flow(land, w0, t_max=1e6, record=[1e5, 1e6], record_weights=True)
    assert res.status is FlowStatus.CONVERGED
    assert res.t.size == 2 and res.t[0] == 0.0 and 0 < res.t[1] < 1e5
    assert res.trajectory.shape == (2, land.n_params)
    assert res.loss[-1] <= land.minimum_value() + 1.01e-10 * 0.5 * (4 + 1)


def test_gradient_descent_records_requested_times():
    land, w0 = _small_problem()
    res = gradient_flow(land, w0, method="gd", step=0.01, t_max=0.5, record=[0.1, 0.25, 0.5])
    np.testing.assert_allclose(res.t, [0.0, 0.1, 0.25, 0.5], rtol=1e-12)
    assert res.status is FlowStatus.T_MAX


@pytest.mark.parametrize("kwargs,error,match", [
    (dict(t_max=0.0), ValueError, r"t_max must be > 0, got 0.0"),
    (dict(t_max=-1.0), ValueError, r"t_max must be > 0, got -1.0"),
    (dict(t_max=np.inf), ValueError, r"t_max must be finite"),
    (dict(t_max="10"), TypeError, r"t_max must be a real number, got '10'"),
    (dict(method="euler"), ValueError, r"method must be one of .*'DOP853'.*, got 'euler'"),
    (dict(method="gd"), ValueError, r"step must be given \(a positive float\) for method='gd'"),
    (dict(method="gd", step=-0.1), ValueError, r"step must be > 0, got -0.1"),
    (dict(method="gd", step=0.0), ValueError, r"step must be > 0, got 0.0"),
    (dict(rtol=0.0), ValueError, r"rtol must be > 0, got 0.0"),
    (dict(loss_tol=-1.0), ValueError, r"loss_tol must be > 0, got -1.0"),
    (dict(max_steps=0), ValueError, r"max_steps must be >= 1, got 0"),
    (dict(record=[0.5, 20.0], t_max=10.0), ValueError,
     r"record must be 'steps' or increasing times in \[0, t_max\]"),
    (dict(record=[-1.0, 1.0]), ValueError, r"record must be 'steps' or increasing times"),
    (dict(record=[2.0, 1.0]), ValueError, r"record must be 'steps' or increasing times"),
    (dict(record=[1.0, 1.0]), ValueError, r"record must be 'steps' or increasing times"),
    (dict(record=[]), ValueError, r"record must be 'steps' or increasing times"),
    (dict(record=[[1.0, 2.0]]), ValueError, r"record must be 'steps' or increasing times"),
])
def test_bad_flow_arguments_raise(kwargs, error, match):
    land, w0 = _small_problem()
    with pytest.raises(error, match=match):
        gradient_flow(land, w0, **kwargs)


def test_bad_flow_problem_raises():
    land, w0 = _small_problem()
    with pytest.raises(TypeError, match=r"land must be a Landscape, got list"):
        gradient_flow([1.0], w0)
    with pytest.raises(ValueError, match=r"weights0 must hold h = 2 matrices, got 1"):
        gradient_flow(land, w0[:1])
    with pytest.raises(ValueError, match=r"weights0\[1\] must have shape \(2, 3\)"):
        gradient_flow(land, [w0[0], w0[1].T])
    with pytest.raises(ValueError, match=r"grad_tol must be > 0"):
        plateaus(land, gradient_flow(land, w0, t_max=0.1), grad_tol=0.0)


def test_default_end_point_is_critical_enough_to_canonicalize():
    """||grad L||^2 <= 2 lambda_max (L - L_min): the default tol leaves a gradient below CRITICAL_TOL."""
    from landscape import CRITICAL_TOL, relative_gradient_norm
    from landscape import canonicalize

    rng = np.random.default_rng(21)
    for _ in range(6):
        h = int(rng.integers(2, 5))
        m = int(rng.integers(2, 4))
        sigma = np.sort(rng.uniform(0.2, 3.0, m))[::-1]
        widths = (m, *(int(rng.integers(m, m + 3)) for _ in range(h - 1)), m)
        land = Landscape(DataSpectrum.from_singular_values(sigma), widths)
        result = gradient_flow(land, land.random_weights(scale=1.0, seed=rng))
        assert relative_gradient_norm(land, result.weights) <= 0.5 * CRITICAL_TOL
        assert canonicalize(land, result.weights).subset == tuple(range(m))


@pytest.mark.parametrize("h", [1, 2, 3, 4, 5])
def test_one_mode_time_is_exact_up_to_the_learnt_weight(h):
    """Against quadrature away from sigma^(1/h), and the log asymptote next to it.

    Near u = sigma, dt/du = 1 / (h u^{2-2/h} (sigma - u)) ~ 1 / (h sigma^{3-2/h} w) with
    w = 1 - u/sigma, so t(w1) - t(w2) -> ln(w2 / w1) / (h sigma^{2-2/h}).
    """
    sigma, a0 = 2.0, 0.1
    top = sigma ** (1.0 / h)
    for a in top * np.array([0.3, 0.6, 0.9, 0.99, 1 - 1e-6]):
        expected, _ = integrate.quad(lambda x: 1.0 / (x ** (h - 1) * (sigma - x ** h)), a0, a,
                                     limit=200, epsabs=0.0, epsrel=1e-13)
        assert one_mode_time(a, a0=a0, sigma=sigma, h=h) == pytest.approx(expected, rel=1e-11)
    near = [top * (1 - eps) for eps in (1e-8, 1e-11, 1e-14)]
    times = [one_mode_time(a, a0=a0, sigma=sigma, h=h) for a in near]
    assert np.all(np.isfinite(times)) and np.all(np.diff(times) > 0)
    # 1 - (a/top)^h of the floats a and top, in exact rational arithmetic
    w = [float(1 - (Fraction(a) / Fraction(top)) ** h) for a in near[:2]]
    assert times[1] - times[0] == pytest.approx(
        np.log(w[0] / w[1]) / (h * sigma ** (2 - 2 / h)), rel=1e-6)
    assert one_mode_weight(times[1], a0=a0, sigma=sigma, h=h) == pytest.approx(near[1],
                                                                                rel=1e-14)
