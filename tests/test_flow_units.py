"""The flow's units make it scale-free: rescaling the data ``X -> a X``, ``Y -> b Y`` maps flows
onto flows (``L_{aX,bY}(c W) = b^2 L_{X,Y}(W)`` with ``c = (b/a)^{1/h}``, time divided by
``b^{2-2/h} a^{2/h}``), and the library integrates both alike, for ``a, b`` from ``1e-150`` to
``1e150``: ``gradient_flow`` from any start, and ``DeepLinearRegressor`` from its own."""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_diabetes, load_linnerud

from landscape import (DataSpectrum, DeepLinearRegressor, FlowStatus, Landscape, flow_time,
                       gradient_flow, gradient_unit, time_unit, weight_unit)

#: Input scales ``a`` over the whole range; target scales ``b`` keep ``sigma_1`` inside
#: ``[MIN_SIGMA, MAX_SIGMA]`` (``sigma`` scales with ``b`` alone).
INPUT_SCALES = st.sampled_from([1e-150, 1e-100, 1e-6, 1.0, 1e3, 1e100, 1e150])
TARGET_SCALES = st.sampled_from([1e-100, 1e-6, 1.0, 1e3, 1e100])


def random_problem(seed: int):
    """Correlated inputs of unequal scales and noisy targets: ``(X, Y, hidden widths)``."""
    rng = np.random.default_rng(seed)
    d_x, d_y = rng.integers(2, 5), rng.integers(1, 4)
    X = rng.standard_normal((40, d_x)) @ rng.standard_normal((d_x, d_x)) * rng.uniform(0.1, 10)
    Y = X @ rng.standard_normal((d_x, d_y)) + 0.1 * rng.standard_normal((40, d_y))
    depth = int(rng.integers(2, 5))
    return X, Y, tuple(int(w) for w in rng.integers(2, 5, size=depth - 1))


def factors(a: float, b: float, h: int) -> tuple[float, float]:
    """``(c, time factor)`` of the rescaling ``X -> a X``, ``Y -> b Y`` at depth ``h``."""
    return (b / a) ** (1.0 / h), b ** (2.0 - 2.0 / h) * a ** (2.0 / h)


@pytest.mark.parametrize("seed", range(6))
def test_the_loss_of_rescaled_data_at_rescaled_weights_is_rescaled(seed):
    """The symmetry the units rest on, checked on the loss itself (not on the flow)."""
    X, Y, hidden = random_problem(seed)
    a, b = 10.0 ** np.random.default_rng(seed).uniform(-100, 100, size=2)
    plain = Landscape(DataSpectrum.from_data(X, Y), (X.shape[1], *hidden, Y.shape[1]))
    scaled = Landscape(DataSpectrum.from_data(a * X, b * Y), plain.widths)
    c, _ = factors(a, b, plain.h)
    weights = plain.random_weights(seed=seed)
    assert scaled.loss([c * w for w in weights]) == pytest.approx(b ** 2 * plain.loss(weights),
                                                                 rel=1e-9)
    assert weight_unit(scaled) == pytest.approx(c * weight_unit(plain), rel=1e-12)
    assert gradient_unit(scaled) == pytest.approx(b ** 2 / c * gradient_unit(plain), rel=1e-12)
    assert time_unit(scaled) * factors(a, b, plain.h)[1] == pytest.approx(time_unit(plain),
                                                                          rel=1e-12)


def test_units_are_the_reduced_scales_in_reduced_coordinates():
    for sigma, h in [(4.0, 2), (2.0, 3), (1e-3, 5)]:
        land = Landscape(DataSpectrum.from_singular_values([sigma, sigma / 2]), (2,) * (h + 1))
        assert weight_unit(land) == pytest.approx(land.weight_scale, rel=1e-15)
        assert gradient_unit(land) == pytest.approx(land.gradient_scale, rel=1e-15)
        assert time_unit(land) == pytest.approx(sigma ** (-(2 - 2 / h)), rel=1e-15)


def test_the_input_scale_is_the_square_root_of_the_largest_input_variance():
    X, Y, _ = random_problem(0)
    spec = DataSpectrum.from_data(X, Y)
    Xc = X - X.mean(axis=0)
    top = np.linalg.eigvalsh(Xc.T @ Xc / len(X))[-1]
    assert spec.input_scale == pytest.approx(np.sqrt(top), rel=1e-12)
    assert DataSpectrum.from_data(X, Y, whiten=True).input_scale == 1.0


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2 ** 16), a=INPUT_SCALES, b=TARGET_SCALES)
@example(seed=0, a=1e150, b=1.0)
@example(seed=1, a=1e-150, b=1e100)
def test_gradient_flow_of_rescaled_data_is_the_rescaled_flow(seed, a, b):
    X, Y, hidden = random_problem(seed)
    plain = Landscape(DataSpectrum.from_data(X, Y), (X.shape[1], *hidden, Y.shape[1]))
    scaled = Landscape(DataSpectrum.from_data(a * X, b * Y), plain.widths)
    c, factor = factors(a, b, plain.h)
    start = plain.random_weights(scale=0.3 * weight_unit(plain), seed=seed)
    times = np.linspace(0.0, 20.0, 9) * time_unit(plain)
    ours = gradient_flow(plain, start, t_max=times[-1], record=times, rtol=1e-10,
                         record_weights=True)
    theirs = gradient_flow(scaled, [c * w for w in start], t_max=times[-1] / factor,
                           record=times / factor, rtol=1e-10, record_weights=True)
    assert ours.status is theirs.status
    n = min(ours.t.size, theirs.t.size)
    assert n >= 2
    np.testing.assert_allclose(theirs.t[:n] * factor, ours.t[:n], rtol=1e-12)
    size = np.abs(ours.trajectory[:n]).max()
    np.testing.assert_allclose(theirs.trajectory[:n] / c, ours.trajectory[:n],
                               atol=1e-6 * size)
    np.testing.assert_allclose(theirs.loss[:n] / b ** 2, ours.loss[:n], rtol=1e-6)
    np.testing.assert_allclose(theirs.singular_values[:n] / b, ours.singular_values[:n],
                               atol=1e-6 * ours.singular_values.max())


