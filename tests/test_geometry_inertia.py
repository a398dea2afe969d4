"""Hessian inertia, dense and matrix-free, and the spectrum's parts:
:mod:`landscape.geometry.inertia`, :mod:`landscape.geometry.eigensolver`,
:mod:`landscape.geometry.spectral_parts`.

Oracles: the dense eigendecomposition for the matrix-free solver, and spectra written out.
"""

import numpy as np
import pytest
from conftest import sample_data
from geometry_oracles import aligned_point

from landscape import (CriticalKind, DataSpectrum, HessianSpectrum, Landscape, classify,
                       hessian_inertia, hessian_spectrum, sample_fiber)
from landscape.geometry.eigensolver import FIRST_BLOCK, check_seed, range_eigenvalues
from landscape.geometry.inertia import DENSE_HESSIAN_LIMIT

STRICT = CriticalKind.STRICT_SADDLE


def test_matrix_free_inertia_equals_dense():
    rng = np.random.default_rng(11)
    compared = 0
    for trial in range(12):
        h = 2 + trial % 4
        d_x, d_y = (int(d) for d in rng.integers(3, 7, size=2))
        widths = (d_x, *(int(d) for d in rng.integers(3, 9, size=h - 1)), d_y)
        if trial % 2:
            X, Y = sample_data(rng, 40, d_x, d_y)
            spec = DataSpectrum.from_data(X, Y, whiten=trial % 4 == 1)
        else:
            spec = DataSpectrum.from_singular_values(rng.uniform(0.3, 2.0, min(d_x, d_y)),
                                                     d_x=d_x, d_y=d_y)
        land = Landscape(spec, widths)
        assert land.n_params > FIRST_BLOCK
        for _ in range(4):
            weights = sample_fiber(land, seed=rng).weights
            dense = hessian_inertia(land, weights, method="dense")
            free = hessian_inertia(land, weights, method="matrix_free", seed=trial)
            assert (free.n_negative, free.n_zero, free.n_positive) == \
                (dense.n_negative, dense.n_zero, dense.n_positive)
            assert free.method == "matrix_free" and free.eigenvalue_bound < 0.1 * free.threshold
            beyond = np.abs(free.eigenvalues) > free.threshold
            np.testing.assert_allclose(
                free.eigenvalues[beyond], dense.eigenvalues[np.abs(dense.eigenvalues)
                                                            > dense.threshold],
                atol=1e-8 * dense.eigenvalues[-1])
            assert free.min_eigenvalue == pytest.approx(dense.min_eigenvalue,
                                                        abs=1e-8 * dense.eigenvalues[-1])
            compared += 1
    assert compared == 48


def test_classify_matrix_free_and_auto_switch():
    land = Landscape(DataSpectrum.from_singular_values([3.0, 2.0, 1.0]), (3, 5, 5, 5, 3))
    weights = aligned_point(land, (0,), cut={2: (1, 2)})
    dense = classify(land, weights)
    assert dense.method == "dense" and land.n_params <= DENSE_HESSIAN_LIMIT
    free = classify(land, weights, dense_limit=10)
    assert free.method == "matrix_free"
    assert free.inertia == dense.inertia and free.n_orbit == dense.n_orbit
    assert free.kind is dense.kind is STRICT and free.agree
    spectrum = free.spectrum
    assert not spectrum.complete and spectrum.eigenvalues.size == land.n_params
    np.testing.assert_allclose(spectrum.negative, dense.spectrum.negative, rtol=1e-8)
    np.testing.assert_allclose(spectrum.positive, dense.spectrum.positive, rtol=1e-8)


def test_matrix_free_reports_a_hessian_too_large_for_its_subspace():
    land = Landscape(DataSpectrum.from_singular_values([3.0, 2.0, 1.0]), (3, 6, 6, 3))
    weights = land.random_weights(seed=0)   # inertia is defined anywhere; rank > 16 here
    with pytest.raises(RuntimeError, match="max_eigenpairs = 16"):
        hessian_inertia(land, weights, method="matrix_free", max_eigenpairs=16)


def test_range_eigenvalues_of_a_low_rank_operator_and_its_seed():
    rng = np.random.default_rng(1)
    q, _ = np.linalg.qr(rng.standard_normal((60, 60)))
    spectrum = np.zeros(60)
    spectrum[:20] = np.linspace(-3.0, 5.0, 20)
    operator = (q * spectrum) @ q.T
    values, bound = range_eigenvalues(lambda v: operator @ v, 60, 1e-6, seed=3,
                                      max_eigenpairs=64)
    found = np.sort(values[np.abs(values) > 1e-6])
    np.testing.assert_allclose(found, np.sort(spectrum[np.abs(spectrum) > 0]), atol=1e-9)
    assert bound < 1e-7
    again, _ = range_eigenvalues(lambda v: operator @ v, 60, 1e-6,
                                 seed=np.random.default_rng(3), max_eigenpairs=64)
    np.testing.assert_array_equal(values, again)   # an int seed and its Generator agree
    with pytest.raises(TypeError, match="seed must be an integer, a numpy Generator or None"):
        check_seed("3")


def test_inertia_accepts_a_generator_seed():
    land = Landscape(DataSpectrum.from_singular_values([3.0, 2.0, 1.0]), (3, 5, 5, 5, 3))
    weights = aligned_point(land, (0,), cut={2: (1, 2)})
    a = hessian_inertia(land, weights, method="matrix_free", seed=4)
    b = hessian_inertia(land, weights, method="matrix_free", seed=np.random.default_rng(4))
    np.testing.assert_array_equal(a.eigenvalues, b.eigenvalues)
    assert hessian_inertia(land, weights, method="matrix_free", seed=None).n_negative == \
        a.n_negative


