"""Drawing gradient-flow trajectories against the landscape's critical values.

Compute and draw are separate: these functions take a :class:`~landscape.flow.FlowResult`
and an Axes (a new one when ``ax=None``), draw, and return the Axes; nothing here shows a
window.
"""

from __future__ import annotations

import numpy as np

from ..flow import FlowResult
from ..problem.network import Landscape
from ._axes import axes_or_new
from .labels import show_labels_that_fit

__all__ = ["plot_loss_curve", "plot_singular_value_curve"]


def _times(result: FlowResult, t_floor: float) -> np.ndarray:
    return np.maximum(result.t, t_floor)


def plot_loss_curve(results, land: Landscape, *, labels=None, ax=None, t_floor: float = 1e-2):
    """Excess loss ``L - L_min`` against time (log-log) with the top-k critical values as lines.

    Near the origin the flow rests on a plateau at each top-k value
    ``L_{1..k} - L_min = 1/2 sum_{k < i <= r*} sigma_i^2`` in turn (sequential learning,
    Saxe et al. ICLR 2014; Wendin & Altafini SIAM Review 2025). Subtracting the global minimum
    ``L_min`` (which includes the data's ``L0``) keeps the plateaus near the minimum visible
    on the log axis. Close singular values give close plateaus: a value's label is written
    only where it overlaps no label already written (from ``top-0`` down), its line always.

    Parameters
    ----------
    results : FlowResult or sequence of FlowResult
    land : Landscape
    labels : sequence of str, optional
    ax : matplotlib Axes, optional
    t_floor : float
        Times below this are drawn at it (the log axis has no place for ``t = 0``).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from landscape import DataSpectrum, Landscape, gradient_flow
    >>> land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0]), widths=(2, 2, 2, 2))
    >>> result = gradient_flow(land, land.random_weights(scale=1e-3, seed=0))
    >>> ax = plot_loss_curve(result, land, labels=["small start"])
    >>> [text.get_text() for text in ax.texts]
    ['top-0: 2.5', 'top-1: 0.5']
    """
    ax = axes_or_new(ax)
    results = [results] if isinstance(results, FlowResult) else list(results)
    labels = labels or [None] * len(results)
    minimum = land.minimum_value()
    excess = [land.critical_value(range(k)) - minimum for k in range(land.max_rank + 1)]
    texts = []
    for k, value in enumerate(excess):
        if value <= 0:  # the minimum has no place on a log axis
            continue
        ax.axhline(value, color="0.75", lw=0.8, ls="--")
        texts.append(ax.text(0.99, value, f"top-{k}: {value + minimum:.6g}", va="bottom",
                             ha="right", fontsize=8, color="0.4",
                             transform=ax.get_yaxis_transform()))
    show_labels_that_fit(ax, texts, n_always=len(texts))
    curves = [res.loss - minimum for res in results]
    for k, (res, curve, label) in enumerate(zip(results, curves, labels)):
        ax.plot(_times(res, t_floor), curve, ls=("-", ":", "--", "-.")[k % 4], label=label)
    top = max(max(excess), 1e-300)
    positive = np.concatenate([c[c > 0] for c in curves] + [[top]])
    ax.set(xscale="log", yscale="log", xlabel="time t", ylabel="loss - minimum",
           ylim=(max(positive.min(), 1e-4 * min(v for v in excess + [top] if v > 0)),
                 2 * positive.max()))
    if any(labels):
        ax.legend(loc="lower left")
    return ax


def plot_singular_value_curve(result: FlowResult, land: Landscape, *, ax=None,
                              t_floor: float = 1e-2, style: str = "-"):
    """Singular values of the end-to-end map (reduced coordinates) against time.

    Dashed lines mark the data's ``sigma_i``: each is learnt when its curve reaches its line.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from landscape import DataSpectrum, Landscape, gradient_flow
    >>> land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0]), widths=(2, 2, 2, 2))
    >>> ax = plot_singular_value_curve(gradient_flow(land, land.random_weights(seed=0)), land)
    >>> len(ax.lines)  # one curve and one sigma line per mode
    4
    """
    ax = axes_or_new(ax)
    sigma = land.spectrum.sigma
    for i in range(min(land.max_rank, sigma.size) or 1):
        ax.plot(_times(result, t_floor), result.singular_values[:, i], style, color=f"C{i}")
        ax.axhline(sigma[i], color=f"C{i}", lw=0.8, ls="--", alpha=0.5)
    ax.set(xscale="log", xlabel="time t", ylabel="singular values of W_h...W_1")
    return ax
