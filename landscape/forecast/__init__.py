"""Forecasts of training from the spectrum and the start, without integrating the network.

THEORY §8: the plateaus a gradient flow from a small start rests on, their values and exit
times, over one start or the law of random starts, and in gradient-descent steps. Modules:
:mod:`~landscape.forecast.reduction` (the start reduced to the modes that learn:
``reduce_start``, ``sample_reduced_start``), :mod:`~landscape.forecast.reading` (plateaus read
off a loss curve: ``ForecastPlateau``, ``flow_plateau_exits``) and
:mod:`~landscape.forecast.training` (``predict_training``, ``TrainingForecast``).
"""

from . import reading, reduction, training
from .reading import *  # noqa: F403
from .reduction import *  # noqa: F403
from .training import *  # noqa: F403

__all__ = sorted({*reading.__all__, *reduction.__all__, *training.__all__})
