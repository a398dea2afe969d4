"""Networks and checkpoints as people save them, checked for what they are.

Real torch models saved the usual ways (``torch.save(state_dict)``, ``safetensors.torch``,
checkpoints with optimizer state, in-memory state dicts and modules): the layers read back
equal torch's, so the library's loss equals torch's ``MSELoss`` (an independent oracle);
activations between linear layers are refused by name; files that need unpickling are refused
without running anything; bad keys and orders are refused clearly.
"""

from __future__ import annotations

import os
import pickle
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import landscape as ls
from landscape import load_network_file, load_weights_file

torch = pytest.importorskip("torch")
nn = torch.nn


def _widths(rng, depth=None):
    depth = depth or int(rng.integers(1, 5))
    return tuple(int(w) for w in rng.integers(1, 6, depth + 1))


def _sequential(widths, *, bias=True, between=()):
    """``Sequential`` of ``Linear`` layers with the modules ``between`` after each but the last."""
    modules = []
    for j, (d_in, d_out) in enumerate(zip(widths, widths[1:])):
        if j:
            modules.extend(m() for m in between)
        modules.append(nn.Linear(d_in, d_out, bias=bias))
    return nn.Sequential(*modules)


def _linears(model):
    return [m for m in model.modules() if isinstance(m, nn.Linear)]


def _assert_same_layers(net, model):
    layers = _linears(model)
    assert len(net.weights) == len(layers)
    for w, b, layer in zip(net.weights, net.biases, layers):
        np.testing.assert_array_equal(w, layer.weight.detach().double().numpy())
        if layer.bias is None:
            assert b is None
        else:
            np.testing.assert_array_equal(b, layer.bias.detach().double().numpy())


def _torch_mse(model, X, Y):
    with torch.no_grad():
        return float(nn.MSELoss()(model(torch.as_tensor(X)), torch.as_tensor(Y)))


# ----------------------------------------------------------------- oracle: torch's own loss
@pytest.mark.parametrize("seed", range(8))
def test_saved_torch_models_read_back_with_torchs_loss(tmp_path, seed):
    from safetensors.torch import save_file
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    widths = _widths(rng)
    model = _sequential(widths, bias=False).double()
    X = rng.standard_normal((40, widths[0]))
    Y = X @ rng.standard_normal((widths[0], widths[-1])) + 0.3 * rng.standard_normal(
        (40, widths[-1]))
    Xc, Yc = X - X.mean(0), Y - Y.mean(0)
    spec = ls.DataSpectrum.from_data(X, Y)                       # centred by default
    land = ls.Landscape(spec, widths)
    mse = _torch_mse(model, Xc, Yc)
    torch.save(model.state_dict(), tmp_path / "net.pt")
    torch.save(model.state_dict(), tmp_path / "net.pth")
    save_file(model.state_dict(), str(tmp_path / "net.safetensors"))
    sources = [tmp_path / "net.pt", str(tmp_path / "net.pth"), tmp_path / "net.safetensors",
               model.state_dict(), {k: v.numpy() for k, v in model.state_dict().items()}, model]
    for source in sources:
        net = load_network_file(source)
        assert net.widths == widths
        _assert_same_layers(net, model)
        assert land.loss(net.weights) == pytest.approx(spec.from_mse(mse), rel=1e-10)
    assert load_network_file(model).path is None
    assert load_network_file(tmp_path / "net.pt").path == tmp_path / "net.pt"


@pytest.mark.parametrize("seed", range(6))
def test_biases_and_passing_modules_read_back(seed):
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    widths = _widths(rng, depth=3)
    between = [(nn.Dropout,), (nn.Identity,), (nn.Flatten, nn.Dropout)][seed % 3]
    model = _sequential(widths, between=between)
    # the module itself: traced, Dropout/Identity/Flatten pass the batch on
    _assert_same_layers(load_network_file(model), model)
    # its state dict has gaps in the indices: refused unless the user says they are linear
    with pytest.raises(ValueError, match="holds? no parameters"):
        load_network_file(model.state_dict())
    net = load_network_file(model.state_dict(), gaps_are_linear=True)
    _assert_same_layers(net, model)
    assert net.has_biases


