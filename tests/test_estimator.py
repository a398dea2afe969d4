"""DeepLinearRegressor: scikit-learn conventions, the fit as a gradient flow, the saddle path.

Oracles: ordinary and reduced-rank least squares (numpy's ``lstsq`` and SVD, Eckart-Young),
the closed-form critical values ``L_S = L0 + 1/2 sum_{i not in S} sigma_i^2`` (THEORY §2),
the sequential top-k chain of small starts (THEORY §4; Saxe et al. 2014), the conservation
of ``C_j`` (THEORY §1), the invariance of ``sigma`` under invertible input maps, and
scikit-learn's own ``check_estimator`` suite.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_diabetes, load_digits, load_linnerud
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from conftest import sample_data
from landscape import DataSpectrum
from landscape import estimator as estimator_module
from landscape.estimator import DeepLinearRegressor
from landscape import (EndToEndResult, FlowResult, balanced_factorization, gradient_flow,
                       plateaus, time_unit, weight_unit)

SIGMA = np.array([3.0, 2.0, 1.0, 0.5])


def sequential_data(seed: int, n: int = 64):
    """``X`` with identity covariance after centring (``d_x = 11``) and ``Y = X_c P^T + b``.

    ``P = U diag(3, 2, 1, 0.5) V^T`` with random orthogonal ``U`` (4 x 4) and orthonormal
    ``V`` (11 x 4), so the reduced spectrum is exactly ``sigma = (3, 2, 1, 0.5)``, ``L0 = 0``.
    """
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((n, 11))
    q, _ = np.linalg.qr(a - a.mean(axis=0))
    u, _ = np.linalg.qr(rng.standard_normal((4, 4)))
    v, _ = np.linalg.qr(rng.standard_normal((11, 4)))
    P = u @ np.diag(SIGMA) @ v.T
    X = np.sqrt(n) * q + rng.standard_normal(11)
    Y = (X - X.mean(axis=0)) @ P.T + rng.standard_normal(4)
    return X, Y, P


def least_squares(X, Y):
    """``(coef, intercept)`` of ordinary least squares with an intercept, by ``lstsq``."""
    design = np.hstack([X, np.ones((len(X), 1))])
    solution = np.linalg.lstsq(design, Y, rcond=None)[0]
    return solution[:-1].T, solution[-1]


def coef_tolerance(X, Y, tol: float = 1e-10, *, center: bool = True) -> float:
    """Largest ``||P - P*||_F`` of a fit stopped at ``L - L_min <= tol * 1/2 sum sigma_i^2``.

    ``L - L_min = 1/2 ||(P - P*) Sxx^{1/2}||_F^2 >= 1/2 lambda_min(Sxx) ||P - P*||_F^2`` and
    ``sum sigma_i^2 = ||P* Sxx^{1/2}||_F^2``; doubled for rounding.
    """
    if center:
        X, Y = X - X.mean(axis=0), Y - Y.mean(axis=0)
    sxx = X.T @ X / len(X)
    best = np.linalg.lstsq(X, Y, rcond=None)[0].T
    total = float(np.trace(best @ sxx @ best.T))
    return 2.0 * np.sqrt(tol * total / np.linalg.eigvalsh(sxx)[0])


@parametrize_with_checks([DeepLinearRegressor()])
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def sequential_fit():
    X, Y, P = sequential_data(0)
    est = DeepLinearRegressor((6, 6, 6, 6), init_scale=0.05, t_max=1e6, rtol=1e-6,
                              random_state=0).fit(X, Y)
    return X, Y, P, est


def test_small_start_visits_the_top_k_saddles_in_order(sequential_fit):
    X, Y, P, est = sequential_fit
    assert est.landscape_.widths == (11, 6, 6, 6, 6, 4)
    np.testing.assert_allclose(est.landscape_.spectrum.sigma, SIGMA, rtol=1e-12)
    assert est.critical_path_ == [(), (0,), (0, 1), (0, 1, 2), (0, 1, 2, 3)]
    # the flow rests at the closed-form top-k values 7.125, 2.625, 0.625, 0.125, then 0
    expected = [0.5 * float(np.sum(SIGMA[k:] ** 2)) for k in range(5)]
    found = [p.loss for p in plateaus(est.landscape_, est.trajectory_)]
    assert len(found) == 5
    np.testing.assert_allclose(found, expected, atol=1e-4 * expected[0])
    assert est.trajectory_.success
    # and ends at the least-squares map P and intercept
    coef, intercept = least_squares(X, Y)
    np.testing.assert_allclose(coef, P, atol=1e-10)
    bound = coef_tolerance(X, Y)
    assert np.linalg.norm(est.coef_ - coef) <= bound
    assert np.linalg.norm(est.intercept_ - intercept) <= bound * np.linalg.norm(X.mean(axis=0))


def test_predictions_and_loss_agree_with_the_layers(sequential_fit):
    X, Y, _, est = sequential_fit
    product = est.weights_[0]
    for w in est.weights_[1:]:
        product = w @ product
    centred = (X - X.mean(axis=0)) @ product.T + Y.mean(axis=0)
    pred = est.predict(X)
    np.testing.assert_allclose(pred, centred, rtol=1e-12, atol=1e-12)
    # the reported loss is the landscape's loss and the mean square error of the predictions
    assert est.loss_ == pytest.approx(est.landscape_.loss(est.weights_), rel=1e-12, abs=1e-15)
    mse = 0.5 * np.sum((Y - pred) ** 2) / len(Y)
    assert est.loss_ == pytest.approx(mse, rel=1e-8, abs=1e-14)
    assert est.score(X, Y) == pytest.approx(1.0, abs=1e-8)


def test_random_state_fixes_the_start():
    X, Y = sample_data(np.random.default_rng(3), 30, 3, 2)
    est = DeepLinearRegressor((3,), init_scale=0.3, random_state=7).fit(X, Y)
    land = est.landscape_
    start = land.unflatten(est.trajectory_.trajectory[0])
    # init_scale is measured in the flow's weight unit (sigma_1 / ||Sxx||^{1/2})^{1/h}
    expected = land.random_weights(scale=0.3 * weight_unit(land), seed=np.random.default_rng(7))
    for w, w0 in zip(start, expected):
        np.testing.assert_array_equal(w, w0)
    again = DeepLinearRegressor((3,), init_scale=0.3, random_state=7).fit(X, Y)
    np.testing.assert_array_equal(again.coef_, est.coef_)


@pytest.mark.parametrize("widths", [(3, 4), (4, 5, 3)])
def test_balanced_start_keeps_every_invariant_zero(widths):
    X, Y = sample_data(np.random.default_rng(4), 40, 4, 3)
    est = DeepLinearRegressor(widths, init_scale=0.3, balanced=True, end_to_end=False,
                              random_state=1).fit(X, Y)
    land = est.landscape_
    start = land.unflatten(est.trajectory_.trajectory[0])
    scale = sum(float(np.sum(w * w)) for w in start)
    for c in land.invariants(start):
        assert np.linalg.norm(c) <= 1e-13 * scale
    # the balanced start has the end-to-end map of the random layers it replaces
    random = land.random_weights(scale=0.3 * weight_unit(land), seed=np.random.default_rng(1))
    np.testing.assert_allclose(land.end_to_end(start), land.end_to_end(random), atol=1e-15)
    final_scale = sum(float(np.sum(w * w)) for w in est.weights_)
    for c in land.invariants(est.weights_):
        assert np.linalg.norm(c) <= 1e-6 * final_scale
    coef, _ = least_squares(X, Y)
    assert np.linalg.norm(est.coef_ - coef) <= coef_tolerance(X, Y)


@pytest.mark.parametrize("widths", [(3, 4), (4, 5, 3), (2, 6)])
def test_balanced_start_takes_the_end_to_end_path_to_the_same_fit(widths):
    """THEORY §7: from the same balanced start the end-to-end flow is the full flow's product."""
    X, Y = sample_data(np.random.default_rng(4), 40, 4, 3)
    params = {"widths": widths, "init_scale": 0.3, "balanced": True, "random_state": 1}
    fast = DeepLinearRegressor(**params).fit(X, Y)
    full = DeepLinearRegressor(**params, end_to_end=False).fit(X, Y)
    assert isinstance(fast.trajectory_, EndToEndResult) and fast.trajectory_.success
    assert isinstance(full.trajectory_, FlowResult)
    land = fast.landscape_
    # the start: the product of the full flow's first record
    start = land.end_to_end(land.unflatten(full.trajectory_.trajectory[0]))
    np.testing.assert_allclose(fast.trajectory_.products[0], start, atol=1e-14)
    # the fitted maps agree to the convergence tolerance, the layers are balanced
    bound = coef_tolerance(X, Y)
    assert np.linalg.norm(fast.coef_ - full.coef_) <= 2 * bound
    np.testing.assert_allclose(land.end_to_end(fast.weights_), fast.coef_, atol=1e-12)
    final_scale = sum(float(np.sum(w * w)) for w in fast.weights_)
    for c in land.invariants(fast.weights_):
        assert np.linalg.norm(c) <= 1e-12 * final_scale
    assert fast.loss_ == pytest.approx(land.loss(fast.weights_), rel=1e-10)
    assert fast.critical_path_ == full.critical_path_
    # a mid-flow time: the full flow's product there is the end-to-end P(t)
    t = float(fast.trajectory_.t[len(fast.trajectory_.t) // 2])
    mid = gradient_flow(land, land.unflatten(full.trajectory_.trajectory[0]), record=[t],
                        t_max=t, rtol=1e-10)
    k = len(fast.trajectory_.t) // 2
    np.testing.assert_allclose(land.end_to_end(mid.weights), fast.trajectory_.products[k],
                               atol=1e-6 * np.abs(start).max() + 1e-6 * land.scale)


def test_small_balanced_start_visits_the_top_k_saddles_through_the_end_to_end_flow():
    X, Y, P = sequential_data(0)
    est = DeepLinearRegressor((6, 6, 6, 6), init_scale=0.05, balanced=True, t_max=1e6,
                              rtol=1e-8, random_state=0).fit(X, Y)
    assert isinstance(est.trajectory_, EndToEndResult)
    assert est.critical_path_ == [(), (0,), (0, 1), (0, 1, 2), (0, 1, 2, 3)]
    expected = [0.5 * float(np.sum(SIGMA[k:] ** 2)) for k in range(5)]
    found = [p.loss for p in plateaus(est.landscape_, est.trajectory_)]
    np.testing.assert_allclose(found, expected, atol=1e-4 * expected[0])
    assert np.linalg.norm(est.coef_ - P) <= coef_tolerance(X, Y)


def test_balanced_factorization_rejects_a_map_above_the_bottleneck():
    with pytest.raises(ValueError, match=r"widths\[1\] must be at least the rank k = 2"):
        balanced_factorization(np.eye(2), (2, 1, 2), seed=0)


def test_bottleneck_gives_reduced_rank_regression():
    X, Y = sample_data(np.random.default_rng(5), 50, 4, 3)
    est = DeepLinearRegressor((2, 2), init_scale=0.2, random_state=0).fit(X, Y)
    # Eckart-Young in the metric Sxx^{1/2}: truncate B = P* Sxx^{1/2} to rank 2
    Xc, Yc = X - X.mean(axis=0), Y - Y.mean(axis=0)
    evals, evecs = np.linalg.eigh(Xc.T @ Xc / len(X))
    root = (evecs * np.sqrt(evals)) @ evecs.T
    u, s, vt = np.linalg.svd(np.linalg.lstsq(Xc, Yc, rcond=None)[0].T @ root)
    expected = (u[:, :2] * s[:2]) @ vt[:2] @ np.linalg.inv(root)
    np.testing.assert_allclose(est.coef_, expected, atol=1e-4 * np.abs(expected).max())
    residual = 0.5 * np.sum((Yc - Xc @ np.linalg.lstsq(Xc, Yc, rcond=None)[0]) ** 2) / len(X)
    assert est.loss_ == pytest.approx(residual + 0.5 * s[2] ** 2, rel=1e-6)


def test_gradient_descent_reaches_least_squares():
    X, Y = sample_data(np.random.default_rng(6), 40, 3, 2)
    X = StandardScaler().fit_transform(X)
    est = DeepLinearRegressor((3,), solver="gd", learning_rate=0.02, init_scale=0.3,
                              loss_tol=1e-8, random_state=0).fit(X, Y)
    res = est.trajectory_
    assert res.method == "gd" and res.success
    steps = res.t / (0.02 * time_unit(est.landscape_))  # learning_rate in time units
    np.testing.assert_allclose(steps, np.rint(steps), atol=1e-6)
    coef, intercept = least_squares(X, Y)
    bound = coef_tolerance(X, Y, tol=1e-8)
    assert np.linalg.norm(est.coef_ - coef) <= bound
    np.testing.assert_allclose(est.intercept_, intercept, atol=1e-12)  # X is centred


@pytest.mark.parametrize("y_shape", ["1d", "column"])
def test_prediction_shape_follows_y(y_shape):
    X, Y = sample_data(np.random.default_rng(7), 30, 3, 1)
    y = Y[:, 0] if y_shape == "1d" else Y
    est = DeepLinearRegressor((2,), random_state=0).fit(X, y)
    assert est.predict(X).shape == y.shape
    assert np.ndim(est.coef_) == y.ndim and np.ndim(est.intercept_) == y.ndim - 1
    coef, intercept = least_squares(X, Y)
    bound = coef_tolerance(X, Y)
    assert np.linalg.norm(np.ravel(est.coef_) - coef[0]) <= bound
    assert np.linalg.norm(est.intercept_ - intercept[0]) <= bound * np.linalg.norm(X.mean(axis=0))


def test_center_false_fits_through_the_origin():
    X, Y = sample_data(np.random.default_rng(8), 30, 3, 2)
    est = DeepLinearRegressor((3,), center=False, random_state=0).fit(X, Y)
    np.testing.assert_array_equal(est.intercept_, np.zeros(2))
    expected = np.linalg.lstsq(X, Y, rcond=None)[0].T
    assert np.linalg.norm(est.coef_ - expected) <= coef_tolerance(X, Y, center=False)


@pytest.mark.parametrize("preprocess", [StandardScaler, lambda: PCA(whiten=True)])
def test_pipeline_with_preprocessing(preprocess):
    X, Y = sample_data(np.random.default_rng(9), 60, 4, 2)
    pipe = make_pipeline(preprocess(), DeepLinearRegressor((3, 3), random_state=0)).fit(X, Y)
    reference = LinearRegression().fit(X, Y)
    assert pipe.score(X, Y) == pytest.approx(reference.score(X, Y), abs=1e-6)
    np.testing.assert_allclose(pipe.predict(X), reference.predict(X),
                               atol=1e-3 * np.abs(Y).max())
    # an invertible affine change of the inputs leaves the data's singular values alone
    est = pipe[-1]
    np.testing.assert_allclose(est.landscape_.spectrum.sigma,
                               DataSpectrum.from_data(X, Y).sigma, rtol=1e-10)


def test_pca_whitening_makes_the_input_covariance_the_identity():
    X, Y = sample_data(np.random.default_rng(10), 60, 3, 2)
    pipe = make_pipeline(PCA(whiten=True), DeepLinearRegressor((2,), random_state=0)).fit(X, Y)
    spec = pipe[-1].landscape_.spectrum
    scaled = spec.input_sqrt * np.sqrt(len(X) / (len(X) - 1))  # PCA divides by N - 1
    np.testing.assert_allclose(scaled, np.eye(3), atol=1e-10)


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 10_000), shift=st.floats(-50, 50), offset=st.floats(-50, 50))
@example(seed=1921, shift=0.0, offset=0.0)  # an input covariance with condition number 1e5
def test_translating_the_data_moves_only_the_intercept(seed, shift, offset):
    X, Y = sample_data(np.random.default_rng(seed), 25, 3, 2)
    # raw inputs: the flow's slowest rate scales with the smallest eigenvalue of Sxx, which
    # sample_data can make ~1e-5 (seed 1921), so allow long times (LSODA's steps grow)
    params = {"widths": (2,), "init_scale": 0.5, "random_state": seed, "t_max": 1e6}
    est = DeepLinearRegressor(**params).fit(X, Y)
    moved = DeepLinearRegressor(**params).fit(X + shift, Y + offset)
    scale = np.abs(est.coef_).max()
    np.testing.assert_allclose(moved.coef_, est.coef_, atol=1e-6 * scale)
    expected = est.intercept_ + offset - shift * est.coef_.sum(axis=1)
    np.testing.assert_allclose(moved.intercept_, expected, atol=1e-6 * (scale * abs(shift) + 1))


