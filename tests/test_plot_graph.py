"""The saddle-graph drawing puts each class at its critical value and stays legible at any size."""

import functools
import itertools

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.patches import FancyArrowPatch  # noqa: E402

import landscape.plot as lplot  # noqa: E402
from landscape.plot.connections import (HOP_STYLES, KIND_COLORS, plot_saddle_graph,  # noqa: E402
                                        saddle_graph_layout)
from landscape.plot.transitions import plot_transition_matrix, transition_matrix  # noqa: E402

SIGMA2 = (4.0, 3.0, 2.0, 1.0)  # sigma^2: {0,3} and {1,2} leave the same 1/2 (3 + 2) = 2.5


def value(S):
    return 0.5 * sum(s for i, s in enumerate(SIGMA2) if i not in S)


def small_graph():
    G = nx.DiGraph()
    kinds = {(): "non_strict_saddle", (0,): "strict_saddle", (1,): "strict_saddle",
             (0, 3): "strict_saddle", (1, 2): "strict_saddle", (0, 1): "global_minimum"}
    for S, kind in kinds.items():
        G.add_node(S, value=value(S), kind=kind)
    for (a, b), (hop, p) in {((), (0,)): ("one_hop", 0.75), ((), (1,)): ("one_hop", 0.25),
                             ((1,), (1, 2)): ("one_hop", 0.5), ((1,), (0,)): ("one_hop", 0.0),
                             ((0,), (0, 3)): ("one_hop", 0.25), ((0,), (0, 1)): ("one_hop", 0.5),
                             ((0, 3), (0, 1)): ("one_hop", 1.0), ((1, 2), (0, 1)): ("one_hop", 1.0),
                             ((), (0, 1)): ("multi_hop", 0.125), ((1,), (0, 1)): ("multi_hop", 0.5),
                             }.items():
        G.add_edge(a, b, hop=hop, probability=p, loss_drop=value(a) - value(b))
    return G


@functools.lru_cache(maxsize=None)
def synthetic_graph(m, rank=None, seed=0, multi_per_node=3):
    """All classes |S| <= rank of m modes, with the edges saddle_graph writes.

    One-hop: learn a mode (S -> S u {j}) and swap a learnt mode for a larger unlearnt one;
    multi-hop: a few random classes further down. Probabilities from 8 random probes.
    Cached: the tests only read it.
    """
    rank = m if rank is None else rank
    rng = np.random.default_rng(seed)
    sigma2 = np.geomspace(4.0, 0.5, m)
    G = nx.DiGraph()
    nodes = [S for k in range(rank + 1) for S in itertools.combinations(range(m), k)]
    for S in nodes:
        top_k = S == tuple(range(len(S)))
        kind = "global_minimum" if len(S) == rank and top_k else (
            "non_strict_saddle" if top_k else "strict_saddle")
        G.add_node(S, label="{" + ",".join(map(str, S)) + "}",
                   value=0.5 * float(sigma2.sum() - sigma2[list(S)].sum()), kind=kind,
                   random_probes=8, escape_orders=(2,))
    values = nx.get_node_attributes(G, "value")
    for S in nodes:
        if G.nodes[S]["kind"] == "global_minimum":
            continue
        targets = []
        if len(S) < rank:
            targets += [tuple(sorted((*S, j))) for j in range(m) if j not in S]
        targets += [tuple(sorted((*(set(S) - {k}), j))) for k in S for j in range(k)
                    if j not in S]
        lower = [T for T in nodes if values[T] < values[S] and T not in targets]
        picks = rng.choice(len(lower), size=min(multi_per_node, len(lower)), replace=False) \
            if lower else []
        multi = [lower[i] for i in picks]
        counts = rng.multinomial(8, np.full(len(targets) + len(multi),
                                            1.0 / (len(targets) + len(multi))))
        for T, count, hop in zip(targets + multi, counts,
                                 ["one_hop"] * len(targets) + ["multi_hop"] * len(multi)):
            if hop == "multi_hop" and count == 0:
                count = 1
            G.add_edge(S, T, hop=hop, certified=hop == "one_hop", probability=count / 8,
                       ci_low=0.0, ci_high=1.0, random_probes=int(count),
                       loss_drop=values[S] - values[T], escape="")
    return G


