"""The saddle connection graph (THEORY §5): its nodes, its one-hop edges, the statistics of
its multi-hop edges, its checks, checkpoints, files and arguments.

Oracles are computed here from THEORY, independently of the library: the critical value
``L_S = L0 + 1/2 sum_{i not in S} sigma_i^2``; the minima are the top sets of size
``r* = min(r, m)``; ``S -> S u {i}`` is a one-hop edge for every saddle ``S`` and learnable
``i`` (not learnt, ``|S| < r``) along the single-mode orbit of §4.2; ``S -> S - {k} u {k-1}``
(a learnt mode traded for the next larger unlearnt one) is one-hop wherever ``k in S`` and
``k - 1 not in S``, and for ``h = 2`` every mis-ordered saddle connects along its negative
eigenvector to each class that swaps a learnt ``sigma_k`` for a larger unlearnt ``sigma_i``.
The Wilson intervals are checked against :func:`scipy.stats.binomtest`.

Nothing here relies on a multi-hop edge being present or absent (THEORY §5: chance).
Invariance across machines/executors, the invariant blocks and the re-integration of the
stored examples are in ``test_connections_invariance.py`` and ``test_connections_blocks.py``.
"""

import itertools
import json

import networkx as nx
import numpy as np
import pytest
from scipy import stats

from landscape import (DataSpectrum, GraphChecks, Landscape, Visit, check_saddle_graph,
                       enumerate_critical_points, example_start, gradient_flow,
                       load_saddle_graph, saddle_graph, save_saddle_graph, subset_label,
                       trajectory_visits)
from landscape.connections import graph as graph_module
from landscape.connections.labels import parse_subset_label
from landscape.problem.records import problem_record


def make_land(sigma, widths, **dims):
    return Landscape(DataSpectrum.from_singular_values(list(sigma), **dims), widths=widths)


def random_sigma(rng, m, *, low=0.4, gap=(0.3, 1.0)):
    """``m`` distinct singular values, descending, consecutive gaps in ``gap`` (no ties)."""
    return tuple(float(s) for s in (low + np.cumsum(rng.uniform(*gap, size=m)))[::-1])


# ---------------------------------------------------------------------- oracles
def value(subset, sigma, offset=0.0):
    """THEORY §2: ``L_S = L0 + 1/2 sum_{i not in S} sigma_i^2``."""
    return offset + 0.5 * sum(s * s for i, s in enumerate(sigma) if i not in subset)


def rank(widths):
    return min(widths)


def classes(widths, sigma):
    return {S for k in range(min(rank(widths), len(sigma)) + 1)
            for S in itertools.combinations(range(len(sigma)), k)}


def minima(widths, sigma):
    return {tuple(range(min(rank(widths), len(sigma))))}


def learnable(S, widths, sigma):
    return [i for i in range(len(sigma)) if i not in S and sigma[i] > 0
            and len(S) < rank(widths)]


def same_values(a, b):
    if isinstance(a, (list, tuple)) and a and isinstance(a[0], np.ndarray):
        return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))
    return a == b


def assert_same_graph(a, b):
    assert a.graph == b.graph
    assert sorted(a.nodes) == sorted(b.nodes)
    for node in a.nodes:
        assert a.nodes[node] == b.nodes[node], node
    assert sorted(a.edges) == sorted(b.edges)
    for edge in a.edges:
        da, db = a.edges[edge], b.edges[edge]
        assert da.keys() == db.keys(), edge
        for key in da:
            assert same_values(da[key], db[key]), (edge, key, da[key], db[key])


# A few fixed problems, shared by module-scoped fixtures (built once).
SMALL = dict(sigma=(2.0, 1.0), widths=(2, 2, 2))
H3 = dict(sigma=(3.0, 2.0, 1.0), widths=(3, 3, 3, 3))
OPTIONS = dict(random_probes=4, progress=False)


@pytest.fixture(scope="module")
def small():
    land = make_land(**SMALL)
    return land, saddle_graph(land, **OPTIONS)


