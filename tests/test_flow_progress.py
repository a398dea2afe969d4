"""Progress of long flows: ``gradient_flow(progress=...)`` shows the flow time reached of
``t_max`` and the loss there (a bar, timed lines off a terminal, or nothing), without changing
the flow, and ``landscape report`` shows it for its flows."""

import numpy as np
import pytest

from landscape import DataSpectrum, Landscape, gradient_flow, write_report
from landscape.flow import flow_progress

PROBLEMS = [((2.0, 1.0), (2, 2, 2)), ((3.0, 2.0, 1.0), (3, 3, 3, 3)),
            ((1.0, 0.99, 0.5), (3, 2, 2, 3))]


@pytest.fixture
def shown(monkeypatch):
    """Every report the flow's progress makes, at full precision: ``[(t, loss)]``, with no
    wait between two of them."""
    calls = []
    original = flow_progress.FlowProgress.show

    def show(self, t, loss, now):
        calls.append((t, loss))
        original(self, t, loss, now)

    monkeypatch.setattr(flow_progress, "LINE_EVERY", 0.0)
    monkeypatch.setattr(flow_progress, "BAR_EVERY", 0.0)
    monkeypatch.setattr(flow_progress.FlowProgress, "show", show)
    return calls


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("sigma, widths", PROBLEMS)
def test_lines_report_time_and_loss_of_the_flow(sigma, widths, seed, shown, capsys):
    land = Landscape(DataSpectrum.from_singular_values(sigma), widths)
    start = land.random_weights(scale=1e-2, seed=seed)
    result = gradient_flow(land, start, t_max=1e5, progress=None)  # off a terminal: lines
    err = capsys.readouterr().err
    assert len(shown) >= result.t.size - 2 and err.count("gradient flow: t = ") == len(shown)
    assert "of t_max = 1e+05, loss" in err
    times = np.array([t for t, _ in shown])
    # the accepted steps, and the stopping event's root search past the last of them
    assert np.all((times >= 0) & (times <= 1e5)) and times.max() >= result.t[-2]
    # oracle: at the accepted steps the loss shown is the recorded trajectory's
    recorded = dict(zip(result.t.tolist(), result.loss.tolist()))
    matched = [(loss, recorded[t]) for t, loss in shown if t in recorded]
    assert len(matched) >= result.t.size - 2
    np.testing.assert_allclose(*zip(*matched), rtol=1e-12, atol=1e-12 * land.loss_scale)


@pytest.mark.parametrize("sigma, widths", PROBLEMS)
def test_gradient_descent_reports_every_step(sigma, widths, shown):
    land = Landscape(DataSpectrum.from_singular_values(sigma), widths)
    result = gradient_flow(land, land.random_weights(scale=0.1, seed=1), method="gd",
                           step=0.05, t_max=20.0, progress=None)
    times, losses = np.array(shown).T
    np.testing.assert_allclose(times, result.t[1:len(shown) + 1], rtol=1e-12)
    np.testing.assert_allclose(losses, result.loss[1:len(shown) + 1], rtol=1e-12,
                               atol=1e-12 * land.loss_scale)


@pytest.mark.parametrize("method", ["auto", "RK45", "gd"])
def test_progress_does_not_change_the_flow(method, shown, capsys):
    land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0]), (2, 3, 2))
    start = land.random_weights(scale=0.05, seed=4)
    options = {"step": 0.05} if method == "gd" else {}
    quiet = gradient_flow(land, start, t_max=50.0, method=method, **options)
    watched = gradient_flow(land, start, t_max=50.0, method=method, progress=True, **options)
    np.testing.assert_array_equal(quiet.t, watched.t)
    np.testing.assert_array_equal(quiet.loss, watched.loss)
    assert "of t_max = 50, loss" in capsys.readouterr().err  # the bar's text


def test_silent_without_progress(shown, capsys):
    land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0]), (2, 2, 2))
    gradient_flow(land, land.random_weights(scale=1e-2, seed=0), t_max=1e3)
    gradient_flow(land, land.random_weights(scale=1e-2, seed=0), t_max=1e3, progress=False)
    assert shown == [] and capsys.readouterr().err == ""


@pytest.mark.parametrize("progress", ["yes", 1, 0.5])
def test_progress_must_be_a_bool_or_none(progress):
    land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0]), (2, 2, 2))
    with pytest.raises(TypeError, match="progress must be True or False"):
        gradient_flow(land, land.random_weights(scale=1e-2, seed=0), progress=progress)


def test_the_report_shows_its_flows_progress(tmp_path, shown, capsys):
    land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0]), (2, 2, 2))
    report = write_report(land, tmp_path / "report", progress=None, log=lambda line: None)
    assert "gradient flow: t = " in capsys.readouterr().err
    assert len(shown) >= sum(flow.t.size for flow in report.flows.values()) - 4
