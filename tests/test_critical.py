"""Enumeration of critical classes: counts, values, representatives, kinds, completeness."""

import itertools
import math
from collections.abc import Iterator

import numpy as np
import pytest
from conftest import sample_data
from scipy.optimize import least_squares

import landscape.critical.batches as batches
from landscape.critical import Catalog
from landscape.critical.enumeration import _batched_catalog
import landscape.critical.representatives as representatives
from landscape import (DataSpectrum, Landscape, NotCriticalError, canonicalize, count_classes,
                       enumerate_critical_points, gradient_flow, iter_classes,
                       iter_critical_points)


def brute_force_keys(sigma, bottleneck):
    """Every subset of the positive modes of size <= r, each replaced by the lowest indices of
    its tie groups (groups of exactly equal values), as a set."""
    sigma = np.asarray(sigma, dtype=float)
    positive = [i for i in range(sigma.size) if sigma[i] > 0]
    keys = set()
    for k in range(min(bottleneck, len(positive)) + 1):
        for subset in itertools.combinations(positive, k):
            key = []
            for value in sorted({sigma[i] for i in subset}, reverse=True):
                group = [i for i in positive if sigma[i] == value]
                key += group[:sum(sigma[i] == value for i in subset)]
            keys.add(tuple(sorted(key)))
    return keys


def hessian_kind(land, weights):
    """Oracle kind from the dense Hessian and the Eckart-Young minimum value."""
    eigenvalues = np.linalg.eigvalsh(land.hessian(weights))
    if eigenvalues[0] < -1e-9 * max(1.0, np.abs(eigenvalues).max()):
        return "strict_saddle"
    if land.loss(weights) <= land.minimum_value() + 1e-12 * land.scale ** 2:
        return "global_minimum"
    return "non_strict_saddle"


@pytest.mark.parametrize("m, widths", [(3, (3, 3, 3)), (4, (4, 2, 4)), (5, (5, 3, 2, 5)),
                                       (4, (4, 4, 4, 4, 4)), (5, (5, 5)), (6, (6, 4, 6))])
def test_counts_with_distinct_sigma_match_the_binomial_sum(m, widths):
    rng = np.random.default_rng(m)
    sigma = np.sort(rng.uniform(0.5, 3.0, m))[::-1]
    land = Landscape(DataSpectrum.from_singular_values(sigma), widths)
    catalog = enumerate_critical_points(land)
    r = min(widths)
    if len(widths) == 2:  # one layer: convex, the minimum only
        assert catalog.subsets == [tuple(range(m))]
        return
    expected = sum(math.comb(m, k) for k in range(min(r, m) + 1))
    assert len(catalog) == expected == count_classes(land)
    assert set(catalog.subsets) == brute_force_keys(sigma, r)
    assert len(set(catalog.subsets)) == len(catalog)


@pytest.mark.parametrize("sigma, widths, expected", [
    ([3.0, 2.0, 2.0, 1.0, 0.0], (5, 3, 3, 5), 11),   # counts (1, 2, 1), rank <= 3: 12 - 1
    ([2.0, 2.0, 2.0], (3, 3, 3), 4),                  # one group of 3: 0..3 learnt
    ([1.0, 1.0, 0.5, 0.5], (4, 1, 4), 3),             # bottleneck 1: {}, {0}, {2}
    ([2.0, 0.0, 0.0], (3, 3, 3), 2),                  # zeros add nothing
])
def test_ties_and_zeros_merge_classes(sigma, widths, expected):
    land = Landscape(DataSpectrum.from_singular_values(sigma), widths)
    catalog = enumerate_critical_points(land)
    assert len(catalog) == expected == count_classes(land)
    assert set(catalog.subsets) == brute_force_keys(sigma, min(widths))
    zero = [i for i, s in enumerate(sigma) if s == 0]
    assert not any(set(s) & set(zero) for s in catalog.subsets)
    for cp in catalog:
        for group, k in zip(cp.tied_groups, cp.tie_counts):
            assert set(cp.subset) & set(group) == set(group[:k])
        assert cp.grassmannian_dim == sum(k * (len(g) - k)
                                          for g, k in zip(cp.tied_groups, cp.tie_counts))


def test_worked_example_of_theory():
    spec = DataSpectrum.from_singular_values([3.0, 2.0, 1.0, 0.5], d_x=11, d_y=4)
    land = Landscape(spec, (11, 6, 6, 6, 6, 4))
    catalog = enumerate_critical_points(land)
    values = catalog.values
    assert len(catalog) == 16 == len(set(values.tolist()))
    assert values[0] == 7.125 and values[-1] == 0.0
    assert np.all(np.diff(values) < 0)
    assert catalog[-1].kind == "global_minimum" and catalog[0].subset == ()


