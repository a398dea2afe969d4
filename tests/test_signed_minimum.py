"""Frustration of the signed network graph by the exact methods, and its closed forms
(THEORY §6; arXiv:2510.05286).

Oracles: brute force over every switching with the literal definition
``sum |A_ab| [s_a A_ab s_b < 0]`` on the adjacency matrix; the MILP as a second exact
formulation; closed forms for balanced, rank-one and 4-cycle networks; invariances under
switching and permuting hidden units.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from signed_oracles import brute_force, random_layers, random_widths, switched_weight

from landscape import (DataSpectrum, Landscape, frustration, frustration_along_flow,
                       frustration_vs_null, io_monotonicity)


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


# ---------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("call, error, message", [
    (lambda: frustration("abc"), TypeError, "weights_or_adjacency must be a list"),
    (lambda: frustration([]), ValueError, "at least one matrix"),
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
    (lambda: frustration_vs_null([np.ones((2, 2))], n_jobs=0), ValueError,
     "n_jobs must be None, -1 or a positive integer"),
    (lambda: frustration_vs_null([np.ones((2, 2))], client=object()), TypeError,
     "client must be a dask.distributed.Client"),
    (lambda: frustration_vs_null([np.ones((2, 2))], n_jobs=2, client=object()), ValueError,
     "n_jobs must be None when a client is given"),
    (lambda: frustration_vs_null([np.ones((2, 2))], progress="yes"), TypeError,
     "progress must be True or False"),
    (lambda: frustration_along_flow("flow", None), TypeError, "flow_result must be"),
])
def test_bad_input_raises_naming_the_argument(call, error, message):
    with pytest.raises(error, match=message):
        call()
