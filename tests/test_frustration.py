"""Frustration of the signed network graph (THEORY §6; arXiv:2510.05286).

Oracles: brute force over every switching with the literal definition
``sum |A_ab| [s_a A_ab s_b < 0]`` on the adjacency matrix; the MILP as a second exact
formulation; networkx's one-exchange max-cut local search for the greedy method; closed
forms for balanced, rank-one and 4-cycle networks; the null distribution itself for the
p-values.
"""

import importlib.util
import itertools
import json
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from networkx.algorithms.approximation.maxcut import one_exchange
from scipy import stats

from landscape.catalog import Catalog
from landscape.critical import enumerate_critical_points
from landscape import DataSpectrum
from landscape import Executor
from landscape import gradient_flow
from landscape.frustration import (NULL_MODELS, frustration, frustration_along_flow,
                                   frustration_vs_null, io_monotonicity, null_network)
from landscape import Landscape

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "frustration_training.py"


# ---------------------------------------------------------------------------- helpers
def random_layers(rng, widths, *, zeros=0.0):
    layers = [rng.standard_normal((widths[j + 1], widths[j])) for j in range(len(widths) - 1)]
    return [w * (rng.random(w.shape) >= zeros) for w in layers]


def adjacency(layers):
    widths = [layers[0].shape[1]] + [w.shape[0] for w in layers]
    o = np.concatenate([[0], np.cumsum(widths)])
    A = np.zeros((o[-1], o[-1]))
    for j, w in enumerate(layers, start=1):
        A[o[j]:o[j + 1], o[j - 1]:o[j]] = w
    return A, widths


