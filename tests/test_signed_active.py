"""Active subnetworks (their path sums are the Jacobian) and near-monotonicity."""

import itertools
import warnings

import numpy as np
import pytest
from types import SimpleNamespace

import landscape as ls

torch = pytest.importorskip("torch")
nn = torch.nn

from test_signed_network import io_map  # noqa: E402

SHAPE = (2, 8, 8)


class ResNetLike(nn.Module):
    """Convolution, batch norm, max pooling, a residual addition, a linear read-out."""

    def __init__(self, act=nn.ReLU):
        super().__init__()
        self.c1, self.b1 = nn.Conv2d(2, 3, 3, padding=1), nn.BatchNorm2d(3)
        self.pool = nn.MaxPool2d(2)
        self.c2, self.b2 = nn.Conv2d(3, 3, 3, padding=1), nn.BatchNorm2d(3)
        self.act1, self.act2 = act(), act()
        self.fc = nn.Linear(3 * 4 * 4, 4)
        for b in (self.b1, self.b2):
            b.running_mean.normal_()
            b.running_var.uniform_(0.5, 2.0)
            nn.init.normal_(b.weight)
            nn.init.normal_(b.bias)

    def forward(self, x):
        y = self.pool(self.act1(self.b1(self.c1(x))))
        y = self.act2(y + self.b2(self.c2(y)))
        return self.fc(torch.flatten(y, 1))


def jacobian(model, x):
    return torch.autograd.functional.jacobian(
        lambda t: model(t[None]).reshape(-1), torch.from_numpy(x)).reshape(4, -1).numpy()


ACTIVATIONS = [nn.ReLU, nn.ReLU6, lambda: nn.LeakyReLU(0.2), lambda: nn.PReLU(3, 0.3),
               nn.Sigmoid, nn.Tanh, lambda: nn.Hardtanh(-0.5, 0.5)]


@pytest.mark.parametrize("act", ACTIVATIONS)
def test_active_subnetwork_path_sum_is_the_jacobian(act):
    for seed in range(3):
        torch.manual_seed(seed)
        model = ResNetLike(act).double().eval()
        x = np.random.default_rng(seed).standard_normal(SHAPE)
        active = ls.active_subnetwork(model, x, SHAPE)
        full = ls.signed_network(model, SHAPE)
        assert [t.shape for t in active.tensors] == [t.shape for t in full.tensors]
        np.testing.assert_allclose(io_map(active), jacobian(model, x), atol=1e-10)


class PaddedRows(nn.Module):
    """A zero padding into a convolution, ReLU, a linear layer on the rows, ReLU6."""

    def __init__(self):
        super().__init__()
        self.c, self.fc = nn.Conv2d(2, 3, 3, stride=2), nn.Linear(25, 3)

    def forward(self, x):
        y = torch.relu(self.c(nn.functional.pad(x, (1, 2, 2, 1))))
        return nn.functional.relu6(self.fc(torch.flatten(y, 2))).flatten(1)


def test_active_subnetwork_through_padding_and_a_linear_layer_on_rows():
    for seed in range(3):
        torch.manual_seed(seed)
        model = PaddedRows().double().eval()
        x = np.random.default_rng(seed).standard_normal(SHAPE)
        J = torch.autograd.functional.jacobian(
            lambda t: model(t[None]).reshape(-1), torch.from_numpy(x)).reshape(-1, 128).numpy()
        np.testing.assert_allclose(io_map(ls.active_subnetwork(model, x, SHAPE)), J, atol=1e-10)


def test_active_subnetwork_of_an_onnx_export(tmp_path):
    torch.manual_seed(5)
    model = ResNetLike().double().eval()
    path = tmp_path / "net.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (torch.zeros((1,) + SHAPE, dtype=torch.float64),), str(path),
                          dynamo=False)
    for seed in range(3):
        x = np.random.default_rng(seed).standard_normal(SHAPE)
        np.testing.assert_allclose(io_map(ls.active_subnetwork(path, x, SHAPE)),
                                   jacobian(model, x), atol=1e-10)
    with pytest.raises(ValueError, match="x must have shape"):
        ls.active_subnetwork(path, np.zeros((3, 8, 8)), SHAPE)


