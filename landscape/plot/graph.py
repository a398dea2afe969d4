"""Drawing the saddle connection graph: classes at the height of their critical value.

Compute and draw are separate: :func:`saddle_graph_layout` places the classes of a graph from
:func:`landscape.connections.saddle_graph` and :func:`plot_saddle_graph` draws them. As in a
disconnectivity graph of an energy landscape, the vertical axis is the loss: every
connection runs downhill (THEORY §5), from the highest saddle (the origin, ``S = {}``) to the
global minima at the bottom. The horizontal axis is layered by the number of learnt modes
``|S|`` (the rank of the end-to-end map), so a single-mode connection ``S -> S u {i}`` steps
one layer to the right and a swap of modes stays in its layer.
"""

from __future__ import annotations

from collections.abc import Mapping

import networkx as nx
import numpy as np

from .._base.validation import _describe, check_choice, check_nonnegative, check_positive
from ..connections import subset_label
from ._axes import axes_or_new

__all__ = ["KIND_COLORS", "plot_saddle_graph", "saddle_graph_layout"]

#: Node colour of each kind of class (``"unknown"``: a class reached outside the catalog).
KIND_COLORS = {"global_minimum": "tab:green", "strict_saddle": "tab:orange",
               "non_strict_saddle": "tab:purple", "unknown": "0.6"}
_KIND_LABELS = {"global_minimum": "global minimum", "strict_saddle": "strict saddle",
                "non_strict_saddle": "non-strict saddle", "unknown": "outside the catalog"}


def _check_graph(G) -> None:
    if not isinstance(G, nx.DiGraph):
        raise TypeError(f"G must be a networkx.DiGraph, got {type(G).__name__}")
    for node, value in G.nodes(data="value"):
        if not isinstance(node, tuple):
            raise ValueError(f"G must have subset tuples as nodes, got node {_describe(node)}")
        if value is None:
            raise ValueError(f"G must give every node a 'value', got none for node {node}")


def saddle_graph_layout(G: nx.DiGraph, *, min_gap: float = 0.04,
                        spread: float = 0.3) -> dict[tuple[int, ...], tuple[float, float]]:
    """Positions ``{S: (x, y)}``: ``y`` the critical value, ``x`` the layer ``|S|``.

    Within a layer, classes whose values lie closer than ``min_gap`` times the graph's value
    range (coincident subset sums, e.g. ``sigma^2 = (4, 3, 2, 1)`` gives ``{0,3}`` and
    ``{1,2}`` the same value) form a cluster, spread evenly over ``x = |S| +- spread`` in the
    order of their keys, so that no two nodes are drawn on top of each other.

    Parameters
    ----------
    G : networkx.DiGraph
        Nodes are subset tuples with a ``value`` attribute.
    min_gap : float
        Relative height below which two classes of a layer are spread apart.
    spread : float
        Half-width of a spread cluster, in layers (below 0.5 keeps layers apart).

    Returns
    -------
    dict
        ``{node: (x, y)}``.

    Examples
    --------
    >>> G = nx.DiGraph()
    >>> G.add_node((), value=2.5)
    >>> G.add_node((0,), value=0.0)
    >>> saddle_graph_layout(G)
    {(): (0.0, 2.5), (0,): (1.0, 0.0)}
    """
    _check_graph(G)
    min_gap = check_nonnegative(min_gap, "min_gap")
    spread = check_positive(spread, "spread")
    if spread >= 0.5:
        raise ValueError(f"spread must be < 0.5 (layers would overlap), got {spread}")
    values = {node: float(value) for node, value in G.nodes(data="value")}
    span = max(values.values(), default=0.0) - min(values.values(), default=0.0)
    gap = min_gap * (span if span > 0 else 1.0)
    pos = {}
    for layer in sorted({len(node) for node in G}):
        members = sorted((n for n in G if len(n) == layer), key=lambda n: (values[n], n))
        clusters = []
        for node in members:
            if clusters and values[node] - values[clusters[-1][-1]] < gap:
                clusters[-1].append(node)
            else:
                clusters.append([node])
        for cluster in clusters:
            offsets = np.linspace(-spread, spread, len(cluster)) if len(cluster) > 1 else [0.0]
            for node, offset in zip(sorted(cluster), offsets):
                pos[node] = (float(layer + offset), values[node])
    return {node: pos[node] for node in G}