def test_too_short_a_flow_warns():
    X, Y = sample_data(np.random.default_rng(11), 30, 3, 2)
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        DeepLinearRegressor((3,), t_max=1e-3, random_state=0).fit(X, Y)


@pytest.mark.parametrize("params,error,match", [
    ({"init_scale": -0.1}, ValueError, r"init_scale must be > 0, got -0.1"),
    ({"init_scale": 0.0}, ValueError, r"init_scale must be > 0, got 0.0"),
    ({"solver": "adam"}, ValueError, r"solver must be one of 'flow', 'gd', got 'adam'"),
    ({"widths": (4, 2.5)}, TypeError, r"widths\[1\] must be an integer, got 2.5"),
    ({"widths": (4, 0)}, ValueError, r"widths\[1\] must be >= 1, got 0"),
    ({"widths": 4}, TypeError, r"widths must be a sequence of hidden-layer widths"),
    ({"widths": "44"}, TypeError, r"widths must be a sequence of hidden-layer widths"),
    ({"balanced": "yes"}, TypeError, r"balanced must be True or False, got 'yes'"),
    ({"end_to_end": "yes"}, ValueError, r"end_to_end must be one of 'auto', True, False, got "
                                        r"'yes'"),
    ({"end_to_end": True}, ValueError, r"end_to_end=True needs balanced=True and "
                                       r"solver='flow' .* got balanced=False, solver='flow'"),
    ({"end_to_end": True, "balanced": True, "solver": "gd"}, ValueError,
     r"got balanced=True, solver='gd'"),
    ({"t_max": 0}, ValueError, r"t_max must be > 0, got 0"),
    ({"learning_rate": float("nan")}, ValueError, r"learning_rate must be finite"),
    ({"loss_tol": -1.0}, ValueError, r"loss_tol must be > 0"),
    ({"random_state": -3}, ValueError, r"random_state must be >= 0, got -3"),
    ({"t_max": 1e-20}, ValueError, r"t_max must be at least 1e-12 time units .* got 1e-20"),
    ({"solver": "gd", "learning_rate": 1e-20}, ValueError,
     r"learning_rate must be at least 1e-12 time units .* got 1e-20"),
    ({"init_scale": 1e200}, ValueError,
     r"init_scale must give a start whose loss and gradient are finite, got 1e\+200"),
])
def test_bad_parameters_raise_at_fit(params, error, match):
    X, Y = sample_data(np.random.default_rng(12), 20, 3, 2)
    est = DeepLinearRegressor(**params)  # construction never validates (scikit-learn rule)
    with pytest.raises(error, match=match):
        est.fit(X, Y)


