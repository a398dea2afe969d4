"""The signed graph of a network: blocks, adjacency, and the torch reader against torch itself."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import landscape as ls
from landscape.signed.convolution import ConvBlock, conv_output_size, convolve, \
    convolve_transpose
from landscape.signed.network import DenseBlock, EdgeBlock, SignedNetwork, TensorNodes

torch = pytest.importorskip("torch")
nn = torch.nn


def check_block(block, rng, k=3):
    """matvec / rmatvec / abs versions / abs_weight agree with the block's sparse matrix."""
    M = block.to_sparse().toarray()
    x = rng.standard_normal((k, M.shape[1]))
    y = rng.standard_normal((k, M.shape[0]))
    np.testing.assert_allclose(block.matvec(x), x @ M.T, atol=1e-12)
    np.testing.assert_allclose(block.rmatvec(y), y @ M, atol=1e-12)
    np.testing.assert_allclose(block.abs_matvec(x), x @ np.abs(M).T, atol=1e-12)
    np.testing.assert_allclose(block.abs_rmatvec(y), y @ np.abs(M), atol=1e-12)
    assert block.abs_weight() == pytest.approx(np.abs(M).sum(), rel=1e-12)
    return M


def test_dense_layers_give_the_block_shift_adjacency():
    rng = np.random.default_rng(0)
    layers = [rng.standard_normal((4, 3)), rng.standard_normal((2, 4))]
    net = ls.signed_network(layers)
    assert isinstance(net, SignedNetwork)
    assert [t.name for t in net.tensors] == ["input", "layer1", "layer2"]
    assert [(t.start, t.stop) for t in net.tensors] == [(0, 3), (3, 7), (7, 9)]
    assert net.n_nodes == 9 and net.n_edges == 20 and net.outputs == (2,)
    A = np.zeros((9, 9))
    A[3:7, 0:3], A[7:9, 3:7] = layers
    np.testing.assert_array_equal(net.adjacency().toarray(), A)
    for b in net.blocks:
        assert isinstance(b, DenseBlock) and isinstance(b, EdgeBlock)
        assert b.fan_in == b.parameters.shape[1]
        check_block(b, rng)
    new = net.blocks[0].with_parameters(-layers[0])
    np.testing.assert_array_equal(new.to_sparse().toarray(), -layers[0])
    assert net.with_blocks([new, net.blocks[1]]).blocks[0] is new
    assert ls.signed_network(A, widths=(3, 4, 2)).n_edges == 20
    assert ls.signed_network(layers, input_shape=(3,)).n_nodes == 9


def test_tensor_nodes_and_bad_input():
    assert TensorNodes("input", (2, 3), 4, 10).size == 6
    layers = [np.ones((2, 3))]
    net = ls.signed_network(layers)
    with pytest.raises(ValueError, match="max_bytes"):
        net.adjacency(max_bytes=10)
    assert net.memory_estimate() > 10
    with pytest.raises(ValueError, match="input_shape must be"):
        ls.signed_network(layers, input_shape=(4,))
    with pytest.raises(ValueError, match="parameters of block"):
        net.blocks[0].with_parameters(np.ones((3, 3)))
    with pytest.raises(ValueError, match="finite"):
        ls.signed_network([np.array([[np.nan]])])
    with pytest.raises(ValueError, match="input_shape must be given"):
        ls.signed_network(nn.Linear(2, 2))


def conv_block(rng, c_in, c_out, spatial, kernel, stride, pads, dilation, groups):
    K = rng.standard_normal((c_out, c_in // groups) + kernel)
    out = tuple(conv_output_size(n, k, s, p, d)
                for n, k, s, p, d in zip(spatial, kernel, stride, pads, dilation))
    return ConvBlock(0, 1, "conv", K, (c_in,) + spatial, (c_out,) + out, stride, pads,
                     dilation, groups)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2 ** 16), dims=st.integers(0, 3), groups=st.sampled_from([1, 2]),
       stride=st.integers(1, 3), dilation=st.integers(1, 2), pad=st.integers(0, 2),
       extra=st.integers(0, 1))
