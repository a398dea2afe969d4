"""Frustration of a SignedNetwork (THEORY §6.1): the exact methods against a brute force over
every switching of the adjacency matrix, planted balance (exactly 0) and planted balance with
3% of kernel signs flipped (the greedy descent reaches at most the planted cost), 1-flip
stability of the greedy result, and the matrix-free per-block costs against the adjacency.
"""

import numpy as np
import pytest
from signed_network_oracles import brute_force, cnn, dense_chain, switched_weight

import landscape as ls
from landscape.signed.network import dense_network


def tiny_cnn(rng, **kwargs):
    """The residual CNN with one channel per tensor on a 2x2 input: 20 nodes."""
    return cnn(rng, c=(1, 1, 1), h=2, classes=2, **kwargs)


@pytest.mark.parametrize("seed", range(4))
def test_exact_methods_equal_brute_force_on_small_networks(seed):
    rng = np.random.default_rng(seed)
    widths = [int(d) for d in rng.integers(1, 5, size=int(rng.integers(2, 5)))]
    for net, _ in (tiny_cnn(rng), dense_chain(rng, widths)):
        assert net.n_nodes <= 20
        A = net.adjacency().toarray()
        best = brute_force(A)
        for method in ("auto", "exact", "enumeration", "milp"):
            res = ls.frustration(net, method=method)
            assert res.exact and res.lower_bound == res.value
            assert res.value == pytest.approx(best, rel=1e-9, abs=1e-12), method
            assert switched_weight(A, res.signs) == pytest.approx(res.value, rel=1e-12)
        greedy = ls.frustration(net, method="greedy", seed=seed)
        assert greedy.value >= best - 1e-9 * max(best, 1.0)


def test_fixed_input_and_output_signs_against_brute_force():
    rng = np.random.default_rng(11)
    net, _ = tiny_cnn(rng)
    A = net.adjacency().toarray()
    free = np.ones(net.n_nodes, dtype=bool)
    free[net.tensors[0].start:net.tensors[0].stop] = False
    for t in net.outputs:
        free[net.tensors[t].start:net.tensors[t].stop] = False
    best = brute_force(A, free)
    for method in ("exact", "milp"):
        res = ls.frustration(net, method=method, fix_io_signs=True)
        assert res.value == pytest.approx(best, rel=1e-9)
        assert np.all(res.signs[~free] == 1)
    greedy = ls.frustration(net, method="greedy", fix_io_signs=True)
    assert np.all(greedy.signs[~free] == 1) and greedy.value >= best - 1e-9


@pytest.mark.parametrize("seed", range(12))
def test_planted_balance_is_exactly_zero(seed):
    rng = np.random.default_rng(100 + seed)
    for net, _ in (cnn(rng, planted=True), dense_chain(rng, [6, 9, 9, 5], planted=True)):
        for method in ("greedy", "auto"):
            res = ls.frustration(net, method=method, seed=seed, restarts=2)
            assert res.value == 0.0 and res.exact
        assert ls.frustration(net).method == "balance"


@pytest.mark.parametrize("seed", range(25))
def test_greedy_reaches_the_planted_cost_with_three_percent_of_signs_flipped(seed):
    rng = np.random.default_rng(200 + seed)
    nets = [cnn(rng, c=(3, 6, 8), h=8, classes=5, planted=True, flip=0.03),
            dense_chain(rng, [6, 12, 12, 4], planted=True, flip=0.03)]
    for net, planted in nets:
        cost = switched_weight(net.adjacency().toarray(), planted)
        res = ls.frustration(net, method="greedy", seed=seed, restarts=3)
        assert res.value <= cost * (1 + 1e-12)
        assert not res.exact or res.value == 0.0


