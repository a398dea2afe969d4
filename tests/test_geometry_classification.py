"""Classification of critical points (THEORY §4, §4.1): :mod:`landscape.geometry.classification`.

Oracles: the closed-form spectra and the h = 2 Morse index / nullity of THEORY §4.1, written
out in ``geometry_oracles`` from the formulas; the construction of fiber samples (which paths
are cut where); finite differences of the loss; the group action; Eckart-Young for the
global minimum under the one rule for zero singular values (THEORY §2).
"""

import itertools

import numpy as np
import pytest
from conftest import sample_data
from geometry_oracles import (aligned_point, closed_form_spectrum, fiber_problems, is_top,
                              whitened_landscape)
from hypothesis import given, settings
from hypothesis import strategies as st

from landscape import (Classification, CriticalKind, DataSpectrum, FiberConstruction, Landscape,
                       NotCriticalError, balance_hidden_layers, balance_layers,
                       canonical_representative, classify,
                       curvature_scale, gradient_flow, hessian_inertia, hessian_spectrum,
                       orbit_dimension, orbit_tangent, relative_gradient_norm, sample_fiber,
                       witness_kind, witness_strengths, witness_test)
from landscape.geometry.classification import minimum_gap

STRICT, NON_STRICT, MINIMUM = (CriticalKind.STRICT_SADDLE, CriticalKind.NON_STRICT_SADDLE,
                               CriticalKind.GLOBAL_MINIMUM)


# ---------------------------------------------------------------------- closed forms
@pytest.mark.parametrize("h", [3, 4, 5])
def test_canonical_spectra_equal_the_closed_form_table(h):
    sigma = np.array([3.0, 2.0, 1.2, 0.5])
    land = Landscape(DataSpectrum.from_singular_values(sigma), (4,) * (h + 1))
    for subset in [(), (0,), (1,), (0, 2), (1, 3), (0, 1, 2), (0, 1, 2, 3)]:
        c = classify(land, canonical_representative(land, subset))
        expected = closed_form_spectrum(sigma, subset, h, land.n_params)
        np.testing.assert_allclose(c.eigenvalues, expected, atol=1e-12 * land.n_params)
        threshold = c.zero_threshold
        assert c.inertia == (int(np.sum(expected < -threshold)),
                             int(np.sum(np.abs(expected) <= threshold)),
                             int(np.sum(expected > threshold)))
        assert c.agree, c.disagreement


def test_canonical_spectra_of_whitened_data_and_raw_inertia():
    # whitened data: the same table with the data's sigma; raw coordinates: a congruent
    # Hessian (the change of W_1 is not orthogonal), so the same inertia.
    widths = (4, 4, 4, 4)
    X, Y = sample_data(np.random.default_rng(3), 50, 4, 4)
    white = Landscape(DataSpectrum.from_data(X, Y, whiten=True), widths)
    raw = Landscape(DataSpectrum.from_data(X, Y), widths)
    sigma = white.spectrum.sigma
    for subset in [(), (0,), (0, 1), (2,), (1, 3)]:
        expected = closed_form_spectrum(sigma, subset, 3, white.n_params)
        c = classify(white, canonical_representative(white, subset))
        np.testing.assert_allclose(c.eigenvalues, expected, atol=1e-10)
        r = classify(raw, canonical_representative(raw, subset))
        assert r.inertia == c.inertia and r.n_orbit == c.n_orbit
        assert r.kind is c.kind is r.witness_kind


@pytest.mark.parametrize("widths", [(4, 3, 5), (5, 2, 3), (3, 6, 4), (4, 4, 4)])
def test_depth_two_morse_index_and_nullity(widths):
    d_x, d_1, d_y = widths
    for q in range(1, min(d_x, d_y) + 1):  # q nonzero singular values, the rest zero
        sigma = np.zeros(min(d_x, d_y))
        sigma[:q] = np.linspace(3.0, 1.0, q)
        land = Landscape(DataSpectrum.from_singular_values(sigma, d_x=d_x, d_y=d_y), widths)
        for rho in range(min(q, d_1) + 1):
            for subset in itertools.combinations(range(q), rho):
                c = classify(land, canonical_representative(land, subset))
                index = (d_1 - rho) * (q - rho) + sum(
                    1 for i in subset for j in range(q) if j not in subset and sigma[j] > sigma[i])
                nullity = rho * (2 * d_1 - rho) + (d_1 - rho) * (d_x + d_y - 2 * q)
                assert (c.n_negative, c.n_zero) == (index, nullity), subset
                # THEORY §4: for h = 2 every critical point but the minimum is strict
                assert c.kind is (MINIMUM if rho == min(q, d_1) and index == 0 else STRICT)
                assert c.agree, c.disagreement


