"""The saddle connection graph (THEORY §5): the known heteroclinic connections are found, the
graph is a DAG that lowers the loss and ends at the minima, every backend builds the same
graph, every edge's example trajectory re-integrates through its classes, and files and
checkpoints round-trip.

Expected connections, values and minima are computed here from THEORY, independently of the
library: ``L_S = 1/2 sum_{i not in S} sigma_i^2``; the minima are the top sets of size
``r* = min(r, m)``; ``S -> S u {i}`` exists for every saddle ``S`` and learnable ``i`` (not
learnt, and ``|S| + 1 <= r``) along the single-mode orbit of §4.2; for ``h = 2`` every
mis-ordered saddle connects along its negative eigenvector to the class that swaps a learnt
``sigma_k`` for a larger unlearnt ``sigma_i``.
"""

import itertools
import json

import networkx as nx
import numpy as np
import pytest

from landscape import connections
from landscape.connections import (GraphChecks, Visit, check_saddle_graph, load_saddle_graph,
                                   saddle_graph, save_saddle_graph, subset_label,
                                   trajectory_visits)
from landscape.critical import enumerate_critical_points
from landscape import DataSpectrum
from landscape import gradient_flow
from landscape import Landscape

SIGMA = (3.0, 2.0, 1.0)
CASES = {"h2": (3, 3, 3), "h3": (3, 3, 3, 3), "bottleneck": (3, 2, 3)}
#: Jittered probes and combinations at depth 2; exact probes only at depth 3 (time budget).
OPTIONS = {"h2": dict(radii=(0.1,), probes=2, max_combinations=2),
           "h3": dict(radii=(0.1,), probes=1, max_combinations=0),
           "bottleneck": dict(radii=(0.1,), probes=2, max_combinations=2)}
#: A small problem for the executor and checkpoint tests.
SMALL = dict(radii=(0.05, 0.1), probes=2, max_combinations=2, progress=False)


def make_land(widths, sigma=SIGMA):
    return Landscape(DataSpectrum.from_singular_values(list(sigma)), widths=widths)


@pytest.fixture(scope="module")
def graphs():
    built = {}

    def get(case):
        if case not in built:
            land = make_land(CASES[case])
            built[case] = land, saddle_graph(land, progress=False, **OPTIONS[case])
        return built[case]

    return get


@pytest.fixture(scope="module")
def small():
    land = make_land((2, 2, 2), sigma=(2.0, 1.0))
    return land, saddle_graph(land, **SMALL)


# ---------------------------------------------------------------------- oracles
def value(subset, sigma=SIGMA):
    return 0.5 * sum(s * s for i, s in enumerate(sigma) if i not in subset)


def classes(widths, sigma=SIGMA):
    r = min(widths)
    return {S for k in range(min(r, len(sigma)) + 1)
            for S in itertools.combinations(range(len(sigma)), k)}


def minima(widths, sigma=SIGMA):
    return {tuple(range(min(min(widths), len(sigma))))}


def learnable(S, widths, sigma=SIGMA):
    return [i for i in range(len(sigma)) if i not in S and sigma[i] > 0
            and len(S) + 1 <= min(widths)]


def same_values(a, b):
    if isinstance(a, list) and a and isinstance(a[0], np.ndarray):
        return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))
    return a == b


def assert_same_graph(a, b):
    assert a.graph == b.graph
    assert list(a.nodes) == list(b.nodes)
    for node in a.nodes:
        assert a.nodes[node] == b.nodes[node], node
    assert sorted(a.edges) == sorted(b.edges)
    for edge in a.edges:
        da, db = a.edges[edge], b.edges[edge]
        assert da.keys() == db.keys(), edge
        for key in da:
            assert same_values(da[key], db[key]), (edge, key, da[key], db[key])


# ---------------------------------------------------------------------- known connections
@pytest.mark.parametrize("case", list(CASES))
def test_nodes_are_the_classes_with_their_closed_form_values(graphs, case):
    land, G = graphs(case)
    widths = CASES[case]
    assert set(G.nodes) == classes(widths)
    for S, data in G.nodes(data=True):
        assert data["value"] == pytest.approx(value(S), abs=1e-12)
        assert data["label"] == "{" + ",".join(map(str, S)) + "}"
        assert (data["kind"] == "global_minimum") == (S in minima(widths))
        assert sum(data["inertia"]) == land.n_params
    if case == "h3":  # THEORY §4: the top-k saddles with k < r* are non-strict for h >= 3
        assert {S for S, k in G.nodes(data="kind") if k == "non_strict_saddle"} == \
            {(), (0,), (0, 1)}


