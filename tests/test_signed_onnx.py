"""The ONNX reader against torch: each operation's export has the module's signed graph."""

import warnings

import numpy as np
import pytest

import landscape as ls
from landscape.signed.active import evaluate, outputs_of
from landscape.signed.network import read_model

torch = pytest.importorskip("torch")
onnx = pytest.importorskip("onnx")
nn = torch.nn

from test_signed_network import SHAPE, io_map, operation_cases, torch_jacobian  # noqa: E402


def export(module, path, shape=SHAPE):
    """``torch.onnx.export`` (the TorchScript exporter) of ``module`` in inference mode."""
    module = module.double().eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (torch.zeros((1,) + shape, dtype=torch.float64),), str(path),
                          dynamo=False)
    return path


class Padded(nn.Module):
    def __init__(self):
        super().__init__()
        self.c = nn.Conv2d(2, 3, 3)

    def forward(self, x):
        return self.c(nn.functional.pad(x, (1, 2, 0, 1)))


@pytest.mark.parametrize("case", operation_cases() + [("pad", Padded(), None)],
                         ids=lambda c: c[0])
def test_export_has_the_modules_signed_graph(case, tmp_path):
    name, module, oracle = case
    torch.manual_seed(1)
    path = export(module, tmp_path / f"{name}.onnx")
    net = ls.signed_network(path, SHAPE)
    if name != "pad":  # the torch reader has no zero padding outside a convolution
        direct = ls.signed_network(module, SHAPE)
        assert net.n_nodes == direct.n_nodes and net.n_edges == direct.n_edges
        np.testing.assert_allclose(io_map(net), io_map(direct), atol=1e-12)
        np.testing.assert_allclose(np.sort(net.adjacency().data),  # the same edges, up to
                                   np.sort(direct.adjacency().data), atol=1e-12)  # order
    x = np.random.default_rng(3).standard_normal((2,) + SHAPE)
    graph = read_model(onnx.load(str(path)), SHAPE)
    with torch.no_grad():
        expected = module(torch.from_numpy(x)).reshape(2, -1).numpy()
    np.testing.assert_allclose(outputs_of(graph, evaluate(graph, x)), expected, atol=1e-12)
    if name in ("conv_bn", "residual", "pad", "avg_pool_ceil"):
        oracle = module if oracle is None else oracle
        np.testing.assert_allclose(io_map(net), torch_jacobian(oracle, SHAPE), atol=1e-10)


def make_model(nodes, initializers=(), shape=(1, 2, 4, 4)):
    """A hand-written ONNX model with input ``x`` and output ``y``."""
    h = onnx.helper
    graph = h.make_graph(nodes, "g", [h.make_tensor_value_info("x", onnx.TensorProto.FLOAT,
                                                                 shape)],
                         [h.make_tensor_value_info("y", onnx.TensorProto.FLOAT, None)],
                         list(initializers))
    return h.make_model(graph, opset_imports=[h.make_opsetid("", 17)])


def test_batch_norm_node_folds_into_its_convolution():
    h, rng = onnx.helper, np.random.default_rng(0)
    w = rng.standard_normal((3, 2, 1, 1)).astype(np.float32)
    stats = [rng.uniform(0.5, 2, 3).astype(np.float32) for _ in range(4)]
    inits = [onnx.numpy_helper.from_array(w, "w")] + [
        onnx.numpy_helper.from_array(s, n) for s, n in zip(stats, "gbmv")]
    model = make_model([h.make_node("Conv", ["x", "w"], ["c"], name="conv"),
                        h.make_node("BatchNormalization", ["c", "g", "b", "m", "v"], ["y"],
                                    name="bn", epsilon=1e-3)], inits)
    net = ls.signed_network(model, (2, 4, 4))
    scale = stats[0] / np.sqrt(stats[3].astype(float) + 1e-3)
    np.testing.assert_allclose(net.blocks[0].parameters[:, :, 0, 0],
                               w[:, :, 0, 0] * scale[:, None], rtol=1e-5)
    x = rng.standard_normal((1, 2, 4, 4))
    graph = read_model(model, (2, 4, 4))
    conv = np.einsum("oc,nchw->nohw", w[:, :, 0, 0].astype(float), x)
    expected = (conv - stats[2][None, :, None, None]) * scale[None, :, None, None] \
        + stats[1][None, :, None, None]
    np.testing.assert_allclose(outputs_of(graph, evaluate(graph, x)).reshape(expected.shape),
                               expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("op, match", [("Gelu", "Gelu"), ("HardSwish", "HardSwish"),
                                       ("Mish", "Mish"), ("Softmax", "Softmax"),
                                       ("Loop", "Loop")])
def test_refusals_name_the_operation(op, match):
    model = make_model([onnx.helper.make_node(op, ["x"], ["y"], name="bad")])
    with pytest.raises(ValueError, match=f"{match} at node 'bad'"):
        ls.signed_network(model, (2, 4, 4))


def test_refuses_cycles_unparsable_files_and_misfits(tmp_path):
    h = onnx.helper
    cyclic = make_model([h.make_node("Relu", ["x2"], ["x1"], name="a"),
                         h.make_node("Add", ["x", "x1"], ["x2"], name="b"),
                         h.make_node("Relu", ["x2"], ["y"], name="c")])
    with pytest.raises(ValueError, match="cyclic"):
        ls.signed_network(cyclic, (2, 4, 4))
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not an onnx file")
    with pytest.raises(ValueError, match="does not parse"):
        ls.signed_network(bad, (2, 4, 4))
    with pytest.raises(ValueError, match="input_shape does not fit"):
        ls.signed_network(make_model([h.make_node("Relu", ["x"], ["y"])]), (2, 5, 4))
    nan = onnx.numpy_helper.from_array(np.full((1, 2, 1, 1), np.nan, np.float32), "w")
    with pytest.raises(ValueError, match="finite"):
        ls.signed_network(make_model([h.make_node("Conv", ["x", "w"], ["y"])], [nan]),
                          (2, 4, 4))