def test_origin_of_depth_three_is_not_morse_bott():
    # THEORY §4.1: h = 3, widths 2: nullity 12, an origin with a trivial orbit
    land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0]), (2, 2, 2, 2))
    c = classify(land, [np.zeros((2, 2))] * 3)
    assert c.inertia == (0, 12, 0) and c.n_orbit == 0 and c.centre_dim == 12
    assert c.kind is NON_STRICT is c.witness_kind and c.escape_order is None


def test_escape_order_at_the_origin_is_the_depth():
    # THEORY §4-§4.2: L(eps B) - L(0) = -eps^h <E, B^h> + O(eps^{2h}): order h at the origin
    land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0]), (2, 2, 2, 2))
    c = classify(land, [np.zeros((2, 2))] * 3, escapes=True)
    assert c.escape_order == 3
    strict = classify(land, aligned_point(land, (1,)))
    assert strict.kind is STRICT and strict.escape_order == 2


# ---------------------------------------------------------------------- the one rule for zeros
def test_global_minimum_with_a_rounding_sized_singular_value():
    # centred one-hot targets of 3 classes: the last sigma is rounding, 3e-16 of sigma_1. By
    # the one rule of landscape.problem.ties it is zero: r* = 2, and the canonical point that
    # learnt the two nonzero modes is the global minimum, by the Hessian and by the witness.
    land = Landscape(DataSpectrum.from_singular_values([0.5465, 0.5096, 3.2e-16]), (3, 4, 4, 3))
    weights = aligned_point(land, (0, 1))   # paths of weight sigma_i^{1/h}, reduced coordinates
    assert land.max_rank == 2
    c = classify(land, weights)
    assert c.kind is MINIMUM and c.witness_kind is MINIMUM and c.agree, c
    assert c.witness.rule == "top, full rank" and c.subset == (0, 1)
    assert witness_kind(land, weights) is MINIMUM
    assert land.minimum_value() == pytest.approx(0.5 * 3.2e-16 ** 2, abs=1e-40)
    assert minimum_gap(land) == pytest.approx(0.25 * 0.5096 ** 2, rel=1e-12)
    # one mode short of it: a non-strict saddle (h = 3), not a minimum
    saddle = classify(land, aligned_point(land, (0,)))
    assert saddle.kind is NON_STRICT is saddle.witness_kind


def test_minimum_gap_skips_modes_tied_with_the_weakest_learnt():
    # r* = 2 (bottleneck) inside the tie group {1, 2}: the next other value is sigma_4 = 0.5
    land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0, 1.0, 0.5]), (4, 2, 4))
    assert minimum_gap(land) == pytest.approx(0.25 * (1.0 - 0.25))
    assert minimum_gap(Landscape(DataSpectrum.from_singular_values([0.0, 0.0]), (2, 2, 2))) \
        == np.inf


# ---------------------------------------------------------------------- fiber agreement
def construction_kind(land, sample):
    """The kind THEORY §4 gives for orbit points and points with one blocked path, else None."""
    sigma = land.spectrum.sigma
    n_modes = int(np.sum(sigma > 1e-8 * sigma[0]))
    rho = len(sample.subset)
    if not is_top(sigma, sample.subset):
        return STRICT
    if rho == min(n_modes, min(land.widths)):
        return MINIMUM
    if land.h == 2:
        return STRICT
    if sample.construction is FiberConstruction.ORBIT:
        return NON_STRICT
    if sample.construction is FiberConstruction.BLOCKED and len(sample.zero_layers) == 1:
        return STRICT if len(sample.zero_layers[0]) == 2 else NON_STRICT
    return None


def test_hessian_and_witness_kinds_agree_on_thousands_of_fiber_points():
    rng = np.random.default_rng(7)
    seen, checked, disagreements = set(), 0, []
    for land in fiber_problems():
        for _ in range(42):
            sample = sample_fiber(land, seed=rng)   # hidden scalings 1e-4 .. 1e4
            c = classify(land, sample.weights)
            seen.add((land.h, c.kind))
            if not c.agree:
                disagreements.append((land.widths, sample.description, c.disagreement))
            expected = construction_kind(land, sample)
            if expected is not None:
                checked += 1
                assert c.kind is expected, (land.widths, sample.description, c)
    assert disagreements == []
    assert checked > 1000
    for h in (3, 4, 5):
        assert {(h, STRICT), (h, NON_STRICT), (h, MINIMUM)} <= seen
    assert {(2, STRICT), (2, MINIMUM)} <= seen and (2, NON_STRICT) not in seen


