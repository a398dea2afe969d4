"""The quotient: class records, canonicalisation, fiber coordinates and fiber sampling."""

import itertools

import numpy as np
import pytest
from conftest import sample_data
from hypothesis import given, settings
from hypothesis import strategies as st

from landscape import (CriticalPoint, DataSpectrum, FiberConstruction, Landscape,
                       NotCriticalError, canonical_representative, canonicalize, critical_point,
                       fiber_coordinates, same_class, sample_fiber)


def data_landscapes(seed, widths):
    """The same random data as a raw and as a whitened problem."""
    X, Y = sample_data(np.random.default_rng(seed), 40, widths[0], widths[-1])
    raw = Landscape(DataSpectrum.from_data(X, Y), widths)
    white = Landscape(DataSpectrum.from_data(X, Y, whiten=True), widths)
    return raw, white


def hidden_gl(land, weights, rng, spread=4.0):
    """``W_j -> G_j W_j G_{j-1}^{-1}`` with random dense ``G_j`` scaled by ``10^{+-spread}``."""
    out = [w.copy() for w in weights]
    for j in range(land.h - 1):
        g = rng.standard_normal((land.widths[j + 1],) * 2) + 2 * np.eye(land.widths[j + 1])
        g *= 10.0 ** rng.uniform(-spread, spread)
        out[j] = g @ out[j]
        out[j + 1] = out[j + 1] @ np.linalg.inv(g)
    return out


def test_canonical_representative_is_balanced_aligned_and_critical():
    raw, white = data_landscapes(0, (4, 3, 3, 3))
    for land in (raw, white):
        spec = land.spectrum
        for subset in [(), (0,), (2,), (0, 2), (0, 1, 2)]:
            weights = canonical_representative(land, subset)
            expected = np.zeros((3, 4))
            expected[list(subset), list(subset)] = spec.sigma[list(subset)]
            np.testing.assert_allclose(spec.reduced_map(land.end_to_end(weights)), expected,
                                       atol=1e-10)
            assert land.loss(weights) == pytest.approx(
                spec.loss_offset + 0.5 * np.sum(np.delete(spec.sigma, list(subset)) ** 2),
                rel=1e-12)
            grad = land.gradient(weights)
            assert max(np.abs(g).max() for g in grad) < 1e-10 * land.gradient_scale
            # balanced: every hidden C_j vanishes (middle layers are the identical aligned paths)
            reduced = weights if spec.reduced else spec.to_reduced(weights)
            for j in range(1, land.h):
                c = reduced[j].T @ reduced[j] - reduced[j - 1] @ reduced[j - 1].T
                assert np.abs(c).max() < 1e-10


def test_critical_point_record_and_validation():
    spec = DataSpectrum.from_singular_values([3.0, 2.0, 2.0, 2.0, 0.0])
    land = Landscape(spec, (5, 3, 3, 5))
    cp = critical_point(land, (3, 0))
    assert isinstance(cp, CriticalPoint)
    assert cp.subset == (0, 1) and cp.rank == 2
    assert cp.value == pytest.approx(0.5 * (2 * 2.0 ** 2))
    assert cp.tied_groups == ((1, 2, 3),) and cp.tie_counts == (1,)
    assert cp.grassmannian_dim == 1 * (3 - 1)
    assert "subset=(0, 1)" in repr(cp) and "grassmannian_dim=2" in repr(cp)
    with pytest.raises(ValueError, match="nonzero singular values"):
        critical_point(land, (4,))
    with pytest.raises(ValueError, match="at most r = 3"):
        critical_point(land, (0, 1, 2, 3))
    with pytest.raises(ValueError, match="distinct"):
        critical_point(land, (1, 1))
    with pytest.raises(TypeError, match="land"):
        critical_point("land", (0,))
    one_layer = Landscape(DataSpectrum.from_singular_values([2.0, 1.0]), (2, 2))
    assert critical_point(one_layer, (0, 1)).kind == "global_minimum"
    with pytest.raises(ValueError, match="one-layer"):
        critical_point(one_layer, (0,))


