"""One home per concept (issue 21, deliverable 2): each rule, check and reader lives in one
place and every former entry point answers through it; renamed forms keep a deprecated path."""

from __future__ import annotations

import inspect
from dataclasses import fields

import numpy as np
import pytest

import landscape as ls
from landscape._base.validation import DEFAULT_SEED, check_layers, check_seed
from landscape.connections.graph import GRAPH_OPTION_HELP, GraphOptions
from landscape.critical.batches import _read_counts
from landscape.flow import FlowRecords
from landscape.forecast.reading import learnt_counts
from landscape.problem.learnt import block_values, learnt_above, learnt_modes
from landscape.problem.ties import tie_groups

SEEDS = range(6)


def _problem(seed, sigma=None, widths=(3, 3, 3, 3)):
    rng = np.random.default_rng(seed)
    sigma = np.sort(rng.uniform(0.5, 3.0, 3))[::-1] if sigma is None else sigma
    return ls.Landscape(ls.DataSpectrum.from_singular_values(sigma), widths=widths), rng


# --- the learnt rule -------------------------------------------------------------------------

@pytest.mark.parametrize("seed", SEEDS)
def test_learnt_rule_read_the_same_by_every_entry_point(seed):
    """learnt_modes, locate, the forecast's batched counts and the catalog's batch reader all
    count learnt modes as learnt_above does, against a brute-force count of the block's
    singular values above sigma_g / 2 (ties included: sigma = (2, 1, 1))."""
    land, rng = _problem(seed, sigma=[2.0, 1.0, 1.0] if seed % 2 else None)
    sigma = land.spectrum.sigma
    groups = tie_groups(sigma)
    weights = land.random_weights(scale=1.5, seed=rng)
    product = land.end_to_end(weights)
    expected = [int(np.sum(np.linalg.svd(product[g[0]:g[-1] + 1, g[0]:g[-1] + 1],
                                         compute_uv=False) > sigma[g[0]] / 2)) for g in groups]
    assert list(learnt_modes(land, weights).counts) == expected
    assert list(ls.locate(land, weights).counts) == expected
    assert learnt_counts(land, product[None]).tolist() == [expected]
    # the catalog's reader on diagonal maps p (one mode per row): |p_i| > sigma_g / 2
    p = rng.uniform(0, 1.2, (4, sigma.size)) * sigma
    block = np.tile(np.arange(sigma.size), (4, 1))
    above, _, _ = _read_counts(sigma, block, np.ones_like(p, dtype=bool), p, groups)
    brute = [[int(sum(p[r, i] > sigma[g[0]] / 2 for i in g)) for g in groups] for r in range(4)]
    assert above.tolist() == brute


def test_learnt_above_is_half_sigma_and_block_values_batch():
    assert learnt_above([0.5, 0.5000001, 1.0], 1.0).tolist() == [False, True, True]
    assert not learnt_above(1e300, np.inf)
    maps = np.random.default_rng(0).standard_normal((5, 3, 3))
    stacked = block_values(maps, (1, 2))
    single = [block_values(m, (1, 2)) for m in maps]
    np.testing.assert_allclose(stacked, single, rtol=1e-12)
    assert block_values(maps[0], (0,)).tolist() == [abs(maps[0, 0, 0])]


# --- the two balance tolerances --------------------------------------------------------------

def test_balance_tolerances_have_one_name_each():
    from landscape.flow import BALANCE_TOL
    from landscape.geometry import balancing

    assert BALANCE_TOL == 1e-8 and ls.BALANCE_TOL is BALANCE_TOL
    assert balancing.HIDDEN_BALANCE_LOG_TOL == 0.1 and not hasattr(balancing, "BALANCE_TOL")
    assert inspect.signature(ls.balance_hidden_layers).parameters["tol"].default == 0.1


# --- the layer-list check --------------------------------------------------------------------

LAYER_ENTRY_POINTS = {
    "imbalance": lambda w: ls.imbalance(w),
    "balance_layers": lambda w: ls.balance_layers(w, norm=1.0),
    "signed_graph": lambda w: ls.frustration(w, method="exact"),
    "witness": lambda w: ls.witness_strengths(w, np.ones((1, 2)), 1),
}


