"""Labels that fit: of many candidate texts, show those that overlap nothing already shown.

:func:`show_labels_that_fit` adds to an Axes an invisible artist that, drawn just before the
labels, shows them in priority order and hides any that would overlap a label already shown,
cover a marker other than its own or leave the axes. It runs at every draw, so the choice
holds at the figure's final size (after ``tight_layout``, at any dpi, with
``bbox_inches="tight"``): no two visible labels ever overprint, however close the values
they name (close singular values give close critical values).
"""

from __future__ import annotations

import numpy as np

__all__: list[str] = []


def show_labels_that_fit(ax, texts, anchors=(), *, radius: float = 0.0, n_always: int = 0,
                         pad: float = 1.0, zorder: float = 2.99):
    """Cull ``texts`` (in priority order) at every draw of ``ax``; the culling artist.

    Parameters
    ----------
    ax : matplotlib Axes
    texts : sequence of matplotlib Text
        The candidates, most important first.
    anchors : sequence of (x, y), optional
        Data coordinates of the markers the texts name (one per text, or none): a text may
        not cover another text's marker.
    radius : float
        Marker radius in points.
    n_always : int
        The first ``n_always`` texts are shown even where they cover a marker or leave the
        axes (never where they overlap a label already shown).
    pad : float
        Least gap between two shown labels, in points.
    zorder : float
        Draw order of the culler: just below the texts'.
    """
    culler = _culler_class()(list(texts), list(anchors), radius, n_always, pad)
    culler.set_zorder(zorder)
    ax.add_artist(culler)
    return culler


def _culler_class():
    """An invisible artist that, drawn just before the labels, hides those that do not fit."""
    from matplotlib.artist import Artist

    class LabelCuller(Artist):
        """Shows labels in priority order, skipping any that would overlap one already shown,
        cover another class's marker or leave the axes. Runs at every draw, so the labels
        follow the final size of the axes (after ``tight_layout``, at any dpi)."""

        def __init__(self, texts, anchors, radius, n_always=0, pad=1.0):
            super().__init__()
            self.texts, self.anchors, self.radius, self.pad = texts, anchors, radius, pad
            self.n_always = n_always  # the extremes: shown unless they overlap a label
            self.set_in_layout(False)

        def draw(self, renderer):
            if not self.texts:
                return
            ax = self.axes
            scale = renderer.points_to_pixels(1.0)
            pad, radius = self.pad * scale, self.radius * scale
            frame = ax.get_window_extent(renderer)
            marks = (ax.transData.transform(np.asarray(self.anchors, dtype=float))
                     if len(self.anchors) else np.empty((0, 2)))
            placed = np.empty((0, 4))
            for index, text in enumerate(self.texts):
                text.set_visible(True)
                box = text.get_window_extent(renderer)
                x0, y0, x1, y1 = box.x0 - pad, box.y0 - pad, box.x1 + pad, box.y1 + pad
                inside = (x0 >= frame.x0 - pad and x1 <= frame.x1 + pad
                          and y0 >= frame.y0 - pad and y1 <= frame.y1 + pad)
                clash = bool(placed.size) and bool(np.any(
                    (placed[:, 0] < x1) & (placed[:, 2] > x0)
                    & (placed[:, 1] < y1) & (placed[:, 3] > y0)))
                others = np.delete(marks, index, axis=0) if len(marks) else marks
                covers = bool(others.size) and bool(np.any(
                    (others[:, 0] + radius > x0) & (others[:, 0] - radius < x1)
                    & (others[:, 1] + radius > y0) & (others[:, 1] - radius < y1)))
                if clash or (index >= self.n_always and (covers or not inside)):
                    text.set_visible(False)
                else:
                    placed = np.vstack([placed, [box.x0, box.y0, box.x1, box.y1]])

    return LabelCuller
