"""Flows that cannot hang: t_max below the resolvable time refused, every integration bounded,
gradient descent that cannot reach t_max refused, and extreme scales integrated as usual."""

import numpy as np
import pytest

from landscape import DataSpectrum, FlowStatus, Landscape, gradient_flow
from landscape.flow.integration import RESOLVABLE_TIME
from landscape.flow.units import time_unit


@pytest.fixture
def land():
    return Landscape(DataSpectrum.from_singular_values([3.0, 1.0]), (2, 2, 2, 2))


@pytest.mark.parametrize("t_max", [1e-300, 1e-200, 5e-324, 1e-14])
def test_t_max_below_the_resolvable_time_is_refused(land, t_max):
    with pytest.raises(ValueError, match=r"t_max must be at least 1e-12 of the problem's time"):
        gradient_flow(land, land.random_weights(seed=0), t_max=t_max)


def test_time_unit_is_the_inverse_curvature_scale():
    for sigma, h in [(4.0, 2), (2.0, 3), (10.0, 5)]:
        land = Landscape(DataSpectrum.from_singular_values([sigma]), (1,) * (h + 1))
        assert time_unit(land) == pytest.approx(sigma ** (-(2 - 2 / h)), rel=1e-15)


def test_gradient_descent_below_the_resolvable_step_is_refused_before_work(land):
    with pytest.raises(ValueError, match=r"step must be at least 1e-12 of the problem's time"):
        gradient_flow(land, land.random_weights(seed=0), method="gd", step=1e-300, t_max=1.0)


def test_gradient_descent_out_of_steps_says_so(land):
    result = gradient_flow(land, land.random_weights(scale=1e-3, seed=0), method="gd",
                           step=1e-3, t_max=1.0, max_steps=100)
    assert result.status is FlowStatus.FAILED
    assert "stopped at max_steps = 100 gradient-descent steps at t = 0.1 of t_max = 1" \
        in result.message
    assert result.t[-1] == pytest.approx(0.1)


def test_an_integration_out_of_evaluations_says_so(land):
    start = land.random_weights(scale=1e-3, seed=1)
    result = gradient_flow(land, start, max_steps=50)
    assert result.status is FlowStatus.FAILED
    assert "stopped after max_steps = 50 evaluations" in result.message
    assert 0 < result.t[-1] < 1e6


@pytest.mark.parametrize("scale", [1e-100, 1e100])
def test_extreme_scales_follow_the_scaled_flow(scale):
    """The flow is homogeneous: sigma -> c sigma, W -> c^{1/h} W, t -> c^{-(2-2/h)} t maps
    trajectories onto trajectories, so the loss relative to the scale at scaled times agrees."""
    h = 3
    base = Landscape(DataSpectrum.from_singular_values([3.0, 1.0]), (2, 2, 2, 2))
    big = Landscape(DataSpectrum.from_singular_values([3.0 * scale, scale]), (2, 2, 2, 2))
    start = base.random_weights(scale=0.1, seed=2)
    times = np.array([0.0, 0.5, 1.0, 2.0, 5.0])
    ref = gradient_flow(base, start, record=times, t_max=5.0, rtol=1e-10)
    unit = scale ** (-(2 - 2 / h))
    got = gradient_flow(big, [w * scale ** (1 / h) for w in start], record=times * unit,
                        t_max=5.0 * unit, rtol=1e-10)
    np.testing.assert_allclose(got.loss / scale ** 2, ref.loss, rtol=1e-6)
    assert np.all(np.isfinite(got.gradient_norm))
    assert RESOLVABLE_TIME * time_unit(big) < 5.0 * unit


@pytest.mark.parametrize("seed", range(6))
def test_thin_norm_of_gram_differences_equals_the_dense_one(seed):
    """||F G^T + G F^T||_F from the thin QR equals the d x d computation, for wide layers."""
    from landscape._base.products import symmetrized_norm

    rng = np.random.default_rng(seed)
    d, k = int(rng.integers(30, 300)), int(rng.integers(1, 6))
    F, G = rng.standard_normal((d, k)), rng.standard_normal((d, k)) * 10.0 ** rng.uniform(-3, 3)
    dense = np.linalg.norm(F @ G.T + G @ F.T)
    assert symmetrized_norm(F, G) == pytest.approx(dense, rel=1e-12)
    assert symmetrized_norm(np.zeros_like(F), G) == 0.0


def test_a_wide_hidden_layer_flows_without_d_squared_memory():
    """Hidden width 20,000: the drift of C_j is read without forming 20,000 x 20,000 blocks."""
    land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0]), (2, 20000, 2))
    result = gradient_flow(land, land.random_weights(scale=0.1, seed=0), t_max=5.0,
                           record=[0.0, 1.0, 5.0])
    assert result.invariant_drift[0] == 0.0 and result.invariant_drift.max() < 1e-6
