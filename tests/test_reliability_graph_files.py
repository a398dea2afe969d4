"""Saddle-graph files that still lied (issue 23): what a loaded graph file promises.

A fabricated multi-hop edge (checks recomputed) loaded with outgoing probabilities summing to
1.25; an escape direction replaced by ``[5, 0, 0]`` loaded, and its edge's example start no
longer followed the edge; injected node and graph attributes were carried through. Now the
counts of a source's out-edges must sum to at most its random probes, every escape must be a
unit vector along which the block's loss falls at its stored step (the loss itself, evaluated
here directly, is the oracle), and attributes outside the schema are dropped. A fuzz test
edits a saved graph field by field: whatever loads keeps those promises.
"""

from __future__ import annotations

import json

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from landscape import (DataSpectrum, Landscape, check_saddle_graph, load_saddle_graph,
                       saddle_graph, save_saddle_graph)
from landscape.connections.blocks import InvariantBlock
from landscape.connections.graph_file import (CATALOG_NODE_KEYS, EDGE_KEYS, GRAPH_KEYS,
                                              NODE_KEYS, SAMPLED_EDGE_KEYS)
from landscape.geometry.escapes import escape_step

from reliability_edits import changed_numbers, edited, other_types, paths, value_at

INJECTED = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def three():
    """Three modes, four random probes per saddle."""
    land = Landscape(DataSpectrum.from_singular_values([3.0, 2.0, 1.0]), (3, 3, 3))
    return land, saddle_graph(land, random_probes=4, progress=False)


def saved(G: nx.DiGraph, path, edit=None):
    """Save ``G`` as JSON, apply ``edit`` to the document's ``graph``, write it back."""
    save_saddle_graph(G, path)
    document = json.loads(path.read_text())
    if edit is not None:
        edit(document["graph"])
        path.write_text(json.dumps(document))
    return path


def direct_loss_change(land: Landscape, record: dict) -> float:
    """``L(x + eps v) - L(x)`` of the block of an escape record, from the block's loss itself
    (not its polynomial)."""
    block = InvariantBlock(tuple(record["modes"]), tuple(record["learnt"]), record["n_idle"],
                           land.h)
    inner = block.landscape(land.spectrum.sigma)
    start = inner.flatten(block.start(inner))
    moved = start + record["step"] * np.array(record["direction"])
    return inner.loss(inner.split_flat(moved)) - inner.loss(inner.split_flat(start))


# ---------------------------------------------------------------------- probability sums
def test_a_fabricated_multi_hop_edge_with_its_checks_recomputed_is_refused(three, tmp_path):
    """The issue: the edge's own fields and the graph's checks were consistent, the sum of
    the source's outgoing probabilities was 1.25."""
    _, G = three
    source = next(n for n in G if G.nodes[n]["random_probes"] == 4
                  and sum(d["random_probes"] for *_, d in G.out_edges(n, data=True)) >= 1)
    counted = sum(d["random_probes"] for *_, d in G.out_edges(source, data=True))
    target = next(n for n in G if G.nodes[n]["value"] < G.nodes[source]["value"]
                  and not G.has_edge(source, n))
    usable = [i for i, e in enumerate(G.graph["escapes"]) if e["target"] is not None]
    forged = G.copy()
    count = 5 - counted
    forged.add_edge(source, target, hop="multi_hop", certified=False, escape="",
                    random_probes=count, probability=count / 4, ci_low=0.0, ci_high=1.0,
                    loss_drop=G.nodes[source]["value"] - G.nodes[target]["value"],
                    example_escapes=tuple(usable[:2]), example_coefficients=(0.5, 0.5))
    checks = check_saddle_graph(forged)
    forged.graph.update(checks=checks.to_dict(), unescaped=[list(s) for s in checks.unescaped])
    path = save_saddle_graph(forged, tmp_path / "forged.json")
    with pytest.raises(ValueError, match=r"its out-edges count 5 random probes, more than the "
                                         r"4 it drew \(outgoing probabilities sum to 1\.25 > 1\)"):
        load_saddle_graph(path)


def test_outgoing_probabilities_of_a_loaded_graph_sum_to_at_most_one(three, tmp_path):
    _, G = three
    loaded = load_saddle_graph(saved(G, tmp_path / "graph.json"))
    sampled = [n for n in loaded if loaded.nodes[n]["random_probes"]]
    assert sampled
    for node in sampled:
        total = sum(d.get("probability", 0.0) for *_, d in loaded.out_edges(node, data=True))
        assert total <= 1 + 1e-12


# ---------------------------------------------------------------------- escapes
def test_an_escape_direction_of_norm_five_is_refused(three, tmp_path):
    """The issue: ``[5, 0, 0]`` loaded and the example start built on it left its edge."""
    _, G = three
    size = len(G.graph["escapes"][0]["direction"])
    path = saved(G, tmp_path / "graph.json",
                 lambda g: g["graph"]["escapes"][0].update(direction=[5.0] + [0.0] * (size - 1)))
    with pytest.raises(ValueError, match=r"escapes\[0\]\.direction must be a unit vector, got "
                                         r"norm 5\.0"):
        load_saddle_graph(path)


