"""Labels never overprint: close singular values give close critical values, and of the
labels naming them (the saddle graph's class labels, the loss curve's top-k values) only
those that fit are shown. Checked on the rendered figure (Agg): no two visible label boxes
(``text.get_window_extent``) overlap, at several figure sizes, before and after a tight
``savefig``."""

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from landscape import (DataSpectrum, Landscape, enumerate_critical_points,  # noqa: E402
                       gradient_flow, plot_loss_curve, plot_saddle_graph)
from landscape.plot import connections, graph_layout  # noqa: E402

#: Digits-like: the singular values of scikit-learn's digits (whitened, one-hot targets).
DIGITS_SIGMA = (0.29793, 0.287259, 0.285456, 0.27529, 0.26065, 0.25207, 0.23106, 0.20868,
                0.18707)
CASES = [((1.0, 0.99, 0.98, 0.97), (4, 4, 4, 4)),
         (DIGITS_SIGMA, (9, 9, 9, 9)),
         (DIGITS_SIGMA[:6], (6, 3, 3, 6))]
SIZES = [(6.4, 4.8), (4.0, 3.0), (9.0, 6.0)]


def _class_graph(sigma, widths) -> nx.DiGraph:
    """Every class of the catalog as a node (labels depend on the nodes only)."""
    land = Landscape(DataSpectrum.from_singular_values(sigma), widths)
    G = nx.DiGraph()
    for record in enumerate_critical_points(land):
        G.add_node(record.subset, value=record.value, kind=record.kind.value)
    return G


def _overlapping(fig, ax) -> tuple[int, list]:
    """The number of visible labels and the pairs of them whose boxes overlap."""
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in ax.texts if t.get_visible()]
    return len(boxes), [(i, j) for i in range(len(boxes)) for j in range(i)
                        if boxes[i].overlaps(boxes[j])]


def _check_drawn(fig, ax, least: int) -> None:
    fig.tight_layout()
    fig.canvas.draw()
    shown, pairs = _overlapping(fig, ax)
    assert shown >= least and pairs == []
    fig.savefig(io.BytesIO(), format="png", dpi=150, bbox_inches="tight")
    shown, pairs = _overlapping(fig, ax)
    assert shown >= least and pairs == []
    plt.close(fig)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("sigma, widths", CASES)
def test_saddle_graph_labels_never_overlap(sigma, widths, size):
    fig, ax = plt.subplots(figsize=size)
    plot_saddle_graph(_class_graph(sigma, widths), ax=ax)
    _check_drawn(fig, ax, least=2)  # the origin and the minimum at least


@settings(max_examples=10, deadline=None)
@given(st.lists(st.floats(0.5, 1.0), min_size=3, max_size=5),
       st.sampled_from(SIZES), st.sampled_from(["linear", "log"]))
def test_saddle_graph_labels_never_overlap_for_random_close_spectra(sigma, size, yscale):
    sigma = sorted(sigma, reverse=True)
    fig, ax = plt.subplots(figsize=size)
    plot_saddle_graph(_class_graph(sigma, (len(sigma),) * 4), ax=ax, yscale=yscale)
    _check_drawn(fig, ax, least=1)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("sigma", [(1.0, 0.99, 0.98, 0.97), DIGITS_SIGMA])
def test_loss_curve_top_k_labels_never_overlap(sigma, size):
    land = Landscape(DataSpectrum.from_singular_values(sigma), (len(sigma),) * 3)
    result = gradient_flow(land, land.random_weights(scale=1e-3, seed=0), t_max=1e4)
    fig, ax = plt.subplots(figsize=size)
    plot_loss_curve(result, land, ax=ax)
    n_lines = sum(1 for k in range(land.max_rank + 1)
                  if land.critical_value(range(k)) > land.minimum_value())
    assert len(ax.texts) == n_lines  # every top-k value has its line and a candidate label
    _check_drawn(fig, ax, least=1)


def test_the_top_k_labels_of_far_apart_values_are_all_shown():
    # far apart plateaus: nothing to cull (the culler hides only what overlaps)
    land = Landscape(DataSpectrum.from_singular_values([8.0, 1.0, 0.1]), (3, 3, 3))
    result = gradient_flow(land, land.random_weights(scale=1e-3, seed=1), t_max=1e4)
    fig, ax = plt.subplots()
    plot_loss_curve(result, land, ax=ax)
    fig.canvas.draw()
    assert all(t.get_visible() for t in ax.texts) and len(ax.texts) == 3
    plt.close(fig)


def test_the_split_keeps_the_public_names():
    import landscape
    import landscape.plot as lplot
    for name in ("HOP_STYLES", "KIND_COLORS", "plot_saddle_graph", "saddle_graph_layout"):
        assert getattr(connections, name) is getattr(lplot, name) is getattr(landscape, name)
    assert graph_layout.saddle_graph_layout is connections.saddle_graph_layout
    assert np.isclose(graph_layout.saddle_graph_layout(_class_graph((2.0, 1.0), (2, 2, 2)))[()][1],
                      2.5)