@pytest.mark.parametrize("h", [3, 4, 5])
def test_one_fiber_holds_both_kinds(h):
    # the canonical top saddle S = {0} (every unlearnt path cut in all layers: non-strict) and
    # the same point with the path of mode 2 restored but for two layers (strict)
    sigma = [3.0, 2.0, 1.0]
    land = Landscape(DataSpectrum.from_singular_values(sigma), (3,) * (h + 1))
    canonical = aligned_point(land, (0,))
    variant = aligned_point(land, (0,), cut={2: (0, h - 1)})
    a, b = classify(land, canonical), classify(land, variant)
    assert a.subset == b.subset == (0,) and a.value == pytest.approx(b.value, rel=1e-14)
    assert a.kind is NON_STRICT is a.witness_kind
    assert b.kind is STRICT is b.witness_kind and b.n_negative >= 1
    # the oracle: along the two missing edges the loss falls at second order, with
    # curvature -sigma_2 x (product of the other h - 2 weights) = -1 (finite differences)
    direction = [np.zeros(s) for s in land.shapes]
    direction[0][1, 2] = direction[-1][2, 1] = 1 / np.sqrt(2)
    t = 1e-4
    moved = [[w + s * t * v for w, v in zip(variant, direction)] for s in (1, -1)]
    curvature = (land.loss(moved[0]) + land.loss(moved[1]) - 2 * land.loss(variant)) / t ** 2
    assert curvature == pytest.approx(-1.0, abs=1e-5)


def test_trained_networks_classify_as_global_minima():
    # Bah et al. (2021): from almost every start the flow converges to a global minimum. Its
    # end is critical only to within the integration tolerance, which moves the Hessian
    # kernel by about ||grad L|| / ||W||; the zero threshold absorbs that.
    rng = np.random.default_rng(8)
    for widths in [(4, 5, 4, 5, 3), (4, 5, 5), (5, 5, 3, 4), (3, 5, 5, 2, 3)]:
        land = whitened_landscape(int(rng.integers(1000)), widths)
        end = gradient_flow(land, land.random_weights(scale=0.3, seed=rng), t_max=1e9).weights
        assert relative_gradient_norm(land, end) > 1e-8       # not exactly critical
        c = classify(land, end, critical_tol=1e-5)
        assert c.kind is MINIMUM is c.witness_kind and c.n_negative == 0, c


# ---------------------------------------------------------------------- invariance
@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10 ** 6), depth=st.integers(2, 4), spread=st.floats(0.0, 4.0))
def test_classification_is_invariant_under_the_hidden_group(seed, depth, spread):
    rng = np.random.default_rng(seed)
    land = whitened_landscape(seed, (3, *([3] * (depth - 1)), 3))
    sample = sample_fiber(land, seed=rng, scale_range=(1.0, 1.0))
    base = classify(land, sample.weights)
    orthogonal, general = [w.copy() for w in sample.weights], [w.copy() for w in sample.weights]
    for j in range(land.h - 1):
        q, _ = np.linalg.qr(rng.standard_normal((3, 3)))
        orthogonal[j] = q @ orthogonal[j]
        orthogonal[j + 1] = orthogonal[j + 1] @ q.T
        # any scalar size, condition number at most 2 (see the note in hessian_inertia)
        q1, _ = np.linalg.qr(rng.standard_normal((3, 3)))
        d = np.exp(rng.uniform(-0.35, 0.35, 3)) * 10.0 ** rng.uniform(-spread, spread)
        general[j] = (q1 * d) @ q @ general[j]
        general[j + 1] = general[j + 1] @ q.T @ (q1 / d).T
    rotated = classify(land, orthogonal)
    # an orthogonal change keeps the balanced point: the very same spectrum
    np.testing.assert_allclose(rotated.eigenvalues, base.eigenvalues,
                               atol=1e-9 * max(1.0, np.abs(base.eigenvalues).max()))
    moved = classify(land, general)
    for c in (rotated, moved):
        assert c.inertia == base.inertia and c.n_orbit == base.n_orbit
        assert c.kind is base.kind and c.witness_kind is base.witness_kind
        assert c.subset == base.subset and c.agree


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10 ** 6), logs=st.lists(st.floats(-4.0, 4.0), min_size=2, max_size=2))
def test_rebalanced_spectrum_ignores_layer_scalings(seed, logs):
    # W_j -> c_j W_j with prod c_j = 1 rebalances to the very same point
    land = whitened_landscape(seed, (3, 3, 3, 3))
    weights = sample_fiber(land, seed=seed, scale_range=(1.0, 1.0)).weights
    c = 10.0 ** np.array([logs[0], logs[1], -logs[0] - logs[1]])
    scaled = [f * w for f, w in zip(c, weights)]
    a, b = classify(land, weights), classify(land, scaled)
    np.testing.assert_allclose(b.eigenvalues, a.eigenvalues,
                               atol=1e-8 * max(1.0, np.abs(a.eigenvalues).max()))
    # the prepared point: layer scalings, then each hidden layer balanced under GL(d_j)
    balanced, _ = balance_hidden_layers(balance_layers(scaled, norm=1.0)[0],
                                        norm=land.weight_scale)
    assert curvature_scale(land, balanced) == pytest.approx(a.curvature_scale, rel=1e-8)