# ------------------------------------------------------------ nonlinear networks refused
def test_relu_between_layers_in_a_state_dict_is_refused_naming_it(tmp_path):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 4), nn.Linear(4, 2))
    torch.save(model.state_dict(), tmp_path / "relu.pt")
    for source in (model.state_dict(), tmp_path / "relu.pt"):
        with pytest.raises(ValueError, match=r"parameters 0 and 2 have module 1 between them, "
                                             r"which holds no parameters: an activation"):
            load_network_file(source)
    nested = nn.Sequential(nn.Linear(3, 4), nn.Sequential(nn.Linear(4, 4), nn.Tanh(),
                                                          nn.Tanh(), nn.Linear(4, 2)))
    with pytest.raises(ValueError, match=r"parameters 1.0 and 1.3 have modules 1.1, 1.2"):
        load_network_file(nested.state_dict())
    # a module with parameters between two layers is no gap
    ok = nn.Sequential(nn.Linear(3, 4), nn.Sequential(nn.Linear(4, 4)), nn.Linear(4, 2))
    assert load_network_file(ok.state_dict()).names == ("0.weight", "1.0.weight", "2.weight")


class _Functional(nn.Module):
    def __init__(self, act):
        super().__init__()
        self.fc1, self.fc2, self.act = nn.Linear(3, 4), nn.Linear(4, 2), act

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x.view(-1, 3))))


class _TwoBranches(nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Linear(3, 2), nn.Linear(3, 2)

    def forward(self, x):
        return self.a(x) + self.b(x)


class _Tied(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 3)

    def forward(self, x):
        return self.fc(self.fc(x))


class _Branching(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 3)

    def forward(self, x):
        if x.sum() > 0:
            return self.fc(x)
        return x


@pytest.mark.parametrize("model, match", [
    (nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)), r"module '1' \(ReLU\)"),
    (nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2), nn.Softmax(dim=1)),
     r"module '2' \(Softmax\)"),
    (nn.Sequential(nn.Linear(3, 4), nn.LayerNorm(4), nn.Linear(4, 2)),
     r"module '1' \(LayerNorm\)"),
    (_Functional(torch.relu), r"function relu\(\)"),
    (_Functional(torch.nn.functional.gelu), r"function gelu\(\)"),
    (_Functional(nn.Sigmoid()), r"module 'act' \(Sigmoid\)"),
    (_TwoBranches(), "one after the other"),
    (_Tied(), "applied twice"),
    (_Branching(), "traceable by torch.fx"),
    (nn.Sequential(nn.Dropout()), "at least one nn.Linear"),
])
def test_modules_that_are_not_deep_linear_networks_are_refused(model, match):
    with pytest.raises(ValueError, match=match):
        load_network_file(model)


def test_a_custom_forward_of_linear_layers_is_read_in_forward_order():
    model = _Functional(nn.Dropout(0.5))
    net = load_network_file(model)
    assert net.names == ("fc1.weight", "fc2.weight") and net.widths == (3, 4, 2)
    with pytest.raises(ValueError, match="must be None for a torch.nn.Module"):
        load_network_file(model, key="model")


