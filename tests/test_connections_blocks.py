"""Invariant sub-networks (THEORY §5) against the full network, and the stored examples of a
saddle graph re-integrated with the full network's flow.

- **Blocks.** At the aligned representative of ``S``, weights supported on a block that fits
  ``S`` evolve by themselves: the full gradient at the embedded point is the block's gradient
  placed the same way and zero elsewhere, and the full loss is the block's loss plus the
  constant ``1/2 sum_{i not in S u T} sigma_i^2`` (the modes neither learnt nor in the block).
  Checked with :meth:`Landscape.gradient` / :meth:`Landscape.loss` of the full network, on
  random classes, random blocks and random block weights.
- **Examples.** :func:`example_start` rebuilds the start of the probe that found an edge.
  On reduced spectra (exact zeros keep a flow inside its block) the full network's
  :func:`gradient_flow` from a one-hop edge's start converges to the class it names (read
  with :func:`learnt_modes`); from a multi-hop edge's start it begins at ``a`` (the class
  read there, below ``L_a``) and rests at ``b`` on the way down (:func:`trajectory_visits`).
"""

import itertools

import numpy as np
import pytest

from landscape import (DataSpectrum, Landscape, example_start, gradient_flow, learnt_modes,
                       saddle_graph, trajectory_visits)
from landscape.connections import graph as graph_module
from landscape.connections.blocks import InvariantBlock, combine_blocks, spare_units
from landscape.problem.nearby import aligned_weights

# (sigma, widths, d_x/d_y): square and non-square widths, a bottleneck, room for idle units
BLOCK_PROBLEMS = [
    ((3.0, 2.1, 1.4, 0.6), (4, 6, 4), {}),
    ((2.5, 1.7, 1.1, 0.5), (5, 6, 5, 4), dict(d_x=5, d_y=4)),
    ((3.0, 2.0, 1.3), (3, 4, 3, 5, 3), {}),
    ((2.0, 1.5, 1.0, 0.4), (4, 3, 4), {}),
]


def value(subset, sigma):
    return 0.5 * sum(s * s for i, s in enumerate(sigma) if i not in subset)


def random_blocks(rng, land, S, m):
    """Blocks that fit ``S``: the graph's own, a few random ones and combinations."""
    candidates = list(graph_module._blocks(land, m))
    spare = spare_units(land, S)
    unlearnt = [i for i in range(m) if i not in S]
    for _ in range(4):
        learnt = sorted(rng.choice(S, size=rng.integers(0, len(S) + 1), replace=False)) \
            if S else []
        extra = sorted(rng.choice(unlearnt, size=rng.integers(0, len(unlearnt) + 1),
                                  replace=False)) if unlearnt else []
        modes = tuple(sorted({*map(int, learnt), *map(int, extra)}))
        n_idle = int(rng.integers(0, max(spare, 0) + 1))
        if modes and len(learnt) + n_idle > 0:  # a block with at least one hidden unit
            candidates.append(InvariantBlock(modes, tuple(map(int, learnt)), n_idle, land.h))
    fitting = [b for b in candidates if b.fits(land, S)]
    if len(fitting) >= 2:
        a, b = (fitting[i] for i in rng.choice(len(fitting), size=2, replace=False))
        combined = combine_blocks([a, b], spare)
        if combined.fits(land, S):
            fitting.append(combined)
    return fitting