@pytest.fixture(scope="module")
def h3():
    land = make_land(**H3)
    return land, saddle_graph(land, **OPTIONS)


# ---------------------------------------------------------------------- 1. values
def _value_problems():
    rng = np.random.default_rng(20240611)
    out = []
    for widths in [(3, 3, 3), (4, 5, 3, 4), (3, 2, 3), (4, 4, 4, 4, 4)]:
        m = min(widths[0], widths[-1])
        out.append((random_sigma(rng, m), widths))
    return out


@pytest.mark.parametrize("sigma, widths", _value_problems())
def test_every_edge_lowers_the_closed_form_critical_value(sigma, widths):
    land = make_land(sigma, widths)
    G = saddle_graph(land, random_probes=3, seed=5, progress=False)
    assert set(G.nodes) == classes(widths, sigma)
    for S, data in G.nodes(data=True):
        assert data["value"] == pytest.approx(value(S, sigma), rel=1e-12, abs=1e-12)
        assert data["value"] == pytest.approx(land.critical_value(S), rel=1e-12, abs=1e-12)
    assert G.number_of_edges() > 0
    for a, b, data in G.edges(data=True):
        assert value(a, sigma) > value(b, sigma), (a, b)
        assert data["loss_drop"] == pytest.approx(value(a, sigma) - value(b, sigma),
                                                  rel=1e-12, abs=1e-12)
        assert data["hop"] in ("one_hop", "multi_hop")
        assert data["certified"] == (data["hop"] == "one_hop")
        assert (data["escape"] != "") == data["certified"]
    for S in minima(widths, sigma):
        assert G.out_degree(S) == 0


def test_values_carry_the_loss_offset_of_whitened_data():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((40, 3)) @ (rng.standard_normal((3, 3)) + 2 * np.eye(3))
    Y = X @ rng.standard_normal((3, 2)) + 0.3 * rng.standard_normal((40, 2))
    spec = DataSpectrum.from_data(X, Y, whiten=True)
    assert spec.loss_offset > 0
    land = Landscape(spec, widths=(3, 3, 2))
    G = saddle_graph(land, random_probes=2, progress=False)
    sigma = tuple(spec.sigma)
    for S, data in G.nodes(data=True):
        assert data["value"] == pytest.approx(value(S, sigma, spec.loss_offset), rel=1e-10)
    for a, b, data in G.edges(data=True):
        assert value(a, sigma) > value(b, sigma)
    assert {((), (0,)), ((), (1,)), ((1,), (0,)), ((0,), (0, 1)), ((1,), (0, 1))} \
        <= set(G.edges)


# ---------------------------------------------------------------------- 2. one-hop completeness
def expected_one_hop(widths, sigma, h):
    """Learn one learnable mode; trade a learnt ``k`` for an unlearnt ``k - 1`` (any larger
    unlearnt ``i`` at depth 2)."""
    out = set()
    for S in classes(widths, sigma) - minima(widths, sigma):
        out |= {(S, tuple(sorted((*S, i)))) for i in learnable(S, widths, sigma)}
        for k in S:
            larger = range(k) if h == 2 else [k - 1] if k > 0 else []
            out |= {(S, tuple(sorted(set(S) - {k} | {i}))) for i in larger if i not in S}
    return out


def _completeness_cases():
    cases = []
    for h in (2, 3, 4):
        for m in (3, 4, 5, 6):
            marks = [pytest.mark.slow] if m >= 5 and h > 2 else []
            cases.append(pytest.param(h, m, (m,) * (h + 1), marks=marks, id=f"h{h}-m{m}"))
    cases.append(pytest.param(3, 4, (4, 2, 3, 4), id="bottleneck-h3-m4"))
    cases.append(pytest.param(2, 3, (3, 2, 3), id="bottleneck-h2-m3"))
    return cases