@pytest.mark.parametrize("scale", [1e-150, 1e150])
def test_a_huge_t_max_is_no_bound_at_any_scale_of_the_data(scale):
    """t_max in time units times a time unit of 1e+-100 may pass the largest float: a bound
    that large is no bound, never an error."""
    X, y = load_diabetes(return_X_y=True)
    est = DeepLinearRegressor((3,), t_max=1e300, random_state=0).fit(scale * X, y)
    assert est.trajectory_.success


def test_singular_input_covariance_is_rejected():
    X, Y = sample_data(np.random.default_rng(13), 20, 3, 2)
    collinear = np.hstack([X, X[:, :1] - 2.0 * X[:, 1:2]])
    with pytest.raises(ValueError, match="nonsingular input covariance"):
        DeepLinearRegressor().fit(collinear, Y)
    with pytest.raises(ValueError, match="nonsingular input covariance"):
        DeepLinearRegressor().fit(X[:3], Y[:3])  # 3 centred samples span 2 dimensions


def null_inputs(X) -> np.ndarray:
    """An orthonormal basis of the directions the centred ``X`` never varies along (SVD)."""
    Xc = X - X.mean(axis=0)
    _, s, vt = np.linalg.svd(Xc)
    rank = int(np.count_nonzero(s > 1e-10 * s[0]))
    return vt[rank:].T


