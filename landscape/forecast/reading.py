"""Plateaus read off a loss curve: the classes on the path, their values, entry and exit times.

A trajectory from a small start passes near the classes ``S_0 -> S_1 -> ...`` of docs/theory.md §8,
resting on the value ``L_S`` of each. The plateau at ``S_i`` is left at the first time the
loss falls below the midpoint ``(L_{S_i} + L_{S_{i+1}}) / 2`` between its value and the next
on the path; it is entered when the previous one is left (at 0 for the first). Between two
records the crossing is found on the quintic Hermite interpolant of the loss at three
records, whose slope is known exactly (``dL/dt = -||grad L||^2``), so the reading errs by
``O(dt^6)``, below the integrators' tolerance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._base.scaling import power_of_two
from ..flow import EndToEndResult, FlowResult
from ..problem.learnt import block_values, learnt_above
from ..problem.network import Landscape
from ..problem.ties import subset_of_counts, tie_groups

__all__ = ["ForecastPlateau", "crossing_time", "flow_plateau_exits", "learnt_counts",
           "plateau_records", "subsets_of_counts"]


@dataclass(frozen=True)
class ForecastPlateau:
    """One plateau of a (forecast or integrated) run.

    Attributes
    ----------
    subset : tuple of int
        The class ``S`` (0-based learnt modes, canonical within tie groups).
    value : float
        Its critical value ``L_S``.
    t_enter, t_exit : float
        Flow times: entered when the previous plateau is left, left when the loss falls below
        the midpoint to the next value (``inf`` for the last class of the path).
    t_exit_band : tuple of float or None
        The 10% and 90% quantiles of ``t_exit`` over random starts (a forecast over starts).
    separated : bool
        Whether the loss came within a tenth of the gap to the next value of ``L_S``: a
        plateau a run actually rests on, not a value it passes by.
    """

    subset: tuple[int, ...]
    value: float
    t_enter: float
    t_exit: float
    t_exit_band: tuple[float, float] | None = None
    separated: bool = True


def crossing_time(t, loss, slope, level: float) -> float:
    """First time the decreasing curve ``loss(t)`` (slope ``slope(t)`` at the records) falls
    below ``level``; ``inf`` if it never does, ``t[0]`` if it starts below.

    Read on the quintic Hermite interpolant of the two bracketing records and the nearest
    third one (values and exact slopes at three records): an error of order ``dt^6``.
    """
    below = np.flatnonzero(loss < level)
    if below.size == 0:
        return float("inf")
    i = int(below[0])
    if i == 0:
        return float(t[0])
    nodes = [i - 1, i, i + 1] if i + 1 < len(t) else [i - 2, i - 1, i] if i >= 2 else [i - 1, i]
    t0, dt = float(t[i - 1]), float(t[i] - t[i - 1])
    x = (np.asarray(t, dtype=float)[nodes] - t0) / dt
    powers = np.arange(2 * len(nodes))
    rows = np.vstack([x[:, None] ** powers,
                      powers * x[:, None] ** np.maximum(powers - 1, 0)])
    rhs = np.concatenate([np.asarray(loss, dtype=float)[nodes] - level,
                          np.asarray(slope, dtype=float)[nodes] * dt])
    coefficients = np.linalg.solve(rows, rhs)[::-1]
    from scipy import optimize  # imported where used: ``import landscape`` stays light

    return t0 + dt * optimize.brentq(lambda s: np.polyval(coefficients, s), 0.0, 1.0,
                                     xtol=1e-15)


def plateau_records(land: Landscape, t, loss, slope, subsets, *,
                    time_unit: float = 1.0) -> list[ForecastPlateau]:
    """The plateaus of a recorded run of ``land``: its loss ``loss``, slope ``slope`` (the
    derivative of the loss in ``time_unit``: ``time_unit dL/dt``, which stays finite where
    ``dL/dt`` of badly scaled data overflows) and learnt class ``subsets`` at the times
    ``t``; the path is the sequence of distinct classes in the order the run reaches them."""
    path, first = [], []
    for k, s in enumerate(subsets):
        if not path or s != path[-1]:
            path.append(tuple(s))
            first.append(k)
    values = [land.critical_value(s) for s in path]
    out, enter = [], float(t[0])
    for i, (s, value) in enumerate(zip(path, values)):
        if i + 1 < len(path):
            gap = value - values[i + 1]
            exit_ = time_unit * crossing_time(np.asarray(t) / time_unit, loss, slope,
                                              value - 0.5 * gap)
            span = (t >= enter) & (t <= exit_)
            near = bool(np.any(np.abs(loss[span] - value) <= 0.1 * abs(gap))) \
                if np.any(span) else False
        else:
            exit_, near = float("inf"), True
        out.append(ForecastPlateau(s, value, enter, exit_, separated=near))
        enter = exit_
    return out


def learnt_counts(land: Landscape, products: np.ndarray) -> np.ndarray:
    """``(T, G)``: learnt modes in each tie group (:func:`landscape.tie_groups`) of the end-to-end
    maps ``products`` (``T x d_y x d_x``), read as :func:`landscape.learnt_modes` reads one:
    the singular values of each group's diagonal block of the reduced map above ``sigma_g / 2``
    (the absolute diagonal entry for a single mode)."""
    spec = land.spectrum
    reduced = products if spec.reduced else \
        spec.left.T @ products @ (spec.input_sqrt @ spec.right)
    groups = tie_groups(spec.sigma)
    out = np.empty((reduced.shape[0], len(groups)), dtype=np.int64)
    for k, g in enumerate(groups):
        out[:, k] = np.count_nonzero(learnt_above(block_values(reduced, g), spec.sigma[g[0]]),
                                     axis=1)
    return out


def subsets_of_counts(counts: np.ndarray, groups) -> list[tuple[int, ...]]:
    """The learnt class at each row of ``counts`` (learnt modes per tie group of ``groups``)."""
    memo: dict = {}
    return [memo.setdefault(row, subset_of_counts(groups, row))
            for row in map(tuple, np.asarray(counts).tolist())]


def flow_plateau_exits(land: Landscape, result) -> list[ForecastPlateau]:
    """The plateaus of an integrated flow, read as a forecast reads its own: an oracle.

    ``result`` is a :class:`~landscape.flow.FlowResult` recorded with ``record_weights=True``
    or an :class:`~landscape.flow.EndToEndResult` (the classes are read from the end-to-end map
    at each record, :func:`learnt_counts`).

    Examples
    --------
    >>> import numpy as np
    >>> from landscape import DataSpectrum, Landscape, gradient_flow
    >>> land = Landscape(DataSpectrum.from_singular_values([2.0]), widths=(1, 1, 1))
    >>> res = gradient_flow(land, [np.array([[1e-3]]), np.array([[1e-3]])], record_weights=True)
    >>> first, last = flow_plateau_exits(land, res)
    >>> exact = round(float(np.log(2 / 1e-6 - 1) - np.log(2 / (2 - 2 ** 0.5) - 1)) / 4, 6)
    >>> first.subset, round(first.t_exit, 6), exact
    ((), 3.406821, 3.406821)
    """
    if isinstance(result, EndToEndResult):
        products = result.products
    elif isinstance(result, FlowResult) and result.trajectory is not None:
        products = np.array([land.end_to_end(land.unflatten(theta))
                             for theta in result.trajectory])
    else:
        raise ValueError("result must be an EndToEndResult or a FlowResult recorded with "
                         "record_weights=True")
    subsets = subsets_of_counts(learnt_counts(land, products), tie_groups(land.spectrum.sigma))
    unit = power_of_two(land.time_unit)  # dL/dt = -||grad L||^2, in time units
    return plateau_records(land, result.t, result.loss,
                           -(result.gradient_norm * np.sqrt(unit)) ** 2, subsets, time_unit=unit)
