"""DataSpectrum: singular values, L0 and the coordinate maps against independent computations.

Oracles: ``sigma`` from ``scipy.linalg.sqrtm`` and from the canonical-correlation route
(``sigma^2`` = eigenvalues of ``Syx Sxx^{-1} Sxy``), ``L0`` and ``P*`` from a least-squares
solve of the samples, and the loss evaluated directly on the samples (THEORY §1).
"""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest
import scipy.linalg
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import ortho_group

from conftest import random_problem, sample_data
from landscape import DATASETS, DataSpectrum
from landscape import Landscape
from landscape.problem.moments import second_moments


def _moments(X, Y, center=True):
    if center:
        X = X - X.mean(axis=0)
        Y = Y - Y.mean(axis=0)
    n = len(X)
    return X.T @ X / n, Y.T @ X / n, Y.T @ Y / n


def _sigma_sqrtm(X, Y, center=True):
    sxx, syx, _ = _moments(X, Y, center)
    return np.linalg.svd(syx @ np.linalg.inv(np.real(scipy.linalg.sqrtm(sxx))), compute_uv=False)


def _sigma_cca(X, Y, center=True):
    sxx, syx, _ = _moments(X, Y, center)
    ev = np.linalg.eigvalsh(syx @ np.linalg.solve(sxx, syx.T))[::-1]
    return np.sqrt(np.clip(ev[:min(X.shape[1], Y.shape[1])], 0, None))


def _lstsq(X, Y, center=True):
    """Least-squares map ``P*`` (``d_y x d_x``) and the minimal sample loss."""
    if center:
        X = X - X.mean(axis=0)
        Y = Y - Y.mean(axis=0)
    coef = np.linalg.lstsq(X, Y, rcond=None)[0]
    return coef.T, float(np.sum((Y - X @ coef) ** 2) / (2 * len(X)))


@pytest.mark.parametrize("seed", range(16))
@pytest.mark.parametrize("center", [True, False])
def test_sigma_offset_and_target_match_independent_computations(seed, center):
    rng = np.random.default_rng(seed)
    d_x, d_y = (int(d) for d in rng.integers(1, 6, size=2))
    X, Y = sample_data(rng, 30, d_x, d_y)
    spec = DataSpectrum.from_data(X, Y, center=center)
    assert spec.sigma.shape == (min(d_x, d_y),)
    assert np.all(np.diff(spec.sigma) <= 0) and np.all(spec.sigma >= 0)
    np.testing.assert_allclose(spec.sigma, _sigma_sqrtm(X, Y, center), rtol=1e-9)
    np.testing.assert_allclose(spec.sigma, _sigma_cca(X, Y, center), rtol=1e-7,
                               atol=1e-9 * spec.sigma[0])
    target, best = _lstsq(X, Y, center)
    assert spec.loss_offset == pytest.approx(best, rel=1e-9, abs=1e-12)
    np.testing.assert_allclose(spec.target(), target, rtol=1e-8, atol=1e-10)
    assert (spec.d_x, spec.d_y, spec.n_samples, spec.reduced) == (d_x, d_y, 30, False)
    # the SVD it reports: U Sigma V^T = Syx Sxx^{-1/2}, U and V orthogonal
    sxx, syx, _ = _moments(X, Y, center)
    np.testing.assert_allclose(spec.left @ spec.left.T, np.eye(d_y), atol=1e-12)
    np.testing.assert_allclose(spec.right @ spec.right.T, np.eye(d_x), atol=1e-12)
    np.testing.assert_allclose(spec.left @ spec.sigma_matrix() @ spec.right.T,
                               syx @ np.linalg.inv(np.real(scipy.linalg.sqrtm(sxx))),
                               rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("seed", range(12))
def test_raw_reduced_and_singular_value_forms_agree(seed):
    rng = np.random.default_rng(100 + seed)
    p = random_problem(seed, "raw")
    raw = p.land
    spec = raw.spectrum
    white = Landscape(DataSpectrum.from_data(p.X, p.Y, whiten=True), raw.widths)
    bare = Landscape(DataSpectrum.from_singular_values(spec.sigma, d_x=spec.d_x, d_y=spec.d_y),
                     raw.widths)
    np.testing.assert_array_equal(white.spectrum.sigma, spec.sigma)
    for scale in (0.3, 1.0, 2.0):
        w = raw.random_weights(scale=scale, seed=rng)
        reduced = spec.to_reduced(w)
        assert white.loss(reduced) == pytest.approx(raw.loss(w), rel=1e-10)
        assert bare.loss(reduced) + spec.loss_offset == pytest.approx(raw.loss(w), rel=1e-10)
        np.testing.assert_allclose(spec.reduced_map(raw.end_to_end(w)), bare.end_to_end(reduced),
                                   rtol=1e-10, atol=1e-12)
        for a, b in zip(spec.from_reduced(reduced), w):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
        for a, b in zip(spec.to_reduced(spec.from_reduced(w)), w):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    # same critical values; the canonical representative, mapped back, is critical on raw data
    m = spec.sigma.size
    for k in range(min(raw.bottleneck, m) + 1):
        for S in itertools.combinations(range(m), k):
            value = raw.critical_value(S)
            assert white.critical_value(S) == pytest.approx(value, rel=1e-12)
            assert bare.critical_value(S) + spec.loss_offset == pytest.approx(value, rel=1e-12)
            if raw.h == 1 and k < m:  # a single layer has only its global minimum
                continue
            rep = []
            for j, (rows, cols) in enumerate(raw.shapes):
                wj = np.zeros((rows, cols))
                for c, i in enumerate(S):
                    wj[i if j == raw.h - 1 else c, i if j == 0 else c] = spec.sigma[i] ** (1 / raw.h)
                rep.append(wj)
            data_rep = spec.from_reduced(rep)
            assert raw.loss(data_rep) == pytest.approx(value, rel=1e-9)
            assert white.loss(rep) == pytest.approx(value, rel=1e-12)
            grad = raw.flatten(raw.gradient(data_rep))
            assert np.max(np.abs(grad)) <= 1e-9 * raw.gradient_scale
    assert raw.minimum_value() == pytest.approx(white.minimum_value(), rel=1e-12)


def test_whitened_input_makes_target_the_reduced_map():
    # with Sxx = I the data's own coordinates differ from reduced ones only by rotations
    rng = np.random.default_rng(7)
    X, Y = sample_data(rng, 50, 3, 2)
    X = X - X.mean(axis=0)
    X = np.linalg.qr(X)[0] * np.sqrt(len(X))
    spec = DataSpectrum.from_data(X, Y)
    np.testing.assert_allclose(spec.input_sqrt, np.eye(3), atol=1e-12)
    np.testing.assert_allclose(spec.reduced_map(spec.target()), spec.sigma_matrix(), atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2 ** 32 - 1), d_x=st.integers(1, 5), d_y=st.integers(1, 5),
       shift=st.floats(-5, 5), scale=st.floats(0.1, 10))
