"""Drawing the frustration of a network's signed graph against its null models (docs/theory.md §6).

Compute and draw are separate: these functions take a
:class:`~landscape.signed.FrustrationTrajectory` or
:class:`~landscape.signed.NullComparison` and an Axes (a new one when ``ax=None``), draw,
and return the Axes; nothing here shows a window. The measure and the null models are those
of J. Wendin, E. G. Larsson, C. Altafini, *Computing frustration and near-monotonicity in
deep neural networks*, arXiv:2510.05286.
"""

from __future__ import annotations

import numpy as np

from .._base.validation import check_int, check_positive
from ..signed import (FrustrationTrajectory, NearMonotonicity, NetworkFrustrationResult,
                      NetworkNullComparison, NullComparison)
from ._axes import axes_or_new

__all__ = ["plot_frustration_curve", "plot_frustration_null", "plot_near_monotonicity",
           "plot_network_frustration"]


def plot_frustration_curve(trajectory: FrustrationTrajectory, *, ax=None, label: str | None = None,
                           color=None, band: float = 2.0, t_floor: float = 1e-2):
    """Normalised frustration ``F/W`` against time, with the null model's band.

    The curve is ``trajectory.normalized`` at ``trajectory.t`` (log time axis). With a null
    model, the band ``null_mean +- band * null_std`` is shaded and its mean dashed: a curve
    below the band is less frustrated than networks with the same weights and shuffled signs
    (or permuted weights). Where a value is only a greedy upper bound, the proven lower bound
    is drawn dotted.

    Parameters
    ----------
    trajectory : FrustrationTrajectory
        From :func:`landscape.signed.frustration_along_flow`.
    ax : matplotlib Axes, optional
    label : str, optional
        Legend label of the curve (the band is labelled after it).
    color : matplotlib color, optional
        Of the curve and its band (default: the Axes' next color).
    band : float
        Half-width of the band in null standard deviations.
    t_floor : float
        Times below this are drawn at it (the log axis has no place for ``t = 0``).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from landscape import DataSpectrum, Landscape, frustration_along_flow, gradient_flow
    >>> land = Landscape(DataSpectrum.from_singular_values([4.0, 1.0]), widths=(2, 2, 2, 2))
    >>> result = gradient_flow(land, land.random_weights(scale=0.1, seed=0), record_weights=True)
    >>> along = frustration_along_flow(result, land, every=20, null="sign_shuffle",
    ...                                null_samples=5, seed=0)
    >>> ax = plot_frustration_curve(along, label="small start")
    >>> ax.get_ylabel()
    'frustration / total weight'
    """
    if not isinstance(trajectory, FrustrationTrajectory):
        raise TypeError(f"trajectory must be a FrustrationTrajectory, got "
                        f"{type(trajectory).__name__}")
    band = check_positive(band, "band")
    t_floor = check_positive(t_floor, "t_floor")
    ax = axes_or_new(ax)
    t = np.maximum(trajectory.t, t_floor)
    (line,) = ax.plot(t, trajectory.normalized, "o-", ms=3, color=color, label=label)
    color = line.get_color()
    if not np.all(trajectory.exact):
        total = trajectory.total_weight
        lower = trajectory.lower_bound / np.where(total > 0, total, 1.0)
        ax.plot(t, lower, ":", color=color, label="proven lower bound")
    if trajectory.null is not None:
        mean, std = trajectory.null_mean, trajectory.null_std
        name = trajectory.null.replace("_", " ")
        ax.fill_between(t, mean - band * std, mean + band * std, color=color, alpha=0.15,
                        lw=0, label=f"{name} null, mean +- {band:g} std"
                        + (f" ({label})" if label else ""))
        ax.plot(t, mean, "--", color=color, lw=0.8)
    ax.set(xscale="log", xlabel="time t", ylabel="frustration / total weight")
    if label is not None or trajectory.null is not None:
        ax.legend(fontsize=8)
    return ax


def plot_frustration_null(comparison: NullComparison, *, ax=None, bins: int = 20):
    """Histogram of the null samples' normalised frustration, and the network's value.

    Parameters
    ----------
    comparison : NullComparison
        From :func:`landscape.signed.frustration_vs_null`.
    ax : matplotlib Axes, optional
    bins : int
        Histogram bins.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from landscape import frustration_vs_null
    >>> rng = np.random.default_rng(0)
    >>> layers = [rng.standard_normal((4, 3)), rng.standard_normal((2, 4))]
    >>> ax = plot_frustration_null(frustration_vs_null(layers, samples=30, seed=1))
    >>> len(ax.patches) >= 1
    True
    """
    if not isinstance(comparison, NullComparison):
        raise TypeError(f"comparison must be a NullComparison, got "
                        f"{type(comparison).__name__}")
    bins = check_int(bins, "bins", minimum=1)
    ax = axes_or_new(ax)
    name = comparison.null.replace("_", " ")
    ax.hist(comparison.samples, bins=bins, color="0.7",
            label=f"{name} null ({comparison.samples.size} samples)")
    z = "" if comparison.z_score is None else f"z = {comparison.z_score:.2f}, "
    ax.axvline(comparison.value, color="C3", lw=2,
               label=f"network: {comparison.value:.4f} ({z}p = {comparison.p_value:.3g})")
    ax.set(xlabel="frustration / total weight", ylabel="null samples")
    ax.legend(fontsize=8)
    return ax