def test_hessian_spectrum_parts():
    s = hessian_spectrum([3.0, -2.0, 1e-12, 0.0, -1e-11, 5.0], zero_threshold=1e-9, n_orbit=2)
    assert isinstance(s, HessianSpectrum) and s.complete
    assert (s.n_negative, s.n_zero, s.n_positive, s.n_orbit, s.centre_dim) == (1, 3, 2, 2, 1)
    np.testing.assert_array_equal(s.negative, [-2.0])
    np.testing.assert_array_equal(s.orbit, [-1e-11, 0.0])
    np.testing.assert_array_equal(s.centre, [1e-12])
    np.testing.assert_array_equal(s.positive, [3.0, 5.0])
    padded = hessian_spectrum([-1.0, 2.0], zero_threshold=0.1, n_orbit=1, n_params=5)
    assert not padded.complete and padded.eigenvalues.tolist() == [-1.0, 0.0, 0.0, 0.0, 2.0]
    assert "centre_dim=2" in repr(padded)


# ---------------------------------------------------------------------- dropped input space
def _column_space_problems():
    """Real and random rank-deficient data: constant and collinear columns, d_x > N."""
    from sklearn import datasets

    X, y = datasets.load_digits(return_X_y=True)    # 3 constant pixels
    yield "digits", X, np.eye(10)[y], (64, 2, 2, 10)
    X, y = datasets.load_wine(return_X_y=True)
    X = np.column_stack([X, 3 * X[:, 0] + X[:, 1], np.ones(len(X))])
    yield "wine", X, np.eye(3)[y], (15, 2, 3, 3)
    X, y = datasets.load_diabetes(return_X_y=True)
    yield "diabetes", np.column_stack([X, np.ones(len(X)), X[:, :2] @ [1.0, 2.0]]), y[:, None], \
        (12, 3, 1)
    X, y = datasets.load_breast_cancer(return_X_y=True)
    X = np.column_stack([X[:, :6], X[:, :2] @ [1.0, -1.0], X[:, 0] * 1e3])
    yield "breast cancer", X, np.eye(2)[y], (8, 3, 2)
    for seed in range(4):
        rng = np.random.default_rng(seed)
        n, d_x, d_y = int(rng.integers(4, 8)), int(rng.integers(6, 10)), int(rng.integers(2, 4))
        X = rng.normal(size=(n, d_x))
        X[:, -1] = X[:, 0] - 2 * X[:, 1]
        yield f"random {seed}", X, rng.normal(size=(n, d_y)), (d_x, 3, 2, d_y)


def _hessian_size(land):
    """The largest Hessian eigenvalue at the global minimum: the problem's curvature scale."""
    from landscape import critical_point

    top = tuple(range(land.max_rank))
    return float(np.abs(np.linalg.eigvalsh(land.hessian(critical_point(land, top).weights))).max())


def _dense_counts(land, weights, size):
    """Inertia from the eigenvalues of the analytic Hessian in the data's coordinates, zero
    below 1e-11 of ``size`` (their gap: rounding below 1e-15, curvature above 1e-8)."""
    values = np.linalg.eigvalsh(land.hessian(weights))
    cut = 1e-11 * size
    return (int(np.sum(values < -cut)), int(np.sum(np.abs(values) <= cut)),
            int(np.sum(values > cut)))


def _orbit_rank(land, weights):
    from landscape import orbit_tangent

    s = np.linalg.svd(orbit_tangent(land, weights), compute_uv=False)
    return int(np.sum(s > 1e-9 * s[0])) if s.size and s[0] > 0 else 0


def test_column_space_inertia_equals_the_hessian_in_the_data_coordinates():
    # the dropped inputs leave the loss unchanged: zero curvature, not positive (issue: digits
    # 64,2,2,10 gave (0, 8, 144) at the minimum against (0, 14, 138) from the Hessian)
    from landscape import enumerate_critical_points

    kinds = set()
    for name, X, Y, widths in _column_space_problems():
        land = Landscape(DataSpectrum.from_data(X, Y, input_space="column_space"), widths)
        assert land.spectrum.dropped_inputs > 0, name
        catalog = enumerate_critical_points(land, curvature=True, progress=False)
        size = _hessian_size(land)
        for point in catalog:
            expected = _dense_counts(land, point.weights, size)
            assert point.inertia == expected, (name, point.subset)
            assert point.n_orbit == _orbit_rank(land, point.weights), (name, point.subset)
            assert point.centre_dim == expected[1] - point.n_orbit
            kinds.add(point.kind)
        if name == "digits":
            assert catalog.lookup(tuple(range(2))).inertia == (0, 14, 138)
    assert len(kinds) == 3


def test_column_space_inertia_of_every_method_and_with_weight_on_dropped_inputs():
    # weight on the dropped inputs changes neither the loss nor criticality, but it can enlarge
    # the symmetry orbit (the orbit acts in the data's coordinates)
    from landscape import critical_point

    for name, X, Y, widths in _column_space_problems():
        land = Landscape(DataSpectrum.from_data(X, Y, input_space="column_space"), widths)
        spec, rng = land.spectrum, np.random.default_rng(1)
        null = np.linalg.svd(spec.input_sqrt)[0][:, spec.input_rank:]
        size = _hessian_size(land)
        for subset in [(), (0,)] + [(1,)] * (land.spectrum.rank > 1):
            weights = critical_point(land, subset).weights
            weights[0] = weights[0] + rng.normal(size=(widths[1], null.shape[1])) @ null.T
            expected = _dense_counts(land, weights, size)
            for method in ("auto", "dense", "matrix_free"):
                c = classify(land, weights, method=method)
                assert c.inertia == expected, (name, subset, method)
                assert c.n_orbit == _orbit_rank(land, weights), (name, subset, method)
