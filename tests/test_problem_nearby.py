"""Locating any network (THEORY §3): the class it is near, how near, and its kind off criticality.

Oracles: the closed-form critical values of THEORY §2, a brute-force search over the
projectors of a tie block for the distance, the flow's own plateaus (sequential learning,
THEORY §1, §4) and scikit-learn's mean squared error of the fitted estimator.
"""

import numpy as np
import pytest
from scipy.optimize import minimize_scalar
from sklearn.datasets import load_wine
from sklearn.metrics import mean_squared_error
from sklearn.preprocessing import StandardScaler

import landscape as ls
from landscape import (CriticalKind, DataSpectrum, DeepLinearRegressor, Landscape,
                       NotCriticalError, canonicalize, classify, gradient_flow, locate,
                       plateaus, relative_gradient_norm)

SIGMA = (3.0, 2.0, 1.0, 0.5)
WIDTHS = (11, 6, 6, 6, 6, 4)


def closed_form_value(sigma, subset, offset=0.0):
    return offset + 0.5 * sum(s * s for i, s in enumerate(sigma) if i not in subset)


def test_locate_reads_class_value_and_distance_off_a_critical_point():
    rng = np.random.default_rng(0)
    land = Landscape(DataSpectrum.from_singular_values([4.0, 2.0, 1.0]), (3, 3, 3, 3))
    for subset in [(), (0,), (1,), (0, 2), (0, 1, 2)]:
        point = ls.canonical_representative(land, subset)
        moved = [w + 1e-3 * rng.standard_normal(w.shape) for w in point]
        where = locate(land, moved)
        assert where.subset == subset and not where.ambiguous
        assert where.value == pytest.approx(closed_form_value((4, 2, 1), subset), abs=1e-14)
        assert where.loss == pytest.approx(land.loss(moved), abs=1e-14)
        assert where.gradient_norm == relative_gradient_norm(land, moved) > 1e-6
        # distance: the reduced end-to-end map against Sigma_S (distinct sigma: one map)
        target = np.diag([s if i in subset else 0.0 for i, s in enumerate((4.0, 2.0, 1.0))])
        expected = np.linalg.norm(land.end_to_end(moved) - target) / 4.0
        assert where.distance == pytest.approx(expected, rel=1e-10)
        assert 0 < where.distance < 1e-2
        with pytest.raises(NotCriticalError, match="landscape.locate"):
            canonicalize(land, moved)


def test_distance_in_a_tie_block_is_the_nearest_projector():
    # sigma = (2, 2, 1): one learnt mode in the tied block is sigma_g times a rank-1
    # projector u u^T; brute force over the angle of u
    rng = np.random.default_rng(1)
    land = Landscape(DataSpectrum.from_singular_values([2.0, 2.0, 1.0]), (3, 3, 3))
    for _ in range(5):
        theta = rng.uniform(0, np.pi)
        u = np.array([np.cos(theta), np.sin(theta), 0.0])
        product = 2.0 * np.outer(u, u) + 0.05 * rng.standard_normal((3, 3))
        weights = [np.eye(3), product]
        where = locate(land, weights)
        assert where.subset == (0,) and where.counts == (1, 0)

        def squared(angle):
            v = np.array([np.cos(angle), np.sin(angle), 0.0])
            return np.sum((product - 2.0 * np.outer(v, v)) ** 2)

        grid = np.linspace(0, np.pi, 721)
        best = grid[np.argmin([squared(a) for a in grid])]
        fine = minimize_scalar(squared, bounds=(best - 0.01, best + 0.01), method="bounded",
                               options={"xatol": 1e-12})
        assert where.distance == pytest.approx(np.sqrt(fine.fun) / 2.0, rel=1e-6)


def test_a_mode_near_the_halfway_mark_is_ambiguous():
    land = Landscape(DataSpectrum.from_singular_values([4.0, 1.0]), (2, 2, 2))
    for fraction, ambiguous, subset in [(0.45, True, ()), (0.55, True, (0,)),
                                        (0.3, False, ()), (0.75, False, (0,))]:
        a = np.sqrt(4.0 * fraction)
        where = locate(land, [np.diag([a, 0.0]), np.diag([a, 0.0])])
        assert (where.ambiguous, where.subset) == (ambiguous, subset)
        assert where.fractions[0] == pytest.approx(fraction)
    assert not locate(land, [np.diag([np.sqrt(1.8), 0.0])] * 2, halfway_margin=0.01).ambiguous


