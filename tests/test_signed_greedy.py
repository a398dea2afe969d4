"""The greedy method: networkx's one-exchange max-cut local search step for step, a
single-flip local minimum above the exact value, seeded (arXiv:2510.05286).
"""

import networkx as nx
import numpy as np
import pytest
from networkx.algorithms.approximation.maxcut import one_exchange
from signed_oracles import adjacency, random_layers, switched_weight

from landscape import frustration


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
