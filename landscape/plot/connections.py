"""Drawing the saddle connection graph: classes at the height of their critical value.

Compute and draw are separate: :func:`~landscape.plot.graph_layout.saddle_graph_layout`
places the classes of a graph from :func:`landscape.connections.saddle_graph` (height = value,
layer = ``|S|``: :mod:`~landscape.plot.graph_layout`) and :func:`plot_saddle_graph` draws
them, from the highest saddle (the origin, ``S = {}``) to the global minima at the bottom.

The drawing stays legible from a handful of classes to about a thousand: the certified
*one-hop* skeleton is drawn solid above the *multi-hop* edges (dashed, fainter: found by
random probes, docs/theory.md §5), each edge's strength follows its probability, node markers shrink
with the number of classes and labels are written only where they fit. For graphs too dense
to read as a drawing, :func:`landscape.plot.transitions.plot_transition_matrix` shows the same edges as a heat map of
transition probabilities, classes ordered by value on both axes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from .._base.validation import check_choice, check_int, check_positive
from ..connections import subset_label
from ._axes import axes_or_new
from .graph_layout import auto_yscale, check_graph, edge_hop, label_order, saddle_graph_layout
from .labels import show_labels_that_fit

if TYPE_CHECKING:  # networkx is imported where used: ``import landscape`` stays light
    import networkx as nx

__all__ = ["HOP_STYLES", "KIND_COLORS", "plot_saddle_graph"]

#: Node colour of each kind of class (``"unknown"``: a class reached outside the catalog).
KIND_COLORS = {"global_minimum": "tab:green", "strict_saddle": "tab:orange",
               "non_strict_saddle": "tab:purple", "unknown": "0.6"}
_KIND_LABELS = {"global_minimum": "global minimum", "strict_saddle": "strict saddle",
                "non_strict_saddle": "non-strict saddle", "unknown": "outside the catalog"}

#: How each kind of edge is drawn: the certified one-hop skeleton solid and on top, the
#: multi-hop edges (found by random probes only: chance) dashed, fainter and underneath.
#: ``alpha`` is the opacity of the least and the most probable edge.
HOP_STYLES = {
    "one_hop": {"color": "0.2", "linestyle": "-", "alpha": (0.55, 0.95), "zorder": 1.5,
                "label": "one-hop (certified)"},
    "multi_hop": {"color": "tab:blue", "linestyle": (0, (3, 2)), "alpha": (0.2, 0.7),
                  "zorder": 1.0, "label": "multi-hop (random probes)"},
}

#: Above this many edges the drawing uses one line collection per kind of edge (no
#: arrowheads: every edge runs downhill, so its direction is read from the heights).
MAX_ARROWS = 400


#: Labels considered for placement (the extremes, then from the top down): at most this many.
MAX_LABEL_CANDIDATES = 150


def _edge_strengths(G, width) -> dict:
    """``width`` relative to the largest; a certified edge not sampled at full strength."""
    strengths = {}
    for a, b, data in G.edges(data=True):
        value = data.get(width)
        if value is None and not data.get("certified", False):
            raise ValueError(f"width must name an edge attribute, got {width!r} "
                             f"(missing on edge {subset_label(a)}->{subset_label(b)})")
        strengths[a, b] = None if value is None else float(value)
    top = max((v for v in strengths.values() if v is not None), default=0.0)
    return {edge: 1.0 if value is None else (value / top if top > 0 else 0.0)
            for edge, value in strengths.items()}


def plot_saddle_graph(G: nx.DiGraph, *, ax=None, pos: Mapping | None = None,
                      labels: bool = True, max_labels: int | None = None,
                      width: str = "probability", min_width: float = 0.6,
                      max_width: float = 3.0, node_size: float | None = None,
                      legend: bool = True, yscale: str = "auto", multi_hop: bool = True,
                      arrows: bool | None = None, fontsize: float | None = None):
    """Draw a saddle connection graph: height = critical value, colour = kind.

    Nodes sit at :func:`saddle_graph_layout` (or ``pos``), coloured by the kind of their
    representative (:data:`KIND_COLORS`). Each connection ``S -> S'`` is one line (an arrow
    with a small head up to :data:`MAX_ARROWS` edges): the certified one-hop skeleton solid
    and on top, multi-hop edges dashed and fainter underneath (:data:`HOP_STYLES`). Line
    width and opacity grow linearly with the edge attribute ``width`` (its ``probability``
    by default, the share of the source's random probes that first arrived there), from
    ``min_width`` for the least to ``max_width`` for the most probable edge.

    Labels (the node's ``label``, else its subset ``"{0,2}"``) are placed in priority order
    -- the highest class and the minima first, then from the top down -- and one is shown
    only where it overlaps no label already shown, no other node and stays inside the axes;
    the choice is made at every draw, so it holds at the figure's final size.

    Parameters
    ----------
    G : networkx.DiGraph
        From :func:`landscape.connections.saddle_graph` or
        :func:`~landscape.connections.load_saddle_graph`.
    ax : matplotlib Axes, optional
    pos : mapping, optional
        Node positions ``{S: (x, y)}``; default :func:`saddle_graph_layout`.
    labels : bool
        Write the labels that fit.
    max_labels : int, optional
        Write at most this many labels (in the priority order above).
    width : str
        Edge attribute that sets line width and opacity (default ``"probability"``).
    min_width, max_width : float
        Line widths (points) of the least and most probable connections.
    node_size : float, optional
        Marker area (points^2); default shrinks from 90 with the number of classes.
    legend : bool
        Add a legend of the kinds and the kinds of edge present, beside the axes.
    yscale : {"auto", "linear", "log"}
        ``"log"`` draws the height above the lowest class, ``L_S - L_min``, on a symmetric
        log axis (linear below the smallest positive height): for data whose singular values
        span decades, where the classes near the minimum would otherwise coincide.
        ``"auto"``: ``"log"`` when the largest height is over 100 times the smallest
        positive one, else ``"linear"``.
    multi_hop : bool
        Draw the multi-hop edges (``False``: the one-hop skeleton only).
    arrows : bool, optional
        Arrowheads (one small head per edge); default: up to :data:`MAX_ARROWS` edges.
    fontsize : float, optional
        Label size in points (default 8, or 7 above 100 classes).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import networkx as nx
    >>> G = nx.DiGraph()
    >>> G.add_node((), value=319.1, kind="non_strict_saddle")
    >>> G.add_node((0,), value=237.3, kind="non_strict_saddle")
    >>> G.add_node((0, 1), value=237.0, kind="global_minimum")
    >>> G.add_edge((), (0,), hop="one_hop", probability=0.5)
    >>> G.add_edge((0,), (0, 1), hop="one_hop", probability=1.0)
    >>> ax = plot_saddle_graph(G, yscale="log")
    >>> ax.get_yscale(), [round(float(y), 6) for y in ax.collections[0].get_offsets()[:, 1]]
    ('symlog', [82.1, 0.3])
    """
    from matplotlib.collections import LineCollection
    from matplotlib.colors import to_rgba
    from matplotlib.lines import Line2D
    from matplotlib.patches import FancyArrowPatch

    check_graph(G)
    min_width = check_positive(min_width, "min_width")
    max_width = check_positive(max_width, "max_width")
    if max_width < min_width:
        raise ValueError(f"max_width must be >= min_width = {min_width}, got {max_width}")
    n = G.number_of_nodes()
    if node_size is None:
        node_size = float(np.clip(2500.0 / max(n, 1), 6.0, 90.0))
    node_size = check_positive(node_size, "node_size")
    if max_labels is not None:
        max_labels = check_int(max_labels, "max_labels", minimum=0)
    check_choice(yscale, "yscale", ("auto", "linear", "log"))
    if pos is not None and (not isinstance(pos, Mapping) or set(pos) != set(G)):
        raise ValueError("pos must map every node of G to (x, y), and nothing else")
    if yscale == "auto":
        yscale = auto_yscale((y for _, y in pos.values()) if pos is not None
                              else (v for _, v in G.nodes(data="value")))
    if pos is None:
        pos = saddle_graph_layout(G, yscale=yscale)
    lowest = min((y for _, y in pos.values()), default=0.0) if yscale == "log" else 0.0
    pos = {node: (float(x), float(y) - lowest) for node, (x, y) in pos.items()}
    strengths = _edge_strengths(G, width)
    ax = axes_or_new(ax)

    edges = [(a, b, edge_hop(d)) for a, b, d in G.edges(data=True)
             if multi_hop or edge_hop(d) == "one_hop"]
    if arrows is None:
        arrows = len(edges) <= MAX_ARROWS
    density = min(1.0, np.sqrt(MAX_ARROWS / max(len(edges), 1)))  # fainter when crowded
    radius = 0.5 * np.sqrt(node_size) + 1.0  # marker radius in points, arrows stop short of it
    present_hops = []
    for hop in ("multi_hop", "one_hop"):  # multi-hop first: underneath
        style = HOP_STYLES[hop]
        chosen = [(a, b) for a, b, h in edges if h == hop]
        if not chosen:
            continue
        present_hops.append(hop)
        low, high = style["alpha"]
        s = np.array([strengths[e] for e in chosen])
        # crowded: everything fainter, the multi-hop haze more than the skeleton
        fade = np.sqrt(density) if hop == "one_hop" else density
        alphas = fade * (low + (high - low) * s)
        widths = min_width + (max_width - min_width) * s
        if arrows:
            for (a, b), alpha, lw in zip(chosen, alphas, widths):
                same_layer = len(a) == len(b)
                patch = FancyArrowPatch(
                    pos[a], pos[b], arrowstyle="-|>", mutation_scale=7 + lw,
                    linewidth=lw, color=style["color"], alpha=float(alpha),
                    linestyle=style["linestyle"], shrinkA=radius, shrinkB=radius,
                    zorder=style["zorder"],
                    connectionstyle=f"arc3,rad={0.25 if same_layer else 0.04}")
                patch.set_gid(hop)
                ax.add_patch(patch)
        else:
            colors = [to_rgba(style["color"], float(alpha)) for alpha in alphas]
            lines = LineCollection([[pos[a], pos[b]] for a, b in chosen], colors=colors,
                                   linewidths=widths, linestyles=style["linestyle"],
                                   zorder=style["zorder"])
            lines.set_gid(hop)
            ax.add_collection(lines, autolim=False)

    kinds = [G.nodes[node].get("kind", "unknown") for node in G]
    for kind in dict.fromkeys(kinds):
        nodes = [node for node, k in zip(G, kinds) if k == kind]
        ax.scatter([pos[node][0] for node in nodes], [pos[node][1] for node in nodes],
                   s=node_size, color=KIND_COLORS.get(kind, KIND_COLORS["unknown"]),
                   edgecolors="black", linewidths=0.6 if n <= 100 else 0.3, zorder=2,
                   label=_KIND_LABELS.get(kind, str(kind)))

    layers = sorted({len(node) for node in G})
    if labels and n:
        fontsize = fontsize or (8 if n <= 100 else 7)
        order, n_always = label_order(G, {node: pos[node][1] for node in G})
        # beyond the first MAX_LABEL_CANDIDATES from the top, nothing would fit anyway
        order = order[:MAX_LABEL_CANDIDATES if max_labels is None else max_labels]
        last = layers[-1] if len(layers) > 1 else None
        texts = []
        for node in order:
            right = len(node) == last  # the last layer's labels go left, inside the axes
            texts.append(ax.annotate(
                G.nodes[node].get("label", subset_label(node)), pos[node],
                xytext=(-radius - 1 if right else radius + 1, 0), textcoords="offset points",
                ha="right" if right else "left", va="center", fontsize=fontsize, zorder=3))
            texts[-1].set_in_layout(len(texts) <= n_always)  # the others stay inside anyway
        show_labels_that_fit(ax, texts, [pos[node] for node in order], radius=radius,
                             n_always=n_always)

    ax.set_xticks(layers)
    ax.set(xlabel="learnt modes |S|", ylabel="critical value $L_S$")
    ys = np.array([y for _, y in pos.values()])
    if yscale == "log":
        heights = ys[ys > 0]
        linthresh = float(heights.min()) if heights.size else 1.0
        ax.set_yscale("symlog", linthresh=linthresh)
        ax.set_ylabel(f"$L_S - L_{{min}}$ ($L_{{min}}$ = {lowest:.6g})")
    xs = [x for x, _ in pos.values()]
    if xs:  # the layers fill the width, the values the height
        ax.set_xlim(min(xs) - 0.4, max(xs) + 0.4)
        top, bottom = float(ys.max()), float(ys.min())
        if yscale == "log":
            ax.set_ylim(-0.15 * linthresh if bottom <= 0 else bottom / 1.3, top * 1.4)
        else:
            margin = 0.06 * (top - bottom) if top > bottom else max(abs(top), 1.0) * 0.1
            ax.set_ylim(bottom - margin, top + margin)
    if legend and n:
        handles, names = ax.get_legend_handles_labels()
        for hop in reversed(present_hops):
            style = HOP_STYLES[hop]
            handles.append(Line2D([], [], color=style["color"], linestyle=style["linestyle"],
                                  linewidth=1.5, alpha=style["alpha"][1]))
            names.append(style["label"])
        # beside the axes, never over a node (the figure's layout makes room for it)
        ax.legend(handles, names, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                  borderaxespad=0.0, fontsize=7, framealpha=0.85)
    return ax