@pytest.mark.parametrize("h, m, widths", _completeness_cases())
def test_one_hop_edges_are_complete(h, m, widths):
    sigma = random_sigma(np.random.default_rng(100 * h + m), m)
    land = make_land(sigma, widths)
    G = saddle_graph(land, random_probes=0, progress=False)
    assert set(G.nodes) == classes(widths, sigma)
    expected = expected_one_hop(widths, sigma, h)
    one_hop = {(a, b) for a, b, hop in G.edges(data="hop") if hop == "one_hop"}
    assert expected and expected <= one_hop, sorted(expected - one_hop)
    for a, b in expected:
        data = G.edges[a, b]
        assert data["certified"] and data["example_coefficients"] == (1.0,)
        gained, lost = set(b) - set(a), set(a) - set(b)
        if not lost:
            assert data["escape"] == f"learn {gained.pop()}"
        else:
            assert data["escape"] == f"swap {lost.pop()} for {gained.pop()}"
    if widths[1:-1] != (m,) * (h - 1):  # a bottleneck: nothing adds to a full-rank class
        r = rank(widths)
        assert all(len(b) <= r for b in G.nodes)
        for S in G.nodes:
            if len(S) == r:
                assert all(len(b) == r for _, b in G.out_edges(S))
    # no random probes: no multi-hop edge, and no probability (not sampled is not 0)
    assert all(hop == "one_hop" for *_, hop in G.edges(data="hop"))
    assert not any({"probability", "ci_low", "ci_high"} & set(d) for *_, d in G.edges(data=True))
    assert G.graph["checks"]["ok"]


def _close_sigma_cases():
    """Three modes within 5% of each other (the saddle graph's probes once died there), at
    depths 3 and 4, four seeds each."""
    cases = []
    for h in (3, 4):
        for draw in range(2):
            rng = np.random.default_rng(7 * h + draw)
            top = rng.uniform(0.2, 2.0)
            sigma = tuple(sorted(top * (1 - rng.uniform(0, 0.05, 3)), reverse=True))
            for seed in range(4):
                marks = [pytest.mark.slow] if h == 4 else []
                cases.append(pytest.param(h, sigma, seed, marks=marks,
                                          id=f"h{h}-draw{draw}-seed{seed}"))
    cases.append(pytest.param(3, (0.29793, 0.287259, 0.285456), 0, id="reported"))
    cases.append(pytest.param(3, (1.0, 0.96, 0.95), 2, id="reported-seed2"))
    return cases


@pytest.mark.parametrize("h, sigma, seed", _close_sigma_cases())
def test_graph_of_close_sigma_completes_with_every_one_hop_edge(h, sigma, seed):
    widths = (3,) * (h + 1)
    G = saddle_graph(make_land(sigma, widths), seed=seed, progress=False)
    expected = expected_one_hop(widths, sigma, h)
    one_hop = {(a, b) for a, b, hop in G.edges(data="hop") if hop == "one_hop"}
    assert expected <= one_hop, sorted(expected - one_hop)
    assert G.graph["checks"]["ok"]
    assert all(data["failed_probes"] >= 0 for _, data in G.nodes(data=True)
               if data["kind"] != "unknown")


def test_non_strict_saddles_escape_through_the_centre(h3):
    # THEORY §4: at depth 3 the top-k saddles with k < r* are non-strict; their escapes
    # are of order h = 3 and still give the single-mode edges.
    _, G = h3
    non_strict = {S for S, k in G.nodes(data="kind") if k == "non_strict_saddle"}
    assert non_strict == {(), (0,), (0, 1)}
    for S in non_strict:
        assert 3 in G.nodes[S]["escape_orders"]
        assert {b for _, b in G.out_edges(S)} >= {tuple(sorted((*S, i)))
                                                  for i in learnable(S, H3["widths"],
                                                                     H3["sigma"])}


# ---------------------------------------------------------------------- 4. Wilson intervals
def scipy_wilson(k, n, confidence):
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=confidence, method="wilson")
    return ci.low, ci.high


