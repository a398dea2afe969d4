"""Forecasts of training (docs/theory.md §8) against flows integrated here and the one-mode laws."""

from __future__ import annotations

import time

import numpy as np
import pytest
from scipy import optimize, stats

import landscape as ls
from landscape import DataSpectrum, Landscape

SIGMA = (3.0, 2.0, 1.0, 0.5)


def _integrated(land, start):
    res = ls.gradient_flow(land, start, record_weights=True)
    return ls.flow_plateau_exits(land, res)


def _relative_errors(forecast, truth):
    assert [p.subset for p in forecast.plateaus] == [p.subset for p in truth]
    got = np.array([p.t_exit for p in forecast.plateaus[:-1]])
    want = np.array([p.t_exit for p in truth[:-1]])
    return np.abs(got / want - 1)


@pytest.mark.parametrize("widths, scale, bound", [
    ((4, 6, 4), 1e-3, 0.05), ((4, 9, 4), 1e-2, 0.05),
    ((4, 5, 5, 4), 3e-2, 0.10), ((4, 12, 10, 4), 3e-2, 0.10), ((4, 16, 16, 4), 1e-2, 0.10),
    ((4, 6, 7, 6, 4), 1e-1, 0.10)])
@pytest.mark.parametrize("seed", [0, 1])
def test_exit_times_match_integrated_flows(widths, scale, bound, seed):
    land = Landscape(DataSpectrum.from_singular_values(SIGMA), widths)
    start = land.random_weights(scale=scale, seed=seed)
    forecast = ls.predict_training(land, start)
    truth = _integrated(land, start)
    assert forecast.trusted
    assert np.max(_relative_errors(forecast, truth)) <= bound
    assert [p.subset for p in truth] == [(), (0,), (0, 1), (0, 1, 2), (0, 1, 2, 3)]


@pytest.mark.parametrize("h", [2, 3, 4])
def test_aligned_balanced_start_follows_the_one_mode_law(h):
    """Aligned balanced starts decouple the modes: the loss is
    ``1/2 sum_k (sigma_k - a_k(t)^h)^2`` with ``a_k`` the closed form of docs/theory.md §1, and the
    forecast's exits equal its midpoint crossings to the integration tolerance."""
    sigma = np.array([3.0, 1.5, 0.6])
    land = Landscape(DataSpectrum.from_singular_values(sigma), (3,) + (5,) * (h - 1) + (3,))
    a0 = {2: 1e-3, 3: 0.03, 4: 0.15}[h]
    start = [np.eye(*shape) * a0 for shape in land.shapes]
    forecast = ls.predict_training(land, start, rtol=1e-10)

    def loss(t):
        return 0.5 * sum((s - ls.one_mode_weight(t, a0=a0, sigma=s, h=h) ** h) ** 2
                         for s in sigma)

    values = [land.critical_value(range(k)) for k in range(4)]
    for k, plateau in enumerate(forecast.plateaus[:-1]):
        level = 0.5 * (values[k] + values[k + 1])
        exact = optimize.brentq(lambda t: loss(t) - level, 0.0, 1e7, xtol=1e-13, rtol=1e-13)
        assert plateau.t_exit == pytest.approx(exact, rel=1e-6)


def test_forecast_is_invariant_under_rescaling_the_data():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((60, 3))
    Y = X @ np.diag([3.0, 1.5, 0.5]) @ rng.standard_normal((3, 3)) / 3
    land = Landscape(DataSpectrum.from_data(X, Y), (3, 7, 6, 3))
    start = land.random_weights(scale=0.05, seed=1)
    base = ls.predict_training(land, start, rtol=1e-10)
    for a, b in [(1e3, 1.0), (1.0, 1e-2), (7.0, 3.0)]:
        other = Landscape(DataSpectrum.from_data(a * X, b * Y), (3, 7, 6, 3))
        c = (b / a) ** (1 / land.h)
        forecast = ls.predict_training(other, [c * w for w in start], rtol=1e-10)
        ratio = ls.time_unit(other) / ls.time_unit(land)
        np.testing.assert_allclose(forecast.t_exit[:-1], base.t_exit[:-1] * ratio, rtol=1e-6)