def test_conv_block_matches_torch_and_its_sparse_matrix(seed, dims, groups, stride, dilation,
                                                        pad, extra):
    rng = np.random.default_rng(seed)
    spatial = tuple(int(n) for n in rng.integers(4, 7, size=dims))
    kernel = tuple(int(k) for k in rng.integers(1, 4, size=dims))
    block = conv_block(rng, 2 * groups, 2 * groups, spatial, kernel, (stride,) * dims,
                       ((pad, pad + extra),) * dims, (dilation,) * dims, groups)
    M = check_block(block, rng)
    assert block.n_edges == sp.coo_matrix(M).nnz or block.n_edges >= sp.coo_matrix(M).nnz
    assert block.n_edges == block.to_sparse().nnz
    x = rng.standard_normal((2,) + block.in_shape)
    y = rng.standard_normal((2,) + block.out_shape)
    args = (block.kernel, block.stride, block.pads, block.dilation, groups)
    np.testing.assert_allclose(convolve(x, *args, block.out_shape[1:], use_torch=False),
                               block.matvec(x.reshape(2, -1)).reshape(y.shape), atol=1e-12)
    np.testing.assert_allclose(convolve_transpose(y, *args, block.in_shape[1:], use_torch=False),
                               block.rmatvec(y.reshape(2, -1)).reshape(x.shape), atol=1e-12)
    if 1 <= dims <= 3 and extra == 0:
        conv = getattr(torch.nn.functional, f"conv{dims}d")
        J = torch.autograd.functional.jacobian(
            lambda t: conv(t[None], torch.from_numpy(block.kernel), stride=stride, padding=pad,
                           dilation=dilation, groups=groups)[0],
            torch.from_numpy(x[0]))
        np.testing.assert_allclose(M, J.reshape(M.shape).numpy(), atol=1e-12)


def io_map(net):
    """``[(I - A)^{-1}]_{out, in}``: the sum over paths from the input to the output."""
    A = net.adjacency().toarray()
    M = np.linalg.inv(np.eye(len(A)) - A)
    out = np.concatenate([np.arange(net.tensors[t].start, net.tensors[t].stop)
                          for t in net.outputs])
    return M[np.ix_(out, np.arange(net.tensors[0].stop))]


def torch_jacobian(model, shape):
    """The Jacobian of ``model`` (float64, inference mode, biases removed) at 0."""
    model = model.double().eval()
    for m in model.modules():
        if getattr(m, "bias", None) is not None and \
                not isinstance(m, nn.modules.batchnorm._NormBase):
            nn.init.zeros_(m.bias)
        if isinstance(m, nn.modules.batchnorm._NormBase):
            m.running_mean.zero_()
            nn.init.zeros_(m.bias)
    J = torch.autograd.functional.jacobian(lambda t: model(t[None]).reshape(-1),
                                           torch.zeros(shape, dtype=torch.float64))
    return J.reshape(J.shape[0], -1).numpy()