def plot_network_frustration(result, *, ax=None, band: float = 2.0, label: str | None = None,
                             color=None, max_labels: int = 40):
    """Each layer's normalised frustration ``F_b / W_b`` against the null band (docs/theory.md §6.1).

    One point per edge block of the network, in topological order; with a
    :class:`~landscape.signed.results.NetworkNullComparison`, the null's per-layer
    ``mean +- band * std`` is shaded and its mean dashed: a layer below its band is less
    frustrated than the same architecture with the null's weights.

    Parameters
    ----------
    result : NetworkFrustrationResult or NetworkNullComparison
        From :func:`landscape.frustration` or :func:`landscape.frustration_vs_null` of a
        :class:`~landscape.signed.network.SignedNetwork`.
    ax : matplotlib Axes, optional
    band : float
        Half-width of the band in null standard deviations.
    label : str, optional
        Legend label of the network's points (default ``"network"``).
    color : matplotlib color, optional
    max_labels : int
        Most layer names written under the axis (every k-th beyond).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from landscape import frustration_vs_null, signed_network
    >>> rng = np.random.default_rng(0)
    >>> net = signed_network([rng.standard_normal((4, 3)), rng.standard_normal((2, 4))])
    >>> ax = plot_network_frustration(frustration_vs_null(net, samples=5, seed=1))
    >>> ax.get_ylabel()
    'frustration / layer weight'
    """
    null = result if isinstance(result, NetworkNullComparison) else None
    own = null.result if null is not None else result
    if not isinstance(own, NetworkFrustrationResult):
        raise TypeError(f"result must be a NetworkFrustrationResult or NetworkNullComparison, "
                        f"got {type(result).__name__}")
    band = check_positive(band, "band")
    max_labels = check_int(max_labels, "max_labels", minimum=1)
    ax = axes_or_new(ax)
    x = np.arange(len(own.block_names))
    (line,) = ax.plot(x, own.block_normalized(), "o-", ms=3, color=color,
                      label=label or "network")
    if null is not None:
        mean, std = null.block_band()
        name = null.null.replace("_", " ")
        ax.fill_between(x, np.clip(mean - band * std, 0, None), mean + band * std,
                        color="0.5", alpha=0.25, lw=0,
                        label=f"{name} null, mean +- {band:g} std ({null.samples.size} samples)")
        ax.plot(x, mean, "--", color="0.4", lw=0.8)
    step = max(1, int(np.ceil(len(x) / max_labels)))
    ax.set_xticks(x[::step], [own.block_names[i] for i in x[::step]], rotation=90, fontsize=6)
    ax.set(xlabel="layer (edge block)", ylabel="frustration / layer weight")
    ax.legend(fontsize=8)
    return ax


def plot_near_monotonicity(result: NearMonotonicity, *, ax=None, band: float = 2.0):
    """A network's near-monotonicity against its null networks' (docs/theory.md §6.1).

    Near-monotonicity (J. Wendin, E. G. Larsson, C. Altafini, arXiv:2510.05286) is the fraction
    of output changes ``D_y (f(x + delta) - f(x)) >= 0`` under perturbations
    ``delta = eps D_x |eta|`` inside the input orthant of a switching ``D``: 1 for a monotone
    (balanced) network. Drawn in two columns: the network's score (a large point) over its
    per-input scores (small points), and, with a null model, each null network's score (small
    points) with their ``mean +- band * std`` as an error bar; the dotted line is 1.

    Parameters
    ----------
    result : NearMonotonicity
        From :func:`landscape.signed.near_monotonicity`.
    ax : matplotlib Axes, optional
    band : float
        Half-width of the null's error bar in standard deviations.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from landscape.signed import NearMonotonicity
    >>> result = NearMonotonicity(score=0.9, per_input=np.array([0.8, 1.0]), epsilon=1e-3,
    ...                           perturbations=8, frustration=0.1, null="sign_shuffle",
    ...                           null_scores=np.array([0.6, 0.7]), null_mean=0.65,
    ...                           null_std=0.07, z_score=3.5, p_value=1 / 3)
    >>> ax = plot_near_monotonicity(result)
    >>> ax.get_ylabel()
    'near-monotonicity'
    """
    if not isinstance(result, NearMonotonicity):
        raise TypeError(f"result must be a NearMonotonicity, got {type(result).__name__}")
    band = check_positive(band, "band")
    ax = axes_or_new(ax)
    ax.axhline(1.0, color="0.5", ls=":", lw=0.8)
    ax.plot(_spread(result.per_input.size), result.per_input, ".", color="C0", alpha=0.5,
            label=f"per input ({result.per_input.size})")
    ax.plot([0], [result.score], "o", ms=9, color="C3", label=f"network: {result.score:.4f}")
    ticks = ["network"]
    if result.null is not None:
        name = result.null.replace("_", " ")
        scores = result.null_scores
        ax.plot(1 + _spread(scores.size), scores, ".", color="0.5",
                label=f"{name} null ({scores.size} samples)")
        z = "" if result.z_score is None else f"z = {result.z_score:.2f}, "
        ax.errorbar([1], [result.null_mean], yerr=[band * result.null_std], fmt="s",
                    color="0.2", capsize=4,
                    label=f"null mean +- {band:g} std ({z}p = {result.p_value:.3g})")
        ticks.append(f"{name} null")
    ax.set_xticks(range(len(ticks)), ticks)
    ax.set(xlim=(-0.6, len(ticks) - 0.4), ylabel="near-monotonicity")
    ax.legend(fontsize=7)
    return ax


def _spread(n: int) -> np.ndarray:
    """``n`` horizontal offsets spread evenly over a column's width (deterministic jitter)."""
    return np.linspace(-0.2, 0.2, n) if n > 1 else np.zeros(n)