def _band_against_integrated(widths, scale, n_flows, n_starts, median_rtol):
    land = Landscape(DataSpectrum.from_singular_values(SIGMA[:3], d_x=3, d_y=3), widths)
    forecast = ls.predict_training(land, init_scale=scale, seed=0, n_starts=n_starts)
    runs = [[p.t_exit for p in _integrated(land, land.random_weights(
        scale=scale, seed=100 + s))[:-1]] for s in range(n_flows)]
    exits = np.array([r for r in runs if len(r) == 3])  # the runs on the sequential path
    assert len(exits) >= 0.9 * n_flows
    band = forecast.t_exit_band[:-1]
    for k in range(3):
        inside = np.mean((exits[:, k] >= band[k, 0]) & (exits[:, k] <= band[k, 1]))
        assert 0.5 <= inside <= 1.0  # nominal 0.8 (binomial: below 0.5 has odds ~1e-4)
        assert forecast.t_exit[k] == pytest.approx(np.median(exits[:, k]), rel=median_rtol)


def test_random_starts_band_covers_integrated_quantiles():
    """Median and 10-90% band over sampled reduced starts against flows of the whole network
    from 24 random starts (medians: the sampling error of 24 and 64 draws is ~7%)."""
    _band_against_integrated((3, 5, 5, 3), 3e-2, 24, 64, 0.2)


@pytest.mark.slow
def test_random_starts_band_covers_integrated_quantiles_many():
    _band_against_integrated((3, 8, 8, 3), 3e-2, 60, 256, 0.1)


def test_sampled_reduced_starts_have_the_law_of_reduced_random_starts():
    """Two-sample Kolmogorov-Smirnov tests: the reduced end-to-end map (all entries pooled) and
    each layer's norm, invariants of the hidden bases, drawn directly and from whole starts."""
    land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0]), (2, 6, 5, 2))
    rng = np.random.default_rng(0)
    drawn = [ls.sample_reduced_start(land, 0.1, rng) for _ in range(2000)]
    built = [ls.reduce_start(land, land.random_weights(scale=0.1, seed=s)) for s in range(2000)]
    assert drawn[0][0].widths == built[0][0].widths == (2, 6, 4, 2)
    for f in (lambda w: (w[2] @ w[1] @ w[0]).ravel(), lambda w: [np.linalg.norm(w[0])],
              lambda w: [np.linalg.norm(w[1])], lambda w: [np.linalg.norm(w[2])]):
        a = np.concatenate([f(w) for _, w in drawn])
        b = np.concatenate([f(w) for _, w in built])
        assert stats.ks_2samp(a, b).pvalue > 1e-3


def test_wide_network_forecast_in_seconds():
    land = Landscape(DataSpectrum.from_singular_values([3.0, 2.0, 1.0]), (3, 10_000, 10_000, 3))
    begin = time.perf_counter()
    forecast = ls.predict_training(land, init_scale=1e-2, seed=0, n_starts=8)
    assert time.perf_counter() - begin < 60  # generous: a bound on the work, not a timing
    assert forecast.reduced_widths == (3, 9, 6, 3)
    assert [p.subset for p in forecast.plateaus] == [(), (0,), (0, 1), (0, 1, 2)]
    assert np.all(np.diff(forecast.t_exit[:-1]) > 0)


