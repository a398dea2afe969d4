"""The forecast of training (docs/theory.md §8) drawn over an integrated run."""

from __future__ import annotations

import numpy as np

from ..flow import FlowResult
from ..forecast import TrainingForecast
from ._axes import axes_or_new

__all__ = ["plot_forecast"]


def plot_forecast(forecast: TrainingForecast, result: FlowResult | None = None, *, ax=None,
                  t_floor: float = 1e-2):
    """The forecast loss curve, its plateau values and exit times (with their 10-90% bands
    over random starts), and an integrated run's loss curve for comparison.

    Parameters
    ----------
    forecast : TrainingForecast
    result : FlowResult, optional
        An integrated run to overlay.
    ax : matplotlib Axes, optional
    t_floor : float
        Times are drawn on a log axis from ``t_floor`` on.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if not isinstance(forecast, TrainingForecast):
        raise TypeError(f"forecast must be a TrainingForecast, got {type(forecast).__name__}")
    ax = axes_or_new(ax)
    t = np.maximum(forecast.t, t_floor)
    ax.plot(t, forecast.loss, color="C0", label="forecast")
    if result is not None:
        ax.plot(np.maximum(result.t, t_floor), result.loss, color="C1", linestyle="--",
                label="integrated")
    for p in forecast.plateaus:
        ax.axhline(p.value, color="0.8", linewidth=0.8, zorder=0)
        if np.isfinite(p.t_exit):
            ax.axvline(p.t_exit, color="C0", linewidth=0.8, linestyle=":")
            if p.t_exit_band is not None:
                ax.axvspan(*p.t_exit_band, color="C0", alpha=0.15, linewidth=0)
    ax.set_xscale("log")
    ax.set_xlabel("flow time t")
    ax.set_ylabel("loss")
    ax.set_title("forecast plateaus" + ("" if forecast.trusted else " (not trusted)"))
    ax.legend()
    return ax