@pytest.mark.parametrize("whiten", [False, True])
def test_values_and_representatives(whiten):
    X, Y = sample_data(np.random.default_rng(1), 40, 4, 3)
    spec = DataSpectrum.from_data(X, Y, whiten=whiten)
    land = Landscape(spec, (4, 3, 2, 3))
    # independent oracle for the values: the loss of the least-squares fit restricted to S,
    # straight from the samples (centred), 1/(2N) ||Y - X P^T||^2
    Xc, Yc = X - X.mean(0), Y - Y.mean(0)
    for cp in enumerate_critical_points(land):
        assert cp.value == pytest.approx(
            spec.loss_offset + 0.5 * sum(spec.sigma[i] ** 2 for i in range(3)
                                         if i not in cp.subset), rel=1e-12)
        weights = cp.weights
        raw = weights if not whiten else spec.from_reduced(weights)
        product = raw[-1] @ raw[1] @ raw[0]
        direct = 0.5 * np.sum((Yc - Xc @ product.T) ** 2) / X.shape[0]
        assert direct == pytest.approx(cp.value, rel=1e-10)
        assert land.loss(weights) == pytest.approx(cp.value, rel=1e-12)
        grads = land.gradient(weights)
        assert max(np.abs(g).max() for g in grads) < 1e-10 * land.gradient_scale
        assert canonicalize(land, weights).subset == cp.subset


def test_bottleneck_gives_a_positive_minimum():
    sigma = [3.0, 2.0, 1.0, 0.5]
    land = Landscape(DataSpectrum.from_singular_values(sigma), (4, 2, 4))
    catalog = enumerate_critical_points(land)
    assert catalog[-1].subset == (0, 1)
    assert catalog[-1].value == pytest.approx(0.5 * (1.0 + 0.25)) == land.minimum_value()
    assert max(len(s) for s in catalog.subsets) == 2


@pytest.mark.parametrize("sigma, widths", [
    ([3.0, 2.0, 1.0], (3, 3, 3)),
    ([3.0, 2.0, 1.0], (3, 2, 3, 3)),
    ([3.0, 2.0, 2.0, 0.0], (4, 3, 3, 3, 4)),
    ([2.0, 1.0, 0.5], (3, 4, 2, 3)),
])
def test_kinds_agree_with_the_hessian(sigma, widths):
    land = Landscape(DataSpectrum.from_singular_values(sigma), widths)
    catalog = enumerate_critical_points(land, curvature=True)
    for cp in catalog:
        assert cp.kind == hessian_kind(land, cp.weights)
        assert cp.kind == cp.witness_kind
        n_neg, n_zero, n_pos = cp.inertia
        assert n_neg + n_zero + n_pos == land.n_params
        assert cp.centre_dim == n_zero - cp.n_orbit
    if len(widths) == 3:
        # THEORY §4.1, h = 2 at the canonical representative: Morse index
        # (d_1 - rho)(q - rho) + #{(i, j): i in S, j not in S, sigma_j > sigma_i}
        q, d1 = 3, widths[1]
        for cp in catalog:
            rho = cp.rank
            misordered = sum(sigma[j] > sigma[i] for i in cp.subset for j in range(q)
                             if j not in cp.subset)
            assert cp.inertia[0] == (d1 - rho) * (q - rho) + misordered


def test_iteration_streams_keys_and_values():
    sigma = np.linspace(3.0, 1.0, 16)
    land = Landscape(DataSpectrum.from_singular_values(sigma), (16, 8, 16))
    stream = iter_classes(land)
    assert isinstance(stream, Iterator)
    first = next(stream)
    assert first.subset == () and first.value == pytest.approx(0.5 * np.sum(sigma ** 2))
    total = 1 + sum(1 for _ in stream)
    assert total == sum(math.comb(16, k) for k in range(9)) == count_classes(land)
    big = Landscape(DataSpectrum.from_singular_values(np.linspace(3.0, 1.0, 20)), (20, 10, 20))
    assert count_classes(big) == sum(math.comb(20, k) for k in range(11))
    points = iter_critical_points(big)
    assert isinstance(points, Iterator)
    record = next(points)
    assert record.subset == () and record.kind == "strict_saddle"


def test_iter_classes_values_have_no_cancellation():
    land = Landscape(DataSpectrum.from_singular_values([1e3, 1e-3]), (2, 2, 2))
    values = {c.subset: c.value for c in iter_classes(land)}
    assert values[(0,)] == pytest.approx(0.5e-6, rel=1e-12)
    assert values[(0, 1)] == 0.0


def test_a_representative_that_is_not_critical_is_an_error(monkeypatch):
    land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0]), (2, 2, 2))
    aligned = representatives.aligned_weights

    def broken(land, subset):
        weights = aligned(land, subset)
        weights[0] = weights[0] * 1.1
        return weights

    monkeypatch.setattr(representatives, "aligned_weights", broken)
    monkeypatch.setattr(batches, "aligned_weights", broken)
    for options in ({}, {"keep_weights": True}):      # batched and per-record paths
        with pytest.raises(NotCriticalError, match="representative of"):
            enumerate_critical_points(land, **options)


def test_bad_input():
    land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0]), (2, 2, 2))
    with pytest.raises(TypeError, match="land"):
        enumerate_critical_points("land")
    with pytest.raises(ValueError, match="tie_tol"):
        enumerate_critical_points(land, tie_tol=-1.0)
    with pytest.raises(ValueError, match="critical_tol"):
        enumerate_critical_points(land, critical_tol=-1.0)
    with pytest.raises(ValueError, match="tie_tol"):
        count_classes(land, tie_tol=-1.0)
    with pytest.raises(ValueError, match="chunk"):
        list(iter_classes(land, chunk=0))