@pytest.mark.parametrize("seed", range(4))
def test_column_space_fits_constant_and_collinear_features_to_the_minimum_norm_map(seed):
    rng = np.random.default_rng(seed)
    X, Y = sample_data(rng, 30, 3, 2)
    X = np.column_stack([X, np.full(30, 5.0), 1e3 * (X[:, 0] - X[:, 1])])  # rank 3 of 5
    est = DeepLinearRegressor((3, 3), input_space="column_space", random_state=seed,
                              t_max=1e6, loss_tol=1e-12).fit(X, Y)
    assert est.trajectory_.success
    # the flow never moves W_1 along the null inputs and the start has no component there
    assert np.abs(est.coef_ @ null_inputs(X)).max() <= 1e-9 * np.abs(est.coef_).max()
    Xc, Yc = X - X.mean(axis=0), Y - Y.mean(axis=0)
    minimum_norm = np.linalg.lstsq(Xc, Yc, rcond=None)[0].T
    np.testing.assert_allclose(est.coef_, minimum_norm, atol=1e-4 * np.abs(minimum_norm).max())
    np.testing.assert_allclose(est.predict(X), LinearRegression().fit(X, Y).predict(X),
                               atol=1e-4 * np.abs(Y).max())


def test_column_space_fits_raw_digits_like_least_squares():
    """scikit-learn's digits, raw pixels: constant pixels make ``Sxx`` singular."""
    X, y = load_digits(return_X_y=True)
    with pytest.raises(ValueError, match="nonsingular input covariance"):
        DeepLinearRegressor((16, 16)).fit(X, y)
    est = DeepLinearRegressor((16, 16), input_space="column_space", balanced=True,
                              random_state=0, t_max=1e6).fit(X, y)
    assert est.trajectory_.success
    assert np.abs(est.coef_ @ null_inputs(X)).max() <= 1e-9 * np.abs(est.coef_).max()
    reference = LinearRegression().fit(X, y)
    assert est.score(X, y) == pytest.approx(reference.score(X, y), abs=1e-8)