# ------------------------------------------------------------ files needing unpickling
class _Payload:
    """Unpickling this runs ``os.mkdir(path)``."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return os.mkdir, (self.path,)


def test_files_that_need_unpickling_are_refused_without_running_them(tmp_path):
    model = nn.Sequential(nn.Linear(3, 2))
    torch.save(model, tmp_path / "model.pt")
    with pytest.raises(ValueError, match=r"needs full unpickling.*Sequential.*state_dict\(\)"):
        load_network_file(tmp_path / "model.pt")
    marker = tmp_path / "ran"
    pickle.loads(pickle.dumps(_Payload(tmp_path / "proof")))   # the payload does run when
    assert (tmp_path / "proof").is_dir()                         # unpickled in full
    torch.save({"model": model.state_dict(), "extra": _Payload(marker)}, tmp_path / "evil.pt")
    with pytest.raises(ValueError, match="needs full unpickling"):
        load_network_file(tmp_path / "evil.pt")
    assert not marker.exists()
    (tmp_path / "junk.pth").write_bytes(b"not a torch file at all")
    with pytest.raises(ValueError, match="readable torch file"):
        load_network_file(tmp_path / "junk.pth")
    torch.save(torch.ones(2, 2), tmp_path / "tensor.pt")
    with pytest.raises(ValueError, match="at least one layer, got tensor"):
        load_network_file(tmp_path / "tensor.pt")


def test_bfloat16_files_are_read(tmp_path):
    from safetensors.torch import save_file
    weight = torch.randn(2, 3, generator=torch.Generator().manual_seed(0)).to(torch.bfloat16)
    save_file({"fc.weight": weight}, str(tmp_path / "bf16.safetensors"))
    torch.save({"fc.weight": weight}, tmp_path / "bf16.pt")
    for name in ("bf16.safetensors", "bf16.pt"):
        net = load_network_file(tmp_path / name)
        np.testing.assert_array_equal(net.weights[0], weight.double().numpy())


def test_pt_files_without_torch_say_how_to_install_it(tmp_path, monkeypatch):
    torch.save(nn.Linear(3, 2).state_dict(), tmp_path / "net.pt")
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(ImportError, match="pip install torch"):
        load_network_file(tmp_path / "net.pt")


# ------------------------------------------------------------------------ checkpoints
def test_checkpoints_with_optimizer_state_pick_the_model(tmp_path):
    torch.manual_seed(1)
    model = _sequential((3, 4, 2))
    ema = _sequential((3, 4, 2))
    optimizer = torch.optim.Adam(model.parameters())
    model(torch.ones(5, 3)).sum().backward()
    optimizer.step()                                           # optimizer state holds tensors
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": 3},
               tmp_path / "ckpt.pt")
    _assert_same_layers(load_network_file(tmp_path / "ckpt.pt"), model)
    _assert_same_layers(load_network_file({"state_dict": ema.state_dict(), "step": 7}), ema)
    both = {"model": model.state_dict(), "ema": ema.state_dict(), "epoch": 3}
    with pytest.raises(ValueError, match=r"several state dicts, \['model', 'ema'\]: pick"):
        load_network_file(both)
    _assert_same_layers(load_network_file(both, key="ema"), ema)
    torch.save(both, tmp_path / "both.pt")
    _assert_same_layers(load_network_file(tmp_path / "both.pt", key="model"), model)
    assert len(load_weights_file(tmp_path / "both.pt", key="ema")) == 2
    with pytest.raises(ValueError, match=r"key must be an entry of both.pt, got 'net'; "
                                         r"entries are \['model', 'ema', 'epoch'\]"):
        load_network_file(tmp_path / "both.pt", key="net")
    with pytest.raises(ValueError, match=r"\['epoch'\] must be a state dict"):
        load_network_file(both, key="epoch")
    with pytest.raises(ValueError, match=r"or a checkpoint with one among its entries, got "
                                         r"entries \['epoch'\]"):
        load_network_file({"epoch": 3})


@pytest.mark.parametrize("source, error, match", [
    ([np.ones((2, 3))], TypeError, "a state dict"),
    (3, TypeError, "torch.nn.Module, got 3"),
    ({}, ValueError, "at least one layer"),
    ({"0.weight": "abc"}, ValueError, "checkpoint with one among its entries"),
])
def test_bad_sources_are_refused(source, error, match):
    with pytest.raises(error, match=match):
        load_network_file(source)


# ------------------------------------------------------------------------ layer order
class _Named(nn.Module):
    """Layers registered in an order other than the forward's (``order``: forward order)."""

    def __init__(self, widths, names):
        super().__init__()
        self.order = list(names)
        for j in reversed(range(len(names))):
            setattr(self, names[j], nn.Linear(widths[j], widths[j + 1]))

    def forward(self, x):
        for name in self.order:
            x = getattr(self, name)(x)
        return x


@pytest.mark.parametrize("seed", range(10))
def test_safetensors_named_layers_are_ordered_by_their_shapes(tmp_path, seed):
    from safetensors.torch import save_file
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    depth = int(rng.integers(2, 6))
    widths = tuple(int(w) for w in rng.permutation(np.arange(2, 2 + 2 * depth))[:depth + 1])
    names = [f"{w}_layer" for w in rng.choice(["enc", "mid", "dec", "head", "proj", "out"],
                                              depth, replace=False)]
    model = _Named(widths, names)
    save_file(model.state_dict(), str(tmp_path / "net.safetensors"))   # keys sorted on load
    for source in (tmp_path / "net.safetensors", model.state_dict(), model):
        net = load_network_file(source)
        assert net.names == tuple(f"{n}.weight" for n in names)          # distinct widths: one
        assert net.widths == widths                                      # chain order
    with torch.no_grad():                                 # the product is torch's forward
        x = torch.eye(widths[0])
        bias = model(torch.zeros(1, widths[0]))
        product = (model(x) - bias).numpy().T
    np.testing.assert_allclose(np.linalg.multi_dot(net.weights[::-1]), product, atol=1e-5)


def test_ambiguous_orders_are_refused_and_can_be_given(tmp_path):
    from safetensors.torch import save_file
    torch.manual_seed(3)
    model = _Named((3, 3, 3, 3), ["first", "second", "third"])
    save_file(model.state_dict(), str(tmp_path / "square.safetensors"))
    with pytest.raises(ValueError, match=r"order is ambiguous.*layer_order=.*first.weight "
                                         r"\(3, 3\), second.weight \(3, 3\), third.weight"):
        load_network_file(tmp_path / "square.safetensors")
    net = load_network_file(tmp_path / "square.safetensors",
                            layer_order=["first", "second.weight", "third"])
    assert net.names == ("first.weight", "second.weight", "third.weight")
    _assert_same_layers(net, nn.Sequential(model.first, model.second, model.third))
    # an in-memory state dict keeps torch's (registration) order where the shapes chain
    assert load_network_file(model.state_dict()).names[0] == "third.weight"


