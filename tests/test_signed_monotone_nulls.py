"""Near-monotonicity against null networks: the null networks' functions (against torch) and
their scores (planted balance, serial against parallel)."""

import copy
import warnings

import numpy as np
import pytest

import landscape as ls
from landscape.signed.active import evaluate, outputs_of, with_network_weights
from landscape.signed.network import read_model
from landscape.signed.nulls import null_blocks
from landscape.signed.reader_graph import build_network

torch = pytest.importorskip("torch")
nn = torch.nn

from test_signed_active import SHAPE, planted_cnn  # noqa: E402


def bn_cnn(seed):
    """Convolutions with biases and batch norm (folded into them), a linear read-out."""
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.BatchNorm2d(3), nn.ReLU(),
                          nn.Conv2d(3, 4, 3, stride=2), nn.BatchNorm2d(4), nn.BatchNorm2d(4),
                          nn.ReLU(), nn.Flatten(), nn.Linear(36, 3)).double().eval()
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.normal_()
            m.running_var.uniform_(0.5, 2.0)
            nn.init.normal_(m.weight)
            nn.init.normal_(m.bias)
    return model


@pytest.mark.parametrize("null", ls.NETWORK_NULL_MODELS)
def test_null_network_function_is_the_module_with_the_null_weights(null):
    for seed in range(3):
        model = bn_cnn(seed)
        graph = read_model(model, SHAPE)
        net = build_network(graph)
        X = np.random.default_rng(seed).standard_normal((4,) + SHAPE)
        same = with_network_weights(graph, net)
        with torch.no_grad():
            expected = model(torch.from_numpy(X)).numpy()
        np.testing.assert_allclose(outputs_of(same, evaluate(same, X)), expected, atol=1e-10)
        other = null_blocks(net, null, np.random.default_rng(seed))
        rebuilt = build_network(with_network_weights(graph, other))
        np.testing.assert_array_equal(rebuilt.adjacency().toarray(), other.adjacency().toarray())
        # torch oracle: each kernel divided by the batch-norm scales folded into it
        copied = copy.deepcopy(model)
        kernels = [np.asarray(b.parameters) for b in other.blocks if b.parameters is not None]
        with torch.no_grad():
            for conv, bns, K in ((copied[0], [copied[1]], kernels[0]),
                                 (copied[3], [copied[4], copied[5]], kernels[1])):
                scale = np.ones(conv.out_channels)
                for bn in bns:
                    scale *= (bn.weight / torch.sqrt(bn.running_var + bn.eps)).numpy()
                conv.weight.copy_(torch.from_numpy(K / scale[:, None, None, None]))
            copied[8].weight.copy_(torch.from_numpy(kernels[2]))
            expected = copied(torch.from_numpy(X)).numpy()
        mine = with_network_weights(graph, other)
        np.testing.assert_allclose(outputs_of(mine, evaluate(mine, X)), expected, atol=1e-9)


def test_balanced_network_beats_its_random_sign_nulls():
    for seed in range(2):
        model, net, _ = planted_cnn(seed)
        X = np.random.default_rng(seed).standard_normal((4,) + SHAPE)
        res = ls.near_monotonicity(model, X, SHAPE, seed=seed, null="random_signs", samples=5)
        assert res.score == 1.0 and res.null == "random_signs"
        assert res.null_scores.shape == (5,)
        assert np.all((res.null_scores >= 0) & (res.null_scores <= 1))
        assert res.null_mean < 1.0
        assert res.null_mean == pytest.approx(np.mean(res.null_scores))
        assert res.null_std == pytest.approx(np.std(res.null_scores, ddof=1))
        assert res.p_value == pytest.approx((1 + np.sum(res.null_scores >= 1.0)) / 6)
        if res.null_std > 0:
            assert res.z_score == pytest.approx((1.0 - res.null_mean) / res.null_std)
        plain = ls.near_monotonicity(model, X, SHAPE, seed=seed)
        assert plain.null is None and plain.null_scores is None and plain.score == res.score


def test_an_onnx_model_against_its_nulls(tmp_path):
    model, _, _ = planted_cnn(3)
    path = tmp_path / "net.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (torch.zeros((1,) + SHAPE, dtype=torch.float64),), str(path),
                          dynamo=False)
    X = np.random.default_rng(3).standard_normal((3,) + SHAPE)
    res = ls.near_monotonicity(path, X, SHAPE, seed=1, null="random_signs", samples=4)
    assert res.score == 1.0 and res.null_mean < 1.0


def test_serial_and_parallel_null_scores_are_identical():
    model = bn_cnn(7)
    X = np.random.default_rng(7).standard_normal((3,) + SHAPE)
    serial = ls.near_monotonicity(model, X, SHAPE, seed=11, null="sign_shuffle", samples=3)
    parallel = ls.near_monotonicity(model, X, SHAPE, seed=11, null="sign_shuffle", samples=3,
                                    n_jobs=2, progress=False)
    np.testing.assert_array_equal(serial.null_scores, parallel.null_scores)
    assert serial.score == parallel.score and serial.p_value == parallel.p_value


def test_bad_null_arguments_are_refused_before_any_work():
    model = nn.Sequential(nn.Linear(3, 2))
    X = np.zeros((2, 3))
    with pytest.raises(ValueError, match="null must be one of"):
        ls.near_monotonicity(model, X, (3,), null="shuffle")
    with pytest.raises(ValueError, match="samples must be >= 1"):
        ls.near_monotonicity(model, X, (3,), null="sign_shuffle", samples=0)
    with pytest.raises(TypeError, match="progress"):
        ls.near_monotonicity(model, X, (3,), null="sign_shuffle", progress="yes")
