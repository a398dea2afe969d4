"""The saddle-graph drawing puts each class at its critical value and draws what the graph holds."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.patches import FancyArrowPatch  # noqa: E402

from landscape.plot.graph import KIND_COLORS, plot_saddle_graph, saddle_graph_layout  # noqa: E402

SIGMA2 = (4.0, 3.0, 2.0, 1.0)  # sigma^2: {0,3} and {1,2} leave the same 1/2 (3 + 2) = 2.5


def value(S):
    return 0.5 * sum(s for i, s in enumerate(SIGMA2) if i not in S)


def small_graph():
    G = nx.DiGraph()
    kinds = {(): "non_strict_saddle", (0,): "strict_saddle", (1,): "strict_saddle",
             (0, 3): "strict_saddle", (1, 2): "strict_saddle", (0, 1): "global_minimum"}
    for S, kind in kinds.items():
        G.add_node(S, value=value(S), kind=kind)
    for (a, b), probes in {((), (0,)): 6, ((), (1,)): 2, ((1,), (1, 2)): 1, ((1,), (0,)): 3,
                           ((0,), (0, 3)): 2, ((0,), (0, 1)): 4, ((0, 3), (0, 1)): 1,
                           ((1, 2), (0, 1)): 1}.items():
        G.add_edge(a, b, probes=probes)
    return G


def test_layout_height_is_the_value_and_layer_the_rank():
    G = small_graph()
    pos = saddle_graph_layout(G)
    assert list(pos) == list(G)
    for S, (x, y) in pos.items():
        assert y == value(S)
    assert value((0, 3)) == value((1, 2))  # the tie the layout must separate
    assert pos[(0, 3)][0] == pytest.approx(2 - 0.3) and pos[(1, 2)][0] == pytest.approx(2 + 0.3)
    assert {S: x for S, (x, _) in pos.items() if S not in [(0, 3), (1, 2)]} == \
        {(): 0.0, (0,): 1.0, (1,): 1.0, (0, 1): 2.0}
    # without spreading the two would coincide
    tied = saddle_graph_layout(G, min_gap=0.0)
    assert tied[(0, 3)] == tied[(1, 2)] == (2.0, 2.5)


def test_plot_draws_nodes_edges_and_labels():
    G = small_graph()
    fig, ax = plt.subplots()
    assert plot_saddle_graph(G, ax=ax, min_width=0.5, max_width=3.5) is ax
    pos = saddle_graph_layout(G)
    drawn = {}
    for collection in ax.collections:
        for (x, y), colour in zip(collection.get_offsets(),
                                  np.broadcast_to(collection.get_facecolor(), (len(
                                      collection.get_offsets()), 4))):
            drawn[(float(x), float(y))] = tuple(colour)
    assert len(drawn) == G.number_of_nodes()
    for S, kind in G.nodes(data="kind"):
        assert drawn[pos[S]] == pytest.approx(to_rgba(KIND_COLORS[kind]))
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) == G.number_of_edges()
    widths = [arrow.get_linewidth() for arrow in arrows]
    probes = [data["probes"] for _, _, data in G.edges(data=True)]
    # linear in the probe count: 0.5 + 3 * probes / 6
    np.testing.assert_allclose(widths, [0.5 + 3.0 * p / 6 for p in probes])
    assert {t.get_text() for t in ax.texts} == {"{}", "{0}", "{1}", "{0,3}", "{1,2}", "{0,1}"}
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert sorted(legend) == ["global minimum", "non-strict saddle", "strict saddle"]
    assert ax.get_ylabel() == "critical value $L_S$"
    assert list(ax.get_xticks()) == [0, 1, 2]
    plt.close("all")


def test_plot_takes_given_positions_and_another_width_attribute():
    G = small_graph()
    for _, _, data in G.edges(data=True):
        data["fraction"] = 0.5
    pos = {S: (float(i), value(S)) for i, S in enumerate(G)}
    ax = plot_saddle_graph(G, pos=pos, width="fraction", labels=False, legend=False)
    assert len(ax.texts) == 0 and ax.get_legend() is None
    offsets = np.concatenate([c.get_offsets() for c in ax.collections])
    assert sorted(map(tuple, offsets)) == sorted(pos.values())
    assert {p.get_linewidth() for p in ax.patches} == {4.0}  # every edge at the maximum
    plt.close("all")


def test_bad_input_is_rejected():
    G = small_graph()
    with pytest.raises(TypeError, match="G must be a networkx.DiGraph, got Graph"):
        plot_saddle_graph(nx.Graph())
    with pytest.raises(ValueError, match="pos must map every node of G"):
        plot_saddle_graph(G, pos={(): (0, 0)})
    with pytest.raises(ValueError, match="width must name an edge attribute, got 'drift'"):
        plot_saddle_graph(G, width="drift")
    with pytest.raises(ValueError, match="max_width must be >= min_width = 2.0, got 1.0"):
        plot_saddle_graph(G, min_width=2.0, max_width=1.0)
    with pytest.raises(ValueError, match="spread must be < 0.5"):
        saddle_graph_layout(G, spread=0.5)
    bare = nx.DiGraph()
    bare.add_node((0,))
    with pytest.raises(ValueError, match="every node a 'value', got none for node"):
        saddle_graph_layout(bare)
    named = nx.DiGraph()
    named.add_node("{0}", value=1.0)
    with pytest.raises(ValueError, match="subset tuples as nodes, got node '{0}'"):
        saddle_graph_layout(named)
    plt.close("all")


def test_heights_spanning_decades_are_drawn_above_the_minimum_on_a_log_axis():
    G = nx.DiGraph()
    values = {(): 319.135, (0,): 237.356, (0, 1): 237.080}  # linnerud, widths (3, 2, 2, 3)
    for node, value in values.items():
        G.add_node(node, value=value, kind="strict_saddle")
    G.add_edge((), (0,), probes=1)
    for yscale, expected_scale, lowest in (("auto", "symlog", 237.080), ("linear", "linear", 0.0),
                                           ("log", "symlog", 237.080)):
        ax = plot_saddle_graph(G, yscale=yscale)
        assert ax.get_yscale() == expected_scale
        heights = sorted(ax.collections[0].get_offsets()[:, 1])
        np.testing.assert_allclose(heights, sorted(v - lowest for v in values.values()))
        plt.close(ax.figure)
    # heights within a factor of 100 of each other stay linear
    G.nodes[()]["value"] = 237.080 + 20.0
    assert plot_saddle_graph(G).get_yscale() == "linear"
    with pytest.raises(ValueError, match="yscale must be one of"):
        plot_saddle_graph(G, yscale="symlog")
