"""The greedy result's proven lower bound (edge-disjoint negative 4-cycles inside blocks)
against a brute force over all switchings."""

import itertools

import numpy as np
import pytest

import landscape as ls
from landscape.signed.convolution import ConvBlock
from landscape.signed.edges import DenseBlock, network_of_parts
from landscape.signed.network_bound import network_lower_bound, tile_bound

from signed_network_oracles import cnn


def brute_force(A):
    """``min_s sum |A_ij| [s_i A_ij s_j < 0]`` over all switchings (the first node fixed)."""
    n = len(A)
    rows, cols = np.nonzero(A)
    w = A[rows, cols]
    best = np.inf
    bits = np.array(list(itertools.product((-1.0, 1.0), repeat=n - 1)))
    for chunk in np.array_split(bits, max(1, len(bits) // 8192)):
        s = np.hstack([np.ones((len(chunk), 1)), chunk])
        cost = np.sum((s[:, rows] * w * s[:, cols] < 0) * np.abs(w), axis=1)
        best = min(best, float(cost.min()))
    return best


def small_network(rng, groups):
    """Input (2, 3) -> 1-D convolution (k = 2, ``groups``) -> (2, 2) -> a dense map on its rows
    (repeated twice) -> (2, 2); and input -> strided 1x1 convolution -> (2, 2): 18 nodes."""
    shapes = [("input", (2, 3)), ("conv", (2, 2)), ("rows", (2, 2)), ("side", (2, 2))]
    blocks = [ConvBlock(0, 1, "conv", rng.standard_normal((2, 2 // groups, 2)), (2, 3), (2, 2),
                        (1,), ((0, 0),), (1,), groups),
              DenseBlock(1, 2, "rows", rng.standard_normal((2, 2)), repeat=2),
              ConvBlock(0, 3, "side", rng.standard_normal((2, 2, 1)), (2, 3), (2, 2), (2,),
                        ((0, 0),), (1,), 1)]
    return network_of_parts(shapes, blocks, (2, 3))


def test_tile_bound_is_the_lightest_edge_of_each_negative_tile():
    W = np.array([[1.0, -2.0, 5.0], [3.0, 4.0, 1.0], [-1.0, 1.0, 1.0]])
    assert tile_bound(W) == 1.0  # one tile [[1, -2], [3, 4]]: negative, lightest |1|
    assert tile_bound(-W) == 1.0 and tile_bound(np.abs(W)) == 0.0


@pytest.mark.parametrize("groups", [1, 2])
def test_bound_never_exceeds_the_brute_force_frustration(groups):
    positive = 0
    for seed in range(6):
        net = small_network(np.random.default_rng(seed), groups)
        A = net.adjacency().toarray()
        exact = brute_force(A)
        bound = network_lower_bound(net)
        assert 0.0 <= bound <= exact + 1e-12
        res = ls.frustration(net, method="greedy", seed=seed)
        assert res.lower_bound == pytest.approx(min(bound, res.value), abs=0)
        assert res.lower_bound <= exact + 1e-12 <= res.value + 2e-12
        positive += bound > 0
    assert positive > 0


def test_bound_of_a_convolution_counts_each_negative_tile_at_every_position():
    rng = np.random.default_rng(3)
    for seed in range(4):
        K = rng.standard_normal((2, 2, 3, 2))
        block = ConvBlock(0, 1, "c", K, (2, 4, 3), (2, 2, 3), (1, 1), ((0, 0), (1, 0)), (1, 1), 1)
        net = network_of_parts([("input", (2, 4, 3)), ("c", (2, 2, 3))], [block], (1,))
        A = net.adjacency().toarray()
        # the same cycles read off the unrolled matrix: every (q, p) pair of positions
        expected = 0.0
        for q in range(6):
            for p in range(12):
                tile = A[[24 + q, 30 + q]][:, [p, 12 + p]]
                if np.all(tile != 0) and np.prod(np.sign(tile)) < 0:
                    expected += np.abs(tile).min()
        assert expected > 0
        assert network_lower_bound(net) == pytest.approx(expected, rel=1e-12)


def test_bound_is_zero_for_planted_balance_and_below_the_greedy_value():
    for seed in range(3):
        net, _ = cnn(np.random.default_rng(seed), planted=True)
        assert network_lower_bound(net) == 0.0
        noisy, _ = cnn(np.random.default_rng(seed), planted=True, flip=0.1)
        res = ls.frustration(noisy, method="greedy", seed=seed)
        assert 0.0 < res.lower_bound <= res.value


def test_parallel_blocks_give_no_bound():
    W = np.array([[1.0, -1.0], [1.0, 1.0]])
    blocks = [DenseBlock(0, 1, "a", W), DenseBlock(0, 1, "b", -W)]
    net = network_of_parts([("input", (2,)), ("out", (2,))], blocks, (1,))
    assert network_lower_bound(net) == 0.0