@pytest.mark.parametrize("case", list(CASES))
def test_single_mode_connections_exist(graphs, case):
    _, G = graphs(case)
    widths = CASES[case]
    expected = {(S, tuple(sorted((*S, i)))) for S in classes(widths) - minima(widths)
                for i in learnable(S, widths)}
    assert expected  # the problem has such connections at all
    assert expected <= set(G.edges), expected - set(G.edges)
    for a, b in expected:
        assert G.edges[a, b]["direct_probes"] >= 1  # seen leaving a itself, not only passing


def test_depth_three_connections_leave_the_non_strict_saddles(graphs):
    _, G = graphs("h3")
    for S in [(), (0,), (0, 1)]:
        assert G.nodes[S]["inertia"][0] == 0 and 3 in G.nodes[S]["escape_orders"]
        assert {b for _, b in G.out_edges(S)} >= {tuple(sorted((*S, i)))
                                                  for i in learnable(S, CASES["h3"])}


def test_depth_two_misordered_saddles_connect_to_the_better_ordered_class(graphs):
    _, G = graphs("h2")
    swaps = set()
    for S in classes(CASES["h2"]):
        for k in S:
            for i in range(len(SIGMA)):
                if i not in S and SIGMA[i] > SIGMA[k]:
                    swaps.add((S, tuple(sorted(set(S) - {k} | {i}))))
    assert ((1,), (0,)) in swaps  # mode 1 learnt before mode 0 -> learn mode 0 instead
    assert swaps <= set(G.edges), swaps - set(G.edges)


# ---------------------------------------------------------------------- graph properties
@pytest.mark.parametrize("case", list(CASES))
def test_edges_lower_the_loss_no_cycle_minima_are_sinks(graphs, case):
    land, G = graphs(case)
    widths = CASES[case]
    for a, b, data in G.edges(data=True):
        assert value(a) > value(b)
        assert data["loss_drop"] == pytest.approx(value(a) - value(b), abs=1e-12)
        assert 0 < data["observed_drop"] <= data["loss_drop"] + 2e-3 * value(())
        assert 1 <= data["direct_probes"] <= data["probes"]
        assert 0 < data["fraction"] <= 1
        assert data["transit_time"] > 0
        assert 0 <= data["drift"] < 1e-5
        assert data["example_source"] in G and nx.has_path(G, data["example_source"], a)
        assert np.linalg.norm(land.flatten(data["example_direction"])) == pytest.approx(1.0)
    assert nx.is_directed_acyclic_graph(G)
    for S in minima(widths):
        assert G.out_degree(S) == 0
    for S in classes(widths) - minima(widths):
        assert G.out_degree(S) >= 1
        # every trajectory ends in a minimum: the minimum is reachable from every saddle
        assert any(nx.has_path(G, S, m) for m in minima(widths))
    checks = G.graph["checks"]
    assert checks["ok"] and G.graph["unescaped"] == []
    assert "acyclic" in checks["summary"]


def test_check_reports_planted_bad_edges(graphs):
    _, G = graphs("h2")
    assert check_saddle_graph(G).ok
    bad = G.copy()
    bad.add_edge((0, 1, 2), ())  # from the minimum back up to the origin
    checks = check_saddle_graph(bad)
    assert isinstance(checks, GraphChecks) and not checks.ok
    assert not checks.decreasing and checks.raising_edges == (((0, 1, 2), ()),)
    assert not checks.acyclic and (0, 1, 2) in checks.cycle and () in checks.cycle
    assert not checks.minima_are_sinks and checks.minima_with_out_edges == ((0, 1, 2),)
    assert checks.all_escaped
    assert "{0,1,2}->{}" in checks.summary
    stuck = G.copy()
    stuck.remove_edges_from(list(stuck.out_edges((1,))))
    checks = check_saddle_graph(stuck)
    assert checks.acyclic and checks.decreasing and not checks.all_escaped
    assert checks.unescaped == ((1,),) and "not found: {1}" in checks.summary
    level = G.copy()
    level.edges[(), (0,)]["observed_drop"] = -0.1  # a trajectory that rose
    assert check_saddle_graph(level).raising_edges == (((), (0,)),)
    with pytest.raises(TypeError, match="G must be a networkx.DiGraph, got Graph"):
        check_saddle_graph(nx.Graph())