@pytest.mark.parametrize("n", [1, 2, 5, 13, 40])
@pytest.mark.parametrize("confidence", [0.5, 0.9, 0.95, 0.999])
def test_wilson_interval_matches_scipy(n, confidence):
    for k in range(n + 1):
        low, high = graph_module._wilson(k, n, confidence)
        ref_low, ref_high = scipy_wilson(k, n, confidence)
        assert low == pytest.approx(ref_low, rel=1e-9, abs=1e-12)
        assert high == pytest.approx(ref_high, rel=1e-9, abs=1e-12)
        assert 0.0 <= low <= k / n <= high <= 1.0


def test_edge_probabilities_are_counts_with_their_wilson_interval():
    land = make_land((3.0, 2.2, 1.5, 0.7), (4, 4, 4))
    G = saddle_graph(land, random_probes=9, confidence=0.9, progress=False)
    assert G.graph["options"]["random_probes"] == 9
    assert G.graph["options"]["confidence"] == 0.9
    for S, data in G.nodes(data=True):
        assert data["random_probes"] in (0, 9), S
        counts = [G.edges[S, b]["random_probes"] for _, b in G.out_edges(S)]
        assert sum(counts) <= data["random_probes"]  # a probe arrives at one class at most
    for a, b, data in G.edges(data=True):
        n, k = G.nodes[a]["random_probes"], data["random_probes"]
        assert 0 <= k <= n
        if n == 0:  # not sampled: no share, no interval
            assert not {"probability", "ci_low", "ci_high"} & set(data)
            continue
        assert data["probability"] == pytest.approx(k / n, rel=1e-15)
        low, high = scipy_wilson(k, n, 0.9)
        assert data["ci_low"] == pytest.approx(low, rel=1e-9, abs=1e-12), (a, b)
        assert data["ci_high"] == pytest.approx(high, rel=1e-9, abs=1e-12), (a, b)
        if data["hop"] == "multi_hop":  # only seen by random probes
            assert k >= 1 and len(data["example_escapes"]) == 2


# ---------------------------------------------------------------------- 6. a larger graph
def test_graph_of_eight_modes_checks_itself():
    sigma = random_sigma(np.random.default_rng(8), 8)
    widths = (8, 8, 8, 8)
    land = make_land(sigma, widths)
    G = saddle_graph(land, random_probes=0, progress=False)
    assert G.number_of_nodes() == 2 ** 8
    checks = G.graph["checks"]
    assert checks["ok"], checks["summary"]
    assert G.graph["unescaped"] == []
    assert f"all {2 ** 8 - 1} saddles escape" in checks["summary"]
    # independently of the library's own checks
    assert nx.is_directed_acyclic_graph(G)
    top = tuple(range(8))
    for S in G.nodes:
        assert nx.has_path(G, S, top)
        assert (G.out_degree(S) == 0) == (S == top)


# ---------------------------------------------------------------------- checks
def test_check_reports_planted_bad_edges(h3):
    _, G = h3
    assert check_saddle_graph(G).ok and G.graph["checks"]["ok"]
    assert "acyclic" in G.graph["checks"]["summary"]
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
    assert check_saddle_graph(level).to_dict()["raising_edges"] == [[[], [0]]]
    with pytest.raises(TypeError, match="G must be a networkx.DiGraph, got Graph"):
        check_saddle_graph(nx.Graph())


# ---------------------------------------------------------------------- visits
def test_visits_of_a_small_start_are_the_top_sets_in_order():
    # THEORY §3-4 (Saxe et al.): from a small balanced start the flow rests on the top-k
    # saddles one after another, at the values L_{0..k-1}, then converges to the minimum.
    sigma = H3["sigma"]
    land = make_land(**H3)
    start = [1e-2 * np.eye(3) for _ in range(3)]
    result = gradient_flow(land, start, t_max=1e5, record_weights=True)
    visits, unresolved = trajectory_visits(land, result)
    assert [v.subset for v in visits] == [(), (0,), (0, 1), (0, 1, 2)]
    assert unresolved == 0
    for visit in visits:
        assert isinstance(visit, Visit) and visit.t_start <= visit.t_end
        assert visit.loss == pytest.approx(value(visit.subset, sigma),
                                           abs=1e-3 * value((), sigma))
    assert all(v.t_end < w.t_start for v, w in zip(visits, visits[1:]))
    # too strict a value tolerance leaves the saddle plateaus unread
    strict, unresolved = trajectory_visits(land, result, value_tol=1e-12)
    assert unresolved >= 3 and len(strict) < len(visits)
    assert trajectory_visits(land.with_tie_tol(1e-6), result) == (visits, 0)
    with pytest.raises(ValueError, match="record_weights=True"):
        trajectory_visits(land, gradient_flow(land, start, t_max=1.0))
    with pytest.raises(ValueError, match="grad_tol must be > 0"):
        trajectory_visits(land, result, grad_tol=0)


