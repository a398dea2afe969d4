"""Forecast training: the plateaus a run from a small start will rest on, and for how long.

THEORY §8: from a small start the gradient flow passes near the classes
``{} -> {1} -> {1, 2} -> ...`` and rests on each value ``L_S`` until the next mode's strength
has grown. The forecast follows the modes' strengths, not the network: the start is reduced to
the modes that learn and the hidden directions that couple them (:mod:`.reduction`; a network
of widths ``(m, <= h m, ..., m)`` whatever the hidden widths), that small network's flow is
integrated, and its plateaus are read off its loss (:mod:`.reading`). The one-mode laws of
THEORY §1 are its exact special case (aligned balanced starts); at depth ``h >= 3`` it keeps
the coupling through the shared hidden layers that delays the later modes (Saxe, McClelland &
Ganguli, ICLR 2014; Jacot et al. 2021, saddle-to-saddle dynamics).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace

import numpy as np

from .._base.validation import check_int, check_positive, check_seed
from ..flow import gradient_flow, time_unit
from ..problem.learnt import learnt_modes
from ..problem.network import Landscape, check_landscape
from ..problem.ties import tie_groups
from .reading import ForecastPlateau, plateau_records
from .reduction import reduce_start, sample_reduced_start

__all__ = ["ForecastWarning", "TrainingForecast", "predict_training"]

#: ``eta`` times the curvature scale ``h sigma_1^{2-2/h} ||Sxx||^{2/h}`` of a learnt mode above
#: which gradient descent no longer follows the flow closely (``2`` is its stability limit).
LEARNING_RATE_LIMIT = 0.1

#: Records over the integrator's step in which a plateau is left (its exit is read there).
_DENSE = 32


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


def _reduced_run(small: Landscape, start, offset: float, land: Landscape, rtol: float):
    """Integrate the reduced flow; (times, loss, slope, classes) in ``land``'s terms."""
    res = gradient_flow(small, start, method="DOP853", rtol=rtol, record_weights=True)
    if res.status.value == "failed":
        raise RuntimeError(f"the reduced flow failed: {res.message}")
    subsets = [learnt_modes(small, small.unflatten(theta)).subset for theta in res.trajectory]
    t, loss, slope = res.t, res.loss + offset, -res.gradient_norm ** 2
    # the explicit integrator's steps are long: record each exit's step densely
    extra = []
    for plateau in plateau_records(land, t, loss, slope, subsets)[:-1]:
        i = int(np.searchsorted(t, plateau.t_exit))
        if 0 < i < t.size:
            dt = t[i] - t[i - 1]
            fine = gradient_flow(small, small.unflatten(res.trajectory[i - 1]), t_max=dt,
                                 method="DOP853", rtol=rtol,
                                 record=np.linspace(0.0, dt, _DENSE + 1)[1:-1])
            extra.append((t[i - 1] + fine.t[1:], fine.loss[1:] + offset,
                          -fine.gradient_norm[1:] ** 2, [subsets[i - 1]] * (fine.t.size - 1)))
    for times, losses, slopes, classes in extra:
        where = np.searchsorted(t, times[0])
        t = np.insert(t, where, times)
        loss = np.insert(loss, where, losses)
        slope = np.insert(slope, where, slopes)
        subsets = subsets[:where] + classes + subsets[where:]
    return t, loss, slope, subsets


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


def _trust(land, plateaus, learning_rate) -> list[str]:
    reasons = []
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
                     seed=None, n_starts: int = 64, learning_rate: float | None = None,
                     rtol: float = 1e-10, warn: bool = True) -> TrainingForecast:
    """Forecast the plateaus of the gradient flow from ``start`` (or from random starts).

    The start is reduced to the modes that learn (:func:`reduce_start`: the modes' paths
    through the hidden layers and the couplings between them, widths ``(m, k_1, ..., m)``
    with ``k_j <= (h - j + 1) m``), the reduced flow is integrated, and the plateaus are read
    off its loss: the class ``S``, its value ``L_S`` and the exit time, the first time the loss
    falls below the midpoint between ``L_S`` and the next value on the path (THEORY §8). The
    cost does not grow with the hidden widths. Exact for aligned starts (the one-mode laws of
    THEORY §1); measured against integrated flows in ``tests/test_forecast.py`` and
    ``benchmarks/forecast.py``.

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
        Seed of the random starts.
    n_starts : int
        Random starts drawn (``init_scale`` only).
    learning_rate : float, optional
        Gradient descent's step ``eta``: ``steps_exit = t_exit / eta`` (``t = eta steps``),
        flagged where ``eta h sigma_1^{2-2/h} ||Sxx||^{2/h} > 0.1``.
    rtol : float
        Tolerance of the reduced flow.
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
    start, init_scale = _check_start(land, start, init_scale)
    rtol = check_positive(rtol, "rtol")
    if learning_rate is not None:
        learning_rate = check_positive(learning_rate, "learning_rate")
    if start is not None:
        small, reduced = reduce_start(land, start)
        runs = [_reduced_run(small, reduced, _offset(land, small), land, rtol)]
    else:
        n_starts = check_int(n_starts, "n_starts", minimum=2)
        rng = check_seed(seed)
        runs = []
        for _ in range(n_starts):
            small, reduced = sample_reduced_start(land, init_scale, rng)
            runs.append(_reduced_run(small, reduced, _offset(land, small), land, rtol))
    records = [plateau_records(land, *run) for run in runs]
    if len(runs) == 1:
        plateaus, t, loss = records[0], runs[0][0], runs[0][1]
    else:
        plateaus, t, loss = _over_starts(records, runs)
    reasons = _trust(land, plateaus, learning_rate)
    if reasons and warn:
        warnings.warn("forecast not trusted: " + "; ".join(reasons), ForecastWarning,
                      stacklevel=2)
    return TrainingForecast(plateaus=plateaus, t=np.asarray(t), loss=np.asarray(loss),
                            trusted=not reasons, warnings=tuple(reasons),
                            learning_rate=learning_rate, n_starts=len(runs),
                            reduced_widths=small.widths)


def _over_starts(records, runs):
    """Median plateaus and loss curve of many runs: the most common path, with the median
    and the 10-90% band of each exit time over the runs on that path."""
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
    finite = [run[0][-1] for run in runs]
    t = np.geomspace(max(min(run[0][1] for run in runs if run[0].size > 1), 1e-300),
                     max(finite), 512)
    t = np.concatenate([[0.0], t])
    loss = np.median([np.interp(t, run[0], run[1]) for run in runs], axis=0)
    return plateaus, t, loss
