"""Tie groups, learnt sets read off end-to-end maps, and the relative criticality measure."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from landscape import DataSpectrum
from landscape import Landscape
from landscape import (CriticalKind, NotCriticalError, check_critical, check_subset, is_top,
                             learnt_modes, relative_gradient_norm, tie_groups)


def aligned_point(land, subset, rotation=None):
    """Balanced aligned weights with end-to-end map Sigma_S in reduced coordinates.

    Written out here (not taken from the library) as the test's own oracle: path
    input i -> hidden unit c -> ... -> output i with weight sigma_i^{1/h}. ``rotation`` (an
    orthogonal matrix on the first ``len(subset)`` inputs/outputs) rotates inside a tie block.
    """
    sigma = land.spectrum.sigma
    weights = [np.zeros(s) for s in land.shapes]
    for c, i in enumerate(subset):
        a = sigma[i] ** (1.0 / land.h)
        weights[0][c, i] = a
        for j in range(1, land.h - 1):
            weights[j][c, c] = a
        weights[-1][i, c] = a
    if rotation is not None:
        weights[0] = weights[0] @ rotation.T
        weights[-1] = rotation @ weights[-1]
    return weights


def test_tie_groups_examples_and_brute_force():
    assert tie_groups([3.0, 2.0, 2.0, 1.0, 0.0]) == ((0,), (1, 2), (3,))
    assert tie_groups([1.0, 1.0, 1.0]) == ((0, 1, 2),)
    assert tie_groups([0.0, 0.0]) == ()
    assert tie_groups([2.0, 2.0 - 1e-12, 1.0, 1e-13]) == ((0, 1), (2,))
    assert tie_groups([2.0, 2.0 - 1e-12], tie_tol=0.0) == ((0,), (1,))
    rng = np.random.default_rng(0)
    for _ in range(50):
        sigma = np.sort(rng.choice([0.0, 0.5, 1.0, 2.0, 3.0], size=6))[::-1]
        groups = tie_groups(sigma)
        # oracle: partition of the positive indices by exact value
        expected = tuple(tuple(int(i) for i in np.flatnonzero(sigma == v))
                         for v in sorted(set(sigma[sigma > 0]), reverse=True))
        assert groups == expected


@pytest.mark.parametrize("bad, error", [([1.0, 2.0], ValueError), ([1.0, -1.0], ValueError),
                                        ("abc", TypeError), ([np.nan], ValueError)])
def test_tie_groups_rejects_bad_sigma(bad, error):
    with pytest.raises(error, match="sigma"):
        tie_groups(bad)


def test_is_top_against_definition():
    sigma = np.array([3.0, 2.0, 2.0, 1.0, 0.0])
    for k in range(5):
        for subset in itertools.combinations(range(4), k):
            unlearnt = [i for i in range(4) if i not in subset]
            expected = all(sigma[a] >= sigma[b] for a in subset for b in unlearnt)
            assert is_top(sigma, subset) == expected
    with pytest.raises(ValueError, match="nonzero singular values"):
        is_top(sigma, (4,))
    with pytest.raises(ValueError, match="distinct"):
        check_subset((1, 1), 3)
    with pytest.raises(TypeError, match="subset"):
        check_subset(3, 3)


@pytest.mark.parametrize("whiten", [True, False])
def test_learnt_modes_reads_every_subset(whiten):
    spec = DataSpectrum.from_dataset("linnerud", whiten=whiten)
    land = Landscape(spec, widths=(3, 2, 2, 3))
    for k in range(3):
        for subset in itertools.combinations(range(3), k):
            weights = aligned_point(land, subset)
            weights = weights if spec.reduced else spec.from_reduced(weights)
            modes = learnt_modes(land, weights)
            assert modes.subset == subset and modes.rank == k
            assert modes.top == (subset == tuple(range(k)))
            assert modes.max_rank == 2
            assert relative_gradient_norm(land, weights) < 1e-12


def test_learnt_modes_inside_a_tie_block_is_canonical():
    spec = DataSpectrum.from_singular_values([3.0, 2.0, 2.0, 2.0, 0.0], d_x=6, d_y=5)
    land = Landscape(spec, widths=(6, 4, 4, 5))
    rng = np.random.default_rng(1)
    rotation = np.eye(5)
    q, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    rotation[1:4, 1:4] = q
    # learn mode 0 and two tied modes (indices 2, 3), rotated inside the tie block
    weights = aligned_point(land, (0, 2, 3))
    weights[0][:, :5] = weights[0][:, :5] @ rotation.T
    weights[-1] = rotation @ weights[-1]
    modes = learnt_modes(land, weights)
    assert modes.subset == (0, 1, 2)
    assert modes.tie_groups == ((0,), (1, 2, 3)) and modes.counts == (1, 2)
    assert modes.grassmannian_dim == 2 * 1
    assert modes.top
    assert relative_gradient_norm(land, weights) < 1e-12


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2 ** 31), log_scales=st.lists(st.floats(-4, 4), min_size=3, max_size=3))
def test_relative_gradient_norm_is_rescaling_invariant(seed, log_scales):
    spec = DataSpectrum.from_singular_values([3.0, 2.0, 1.0], d_x=4, d_y=3)
    land = Landscape(spec, widths=(4, 3, 3, 3))
    rng = np.random.default_rng(seed)
    scales = 10.0 ** np.array(log_scales)
    scales[-1] = 1.0 / np.prod(scales[:-1])
    critical = aligned_point(land, (0, 2))
    moved = [c * w for c, w in zip(scales, critical)]
    assert relative_gradient_norm(land, moved) < 1e-12
    assert learnt_modes(land, moved).subset == (0, 2)
    generic = land.random_weights(seed=rng)
    base = relative_gradient_norm(land, generic)
    assert base > 1e-3
    assert relative_gradient_norm(land, [c * w for c, w in zip(scales, generic)]) \
        == pytest.approx(base, rel=1e-9)


def test_relative_gradient_norm_matches_the_gradient_definition():
    spec = DataSpectrum.from_singular_values([2.0, 1.0])
    land = Landscape(spec, widths=(2, 2, 2))
    weights = [np.array([[1.0, 0.5], [0.0, 1.0]]), np.array([[0.5, 0.0], [1.0, 2.0]])]
    # oracle: rebalance by hand to equal norms, then take the plain gradient
    norms = [np.linalg.norm(w) for w in weights]
    mean = np.sqrt(norms[0] * norms[1])
    balanced = [w * mean / n for w, n in zip(weights, norms)]
    grads = land.gradient(balanced)
    expected = max(np.linalg.norm(g) for g in grads) / 2.0 ** 1.5
    assert relative_gradient_norm(land, weights) == pytest.approx(expected, rel=1e-12)
    # a vanishing layer: the plain gradient
    zero = [np.zeros((2, 2)), weights[1]]
    expected = max(np.linalg.norm(g) for g in land.gradient(zero)) / 2.0 ** 1.5
    assert relative_gradient_norm(land, zero) == pytest.approx(expected, rel=1e-12)


def test_relative_gradient_norm_is_continuous_at_a_vanishing_layer():
    # W_1 reads only the zero mode, W_2 -> 0: critical in the limit, and the measure says so
    spec = DataSpectrum.from_singular_values([2.0, 1.0, 0.0])
    land = Landscape(spec, widths=(3, 2, 3))
    w1 = np.zeros((2, 3))
    w1[:, 2] = [1e8, 3e7]
    w2 = 1e-150 * np.ones((3, 2))
    assert relative_gradient_norm(land, [w1, w2]) < 1e-30
    assert relative_gradient_norm(land, [w1, np.ones((3, 2))]) > 1.0


def test_check_critical_raises_with_the_norm():
    spec = DataSpectrum.from_singular_values([2.0, 1.0])
    land = Landscape(spec, widths=(2, 2, 2))
    weights = land.random_weights(seed=3)
    with pytest.raises(NotCriticalError, match="relative gradient norm") as info:
        check_critical(land, weights)
    assert isinstance(info.value, ValueError)
    assert info.value.gradient_norm == pytest.approx(relative_gradient_norm(land, weights))
    assert check_critical(land, [np.zeros((2, 2))] * 2) == 0.0


def test_critical_kind_compares_as_string():
    assert CriticalKind.NON_STRICT_SADDLE == "non_strict_saddle"
    assert str(CriticalKind.GLOBAL_MINIMUM) == "global_minimum"