def test_sigma_is_invariant_under_changes_of_basis(seed, d_x, d_y, shift, scale):
    rng = np.random.default_rng(seed)
    X, Y = sample_data(rng, 25, d_x, d_y)
    sigma = DataSpectrum.from_data(X, Y).sigma
    qx = ortho_group.rvs(d_x, random_state=rng) if d_x > 1 else np.array([[-1.0]])
    qy = ortho_group.rvs(d_y, random_state=rng) if d_y > 1 else np.array([[-1.0]])
    tol = dict(rtol=1e-8, atol=1e-10 * sigma[0])
    np.testing.assert_allclose(DataSpectrum.from_data(X @ qx, Y).sigma, sigma, **tol)
    np.testing.assert_allclose(DataSpectrum.from_data(X, Y @ qy).sigma, sigma, **tol)
    # any invertible change of X's basis, translations and sample order leave sigma alone
    mix = rng.standard_normal((d_x, d_x)) + 3 * np.eye(d_x)
    np.testing.assert_allclose(DataSpectrum.from_data(X @ mix, Y).sigma, sigma, **tol)
    np.testing.assert_allclose(DataSpectrum.from_data(X + shift, Y - shift).sigma, sigma, **tol)
    order = rng.permutation(len(X))
    np.testing.assert_allclose(DataSpectrum.from_data(X[order], Y[order]).sigma, sigma, **tol)
    # scaling the targets scales sigma; L0 scales with its square
    scaled = DataSpectrum.from_data(X, scale * Y)
    np.testing.assert_allclose(scaled.sigma, scale * sigma, **tol)
    assert scaled.loss_offset == pytest.approx(
        scale ** 2 * DataSpectrum.from_data(X, Y).loss_offset, rel=1e-7, abs=1e-9 * scale ** 2)