# ---------------------------------------------------------------------- seeds
def test_seed_changes_only_the_random_probes(h3):
    land, G = h3
    other = saddle_graph(land, **{**OPTIONS, "seed": 1})
    assert other.graph["options"]["seed"] == 1
    assert other.graph["problem"] == G.graph["problem"] == problem_record(land)
    assert sorted(other.nodes) == sorted(G.nodes)

    def one_hop(graph):
        return {(a, b): d["escape"] for a, b, d in graph.edges(data=True)
                if d["hop"] == "one_hop"}

    assert one_hop(other) == one_hop(G)
    # the same seed gives the same graph
    assert_same_graph(G, saddle_graph(land, **OPTIONS))


# ---------------------------------------------------------------------- 8. checkpoints
def test_interrupted_run_resumes_from_its_checkpoint(small, tmp_path, monkeypatch):
    land, G = small
    path = tmp_path / "probes.json"
    monkeypatch.setattr(graph_module, "CHECKPOINT_EVERY", 0.0)  # write after every class
    task = graph_module._class_task
    calls = []

    def interrupted_after_one(args):
        if len(calls) == 1:
            raise KeyboardInterrupt
        calls.append(args[1])
        return task(args)

    monkeypatch.setattr(graph_module, "_class_task", interrupted_after_one)
    with pytest.raises(KeyboardInterrupt):
        saddle_graph(land, checkpoint=path, **OPTIONS)
    stored = json.loads(path.read_text())
    assert sorted(stored["classes"]) == sorted(subset_label(S) for S in calls)
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind
    finished, calls[:] = list(calls), []

    blocks = []
    block_task = graph_module._block_task

    def counted_block(args):
        blocks.append(args[1])
        return block_task(args)

    def counted(args):
        calls.append(args[1])
        return task(args)

    monkeypatch.setattr(graph_module, "_class_task", counted)
    monkeypatch.setattr(graph_module, "_block_task", counted_block)
    resumed = saddle_graph(land, checkpoint=path, **OPTIONS)
    saddles = {S for S, k in G.nodes(data="kind") if k != "global_minimum"}
    assert sorted(calls) == sorted(saddles - set(finished))  # finished classes not redone
    assert blocks == []  # nor the blocks' escapes
    assert_same_graph(G, resumed)
    calls.clear()
    assert_same_graph(G, saddle_graph(land, checkpoint=path, **OPTIONS))
    assert calls == [] and blocks == []


def test_results_identical_with_and_without_checkpoint(h3, tmp_path):
    land, G = h3
    path = tmp_path / "h3.json"
    assert_same_graph(G, saddle_graph(land, checkpoint=path, **OPTIONS))
    assert path.is_file()
    assert_same_graph(G, saddle_graph(land, checkpoint=path, **OPTIONS))


def test_checkpoint_of_other_settings_is_refused(tmp_path):
    land = make_land((2.0,), (1, 1, 1))
    path = tmp_path / "one_mode.json"
    options = dict(random_probes=1, progress=False)
    saddle_graph(land, checkpoint=path, **options)
    with pytest.raises(ValueError, match="was written for other options"):
        saddle_graph(land, checkpoint=path, **{**options, "seed": 3})
    with pytest.raises(ValueError, match="was written for other options"):
        saddle_graph(land, checkpoint=path, **{**options, "radius": 0.1})
    with pytest.raises(ValueError, match="was written for other problem"):
        saddle_graph(make_land((3.0,), (1, 1, 1)), checkpoint=path, **options)
    path.write_text("[1, 2")
    with pytest.raises(ValueError, match="must be a readable JSON file"):
        saddle_graph(land, checkpoint=path, **options)
    path.write_text(json.dumps({"format": "landscape.catalog", "schema_version": 1}))
    with pytest.raises(ValueError, match="must be a saddle-graph checkpoint"):
        saddle_graph(land, checkpoint=path, **options)