# ---------------------------------------------------------------------- re-integration
def representative(land, S):
    """The balanced aligned representative of THEORY §2: mode ``i`` of ``S`` on the path
    input ``i`` -> hidden unit ``c`` -> ... -> output ``i`` (``c`` in order), weights
    ``sigma_i^{1/h}``."""
    weights = [np.zeros(shape) for shape in land.shapes]
    for c, i in enumerate(S):
        a = SIGMA[i] ** (1 / land.h)
        weights[0][c, i] = a
        for W in weights[1:-1]:
            W[c, c] = a
        weights[-1][i, c] = a
    return weights


def approaches(land, result, S, *, distance=0.1, gradient=1e-3):
    """Record indices where the end-to-end map is within ``distance * sigma_1`` of ``Sigma_S``
    and the gradient is below ``gradient * sigma_1^{(2h-1)/h}``: near a critical point of S."""
    target = np.zeros_like(land.spectrum.sigma_matrix())
    for i in S:
        target[i, i] = SIGMA[i]
    out = []
    for k, theta in enumerate(result.trajectory):
        weights = land.unflatten(theta)
        near = np.linalg.norm(land.end_to_end(weights) - target) <= distance * SIGMA[0]
        if near and np.linalg.norm(land.flatten(land.gradient(weights))) <= \
                gradient * SIGMA[0] ** ((2 * land.h - 1) / land.h):
            out.append(k)
    return out


@pytest.mark.parametrize("case", ["h2", "h3"])
def test_each_edge_reintegrates_through_its_classes(graphs, case):
    land, G = graphs(case)
    options = G.graph["options"]
    for a, b, data in G.edges(data=True):
        result = gradient_flow(land, data["example_start"], t_max=options["t_max"],
                               rtol=options["flow_rtol"], record_weights=True)
        source = data["example_source"]
        # the start is a step of at most max(radii) * sigma_1^{1/h} (plus jitter) off the
        # source's canonical representative, along the stored unit direction
        step = land.flatten(data["example_start"]) - land.flatten(representative(land, source))
        assert np.linalg.norm(step) <= max(options["radii"]) * land.weight_scale * \
            (1 + options["jitter"]) * (1 + 1e-12)
        cosine = step @ land.flatten(data["example_direction"]) / np.linalg.norm(step)
        assert cosine >= np.sqrt(1 - options["jitter"] ** 2) - 1e-9  # sin(angle) <= jitter
        near_a = [0] if a == source else approaches(land, result, a)
        near_b = approaches(land, result, b)
        assert near_a and near_b, (a, b)
        assert min(near_b) > min(near_a), (a, b)
        # and nothing in between: no other class is approached between a and b
        later = max(k for k in near_a if k < min(near_b))
        for other in G.nodes:
            if other not in (a, b):
                assert not [k for k in approaches(land, result, other)
                            if later < k < min(near_b)], (a, b, other)


# ---------------------------------------------------------------------- visits
def test_visits_of_a_small_start_are_the_top_sets_in_order():
    # THEORY §3-4 (Saxe et al.): from a small balanced start the flow rests on the top-k
    # saddles one after another, at the values L_{0..k-1}, then converges to the minimum.
    land = make_land((3, 3, 3, 3))
    start = [1e-2 * np.eye(3) for _ in range(3)]
    result = gradient_flow(land, start, t_max=1e5, record_weights=True)
    visits, unresolved = trajectory_visits(land, result)
    assert [v.subset for v in visits] == [(), (0,), (0, 1), (0, 1, 2)]
    assert unresolved == 0
    for visit in visits:
        assert isinstance(visit, Visit) and visit.t_start <= visit.t_end
        assert visit.loss == pytest.approx(value(visit.subset), abs=1e-3 * value(()))
    assert all(v.t_end < w.t_start for v, w in zip(visits, visits[1:]))
    # too strict a value tolerance leaves the saddle plateaus unread
    strict, unresolved = trajectory_visits(land, result, value_tol=1e-12)
    assert unresolved >= 3 and len(strict) < len(visits)
    with pytest.raises(ValueError, match="record_weights=True"):
        trajectory_visits(land, gradient_flow(land, start, t_max=1.0))