def test_left_singular_vectors_have_canonical_signs():
    rng = np.random.default_rng(3)
    X, Y = sample_data(rng, 30, 4, 3)
    for flip in (1.0, -1.0):
        spec = DataSpectrum.from_data(X, flip * Y)
        for i in range(spec.sigma.size):
            column = spec.left[:, i]
            assert column[np.argmax(np.abs(column))] > 0


def test_from_singular_values_sorts_and_pads():
    spec = DataSpectrum.from_singular_values([1.0, 3.0, 2.0], d_x=5, d_y=4)
    np.testing.assert_array_equal(spec.sigma, [3.0, 2.0, 1.0, 0.0])
    assert (spec.d_x, spec.d_y, spec.loss_offset, spec.reduced, spec.rank) == (5, 4, 0.0, True, 3)
    expected = np.zeros((4, 5))
    expected[[0, 1, 2], [0, 1, 2]] = [3.0, 2.0, 1.0]
    np.testing.assert_array_equal(spec.sigma_matrix(), expected)
    np.testing.assert_array_equal(spec.target(), expected)
    assert spec.scale == 3.0
    assert DataSpectrum.from_singular_values([0.0, 0.0]).scale == 1.0
    assert repr(spec) == ("DataSpectrum(name='singular values', sigma=[3., 2., 1., 0.], d_x=5, "
                          "d_y=4, loss_offset=0, reduced=True)")


@pytest.mark.parametrize("name,shape", [("linnerud", (3, 3, 20)), ("diabetes", (10, 1, 442))])
def test_bundled_datasets_load(name, shape):
    from sklearn import datasets

    assert name in DATASETS
    spec = DataSpectrum.from_dataset(name)
    assert (spec.d_x, spec.d_y, spec.n_samples) == shape
    assert spec.name == name and not spec.reduced
    bunch = getattr(datasets, f"load_{name}")()
    X = np.asarray(bunch.data, dtype=float)
    Y = np.asarray(bunch.target, dtype=float).reshape(len(X), -1)
    np.testing.assert_allclose(spec.sigma, _sigma_sqrtm(X, Y), rtol=1e-8)
    assert spec.loss_offset == pytest.approx(_lstsq(X, Y)[1], rel=1e-8)
    assert DataSpectrum.from_dataset(name, whiten=True).reduced


# ---------------------------------------------------------------------- bad input
def _xy(n=10, d_x=3, d_y=2, seed=0):
    return sample_data(np.random.default_rng(seed), n, d_x, d_y)


def test_singular_input_covariance_is_rejected():
    X, Y = _xy()
    collinear = np.column_stack([X, X[:, 0] + 2 * X[:, 1]])
    with pytest.raises(ValueError, match=r"X must have a nonsingular input covariance .* "
                                         r"got rank 3 < d_x = 4"):
        DataSpectrum.from_data(collinear, Y)
    constant = X.copy()
    constant[:, 1] = 4.0
    with pytest.raises(ValueError, match=r"X must have a nonsingular input covariance"):
        DataSpectrum.from_data(constant, Y)
    with pytest.raises(ValueError, match=r"X must have a nonsingular input covariance"):
        DataSpectrum.from_data(X[:3], Y[:3])  # fewer (centred) samples than inputs
    with pytest.raises(ValueError, match=r"X must have a nonsingular input covariance"):
        DataSpectrum.from_data(np.zeros_like(X), Y, center=False)
    # not centred, a constant column is a genuine input
    DataSpectrum.from_data(constant, Y, center=False)


@pytest.mark.parametrize("which", ["X", "Y"])
def test_bad_arrays_are_rejected(which):
    X, Y = _xy()

    def call(bad):
        return DataSpectrum.from_data(*((bad, Y) if which == "X" else (X, bad)))

    good = X if which == "X" else Y
    with pytest.raises(ValueError, match=rf"{which} must hold finite values only, got 1 NaN"):
        call(np.where(np.arange(good.size).reshape(good.shape) == 3, np.nan, good))
    with pytest.raises(ValueError, match=rf"{which} must hold finite values only"):
        call(good * np.inf)
    with pytest.raises(ValueError, match=rf"{which} must be a 2-D array, got an array with shape \(10,\)"):
        call(good[:, 0])
    with pytest.raises(ValueError, match=rf"{which} must not be empty"):
        call(good[:0])
    with pytest.raises(ValueError, match=rf"{which} must not be empty"):
        call(np.empty((10, 0)))
    with pytest.raises(TypeError, match=rf"{which} must be a 2-D array of numbers, got 'abc'"):
        call("abc")
    with pytest.raises(TypeError, match=rf"{which} must be a 2-D array of numbers, got None"):
        call(None)