def test_a_unit_direction_along_which_the_loss_does_not_fall_is_refused(three, tmp_path):
    """A unit vector on the first layer alone of a block at the origin changes nothing (the
    product stays 0): the loss does not fall, whatever step is stored with it."""
    land, G = three
    k, record = next((k, e) for k, e in enumerate(G.graph["escapes"]) if not e["learnt"])
    direction = [1.0] + [0.0] * (len(record["direction"]) - 1)
    assert direct_loss_change(land, {**record, "direction": direction}) == 0.0  # the oracle
    path = saved(G, tmp_path / "graph.json",
                 lambda g: g["graph"]["escapes"][k].update(direction=direction))
    with pytest.raises(ValueError, match=rf"escapes\[{k}\]: the loss must fall at order"):
        load_saddle_graph(path)


def test_an_odd_escape_reversed_is_refused_even_with_its_step_recomputed(three, tmp_path):
    """Along ``-v`` an odd-order term changes sign: the loss rises, so the reversed escape is
    refused even when the attacker stores the step that belongs to it."""
    land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0]), (2, 2, 2, 2))
    G = saddle_graph(land, random_probes=0, progress=False)
    k, record = next((k, e) for k, e in enumerate(G.graph["escapes"]) if e["order"] == 3)
    reversed_ = [-v for v in record["direction"]]
    assert direct_loss_change(land, {**record, "direction": reversed_}) > 0  # the oracle
    path = saved(G, tmp_path / "graph.json",
                 lambda g: g["graph"]["escapes"][k].update(direction=reversed_))
    with pytest.raises(ValueError, match=rf"escapes\[{k}\]: the loss must fall"):
        load_saddle_graph(path)


def test_every_stored_escape_of_a_loaded_graph_lowers_the_loss(three, tmp_path):
    land, G = three
    loaded = load_saddle_graph(saved(G, tmp_path / "graph.json"))
    assert loaded.graph["escapes"]
    for record in loaded.graph["escapes"]:
        assert abs(np.linalg.norm(record["direction"]) - 1.0) < 1e-9
        assert direct_loss_change(land, record) < 0


def test_a_changed_step_or_radius_is_refused(three, tmp_path):
    _, G = three
    path = saved(G, tmp_path / "graph.json",
                 lambda g: g["graph"]["escapes"][0].update(
                     step=2 * g["graph"]["escapes"][0]["step"]))
    with pytest.raises(ValueError, match=r"escapes\[0\]\.step must be the step"):
        load_saddle_graph(path)
    path = saved(G, tmp_path / "graph.json", lambda g: g["graph"]["options"].update(radius=0.5))
    with pytest.raises(ValueError, match=r"escapes\[0\]\.step must be the step"):
        load_saddle_graph(path)
    path = saved(G, tmp_path / "graph.json", lambda g: g["graph"]["options"].update(radius=-1.0))
    with pytest.raises(ValueError, match=r"radius must be"):
        load_saddle_graph(path)


def test_escape_step_is_the_oracle_of_the_stored_steps(three):
    """The stored steps are those of :func:`escape_step` on the block's loss polynomial."""
    land, G = three
    for record in G.graph["escapes"]:
        block = InvariantBlock(tuple(record["modes"]), tuple(record["learnt"]),
                               record["n_idle"], land.h)
        inner = block.landscape(land.spectrum.sigma)
        c = inner.loss_polynomial(block.start(inner),
                                  inner.unflatten(np.array(record["direction"])))
        cap = G.graph["options"]["radius"] * land.weight_scale
        assert escape_step(c, record["order"], cap) == pytest.approx(record["step"], rel=1e-12)


# ---------------------------------------------------------------------- attributes
@pytest.mark.parametrize("suffix", [".json", ".graphml"])
def test_attributes_outside_the_schema_are_dropped(three, tmp_path, suffix):
    """The issue: ``<img src=x onerror=...>`` on a node, an edge and the graph came back."""
    _, G = three
    dirty = G.copy()
    node, edge = next(iter(dirty.nodes)), next(iter(dirty.edges))
    dirty.nodes[node]["note"] = INJECTED
    dirty.edges[edge]["note"] = INJECTED
    dirty.graph["title"] = INJECTED
    loaded = load_saddle_graph(save_saddle_graph(dirty, tmp_path / f"graph{suffix}"))
    assert set(loaded.graph) == set(GRAPH_KEYS)
    assert all(set(d) <= set(NODE_KEYS + CATALOG_NODE_KEYS) for _, d in loaded.nodes(data=True))
    assert all(set(d) <= set(EDGE_KEYS + SAMPLED_EDGE_KEYS)
               for *_, d in loaded.edges(data=True))
    clean = load_saddle_graph(save_saddle_graph(G, tmp_path / f"clean{suffix}"))
    assert loaded.graph == clean.graph and dict(loaded.nodes(data=True)) == dict(
        clean.nodes(data=True))
    assert INJECTED not in (tmp_path / f"clean{suffix}").read_text()


