"""Null models of a SignedNetwork (THEORY §6.1): each keeps the architecture and the weight
sharing (it acts on a layer's kernel, not on its unrolled edges) and what it promises to keep of
the kernel; the comparison is the same on every backend and is made of the frustration of the
drawn null networks.
"""

import numpy as np
import pytest
from signed_network_oracles import cnn

import landscape as ls


def _pattern(block):
    m = block.to_sparse().tocsr()
    m.sort_indices()
    return m.indptr, m.indices


@pytest.mark.parametrize("null", ls.NETWORK_NULL_MODELS)
@pytest.mark.parametrize("seed", range(3))
def test_nulls_keep_the_architecture_and_what_they_promise(null, seed):
    rng = np.random.default_rng(seed)
    net, _ = cnn(rng, c=(2, 4, 3), h=5)
    sample = ls.null_network(net, null, seed=seed)
    assert sample.tensors == net.tensors and sample.outputs == net.outputs
    for b, v in zip(net.blocks, sample.blocks):
        assert (type(v), v.kind, v.name, v.source, v.target, v.n_edges) == \
            (type(b), b.kind, b.name, b.source, b.target, b.n_edges)
        # the same edges: weight sharing and structure are kept, only the shared weights change
        for x, y in zip(_pattern(b), _pattern(v)):
            np.testing.assert_array_equal(x, y)
        if b.parameters is None:
            assert v is b
            continue
        w, u = np.asarray(b.parameters), np.asarray(v.parameters)
        assert u.shape == w.shape and v.fan_in == b.fan_in
        if null == "weight_permutation":
            np.testing.assert_array_equal(np.sort(u.ravel()), np.sort(w.ravel()))
        elif null == "initialisation":
            assert np.all(np.abs(u) <= 1 / np.sqrt(b.fan_in))
        else:
            np.testing.assert_array_equal(np.abs(u), np.abs(w))
        if null == "sign_shuffle":
            assert np.sum(u < 0) == np.sum(w < 0)
        # the unrolled edges carry the new kernel: each edge weight is a kernel entry
        assert set(np.round(v.to_sparse().data, 12)) <= set(np.round(u.ravel(), 12))
    again = ls.null_network(net, null, seed=seed)
    for x, y in zip(sample.blocks, again.blocks):
        if x.parameters is not None:
            np.testing.assert_array_equal(x.parameters, y.parameters)


def test_initialisation_is_pytorch_default_in_distribution():
    rng = np.random.default_rng(3)
    net, _ = cnn(rng, c=(3, 16, 32), h=4)
    sample = ls.null_network(net, "initialisation", seed=0)
    conv = next(v for v in sample.blocks if v.name == "conv2")
    bound = 1 / np.sqrt(conv.fan_in)
    u = np.asarray(conv.parameters).ravel() / bound
    # U(-1, 1) after scaling: mean 0, variance 1/3 (within 5 standard errors)
    assert abs(u.mean()) < 5 * np.sqrt(1 / 3 / u.size)
    assert abs(u.var() - 1 / 3) < 5 * np.sqrt(4 / 45 / u.size)


def test_null_comparison_is_the_same_on_every_backend_and_made_of_null_draws():
    rng = np.random.default_rng(4)
    net, _ = cnn(rng, c=(2, 3, 3), h=4)
    serial = ls.frustration_vs_null(net, "sign_shuffle", samples=4, seed=7, method="greedy",
                                    restarts=2)
    parallel = ls.frustration_vs_null(net, "sign_shuffle", samples=4, seed=7, method="greedy",
                                      restarts=2, n_jobs=2)
    np.testing.assert_array_equal(serial.samples, parallel.samples)
    np.testing.assert_array_equal(serial.block_samples, parallel.block_samples)
    assert serial.value == parallel.value
    children = np.random.default_rng(7).spawn(5)
    for k, child in enumerate(children[1:]):
        draw = ls.null_network(net, "sign_shuffle", seed=child)
        res = ls.frustration(draw, method="greedy", restarts=2, seed=child)
        assert serial.samples[k] == res.normalized
        np.testing.assert_array_equal(serial.block_samples[k], res.block_normalized())
    assert serial.result.normalized == serial.value
    mean, std = serial.block_band()
    assert mean.shape == std.shape == (len(net.blocks),)
    assert np.all((serial.block_samples >= 0) & (serial.block_samples <= 1))


def test_a_planted_balanced_network_is_below_every_random_sign_null():
    rng = np.random.default_rng(9)
    net, _ = cnn(rng, c=(2, 4, 4), h=4, planted=True)
    cmp = ls.frustration_vs_null(net, "random_signs", samples=9, seed=0)
    assert cmp.value == 0.0 and np.all(cmp.samples > 0)
    assert cmp.p_value == pytest.approx(1 / 10) and cmp.z_score < 0
    assert isinstance(cmp, ls.NetworkNullComparison)


def test_bad_null_is_refused_before_any_work():
    net, _ = cnn(np.random.default_rng(0))
    with pytest.raises(ValueError, match="null must be one of"):
        ls.frustration_vs_null(net, "shuffle_everything", samples=3)
    with pytest.raises(ValueError, match="samples must be >= 1"):
        ls.frustration_vs_null(net, "sign_shuffle", samples=0)
