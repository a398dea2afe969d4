"""Flow time and training steps (``DataSpectrum.flow_time_per_step``, landscape.problem.steps).

Oracle: torch itself. One step of ``torch.optim.SGD`` on ``MSELoss`` (mean or sum) moves the
weights by exactly the library's gradient times the factor; ``n`` steps of it are the library's
gradient descent of step ``tau`` to rounding, and approach the library's gradient flow at time
``n tau`` at first order in ``tau`` (halving the rate halves the gap).
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from landscape import DataSpectrum, Landscape, gradient_flow, time_unit

torch = pytest.importorskip("torch")


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Tiny tensors: torch's thread pool only waits on the other threads (50x slower)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def problem(seed: int, widths=(4, 3, 3, 2), n: int = 30):
    """Random data, its landscape (data coordinates) and the centred arrays torch trains on."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, widths[0])) @ rng.standard_normal((widths[0], widths[0]))
    Y = X @ rng.standard_normal((widths[0], widths[-1])) + rng.standard_normal((n, widths[-1]))
    Y += 3.0  # an offset: the library centres, and torch gets the centred data
    land = Landscape(DataSpectrum.from_data(X, Y), widths)
    return land, X - X.mean(axis=0), Y - Y.mean(axis=0), rng


def torch_network(weights):
    """A bias-free ``Sequential`` of ``Linear`` layers holding ``W_1..W_h`` (float64)."""
    layers = [torch.nn.Linear(w.shape[1], w.shape[0], bias=False, dtype=torch.float64)
              for w in weights]
    with torch.no_grad():
        for layer, w in zip(layers, weights):
            layer.weight.copy_(torch.from_numpy(w))
    return torch.nn.Sequential(*layers)


def sgd_steps(weights, X, Y, lr: float, n_steps: int, reduction: str = "mean"):
    """``n_steps`` of full-batch ``torch.optim.SGD`` on ``MSELoss(reduction)``; the weights."""
    net = torch_network(weights)
    optimiser = torch.optim.SGD(net.parameters(), lr=lr)
    loss = torch.nn.MSELoss(reduction=reduction)
    x, y = torch.from_numpy(X), torch.from_numpy(Y)
    for _ in range(n_steps):
        optimiser.zero_grad()
        loss(net(x), y).backward()
        optimiser.step()
    return [layer.weight.detach().numpy().copy() for layer in net]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("reduction, loss", [("mean", "mse"), ("sum", "sum")])
def test_one_sgd_step_is_the_library_gradient_times_the_factor(seed, reduction, loss):
    land, X, Y, rng = problem(seed)
    spec = land.spectrum
    weights = land.random_weights(scale=1.0, seed=rng)
    lr = 10.0 ** rng.uniform(-4, -1)
    moved = sgd_steps(weights, X, Y, lr, 1, reduction)
    tau = spec.flow_time_per_step(lr, loss=loss)
    expected = {"mse": 2 * lr / spec.d_y, "sum": 2 * spec.n_samples * lr}[loss]
    assert tau == pytest.approx(expected, rel=1e-15)
    for after, before, grad in zip(moved, weights, land.gradient(weights)):
        np.testing.assert_allclose(after - before, -tau * grad,
                                   atol=1e-12 * tau * np.abs(grad).max())
    assert spec.flow_time_per_step(lr, loss="library") == lr


@pytest.mark.parametrize("seed", range(3))
def test_sgd_steps_are_the_library_descent_and_follow_the_flow(seed):
    land, X, Y, rng = problem(seed)
    spec = land.spectrum
    start = land.random_weights(scale=0.5, seed=rng)
    horizon = 0.5 * time_unit(land)  # half a learnt mode's time along the widest input
    gaps = []
    for n_steps in (400, 800):
        lr = horizon / n_steps * spec.d_y / 2  # a step of horizon / n_steps in flow time
        tau = spec.flow_time_per_step(lr)
        moved = sgd_steps(start, X, Y, lr, n_steps)
        # the library's gradient descent of step tau: the same iteration to rounding
        descent = gradient_flow(land, start, t_max=n_steps * tau, method="gd", step=tau,
                                record_weights=True)
        np.testing.assert_allclose(land.end_to_end(moved), land.end_to_end(descent.weights),
                                   rtol=1e-9, atol=1e-12)
        # the flow at n tau: the gap is first order in tau
        flow = gradient_flow(land, start, t_max=n_steps * tau, record=[n_steps * tau],
                             record_weights=True)
        assert flow.t[-1] == pytest.approx(n_steps * tau)
        size = np.linalg.norm(land.end_to_end(flow.weights))
        gaps.append(np.linalg.norm(land.end_to_end(moved) - land.end_to_end(flow.weights)) / size)
    assert gaps[0] < 1e-3
    assert 1.6 < gaps[0] / gaps[1] < 2.4, gaps


@settings(max_examples=30, deadline=None)
@given(lr=st.floats(1e-6, 10.0), d_y=st.integers(1, 12), n=st.integers(2, 50))
def test_the_factors_are_the_loss_ratios(lr, d_y, n):
    # MSELoss = (2 / d_y) L and the summed loss = 2 N L: the step is the factor times lr
    rng = np.random.default_rng(n)
    X, Y = rng.standard_normal((n + 3, 3)), rng.standard_normal((n + 3, d_y))
    spec = DataSpectrum.from_data(X, Y)
    assert spec.flow_time_per_step(lr) == pytest.approx(2 * lr / d_y, rel=1e-15)
    assert spec.flow_time_per_step(lr, "sum") == pytest.approx(2 * (n + 3) * lr, rel=1e-15)
    assert spec.flow_time_per_step(lr, "mse") * spec.d_y / 2 == pytest.approx(lr, rel=1e-15)


def test_bad_input_is_named():
    spec = DataSpectrum.from_singular_values([2.0, 1.0])
    with pytest.raises(ValueError, match="loss must be one of 'mse', 'sum', 'library', got 'l1'"):
        spec.flow_time_per_step(0.1, loss="l1")
    with pytest.raises(ValueError, match="learning_rate must be > 0, got -0.1"):
        spec.flow_time_per_step(-0.1)
    with pytest.raises(TypeError, match="learning_rate"):
        spec.flow_time_per_step("0.1")
    with pytest.raises(ValueError, match="loss='sum' needs the number of samples N"):
        spec.flow_time_per_step(0.1, loss="sum")
    assert spec.flow_time_per_step(0.1) == pytest.approx(0.1)  # d_y = 2