def test_canonicalize_reads_class_value_and_fiber():
    spec = DataSpectrum.from_singular_values([3.0, 2.0, 1.0])
    land = Landscape(spec, (3, 3, 3, 3))
    rng = np.random.default_rng(2)
    weights = hidden_gl(land, canonical_representative(land, (0, 2)), rng)
    cp = canonicalize(land, weights)
    assert cp.subset == (0, 2) and cp.value == pytest.approx(0.5 * 2.0 ** 2)
    assert cp.kind == "strict_saddle"  # mis-ordered: 1 learnt above the unlearnt 2
    # the record's representative is the canonical one, not the input point
    for a, b in zip(cp.weights, canonical_representative(land, (0, 2))):
        np.testing.assert_array_equal(a, b)
    fiber = cp.fiber
    # oracle: numpy's matrix_rank on every partial product, and the invariants by hand
    for i, j in itertools.combinations_with_replacement(range(1, land.h + 1), 2):
        product = weights[i - 1]
        for k in range(i, j):
            product = weights[k] @ product
        assert fiber.partial_rank(i, j) == np.linalg.matrix_rank(product) == 2
    for c, (upper, lower) in zip(fiber.invariants, zip(weights[1:], weights[:-1])):
        np.testing.assert_allclose(c, upper.T @ upper - lower @ lower.T, atol=1e-9)
    assert max(fiber.invariant_norms) > 1e-3  # GL moved it off the balanced point
    assert fiber.gradient_norm < 1e-12
    with pytest.raises(ValueError, match="1 <= i <= j <= h"):
        fiber.partial_rank(2, 1)


def test_canonicalize_rejects_non_critical_points():
    raw, _ = data_landscapes(3, (4, 3, 2, 3))
    weights = raw.random_weights(seed=4)
    with pytest.raises(NotCriticalError, match="relative gradient norm") as info:
        canonicalize(raw, weights)
    assert info.value.gradient_norm > 1e-3
    assert f"{info.value.gradient_norm:.3g}" in str(info.value)
    # a critical point nudged off the critical set is rejected too
    nudged = [w + 1e-3 * d for w, d in zip(canonical_representative(raw, (0,)),
                                          raw.random_weights(seed=5))]
    with pytest.raises(NotCriticalError):
        canonicalize(raw, nudged)
    with pytest.raises(ValueError, match="weights"):
        canonicalize(raw, weights[:2])


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10 ** 6), depth=st.integers(2, 4), spread=st.floats(0.0, 4.0))
def test_canonicalize_is_invariant_under_hidden_gl(seed, depth, spread):
    rng = np.random.default_rng(seed)
    raw, white = data_landscapes(seed, (3,) + (3,) * (depth - 1) + (2,))
    land = raw if seed % 2 else white
    subset = tuple(sorted(rng.choice(2, size=int(rng.integers(0, 3)), replace=False).tolist()))
    base = canonical_representative(land, subset)
    moved = hidden_gl(land, base, rng, spread)
    a, b = canonicalize(land, base), canonicalize(land, moved)
    assert a.subset == b.subset == subset
    assert a.value == b.value and a.kind == b.kind
    # partial-product ranks are GL invariants of the fiber coordinates
    np.testing.assert_array_equal(a.fiber.ranks, b.fiber.ranks)
    assert same_class(land, base, moved)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10 ** 6), depth=st.integers(2, 4))
def test_canonicalize_is_invariant_under_whitening(seed, depth):
    rng = np.random.default_rng(seed)
    widths = (4,) + tuple(int(d) for d in rng.integers(2, 4, depth - 1)) + (3,)
    raw, white = data_landscapes(seed, widths)
    sample = sample_fiber(raw, seed=rng)
    in_raw = canonicalize(raw, sample.weights)
    in_white = canonicalize(white, raw.spectrum.to_reduced(sample.weights))
    assert in_raw.subset == in_white.subset == sample.subset
    assert in_raw.value == pytest.approx(in_white.value, rel=1e-12)
    assert in_raw.kind == in_white.kind
    np.testing.assert_array_equal(in_raw.fiber.ranks, in_white.fiber.ranks)


def test_same_class_distinguishes_and_checks():
    spec = DataSpectrum.from_singular_values([3.0, 2.0, 2.0])
    land = Landscape(spec, (3, 2, 2, 3))
    rng = np.random.default_rng(6)
    a = sample_fiber(land, (0, 1), seed=rng).weights
    b = sample_fiber(land, (0, 2), seed=rng).weights  # the same class: 2 is tied with 1
    c = sample_fiber(land, (1, 2), seed=rng).weights
    assert same_class(land, a, b)
    assert not same_class(land, a, c)
    with pytest.raises(NotCriticalError):
        same_class(land, a, land.random_weights(seed=rng))