def visible_labels(ax):
    ax.figure.canvas.draw()
    return [t for t in ax.texts if t.get_visible()]


def assert_no_overlap(texts):
    boxes = [t.get_window_extent() for t in texts]
    for (i, a), (j, b) in itertools.combinations(enumerate(boxes), 2):
        assert not a.overlaps(b), (texts[i].get_text(), texts[j].get_text())


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
    assert len(arrows) == G.number_of_edges()  # one arrow per edge
    # line width linear in the probability: 0.5 + 3 * p / max p (max p = 1)
    by_hop = {hop: sorted(p.get_linewidth() for p in arrows if p.get_gid() == hop)
              for hop in HOP_STYLES}
    for hop, widths in by_hop.items():
        expected = sorted(0.5 + 3.0 * d["probability"] for _, _, d in G.edges(data=True)
                          if d["hop"] == hop)
        np.testing.assert_allclose(widths, expected)
    assert {t.get_text() for t in visible_labels(ax)} == \
        {"{}", "{0}", "{1}", "{0,3}", "{1,2}", "{0,1}"}
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert sorted(legend) == sorted(["global minimum", "non-strict saddle", "strict saddle",
                                     HOP_STYLES["one_hop"]["label"],
                                     HOP_STYLES["multi_hop"]["label"]])
    assert ax.get_ylabel() == "critical value $L_S$"
    assert list(ax.get_xticks()) == [0, 1, 2]
    plt.close("all")


def test_multi_hop_edges_lie_under_the_one_hop_skeleton_and_fainter():
    for G, kind in ((small_graph(), FancyArrowPatch), (synthetic_graph(10), LineCollection)):
        fig, ax = plt.subplots()
        plot_saddle_graph(G, ax=ax)
        drawn = {hop: [a for a in [*ax.patches, *ax.collections]
                       if a.get_gid() == hop and isinstance(a, kind)] for hop in HOP_STYLES}
        assert drawn["one_hop"] and drawn["multi_hop"]
        assert max(a.get_zorder() for a in drawn["multi_hop"]) < \
            min(a.get_zorder() for a in drawn["one_hop"])
        nodes = min(c.get_zorder() for c in ax.collections if c.get_gid() is None)
        assert max(a.get_zorder() for a in drawn["one_hop"]) < nodes
        plt.close(fig)
    ax = plot_saddle_graph(small_graph(), multi_hop=False)
    assert {p.get_gid() for p in ax.patches} == {"one_hop"}
    plt.close("all")


@pytest.mark.parametrize("m, rank, size", [(2, 1, (4, 3)), (6, 6, (8, 6)), (10, 10, (10, 7)),
                                           (10, 10, (4, 3))])
def test_any_size_draws_without_overlapping_labels_and_fills_the_axes(m, rank, size):
    G = synthetic_graph(m, rank)
    n = G.number_of_nodes()
    assert n in (3, 64, 1024)
    fig, ax = plt.subplots(figsize=size)
    plot_saddle_graph(G, ax=ax)
    fig.tight_layout()  # the labels are chosen at draw time, at the final size
    shown = visible_labels(ax)
    assert_no_overlap(shown)
    names = {t.get_text() for t in shown}
    values = nx.get_node_attributes(G, "value")
    top, bottom = max(values, key=values.get), min(values, key=values.get)
    assert G.nodes[top]["label"] in names and G.nodes[bottom]["label"] in names  # extremes
    frame = ax.get_window_extent()
    assert all(frame.x0 - 2 <= t.get_window_extent().x0 and t.get_window_extent().x1
               <= frame.x1 + 2 for t in shown)
    # the y limits cover the values and do not leave the axis half empty
    low, high = ax.get_ylim()
    assert low <= min(values.values()) and high >= max(values.values())
    assert (max(values.values()) - min(values.values())) / (high - low) > 0.8
    xs = np.concatenate([c.get_offsets()[:, 0] for c in ax.collections
                         if c.get_gid() is None])
    left, right = ax.get_xlim()
    assert (xs.max() - xs.min()) / (right - left) > 0.6 or n <= 3
    if n == 3:
        assert len(shown) == 3
    plt.close(fig)