# ---------------------------------------------------------------------- 9. files
@pytest.mark.parametrize("suffix", [".graphml", ".json"])
def test_file_round_trip(h3, tmp_path, suffix):
    land, G = h3
    path = save_saddle_graph(G, tmp_path / f"graph{suffix}")
    assert path == tmp_path / f"graph{suffix}" and sorted(tmp_path.iterdir()) == [path]
    loaded = load_saddle_graph(path)
    assert loaded.graph == G.graph
    assert_same_graph(G, loaded)
    for a, b in G.edges:
        assert same_values(example_start(land, loaded, a, b), example_start(land, G, a, b))
    if suffix == ".json":
        document = json.loads(path.read_text())
        assert document["schema_version"] == 3
        assert {n["id"] for n in document["graph"]["nodes"]} == {subset_label(S) for S in G}


def test_file_errors(small, tmp_path):
    _, G = small
    with pytest.raises(ValueError, match="path must end in .graphml or .json, got '.*graph.gml'"):
        save_saddle_graph(G, tmp_path / "graph.gml")
    with pytest.raises(TypeError, match="G must be a networkx.DiGraph, got dict"):
        save_saddle_graph({}, tmp_path / "graph.json")
    with pytest.raises(ValueError, match="path must be an existing .graphml or .json file"):
        load_saddle_graph(tmp_path / "missing.json")
    (tmp_path / "other.json").write_text(json.dumps({"format": "something else"}))
    with pytest.raises(ValueError, match="must be a saddle graph with schema_version 3"):
        load_saddle_graph(tmp_path / "other.json")
    nx.write_graphml(nx.DiGraph(), tmp_path / "plain.graphml")
    with pytest.raises(ValueError, match="must be a saddle graph with schema_version 3"):
        load_saddle_graph(tmp_path / "plain.graphml")


def test_labels_round_trip():
    for S in [(), (0,), (0, 2), (1, 3, 10)]:
        assert parse_subset_label(subset_label(S)) == S
    assert subset_label(np.array([0, 2])) == "{0,2}"
    assert subset_label(()) == "{}"


# ---------------------------------------------------------------------- 10. arguments
@pytest.mark.parametrize("kwargs, error, message", [
    (dict(radius=0), ValueError, "radius must be > 0, got 0"),
    (dict(radius=-0.1), ValueError, "radius must be > 0"),
    (dict(radius=float("nan")), ValueError, "radius"),
    (dict(radius="0.1"), TypeError, "radius"),
    (dict(random_probes=-1), ValueError, "random_probes must be >= 0, got -1"),
    (dict(random_probes=1.5), TypeError, "random_probes must be an integer, got 1.5"),
    (dict(t_max=0), ValueError, "t_max must be > 0"),
    (dict(t_max=float("inf")), ValueError, "t_max"),
    (dict(grad_tol=0), ValueError, "grad_tol must be > 0"),
    (dict(value_tol=-1), ValueError, "value_tol must be > 0"),
    (dict(rtol=0), ValueError, "rtol must be > 0"),
    (dict(confidence=1.5), ValueError, r"confidence must lie in \(0, 1\), got 1.5"),
    (dict(confidence=1.0), ValueError, "confidence must lie in"),
    (dict(confidence=0), ValueError, "confidence"),
    (dict(seed=-1), ValueError, "seed must be >= 0, got -1"),
    (dict(seed=None), TypeError, "seed must be an integer, got None"),
    (dict(catalog=[]), TypeError, "catalog must be a Catalog, got list"),
    (dict(n_jobs=0), ValueError, "n_jobs must be None, -1 or a positive integer, got 0"),
    (dict(n_jobs=-2), ValueError, "n_jobs must be None, -1 or a positive integer"),
    (dict(client=object()), TypeError, "client must be a dask.distributed.Client"),
])
def test_bad_options_are_rejected_before_any_work(kwargs, error, message, monkeypatch):
    def work(*args, **kw):
        raise AssertionError("work started before the arguments were checked")

    for name in ("enumerate_critical_points", "_block_task", "_class_task"):
        monkeypatch.setattr(graph_module, name, work)
    with pytest.raises(error, match=message):
        saddle_graph(make_land((3.0, 2.0, 1.0), (3, 3, 3)), **kwargs)


