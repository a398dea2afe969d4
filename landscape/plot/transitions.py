"""Transition probabilities of a saddle graph as a heat map, for graphs too dense to draw.

Classes are ordered by critical value, highest first, on both axes; every connection lowers
the loss (docs/theory.md §5), so the edges lie above the diagonal and the one-hop skeleton near it.
A cell is the share of the source's random probes that first arrived at the target.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .._base.validation import check_int
from ..connections import subset_label
from ._axes import axes_or_new
from .connections import check_graph, edge_hop

if TYPE_CHECKING:  # networkx is imported where used: ``import landscape`` stays light
    import networkx as nx

__all__ = ["plot_transition_matrix", "transition_matrix"]


def transition_matrix(G: nx.DiGraph) -> tuple[list, np.ndarray, np.ndarray]:
    """Classes ordered by value (highest first), their probabilities and one-hop marks.

    Returns ``(nodes, P, one_hop)``: ``P[i, j]`` is the ``probability`` of the edge
    ``nodes[i] -> nodes[j]`` (NaN where there is no edge, or where its source drew no random
    probe) and ``one_hop[i, j]`` whether that edge is certified one-hop.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.DiGraph()
    >>> G.add_node((), value=2.0); G.add_node((0,), value=1.0)
    >>> G.add_edge((), (0,), hop="one_hop", probability=0.75)
    >>> nodes, P, one = transition_matrix(G)
    >>> nodes, P.tolist(), one.tolist()
    ([(), (0,)], [[nan, 0.75], [nan, nan]], [[False, True], [False, False]])
    """
    check_graph(G)
    nodes = sorted(G, key=lambda node: (-float(G.nodes[node]["value"]), len(node), node))
    index = {node: i for i, node in enumerate(nodes)}
    P = np.full((len(nodes), len(nodes)), np.nan)
    one_hop = np.zeros(P.shape, dtype=bool)
    for a, b, data in G.edges(data=True):
        P[index[a], index[b]] = float(data.get("probability", np.nan))
        one_hop[index[a], index[b]] = edge_hop(data) == "one_hop"
    return nodes, P, one_hop


def plot_transition_matrix(G: nx.DiGraph, *, ax=None, cmap: str = "viridis",
                           mark_one_hop: bool = True, colorbar: bool = True,
                           max_ticks: int = 30):
    """Heat map of transition probabilities: row = from, column = to, by value on both axes.

    Classes are ordered by critical value, highest first, on both axes, so every edge lies
    above the diagonal (the loss decreases along it) and the one-hop skeleton near it. A cell
    is the edge's ``probability`` (the share of the source's random probes that first arrived
    at the target); cells without an edge are left blank. Certified one-hop edges are
    outlined. One image for the whole matrix, so a thousand classes draw as fast as ten.

    Parameters
    ----------
    G : networkx.DiGraph
        From :func:`landscape.connections.saddle_graph`.
    ax : matplotlib Axes, optional
    cmap : str
        Colour map of the probabilities (0 to 1).
    mark_one_hop : bool
        Outline the one-hop edges.
    colorbar : bool
        Add a colour bar.
    max_ticks : int
        Up to this many classes every one is labelled; above, a few evenly spaced ones.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax.images[0].get_array()[i, j]`` is the probability of the ``i``-th class (by
        value) going to the ``j``-th (masked where there is no edge).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import networkx as nx
    >>> G = nx.DiGraph()
    >>> G.add_node((), value=2.0); G.add_node((0,), value=1.0)
    >>> G.add_edge((), (0,), hop="one_hop", probability=0.75)
    >>> ax = plot_transition_matrix(G)
    >>> float(ax.images[0].get_array()[0, 1])
    0.75
    """
    from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator

    max_ticks = check_int(max_ticks, "max_ticks", minimum=1)
    nodes, P, one_hop = transition_matrix(G)
    n = len(nodes)
    ax = axes_or_new(ax)
    from matplotlib import colormaps

    cmap = (colormaps[cmap] if isinstance(cmap, str) else cmap).with_extremes(bad="white")
    # cells below a pixel or two: average them (antialiased) rather than drop rows
    image = ax.imshow(np.ma.masked_invalid(P), cmap=cmap, vmin=0.0, vmax=1.0,
                      interpolation="nearest" if n <= 150 else "auto", aspect="auto",
                      origin="upper")
    if mark_one_hop and one_hop.any():
        rows, cols = np.nonzero(one_hop)
        cell = 72.0 * min(ax.figure.get_size_inches()) * 0.7 / max(n, 1)  # points, roughly
        if cell >= 3.0:  # an outline inside each cell
            ax.scatter(cols, rows, s=float(min(0.8 * cell, 14.0)) ** 2, marker="s",
                       facecolors="none", edgecolors="tab:red",
                       linewidths=0.8 if cell >= 6 else 0.5, zorder=3,
                       label="one-hop (certified)")
        else:  # too small to outline: a faint dot that leaves the colour readable
            ax.scatter(cols, rows, s=max(0.3 * cell, 0.2) ** 2, marker="o",
                       color="tab:red", linewidths=0, alpha=0.5, zorder=3,
                       label="one-hop (certified)")
        ax.legend(loc="lower left", fontsize=7, framealpha=0.85, markerscale=max(1.0, 3 / cell))
    labels = [subset_label(node) for node in nodes]
    for axis in (ax.xaxis, ax.yaxis):
        if n <= max_ticks:
            axis.set_major_locator(FixedLocator(range(n)))
        else:
            axis.set_major_locator(MaxNLocator(nbins=8, integer=True))
        axis.set_major_formatter(FuncFormatter(
            lambda v, _, labels=labels: labels[int(round(v))]
            if 0 <= int(round(v)) < len(labels) and abs(v - round(v)) < 1e-9 else ""))
    ax.tick_params(axis="x", labelrotation=90, labelsize=7 if n <= max_ticks else 8)
    ax.tick_params(axis="y", labelsize=7 if n <= max_ticks else 8)
    ax.set_xlim(-0.5, n - 0.5)
    ax.set_ylim(n - 0.5, -0.5)
    ax.set(xlabel="to (classes by value, highest first)",
           ylabel="from (classes by value, highest first)")
    if colorbar:
        ax.figure.colorbar(image, ax=ax, label="transition probability")
    return ax