# ---------------------------------------------------------------------- results, bad input
def test_classification_spectrum_and_repr():
    land = Landscape(DataSpectrum.from_singular_values([3.0, 2.0, 1.0]), (3, 3, 3, 3))
    c = classify(land, aligned_point(land, (0,)))
    assert isinstance(c, Classification)
    s = c.spectrum
    assert (s.n_negative, s.n_zero, s.n_positive) == c.inertia and s.n_orbit == c.n_orbit
    assert s.centre_dim == c.centre_dim and s.complete
    assert "kind='non_strict_saddle'" in repr(c) and "disagreement" not in repr(c)
    assert c.witness_pair is None and c.witness_strength == 0.0


def test_bad_input_is_named():
    land = Landscape(DataSpectrum.from_singular_values([3.0, 2.0]), (2, 2, 2, 2))
    zero = [np.zeros((2, 2))] * 3
    cases = [
        (lambda: classify("land", zero), TypeError, "land must be a Landscape"),
        (lambda: classify(land, zero[:2]), ValueError, "h = 3 matrices"),
        (lambda: classify(land, [np.zeros((2, 3))] * 3), ValueError, r"weights\[0\] must have"),
        (lambda: classify(land, zero, zero_tol=0.0), ValueError, "zero_tol must be > 0"),
        (lambda: classify(land, zero, zero_tol="1"), TypeError, "zero_tol must be a real"),
        (lambda: classify(land, zero, method="lobpcg"), ValueError, "method must be one of"),
        (lambda: classify(land, zero, dense_limit=0), ValueError, "dense_limit must be >= 1"),
        (lambda: classify(land, zero, max_eigenpairs=2.5), TypeError, "max_eigenpairs must be"),
        (lambda: classify(land, zero, escapes="yes"), TypeError, "escapes must be a bool"),
        (lambda: classify(land, zero, tie_tol=-1.0), ValueError, "tie_tol must be >= 0"),
        (lambda: classify(land, zero, critical_tol=-1.0), ValueError, "critical_tol must be"),
        (lambda: classify(land, zero, seed=-1), ValueError, "seed must be >= 0"),
        (lambda: classify(land, [np.eye(2)] * 3, off_critical="raise"), NotCriticalError,
         "must be a critical point.*landscape.locate"),
        (lambda: classify(land, zero, off_critical="ignore"), ValueError, "off_critical must be"),
        (lambda: witness_test(land, zero, zero_tol=-1.0), ValueError, "zero_tol must be > 0"),
        (lambda: witness_test(land, zero, critical_tol=np.nan), ValueError, "critical_tol"),
        (lambda: hessian_inertia(land, zero, method="sparse"), ValueError, "method must be"),
        (lambda: hessian_inertia(land, zero, seed=0.5), TypeError, "seed must be an integer"),
        (lambda: orbit_dimension(land, zero, method="svd"), ValueError, "method must be"),
        (lambda: orbit_tangent(land, zero[:1]), ValueError, "h = 3 matrices"),
        (lambda: curvature_scale(None, zero), TypeError, "land must be a Landscape"),
        (lambda: balance_layers(np.zeros((2, 2)), norm=1.0), TypeError, "weights must be a"),
        (lambda: balance_layers([], norm=1.0), ValueError, "at least one matrix"),
        (lambda: balance_layers(zero, norm=0.0), ValueError, "norm must be > 0"),
        (lambda: balance_layers([np.ones(3)], norm=1.0), ValueError, r"weights\[0\] must be"),
        (lambda: witness_strengths(zero, np.eye(2), -1), ValueError, "rank must be >= 0"),
        (lambda: witness_strengths(zero, np.eye(3), 0), ValueError, "from d_x = 3 inputs"),
        (lambda: witness_strengths([np.eye(2), np.ones((3, 3)), np.ones((2, 3))], np.eye(2), 0),
         ValueError, r"weights\[1\] must have 2 columns \(the outputs of weights\[0\]"),
        (lambda: hessian_spectrum([], zero_threshold=1.0), ValueError, "must not be empty"),
        (lambda: hessian_spectrum([[1.0]], zero_threshold=1.0), ValueError, "1-D array"),
        (lambda: hessian_spectrum([1.0], zero_threshold=-1.0), ValueError, "zero_threshold"),
        (lambda: hessian_spectrum([1.0, 0.0], zero_threshold=0.1, n_orbit=2), ValueError,
         "n_orbit must be at most the kernel dimension 1"),
        (lambda: hessian_spectrum([1.0, 0.0], zero_threshold=0.1, n_params=1), ValueError,
         "n_params must be at least"),
    ]
    for call, error, message in cases:
        with pytest.raises(error, match=message):
            call()
