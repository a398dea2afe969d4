"""The end-to-end flow of THEORY §7 against independent oracles.

Oracles: the full weight-space gradient flow (a second formulation: its product from
0-balanced weights must be ``P(t)``); the one-mode closed form of THEORY §1
(:mod:`landscape.flow.one_mode`); the lambda-balanced closed form of §7 for the full flow
(Tarmoun et al., ICML 2021), which the end-to-end flow does not cover; the catalog of
critical points and brute force over subsets (Eckart-Young on ``M_k``); the exact gradient of
:class:`Landscape` for the recorded gradient norms; central differences for the Jacobian.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_diabetes

from conftest import sample_data
from landscape import (Catalog, DataSpectrum, FlowError, FlowStatus, Landscape,
                       balanced_factorization, check_balanced, end_to_end_flow,
                       enumerate_critical_points, gradient_flow, imbalance, is_rank_minimum,
                       learnt_modes, one_mode_weight, rank_minimum_value, time_unit,
                       trajectory_visits, weight_unit)
from landscape.flow.range_powers import _jacobian, _on_manifold, _Operator

CATALOGS = sorted((__import__("pathlib").Path(__file__).parent.parent / "catalogs").glob("*.json"))
SHAPES = ("square", "rectangular", "bottleneck")


def make_problem(seed: int, *, h: int, shape: str, kind: str):
    """A seeded problem with widths of the given ``shape`` and a spectrum of the given kind."""
    rng = np.random.default_rng(seed)
    if shape == "square":
        d_x = d_y = 3
        hidden = [3] * (h - 1)
    elif shape == "rectangular":
        d_x, d_y = 4, 2
        hidden = [int(w) for w in rng.integers(3, 6, size=h - 1)]
    else:
        d_x, d_y = 3, 4
        hidden = [int(w) for w in rng.integers(3, 6, size=h - 1)]
        hidden[int(rng.integers(h - 1))] = 2
    widths = (d_x, *hidden, d_y)
    if kind == "singular_values":
        spec = DataSpectrum.from_singular_values(rng.uniform(0.4, 2.5, size=min(d_x, d_y)),
                                                 d_x=d_x, d_y=d_y)
    else:
        X, Y = sample_data(rng, 40, d_x, d_y)
        spec = DataSpectrum.from_data(X, Y, whiten=kind == "whitened")
    return Landscape(spec, widths), rng


def aligned_start(land: Landscape, scale: float, rank: int) -> list[np.ndarray]:
    """Balanced aligned weights: ``P = scale * sum_{i < rank} e_i e_i^T`` in reduced coordinates."""
    reduced = np.zeros((land.spectrum.d_y, land.spectrum.d_x))
    reduced[np.arange(rank), np.arange(rank)] = scale
    weights = balanced_factorization(reduced, land.widths)
    return land.spectrum.from_reduced(weights) if not land.spectrum.reduced else weights


CASES = [(seed, h, shape, ("singular_values", "raw", "whitened")[seed % 3], start)
         for seed, (h, shape, start) in enumerate(itertools.product(
             (2, 3, 4, 5), SHAPES, ("random", "aligned")))]


@pytest.mark.parametrize("seed, h, shape, kind, start", CASES)
def test_product_of_the_full_flow_is_the_end_to_end_flow(seed, h, shape, kind, start):
    land, rng = make_problem(seed, h=h, shape=shape, kind=kind)
    if start == "random":
        weights0 = balanced_factorization(land.end_to_end(land.random_weights(scale=0.6,
                                                                              seed=rng)),
                                          land.widths, seed=rng)
    else:
        weights0 = aligned_start(land, 0.3, land.max_rank)
        if not land.spectrum.reduced:  # the data's coordinates do not keep the balance
            weights0 = balanced_factorization(land.end_to_end(weights0), land.widths, seed=rng)
    assert imbalance(weights0) < 1e-14
    times = np.linspace(0.0, 2.0 / land.scale, 9)
    full = gradient_flow(land, weights0, record=times, t_max=times[-1], rtol=1e-11,
                         record_weights=True)
    fast = end_to_end_flow(land, weights0, record=times, t_max=times[-1], rtol=1e-11)
    assert fast.coordinates == full.coordinates == ("data" if kind == "raw" else "reduced")
    assert fast.start_rank == land.max_rank and np.all(fast.rank == land.max_rank)
    assert full.t.size == fast.t.size and np.array_equal(full.t, fast.t)
    products = np.array([land.end_to_end(land.unflatten(theta)) for theta in full.trajectory])
    scale = max(land.scale, np.abs(products).max())
    np.testing.assert_allclose(fast.products, products, rtol=0, atol=1e-7 * scale)
    np.testing.assert_allclose(fast.loss, full.loss, rtol=1e-7, atol=1e-9 * land.loss_scale)
    # the recorded norm sqrt(<g, A_P g>) is the weight-space gradient norm of the full flow
    np.testing.assert_allclose(fast.gradient_norm, full.gradient_norm, rtol=1e-6,
                               atol=1e-9 * land.gradient_scale)
    np.testing.assert_allclose(fast.singular_values, full.singular_values, atol=1e-7 * scale)


@pytest.mark.parametrize("factor", [1e3, 1e6])
def test_inputs_of_very_unequal_variances_integrate_like_the_full_flow(factor):
    """scikit-learn's diabetes with one feature in other units (``Sxx`` of condition up to
    ``1e14``): the end-to-end flow follows the full flow's product through the escape and
    converges. (Rebuilding ``P`` from its SVD left its tiny first column exact only to
    ``eps ||P||``, which ``Sxx`` turned into noise the integrator could not step through.)"""
    X, y = load_diabetes(return_X_y=True)
    X = X.copy()
    X[:, 0] *= factor
    land = Landscape(DataSpectrum.from_data(X, y[:, None]), (10, 4, 4, 1))
    rng = np.random.default_rng(0)
    start = balanced_factorization(
        land.end_to_end(land.random_weights(scale=0.1 * weight_unit(land), seed=rng)),
        land.widths, seed=rng)
    full = gradient_flow(land, start, t_max=1e9 * time_unit(land), rtol=1e-10,
                         record_weights=True)
    assert full.status is FlowStatus.CONVERGED
    times = np.linspace(0.0, full.t[-1], 40)[:-1]
    full = gradient_flow(land, start, t_max=times[-1], record=times, rtol=1e-10,
                         record_weights=True)
    fast = end_to_end_flow(land, start, t_max=times[-1], record=times, rtol=1e-10,
                           max_steps=20_000)
    assert fast.t.size == full.t.size == times.size
    products = np.array([land.end_to_end(land.unflatten(theta)) for theta in full.trajectory])
    np.testing.assert_allclose(fast.products, products, rtol=0,
                               atol=1e-5 * np.abs(products).max())
    converged = end_to_end_flow(land, start, t_max=1e9 * time_unit(land), max_steps=20_000)
    assert converged.status is FlowStatus.CONVERGED


def test_nothing_to_truncate_keeps_the_state_exactly():
    """``P_k`` is the state minus its tail: where the rank is already ``k`` the state itself,
    entry by entry (no rebuilding from the SVD, whose entries are exact to ``eps ||P||``)."""
    rng = np.random.default_rng(3)
    for h, (rows, cols, k) in itertools.product((2, 3, 4), [(1, 10, 1), (3, 5, 3), (4, 4, 4)]):
        state = rng.standard_normal((rows, cols)) * np.logspace(-8, 3, cols)[None, :]
        kept, _, drift = _on_manifold(state, h, k)
        assert np.array_equal(kept, state) and drift == pytest.approx(0.0, abs=1e-15)


@pytest.mark.parametrize("h, rank", [(2, 1), (3, 1), (3, 2), (4, 2), (5, 1)])
def test_rank_is_kept_along_both_flows(h, rank):
    spec = DataSpectrum.from_singular_values([3.0, 2.0, 1.0, 0.5], d_x=5, d_y=4)
    land = Landscape(spec, (5, *[4] * (h - 1), 4))
    rng = np.random.default_rng(10 * h + rank)
    p0 = 0.05 * rng.standard_normal((4, rank)) @ rng.standard_normal((rank, 5))
    weights0 = balanced_factorization(p0, land.widths, seed=rng)
    times = np.geomspace(1e-2, 40.0, 12)
    fast = end_to_end_flow(land, p0, record=times, t_max=times[-1])
    assert fast.start_rank == rank and np.all(fast.rank == rank)
    assert fast.manifold_drift.max() < 1e-8
    # The full flow, which knows nothing of M_k, keeps the rank too, as long as rounding
    # errors off M_k have not grown: for h = 2 the unlearnt modes are strict saddle
    # directions and a 1e-16 perturbation grows like exp(2 sigma t); for h >= 3 the escape
    # is algebraic and takes far longer than these times.
    t_full = 1.5 if h == 2 else times[-1]
    full = gradient_flow(land, weights0, record=times[times <= t_full], t_max=t_full,
                         record_weights=True)
    for theta in full.trajectory:
        s = np.linalg.svd(land.end_to_end(land.unflatten(theta)), compute_uv=False)
        assert s[rank] <= 1e-10 * s[0] and s[rank - 1] >= 1e-3 * s[0]


@pytest.mark.parametrize("h", [2, 3, 4, 5])
@pytest.mark.parametrize("mode", [0, 2])
def test_one_aligned_mode_follows_the_closed_form(h, mode):
    """THEORY §1: ``P = u e_i e_i^T`` with ``du/dt = h u^{2-2/h} (sigma_i - u)``."""
    sigma = np.array([2.5, 1.5, 0.8])
    land = Landscape(DataSpectrum.from_singular_values(sigma, d_x=4, d_y=3), (4, *[5] * (h - 1), 3))
    u0 = 0.02
    p0 = np.zeros((3, 4))
    p0[mode, mode] = u0
    a0 = u0 ** (1.0 / h)
    t_end = 3.0 / (sigma[mode] * a0 ** max(h - 2, 0)) + 10.0 / sigma[mode] ** (2 - 2 / h)
    times = np.linspace(0.0, t_end, 15)
    res = end_to_end_flow(land, p0, record=times, t_max=t_end, loss_tol=1e-300)
    exact = [one_mode_weight(t, a0=a0, sigma=sigma[mode], h=h) ** h for t in res.t]
    np.testing.assert_allclose(res.products[:, mode, mode], exact, rtol=1e-7, atol=1e-12)
    off = res.products.copy()
    off[:, mode, mode] = 0.0
    assert np.abs(off).max() <= 1e-12
    assert res.rank.tolist() == [1] * res.t.size


def test_lambda_balanced_closed_form_holds_for_the_full_flow():
    """THEORY §7 (Tarmoun et al.): h = 2, one scalar mode, ``lambda = a_2^2 - a_1^2``."""
    lam, sigma, u0 = 0.7, 2.0, 0.01
    K = np.sqrt(lam ** 2 + 4 * sigma ** 2)

    def F(u):
        return np.log((K * np.sqrt(lam ** 2 + 4 * u ** 2) + lam ** 2 + 4 * sigma * u)
                      / (sigma - u)) / K

    a1 = np.sqrt((-lam + np.sqrt(lam ** 2 + 4 * u0 ** 2)) / 2)
    a2 = u0 / a1
    assert a2 ** 2 - a1 ** 2 == pytest.approx(lam, rel=1e-14)
    land = Landscape(DataSpectrum.from_singular_values([sigma]), (1, 1, 1))
    targets = np.array([0.05, 0.3, 1.0, 1.5, 1.9, 1.99])
    times = F(targets) - F(u0)
    assert times[2] == pytest.approx(0.5661709754, abs=1e-10)
    res = gradient_flow(land, [np.array([[a1]]), np.array([[a2]])], record=times,
                        t_max=times[-1], rtol=1e-12, record_weights=True, loss_tol=1e-300)
    assert res.t[0] == 0.0 and np.allclose(res.t[1:], times)
    u = res.trajectory[:, 0] * res.trajectory[:, 1]
    np.testing.assert_allclose(u[1:], targets, rtol=1e-8)
    np.testing.assert_allclose(res.trajectory[:, 1] ** 2 - res.trajectory[:, 0] ** 2, lam,
                               rtol=1e-9)
    # the balanced (lambda = 0) flow, which is the end-to-end flow, is slower: t(u=1) larger
    balanced = end_to_end_flow(land, [[u0]], record=[times[2]], t_max=times[2])
    assert balanced.product[0, 0] < 1.0 - 0.1


def distinct_problem(seed: int, kind: str):
    rng = np.random.default_rng(seed)
    d_x, d_y = 4, 3
    widths = (d_x, *[int(w) for w in rng.integers(3, 5, size=int(rng.integers(1, 4)))], d_y)
    if kind == "singular_values":
        spec = DataSpectrum.from_singular_values([2.5, 1.6, 0.9], d_x=d_x, d_y=d_y)
    else:
        X, Y = sample_data(rng, 40, d_x, d_y)
        spec = DataSpectrum.from_data(X, Y)
    return Landscape(spec, widths), rng


@pytest.mark.parametrize("seed, kind", [(0, "singular_values"), (1, "singular_values"),
                                        (2, "singular_values"), (0, "raw"), (1, "raw")])
def test_limit_of_a_random_rank_k_start_is_the_top_k_class_of_the_catalog(seed, kind):
    """Bah et al.: for almost every balanced rank-k start, the limit minimises l on M_k."""
    land, rng = distinct_problem(seed, kind)
    catalog = enumerate_critical_points(land)
    for k in range(1, land.max_rank + 1):
        p0 = 0.1 * rng.standard_normal((land.spectrum.d_y, k)) \
            @ rng.standard_normal((k, land.spectrum.d_x))
        res = end_to_end_flow(land, balanced_factorization(p0, land.widths, seed=rng),
                              t_max=1e5, record=[0.0, 1e5], throw=True)
        assert res.start_rank == k and res.rank[-1] == k
        found = learnt_modes(land, res.weights_at(-1, seed=rng)).subset
        assert found == tuple(range(k))
        assert is_rank_minimum(land, found)
        point = catalog.lookup(found)
        assert res.loss[-1] == pytest.approx(point.value, abs=2e-14 * land.loss_scale + 1e-12)
        assert res.loss[-1] == pytest.approx(rank_minimum_value(land, k), abs=1e-12)
        np.testing.assert_allclose(res.product, land.end_to_end(point.weights),
                                   atol=1e-5 * land.scale)


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.stem)
def test_non_strict_saddles_lie_among_the_minima_on_their_rank_manifold(path):
    """Achour et al.: non-strict saddles only in classes minimal on ``M_{|S|}``; brute force."""
    catalog = Catalog.load(path)
    land = catalog.land
    sigma = land.spectrum.sigma
    m = land.spectrum.rank
    minima = set()
    for point in catalog:
        k = len(point.subset)
        brute = min(land.critical_value(t) for t in itertools.combinations(range(m), k))
        is_min = is_rank_minimum(land, point.subset)
        assert is_min == (point.value <= brute + 1e-8 * sigma[0] ** 2)
        assert (point.value == pytest.approx(rank_minimum_value(land, k), abs=1e-12)) == is_min
        if is_min:
            minima.add(point.subset)
    kinds = {p.subset: p.kind.value for p in catalog}
    non_strict = {s for s, kind in kinds.items() if kind == "non_strict_saddle"}
    assert non_strict and non_strict <= minima


def test_is_rank_minimum_with_ties_and_zeros():
    land = Landscape(DataSpectrum.from_singular_values([3.0, 2.0, 2.0, 1.0, 0.0]),
                     (5, 3, 3, 5))
    assert is_rank_minimum(land, (0, 2)) and is_rank_minimum(land, (0, 1))
    assert not is_rank_minimum(land, (1,)) and not is_rank_minimum(land, (0, 3))
    with pytest.raises(ValueError, match="nonzero singular values, i.e. < 4, got 4"):
        is_rank_minimum(land, (0, 4))
    assert rank_minimum_value(land, 2) == pytest.approx(0.5 * (4 + 1))


@pytest.mark.parametrize("h", [1, 2, 3, 5])
@pytest.mark.parametrize("kind", ["singular_values", "raw"])
def test_jacobian_matches_central_differences(h, kind):
    land, rng = make_problem(h, h=max(h, 2), shape="rectangular", kind=kind)
    d_y, d_x = land.spectrum.d_y, land.spectrum.d_x
    metric = land.spectrum.metric()
    gram = None if metric is None else metric @ metric.T
    for k in (1, 2):
        p = rng.standard_normal((d_y, k)) @ rng.standard_normal((k, d_x))

        def rhs(q):
            q_k, svd, _ = _on_manifold(q, h, k)
            return -_Operator(q_k, h, k, svd).apply(land.residual_of_product(q_k))

        jac = _jacobian(p, land.residual_of_product(p), gram, h, k)
        for _ in range(3):
            d = rng.standard_normal((d_y, d_x))
            eps = 1e-6
            fd = (rhs(p + eps * d) - rhs(p - eps * d)) / (2 * eps)
            np.testing.assert_allclose(jac @ d.ravel(), fd.ravel(), atol=1e-7 * np.abs(fd).max())


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2 ** 31), h=st.integers(2, 5), index=st.integers(0, 4))
def test_weights_at_are_balanced_factorisations_with_the_recorded_loss_and_gradient(seed, h,
                                                                                     index):
    land, rng = make_problem(seed % 1000, h=h, shape="bottleneck", kind="raw")
    p0 = land.end_to_end(land.random_weights(scale=0.5, seed=rng))
    res = end_to_end_flow(land, p0, record=np.linspace(0, 1, 5), t_max=1.0)
    wide = tuple(w + int(rng.integers(0, 3)) for w in land.widths[1:-1])
    for widths in (None, (land.widths[0], *wide, land.widths[-1])):
        weights = res.weights_at(index, widths, seed=seed)
        assert imbalance(weights) < 1e-12
        other = land if widths is None else Landscape(land.spectrum, widths)
        np.testing.assert_allclose(other.end_to_end(weights), res.products[index],
                                   atol=1e-12 * land.scale)
        assert other.loss(weights) == pytest.approx(res.loss[index], rel=1e-10, abs=1e-14)
        grads = other.gradient(weights)
        norm = np.sqrt(sum(np.sum(g * g) for g in grads))
        assert norm == pytest.approx(res.gradient_norm[index], rel=1e-8, abs=1e-14)


@pytest.mark.parametrize("seed", [7, np.random.default_rng(7)], ids=["int", "generator"])
def test_as_flow_result_keeps_one_set_of_hidden_frames(seed):
    """The frames ``Q_j`` of every record are the same (as documented), also for a Generator
    seed: the column space of ``W_1 = Q_1 S^{1/h} V^T`` (rank 2, hidden width 4) does not
    turn from record to record."""
    land, rng = make_problem(3, h=3, shape="bottleneck", kind="singular_values")
    p0 = land.end_to_end(land.random_weights(scale=0.5, seed=rng))
    wide = (land.widths[0], 4, 4, land.widths[-1])
    result = end_to_end_flow(Landscape(land.spectrum, wide), balanced_factorization(
        p0, wide, seed=0), record=np.linspace(0, 1, 5), t_max=1.0).as_flow_result(seed=seed)
    first, last = (Landscape(land.spectrum, wide).unflatten(result.trajectory[k])[0]
                   for k in (1, -1))
    projector = [q @ q.T for q in (np.linalg.svd(w)[0][:, :np.linalg.matrix_rank(w)]
                                   for w in (first, last))]
    np.testing.assert_allclose(projector[0], projector[1], atol=1e-8)


def test_as_flow_result_visits_the_top_k_saddles_from_a_small_balanced_start():
    land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0]), (2, 3, 3, 2))
    p0 = land.end_to_end(land.random_weights(scale=1e-2, seed=0))
    res = end_to_end_flow(land, p0, t_max=1e8)
    assert res.success
    flow = res.as_flow_result(seed=1)
    assert flow.invariant_drift.max() < 1e-13
    visits, unresolved = trajectory_visits(land, flow)
    assert [v.subset for v in visits] == [(), (0,), (0, 1)] and unresolved == 0


def test_status_t_max_and_throw():
    land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0]), (2, 2, 2, 2))
    p0 = np.diag([1e-3, 1e-3])
    res = end_to_end_flow(land, p0, t_max=1.0)
    assert res.status is FlowStatus.T_MAX and not res.success and res.t[-1] == 1.0
    with pytest.raises(FlowError, match="end-to-end flow did not converge: t_max = 1"):
        end_to_end_flow(land, p0, t_max=1.0, throw=True)
    zero = end_to_end_flow(land, np.zeros((2, 2)))
    assert zero.status is FlowStatus.CONVERGED and zero.start_rank == 0
    assert "minimum on rank 0" in zero.message
    bounded = end_to_end_flow(land, p0, max_steps=20)
    assert bounded.status is FlowStatus.FAILED and "max_steps = 20" in bounded.message


def test_unbalanced_weights_are_refused_naming_the_largest_block():
    land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0]), (2, 3, 3, 2))
    weights = land.random_weights(seed=0)
    worst = max(np.linalg.norm(w2.T @ w2 - w1 @ w1.T) for w1, w2 in zip(weights, weights[1:]))
    with pytest.raises(ValueError, match=rf"start must be 0-balanced .* got \|\|C_\d\|\|_F = "
                                         rf"{worst:.3g}"):
        end_to_end_flow(land, weights)
    with pytest.raises(ValueError, match=r"weights must be 0-balanced"):
        check_balanced(weights)
    assert check_balanced(weights, balance_tol=10.0)[0].shape == (3, 2)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"start": np.eye(3)}, ValueError, r"start must have shape \(2, 2\), got \(3, 3\)"),
    ({"start": np.eye(2)}, ValueError, r"start must have rank at most the bottleneck r = 1"),
    ({"start": "P"}, TypeError, r"start must be an end-to-end matrix \(2 x 2\)"),
    ({"method": "gd"}, ValueError, r"method must be one of 'auto', 'LSODA'"),
    ({"rtol": 0.0}, ValueError, r"rtol must be > 0, got 0.0"),
    ({"t_max": -1.0}, ValueError, r"t_max must be > 0, got -1.0"),
    ({"t_max": 1e-300}, ValueError, r"t_max must be at least 1e-12 of the problem's time"),
    ({"record": [0.0, 2.0, 1.0]}, ValueError, r"record must be 'steps' or increasing times"),
    ({"record": "all"}, ValueError, r"record must be 'steps' or increasing times"),
    ({"loss_tol": -1}, ValueError, r"loss_tol must be > 0, got -1"),
    ({"max_steps": 0}, ValueError, r"max_steps must be >= 1, got 0"),
    ({"balance_tol": "x"}, TypeError, r"balance_tol must be a real number"),
])
def test_bad_arguments_are_refused(kwargs, error, match):
    land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0]), (2, 1, 2))
    kwargs = {"start": np.diag([0.1, 0.0]), **kwargs}
    with pytest.raises(error, match=match):
        end_to_end_flow(land, **kwargs)


def test_weights_at_refuses_narrow_or_wrong_widths():
    land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0]), (2, 3, 2))
    res = end_to_end_flow(land, np.diag([0.1, 0.05]), t_max=1.0)
    with pytest.raises(ValueError, match=r"widths\[1\] must be at least the rank k = 2"):
        res.weights_at(-1, (2, 1, 2))
    with pytest.raises(ValueError, match=r"widths must hold h \+ 1 = 3 entries"):
        res.weights_at(-1, (2, 3, 3, 2))
    with pytest.raises(ValueError, match=r"widths must start with d_x = 2 and end with d_y = 2"):
        res.weights_at(-1, (3, 3, 2))
    with pytest.raises(ValueError, match=r"index must lie in"):
        res.weights_at(res.t.size)
    first = res.weights_at(0, seed=3)
    np.testing.assert_array_equal(first[0], res.weights_at(0, seed=3)[0])


def test_command_line_end_to_end_flow(tmp_path, capsys):
    import json

    from landscape.cli import main
    from landscape.problem.network_files import load_weights_file

    out, final = tmp_path / "flow.json", tmp_path / "final.npz"
    assert main(["flow", "--sigma", "3,2,1", "--widths", "3,64,64,3", "--end-to-end",
                 "--init-scale", "0.1", "--json", str(out), "-o", str(final)]) == 0
    assert "the minimum of the loss on rank-3 maps" in capsys.readouterr().out
    payload = json.loads(out.read_text())
    assert payload["end_to_end"] and payload["status"] == "converged"
    assert payload["rank"] == payload["final_rank"] == 3 and payload["limit_class"] == [0, 1, 2]
    assert payload["minimum_on_rank_manifold"]
    assert [round(p["plateau_loss"], 4) for p in payload["plateaus"]][-1] == 0.0
    weights = load_weights_file(final)
    assert imbalance(weights) < 1e-12 and [w.shape for w in weights] == [(64, 3), (64, 64), (3, 64)]
    # unbalanced weights are refused with the CLI's usage error
    np.savez(tmp_path / "w.npz", W1=np.ones((2, 2)), W2=2 * np.eye(2))
    with pytest.raises(SystemExit) as exc:
        main(["flow", "--sigma", "3,2", "--widths", "2,2,2", "--end-to-end",
              "--weights", str(tmp_path / "w.npz")])
    assert exc.value.code == 2
    assert "must be 0-balanced" in capsys.readouterr().err


def test_report_flows_take_the_end_to_end_path_only_from_balanced_starts():
    from landscape.flow.recorded import recorded_flow as _flow

    land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0]), (2, 3, 3, 2))
    unbalanced = land.random_weights(scale=0.1, seed=0)
    balanced = balanced_factorization(land.end_to_end(unbalanced), land.widths, seed=0)
    assert _flow(land, unbalanced, 1e4).method == "LSODA"
    fast = _flow(land, balanced, 1e4)
    assert fast.method == "end_to_end/LSODA" and fast.success
    full = gradient_flow(land, balanced, t_max=1e4)
    np.testing.assert_allclose(land.end_to_end(fast.weights), land.end_to_end(full.weights),
                               atol=1e-6)