# ---------------------------------------------------------------------- completeness
def completeness_problems():
    X, Y = sample_data(np.random.default_rng(5), 40, 4, 3)
    for whiten in (True, False):
        spec = DataSpectrum.from_data(X, Y, whiten=whiten)
        for widths in [(4, 3, 3), (4, 3, 2, 3), (4, 2, 3, 3, 3)]:
            yield Landscape(spec, widths)


@pytest.mark.slow
def test_gradient_flows_end_in_catalogued_classes():
    rng = np.random.default_rng(6)
    reached = set()
    for land in completeness_problems():
        catalog = enumerate_critical_points(land)
        for scale in (0.1, 1.0, 3.0):
            w0 = land.random_weights(scale=scale, seed=rng)
            if land.spectrum.reduced and scale != 1.0:
                # cut one mode's input and output in reduced coordinates: an invariant set of
                # the flow, which then ends at a saddle of the full problem
                mode = int(rng.integers(3))
                w0[0][:, mode] = 0.0
                w0[-1][mode, :] = 0.0
            result = gradient_flow(land, w0, t_max=2000.0, loss_tol=1e-14)
            cp = canonicalize(land, result.weights)
            assert catalog.lookup(cp.subset).value == cp.value
            assert land.loss(result.weights) == pytest.approx(cp.value, rel=1e-9)
            reached.add((land.widths, land.spectrum.reduced, cp.subset, cp.kind))
    assert any(kind != "global_minimum" for *_, kind in reached)


@pytest.mark.slow
def test_newton_solutions_of_the_gradient_end_in_catalogued_classes():
    rng = np.random.default_rng(7)
    converged, classes = 0, set()
    for land in completeness_problems():
        catalog = enumerate_critical_points(land)
        for scale in (0.3, 1.0, 3.0):
            x0 = land.flatten(land.random_weights(scale=scale * land.weight_scale, seed=rng))
            solution = least_squares(land.flat_gradient, x0,
                                     jac=lambda theta: land.hessian(land.unflatten(theta)),
                                     method="lm", xtol=1e-15, ftol=1e-15, gtol=1e-15,
                                     max_nfev=300)
            weights = land.unflatten(solution.x)
            try:
                cp = canonicalize(land, weights)
            except NotCriticalError:
                continue  # the solve did not converge (or ran off along an unbounded fiber)
            converged += 1
            assert catalog.lookup(cp.subset).value == cp.value
            assert land.loss(weights) == pytest.approx(cp.value, rel=1e-9)
            classes.add((land.widths, land.spectrum.reduced, cp.subset))
    assert converged >= 12
    assert len({subset for *_, subset in classes}) >= 5


def _random_problem(rng, trial):
    """Random spectra with ties, numerical zeros, bottlenecks, depths 1-4, raw and reduced."""
    m = int(rng.integers(1, 6))
    sigma = np.sort(rng.uniform(0.2, 3.0, m))[::-1]
    if trial % 3 == 0 and m >= 3:
        sigma[1] = sigma[2]
    if trial % 4 == 0:
        sigma = np.append(sigma, 1e-17 * sigma[0])
    depth = int(rng.integers(1, 5))
    d_x, d_y = sigma.size + int(rng.integers(0, 2)), sigma.size
    widths = (d_x, *(int(w) for w in rng.integers(1, 5, depth - 1)), d_y)
    if trial % 2:
        X = rng.standard_normal((40, d_x))
        Y = X @ rng.standard_normal((d_x, d_y)) + 0.1 * rng.standard_normal((40, d_y))
        return Landscape(DataSpectrum.from_data(X, Y), widths)
    return Landscape(DataSpectrum.from_singular_values(sigma, d_x=d_x, d_y=d_y), widths)


def test_batched_catalog_equals_the_per_record_one():
    # the vectorized path (every representative verified in batches) against the per-record
    # path (class_record on each class): same keys, values to the last bit, same kinds
    rng = np.random.default_rng(11)
    for trial in range(40):
        land = _random_problem(rng, trial)
        batched = enumerate_critical_points(land)
        records = Catalog(land, iter_critical_points(land))
        assert batched.subsets == records.subsets, land
        assert np.array_equal(batched.values, records.values), land
        assert batched.kinds == records.kinds, land
        assert batched.records() == records.records()


def test_batched_catalog_in_small_batches():
    # batches split inside a rank give the same catalog (first/last rows of each batch
    # are also checked by the dense per-record test)
    land = Landscape(DataSpectrum.from_singular_values([3.0, 2.0, 2.0, 1.0, 0.5]),
                     (5, 3, 3, 3, 5))
    whole = enumerate_critical_points(land)
    pieces = _batched_catalog(land, critical_tol=1e-6, progress=False, chunk=2)
    assert whole.subsets == pieces.subsets and whole.kinds == pieces.kinds
    assert np.array_equal(whole.values, pieces.values)
