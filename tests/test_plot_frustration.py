"""Frustration plots draw the computed values, the null band and the null samples they claim."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from landscape import (FrustrationTrajectory, NullComparison,  # noqa: E402
                                   frustration_vs_null)
from landscape.plot.signed import plot_frustration_curve, plot_frustration_null  # noqa: E402


def trajectory(*, exact=True, null="sign_shuffle"):
    t = np.array([0.0, 0.1, 1.0, 10.0])
    total = np.array([4.0, 5.0, 8.0, 10.0])
    value = np.array([1.0, 0.5, 0.0, 3.0])
    lower = value if exact else np.array([0.5, 0.5, 0.0, 1.0])
    band = {} if null is None else {"null": null, "null_mean": np.array([0.3, 0.3, 0.25, 0.3]),
                                    "null_std": np.array([0.01, 0.02, 0.03, 0.04])}
    return FrustrationTrajectory(t=t, value=value, normalized=value / total,
                                 exact=np.full(4, exact), lower_bound=lower, upper_bound=value,
                                 method=("enumeration",) * 4, total_weight=total, **band)


def test_curve_draws_the_normalized_values_and_the_null_band():
    traj = trajectory()
    fig, ax = plt.subplots()
    assert plot_frustration_curve(traj, ax=ax, label="run", band=2.0, t_floor=0.05) is ax
    curve = ax.get_lines()[0]
    np.testing.assert_array_equal(curve.get_xdata(), [0.05, 0.1, 1.0, 10.0])
    np.testing.assert_array_equal(curve.get_ydata(), [0.25, 0.1, 0.0, 0.3])
    mean = ax.get_lines()[1]
    np.testing.assert_array_equal(mean.get_ydata(), traj.null_mean)
    # the shaded band spans mean -+ 2 std at every time
    (band,) = ax.collections
    vertices = band.get_paths()[0].vertices
    for t, low, high in zip([0.05, 0.1, 1.0, 10.0], traj.null_mean - 2 * traj.null_std,
                            traj.null_mean + 2 * traj.null_std):
        ys = vertices[np.isclose(vertices[:, 0], t), 1]
        assert ys.min() == pytest.approx(low) and ys.max() == pytest.approx(high)
    assert ax.get_xscale() == "log"
    assert "sign shuffle null" in " ".join(t.get_text() for t in ax.get_legend().get_texts())
    plt.close(fig)


def test_curve_draws_the_lower_bound_of_greedy_values_and_no_band_without_null():
    traj = trajectory(exact=False, null=None)
    ax = plot_frustration_curve(traj)
    assert len(ax.get_lines()) == 2 and not ax.collections
    # lower_bound / total weight: 0.5/4, 0.5/5, 0/8, 1/10
    np.testing.assert_allclose(ax.get_lines()[1].get_ydata(), [0.125, 0.1, 0.0, 0.1])
    assert len(plot_frustration_curve(trajectory(exact=True, null=None)).get_lines()) == 1
    plt.close("all")


def test_null_histogram_counts_every_sample_and_marks_the_network():
    rng = np.random.default_rng(0)
    layers = [rng.standard_normal((4, 3)), rng.standard_normal((3, 4))]
    cmp = frustration_vs_null(layers, "random_signs", samples=15, seed=1)
    fig, ax = plt.subplots()
    assert plot_frustration_null(cmp, ax=ax, bins=5) is ax
    heights = [patch.get_height() for patch in ax.patches]
    assert len(heights) == 5 and sum(heights) == cmp.samples.size
    (marker,) = ax.get_lines()
    assert marker.get_xdata()[0] == cmp.value
    assert f"p = {cmp.p_value:.3g}" in ax.get_legend().get_texts()[1].get_text()
    plt.close(fig)


@pytest.mark.parametrize("call, error, message", [
    (lambda: plot_frustration_curve("traj"), TypeError, "trajectory must be a FrustrationTrajectory"),
    (lambda: plot_frustration_curve(trajectory(), band=0), ValueError, "band must be > 0"),
    (lambda: plot_frustration_null(None), TypeError, "comparison must be a NullComparison"),
    (lambda: plot_frustration_null(NullComparison(0.1, np.array([0.2, 0.3]), 0.25, 0.07, -2.1,
                                                  1 / 3, "random_signs", True), bins=0),
     ValueError, "bins must be >= 1"),
])
def test_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call()
    plt.close("all")