# ---------------------------------------------------------------------- executors
@pytest.mark.slow
def test_same_graph_serially_with_joblib_and_with_dask(small):
    distributed = pytest.importorskip("distributed")
    land, serial = small
    assert serial.number_of_edges() > 0
    assert_same_graph(serial, saddle_graph(land, n_jobs=2, **SMALL))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        assert_same_graph(serial, saddle_graph(land, client=client, **SMALL))


def test_seed_changes_only_the_random_probes(small):
    land, G = small
    other = saddle_graph(land, **{**SMALL, "seed": 1})
    assert other.graph["options"]["seed"] == 1
    assert list(other.nodes) == list(G.nodes)
    # exact probes do not depend on the seed: the single-mode connections stay
    assert {((), (0,)), ((), (1,)), ((0,), (0, 1)), ((1,), (0, 1))} <= set(other.edges)


# ---------------------------------------------------------------------- files
@pytest.mark.parametrize("suffix", [".graphml", ".json"])
def test_file_round_trip(graphs, tmp_path, suffix):
    _, G = graphs("h2")
    path = save_saddle_graph(G, tmp_path / f"graph{suffix}")
    assert path == tmp_path / f"graph{suffix}" and sorted(tmp_path.iterdir()) == [path]
    assert_same_graph(G, load_saddle_graph(path))
    if suffix == ".json":
        document = json.loads(path.read_text())
        assert document["schema_version"] == 1
        assert {n["id"] for n in document["graph"]["nodes"]} == {subset_label(S) for S in G}


def test_file_errors(graphs, tmp_path):
    _, G = graphs("h2")
    with pytest.raises(ValueError, match="path must end in .graphml or .json, got '.*graph.gml'"):
        save_saddle_graph(G, tmp_path / "graph.gml")
    with pytest.raises(TypeError, match="G must be a networkx.DiGraph, got dict"):
        save_saddle_graph({}, tmp_path / "graph.json")
    with pytest.raises(ValueError, match="path must be an existing .graphml or .json file"):
        load_saddle_graph(tmp_path / "missing.json")
    (tmp_path / "other.json").write_text(json.dumps({"format": "something else"}))
    with pytest.raises(ValueError, match="must be a saddle graph with schema_version 1"):
        load_saddle_graph(tmp_path / "other.json")
    nx.write_graphml(nx.DiGraph(), tmp_path / "plain.graphml")
    with pytest.raises(ValueError, match="must be a saddle graph with schema_version 1"):
        load_saddle_graph(tmp_path / "plain.graphml")


# ---------------------------------------------------------------------- checkpoints
def test_interrupted_run_resumes_from_its_checkpoint(small, tmp_path, monkeypatch):
    land, G = small
    path = tmp_path / "probes.json"
    probe = connections._probe_class
    calls = []

    def interrupted_after_three(task):
        if len(calls) == 3:
            raise KeyboardInterrupt
        calls.append(task[1])
        return probe(task)

    monkeypatch.setattr(connections, "_probe_class", interrupted_after_three)
    with pytest.raises(KeyboardInterrupt):
        saddle_graph(land, checkpoint=path, **SMALL)
    stored = json.loads(path.read_text())
    assert sorted(stored["classes"]) == sorted(subset_label(S) for S in calls)
    assert [p for p in tmp_path.iterdir()] == [path]  # no temporary file left behind
    finished, calls[:] = list(calls), []

    def counted(task):
        calls.append(task[1])
        return probe(task)

    monkeypatch.setattr(connections, "_probe_class", counted)
    resumed = saddle_graph(land, checkpoint=path, **SMALL)
    assert sorted(calls) == sorted(set(G.nodes) - set(finished))  # finished classes not redone
    assert_same_graph(G, resumed)
    calls.clear()
    assert_same_graph(G, saddle_graph(land, checkpoint=path, **SMALL))
    assert calls == []