def brute_force_frustration(A, n):
    """``min_s sum |A_ij| [s_i A_ij s_j < 0]`` over all switchings of ``n`` nodes."""
    best = np.inf
    for bits in itertools.product((-1.0, 1.0), repeat=n - 1):
        s = np.array((1.0,) + bits)
        best = min(best, float(np.sum(np.abs(A) * (s[:, None] * A * s[None, :] < 0))))
    return best


def test_active_subnetwork_is_never_more_frustrated():
    for seed in range(4):
        torch.manual_seed(seed)
        model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 4), nn.ReLU(),
                              nn.Linear(4, 2)).double()
        full = ls.signed_network(model, (3,)).adjacency().toarray()
        x = np.random.default_rng(seed).standard_normal(3)
        active = ls.active_subnetwork(model, x, (3,)).adjacency().toarray()
        assert np.all((active == 0) | (active == full))
        assert brute_force_frustration(active, 13) <= brute_force_frustration(full, 13) + 1e-12


def planted_cnn(seed):
    """A ReLU CNN whose every weight is ``s_out s_in |w|``, and its balancing switching."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(3, 3, 3), nn.BatchNorm2d(3), nn.ReLU(), nn.Flatten(),
                          nn.Linear(12, 4)).double().eval()
    signs = [rng.choice([-1.0, 1.0], size=n) for n in (2, 3, 3, 4)]
    with torch.no_grad():
        for layer, s_in, s_out in ((model[0], signs[0], signs[1]), (model[3], signs[1], signs[2]),
                                   (model[7], np.repeat(signs[2], 4), signs[3])):
            shape = (-1, len(s_in)) + (1,) * (layer.weight.ndim - 2)
            planted = np.abs(layer.weight.numpy()) * s_out.reshape(shape[:1] + (1,) * (
                layer.weight.ndim - 1)) * s_in.reshape(shape)
            layer.weight.copy_(torch.from_numpy(planted))
        model[4].running_var.uniform_(0.5, 2.0)
    net = ls.signed_network(model, SHAPE)
    per_tensor = [signs[0], signs[1], signs[1], signs[2], signs[3]]
    s = np.concatenate([np.repeat(c, t.size // len(c)) for c, t in zip(per_tensor, net.tensors)])
    return model, net, s


def test_balanced_network_scores_exactly_one():
    for seed in range(3):
        model, net, s = planted_cnn(seed)
        A = net.adjacency()
        assert np.all(s[A.nonzero()[0]] * A.data * s[A.nonzero()[1]] >= 0)  # balanced
        X = np.random.default_rng(seed).standard_normal((5,) + SHAPE)
        result = ls.near_monotonicity(model, X, SHAPE, SimpleNamespace(signs=s), seed=seed)
        assert result.score == 1.0 and np.all(result.per_input == 1.0)
        flipped = ls.near_monotonicity(model, X, SHAPE, SimpleNamespace(signs=-s), seed=seed)
        assert flipped.score == 1.0  # the reversed orders: the same monotonicity


def test_near_monotonicity_counts_sign_agreements():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 2))
    w = model[0].weight.detach().numpy().astype(float)
    s = np.array([1.0, -1.0, 1.0, 1.0, -1.0])
    X = np.random.default_rng(0).standard_normal((4, 3))
    result = ls.near_monotonicity(model, X, (3,), SimpleNamespace(signs=s), epsilon=0.1,
                                  perturbations=50, seed=1)
    # a linear map: each output's change is w @ delta, its sign fixed by chance only
    assert 0.0 <= result.score <= 1.0
    rng = np.random.default_rng(1)
    agree = [np.mean(s[3:] * ((0.1 * s[:3] * np.abs(rng.standard_normal((4, 3)))) @ w.T) >= 0,
                     axis=1) for _ in range(50)]
    np.testing.assert_allclose(result.per_input, np.mean(agree, axis=0))
    with pytest.raises(ValueError, match="signs"):
        ls.near_monotonicity(model, X, (3,), SimpleNamespace(signs=s[:3]))
