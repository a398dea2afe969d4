"""Whole figures of the saddle graph, the view picked by the graph's size.

The figure ``saddle_graph.png`` of :func:`landscape.report.write_report` and of ``landscape
graph``: the drawing of :func:`~landscape.plot.connections.plot_saddle_graph` for a small graph,
the heat map of :func:`~landscape.plot.transitions.plot_transition_matrix` for a large one.
"""

from __future__ import annotations

from .connections import plot_saddle_graph
from .transitions import plot_transition_matrix

__all__ = ["saddle_graph_figure"]

#: Up to this many classes ``saddle_graph.png`` draws the graph; above, the transition heat
#: map (up to ``4 *`` this, both side by side).
GRAPH_DRAWING_MAX_CLASSES = 60


def saddle_graph_figure(graph):
    """The saddle graph's figure, the view picked by its size: the drawing up to
    :data:`GRAPH_DRAWING_MAX_CLASSES` classes, the drawing beside the transition heat map up to
    four times that, the heat map alone above.

    Parameters
    ----------
    graph : networkx.DiGraph
        A graph of :func:`landscape.saddle_graph`.

    Returns
    -------
    matplotlib.figure.Figure
        A new figure; the caller saves and closes it.
    """
    import matplotlib.pyplot as plt

    n = graph.number_of_nodes()
    if n <= GRAPH_DRAWING_MAX_CLASSES:
        fig, ax = plt.subplots(figsize=(8, 6))
        plot_saddle_graph(graph, ax=ax)
    elif n <= 4 * GRAPH_DRAWING_MAX_CLASSES:
        fig, (ax_graph, ax_matrix) = plt.subplots(1, 2, figsize=(15, 6.5),
                                                  width_ratios=(1.1, 1))
        plot_saddle_graph(graph, ax=ax_graph)
        plot_transition_matrix(graph, ax=ax_matrix)
    else:
        fig, ax = plt.subplots(figsize=(8, 7))
        plot_transition_matrix(graph, ax=ax)
        ax.set_title(f"{n} classes, {graph.number_of_edges()} connections", fontsize=10)
    fig.tight_layout()
    return fig