@pytest.mark.parametrize("edit, message", [
    (lambda g: g["graph"]["problem"].update(name=INJECTED),
     r"graph\.problem must be an object with"),
    (lambda g: g["graph"]["problem"].update(basis_sha256=INJECTED), r"basis_sha256 must be 64"),
    (lambda g: g["graph"]["options"].update(note=INJECTED),
     r"graph\.options must be an object with"),
    (lambda g: g["graph"]["escapes"][0].update(label=INJECTED), r"escapes\[0\]\.label must be"),
    (lambda g: g["nodes"][0].update(kind=INJECTED), r"kind must be one of"),
    (lambda g: g["edges"][0].update(escape=INJECTED), r"escape must be"),
    (lambda g: g["graph"]["problem"].update(d_x=7), r"d_x and d_y must be the outer widths"),
])
def test_strings_inside_the_schema_are_verified(three, tmp_path, edit, message):
    """Every string the schema keeps is recomputed or one of a fixed set."""
    _, G = three
    with pytest.raises(ValueError, match=message):
        load_saddle_graph(saved(G, tmp_path / "graph.json", edit))


def test_examples_are_of_the_probe_distribution(three, tmp_path):
    _, G = three
    one = next(k for k, e in enumerate(G.edges) if G.edges[e]["hop"] == "one_hop")
    with pytest.raises(ValueError, match=r"example_coefficients must be 1 numbers in \[1\.0"):
        load_saddle_graph(saved(G, tmp_path / "graph.json", lambda g: g["edges"][one].update(
            example_coefficients=[2.0])))
    unconverged = [i for i, e in enumerate(G.graph["escapes"]) if e["target"] is None]
    if unconverged:
        with pytest.raises(ValueError, match=r"example_escapes must be 1 ascending"):
            load_saddle_graph(saved(G, tmp_path / "graph.json", lambda g: g["edges"][one]
                                    .update(example_escapes=unconverged[:1])))


# ---------------------------------------------------------------------- fuzz
@pytest.fixture(scope="module")
def small(tmp_path_factory):
    land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0]), (2, 2, 2))
    G = saddle_graph(land, random_probes=2, progress=False)
    path = save_saddle_graph(G, tmp_path_factory.mktemp("small") / "graph.json")
    return land, json.loads(path.read_text())


def edits(document):
    out = []
    for where in paths(document["graph"]):
        where = ("graph", *where)
        current = value_at(document, where)
        out.append((where, "delete", None))
        out.extend((where, "replace", v) for v in other_types(current))
        out.extend((where, "replace", v) for v in changed_numbers(current))
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_whatever_loads_keeps_the_promises(small, tmp_path_factory, data):
    land, document = small
    where, action, replacement = data.draw(st.sampled_from(edits(document)))
    path = tmp_path_factory.getbasetemp() / "fuzz_graph.json"
    path.write_text(json.dumps(edited(document, where, action, replacement)))
    try:
        G = load_saddle_graph(path)
    except ValueError as exc:
        assert str(exc).startswith(str(path)) and len(str(exc)) > 40
        return
    for node, data_ in G.nodes(data=True):
        total = data_["random_probes"]
        assert sum(d["random_probes"] for *_, d in G.out_edges(node, data=True)) <= total
        expected = 0.5 * sum(s ** 2 for i, s in enumerate(land.spectrum.sigma) if i not in node)
        assert data_["value"] == pytest.approx(expected, rel=1e-9, abs=1e-9)
    for record in G.graph["escapes"]:
        assert abs(np.linalg.norm(record["direction"]) - 1.0) < 1e-9
        assert direct_loss_change(land, record) < 0
    assert set(G.graph) == set(GRAPH_KEYS)


# ---------------------------------------------------------------------- the README
def test_the_readme_states_what_the_loaders_verify_with_the_constants_they_use():
    """The README's "What a file loader trusts" quotes the limits the code applies."""
    from pathlib import Path

    from landscape.connections.checkpoints import REINTEGRATED_SHARE
    from landscape.signed.results import VERIFIED_ENUMERATION

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = readme.split("## What a file loader trusts", 1)[1].split("\n## ", 1)[0]
    assert f"up to {VERIFIED_ENUMERATION} enumerated nodes" in section
    assert REINTEGRATED_SHARE == 0.25 and "random quarter of the other probes" in section
    assert "at least 1/4" in section and "1 − (3/4)^e" in section
    assert "landscape/connections/graph_file.py" in section