class Residual(nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Conv2d(2, 3, 3, padding=1), nn.Conv2d(2, 3, 1)
        self.bn = nn.BatchNorm2d(3)

    def forward(self, x):
        y = self.b(x)
        return y + y + self.bn(self.a(x))


class Concat(nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Conv2d(2, 3, 3, stride=2, padding=1), nn.Conv2d(2, 1, 2, stride=2)

    def forward(self, x):
        return torch.flatten(torch.cat([self.a(x), self.b(x)], dim=1), 1)


class Flat(nn.Module):
    def __init__(self):
        super().__init__()
        self.c, self.fc = nn.Conv2d(2, 2, 3), nn.Linear(2 * 4 * 4, 3)

    def forward(self, x):
        y = self.c(x)
        return self.fc(y.view(y.size(0), -1))


class Mean(nn.Module):
    def forward(self, x):
        return x.mean((2, 3))


class PadConv(nn.Module):
    """``F.pad`` (zero, uneven) into a strided convolution with its own padding."""

    def __init__(self):
        super().__init__()
        self.c = nn.Conv2d(2, 3, 3, stride=2, padding=1)

    def forward(self, x):
        return self.c(nn.functional.pad(x, (1, 0, 2, 1)))


class LinearOnRows(nn.Module):
    """A linear layer on the last axis of a (channels, positions) tensor."""

    def __init__(self):
        super().__init__()
        self.c, self.fc = nn.Conv2d(2, 3, 1), nn.Linear(36, 4)

    def forward(self, x):
        return self.fc(torch.flatten(self.c(x), 2))


SHAPE = (2, 6, 6)


def bn(c):
    b = nn.BatchNorm2d(c)
    b.running_var.uniform_(0.5, 2.0)
    nn.init.normal_(b.weight)
    return b


def operation_cases():
    """(name, module, oracle module) per operation; the oracle's Jacobian is the adjacency's
    input-output map (max pooling's full graph is the average over the window's entries)."""
    convs = [nn.Conv2d(2, 4, 3), nn.Conv2d(2, 4, 3, stride=2, padding=1),
             nn.Conv2d(2, 4, 3, padding=2, dilation=2), nn.Conv2d(2, 4, (3, 2), groups=2),
             nn.Conv2d(2, 2, 3, groups=2, padding="same"), nn.Conv2d(2, 4, 2, stride=(2, 1))]
    cases = [(f"conv{i}", c, c) for i, c in enumerate(convs)]
    cases += [("conv_bn", nn.Sequential(nn.Conv2d(2, 3, 3), bn(3)), None),
              ("linear", nn.Sequential(nn.Flatten(), nn.Linear(72, 5)), None),
              ("avg_pool", nn.AvgPool2d(3, 2, padding=1), None),
              ("avg_pool_nopad", nn.AvgPool2d(3, 2, padding=1, count_include_pad=False), None),
              ("avg_pool_ceil", nn.AvgPool2d(2, 2, ceil_mode=True, padding=1), None),
              ("max_pool", nn.MaxPool2d(3, 2, padding=1),
               nn.AvgPool2d(3, 2, padding=1, count_include_pad=False)),
              ("global_avg", nn.AdaptiveAvgPool2d(1), None), ("mean", Mean(), None),
              ("global_max", nn.AdaptiveMaxPool2d(1), nn.AdaptiveAvgPool2d(1)),
              ("residual", Residual(), None), ("concat", Concat(), None), ("flatten", Flat(), None),
              ("zero_pad_conv", nn.Sequential(nn.ZeroPad2d((1, 2, 0, 1)),
                                              nn.Conv2d(2, 3, 3, padding=1)), None),
              ("f_pad_conv", PadConv(), None),
              ("pad_avg_pool", nn.Sequential(nn.ConstantPad2d(1, 0.0),
                                             nn.AvgPool2d(3, 2, count_include_pad=False)), None),
              ("pad_avg_pool_padded", nn.Sequential(nn.ZeroPad2d((0, 1, 1, 0)),
                                                    nn.AvgPool2d(3, 2, padding=1)), None),
              ("pad_avg_pool_nopad", nn.Sequential(
                  nn.ZeroPad2d((0, 1, 1, 0)), nn.AvgPool2d(3, 2, padding=1,
                                                           count_include_pad=False)), None),
              ("linear_last_axis", nn.Sequential(nn.Conv2d(2, 3, 1), nn.Linear(6, 4)), None),
              ("linear_on_rows", LinearOnRows(), None),
              ("relu_chain", nn.Sequential(nn.Conv2d(2, 2, 3), nn.ReLU(), nn.Identity(),
                                           nn.Dropout(), nn.Conv2d(2, 1, 1)), None)]
    return cases


@pytest.mark.parametrize("case", operation_cases(), ids=lambda c: c[0])
def test_adjacency_is_the_torch_jacobian_per_operation(case):
    name, module, oracle = case
    torch.manual_seed(1)
    module = module.double().eval()
    net = ls.signed_network(module, SHAPE)
    rng = np.random.default_rng(2)
    for b in net.blocks:
        check_block(b, rng)
    oracle = module if oracle is None else oracle
    if name == "relu_chain":  # the linear map through a ReLU's graph: the convolutions only
        oracle = nn.Sequential(module[0], module[4])
    np.testing.assert_allclose(io_map(net), torch_jacobian(oracle, SHAPE), atol=1e-10)


def test_bn_after_an_activation_or_shared_output_is_its_own_tensor():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(2, 2, 3), nn.ReLU(), bn(2)).double().eval()
    net = ls.signed_network(model, SHAPE)
    assert [b.kind for b in net.blocks] == ["conv", "batch_norm"]
    scale = (model[2].weight / torch.sqrt(model[2].running_var + model[2].eps)).detach().numpy()
    np.testing.assert_allclose(np.diag(net.blocks[1].to_sparse().toarray())[::16], scale)


@pytest.mark.parametrize("module, match", [
    (nn.Sequential(nn.Conv2d(2, 2, 3), nn.SiLU()), "SiLU"),
    (nn.Sequential(nn.Conv2d(2, 2, 3), nn.GELU()), "GELU"),
    (nn.Sequential(nn.Conv2d(2, 2, 3), nn.Hardswish()), "Hardswish"),
    (nn.Sequential(nn.Conv2d(2, 2, 3), nn.LeakyReLU(-0.1)), "negative slope"),
    (nn.Sequential(nn.Conv2d(2, 2, 3), nn.LSTM(4, 4)), "LSTM"),
    (nn.Sequential(nn.Conv2d(2, 2, 3), nn.Softmax(1)), "Softmax"),
    (nn.Sequential(nn.Conv2d(3, 2, 3)), "input_shape does not fit"),
    (nn.Sequential(nn.Flatten(), nn.Linear(71, 2)), "input_shape does not fit"),
    (nn.Sequential(nn.Linear(5, 2)), "input_shape does not fit"),
    (nn.Sequential(nn.ConstantPad2d(1, 0.5), nn.Conv2d(2, 2, 3)), "zero padding"),
    (nn.Sequential(nn.ZeroPad2d(1), nn.MaxPool2d(2)), "only a convolution or an average"),
    (nn.Sequential(nn.ZeroPad2d(1), nn.ReLU(), nn.Conv2d(2, 2, 3)), "only a convolution"),
    (nn.Sequential(nn.ZeroPad2d(1), nn.AvgPool2d(2, ceil_mode=True)), "ceil_mode"),
    (nn.Sequential(nn.ZeroPad2d(1)), "is an output"),
    (nn.Sequential(nn.ZeroPad2d(1), nn.ZeroPad2d(1), nn.Conv2d(2, 2, 3)), "padded before"),
    (nn.Sequential(nn.ZeroPad2d((-1, 0, 0, 0)), nn.Conv2d(2, 2, 3)), "crops"),
    (nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(2, 2, 3)), "ReflectionPad2d"),
])
def test_refusals_name_the_operation(module, match):
    with pytest.raises(ValueError, match=match):
        ls.signed_network(module, SHAPE)


