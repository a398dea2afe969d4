"""A forecast set against the run it forecasts: predicted and observed plateaus, side by side.

What :class:`landscape.DeepLinearRegressor` keeps as ``forecast_`` after ``fit``, and what a user
checks a forecast with: the plateaus :func:`predict_training` forecasts from a run's start, the
plateaus read off the integrated run itself (:func:`flow_plateau_exits`), and the relative
error of each exit time where both follow the same path (docs/theory.md §8).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..problem.network import Landscape
from .reading import flow_plateau_exits
from .training import TrainingForecast, predict_training

__all__ = ["ForecastCheck", "check_forecast"]


@dataclass(frozen=True, eq=False)
class ForecastCheck:
    """Predicted against observed plateaus of one run.

    Attributes
    ----------
    forecast : TrainingForecast
        The forecast from the run's start.
    observed : list of ForecastPlateau
        The plateaus read off the run.
    same_path : bool
        Whether both pass the same classes in the same order.
    relative_error : ndarray
        ``|t_forecast / t_observed - 1|`` of each exit time (the last class, never left,
        excluded); empty when the paths differ.
    """

    forecast: TrainingForecast
    observed: list
    same_path: bool
    relative_error: np.ndarray

    def rows(self) -> list[dict]:
        """One row per class of the observed path: class, value, observed and forecast exit."""
        predicted = {p.subset: p.t_exit for p in self.forecast.plateaus}
        return [{"class": "{" + ",".join(str(i + 1) for i in p.subset) + "}",
                 "value": p.value, "t_exit_observed": p.t_exit,
                 "t_exit_forecast": predicted.get(p.subset, float("nan"))}
                for p in self.observed]


def check_forecast(land: Landscape, start, result) -> ForecastCheck:
    """Forecast the run ``result`` of ``land`` from its ``start`` and compare the plateaus.

    Parameters
    ----------
    land : Landscape
    start : sequence of ndarray
        The weights the run started from.
    result : FlowResult or EndToEndResult
        The run (a :class:`~landscape.flow.FlowResult` recorded with ``record_weights=True``).

    Returns
    -------
    ForecastCheck
        Its forecast is computed with ``warn=False``: its ``trusted`` and ``warnings`` say
        whether it can be trusted.

    Examples
    --------
    >>> import numpy as np
    >>> from landscape import DataSpectrum, Landscape, gradient_flow
    >>> land = Landscape(DataSpectrum.from_singular_values([3.0, 1.0]), widths=(2, 6, 6, 2))
    >>> start = land.random_weights(scale=0.05, seed=0)
    >>> check = check_forecast(land, start, gradient_flow(land, start, record_weights=True))
    >>> check.same_path, bool(np.all(check.relative_error < 0.05))
    (True, True)
    """
    forecast = predict_training(land, start, warn=False)
    observed = flow_plateau_exits(land, result)
    same = [p.subset for p in forecast.plateaus] == [p.subset for p in observed]
    error = np.abs(forecast.t_exit[:-1] / np.array([p.t_exit for p in observed[:-1]]) - 1) \
        if same else np.zeros(0)
    return ForecastCheck(forecast=forecast, observed=observed, same_path=same,
                         relative_error=error)