def plot_saddle_graph(G: nx.DiGraph, *, ax=None, pos: Mapping | None = None,
                      labels: bool = True, width: str = "probes", min_width: float = 0.6,
                      max_width: float = 4.0, node_size: float = 90.0, legend: bool = True,
                      yscale: str = "auto"):
    """Draw a saddle connection graph: height = critical value, colour = kind, width = probes.

    Nodes sit at :func:`saddle_graph_layout` (or ``pos``), coloured by the kind of their
    representative (:data:`KIND_COLORS`) and labelled by their subset (``"{0,2}"``); each
    connection ``S -> S'`` is an arrow whose line width grows linearly with its ``width``
    attribute (the number of probes that took it), from ``min_width`` to ``max_width``.

    Parameters
    ----------
    G : networkx.DiGraph
        From :func:`landscape.connections.saddle_graph` or
        :func:`~landscape.connections.load_saddle_graph`.
    ax : matplotlib Axes, optional
    pos : mapping, optional
        Node positions ``{S: (x, y)}``; default :func:`saddle_graph_layout`.
    labels : bool
        Write the subset beside each node.
    width : str
        Edge attribute that sets the line width (default ``"probes"``).
    min_width, max_width : float
        Line widths (points) of the least and most travelled connections.
    node_size : float
        Marker area (points^2).
    legend : bool
        Add a legend of the kinds present.
    yscale : {"auto", "linear", "log"}
        ``"log"`` draws the height above the lowest class, ``L_S - L_min``, on a symmetric
        log axis (linear below the smallest positive height): for data whose singular values
        span decades, where the classes near the minimum would otherwise coincide.
        ``"auto"``: ``"log"`` when the largest height is over 100 times the smallest
        positive one, else ``"linear"``.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> G = nx.DiGraph()
    >>> G.add_node((), value=319.1, kind="non_strict_saddle")
    >>> G.add_node((0,), value=237.3, kind="non_strict_saddle")
    >>> G.add_node((0, 1), value=237.0, kind="global_minimum")
    >>> G.add_edge((), (0,), probes=2)
    >>> G.add_edge((0,), (0, 1), probes=1)
    >>> ax = plot_saddle_graph(G, yscale="log")
    >>> ax.get_yscale(), [round(float(y), 6) for y in ax.collections[0].get_offsets()[:, 1]]
    ('symlog', [82.1, 0.3])
    """
    from matplotlib.patches import FancyArrowPatch

    _check_graph(G)
    min_width = check_positive(min_width, "min_width")
    max_width = check_positive(max_width, "max_width")
    if max_width < min_width:
        raise ValueError(f"max_width must be >= min_width = {min_width}, got {max_width}")
    node_size = check_positive(node_size, "node_size")
    check_choice(yscale, "yscale", ("auto", "linear", "log"))
    if pos is None:
        pos = saddle_graph_layout(G)
    elif not isinstance(pos, Mapping) or set(pos) != set(G):
        raise ValueError("pos must map every node of G to (x, y), and nothing else")
    if yscale == "auto":
        heights = np.array([y for _, y in pos.values()]) - min((y for _, y in pos.values()),
                                                                default=0.0)
        positive = heights[heights > 0]
        yscale = "log" if positive.size and positive.max() > 100 * positive.min() else "linear"
    lowest = min((y for _, y in pos.values()), default=0.0) if yscale == "log" else 0.0
    pos = {node: (x, y - lowest) for node, (x, y) in pos.items()}
    counts = {}
    for a, b, data in G.edges(data=True):
        count = data.get(width)
        if count is None:
            raise ValueError(f"width must name an edge attribute, got {width!r} "
                             f"(missing on edge {subset_label(a)}->{subset_label(b)})")
        counts[a, b] = float(count)
    ax = axes_or_new(ax)
    top = max(counts.values(), default=1.0) or 1.0
    radius = 0.5 * np.sqrt(node_size) + 1.0  # marker radius in points, arrows stop short of it
    for (a, b), count in counts.items():
        same_layer = len(a) == len(b)
        ax.add_patch(FancyArrowPatch(
            pos[a], pos[b], arrowstyle="-|>", mutation_scale=8 + 2 * max_width,
            linewidth=min_width + (max_width - min_width) * count / top, color="0.35",
            alpha=0.8, shrinkA=radius, shrinkB=radius, zorder=1,
            connectionstyle=f"arc3,rad={0.3 if same_layer else 0.06}"))
    kinds = [G.nodes[n].get("kind", "unknown") for n in G]
    for kind in dict.fromkeys(kinds):
        nodes = [n for n, k in zip(G, kinds) if k == kind]
        ax.scatter([pos[n][0] for n in nodes], [pos[n][1] for n in nodes], s=node_size,
                   color=KIND_COLORS.get(kind, KIND_COLORS["unknown"]), edgecolors="black",
                   linewidths=0.6, zorder=2, label=_KIND_LABELS.get(kind, str(kind)))
    if labels:
        for node in G:
            ax.annotate(G.nodes[node].get("label", subset_label(node)), pos[node],
                        xytext=(6, 3), textcoords="offset points", fontsize=8, zorder=3)
    layers = sorted({len(n) for n in G})
    ax.set_xticks(layers)
    ax.set(xlabel="learnt modes |S|", ylabel="critical value $L_S$")
    if yscale == "log":
        heights = [y for _, y in pos.values() if y > 0]
        ax.set_yscale("symlog", linthresh=min(heights, default=1.0))
        ax.set_ylabel(f"$L_S - L_{{min}}$ ($L_{{min}}$ = {lowest:.6g})")
    ax.margins(x=0.15, y=0.08)
    xs = [x for x, _ in pos.values()]
    if xs:  # curved arrows' control points must not stretch the axis
        ax.set_xlim(min(xs) - 0.5, max(xs) + 0.5)
    if legend and G.number_of_nodes():
        ax.legend(loc="best", fontsize=8)
    return ax
