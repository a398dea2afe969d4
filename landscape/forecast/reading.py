"""Plateaus read off a loss curve: the classes on the path, their values, entry and exit times.

A trajectory from a small start passes near the classes ``S_0 -> S_1 -> ...`` of THEORY §8,
resting on the value ``L_S`` of each. The plateau at ``S_i`` is left at the first time the
loss falls below the midpoint ``(L_{S_i} + L_{S_{i+1}}) / 2`` between its value and the next
on the path; it is entered when the previous one is left (at 0 for the first). Between two
records the crossing is found on the cubic Hermite interpolant of the loss, whose slope is
known exactly (``dL/dt = -||grad L||^2``), so the reading errs by ``O(dt^4)``, far below the
integrators' tolerance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize

from ..flow import FlowResult
from ..problem.learnt import learnt_modes
from ..problem.network import Landscape

__all__ = ["ForecastPlateau", "crossing_time", "flow_plateau_exits", "plateau_records"]


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
    below ``level``, on the cubic Hermite interpolant of the bracketing records; ``inf`` if
    it never does, ``t[0]`` if it starts below."""
    below = np.flatnonzero(loss < level)
    if below.size == 0:
        return float("inf")
    i = int(below[0])
    if i == 0:
        return float(t[0])
    t0, t1 = float(t[i - 1]), float(t[i])
    dt = t1 - t0
    y0, y1, m0, m1 = float(loss[i - 1]), float(loss[i]), float(slope[i - 1]) * dt, \
        float(slope[i]) * dt

    def gap(s):
        return ((2 * s ** 3 - 3 * s ** 2 + 1) * y0 + (s ** 3 - 2 * s ** 2 + s) * m0
                + (-2 * s ** 3 + 3 * s ** 2) * y1 + (s ** 3 - s ** 2) * m1 - level)

    return t0 + dt * optimize.brentq(gap, 0.0, 1.0, xtol=1e-15)


def plateau_records(land: Landscape, t, loss, slope, subsets) -> list[ForecastPlateau]:
    """The plateaus of a recorded run of ``land``: its loss ``loss``, slope ``slope = dL/dt``
    and learnt class ``subsets`` at the times ``t``; the path is the sequence of distinct
    classes in the order the run reaches them."""
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
            exit_ = crossing_time(t, loss, slope, value - 0.5 * gap)
            span = (t >= enter) & (t <= exit_)
            near = bool(np.any(np.abs(loss[span] - value) <= 0.1 * abs(gap))) \
                if np.any(span) else False
        else:
            exit_, near = float("inf"), True
        out.append(ForecastPlateau(s, value, enter, exit_, separated=near))
        enter = exit_
    return out


def flow_plateau_exits(land: Landscape, result: FlowResult) -> list[ForecastPlateau]:
    """The plateaus of an integrated flow, read as a forecast reads its own: an oracle.

    ``result`` must be recorded with ``record_weights=True`` (the classes are read from the
    end-to-end map at each record, :func:`landscape.problem.learnt.learnt_modes`).

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
    if not isinstance(result, FlowResult) or result.trajectory is None:
        raise ValueError("result must be a FlowResult recorded with record_weights=True")
    subsets = [learnt_modes(land, land.unflatten(theta)).subset for theta in result.trajectory]
    return plateau_records(land, result.t, result.loss, -result.gradient_norm ** 2, subsets)
