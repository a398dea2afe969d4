"""Drawing the Hessian spectrum of a critical point, its kernel split into orbit and centre.

Compute and draw are separate: :func:`landscape.geometry.classify` and
:func:`landscape.geometry.hessian_spectrum` compute the parts; this module only draws them.
"""

from __future__ import annotations

import numpy as np

from .._base.validation import check_choice
from ..geometry import Classification, HessianSpectrum, hessian_spectrum
from ._axes import axes_or_new

__all__ = ["plot_hessian_spectrum"]

#: Colour and marker of each part of the spectrum.
_STYLE = {
    "negative": dict(color="tab:red", marker="v", s=28, zorder=3),
    "orbit": dict(color="0.6", marker="o", s=10, zorder=2),
    "centre": dict(color="tab:orange", marker="D", s=14, zorder=2),
    "positive": dict(color="tab:blue", marker="^", s=18, zorder=2),
}
_NAMES = {"negative": "negative", "orbit": "kernel: orbit tangent",
          "centre": "kernel: centre", "positive": "positive"}


def _as_spectrum(spectrum, zero_threshold, n_orbit) -> HessianSpectrum:
    if isinstance(spectrum, Classification):
        return spectrum.spectrum
    if isinstance(spectrum, HessianSpectrum):
        return spectrum
    if zero_threshold is None:
        raise ValueError("zero_threshold must be given when spectrum is an array of "
                         "eigenvalues (a Classification or HessianSpectrum carries its own)")
    return hessian_spectrum(spectrum, zero_threshold=zero_threshold, n_orbit=n_orbit)


def plot_hessian_spectrum(spectrum, *, zero_threshold: float | None = None, n_orbit: int = 0,
                          ax=None, yscale: str = "symlog"):
    """Hessian eigenvalues in ascending order, each part of the spectrum marked.

    Negative eigenvalues (the strict-saddle directions) are drawn large and red; the kernel
    (``|lambda| <= zero_threshold``) is split into the tangent of the hidden-layer symmetry
    orbit (its first ``n_orbit`` slots) and the centre beyond it (the Morse-Bott defect,
    where a non-strict saddle escapes at higher order, docs/theory.md §4-§4.2); the legend gives the
    count of each part. Kernel eigenvalues a matrix-free solver did not compute are drawn at 0.

    Parameters
    ----------
    spectrum : Classification, HessianSpectrum or array_like
        A :class:`~landscape.geometry.Classification` (its ``spectrum``), a
        :class:`~landscape.geometry.HessianSpectrum`, or plain eigenvalues.
    zero_threshold : float, optional
        For plain eigenvalues: ``|lambda| <= zero_threshold`` counts as zero (required then).
    n_orbit : int
        For plain eigenvalues: the dimension of the orbit tangent.
    ax : matplotlib Axes, optional
    yscale : {"symlog", "linear"}
        ``"symlog"`` is linear up to the decade below the smallest nonzero ``|lambda|`` and
        logarithmic beyond, so that eigenvalues of very different sizes and the kernel all show.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from landscape import DataSpectrum, Landscape, canonical_representative, classify
    >>> land = Landscape(DataSpectrum.from_singular_values([4.0, 1.0]), widths=(2, 2, 2, 2))
    >>> found = classify(land, canonical_representative(land, (0,)))
    >>> ax = plot_hessian_spectrum(found)
    >>> [text.get_text() for text in ax.get_legend().get_texts()]
    ['kernel: orbit tangent (6)', 'kernel: centre (3)', 'positive (3)']
    """
    check_choice(yscale, "yscale", ("symlog", "linear"))
    parts = _as_spectrum(spectrum, zero_threshold, n_orbit)
    ax = axes_or_new(ax)
    start = 1
    for name in ("negative", "orbit", "centre", "positive"):
        values = getattr(parts, name)
        index = np.arange(start, start + values.size)
        start += values.size
        if values.size:
            ax.scatter(index, values, label=f"{_NAMES[name]} ({values.size})", **_STYLE[name])
    ax.axhline(0.0, color="0.8", lw=0.8, zorder=1)
    nonzero = np.abs(np.concatenate([parts.negative, parts.positive]))
    if yscale == "symlog":
        # linear up to the decade below the smallest nonzero |lambda|, logarithmic beyond
        linthresh = 10.0 ** np.floor(np.log10(nonzero.min())) if nonzero.size else 1.0
        ax.set_yscale("symlog", linthresh=linthresh)
        if not parts.n_negative:
            ax.set_ylim(-linthresh, linthresh if not nonzero.size else None)
    ax.set(xlabel="eigenvalue index (ascending)", ylabel="Hessian eigenvalue",
           xlim=(0, parts.eigenvalues.size + 1))
    ax.legend(loc="upper left", fontsize=8)
    return ax