def test_locate_is_invariant_under_the_hidden_group():
    rng = np.random.default_rng(2)
    land = Landscape(DataSpectrum.from_singular_values([3.0, 2.0, 1.0]), (3, 4, 4, 3))
    weights = land.random_weights(scale=1.0, seed=rng)
    where = locate(land, weights)
    g1, g2 = (rng.standard_normal((4, 4)) + 3 * np.eye(4) for _ in range(2))
    moved = [g1 @ weights[0], g2 @ weights[1] @ np.linalg.inv(g1),
             weights[2] @ np.linalg.inv(g2)]
    other = locate(land, moved)
    assert (other.subset, other.value) == (where.subset, where.value)
    assert other.distance == pytest.approx(where.distance, rel=1e-9)


def test_bad_input_is_named():
    land = Landscape(DataSpectrum.from_singular_values([1.0]), (1, 1, 1))
    with pytest.raises(ValueError, match="halfway_margin must be >= 0"):
        locate(land, [np.eye(1)] * 2, halfway_margin=-0.1)
    with pytest.raises(TypeError, match="land must be a Landscape"):
        locate("land", [np.eye(1)] * 2)
    with pytest.raises(ValueError, match="h = 2 matrices"):
        locate(land, [np.eye(1)])


@pytest.fixture(scope="module")
def sequential():
    """The sequential-learning example from a small start, and weights on each plateau."""
    spec = DataSpectrum.from_singular_values(SIGMA, d_x=WIDTHS[0], d_y=WIDTHS[-1])
    land = Landscape(spec, WIDTHS)
    start = land.random_weights(scale=0.05, seed=0)
    result = gradient_flow(land, start, t_max=1e9)
    found = plateaus(result, land)
    times = [0.5 * (p.t_start + p.t_end) for p in found]
    stops = gradient_flow(land, start, t_max=times[-1] * (1 + 1e-9), record=times,
                          record_weights=True)
    return land, found, [land.unflatten(theta) for theta in stops.trajectory[1:]]


def test_networks_stopped_on_each_plateau_are_located_and_classified(sequential):
    land, found, stops = sequential
    assert len(stops) == len(found) == 5
    for k, (plateau, weights) in enumerate(zip(found, stops)):
        where = locate(land, weights)
        top_k = tuple(range(k))
        assert where.subset == top_k and not where.ambiguous
        assert where.value == pytest.approx(closed_form_value(SIGMA, top_k), abs=1e-12)
        assert where.loss == pytest.approx(plateau.loss, abs=1e-4)
        assert where.distance < 1e-3
        c = classify(land, weights)                 # no tolerance option
        assert c.located.subset == c.subset == top_k
        if where.gradient_norm > ls.CRITICAL_TOL:
            assert c.kind_from in ("flow", "representative")
        # top-k saddles of depth 5 are non-strict (THEORY §4); all four modes: the minimum
        expected = CriticalKind.GLOBAL_MINIMUM if k == 4 else CriticalKind.NON_STRICT_SADDLE
        assert c.kind is expected and c.witness_kind is expected, c
    with pytest.raises(NotCriticalError):
        classify(land, stops[1], off_critical="raise")


def test_the_flow_continuation_stays_in_the_class():
    # a network still converging to the minimum: the flow reaches criticality in its class
    land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0]), (2, 3, 3, 2))
    point = ls.canonical_representative(land, (0, 1))
    moved = [w + 3e-3 * np.eye(*w.shape) for w in point]
    c = classify(land, moved)
    assert c.kind_from == "flow" and c.continuation.reason == "critical"
    assert c.continuation.gradient_norm <= ls.CRITICAL_TOL < c.located.gradient_norm
    assert c.kind is CriticalKind.GLOBAL_MINIMUM and c.subset == (0, 1)
    assert c.value == pytest.approx(0.0, abs=1e-9)
    direct = classify(land, moved, off_critical="representative")
    assert direct.kind_from == "representative" and direct.kind is c.kind
    assert direct.value == 0.0


def test_the_estimators_fitted_model_is_located_and_classified():
    X, target = load_wine(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    Y = np.eye(3)[target]
    model = DeepLinearRegressor(widths=(4, 4), init_scale=1e-3).fit(X, Y)
    land = model.landscape_
    where = locate(land, model.weights_)
    # centred one-hot targets of 3 classes: m = 2 modes, the minimum learns both
    assert where.subset == (0, 1) and not where.ambiguous
    # the loss units: scikit-learn's per-entry MSE of the fitted model (with its intercept)
    mse = mean_squared_error(Y, model.predict(X))
    assert land.spectrum.from_mse(mse) == pytest.approx(where.loss, rel=1e-9)
    assert where.loss == pytest.approx(where.value, abs=1e-6)
    c = classify(land, model.weights_)
    assert c.kind is CriticalKind.GLOBAL_MINIMUM and c.subset == (0, 1)
    assert c.kind_from == ("point" if where.gradient_norm <= ls.CRITICAL_TOL else "flow")