@pytest.mark.parametrize("learning_rate", [0.2, 0.1, 0.05, 0.03, 0.01])
@pytest.mark.parametrize("load", [load_diabetes, load_linnerud], ids=["diabetes", "linnerud"])
def test_gradient_descent_takes_whole_steps_up_to_t_max(load, learning_rate):
    """The fit takes the ``floor(t_max / learning_rate)`` whole steps; in flow time
    ``n_steps * step`` can round past ``t_max``, which the records must not."""
    X, y = load(return_X_y=True)
    est = DeepLinearRegressor((3,), solver="gd", learning_rate=learning_rate, t_max=1.0,
                              random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # one time unit is short
        res = est.fit(X, y).trajectory_
    n_steps = np.floor(1.0 / learning_rate + 1e-9)
    assert res.success or res.t[-1] == pytest.approx(
        n_steps * learning_rate * time_unit(est.landscape_), rel=1e-12)


def test_gradient_descent_out_of_steps_warns_naming_the_cap(monkeypatch):
    """The step cap ends a fit unconverged (a warning naming the cap and the learning rate),
    never as a failure."""
    monkeypatch.setattr(estimator_module, "GD_MAX_STEPS", 50)
    X, y = load_diabetes(return_X_y=True)
    est = DeepLinearRegressor((3,), solver="gd", random_state=0)
    with pytest.warns(ConvergenceWarning, match=r"within GD_MAX_STEPS = 50 gradient-descent "
                                                r"steps .*raise learning_rate"):
        est.fit(X, y)
    assert est.trajectory_.t[-1] == pytest.approx(50 * 0.01 * time_unit(est.landscape_),
                                                  rel=1e-12)


# ---------------------------------------------------------------- defaults, paths, guards
@pytest.mark.parametrize("d_x, d_y", [(6, 4), (3, 5), (5, 1), (4, 4)])
def test_default_widths_follow_the_data_and_reach_least_squares(d_x, d_y):
    """``widths=None``: two hidden layers of ``min(d_x, d_y)``, no bottleneck, so the fit is
    ordinary least squares (``lstsq``), never a reduced-rank one."""
    for seed in range(3):
        X, Y = sample_data(np.random.default_rng(100 + seed), 40, d_x, d_y)
        est = DeepLinearRegressor(random_state=seed).fit(X, Y)
        width = min(d_x, d_y)
        assert est.landscape_.widths == (d_x, width, width, d_y)
        assert estimator_module.default_widths(d_x, d_y) == (width, width)
        coef, intercept = least_squares(X, Y)
        assert np.linalg.norm(est.coef_ - coef) <= coef_tolerance(X, Y)
        # b = mean(Y) - P mean(X): off by (P - P*) mean(X) at most
        bound = coef_tolerance(X, Y) * np.linalg.norm(X.mean(axis=0))
        assert np.linalg.norm(est.intercept_ - intercept) <= bound + 1e-12 * np.abs(Y).max()


@pytest.mark.slow
def test_default_widths_on_digits_score_like_least_squares():
    """The issue's case: one-hot digits (64 features, 10 classes) by default used to be capped
    at rank 4 (widths (4, 4)); the default now fits the least-squares map."""
    X, target = load_digits(return_X_y=True)
    Y = np.eye(10)[target]
    est = DeepLinearRegressor(input_space="column_space", random_state=0).fit(X, Y)
    assert est.landscape_.widths == (64, 10, 10, 10) and est.trajectory_.success
    assert est.score(X, Y) == pytest.approx(LinearRegression().fit(X, Y).score(X, Y), abs=1e-6)


@pytest.mark.parametrize("widths, end_to_end", [((2, 2), False), ((3, 3), False),
                                                ((8, 8), True), ((16,), True)])
def test_auto_takes_the_end_to_end_flow_only_where_the_weights_outnumber_its_entries(
        widths, end_to_end):
    """``end_to_end="auto"`` with ``balanced=True``: the end-to-end flow when the weights are
    more than ``END_TO_END_MIN_RATIO`` times the ``d_x d_y`` entries of ``P``, the weight-space
    flow from the same balanced start otherwise; the same fit either way."""
    X, Y = sample_data(np.random.default_rng(21), 40, 8, 4)
    params = {"widths": widths, "init_scale": 0.3, "balanced": True, "random_state": 2}
    auto = DeepLinearRegressor(**params).fit(X, Y)
    land = auto.landscape_
    assert (land.n_params > estimator_module.END_TO_END_MIN_RATIO * 8 * 4) is end_to_end
    assert isinstance(auto.trajectory_, EndToEndResult if end_to_end else FlowResult)
    other = DeepLinearRegressor(**params, end_to_end=not end_to_end).fit(X, Y)
    assert isinstance(other.trajectory_, FlowResult if end_to_end else EndToEndResult)
    assert np.linalg.norm(auto.coef_ - other.coef_) <= 2 * coef_tolerance(X, Y)
    assert auto.critical_path_ == other.critical_path_


@pytest.mark.parametrize("params", [{}, {"balanced": True}, {"solver": "gd"},
                                    {"widths": (10 ** 6, 10 ** 6), "balanced": True}])
@pytest.mark.parametrize("case, match", [
    ("nan", "Input y contains NaN"), ("nan 1-D", "Input y contains NaN"),
    ("inf", "Input y contains infinity"),
    ("one sample", "Found array with 1 sample.* a minimum of 2 is required"),
    ("nan X", "Input X contains NaN")])
def test_bad_data_is_refused_before_any_work(monkeypatch, params, case, match):
    X, Y = sample_data(np.random.default_rng(30), 20, 3, 2)
    if case == "nan":
        Y[4, 1] = np.nan
    elif case == "nan 1-D":
        Y = Y[:, 0].copy()
        Y[7] = np.nan
    elif case == "inf":
        Y[0, 0] = np.inf
    elif case == "one sample":
        X, Y = X[:1], Y[:1]
    else:
        X[2, 2] = np.nan

    def no_work(*args, **kwargs):
        raise AssertionError("work started before the data were checked")

    monkeypatch.setattr(estimator_module.DataSpectrum, "from_data", no_work)
    with pytest.raises(ValueError, match=match):
        DeepLinearRegressor(**params).fit(X, Y)


@pytest.mark.parametrize("params, match", [
    ({"widths": (10 ** 6, 10 ** 6)}, r"MAX_WEIGHT_SPACE_PARAMS = 2,000,000 weights .*got "
                                     r"1,000,005,000,000 .*balanced=True"),
    ({"widths": (10 ** 6, 10 ** 6), "balanced": True},
     r"widths \(3, 1000000, 1000000, 2\) must fit in MAX_WEIGHT_BYTES"),
    ({"widths": (10 ** 6,), "balanced": True, "end_to_end": False},
     r"MAX_WEIGHT_SPACE_PARAMS = 2,000,000 weights .*got 5,000,000")])
def test_widths_beyond_memory_are_refused_before_anything_is_allocated(monkeypatch, params,
                                                                       match):
    X, Y = sample_data(np.random.default_rng(31), 20, 3, 2)

    def no_allocation(*args, **kwargs):
        raise AssertionError("weights drawn before the widths were checked")

    monkeypatch.setattr(estimator_module.Landscape, "random_weights", no_allocation)
    with pytest.raises(ValueError, match=match):
        DeepLinearRegressor(**params).fit(X, Y)