@pytest.mark.parametrize("seed", range(6))
def test_greedy_ends_one_flip_stable_and_costs_add_up(seed):
    rng = np.random.default_rng(300 + seed)
    net, _ = cnn(rng, c=(2, 5, 4), h=6, classes=3, flip=0.0)
    res = ls.frustration(net, method="greedy", seed=seed, restarts=2)
    A = net.adjacency().toarray()
    s = res.signs.astype(float)
    field = (A + A.T) @ s
    absfield = (np.abs(A) + np.abs(A).T) @ np.ones(net.n_nodes)
    assert np.all(s * field >= -1e-9 * absfield)  # no single flip lowers the frustration
    # matrix-free per-block and per-tensor costs against the adjacency matrix
    assert res.value == pytest.approx(switched_weight(A, s), rel=1e-12)
    frustrated = np.where(s[:, None] * A * s[None, :] < 0, np.abs(A), 0.0)
    for t, tensor in enumerate(net.tensors):
        assert res.per_tensor[t] == pytest.approx(frustrated[tensor.start:tensor.stop].sum(),
                                                  rel=1e-12, abs=1e-12)
    assert res.total_weight == pytest.approx(np.abs(A).sum(), rel=1e-12)
    assert res.block_weights.sum() == pytest.approx(res.total_weight, rel=1e-12)
    assert res.per_layer.sum() == pytest.approx(res.value, rel=1e-12)
    assert res.n_sweeps >= 2 and res.sweep_seconds >= 0 and res.method == "greedy"
    assert res.signs.dtype == np.int8 and res.signs.size == net.n_nodes
    assert res.widths == tuple(t.size for t in net.tensors)
    assert res.block_names == tuple(b.name for b in net.blocks)
    np.testing.assert_array_less(res.block_normalized(), 1.0 + 1e-12)


def test_a_network_of_dense_layers_has_the_frustration_of_its_layers():
    rng = np.random.default_rng(5)
    for _ in range(5):
        layers = [rng.standard_normal((4, 3)), rng.standard_normal((3, 4)),
                  rng.standard_normal((2, 3))]
        net = dense_network(layers)
        expected = ls.frustration(layers, method="exact")
        for method in ("exact", "milp"):
            assert ls.frustration(net, method=method).value == pytest.approx(expected.value)
        np.testing.assert_allclose(ls.frustration(net, method="exact").per_layer,
                                   expected.per_layer, rtol=1e-9, atol=1e-12)


def test_initial_signs_and_bad_input():
    rng = np.random.default_rng(6)
    net, planted = cnn(rng, planted=True)
    res = ls.frustration(net, method="greedy", initial_signs=planted, restarts=0)
    assert res.value == 0.0
    with pytest.raises(ValueError, match="initial_signs must be a vector of n_nodes"):
        ls.frustration(net, method="greedy", initial_signs=planted[:-1])
    with pytest.raises(ValueError, match="weighted must be True for a SignedNetwork"):
        ls.frustration(net, weighted=False)
    with pytest.raises(ValueError, match="method must be one of"):
        ls.frustration(net, method="annealing")


def test_command_line_frustration_of_an_onnx_model(tmp_path, capsys):
    torch = pytest.importorskip("torch")
    pytest.importorskip("onnx")
    import json
    import warnings

    from landscape.cli import main

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 3, 3, padding=1), torch.nn.ReLU(),
                                torch.nn.AvgPool2d(2), torch.nn.Flatten(),
                                torch.nn.Linear(12, 4)).eval()
    path = tmp_path / "net.onnx"
    with warnings.catch_warnings():  # the exporter's notice about its newer default
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(model, torch.randn(1, 1, 4, 4), str(path), dynamo=False)
    out = tmp_path / "out.json"
    assert main(["frustration", "--model", str(path), "--input-shape", "1,4,4", "--null",
                 "sign_shuffle", "--samples", "3", "--json", str(out), "--figure",
                 str(tmp_path / "f.png"), "--quiet", "--method", "greedy"]) == 0
    payload = json.loads(out.read_text())
    net = ls.signed_network(str(path), (1, 4, 4))
    expected = ls.frustration_vs_null(net, "sign_shuffle", 3, seed=0, method="greedy")
    assert payload["normalized"] == expected.value and payload["n_nodes"] == net.n_nodes
    assert payload["null"]["mean"] == pytest.approx(expected.mean)
    assert [row["layer"] for row in payload["layers"]] == [b.name for b in net.blocks]
    assert (tmp_path / "f.png").stat().st_size > 5_000
    assert "normalized" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["frustration", "--model", str(tmp_path / "net.pt"), "--input-shape", "1,4,4"])
    assert "must be an ONNX file" in capsys.readouterr().err