@pytest.mark.parametrize("which, factor", [("X", 1e160), ("X", 1e-160), ("Y", 1e170),
                                           ("Y", 1e-170), ("X", 1e300), ("X", 1e-300)])
def test_spreads_whose_squares_leave_double_precision_are_refused_naming_the_cause(which,
                                                                                   factor):
    """A column spread beyond ``1e+-153`` is refused as such (its variance over- or underflows),
    not as a singular covariance or an overflow deep inside; one column suffices."""
    X, Y = _xy()
    X, Y = X.copy(), Y.copy()
    (X if which == "X" else Y)[:, 1] *= factor
    spread = np.std((X if which == "X" else Y)[:, 1] / factor) * factor
    with pytest.raises(ValueError, match=rf"{which} must have column spreads \(root-mean-square "
                                         rf"deviations\) in \[1e-153, 1e\+153\].*got "
                                         rf"{re.escape(f'{spread:.3g}')} in column 1: "
                                         rf"rescale {which}"):
        DataSpectrum.from_data(X, Y)


@pytest.mark.parametrize("factor", [1e150, 1e-150])
def test_spreads_inside_the_range_give_the_spectrum_of_the_unscaled_data(factor):
    """sigma is invariant under a scaling of X (THEORY §1), up to 1e+-150, and the second
    moments are those of the plain products where those do not overflow."""
    X, Y = _xy()
    plain, scaled = DataSpectrum.from_data(X, Y), DataSpectrum.from_data(factor * X, Y)
    np.testing.assert_allclose(scaled.sigma, plain.sigma, rtol=1e-10)
    assert scaled.input_scale == pytest.approx(factor * plain.input_scale, rel=1e-10)


def test_mismatched_samples_and_bad_options_are_rejected():
    X, Y = _xy()
    with pytest.raises(ValueError, match=r"X and Y must have the same number of rows .* got 10 and 9"):
        DataSpectrum.from_data(X, Y[:9])
    with pytest.raises(ValueError, match=r"rcond must be > 0, got -1.0"):
        DataSpectrum.from_data(X, Y, rcond=-1.0)
    with pytest.raises(ValueError, match=r"dataset must be one of 'linnerud', 'diabetes', got 'iris'"):
        DataSpectrum.from_dataset("iris")


@pytest.mark.parametrize("kwargs,error,match", [
    (dict(sigma=[1.0, -2.0]), ValueError, r"sigma must be >= 0, got \[1.0, -2.0\]"),
    (dict(sigma=[]), ValueError, r"sigma must not be empty"),
    (dict(sigma=[[1.0]]), ValueError, r"sigma must be a 1-D array"),
    (dict(sigma=[1.0, np.nan]), ValueError, r"sigma must hold finite values only"),
    (dict(sigma=[3.0, 2.0, 1.0], d_x=2), ValueError,
     r"sigma must have at most min\(d_x, d_y\) = 2 entries, got 3"),
    (dict(sigma=[1.0], d_y=0), ValueError, r"d_y must be >= 1, got 0"),
    (dict(sigma=[1.0], d_x=2.5), TypeError, r"d_x must be an integer, got 2.5"),
])
def test_bad_singular_values_are_rejected(kwargs, error, match):
    sigma = kwargs.pop("sigma")
    with pytest.raises(error, match=match):
        DataSpectrum.from_singular_values(sigma, **kwargs)


def test_second_moments_are_the_plain_products_bit_for_bit_at_ordinary_scales():
    rng = np.random.default_rng(5)
    for _ in range(20):
        X = rng.standard_normal((30, 4)) * 10.0 ** rng.uniform(-50, 50, 4)
        Y = rng.standard_normal((30, 3)) * 10.0 ** rng.uniform(-50, 50, 3)
        sxx, syx, syy = second_moments(X, Y)
        # the power-of-two column units make the scaling exact: same bits as X^T X / N
        assert np.array_equal(sxx, X.T @ X / 30)
        assert np.array_equal(syx, Y.T @ X / 30)
        assert np.array_equal(syy, Y.T @ Y / 30)
    huge = rng.standard_normal((10 ** 4, 2)) * 1e152  # the plain sum over samples overflows
    sxx = second_moments(huge, huge[:, :1])[0]
    assert np.all(np.isfinite(sxx))
    np.testing.assert_allclose(sxx, (huge / 1e152).T @ (huge / 1e152) / 10 ** 4 * 1e304,
                               rtol=1e-12)