def test_checkpoint_of_other_settings_is_refused(tmp_path):
    land = make_land((1, 1, 1), sigma=(2.0,))
    path = tmp_path / "one_mode.json"
    options = dict(radii=(0.1,), probes=1, max_combinations=0, progress=False)
    saddle_graph(land, checkpoint=path, **options)
    with pytest.raises(ValueError, match="was written for other options"):
        saddle_graph(land, checkpoint=path, **{**options, "seed": 3})
    with pytest.raises(ValueError, match="was written for other problem"):
        saddle_graph(make_land((1, 1, 1), sigma=(3.0,)), checkpoint=path, **options)
    path.write_text("[1, 2")
    with pytest.raises(ValueError, match="must be a readable JSON file"):
        saddle_graph(land, checkpoint=path, **options)
    path.write_text(json.dumps({"format": "landscape.catalog", "schema_version": 1}))
    with pytest.raises(ValueError, match="must be a saddle-graph checkpoint"):
        saddle_graph(land, checkpoint=path, **options)


# ---------------------------------------------------------------------- arguments
@pytest.mark.parametrize("kwargs, error, message", [
    (dict(radii=()), ValueError, "radii must hold at least one radius"),
    (dict(radii=0.1), TypeError, "radii must be a sequence of positive numbers, got 0.1"),
    (dict(radii="0.1"), TypeError, "radii must be a sequence of positive numbers, got '0.1'"),
    (dict(radii=(0.1, 0.0)), ValueError, r"radii\[1\] must be > 0, got 0.0"),
    (dict(probes=0), ValueError, "probes must be >= 1, got 0"),
    (dict(probes=1.0), TypeError, "probes must be an integer, got 1.0"),
    (dict(max_combinations=-1), ValueError, "max_combinations must be >= 0, got -1"),
    (dict(t_max=0), ValueError, "t_max must be > 0, got 0.0"),
    (dict(t_max=float("inf")), ValueError, "t_max must be finite, got inf"),
    (dict(jitter=-0.1), ValueError, "jitter must be >= 0, got -0.1"),
    (dict(grad_tol=0), ValueError, "grad_tol must be > 0, got 0.0"),
    (dict(value_tol=-1), ValueError, "value_tol must be > 0, got -1.0"),
    (dict(flow_rtol=0), ValueError, "flow_rtol must be > 0, got 0.0"),
    (dict(seed=-1), ValueError, "seed must be >= 0, got -1"),
    (dict(seed=None), TypeError, "seed must be an integer, got None"),
    (dict(n_jobs=0), ValueError, "n_jobs must be None, -1 or a positive integer, got 0"),
    (dict(client=object()), TypeError, "client must be a dask.distributed.Client"),
    (dict(catalog=[]), TypeError, "catalog must be a Catalog, got list"),
])
def test_bad_arguments_are_rejected_before_any_work(kwargs, error, message, monkeypatch):
    monkeypatch.setattr(connections, "_probe_class", None)  # any work would fail differently
    land = make_land((3, 3, 3))
    with pytest.raises(error, match=message):
        saddle_graph(land, **kwargs)


def test_land_and_catalog_must_match():
    with pytest.raises(TypeError, match="land must be a Landscape, got tuple"):
        saddle_graph((3, 3, 3))
    other = enumerate_critical_points(make_land((3, 2, 3)), progress=False)
    with pytest.raises(ValueError, match="catalog must belong to land"):
        saddle_graph(make_land((3, 3, 3)), catalog=other)


# ---------------------------------------------------------------------- the example
@pytest.mark.slow
def test_example_writes_graph_files_and_figure(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parent.parent / "examples" / "saddle_graph.py"
    proc = subprocess.run([sys.executable, str(script), "--out", str(tmp_path), "--cases",
                           "bottleneck", "--probes", "1", "--max-combinations", "0"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    stem = tmp_path / "saddle_graph_bottleneck"
    assert stem.with_suffix(".png").stat().st_size > 10_000
    G = load_saddle_graph(stem.with_suffix(".json"))
    assert_same_graph(G, load_saddle_graph(stem.with_suffix(".graphml")))
    widths = CASES["bottleneck"]
    assert set(G.nodes) == classes(widths) and G.graph["checks"]["ok"]
    assert {(S, tuple(sorted((*S, i)))) for S in classes(widths) - minima(widths)
            for i in learnable(S, widths)} <= set(G.edges)
    assert G.out_degree((0, 1)) == 0 and G.nodes[(0, 1)]["value"] == pytest.approx(0.5)
    assert "all 6 saddles escape" in proc.stdout
