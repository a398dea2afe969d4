"""Flow plots draw the recorded data and the critical values they claim."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import landscape as ls  # noqa: E402
from landscape.plot import plot_loss_curve, plot_singular_value_curve  # noqa: E402


def test_loss_curve_draws_trajectory_and_top_k_lines():
    land = ls.Landscape(ls.DataSpectrum.from_singular_values([3.0, 2.0, 1.0]), (3, 3, 3, 3))
    res = ls.gradient_flow(land, land.random_weights(scale=0.1, seed=0), t_max=1e6)
    fig, ax = plt.subplots()
    assert plot_loss_curve(res, land, ax=ax, labels=["small"]) is ax
    curves = [line for line in ax.get_lines() if len(line.get_xdata()) == res.t.size]
    assert len(curves) == 1
    np.testing.assert_array_equal(curves[0].get_ydata(), res.loss)  # the minimum is 0 here
    levels = sorted(line.get_ydata()[0] for line in ax.get_lines() if len(line.get_xdata()) == 2)
    # 1/2 sum_{i > k} sigma_i^2 for k = 0, 1, 2 (k = 3 is the minimum 0, not drawn on a log axis)
    np.testing.assert_allclose(levels, [0.5, 2.5, 7.0])
    ax2 = plot_singular_value_curve(res, land)
    assert len(ax2.get_lines()) == 2 * 3
    plt.close("all")


def test_loss_curve_of_data_subtracts_the_minimum():
    """With data, L0 and a bottleneck the curve is L - (L0 + 1/2 sum_{i > r} sigma_i^2)."""
    spec = ls.DataSpectrum.from_dataset("linnerud")
    land = ls.Landscape(spec, (3, 1, 1, 3))
    res = ls.gradient_flow(land, land.random_weights(scale=0.01, seed=1), t_max=1e4)
    ax = plot_loss_curve(res, land)
    minimum = spec.loss_offset + 0.5 * float(np.sum(spec.sigma[1:] ** 2))
    [curve] = [line for line in ax.get_lines() if len(line.get_xdata()) == res.t.size]
    np.testing.assert_allclose(curve.get_ydata(), res.loss - minimum)
    [level] = [line.get_ydata()[0] for line in ax.get_lines() if len(line.get_xdata()) == 2]
    assert np.isclose(level, 0.5 * spec.sigma[0] ** 2, rtol=1e-12)
    top_0 = spec.loss_offset + 0.5 * float(np.sum(spec.sigma ** 2))
    assert [t.get_text() for t in ax.texts] == [f"top-0: {top_0:.6g}"]
    plt.close("all")
