"""Input-output monotonicity: the best sign flips of the end-to-end map, by brute force."""

import itertools

import numpy as np
import pytest
from signed_oracles import random_layers

from landscape import io_monotonicity


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