def test_layer_order_prefixes_group_sequentials(tmp_path):
    from safetensors.torch import save_file
    model = nn.Module()
    model.decoder = nn.Sequential(nn.Linear(3, 3), nn.Linear(3, 3))
    model.encoder = nn.Sequential(nn.Linear(3, 3), nn.Dropout(), nn.Linear(3, 3))
    save_file(model.state_dict(), str(tmp_path / "ae.safetensors"))
    net = load_network_file(tmp_path / "ae.safetensors", layer_order=["encoder", "decoder"],
                            gaps_are_linear=True)
    assert net.names == ("encoder.0.weight", "encoder.2.weight", "decoder.0.weight",
                         "decoder.1.weight")
    with pytest.raises(ValueError, match="parameters encoder.0 and encoder.2 have module "
                                         "encoder.1"):
        load_network_file(tmp_path / "ae.safetensors", layer_order=["encoder", "decoder"])


@pytest.mark.parametrize("layer_order, error, match", [
    ("ab", TypeError, "sequence of layer names"),
    (["a", "a"], ValueError, "name each layer once"),
    ([], ValueError, "name each layer once"),
    (["a"], ValueError, r"\['b.weight'\] matched by none"),
    (["a", "b", "c"], ValueError, r"got \['c'\] matching none"),
    (["a", "b", "a.x"], ValueError, "matched by several"),
    ([""], ValueError, "matched by none"),
])
def test_bad_layer_orders_are_refused(layer_order, error, match):
    arrays = {"a.weight": np.ones((2, 2)), "a.x.weight": np.ones((2, 2)),
              "b.weight": np.ones((2, 2))}
    with pytest.raises(error, match=match):
        load_network_file(arrays, layer_order=layer_order)


def test_group_without_an_order_is_refused():
    arrays = {"enc.a.weight": np.ones((2, 2)), "enc.b.weight": np.ones((2, 2))}
    with pytest.raises(ValueError, match="carry no order; name each of them"):
        load_network_file(arrays, layer_order=["enc"])


def test_shapes_that_chain_in_no_order_are_refused():
    with pytest.raises(ValueError, match=r"must chain in some order, got a.weight \(2, 3\), "
                                         r"b.weight \(4, 5\)"):
        load_network_file({"a.weight": np.ones((2, 3)), "b.weight": np.ones((4, 5))})


@settings(max_examples=25, deadline=None)
@given(st.permutations(range(6)), st.integers(0, 2**16))
def test_a_sequential_state_dict_does_not_depend_on_its_key_order(order, seed):
    rng = np.random.default_rng(seed)
    widths = _widths(rng, depth=6)
    arrays = {}
    for j in range(6):
        arrays[f"net.{j}.weight"] = rng.standard_normal((widths[j + 1], widths[j]))
        arrays[f"net.{j}.bias"] = rng.standard_normal(widths[j + 1])
    shuffled = {k: arrays[k] for j in order for k in (f"net.{j}.bias", f"net.{j}.weight")}
    net = load_network_file(shuffled)
    assert net.names == tuple(f"net.{j}.weight" for j in range(6)) and net.widths == widths
    for j in range(6):
        assert np.array_equal(net.weights[j], arrays[f"net.{j}.weight"])
        assert np.array_equal(net.biases[j], arrays[f"net.{j}.bias"])


# ------------------------------------------------------------------------ command line
def test_command_line_reads_checkpoints_with_its_options(tmp_path, capsys):
    from landscape.cli import main
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 3))
    np.savez(tmp_path / "data.npz", X=X, Y=X @ rng.standard_normal((3, 2)))
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 2), nn.Dropout(), nn.Linear(2, 2))
    torch.save({"model": model.state_dict(), "ema": model.state_dict(), "epoch": 1},
               tmp_path / "ckpt.pt")
    base = ["frustration", "--data", str(tmp_path / "data.npz"), "--weights",
            str(tmp_path / "ckpt.pt")]
    for extra, message in ([], "--checkpoint-key"), (["--checkpoint-key", "ema"],
                                                      "--gaps-are-linear"):
        with pytest.raises(SystemExit) as exit_:
            main(base + extra)
        assert exit_.value.code == 2 and message in capsys.readouterr().err
    assert main(base + ["--checkpoint-key", "ema", "--gaps-are-linear"]) == 0
    assert "ckpt.pt" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(base + ["--checkpoint-key", "ema", "--gaps-are-linear", "--layer-order", "2,0"])
    assert "layers in order: ['2.weight', '0.weight']" in capsys.readouterr().err