@pytest.mark.parametrize("name", sorted(LAYER_ENTRY_POINTS))
@pytest.mark.parametrize("bad, error, message", [
    ([np.ones((3, 2)), np.ones((1, 2))], ValueError,
     r"weights(_or_adjacency)?\[1\] must have 3 columns \(the outputs of "
     r"weights(_or_adjacency)?\[0\], shape \(3, 2\)\), got shape \(1, 2\)"),
    ([], ValueError, "must hold at least one matrix, got an empty sequence"),
    ([np.ones((2, 2)), np.array([[np.nan, 1.0]])], ValueError, r"\[1\] must hold finite"),
])
def test_every_layer_list_is_checked_by_check_layers(name, bad, error, message):
    with pytest.raises(error, match=message):
        check_layers(bad)
    with pytest.raises(error, match=message):
        LAYER_ENTRY_POINTS[name](bad)


def test_check_layers_refuses_an_array_and_names_labels():
    with pytest.raises(TypeError, match="weights must be a sequence of matrices"):
        check_layers(np.ones((2, 2)))
    with pytest.raises(ValueError, match="layer 'b' must have 2 columns"):
        check_layers([np.ones((2, 3)), np.ones((1, 3))], labels=["layer 'a'", "layer 'b'"])


# --- seeds -----------------------------------------------------------------------------------

SEEDED = {
    "random_weights": lambda land, seed: land.random_weights(seed=seed)[0],
    "balanced_factorization": lambda land, seed: ls.balanced_factorization(
        np.diag([2.0, 1.0, 0.5]), land.widths, seed=seed)[1],
    "frustration": lambda land, seed: ls.frustration(
        land.random_weights(seed=1), method="greedy", restarts=2, seed=seed).value,
    "null_network": lambda land, seed: ls.null_network(land.random_weights(seed=1),
                                                       seed=seed)[0],
}


@pytest.mark.parametrize("name", sorted(SEEDED))
def test_every_seed_goes_through_check_seed(name):
    """Same seed, same result; an integer, its Generator and the default agree; a bad seed is
    refused with check_seed's own message."""
    land, _ = _problem(0)
    draw = SEEDED[name]
    np.testing.assert_array_equal(draw(land, 5), draw(land, 5))
    np.testing.assert_array_equal(draw(land, 5), draw(land, check_seed(5)))
    with pytest.raises(ValueError, match="seed must be >= 0, got -1"):
        draw(land, -1)
    with pytest.raises(TypeError, match="seed must be an integer, a numpy Generator or None"):
        draw(land, 1.5)


def test_one_documented_default_seed():
    land, _ = _problem(0)
    np.testing.assert_array_equal(land.random_weights()[0],
                                  land.random_weights(seed=DEFAULT_SEED)[0])
    for function in (ls.Landscape.random_weights, ls.classify, ls.escape_directions,
                     ls.predict_training, ls.frustration, ls.null_network, ls.write_report):
        assert inspect.signature(function).parameters["seed"].default == DEFAULT_SEED, function
    assert GraphOptions().seed == DEFAULT_SEED


# --- figures in plot/, graph options from one source -----------------------------------------

def test_saddle_graph_figure_lives_in_plot():
    from landscape.plot import figures

    assert ls.saddle_graph_figure is figures.saddle_graph_figure
    assert ls.plot.saddle_graph_figure is figures.saddle_graph_figure
    assert "saddle_graph_figure" not in ls.report.__all__


def test_graph_options_written_once():
    """saddle_graph's keywords, their defaults, the CLI's options, defaults and help all come
    from GraphOptions and GRAPH_OPTION_HELP."""
    from landscape.cli import build_parser

    names = [f.name for f in fields(GraphOptions)]
    assert sorted(GRAPH_OPTION_HELP) == sorted(names)
    params = inspect.signature(ls.saddle_graph).parameters
    for field in fields(GraphOptions):
        assert params[field.name].default == field.default
    parser = build_parser()
    graph = next(a for a in parser._subparsers._group_actions[0].choices.items()
                 if a[0] == "graph")[1]
    options = {a.dest: a for a in graph._actions}
    for field in fields(GraphOptions):
        assert options[field.name].default == field.default
        assert GRAPH_OPTION_HELP[field.name] in options[field.name].help


# --- names with one meaning, land first ------------------------------------------------------