def brute_force(layers, *, fix_io_signs=False, weighted=True):
    """min over all switchings of sum |A_ab| over entries with (D A D)_ab < 0, literally."""
    A, widths = adjacency(layers)
    if not weighted:
        A = np.sign(A)
    n = A.shape[0]
    free = np.arange(n)
    if fix_io_signs:
        free = np.arange(widths[0], n - widths[-1])
    best = np.inf
    patterns = np.array(list(itertools.product((1.0, -1.0), repeat=free.size)))
    for chunk in np.array_split(patterns, max(1, len(patterns) // 2048)):
        S = np.ones((len(chunk), n))
        S[:, free] = chunk
        DAD = S[:, :, None] * A[None] * S[:, None, :]
        best = min(best, float(np.min(np.sum(np.where(DAD < 0, np.abs(A), 0.0), axis=(1, 2)))))
    return best


def switched_weight(layers, signs, weighted=True):
    A, _ = adjacency(layers)
    if not weighted:
        A = np.sign(A)
    s = np.asarray(signs, dtype=float)
    DAD = s[:, None] * A * s[None, :]
    return float(np.sum(np.abs(A)[DAD < 0]))


def random_widths(rng, max_nodes):
    while True:
        h = int(rng.integers(1, 6))
        widths = [int(d) for d in rng.integers(1, 5, size=h + 1)]
        if sum(widths) <= max_nodes:
            return widths


# ---------------------------------------------------------------------------- exact methods
@pytest.mark.parametrize("seed", range(12))
def test_exact_methods_match_brute_force_up_to_16_nodes(seed):
    rng = np.random.default_rng(seed)
    widths = random_widths(rng, 16) if seed else [4, 4, 4, 4]
    layers = random_layers(rng, widths, zeros=0.3 if seed % 3 == 0 else 0.0)
    for fix in (False, True):
        for weighted in (True, False):
            expected = brute_force(layers, fix_io_signs=fix, weighted=weighted)
            for method in ("enumeration", "milp", "exact", "auto"):
                res = frustration(layers, method=method, fix_io_signs=fix, weighted=weighted)
                assert res.exact
                assert res.value == pytest.approx(expected, rel=1e-9, abs=1e-9), (method, fix)
                # the reported switching attains the value, and fixed signs stay +1
                assert switched_weight(layers, res.signs, weighted) == pytest.approx(res.value)
                assert res.lower_bound == res.upper_bound == res.value
                assert res.per_layer.sum() == pytest.approx(res.value)
                if fix:
                    assert np.all(res.signs[:widths[0]] == 1)
                    assert np.all(res.signs[-widths[-1]:] == 1)


@pytest.mark.parametrize("widths, fix", [
    ((4,) * 10, False), ((5,) * 8, False), ((3,) * 13 + (1,), True), ((8, 8, 8, 8, 8), True),
    ((6, 5, 4, 3, 2, 1, 2, 3, 4, 5, 5), False)])
def test_enumeration_and_milp_agree_up_to_40_nodes(widths, fix):
    assert sum(widths) == 40
    layers = random_layers(np.random.default_rng(sum(widths) + len(widths)), widths)
    enum = frustration(layers, method="enumeration", fix_io_signs=fix)
    milp = frustration(layers, method="milp", fix_io_signs=fix)
    assert enum.exact and milp.exact
    assert milp.value == pytest.approx(enum.value, rel=1e-6)
    greedy = frustration(layers, method="greedy", fix_io_signs=fix, seed=0)
    assert greedy.value >= enum.value * (1 - 1e-12)
    assert greedy.lower_bound <= enum.value


def test_adjacency_input_equals_layer_input():
    rng = np.random.default_rng(3)
    spec = DataSpectrum.from_singular_values([2.0, 1.0, 0.5], d_x=3, d_y=3)
    land = Landscape(spec, (3, 4, 4, 3))
    weights = land.random_weights(seed=rng)
    a = frustration(weights)
    b = frustration(land.adjacency(weights), widths=land.widths)
    assert a.value == b.value and np.array_equal(a.signs, b.signs)
    assert a.widths == land.widths and [len(s) for s in a.signs_by_layer()] == [3, 4, 4, 3]


# ---------------------------------------------------------------------------- greedy
# For a switching s, let S = {a : s_a = -1}. An edge is frustrated when it is positive and
# cut (s_a != s_b), or negative and uncut, so with signed weights w_ab = A_ab
#     F(s) = sum_{w<0} |w| + sum_{ab cut by S} w_ab = W_neg - cut_{-w}(S).
# Minimising F is maximising the cut of S in the graph with weights -A_ab, and flipping node
# a changes F by c_a = s_a sum_b (A_ab + A_ba) s_b = minus the change of that cut when a
# changes sides. one_exchange swaps the node of largest cut gain while the gain is positive:
# step for step the greedy descent (flip the most negative c_a while c_a < 0) from the
# switching with S = initial_cut.
@pytest.mark.parametrize("seed", range(6))
def test_greedy_descent_is_networkx_one_exchange(seed):
    rng = np.random.default_rng(100 + seed)
    widths = [int(d) for d in rng.integers(2, 7, size=int(rng.integers(3, 6)))]
    layers = random_layers(rng, widths, zeros=0.2)
    A, _ = adjacency(layers)
    graph = nx.Graph()
    graph.add_nodes_from(range(A.shape[0]))
    for a, b in zip(*np.nonzero(A)):
        graph.add_edge(int(a), int(b), weight=-A[a, b])
    negative_weight = float(-A[A < 0].sum())
    for start in range(3):
        s0 = np.ones(A.shape[0], dtype=int) if start == 0 else \
            rng.choice([-1, 1], size=A.shape[0])
        cut_value, (cut, _) = one_exchange(graph, initial_cut=set(np.flatnonzero(s0 == -1)),
                                           seed=0, weight="weight")
        res = frustration(layers, method="greedy", restarts=0, polish=False,
                          initial_signs=s0)
        assert set(np.flatnonzero(res.signs == -1)) == cut
        assert res.value == pytest.approx(negative_weight - cut_value, rel=1e-12)
        assert not res.exact and res.method == "greedy"


@pytest.mark.parametrize("seed", range(4))
def test_greedy_is_a_local_minimum_above_the_exact_value(seed):
    rng = np.random.default_rng(200 + seed)
    layers = random_layers(rng, [3, 5, 5, 5, 3])
    exact = frustration(layers, method="enumeration").value
    plain = frustration(layers, method="greedy", polish=False, restarts=5, seed=seed)
    polished = frustration(layers, method="greedy", restarts=5, seed=seed)
    assert exact <= polished.value <= plain.value
    assert polished.lower_bound <= exact
    # no single flip lowers the polished switching
    s = polished.signs.astype(float)
    for a in range(s.size):
        t = s.copy()
        t[a] = -t[a]
        assert switched_weight(layers, t) >= polished.value - 1e-12


def test_greedy_keeps_fixed_signs_and_is_seeded():
    layers = random_layers(np.random.default_rng(5), [4, 6, 6, 6, 4])
    a = frustration(layers, method="greedy", fix_io_signs=True, seed=7)
    b = frustration(layers, method="greedy", fix_io_signs=True, seed=7)
    assert np.array_equal(a.signs, b.signs) and a.value == b.value
    assert np.all(a.signs[:4] == 1) and np.all(a.signs[-4:] == 1)
    assert a.value >= frustration(layers, method="enumeration", fix_io_signs=True).value - 1e-12


# ---------------------------------------------------------------------------- analytic
@pytest.mark.parametrize("seed", range(3))
def test_balanced_construction_has_zero_frustration(seed):
    rng = np.random.default_rng(seed)
    widths = [5, 6, 4, 6, 3]
    signs = [rng.choice([-1.0, 1.0], size=d) for d in widths]
    layers = [signs[j + 1][:, None] * np.abs(rng.standard_normal((widths[j + 1], widths[j])))
              * signs[j][None, :] for j in range(len(widths) - 1)]
    res = frustration(layers)
    assert res.value == 0.0 and res.exact and res.method == "balance"
    assert switched_weight(layers, res.signs) == 0.0
    for method in ("enumeration", "milp"):
        assert frustration(layers, method=method).value == pytest.approx(0.0, abs=1e-12)
    assert io_monotonicity(layers).value == pytest.approx(0.0, abs=1e-12)
    # with the input and output signs fixed, only networks with s_0 = s_h = +1 stay balanced
    fixed = frustration(layers, fix_io_signs=True)
    assert fixed.value == pytest.approx(brute_force(layers, fix_io_signs=True))


def test_aligned_rank_one_chain_is_balanced():
    rng = np.random.default_rng(11)
    widths = [4, 5, 3, 5, 2]
    u = [rng.standard_normal(d) for d in widths]
    layers = [rng.uniform(0.5, 2.0) * np.outer(u[j + 1], u[j]) for j in range(len(widths) - 1)]
    res = frustration(layers)
    assert res.value == 0.0 and res.method == "balance"
    # the balancing switching is s = sign(u), up to a global flip
    product = res.signs * np.sign(np.concatenate(u))
    assert np.all(product == product[0])


@pytest.mark.parametrize("negative", range(4))
def test_weighted_four_cycle_with_one_negative_edge(negative):
    # input -> hidden (a, b) -> output (c, d): the cycle in-h1-out-h2-in
    weights = np.array([0.7, 1.9, 1.3, 0.4])
    signed = weights.copy()
    signed[negative] *= -1
    layers = [np.array([[signed[0]], [signed[1]]]), np.array([[signed[2], signed[3]]])]
    for method in ("auto", "enumeration", "milp", "greedy"):
        res = frustration(layers, method=method, seed=0)
        assert res.value == pytest.approx(weights.min()), method
        # fixed inputs and outputs: only the path through the negative edge's hidden unit
        # (edges 0 and 2, or 1 and 3) can carry the frustration
        path = [0, 2] if negative in (0, 2) else [1, 3]
        fixed = frustration(layers, method=method, fix_io_signs=True, seed=0)
        assert fixed.value == pytest.approx(weights[path].min()), method
    assert frustration(layers).normalized == pytest.approx(weights.min() / weights.sum())


def test_single_layer_with_fixed_signs_is_its_negative_weight():
    w = np.array([[1.0, -2.0], [-0.5, 3.0]])
    res = frustration([w], fix_io_signs=True)
    assert res.value == 2.5 and res.exact
    assert frustration([w]).value == pytest.approx(brute_force([w]))


networks = st.tuples(st.integers(0, 2**32 - 1),
                     st.lists(st.integers(1, 4), min_size=3, max_size=5))


@settings(max_examples=25, deadline=None)
@given(networks, st.booleans(), st.floats(0.01, 100.0))
def test_invariances(network, fix, scale):
    seed, widths = network
    rng = np.random.default_rng(seed)
    layers = random_layers(rng, widths)
    base = frustration(layers, method="enumeration", fix_io_signs=fix)
    total = sum(np.abs(w).sum() for w in layers)
    # switching hidden units (D A D with D = I on inputs and outputs) and permuting them
    switched, permuted = [w.copy() for w in layers], [w.copy() for w in layers]
    for j in range(1, len(widths) - 1):
        d = rng.choice([-1.0, 1.0], size=widths[j])
        switched[j - 1] = d[:, None] * switched[j - 1]
        switched[j] = switched[j] * d[None, :]
        p = rng.permutation(widths[j])
        permuted[j - 1] = permuted[j - 1][p]
        permuted[j] = permuted[j][:, p]
    for other in (switched, permuted):
        value = frustration(other, method="enumeration", fix_io_signs=fix).value
        assert value == pytest.approx(base.value, rel=1e-9, abs=1e-12)
    scaled = frustration([scale * w for w in layers], method="enumeration", fix_io_signs=fix)
    assert scaled.value == pytest.approx(scale * base.value, rel=1e-9, abs=1e-12)
    # a random switching frustrates half the weight on average; h >= 2 leaves every edge
    # with a switchable end even when input and output signs are fixed
    assert base.value <= total / 2 * (1 + 1e-12)
    if not fix:  # switching inputs and outputs is a symmetry too when they are free
        d = rng.choice([-1.0, 1.0], size=widths[0])
        flipped = [layers[0] * d[None, :]] + layers[1:]
        assert frustration(flipped, method="enumeration").value == pytest.approx(base.value)


# ---------------------------------------------------------------------------- monotonicity
@pytest.mark.parametrize("seed", range(4))
def test_io_monotonicity_is_the_best_flip_of_the_end_to_end_map(seed):
    rng = np.random.default_rng(300 + seed)
    layers = random_layers(rng, [4, 5, 3])
    P = layers[1] @ layers[0]
    best = np.inf
    for dx in itertools.product((1, -1), repeat=4):
        for dy in itertools.product((1, -1), repeat=3):
            Q = np.array(dy)[:, None] * P * np.array(dx)[None, :]
            best = min(best, float(np.abs(P)[Q < 0].sum()))
    res = io_monotonicity(layers)
    assert res.exact
    assert res.wrong_mass == pytest.approx(best)
    assert res.value == pytest.approx(best / np.abs(P).sum())
    Q = res.output_signs[:, None] * P * res.input_signs[None, :]
    assert np.abs(P)[Q < 0].sum() == pytest.approx(best)
    u, v = rng.standard_normal(3), rng.standard_normal(4)
    assert io_monotonicity([np.outer(u, v)]).value == 0.0


# ---------------------------------------------------------------------------- nulls
@pytest.mark.parametrize("null", NULL_MODELS)
def test_null_networks_keep_what_the_null_keeps(null):
    rng = np.random.default_rng(8)
    layers = random_layers(rng, [3, 4, 5], zeros=0.3)
    sample = null_network(layers, null, seed=1)
    for w, v in zip(layers, sample):
        assert v.shape == w.shape
        if null == "weight_permutation":
            np.testing.assert_array_equal(np.sort(v.ravel()), np.sort(w.ravel()))
        else:
            np.testing.assert_array_equal(np.abs(v), np.abs(w))
        if null == "sign_shuffle":
            assert np.sum(v < 0) == np.sum(w < 0)
    assert all(np.array_equal(a, b) for a, b in zip(sample, null_network(layers, null, seed=1)))


@pytest.mark.parametrize("null", NULL_MODELS)
def test_p_values_of_networks_drawn_from_the_null_are_uniform(null):
    # A network drawn from the null is exchangeable with the null's own samples, so its
    # empirical p-value is uniform on {1/20, ..., 1} (up to ties, which make it larger).
    base = random_layers(np.random.default_rng(9), [3, 4, 4, 3])
    p_values = []
    for i in range(60):
        network = null_network(base, null, seed=1000 + i)
        p_values.append(frustration_vs_null(network, null, samples=19, seed=i).p_value)
    p_values = np.array(p_values)
    assert stats.kstest(p_values, "uniform").pvalue > 1e-3
    assert 0.35 < p_values.mean() < 0.65


def test_balanced_network_is_less_frustrated_than_every_null():
    # p = (1 + #{samples <= value}) / (samples + 1): a balanced network (value 0) whose null
    # draws are all frustrated has the smallest p-value, 1/20 with 19 samples.
    rng = np.random.default_rng(12)
    widths = [4, 5, 5, 4]
    signs = [rng.choice([-1.0, 1.0], size=d) for d in widths]
    layers = [signs[j + 1][:, None] * np.abs(w) * signs[j][None, :]
              for j, w in enumerate(random_layers(rng, widths))]
    for null in NULL_MODELS:
        cmp = frustration_vs_null(layers, null, samples=19, seed=0)
        assert cmp.value == 0.0 and cmp.exact
        assert np.all(cmp.samples > 0)
        assert cmp.p_value == pytest.approx(1 / 20)
        assert cmp.mean == pytest.approx(cmp.samples.mean())
        assert cmp.std == pytest.approx(np.std(cmp.samples, ddof=1))
        assert cmp.z_score == pytest.approx(-cmp.samples.mean() / cmp.std) and cmp.z_score < -2
    # An all-positive network: shuffling its signs or permuting its weights keeps every entry
    # positive, so every null draw is balanced too; the ties count against the network.
    positive = [np.abs(w) for w in layers]
    for null in ("sign_shuffle", "weight_permutation"):
        cmp = frustration_vs_null(positive, null, samples=19, seed=0)
        assert np.all(cmp.samples == 0.0)
        assert cmp.p_value == 1.0 and cmp.z_score is None


def test_null_comparison_is_the_same_with_any_executor():
    layers = random_layers(np.random.default_rng(13), [3, 4, 3])
    serial = frustration_vs_null(layers, "random_signs", samples=6, seed=4)
    again = frustration_vs_null(layers, "random_signs", samples=6, seed=4,
                                executor=Executor(n_jobs=2))
    np.testing.assert_array_equal(serial.samples, again.samples)
    # each sample is the frustration of the corresponding null network
    forest = [np.ones((1, 1)), np.ones((1, 1))]
    cmp = frustration_vs_null(forest, "random_signs", samples=5, seed=0)
    assert cmp.z_score is None and cmp.std == 0.0 and cmp.p_value == 1.0


# ---------------------------------------------------------------------------- along training
def test_frustration_along_flow_evaluates_the_recorded_weights():
    spec = DataSpectrum.from_singular_values([2.0, 1.0], d_x=3, d_y=2)
    land = Landscape(spec, (3, 4, 4, 2))
    w0 = land.random_weights(scale=0.5, seed=np.random.default_rng(0))
    flow = gradient_flow(land, w0, t_max=50.0, record=np.linspace(0, 50, 11),
                         record_weights=True)
    traj = frustration_along_flow(flow, land, every=3, null="sign_shuffle", null_samples=4,
                                  seed=1)
    index = list(range(0, flow.t.size, 3))
    if index[-1] != flow.t.size - 1:
        index.append(flow.t.size - 1)
    np.testing.assert_array_equal(traj.t, flow.t[index])
    for k, i in enumerate(index):
        weights = land.unflatten(flow.trajectory[i])
        assert traj.value[k] == pytest.approx(brute_force(weights))
        assert traj.total_weight[k] == pytest.approx(sum(np.abs(w).sum() for w in weights))
        assert traj.exact[k]
    assert traj.null_mean.shape == traj.t.shape and np.all(traj.null_std >= 0)
    with pytest.raises(ValueError, match="record_weights=True"):
        frustration_along_flow(gradient_flow(land, w0, t_max=1.0), land)


def test_example_runs_at_reduced_size(tmp_path):
    spec = importlib.util.spec_from_file_location("frustration_training", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    summary = module.main(["--quick", "--out", str(tmp_path)])
    assert (tmp_path / "frustration_training.png").stat().st_size > 10_000
    for run in summary["runs"]:
        assert run["status"] == "converged"
        assert len(run["t"]) == len(run["normalized"]) == len(run["null_mean"])
        assert all(0.0 <= v <= 0.5 for v in run["normalized"])
        assert all(run["exact"])
    # Expected, not hard-coded: on the plateau of its first learnt mode a small start is close
    # to an aligned rank-one chain (balanced), far below the sign-shuffle null band.
    small = summary["runs"][0]
    assert small["label"] == "small start"
    assert any(v < m - 2 * sd for v, m, sd in zip(small["normalized"], small["null_mean"],
                                                  small["null_std"]))


# ---------------------------------------------------------------------------- catalog column
def test_catalog_frustration_column_is_exact_saved_and_validated(tmp_path):
    land = Landscape(DataSpectrum.from_dataset("linnerud"), (3, 2, 2, 3))
    catalog = enumerate_critical_points(land, frustration=True)
    column = catalog.frustration
    assert len(column) == len(catalog) == 7
    for point, res in zip(catalog, column):
        assert res.exact
        assert res.value == pytest.approx(brute_force(point.weights), abs=1e-12)
        assert switched_weight(point.weights, res.signs) == pytest.approx(res.value, abs=1e-12)
        if point.rank <= 1:  # zero network or an aligned rank-one chain: balanced
            assert res.value == 0.0
    assert max(res.value for res in column) > 0  # raw coordinates: rank-2 classes frustrated
    path = catalog.save(tmp_path / "linnerud.json")
    loaded = Catalog.load(path)
    for a, b in zip(column, loaded.frustration):
        assert (a.value, a.normalized, a.exact, a.method) == (b.value, b.normalized, b.exact,
                                                              b.method)
        np.testing.assert_array_equal(a.signs, b.signs)
        np.testing.assert_allclose(a.per_layer, b.per_layer)

    # without the column, the file format is the one before the column existed
    plain = enumerate_critical_points(land).save(tmp_path / "plain.json")
    assert "frustration" not in plain.read_text()
    assert Catalog.load(plain).frustration == [None] * 7

    frustrated = int(np.argmax([res.value for res in column]))

    def corrupt(edit):
        document = json.loads(path.read_text())
        edit(document["classes"][frustrated]["frustration"])
        broken = tmp_path / "broken.json"
        broken.write_text(json.dumps(document))
        return broken

    cases = [
        (lambda f: f.update(value=f["value"] / 2), "frustration.value must be the weight"),
        (lambda f: f.update(signs=f["signs"][:-1]), "signs must be a vector of n = 10"),
        (lambda f: f.update(method="best"), "method must be one of"),
        (lambda f: f.update(lower_bound=2 * f["value"]), "lower_bound must be in"),
        (lambda f: f.update(normalized=0.5), "normalized must be value / total weight"),
        (lambda f: f.pop("exact"), "must be null or hold the keys"),
    ]
    for edit, message in cases:
        with pytest.raises(ValueError, match=message):
            Catalog.load(corrupt(edit))
    with pytest.raises(TypeError, match="frustration must be True or False"):
        enumerate_critical_points(land, frustration="yes")


# ---------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("call, error, message", [
    (lambda: frustration("abc"), TypeError, "weights_or_adjacency must be a list"),
    (lambda: frustration([]), ValueError, "at least one layer"),
    (lambda: frustration([np.ones((2, 3)), np.ones((2, 3))]), ValueError,
     r"weights_or_adjacency\[1\] must have 2 columns"),
    (lambda: frustration([np.array([[np.nan]])]), ValueError, "finite"),
    (lambda: frustration(np.ones((3, 3))), ValueError, "widths must be given"),
    (lambda: frustration(np.ones((3, 2)), widths=(1, 2)), ValueError, "must be square"),
    (lambda: frustration(np.ones((3, 3)), widths=(1, 2)), ValueError,
     "zero off the block-shift pattern"),
    (lambda: frustration(np.zeros((3, 3)), widths=(1, 1)), ValueError, "widths must sum"),
    (lambda: frustration([np.ones((2, 2))], method="best"), ValueError, "method must be one of"),
    (lambda: frustration([np.ones((2, 2))], restarts=-1), ValueError, "restarts must be >= 0"),
    (lambda: frustration([np.ones((2, 2))], weighted="yes"), TypeError, "weighted must be"),
    (lambda: frustration([np.ones((2, 2))], time_limit=0), ValueError, "time_limit must be > 0"),
    (lambda: frustration([np.ones((2, 2))], initial_signs=[1, 0, 1, 1]), ValueError,
     "initial_signs must be"),
    (lambda: frustration([np.ones((2, 2))], fix_io_signs=True, initial_signs=[-1, 1, 1, 1]),
     ValueError, "fix_io_signs=True"),
    (lambda: frustration([np.ones((2, 2))], widths=(2, 3)), ValueError, "widths must match"),
    (lambda: frustration_vs_null([np.ones((2, 2))], "shuffle"), ValueError, "null must be one"),
    (lambda: frustration_vs_null([np.ones((2, 2))], samples=0), ValueError, "samples must be"),
    (lambda: frustration_vs_null([np.ones((2, 2))], executor=2), TypeError, "executor must be"),
    (lambda: frustration_along_flow("flow", None), TypeError, "flow_result must be"),
])
def test_bad_input_raises_naming_the_argument(call, error, message):
    with pytest.raises(error, match=message):
        call()
