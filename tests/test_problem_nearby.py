"""Locating any network (THEORY §3): the class it is near, how near, and its kind off criticality.

Oracles: the closed-form critical values of THEORY §2, a brute-force search over the
projectors of a tie block for the distance, the flow's own plateaus (sequential learning,
THEORY §1, §4), scikit-learn's mean squared error of the fitted estimator, the closed form of
a one-mode chain's gradient, and torch's own default initialisation for networks near no
class.
"""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize_scalar
from sklearn.datasets import load_diabetes, load_wine
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
    found = plateaus(land, result)
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
        assert where.subset == top_k and not where.ambiguous and where.near
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


# ------------------------------------------------------------------ not near any class
def test_the_near_verdict_follows_the_closed_form_of_a_one_mode_chain():
    # h = 2, sigma = (4, 1), W_1 = W_2 = diag(a, 0): balanced, M = diag(a^2, 0). The relative
    # gradient is a |4 - a^2| / 4^{3/2} and the distance |4 - a^2| / 4 from class (0,)
    # (a^2 > 2) or a^2 / 4 from class () (a^2 < 2)
    land = Landscape(DataSpectrum.from_singular_values([4.0, 1.0]), (2, 2, 2))
    for fraction in (0.005, 0.1, 0.3, 0.7, 0.9, 0.99):
        a = np.sqrt(4.0 * fraction)
        where = locate(land, [np.diag([a, 0.0])] * 2)
        gradient = a * abs(4.0 - a * a) / 8.0
        distance = (abs(4.0 - a * a) if fraction > 0.5 else a * a) / 4.0
        assert where.gradient_norm == pytest.approx(gradient, rel=1e-12)
        assert where.distance == pytest.approx(distance, rel=1e-12)
        expected = bool(gradient <= ls.NEAR_GRADIENT and distance <= ls.NEAR_DISTANCE)
        assert where.near is expected
        assert (where.near_gradient, where.near_distance) == (0.1, 0.25)
        assert where.verdict.startswith("near class" if expected else "not near any class")
        assert where.verdict.split(" (")[0] in repr(where)
    # mid-transition (70 %): far; the end of it (99 %): near
    assert not locate(land, [np.diag([np.sqrt(2.8), 0.0])] * 2).near
    assert locate(land, [np.diag([np.sqrt(3.96), 0.0])] * 2).near


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**16), scale=st.floats(0.01, 3.0),
       near_gradient=st.floats(0.0, 5.0), near_distance=st.floats(0.0, 5.0))
def test_near_is_exactly_the_documented_rule_with_the_thresholds_given(seed, scale,
                                                                      near_gradient,
                                                                      near_distance):
    land = Landscape(DataSpectrum.from_singular_values([3.0, 2.0, 1.0]), (3, 4, 4, 3))
    weights = land.random_weights(scale=scale, seed=seed)
    where = locate(land, weights, near_gradient=near_gradient, near_distance=near_distance)
    assert where.near is bool(where.gradient_norm <= near_gradient
                              and where.distance <= near_distance)
    assert (where.near_gradient, where.near_distance) == (near_gradient, near_distance)
    default = locate(land, weights)  # the thresholds change the verdict only
    assert (default.subset, default.gradient_norm, default.distance) == \
        (where.subset, where.gradient_norm, where.distance)


def torch_default_network(widths, seed):
    """The weights of a bias-free torch ``Sequential`` of ``Linear`` layers at torch's own
    default initialisation (Kaiming-uniform), untrained."""
    torch = pytest.importorskip("torch")
    torch.manual_seed(seed)
    return [torch.nn.Linear(a, b, bias=False, dtype=torch.float64).weight.detach().numpy()
            for a, b in zip(widths[:-1], widths[1:])]


@pytest.mark.parametrize("load, hidden", [(load_wine, (16, 16)), (load_wine, (8,)),
                                          (load_diabetes, (10, 10))])
def test_an_untrained_torch_network_is_near_no_class_and_classify_says_so(load, hidden):
    X, target = load(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    Y = np.eye(3)[target] if load is load_wine else target[:, None] / target.std()
    spec = DataSpectrum.from_data(X, Y)
    widths = (X.shape[1], *hidden, Y.shape[1])
    land = Landscape(spec, widths)
    for seed in range(3):
        weights = torch_default_network(widths, seed)
        where = locate(land, weights)
        assert not where.near
        assert where.gradient_norm > ls.NEAR_GRADIENT or where.distance > ls.NEAR_DISTANCE
        assert where.verdict.startswith("not near any class")
        assert "not near any class" in repr(where)
        c = classify(land, weights)
        assert not c.near and c.verdict == "not_near_critical"
        assert c.kind_from == "representative" and c.continuation is None
        assert repr(c).startswith("Classification(verdict='not_near_critical'")
        assert c.located is not None and c.located.loss == pytest.approx(land.loss(weights))


def test_the_command_line_table_gives_the_verdict_and_the_networks_own_loss(tmp_path,
                                                                           capsys):
    from landscape.cli import main

    X, target = load_wine(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    Y = np.eye(3)[target]
    np.savez(tmp_path / "wine.npz", X=X, Y=Y)
    land = Landscape(DataSpectrum.from_data(X, Y), (13, 6, 3))
    far = torch_default_network(land.widths, 0)
    near = ls.canonical_representative(land, (0,))
    near = [w + 1e-4 * np.ones_like(w) for w in near]
    for weights, verdict in [(far, "not_near_critical"), (near, None)]:
        path = tmp_path / "w.npz"
        np.savez(path, W1=weights[0], W2=weights[1])
        argv = ["classify", "--data", str(tmp_path / "wine.npz"), "--weights", str(path)]
        assert main(argv) == 0
        table = capsys.readouterr().out
        header, row = [line for line in table.splitlines() if line[:1] != "#"][:2]
        assert {"verdict", "loss", "near"} <= set(header.split())
        found = classify(land, weights)
        assert found.verdict == (verdict or found.kind.value)
        # the row's last cells: verdict, kind_from, loss, gradient_norm, distance, near, ambiguous
        cells = row.split()[-7:]
        assert cells[0] == found.verdict and cells[-2] == str(verdict is None)
        assert float(cells[2]) == pytest.approx(land.loss(weights), rel=1e-9)
        assert ("# the network: not near any class" in table) is (verdict is not None)
        assert main([*argv, "--json", "-", "--quiet"]) == 0
        record = json.loads(capsys.readouterr().out)["classifications"][0]
        assert record["verdict"] == found.verdict and record["near"] is (verdict is None)
        assert (record["near_gradient"], record["near_distance"]) == (0.1, 0.25)
        assert record["loss"] == pytest.approx(land.loss(weights), rel=1e-12)


def test_bad_thresholds_are_named():
    land = Landscape(DataSpectrum.from_singular_values([1.0]), (1, 1, 1))
    with pytest.raises(ValueError, match="near_gradient must be >= 0, got -1"):
        locate(land, [np.eye(1)] * 2, near_gradient=-1)
    with pytest.raises(TypeError, match="near_distance"):
        locate(land, [np.eye(1)] * 2, near_distance="far")