def test_tie_groups_means_every_group_and_tied_groups_the_ties():
    land, _ = _problem(0, sigma=[3.0, 2.0, 2.0])
    point = ls.critical_point(land, (0, 1))
    assert point.tied_groups == ((1, 2),)
    assert learnt_modes(land, point.weights).tie_groups == ((0,), (1, 2))
    assert ls.locate(land, point.weights).tie_groups == ((0,), (1, 2))
    with pytest.warns(DeprecationWarning, match="use tied_groups"):
        assert point.tie_groups == ((1, 2),)
    cat = ls.enumerate_critical_points(land)
    assert all(p.tied_groups == ((1, 2),) for p in cat)


@pytest.mark.parametrize("seed", SEEDS[:3])
def test_plateaus_take_the_landscape_first(seed):
    land, rng = _problem(seed)
    result = ls.gradient_flow(land, land.random_weights(scale=1e-3, seed=rng))
    found = ls.plateaus(land, result)
    with pytest.warns(DeprecationWarning, match=r"plateaus\(result, land\) is deprecated"):
        old = ls.plateaus(result, land)
    assert found == old and found


def test_critical_class_and_critical_point_are_documented_apart():
    assert "CriticalPoint" in ls.CriticalClass.__doc__
    assert "CriticalClass" in ls.CriticalPoint.__doc__


# --- one result protocol, one trajectory reader ----------------------------------------------

def _results(land, start):
    balanced = ls.balanced_factorization(land.end_to_end(start), land.widths)
    return {"gradient_flow": ls.gradient_flow(land, balanced, record_weights=True),
            "end_to_end_flow": ls.end_to_end_flow(land, balanced)}


@pytest.mark.parametrize("kind", ["gradient_flow", "end_to_end_flow"])
@pytest.mark.parametrize("seed", SEEDS[:3])
def test_flow_results_share_one_protocol(kind, seed):
    land, rng = _problem(seed)
    result = _results(land, land.random_weights(scale=1e-2, seed=rng))[kind]
    assert isinstance(result, FlowRecords)
    assert result.success == (result.status is ls.FlowStatus.CONVERGED)
    assert isinstance(result.message, str)
    t = len(result.t)
    for records in (result.loss, result.gradient_norm, result.singular_values):
        assert len(records) == t
    for k in (0, t // 2, -1):  # the weights at a record give that record's loss
        weights = result.weights_at(k)
        assert land.loss(weights) == pytest.approx(result.loss[k], rel=1e-6, abs=1e-12)
    final = result.weights
    np.testing.assert_allclose(land.end_to_end(final), land.end_to_end(result.weights_at(-1)),
                               atol=1e-12)
    with pytest.raises(ValueError, match="index must lie in"):
        result.weights_at(t)


def test_flow_result_without_recorded_weights_gives_only_the_last():
    land, _ = _problem(0)
    result = ls.gradient_flow(land, land.random_weights(scale=1e-2))
    assert all(np.array_equal(a, b) for a, b in zip(result.weights_at(-1), result.weights))
    with pytest.raises(ValueError, match="record_weights=True"):
        result.weights_at(0)


@pytest.mark.parametrize("seed", SEEDS[:3])
def test_one_trajectory_reader_for_both_results_and_the_estimator(seed):
    """trajectory_visits reads a FlowResult and an EndToEndResult of the same balanced start
    alike, and the estimator's critical path is its reading."""
    land, rng = _problem(seed)
    results = _results(land, land.random_weights(scale=1e-3, seed=rng))
    results["as_flow_result"] = results["end_to_end_flow"].as_flow_result()
    paths = {k: [v.subset for v in ls.trajectory_visits(land, r, include_limit=True)[0]]
             for k, r in results.items()}
    assert paths["as_flow_result"] == paths["end_to_end_flow"]
    assert paths["end_to_end_flow"][:2] == [(), (0,)]  # sequential learning from a small start
    # the weight-space flow of the same start reads the same classes as far as both got
    shorter = min(len(paths["gradient_flow"]), len(paths["end_to_end_flow"]))
    assert paths["gradient_flow"][:shorter] == paths["end_to_end_flow"][:shorter]
    X = rng.standard_normal((40, 3))
    Y = X @ rng.standard_normal((3, 2))
    est = ls.DeepLinearRegressor(random_state=seed).fit(X, Y)
    visits, _ = ls.trajectory_visits(est.landscape_, est.trajectory_,
                                     grad_tol=est.plateau_tol, include_limit=True)
    assert est.critical_path_ == [v.subset for v in visits]
