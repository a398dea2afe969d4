"""Saddle-graph checkpoints and graph files cannot lie (issue 15, item 1).

A checkpoint's block escapes are re-integrated on load and must converge to their stored
targets; its class records are recomputed from the escapes (one-hop edges) and the seed (the
random probes' picks and coefficients), and a random probe's outcome must be a class of the
problem that lowers the value and that its block can reach. Every structural fault is a
``ValueError`` naming the field, never a ``KeyError`` or ``TypeError`` from inside. A fuzz
test edits a checkpoint field by field.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import asdict

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from landscape import (DataSpectrum, Landscape, enumerate_critical_points, load_saddle_graph,
                       saddle_graph, save_saddle_graph, subset_label)
from landscape.connections import checkpoints
from landscape.connections import graph as graph_module
from landscape.connections.checkpoints import check_checkpoint, read_checkpoint
from landscape.connections.graph import GraphOptions
from landscape.connections.labels import parse_subset_label
from landscape.problem.records import problem_record

from reliability_edits import changed_numbers, edited, other_types, paths, value_at

OPTIONS = dict(random_probes=2, progress=False)


def same_graph(a: nx.DiGraph, b: nx.DiGraph) -> bool:
    def plain(data):
        return {k: v.tolist() if isinstance(v, np.ndarray) else v for k, v in data.items()}

    return (a.graph == b.graph and sorted(a.nodes) == sorted(b.nodes)
            and all(a.nodes[n] == b.nodes[n] for n in a.nodes)
            and sorted(a.edges) == sorted(b.edges)
            and all(plain(a.edges[e]) == plain(b.edges[e]) for e in a.edges))


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """The problem of the issue (two modes, the class {} and its visits), its checkpoint."""
    land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0]), (2, 2, 2))
    path = tmp_path_factory.mktemp("checkpoint") / "run.json"
    G = saddle_graph(land, checkpoint=path, **OPTIONS)
    return land, G, json.loads(path.read_text())


@pytest.fixture
def resume(tmp_path, run):
    """Write an edited checkpoint; resume from it."""
    land, _, document = run
    path = tmp_path / "edited.json"

    def go(edit):
        copy = json.loads(json.dumps(document))
        edit(copy)
        path.write_text(json.dumps(copy))
        return saddle_graph(land, checkpoint=path, **OPTIONS)

    return go


def test_an_untouched_checkpoint_resumes_to_the_same_graph(run, resume):
    assert same_graph(resume(lambda d: None), run[1])


@pytest.mark.parametrize("edit, message", [
    # the issue: a deleted key gave a raw KeyError
    (lambda d: d["classes"]["{}"].pop("random"),
     r"classes\['\{\}'\] must be an object with the keys one_hop, random"),
    (lambda d: d["escapes"][0].pop("target"), r"escapes\[0\] must be an object with the keys"),
    (lambda d: d.pop("escapes"), r"must hold the keys"),
    # the issue: a fabricated visit {} -> {0,1} became an edge and the checks passed
    (lambda d: d["classes"]["{}"]["one_hop"].append(["{0,1}", 0]),
     r"classes\['\{\}'\]\.one_hop must be .* \(from the block escapes\)"),
    # the issue: "inertia": "abc" was stored as ('a', 'b', 'c'); its heirs
    (lambda d: d["escapes"][0].update(order="abc"), r"escapes\[0\]\.order must be an integer"),
    (lambda d: d["escapes"][0].update(direction="abc"), r"escapes\[0\]\.direction must be a list"),
    (lambda d: d["escapes"][0].update(modes="abc"), r"escapes\[0\]\.modes must be a list"),
    (lambda d: d["classes"]["{}"].update(escape_orders="abc"),
     r"classes\['\{\}'\]\.escape_orders must be"),
    (lambda d: d["classes"]["{}"].update(uncertified=True), r"uncertified must be 0"),
    (lambda d: d.update(schema_version=True), "must be a saddle-graph checkpoint"),
    (lambda d: d.update(schema_version=2.0), "must be a saddle-graph checkpoint"),
    (lambda d: d["options"].update(random_probes=True), "written for other options"),
    (lambda d: d["escapes"].pop(), r"one_hop must be|random\[0\] must be the probe"),
    (lambda d: d["escapes"][0].update(step=d["escapes"][0]["step"] * 1.5),
     r"escapes\[0\]\.step must be the step"),
    (lambda d: d["escapes"][0].update(label="learn 7"), r"escapes\[0\]\.label must be"),
    (lambda d: d["escapes"][0].update(direction=[1.0] + [0.0] * 3),
     r"escapes\[0\]\.direction must be a list of 2|loss must fall"),
    (lambda d: d["classes"].update({"{0,1}": d["classes"]["{}"]}),
     r"a global minimum has no escapes"),
    (lambda d: d["classes"].update({"{0, 1}": d["classes"]["{}"]}), r"no class of the catalog"),
    (lambda d: d["classes"]["{}"]["random"][0][1].reverse(),
     r"random\[0\] must be the probe drawn"),
    (lambda d: d["classes"]["{}"]["random"].pop(), r"random must be a list of 2 probes"),
])
def test_faults_are_refused_naming_the_field(resume, edit, message):
    with pytest.raises(ValueError, match=message):
        resume(edit)


def test_a_stored_target_must_reintegrate(run, resume):
    """With no class finished, only the re-integration can tell an edited target."""
    _, _, document = run
    k = next(k for k, e in enumerate(document["escapes"]) if e["target"] == [0])

    def edit(d):
        d["classes"] = {}
        d["escapes"][k]["target"] = []

    with pytest.raises(ValueError, match=rf"escapes\[{k}\]: its exact probe, integrated again, "
                                         rf"converges to \[0\], not to the stored target \[\]"):
        resume(edit)


def test_a_random_outcome_must_lower_the_value(run, resume):
    _, G, document = run
    source = next(label for label, record in document["classes"].items() if record["random"])
    higher = max((n for n in G.nodes), key=lambda n: G.nodes[n]["value"])
    label = G.nodes[higher]["label"]
    with pytest.raises(ValueError, match=r"does not lower the value|random\[0\]\[2\] must"):
        resume(lambda d: d["classes"][source]["random"][0].__setitem__(2, label))


@pytest.fixture(scope="module")
def three(tmp_path_factory):
    """Three modes, six random probes per saddle: the land and its checkpoint."""
    land = Landscape(DataSpectrum.from_singular_values([3.0, 2.0, 1.0]), (3, 3, 3))
    path = tmp_path_factory.mktemp("three") / "three.json"
    saddle_graph(land, checkpoint=path, random_probes=6, progress=False)
    return land, json.loads(path.read_text())


def test_a_random_outcome_must_be_within_reach_of_its_block(tmp_path, three):
    """Three modes: a probe along escapes that leave a mode ``j`` alone cannot learn it."""
    land, document = three
    document = json.loads(json.dumps(document))
    path = tmp_path / "three.json"
    modes = [set(e["modes"]) for e in document["escapes"]]
    found = [(label, k, j) for label, record in document["classes"].items()
             for k, (picks, *_) in enumerate(record["random"])
             for j in set(range(3)) - modes[picks[0]] - modes[picks[1]]
             if str(j) not in label]
    assert found, "every probe's block holds every unlearnt mode: draw more"
    label, k, j = found[0]
    learnt = sorted({int(i) for i in label.strip("{}").split(",") if i} | {j})
    target = "{" + ",".join(map(str, learnt)) + "}"
    document["classes"][label]["random"][k][2] = target
    path.write_text(json.dumps(document))
    with pytest.raises(ValueError, match=rf"random\[{k}\]\[2\]: the class \{{{target[1:-1]}\}} "
                                         rf"is out of reach of the probe's block"):
        saddle_graph(land, checkpoint=path, random_probes=6, progress=False)


def test_a_fabricated_multi_hop_edge_never_reaches_the_graph(tmp_path, three):
    """An outcome edited to a class that lowers the value, is within the block's reach and is
    none of the saddle's edges (so it brings a new edge) passes every cheap check; integrating
    the probe again tells it, and the class is recomputed with a warning. Every such edit is
    refused or recomputed, some only through the integration, and the graph is the true one."""
    land, document = three
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(document))
    truth = saddle_graph(land, checkpoint=path, random_probes=6, progress=False)
    labels = [subset_label(s) for s in enumerate_critical_points(land).subsets]
    recomputed = 0
    for label, record in document["classes"].items():
        # the saddle's edges: one-hop targets and every random outcome
        edges = {target for target, _ in record["one_hop"]} | {p[2] for p in record["random"]}
        for k in range(len(record["random"])):
            for other in labels:
                if other in edges or other == label:
                    continue
                copy = json.loads(json.dumps(document))
                copy["classes"][label]["random"][k][2] = other
                path.write_text(json.dumps(copy))
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    try:
                        G = saddle_graph(land, checkpoint=path, random_probes=6,
                                         progress=False)
                    except ValueError as refused:
                        assert "not a valid saddle-graph checkpoint" in str(refused)
                        assert not caught
                        continue
                assert len(caught) == 1 and caught[0].category is RuntimeWarning
                message = str(caught[0].message)
                assert "1 finished class(es) recomputed" in message
                assert f"random[{k}][2] first arrives at" in message
                recomputed += 1
                assert same_graph(G, truth), (label, k, other)
    assert recomputed > 0


def null_edits(document):
    """Every outcome of a random probe that arrived somewhere, set to ``null`` (arrived
    nowhere): it passes every cheap check and brings no edge of its own to re-integrate."""
    out = []
    for label, record in document["classes"].items():
        for k, probe in enumerate(record["random"]):
            if probe[2] is not None and probe[3] == 0:
                copy = json.loads(json.dumps(document))
                copy["classes"][label]["random"][k][2] = None
                out.append((label, k, copy))
    return out


def test_with_every_probe_sampled_every_edited_outcome_is_caught(tmp_path, three, monkeypatch):
    """The issue: an outcome other than the one re-integrated changed the probabilities
    silently. Integrating every probe again (share 1) catches each such edit."""
    monkeypatch.setattr(checkpoints, "REINTEGRATED_SHARE", 1.0)
    land, document = three
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(document))
    truth = saddle_graph(land, checkpoint=path, random_probes=6, progress=False)
    found = null_edits(document)
    assert found
    for label, k, copy in found[:6]:
        path.write_text(json.dumps(copy))
        with pytest.warns(RuntimeWarning, match=rf"random\[{k}\]\[2\] first arrives at "
                                                rf"\{{.*\}}, not at the stored no class"):
            G = saddle_graph(land, checkpoint=path, random_probes=6, progress=False)
        assert same_graph(G, truth)


def test_a_sampled_check_catches_an_edit_with_the_stated_probability(tmp_path, three):
    """With the default share 1/4 and fresh samples, one edited outcome is caught in about a
    quarter of the checks; caught, its class is recomputed; missed, it moves that class's
    probabilities by exactly ``1 / random_probes`` (the bound the docstring states)."""
    land, document = three
    truth_path = tmp_path / "truth.json"
    truth_path.write_text(json.dumps(document))
    truth = saddle_graph(land, checkpoint=truth_path, random_probes=6, progress=False)
    label, k, copy = null_edits(document)[0]
    source = parse_subset_label(label)
    options = GraphOptions(random_probes=6)
    catalog = enumerate_critical_points(land)
    blocks = graph_module._blocks(land, 3)
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(copy))
    caught = 0
    for seed in range(12):
        stored = read_checkpoint(path, problem_record(land), asdict(options))
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            kept = check_checkpoint(path, stored, land=land, catalog=catalog, blocks=blocks,
                                    options=options, rng=np.random.default_rng(seed))
        if label not in kept["classes"]:
            caught += 1
            assert len(seen) == 1 and f"random[{k}][2] first arrives" in str(seen[0].message)
    assert 0 < caught < 12  # 1/4 of 12 checks expected: with these seeds, some and not all
    path.write_text(json.dumps(copy))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        G = saddle_graph(land, checkpoint=path, random_probes=6, progress=False)
    if not same_graph(G, truth):  # missed: one probe's worth of probability moved
        for target in set(G.successors(source)) | set(truth.successors(source)):
            p = G.edges[source, target].get("probability", 0.0) \
                if G.has_edge(source, target) else 0.0
            q = truth.edges[source, target].get("probability", 0.0) \
                if truth.has_edge(source, target) else 0.0
            assert abs(p - q) <= 1 / 6 + 1e-12


# ---------------------------------------------------------------------- fuzz
def no_arrival(where) -> bool:
    """The outcome of a random probe: ``null`` says it arrived nowhere within ``t_max``; an
    outcome that brings no edge of its own is integrated again only when the random sample
    of the check picks it (``REINTEGRATED_SHARE``), so its edit is caught only sometimes."""
    return len(where) == 5 and where[0] == "classes" and where[2] == "random" and where[4] == 2


def edits(document):
    """(path, action, replacement): delete each place, give it another type, another number
    (never a null outcome of a random probe: see :func:`no_arrival`)."""
    out = []
    for where in paths(document):
        current = value_at(document, where)
        out.append((where, "delete", None))
        out.extend((where, "replace", v) for v in other_types(current)
                   if not (v is None and no_arrival(where)))
        out.extend((where, "replace", v) for v in changed_numbers(current))
    return out


@pytest.fixture(scope="module")
def checker(run):
    land, _, _ = run
    options = GraphOptions(random_probes=OPTIONS["random_probes"])
    catalog = enumerate_critical_points(land)
    blocks = graph_module._blocks(land, 2)

    def check(path):
        stored = read_checkpoint(path, problem_record(land), asdict(options))
        return check_checkpoint(path, stored, land=land, catalog=catalog, blocks=blocks,
                                options=options)

    return check


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_field_edit_is_refused_or_harmless(run, checker, tmp_path_factory, data):
    land, G, document = run
    where, action, replacement = data.draw(st.sampled_from(edits(document)))
    path = tmp_path_factory.getbasetemp() / "fuzz_checkpoint.json"
    path.write_text(json.dumps(edited(document, where, action, replacement)))
    try:
        stored = checker(path)
    except ValueError as exc:
        assert str(exc).startswith(f"checkpoint {path} ") and len(str(exc)) > 60
        return
    if stored != {"escapes": document["escapes"], "classes": document["classes"]}:
        # e.g. a finished class removed: the run redoes it
        assert same_graph(saddle_graph(land, checkpoint=path, **OPTIONS), G), \
            (where, action, replacement)


# ---------------------------------------------------------------------- graph files
@pytest.mark.parametrize("edit, message", [
    (lambda g: g["nodes"][0].update(value=g["nodes"][0]["value"] + 1),
     r"value must be the critical value"),
    (lambda g: g["nodes"][0].update(label="{7}"), r"label must be"),
    (lambda g: g["nodes"][0].update(kind="maximum"), r"kind must be one of"),
    (lambda g: g["nodes"][0].pop("random_probes"), r"must have the attributes"),
    (lambda g: g["edges"][0].update(probability=0.75), r"probability must be"),
    (lambda g: g["edges"][0].update(certified="yes"), r"certified must be"),
    (lambda g: g["edges"][0].update(loss_drop=-1.0), r"loss_drop must be"),
    (lambda g: g["edges"][0].update(example_escapes=[99]), r"example_escapes must be"),
    (lambda g: g["edges"][0].pop("hop"), r"must have the attributes"),
    (lambda g: g["graph"]["checks"].update(ok=False), r"graph\.checks must be"),
    (lambda g: g["graph"]["escapes"][0].update(order="abc"),
     r"escapes\[0\]\.order must be an integer"),
    (lambda g: g["graph"]["problem"].update(sigma="abc"), r"problem\.sigma must be"),
    (lambda g: g["graph"].pop("problem"), r"must have the attributes"),
    (lambda g: g.update(nodes="abc"), r"not a valid saddle graph file"),
])
def test_graph_files_are_validated(run, tmp_path, edit, message):
    """Each edit of a saved graph's JSON is refused naming the field."""
    _, G, _ = run
    path = save_saddle_graph(G, tmp_path / "graph.json")
    document = json.loads(path.read_text())
    edit(document["graph"])
    path.write_text(json.dumps(document))
    with pytest.raises(ValueError, match=message):
        load_saddle_graph(path)


