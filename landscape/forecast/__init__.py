"""Forecasts of training from the spectrum and the start, without integrating the network.

docs/theory.md §8: the plateaus a gradient flow from a small start rests on, their values and exit
times, over one start or the law of random starts, and in gradient-descent steps. Modules:
:mod:`~landscape.forecast.reduction` (the start reduced to the modes that learn:
``reduce_start``, ``sample_reduced_start``), :mod:`~landscape.forecast.reading` (plateaus read
off a loss curve: ``ForecastPlateau``, ``flow_plateau_exits``) and
:mod:`~landscape.forecast.training` (``predict_training``, ``TrainingForecast``), :mod:`~landscape.forecast.ensemble` (the
reduced flows of many starts integrated as one batch: ``integrate_ensemble``) and
:mod:`~landscape.forecast.check` (a forecast against its run: ``check_forecast``; as a report
section: :mod:`~landscape.forecast.section`).
"""

from . import check, ensemble, reading, reduction, section, training
from .check import *  # noqa: F403
from .ensemble import *  # noqa: F403
from .reading import *  # noqa: F403
from .reduction import *  # noqa: F403
from .section import *  # noqa: F403
from .training import *  # noqa: F403

__all__ = sorted({*check.__all__, *ensemble.__all__, *reading.__all__, *reduction.__all__,
                  *section.__all__, *training.__all__})
