"""Forecast training: the plateaus a run from a small start will rest on, and for how long.

docs/theory.md §8: from a small start the gradient flow passes near the classes
``{} -> {1} -> {1, 2} -> ...`` and rests on each value ``L_S`` until the next mode's strength
has grown. The forecast follows the modes' strengths, not the network: the start is reduced to
the modes that learn and the hidden directions that couple them (:mod:`.reduction`; a network
of widths ``(m, <= h m, ..., m)`` whatever the hidden widths), that small network's flow is
integrated, and its plateaus are read off its loss (:mod:`.reading`). The one-mode laws of
docs/theory.md §1 are its exact special case (aligned balanced starts); at depth ``h >= 3`` it keeps
the coupling through the shared hidden layers that delays the later modes (Saxe, McClelland &
Ganguli, ICLR 2014; Jacot et al. 2021, saddle-to-saddle dynamics).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace

import numpy as np

from .._base.validation import DEFAULT_SEED, check_int, check_positive, check_seed
from ..flow import time_unit
from ..problem.network import Landscape, check_landscape
from ..problem.ties import tie_groups
from .ensemble import EnsembleRun, integrate_ensemble
from .reading import plateau_records, subsets_of_counts
from .reduction import reduce_start, sample_reduced_start

__all__ = ["ForecastWarning", "TrainingForecast", "predict_training"]

#: ``eta`` times the curvature scale ``h sigma_1^{2-2/h} ||Sxx||^{2/h}`` of a learnt mode above
#: which gradient descent no longer follows the flow closely (``2`` is its stability limit).
LEARNING_RATE_LIMIT = 0.1

#: Default tolerance of the reduced flows: a forecast's error is the reduction's (below 1% at
#: depth 3, ``benchmarks/forecast.py``), far above the integration's at this tolerance.
FORECAST_RTOL = 1e-6

#: The reduced flows stop when every start's loss is within this fraction of the loss scale
#: ``1/2 sum sigma_i^2`` of the minimum (the last plateau is left long before).
FORECAST_LOSS_TOL = 1e-9

#: Bound on the reduced flows' accepted steps (explicit steps are held to ``~1/curvature``: a
#: plateau of ``n`` time units takes about ``n`` steps).
MAX_FORECAST_STEPS = 20_000

#: Fraction of random starts that must share the forecast's path for its medians to be trusted.
PATH_AGREEMENT = 0.9


class ForecastWarning(UserWarning):
    """A forecast that cannot be trusted as it stands (its ``warnings`` say why)."""


@dataclass(frozen=True, eq=False)
class TrainingForecast:
    """The plateaus of a forecast run and its loss curve.

    Attributes
    ----------
    plateaus : list of ForecastPlateau
        The classes on the path with ``subset``, ``value``, ``t_enter``, ``t_exit`` (flow time;
        over random starts: medians, with ``t_exit_band``).
    t, loss : ndarray
        The forecast loss curve (over random starts: the median at each time).
    trusted : bool
        False where :attr:`warnings` holds a reason (ties, plateaus not separated, a learning
        rate too large for the flow).
    warnings : tuple of str
    learning_rate : float or None
        ``eta`` of gradient descent: :attr:`steps_exit` holds ``t_exit / eta``.
    n_starts : int
        Starts the forecast is drawn from (1 for a given start).
    reduced_widths : tuple of int
        Widths of the reduced network whose flow was integrated.
    """

    plateaus: list
    t: np.ndarray
    loss: np.ndarray
    trusted: bool
    warnings: tuple
    learning_rate: float | None = None
    n_starts: int = 1
    reduced_widths: tuple = field(default=())

    @property
    def t_exit(self) -> np.ndarray:
        """Exit times of the plateaus, in order (``inf`` for the last)."""
        return np.array([p.t_exit for p in self.plateaus])

    @property
    def t_exit_band(self) -> np.ndarray | None:
        """``(n_plateaus, 2)``: the 10-90% band of each exit time (random starts only)."""
        if self.plateaus[0].t_exit_band is None:
            return None
        return np.array([p.t_exit_band for p in self.plateaus])

    @property
    def steps_exit(self) -> np.ndarray | None:
        """Gradient-descent steps to leave each plateau, ``t_exit / eta`` (``None`` without
        ``learning_rate``)."""
        return None if self.learning_rate is None else self.t_exit / self.learning_rate

    def loss_at(self, t) -> np.ndarray:
        """The forecast loss at flow times ``t`` (held at its last value beyond the curve)."""
        return np.interp(np.asarray(t, dtype=float), self.t, self.loss)


def _check_start(land, start, init_scale):
    if (start is None) == (init_scale is None):
        raise ValueError("give exactly one of start (weights W_1..W_h) and init_scale (the "
                         f"scale of random starts), got start={'None' if start is None else '…'}"
                         f" and init_scale={init_scale!r}")
    if start is not None:
        start = land.check(start, "start")
        if not all(np.all(np.isfinite(w)) for w in start):
            raise ValueError("start must hold finite weights, got a non-finite entry")
        return start, None
    return None, check_positive(init_scale, "init_scale")


def _trust(land, plateaus, learning_rate, run: EnsembleRun, agreement: float) -> list[str]:
    reasons = []
    if not run.converged:
        reasons.append(f"the reduced flow did not reach the minimum within "
                       f"{MAX_FORECAST_STEPS} steps (t = {run.t[-1]:.4g}): the last plateaus "
                       f"are missing or cut short (a start too small for this depth)")
    if agreement < PATH_AGREEMENT:
        reasons.append(f"only {agreement:.0%} of the random starts follow the forecast path: "
                       f"the modes are not learnt in one order")
    sigma = land.spectrum.sigma
    tied = [g for g in tie_groups(sigma) if len(g) > 1]
    if tied:
        reasons.append(f"tied singular values {[tuple(int(i) for i in g) for g in tied]}: "
                       f"each tie group is forecast by its number of learnt modes")
    loose = [p.subset for p in plateaus if not p.separated]
    if loose:
        reasons.append(f"plateaus not separated at {loose}: the loss passes these values "
                       f"without resting on them (a start too large, or sigma too close)")
    if learning_rate is not None:
        curvature = land.h / time_unit(land)
        if learning_rate * curvature > LEARNING_RATE_LIMIT:
            reasons.append(f"learning_rate {learning_rate:g} is {learning_rate * curvature:.3g} "
                           f"times the curvature scale h sigma_1^(2-2/h) ||Sxx||^(2/h) = "
                           f"{curvature:.3g} (above {LEARNING_RATE_LIMIT:g}): gradient descent "
                           f"does not follow the flow" + (" and diverges or oscillates"
                                                          if learning_rate * curvature >= 2
                                                          else ""))
    return reasons


def _offset(land: Landscape, small: Landscape) -> float:
    """The loss the reduced network does not carry: ``L0`` and the dropped zero modes."""
    if small.spectrum is land.spectrum:
        return 0.0
    m = small.spectrum.sigma.size
    return float(land.spectrum.loss_offset + 0.5 * np.sum(land.spectrum.sigma[m:] ** 2))




def predict_training(land: Landscape, start=None, *, init_scale: float | None = None,
                     seed=DEFAULT_SEED, n_starts: int = 64, learning_rate: float | None = None,
                     rtol: float = FORECAST_RTOL, warn: bool = True) -> TrainingForecast:
    """Forecast the plateaus of the gradient flow from ``start`` (or from random starts).

    The start is reduced to the modes that learn (:func:`reduce_start`: the modes' paths
    through the hidden layers and the couplings between them, widths ``(m, k_1, ..., m)``
    with ``k_j <= (h - j + 1) m``), the reduced flows are integrated together
    (:func:`integrate_ensemble`), and the plateaus are read off their losses: the class ``S``,
    its value ``L_S`` and the exit time, the first time the loss falls below the midpoint
    between ``L_S`` and the next value on the path (docs/theory.md §8). The cost does not grow with the
    hidden widths. Exact for aligned balanced starts (the one-mode laws of docs/theory.md §1); at depth
    ``h >= 3`` it keeps the coupling through the shared hidden layers that delays the later
    modes (Saxe, McClelland & Ganguli, ICLR 2014; Jacot et al. 2021, saddle-to-saddle
    dynamics) and drops only the start's reach into further hidden directions. Measured
    against integrated flows in ``tests/test_forecast.py`` and ``benchmarks/forecast.py``.

    Parameters
    ----------
    land : Landscape
    start : sequence of ndarray, optional
        The start ``W_1..W_h`` in the problem's coordinates.
    init_scale : float, optional
        Instead of ``start``: starts drawn as ``land.random_weights(scale=init_scale)``
        (:func:`sample_reduced_start` draws their reduced starts, never the network), giving
        the median exit time of each plateau and its 10-90% band.
    seed : int, Generator or None
        Seed of the random starts (:func:`~landscape._base.validation.check_seed`; default
        ``DEFAULT_SEED = 0``, ``None``: fresh entropy).
    n_starts : int
        Random starts drawn (``init_scale`` only).
    learning_rate : float, optional
        Gradient descent's step ``eta``: ``steps_exit = t_exit / eta`` (``t = eta steps``),
        flagged where ``eta h sigma_1^{2-2/h} ||Sxx||^{2/h} > 0.1``.
    rtol : float
        Tolerance of the reduced flows.
    warn : bool
        Issue a :class:`ForecastWarning` for an untrusted forecast (the reasons are in
        ``warnings`` either way).

    Returns
    -------
    TrainingForecast

    Examples
    --------
    >>> from landscape import DataSpectrum, Landscape
    >>> land = Landscape(DataSpectrum.from_singular_values([3.0, 1.0]), widths=(2, 40, 40, 2))
    >>> fc = predict_training(land, land.random_weights(scale=1e-2, seed=0))
    >>> [p.subset for p in fc.plateaus], fc.trusted
    ([(), (0,), (0, 1)], True)
    """
    check_landscape(land)
    if land.spectrum.rank == 0:
        raise ValueError("land must have a nonzero singular value to learn (a plateau to "
                         "leave), got sigma = 0")
    start, init_scale = _check_start(land, start, init_scale)
    rtol = check_positive(rtol, "rtol")
    if learning_rate is not None:
        learning_rate = check_positive(learning_rate, "learning_rate")
    if start is not None:
        small, reduced = reduce_start(land, start)
        starts = [reduced]
    else:
        n_starts = check_int(n_starts, "n_starts", minimum=2)
        rng = check_seed(seed)
        draws = [sample_reduced_start(land, init_scale, rng) for _ in range(n_starts)]
        small, starts = draws[0][0], [w for _, w in draws]
    threshold = land.minimum_value() + FORECAST_LOSS_TOL * land.loss_scale
    run = integrate_ensemble(small, starts, offset=_offset(land, small), rtol=rtol,
                             threshold=threshold, t_max=1e15 * time_unit(land),
                             max_steps=MAX_FORECAST_STEPS)
    records = [plateau_records(land, run.t, run.loss[:, b], run.slope[:, b],
                               subsets_of_counts(run.counts[:, b], run.groups),
                               time_unit=run.time_unit)
               for b in range(len(starts))]
    if len(records) == 1:
        plateaus, loss, agreement = records[0], run.loss[:, 0], 1.0
    else:
        plateaus, agreement = _over_starts(records)
        loss = np.median(run.loss, axis=1)
    reasons = _trust(land, plateaus, learning_rate, run, agreement)
    if reasons and warn:
        warnings.warn("forecast not trusted: " + "; ".join(reasons), ForecastWarning,
                      stacklevel=2)
    return TrainingForecast(plateaus=plateaus, t=run.t, loss=loss, trusted=not reasons,
                            warnings=tuple(reasons), learning_rate=learning_rate,
                            n_starts=len(starts), reduced_widths=small.widths)


def _over_starts(records) -> tuple[list, float]:
    """Median plateaus of many runs: the most common path, with the median and the 10-90%
    band of each exit time over the runs on that path; and the fraction of runs on it."""
    paths = [tuple(p.subset for p in rec) for rec in records]
    common = max(set(paths), key=paths.count)
    chosen = [rec for rec, path in zip(records, paths) if path == common]
    plateaus, enter = [], 0.0
    for i, first in enumerate(chosen[0]):
        exits = np.array([rec[i].t_exit for rec in chosen])
        if np.all(np.isinf(exits)):  # the last class: never left
            median, band = float("inf"), (float("inf"), float("inf"))
        else:
            median = float(np.median(exits))
            band = (float(np.quantile(exits, 0.1)), float(np.quantile(exits, 0.9)))
        separated = bool(np.mean([rec[i].separated for rec in chosen]) >= 0.5)
        plateaus.append(replace(first, t_enter=enter, t_exit=median, t_exit_band=band,
                                separated=separated))
        enter = median
    return plateaus, len(chosen) / len(records)