def test_untrusted_forecasts_say_so():
    land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0]), (2, 4, 4, 2))
    with pytest.warns(ls.ForecastWarning, match="not separated"):
        fc = ls.predict_training(land, land.random_weights(scale=2.0, seed=0))
    assert not fc.trusted
    start = land.random_weights(scale=1e-2, seed=0)
    with pytest.warns(ls.ForecastWarning, match="learning_rate"):
        fc = ls.predict_training(land, start, learning_rate=0.5)
    np.testing.assert_allclose(fc.steps_exit, fc.t_exit / 0.5)
    fc = ls.predict_training(land, start, learning_rate=1e-3)
    assert fc.trusted and fc.steps_exit[0] == pytest.approx(fc.t_exit[0] / 1e-3)
    tied = Landscape(DataSpectrum.from_singular_values([2.0, 2.0, 1.0]), (3, 4, 3))
    with pytest.warns(ls.ForecastWarning, match="tied"):
        ls.predict_training(tied, tied.random_weights(scale=1e-3, seed=0))


def test_bad_input_is_refused():
    land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0]), (2, 4, 2))
    start = land.random_weights(scale=1e-2, seed=0)
    with pytest.raises(ValueError, match="exactly one"):
        ls.predict_training(land)
    with pytest.raises(ValueError, match="init_scale"):
        ls.predict_training(land, init_scale=0.0)
    with pytest.raises(ValueError, match="start"):
        ls.predict_training(land, [start[0], start[1].T])
    start[0][0, 0] = np.nan
    with pytest.raises(ValueError, match="finite"):
        ls.predict_training(land, start)
    with pytest.raises(ValueError, match="learning_rate"):
        ls.predict_training(land, init_scale=1e-2, learning_rate=-1.0)


def test_loss_curve_starts_at_the_origin_value_and_ends_at_the_minimum():
    land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0]), (2, 5, 2))
    fc = ls.predict_training(land, land.random_weights(scale=1e-3, seed=2))
    assert fc.loss_at(0.0) == pytest.approx(land.critical_value(()), rel=1e-4)
    assert fc.loss_at(1e9) == pytest.approx(0.0, abs=1e-8)
    assert np.all(np.diff(fc.loss_at(np.linspace(0, 50, 200))) <= 1e-12)


def test_plot_forecast_draws_the_curves_and_bands():
    import matplotlib

    matplotlib.use("Agg")
    land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0]), (2, 5, 5, 2))
    fc = ls.predict_training(land, init_scale=3e-2, seed=0, n_starts=4)
    res = ls.gradient_flow(land, land.random_weights(scale=3e-2, seed=0))
    ax = ls.plot_forecast(fc, res)
    assert len(ax.lines) >= 2 and len(ax.patches) == 2  # two exits, each with its band
    with pytest.raises(TypeError, match="forecast"):
        ls.plot_forecast(res)


def test_cli_forecast_prints_the_plateaus(capsys):
    from landscape.cli import main

    assert main(["forecast", "--sigma", "3,2,1", "--widths", "3,20,20,3", "--starts", "4"]) == 0
    out = capsys.readouterr().out
    assert "{1,2}" in out and "t_exit" in out


def test_too_large_init_scale_is_flagged():
    land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0]), (2, 4, 4, 2))
    with pytest.warns(ls.ForecastWarning, match="not separated"):
        fc = ls.predict_training(land, init_scale=3.0, seed=0, n_starts=8)
    assert not fc.trusted and fc.warnings


def test_estimator_forecast_against_its_fit():
    """``forecast_`` after ``fit``: forecast from the fit's start against the plateaus read off
    the fit's own integrated flow (an oracle computed independently, from its trajectory)."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 3))
    Y = X @ np.diag([3.0, 1.5, 0.5]) + 0.01 * rng.standard_normal((200, 3))
    reg = ls.DeepLinearRegressor(widths=(6, 6), init_scale=0.05, random_state=0).fit(X, Y)
    check = reg.forecast_
    assert check.same_path and check.forecast.trusted
    assert np.max(check.relative_error) <= 0.10
    truth = ls.flow_plateau_exits(reg.landscape_, reg.trajectory_)
    np.testing.assert_allclose([p.t_exit for p in check.observed], [p.t_exit for p in truth])
    start = reg.landscape_.unflatten(reg.trajectory_.trajectory[0])
    section = ls.forecast_section(reg.landscape_, start, reg.trajectory_)
    assert "Training forecast" in section and "{1,2}" in section
