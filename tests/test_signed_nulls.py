"""Null models and the comparison with them: what each null keeps, uniform p-values of
networks drawn from the null, the extreme p-value of a balanced network, and the same result
on every backend.
"""

import numpy as np
import pytest
from scipy import stats
from signed_oracles import random_layers

from landscape import NULL_MODELS, frustration, frustration_vs_null, null_network


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


def test_null_comparison_is_the_same_on_every_backend():
    layers = random_layers(np.random.default_rng(13), [3, 4, 3])
    serial = frustration_vs_null(layers, "random_signs", samples=6, seed=4)
    again = frustration_vs_null(layers, "random_signs", samples=6, seed=4, n_jobs=2)
    np.testing.assert_array_equal(serial.samples, again.samples)
    # each sample is the frustration of the corresponding null network: the seed splits into
    # one child for the network and one per null draw, which draws the network, then solves
    children = np.random.default_rng(4).spawn(7)
    for value, child in zip(serial.samples, children[1:]):
        network = null_network(layers, "random_signs", seed=child)
        assert value == frustration(network, seed=child).normalized
    assert serial.value == frustration(layers, seed=children[0]).normalized
    forest = [np.ones((1, 1)), np.ones((1, 1))]
    cmp = frustration_vs_null(forest, "random_signs", samples=5, seed=0)
    assert cmp.z_score is None and cmp.std == 0.0 and cmp.p_value == 1.0