def test_refuses_nonfinite_weights_and_products():
    conv = nn.Conv2d(2, 2, 3)
    with torch.no_grad():
        conv.weight[0, 0, 0, 0] = float("nan")
    with pytest.raises(ValueError, match="finite"):
        ls.signed_network(conv, SHAPE)

    class Square(nn.Module):
        def forward(self, x):
            return x * x
    with pytest.raises(ValueError, match="mul"):
        ls.signed_network(Square(), SHAPE)


@pytest.mark.parametrize("pad, mode, value, match", [
    ((1, 1, 1, 1), "reflect", None, "zero padding"), ((1, 1), "constant", 2.0, "zero padding"),
    ((0, 0, 0, 0, 1, 0), "constant", None, "channel axis"),
    ((0, 0, 0, 0, 0, 0, 0, 1), "constant", 0.0, "batch")])
def test_refuses_paddings_that_are_not_spatial_zeros(pad, mode, value, match):
    class Padded(nn.Module):
        def __init__(self):
            super().__init__()
            self.c = nn.Conv2d(2 + (len(pad) == 6), 2, 3)

        def forward(self, x):
            return self.c(nn.functional.pad(x, pad, mode=mode, value=value))
    with pytest.raises(ValueError, match=match):
        ls.signed_network(Padded(), SHAPE)