def test_graphml_files_are_validated(run, tmp_path):
    _, G, _ = run
    path = save_saddle_graph(G, tmp_path / "graph.graphml")
    assert same_graph(load_saddle_graph(path), G)
    text = path.read_text()
    path.write_text(text.replace("one_hop", "two_hop", 1))
    with pytest.raises(ValueError, match=r"hop must be one_hop or multi_hop"):
        load_saddle_graph(path)
    path.write_text(text[: len(text) // 2])
    with pytest.raises(ValueError, match=r"not a valid saddle graph file"):
        load_saddle_graph(path)


@pytest.mark.parametrize("version", [True, 3.0, "3", 2])
def test_graph_schema_version_is_exactly_the_integer(run, tmp_path, version):
    _, G, _ = run
    path = save_saddle_graph(G, tmp_path / "graph.json")
    document = json.loads(path.read_text())
    document["schema_version"] = version
    path.write_text(json.dumps(document))
    with pytest.raises(ValueError, match="must be a saddle graph with schema_version 3"):
        load_saddle_graph(path)


def test_a_recorded_probe_failure_is_recounted_on_resume(tmp_path, three):
    """A probe that claims failed integrations is integrated again on resume and gets the
    count that gives (here none: a sound integration); a count outside its range is refused."""
    land, document = three
    label, record = next((label, r) for label, r in document["classes"].items() if r["random"])
    path = tmp_path / "failures.json"
    claimed = json.loads(json.dumps(document))
    claimed["classes"][label]["random"][0][3] = 2
    path.write_text(json.dumps(claimed))
    G = saddle_graph(land, checkpoint=path, random_probes=6, progress=False)
    assert G.nodes[parse_subset_label(label)]["failed_probes"] == 0
    claimed["classes"][label]["random"][0][3] = 9
    path.write_text(json.dumps(claimed))
    with pytest.raises(ValueError, match=r"random\[0\]\[3\] must be an integer in \[0, 3\]"):
        saddle_graph(land, checkpoint=path, random_probes=6, progress=False)