def fit(X, Y, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a ConvergenceWarning fails the test
        return DeepLinearRegressor(**{"widths": (3, 3), "init_scale": 0.05, "random_state": 0,
                                      "t_max": 1e6, **params}).fit(X, Y)


@functools.cache
def linnerud_fit(solver: tuple) -> DeepLinearRegressor:
    """The fit of the unscaled linnerud data, once per solver."""
    return fit(*load_linnerud(return_X_y=True), **dict(solver))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(a=INPUT_SCALES, b=TARGET_SCALES, solver=st.sampled_from([{}, {"balanced": True},
                                                    {"solver": "gd", "learning_rate": 0.2,
                                                     "loss_tol": 1e-6}]))
@example(a=1e150, b=1.0, solver={})
@example(a=1e100, b=1.0, solver={})
@example(a=1e-150, b=1e-100, solver={"balanced": True})
def test_the_estimator_is_scale_free(a, b, solver):
    """``fit(aX, bY)`` is ``fit(X, Y)`` rescaled: coefficients by ``b/a``, flow time by the
    time factor, the same critical path; it neither hangs nor warns. The weights then scale
    by ``(b/a)^{1/3}`` and the Hessian's blocks by ``(b/a)^{4/3}``, which double precision
    holds for ``b/a`` within ``1e±200``."""
    assume(abs(np.log10(b / a)) <= 200)
    X, Y = load_linnerud(return_X_y=True)
    plain, scaled = linnerud_fit(tuple(solver.items())), fit(a * X, b * Y, **solver)
    _, factor = factors(a, b, 3)
    assert scaled.trajectory_.status is FlowStatus.CONVERGED
    np.testing.assert_allclose(scaled.coef_ * a / b, plain.coef_,
                               atol=1e-6 * np.abs(plain.coef_).max())
    np.testing.assert_allclose(scaled.intercept_ / b, plain.intercept_,
                               atol=1e-6 * np.abs(plain.intercept_).max())
    assert scaled.critical_path_ == plain.critical_path_
    assert scaled.trajectory_.t[-1] * factor == pytest.approx(plain.trajectory_.t[-1],
                                                              rel=1e-2)


@pytest.mark.parametrize("solver", [{}, {"solver": "gd", "learning_rate": 0.2}],
                         ids=["flow", "gd"])
@pytest.mark.parametrize("a", [1e150, 1e100, 1e-150])
def test_diabetes_rescaled_fits_like_the_original(a, solver):
    X, y = load_diabetes(return_X_y=True)
    plain, scaled = fit(X, y, widths=(4, 4), **solver), fit(a * X, y, widths=(4, 4), **solver)
    assert scaled.score(a * X, y) == pytest.approx(plain.score(X, y), abs=1e-9)
    # the least-squares map, which the fit reaches to loss_tol: the excess loss of its
    # coefficients (in the original units) is at most 1e-10 of the explained 1/2 sum sigma_i^2
    Xc = X - X.mean(axis=0)
    lstsq = np.linalg.lstsq(Xc, y - y.mean(), rcond=None)[0]
    excess = 0.5 * np.mean((Xc @ (scaled.coef_ * a - lstsq)) ** 2)
    assert excess <= 1.01e-10 * 0.5 * np.mean((Xc @ lstsq) ** 2)


def test_flow_time_refuses_unresolvable_times_and_caps_at_the_largest_float():
    X, Y, hidden = random_problem(3)
    tiny = Landscape(DataSpectrum.from_data(1e-150 * X, Y), (X.shape[1], *hidden, Y.shape[1]))
    assert time_unit(tiny) > 1e9  # 1e300 units of it pass the largest float
    assert flow_time(tiny, 1e300, "t_max") == np.finfo(float).max
    assert flow_time(tiny, 10.0, "t_max") == pytest.approx(10.0 * time_unit(tiny), rel=1e-15)
    for bad in (1e-13, 0.0, -1.0, np.nan):
        with pytest.raises(ValueError, match=r"--t-max must be"):
            flow_time(tiny, bad, "--t-max")