def test_land_and_catalog_must_match(monkeypatch):
    with pytest.raises(TypeError, match="land must be a Landscape, got tuple"):
        saddle_graph((3, 3, 3))
    other = enumerate_critical_points(make_land((3.0, 2.0, 1.0), (3, 2, 3)), progress=False)
    resigned = enumerate_critical_points(make_land((3.0, 2.0, 0.5), (3, 3, 3)),
                                         progress=False)
    monkeypatch.setattr(graph_module, "_block_task", None)  # any work would fail differently
    with pytest.raises(ValueError, match="catalog must belong to land"):
        saddle_graph(make_land((3.0, 2.0, 1.0), (3, 3, 3)), catalog=other)
    with pytest.raises(ValueError, match="catalog must belong to land"):
        saddle_graph(make_land((3.0, 2.0, 1.0), (3, 3, 3)), catalog=resigned)


def test_a_catalog_of_the_same_problem_is_accepted(small):
    land, G = small
    catalog = enumerate_critical_points(make_land(**SMALL), progress=False)
    assert_same_graph(G, saddle_graph(land, catalog=catalog, **OPTIONS))


def test_a_failed_probe_is_retried_from_a_perturbed_start_and_counted(monkeypatch):
    """Every first integration of a random probe fails (as a solver step or a LinAlgError
    would): the graph still completes, each probe is retried and the failures are counted."""
    from landscape.connections import probes

    land = make_land((1.0, 0.96, 0.95), (3, 3, 3, 3))
    reference = saddle_graph(land, seed=1, progress=False)
    starts = []
    flow_until = probes._flow_until

    def failing_first(block, theta0, t_max, **kwargs):
        starts.append(np.array(theta0))
        if len(starts) % 2 == 1:
            raise np.linalg.LinAlgError("singular matrix")
        return flow_until(block, theta0, t_max, **kwargs)

    monkeypatch.setattr(probes, "_flow_until", failing_first)
    G = saddle_graph(land, seed=1, progress=False)
    probed = sum(d["random_probes"] for _, d in G.nodes(data=True))
    assert probed > 0 and len(starts) == 2 * probed
    assert sum(d.get("failed_probes", 0) for _, d in G.nodes(data=True)) == probed
    retried = starts[1::2]
    assert all(0 < np.linalg.norm(b - a) < 1e-2 for a, b in zip(starts[0::2], retried))
    one_hop = {e for e, hop in G.edges.items() if hop["hop"] == "one_hop"}
    assert one_hop == {e for e, hop in reference.edges.items() if hop["hop"] == "one_hop"}
    assert G.graph["checks"]["ok"]


def test_a_probe_that_always_fails_arrives_nowhere(monkeypatch):
    from landscape.connections import probes

    def unsound(block, theta0, t_max, **kwargs):
        return 0.0, np.asarray(theta0), False

    monkeypatch.setattr(probes, "_flow_until", unsound)
    G = saddle_graph(make_land((1.0, 0.96, 0.95), (3, 3, 3, 3)), progress=False)
    assert all(d["hop"] == "one_hop" for *_, d in G.edges(data=True))
    assert sum(d.get("failed_probes", 0) for _, d in G.nodes(data=True)) \
        == (probes.PROBE_RETRIES + 1) * sum(d["random_probes"] for _, d in G.nodes(data=True))