def test_label_limit_and_no_labels():
    G = synthetic_graph(6)
    ax = plot_saddle_graph(G, max_labels=2)
    assert {t.get_text() for t in visible_labels(ax)} == {"{}", "{0,1,2,3,4,5}"}
    ax = plot_saddle_graph(G, labels=False, legend=False)
    assert len(ax.texts) == 0 and ax.get_legend() is None
    plt.close("all")


def test_plot_takes_given_positions_and_another_width_attribute():
    G = small_graph()
    for _, _, data in G.edges(data=True):
        data["weight"] = 0.5
    pos = {S: (float(i), value(S)) for i, S in enumerate(G)}
    ax = plot_saddle_graph(G, pos=pos, width="weight", labels=False, legend=False)
    assert len(ax.texts) == 0 and ax.get_legend() is None
    offsets = np.concatenate([c.get_offsets() for c in ax.collections])
    assert sorted(map(tuple, offsets)) == sorted(pos.values())
    assert {p.get_linewidth() for p in ax.patches} == {3.0}  # every edge at the maximum
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
    for node, v in values.items():
        G.add_node(node, value=v, kind="strict_saddle")
    G.add_edge((), (0,), hop="one_hop", probability=1.0)
    for yscale, expected_scale, lowest in (("auto", "symlog", 237.080), ("linear", "linear", 0.0),
                                           ("log", "symlog", 237.080)):
        ax = plot_saddle_graph(G, yscale=yscale)
        assert ax.get_yscale() == expected_scale
        heights = sorted(ax.collections[0].get_offsets()[:, 1])
        np.testing.assert_allclose(heights, sorted(v - lowest for v in values.values()))
        low, high = ax.get_ylim()
        assert low <= min(heights) and high >= max(heights)
        plt.close(ax.figure)
    # heights within a factor of 100 of each other stay linear
    G.nodes[()]["value"] = 237.080 + 20.0
    assert plot_saddle_graph(G).get_yscale() == "linear"
    with pytest.raises(ValueError, match="yscale must be one of"):
        plot_saddle_graph(G, yscale="symlog")
    plt.close("all")


@pytest.mark.parametrize("m", [2, 6, 10])
def test_transition_matrix_cells_are_the_edge_probabilities(m):
    G = synthetic_graph(m)
    fig, ax = plt.subplots()
    assert plot_transition_matrix(G, ax=ax) is ax
    assert "plot_transition_matrix" in lplot.__all__
    nodes, _, _ = transition_matrix(G)
    values = [G.nodes[S]["value"] for S in nodes]
    assert values == sorted(values, reverse=True)  # by value on both axes
    index = {S: i for i, S in enumerate(nodes)}
    cells = ax.images[0].get_array()
    assert cells.shape == (len(nodes), len(nodes))
    for a, b, d in G.edges(data=True):
        assert cells[index[a], index[b]] == d["probability"]
    assert int((~np.ma.getmaskarray(cells)).sum()) == G.number_of_edges()  # the rest is blank
    marks = {(int(round(y)), int(round(x))) for x, y in ax.collections[0].get_offsets()}
    assert marks == {(index[a], index[b]) for a, b, d in G.edges(data=True)
                     if d["hop"] == "one_hop"}
    assert len(fig.axes) == 2  # the colour bar
    fig.canvas.draw()
    plt.close(fig)


def test_report_picks_the_view_by_size():
    from landscape.plot.figures import GRAPH_DRAWING_MAX_CLASSES, saddle_graph_figure

    for G, drawing, heat_map in ((small_graph(), True, False), (synthetic_graph(6), True, True),
                                 (synthetic_graph(10), False, True)):
        fig = saddle_graph_figure(G)
        assert any(ax.get_xlabel() == "learnt modes |S|" for ax in fig.axes) == drawing
        assert any(ax.images for ax in fig.axes) == heat_map
        assert drawing == (G.number_of_nodes() <= 4 * GRAPH_DRAWING_MAX_CLASSES)
        plt.close(fig)