@pytest.mark.parametrize("sigma, widths", [
    ([3.0, 2.0, 1.0, 0.5], (4, 3, 4, 3, 4)),        # distinct, depth 4
    ([2.0, 2.0, 1.0, 0.0], (4, 5, 5, 4)),           # tie and zero
    ([3.0, 2.0, 1.0], (3, 2, 3, 3)),                # bottleneck
    ([3.0, 1.0], (2, 2, 2)),                        # depth 2
    ([2.0, 1.0], (2, 2)),                           # depth 1
])
def test_sample_fiber_points_are_critical_and_in_class(sigma, widths):
    spec = DataSpectrum.from_singular_values(sigma, d_x=widths[0], d_y=widths[-1])
    land = Landscape(spec, widths)
    rng = np.random.default_rng(7)
    seen = set()
    for _ in range(60):
        sample = sample_fiber(land, seed=rng)
        seen.add(sample.construction)
        weights = sample.weights
        # independent checks: the block-wise gradient relative to the layer norms, the loss,
        # and the singular values of the end-to-end map
        norms = [np.linalg.norm(w) for w in weights]
        for j, g in enumerate(land.gradient(weights)):
            others = np.prod(np.delete(norms, j))
            assert np.linalg.norm(g) <= 1e-9 * max(others, 1e-300) * max(np.prod(norms), 3.0)
        expected = np.sort(np.array(sigma)[list(sample.subset)])[::-1]
        values = np.linalg.svd(land.end_to_end(weights), compute_uv=False)[:len(expected)]
        np.testing.assert_allclose(values, expected, atol=1e-8 * max(sigma))
        assert land.loss(weights) == pytest.approx(land.critical_value(sample.subset),
                                                   abs=1e-9 * max(sigma) ** 2)
    assert seen == set(FiberConstruction)


def test_sample_fiber_covers_cut_patterns_and_unbalanced_points():
    spec = DataSpectrum.from_singular_values([3.0, 2.0, 1.0])
    land = Landscape(spec, (3, 3, 3, 3, 3))
    rng = np.random.default_rng(8)
    cut_counts = set()
    for _ in range(60):
        sample = sample_fiber(land, (0,), seed=rng, kind="blocked", scale_range=(0.3, 3.0))
        counts = {len(z) for z in sample.zero_layers}
        cut_counts |= counts
        # THEORY §4: {0} is top; a path cut in exactly two layers gives negative curvature,
        # paths cut in three or more layers none (non-strict). Hidden GL moves keep the
        # inertia (the Hessians are congruent).
        eigenvalues = np.linalg.eigvalsh(land.hessian(sample.weights))
        size = np.abs(eigenvalues).max()
        if 2 in counts:
            assert eigenvalues[0] < -1e-6 * size
        else:
            assert eigenvalues[0] > -1e-10 * size
    assert {2, 3, 4} <= cut_counts
    spreads = []
    for _ in range(20):
        weights = sample_fiber(land, (0, 1), seed=rng, kind="orbit").weights
        norms = [np.linalg.norm(w) for w in weights]
        spreads.append(max(norms) / min(norms))
    assert max(spreads) > 1e3  # the default scale range gives very unbalanced points


def test_sample_fiber_junk_at_the_origin_of_depth_three():
    spec = DataSpectrum.from_singular_values([3.0, 2.0, 1.0])
    land = Landscape(spec, (3, 2, 2, 3))
    rng = np.random.default_rng(9)
    patterns = set()
    for _ in range(40):
        sample = sample_fiber(land, (), seed=rng, kind="junk", scale_range=(1.0, 1.0))
        assert canonicalize(land, sample.weights).subset == ()
        patterns.add(tuple(bool(np.any(w)) for w in sample.weights))
    assert (False, True, False) in patterns  # W_1 = 0, W_2 != 0, W_3 = 0


def test_sample_fiber_is_reproducible_and_validates():
    spec = DataSpectrum.from_singular_values([3.0, 2.0, 1.0])
    land = Landscape(spec, (3, 3, 3, 3))
    a = sample_fiber(land, seed=11)
    b = sample_fiber(land, seed=11)
    assert a.subset == b.subset and a.description == b.description
    for x, y in zip(a.weights, b.weights):
        np.testing.assert_array_equal(x, y)
    with pytest.raises(ValueError, match="kind"):
        sample_fiber(land, seed=0, kind="bogus")
    with pytest.raises(ValueError, match="low <= high"):
        sample_fiber(land, seed=0, scale_range=(2.0, 1.0))
    with pytest.raises(TypeError, match="scale_range"):
        sample_fiber(land, seed=0, scale_range=3.0)
    with pytest.raises(ValueError, match="condition"):
        sample_fiber(land, seed=0, condition=0.5)
    with pytest.raises(TypeError):
        sample_fiber(land)  # seed is required


def test_fiber_coordinates_of_a_blocked_point():
    spec = DataSpectrum.from_singular_values([3.0, 2.0, 1.0])
    land = Landscape(spec, (3, 3, 3, 3))
    weights = canonical_representative(land, (0,))
    weights[1][1, 1] = 5.0  # a junk weight on a free unit between two cut layers
    fiber = fiber_coordinates(land, weights)
    assert fiber.layer_ranks == (1, 2, 1)
    assert fiber.partial_rank(1, 2) == 1 and fiber.partial_rank(2, 3) == 1
    assert fiber.partial_rank(1, 3) == 1
    assert "layer_ranks=(1, 2, 1)" in repr(fiber)
    assert canonicalize(land, weights).subset == (0,)
