"""Where the saddle graph's classes go: height = critical value, layer = learnt modes.

:func:`saddle_graph_layout` places the classes of a graph from
:func:`landscape.connections.saddle_graph` for
:func:`~landscape.plot.connections.plot_saddle_graph` (and any other drawing of it): as in a
disconnectivity graph of an energy landscape the vertical axis is the loss, every connection
running downhill (docs/theory.md §5), and the horizontal axis is layered by the number of
learnt modes ``|S|``, so a single-mode connection ``S -> S u {i}`` steps one layer to the
right and a swap of modes stays in its layer. Also here: what a saddle graph must hold
(:func:`check_graph`), which kind of hop an edge is, which vertical scale suits its values
and the order in which its labels are placed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .._base.validation import check_choice, check_nonnegative, check_positive, describe_value

if TYPE_CHECKING:  # networkx is imported where used: ``import landscape`` stays light
    import networkx as nx

__all__ = ["saddle_graph_layout"]


def check_graph(G) -> None:
    """A saddle graph: a DiGraph with subset-tuple nodes that carry a ``value``."""
    import networkx as nx

    if not isinstance(G, nx.DiGraph):
        raise TypeError(f"G must be a networkx.DiGraph, got {type(G).__name__}")
    for node, value in G.nodes(data="value"):
        if not isinstance(node, tuple):
            raise ValueError(f"G must have subset tuples as nodes, got node {describe_value(node)}")
        if value is None:
            raise ValueError(f"G must give every node a 'value', got none for node {node}")


def edge_hop(data) -> str:
    """``"one_hop"`` or ``"multi_hop"`` (an edge without ``hop`` counts as one-hop)."""
    hop = data.get("hop")
    if hop is None:
        hop = "one_hop" if data.get("certified", True) else "multi_hop"
    return "multi_hop" if hop == "multi_hop" else "one_hop"


def auto_yscale(values) -> str:
    """``"log"`` when the heights above the lowest value span more than two decades."""
    values = np.asarray(list(values), dtype=float)
    if values.size == 0:
        return "linear"
    heights = values - values.min()
    positive = heights[heights > 0]
    return "log" if positive.size and positive.max() > 100 * positive.min() else "linear"


def saddle_graph_layout(G: nx.DiGraph, *, min_gap: float = 0.04, spread: float = 0.3,
                        yscale: str = "linear") -> dict[tuple[int, ...], tuple[float, float]]:
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
    yscale : {"linear", "log"}
        The scale the heights will be drawn on: ``"log"`` measures the gaps in
        ``log(L_S - L_min)`` (the classes nearest the minimum coincide on a linear scale but
        not on a log one). ``y`` is the critical value either way.

    Returns
    -------
    dict
        ``{node: (x, y)}``.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.DiGraph()
    >>> G.add_node((), value=2.5)
    >>> G.add_node((0,), value=0.0)
    >>> saddle_graph_layout(G)
    {(): (0.0, 2.5), (0,): (1.0, 0.0)}
    """
    check_graph(G)
    min_gap = check_nonnegative(min_gap, "min_gap")
    spread = check_positive(spread, "spread")
    if spread >= 0.5:
        raise ValueError(f"spread must be < 0.5 (layers would overlap), got {spread}")
    check_choice(yscale, "yscale", ("linear", "log"))
    values = {node: float(value) for node, value in G.nodes(data="value")}
    drawn = dict(values)
    if yscale == "log" and values:
        lowest = min(values.values())
        heights = [v - lowest for v in values.values() if v > lowest]
        floor = min(heights, default=1.0)
        # as on the symlog axis: linear below the smallest positive height, log above it
        drawn = {n: (v - lowest) / floor if v - lowest <= floor else 1 + np.log10((v - lowest)
                                                                                 / floor)
                 for n, v in values.items()}
    span = max(drawn.values(), default=0.0) - min(drawn.values(), default=0.0)
    gap = min_gap * (span if span > 0 else 1.0)
    pos = {}
    for layer in sorted({len(node) for node in G}):
        members = sorted((n for n in G if len(n) == layer), key=lambda n: (drawn[n], n))
        clusters = []
        for node in members:
            if clusters and drawn[node] - drawn[clusters[-1][-1]] < gap:
                clusters[-1].append(node)
            else:
                clusters.append([node])
        for cluster in clusters:
            offsets = np.linspace(-spread, spread, len(cluster)) if len(cluster) > 1 else [0.0]
            for node, offset in zip(sorted(cluster), offsets):
                pos[node] = (float(layer + offset), values[node])
    return {node: pos[node] for node in G}


def label_order(G, values) -> tuple[list, int]:
    """Nodes in the order their labels are placed: the extremes, then from the top down."""
    if not values:
        return [], 0
    top, bottom = max(values.values()), min(values.values())
    extremes = [n for n in G if values[n] == top] + sorted(
        (n for n in G if values[n] == bottom and values[n] != top), key=lambda n: n)
    rest = sorted((n for n in G if values[n] not in (top, bottom)),
                  key=lambda n: (-values[n], len(n), n))
    return extremes + rest, len(extremes)