@pytest.mark.parametrize("seed, problem", list(enumerate(BLOCK_PROBLEMS)))
def test_invariant_blocks_evolve_by_themselves(seed, problem):
    sigma, widths, dims = problem
    rng = np.random.default_rng(seed)
    land = Landscape(DataSpectrum.from_singular_values(list(sigma), **dims), widths=widths)
    m, r = len(sigma), min(widths)
    subsets = [S for k in range(min(r, m) + 1) for S in itertools.combinations(range(m), k)]
    n_checked = 0
    for S in subsets:
        for block in random_blocks(rng, land, S, m):
            assert set(block.learnt) <= set(S) and not (set(block.modes) - set(block.learnt)) \
                & set(S) and block.n_idle <= spare_units(land, S)
            sub = block.landscape(np.asarray(sigma))
            assert [tuple(s) for s in sub.shapes] == block.shapes
            zero = block.embed(land, S, [np.zeros(s) for s in block.shapes])
            constant = value(set(S) | set(block.modes), sigma)
            for scale in (0.0, 0.3, 1.0):
                w = [scale * rng.standard_normal(s) for s in block.shapes]
                if scale == 0.0:  # the block's own aligned point of T ∩ S
                    w = block.start(sub)
                full = block.embed(land, S, w)
                gradient = land.gradient(full)
                placed = [e - z for e, z in
                          zip(block.embed(land, S, sub.gradient(w)), zero)]
                for g, p in zip(gradient, placed):
                    np.testing.assert_allclose(g, p, rtol=1e-10, atol=1e-11 * sigma[0] ** 2)
                # outside the block the gradient vanishes: compare the support explicitly
                mask = [np.abs(e - z) > 0 for e, z in
                        zip(block.embed(land, S, [np.ones(s) for s in block.shapes]), zero)]
                for g, inside in zip(gradient, mask):
                    assert np.all(np.abs(g[~inside]) <= 1e-11 * sigma[0] ** 2)
                assert land.loss(full) - sub.loss(w) == pytest.approx(constant, rel=1e-10,
                                                                      abs=1e-12)
            # the block's aligned point embeds as the aligned representative of S
            for a, b in zip(block.embed(land, S, block.start(sub)), aligned_weights(land, S)):
                np.testing.assert_allclose(a, b, rtol=0, atol=1e-15)
            n_checked += 1
    assert n_checked >= 3 * len(subsets)


def test_aligned_representative_is_critical_at_its_value():
    sigma, widths = (3.0, 2.1, 1.4, 0.6), (4, 5, 3, 4)
    land = Landscape(DataSpectrum.from_singular_values(list(sigma)), widths=widths)
    for k in range(4):
        for S in itertools.combinations(range(4), k):
            weights = aligned_weights(land, S)
            assert land.loss(weights) == pytest.approx(value(S, sigma), rel=1e-13)
            assert max(np.abs(g).max() for g in land.gradient(weights)) <= 1e-13
            assert learnt_modes(land, weights).subset == S


# ---------------------------------------------------------------------- examples
EXAMPLE_PROBLEMS = {
    "h3": ((3.0, 2.0, 1.0), (3, 3, 3, 3), None),
    "bottleneck": ((3.0, 2.0, 1.0), (3, 2, 3), None),
    "non-square": ((3.0, 2.0, 1.4, 0.6), (4, 5, 3, 4), 14),
}


@pytest.mark.parametrize("name", list(EXAMPLE_PROBLEMS))
def test_each_edge_example_reintegrates_to_its_classes(name):
    sigma, widths, n_sample = EXAMPLE_PROBLEMS[name]
    land = Landscape(DataSpectrum.from_singular_values(list(sigma)), widths=widths)
    G = saddle_graph(land, random_probes=6, seed=2, progress=False)
    options = G.graph["options"]
    edges = sorted(G.edges)
    if n_sample is not None:  # every multi-hop edge, and a sample of the one-hop ones
        multi = [e for e in edges if G.edges[e]["hop"] == "multi_hop"]
        single = [e for e in edges if G.edges[e]["hop"] == "one_hop"]
        pick = np.random.default_rng(0).choice(len(single), size=n_sample, replace=False)
        edges = multi + [single[i] for i in sorted(pick)]
    assert any(G.edges[e]["hop"] == "one_hop" for e in edges)
    for a, b in edges:
        data = G.edges[a, b]
        start = example_start(land, G, a, b)
        assert [w.shape for w in start] == [tuple(s) for s in land.shapes]
        # the probe starts next to a's saddle, downhill from it
        assert learnt_modes(land, start).subset == a, (a, b)
        assert land.loss(start) < value(a, sigma)
        assert land.loss(start) > value(b, sigma)
        result = gradient_flow(land, start, t_max=options["t_max"], record_weights=True)
        if data["hop"] == "one_hop":
            assert learnt_modes(land, result.weights).subset == b, (a, b, result.status)
            assert land.loss(result.weights) == pytest.approx(value(b, sigma), rel=1e-6,
                                                              abs=1e-9)
        else:
            # a plateau threshold a little above the graph's, so that b's rest is seen on
            # the recorded steps however closely the probe passed its threshold
            visits, _ = trajectory_visits(land, result, grad_tol=3 * options["grad_tol"],
                                          value_tol=3 * options["value_tol"])
            subsets = [v.subset for v in visits]
            assert b in subsets, (a, b, subsets)
            assert all(S == a or value(S, sigma) < value(a, sigma) for S in subsets)
            assert all(value(S, sigma) >= value(b, sigma) for S in subsets[:subsets.index(b)])
