"""Real data from a file to its class, kind and report: wine, digits, centred one-hot targets,
rank-deficient inputs, and the loss units.

Oracles: the closed forms of THEORY §2 (classes, r*, minimum value), the loss computed by hand
from the samples, spectra of the same data with the null columns dropped by hand, and
scikit-learn's mean squared error.
"""

import json
import math

import numpy as np
import pytest
from sklearn.datasets import load_digits, load_wine
from sklearn.metrics import mean_squared_error
from sklearn.preprocessing import StandardScaler

import landscape as ls
from landscape import CriticalKind, DataSpectrum, Landscape
from landscape.cli import main


def one_hot_problem(n_classes, seed, n=60):
    rng = np.random.default_rng(seed)
    labels = np.concatenate([np.arange(n_classes), rng.integers(0, n_classes, n - n_classes)])
    X = rng.standard_normal((n, n_classes + 2)) + labels[:, None] * rng.normal(size=n_classes + 2)
    return StandardScaler().fit_transform(X), np.eye(n_classes)[labels]


def expected_kind(subset, r_star, h):
    top = subset == tuple(range(len(subset)))
    if not top:
        return CriticalKind.STRICT_SADDLE
    if len(subset) == r_star:
        return CriticalKind.GLOBAL_MINIMUM
    return CriticalKind.STRICT_SADDLE if h == 2 else CriticalKind.NON_STRICT_SADDLE


def test_wine_global_minimum_moved_by_1e_9_is_a_global_minimum():
    X, target = load_wine(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    land = Landscape(DataSpectrum.from_data(X, np.eye(3)[target]), (13, 4, 4, 3))
    sigma = land.spectrum.sigma
    assert sigma[2] < 1e-14 * sigma[0] and land.spectrum.rank == 2    # the rounding zero
    catalog = ls.enumerate_critical_points(land)
    assert sorted(catalog.subsets) == [(), (0,), (0, 1), (1,)]
    rng = np.random.default_rng(0)
    moved = [w + 1e-9 * rng.standard_normal(w.shape)
             for w in catalog.lookup((0, 1)).weights]
    found = ls.classify(land, moved)
    assert found.kind is found.witness_kind is CriticalKind.GLOBAL_MINIMUM
    assert ls.canonicalize(land, moved).kind is CriticalKind.GLOBAL_MINIMUM


@pytest.mark.parametrize("n_classes", range(2, 11))
def test_centred_one_hot_targets_have_rank_c_minus_1_everywhere(n_classes):
    X, Y = one_hot_problem(n_classes, seed=n_classes)
    spec = DataSpectrum.from_data(X, Y)
    m = n_classes - 1
    assert spec.rank == m and spec.sigma[m:].max(initial=0.0) < 1e-12 * spec.sigma[0]
    for widths in [(X.shape[1], 3, n_classes), (X.shape[1], 3, 3, n_classes)]:
        land = Landscape(spec, widths)
        h, r = land.h, 3
        r_star = min(r, m)
        assert land.max_rank == r_star
        catalog = ls.enumerate_critical_points(land)
        assert len(catalog) == sum(math.comb(m, k) for k in range(r_star + 1))
        assert all(max(s, default=-1) < m for s in catalog.subsets)   # the zero never learnt
        for point in catalog:
            assert point.kind is expected_kind(point.subset, r_star, h), point
        # the minimum value, against the loss of its representative computed by hand
        best = catalog[-1]
        product = land.end_to_end(best.weights)
        Xc, Yc = X - X.mean(axis=0), Y - Y.mean(axis=0)
        by_hand = 0.5 * np.sum((Yc - Xc @ product.T) ** 2) / X.shape[0]
        assert best.value == pytest.approx(by_hand, abs=1e-12)
        assert best.value == pytest.approx(land.minimum_value(), abs=1e-12)
        assert best.kind is CriticalKind.GLOBAL_MINIMUM and len(best.subset) == r_star
    rng = np.random.default_rng(n_classes)
    moved = [w + 1e-9 * rng.standard_normal(w.shape) for w in best.weights]
    assert ls.classify(land, moved).kind is CriticalKind.GLOBAL_MINIMUM


# ---------------------------------------------------------------------- rank-deficient inputs
def test_column_space_drops_constant_and_collinear_columns_and_keeps_the_coordinates():
    rng = np.random.default_rng(1)
    base = rng.standard_normal((50, 3))
    X = np.column_stack([base, np.full(50, 7.0), base[:, 0] - 2 * base[:, 1]])
    Y = base @ rng.standard_normal((3, 2)) + 0.1 * rng.standard_normal((50, 2))
    with pytest.raises(ValueError, match="input_space='column_space'"):
        DataSpectrum.from_data(X, Y)
    spec = DataSpectrum.from_data(X, Y, input_space="column_space")
    assert (spec.d_x, spec.input_rank, spec.dropped_inputs) == (5, 3, 2)
    reference = DataSpectrum.from_data(base, Y)              # the same data, columns dropped
    np.testing.assert_allclose(spec.sigma, reference.sigma, rtol=1e-10)
    assert spec.loss_offset == pytest.approx(reference.loss_offset, rel=1e-10)
    land = Landscape(spec, (5, 3, 2))
    weights = land.random_weights(seed=2)                    # the user's 5-column weights
    Xc, Yc = X - X.mean(axis=0), Y - Y.mean(axis=0)
    by_hand = 0.5 * np.sum((Yc - Xc @ land.end_to_end(weights).T) ** 2) / 50
    assert land.loss(weights) == pytest.approx(by_hand, rel=1e-10)
    reduced = spec.to_reduced(weights)
    assert np.abs(reduced[0][:, 3:]).max() < 1e-12             # null directions: zero
    back = spec.from_reduced(reduced)
    assert land.loss(back) == pytest.approx(land.loss(weights), rel=1e-10)
    np.testing.assert_allclose(spec.to_reduced(back)[0], reduced[0], atol=1e-12)
    # classes of the user's coordinates: the canonical minimum has the minimum value
    catalog = ls.enumerate_critical_points(land)
    assert catalog[-1].value == pytest.approx(land.loss(catalog[-1].weights), abs=1e-12)
    assert catalog[-1].value == pytest.approx(land.minimum_value(), abs=1e-12)


def test_more_inputs_than_samples():
    rng = np.random.default_rng(3)
    X, Y = rng.standard_normal((12, 30)), rng.standard_normal((12, 2))
    spec = DataSpectrum.from_data(X, Y, input_space="column_space")
    assert spec.input_rank == 11 and spec.dropped_inputs == 19       # centred: N - 1
    # 11 directions fit 12 centred samples exactly: nothing is left
    assert spec.loss_offset == pytest.approx(0.0, abs=1e-10)


def test_the_rank_is_decided_scale_free():
    rng = np.random.default_rng(4)
    X, Y = rng.standard_normal((40, 3)), rng.standard_normal((40, 2))
    scaled = X * [1e6, 1.0, 1e-4]
    full = DataSpectrum.from_data(X, Y)
    assert DataSpectrum.from_data(scaled, Y).input_rank == 3          # not called singular
    column = DataSpectrum.from_data(scaled, Y, input_space="column_space")
    assert column.dropped_inputs == 0
    np.testing.assert_allclose(column.sigma, full.sigma, rtol=1e-9)   # scale-invariant
    with pytest.raises(ValueError, match="input_space must be one of"):
        DataSpectrum.from_data(X, Y, input_space="pca")


def test_digits_from_a_file_to_class_kind_and_table(tmp_path, capsys):
    X, target = load_digits(return_X_y=True)
    Y = np.eye(10)[target]
    spec = DataSpectrum.from_data(X, Y, input_space="column_space")
    assert spec.d_x == 64 and spec.dropped_inputs == int(np.sum(X.std(axis=0) == 0)) == 3
    assert spec.rank == 9
    land = Landscape(spec, (64, 3, 3, 10))
    start = land.random_weights(scale=0.3, seed=0)
    trained = ls.gradient_flow(land, start, t_max=2e2).weights
    where = ls.locate(land, trained)
    found = ls.classify(land, trained)
    assert found.subset == where.subset and found.kind in set(CriticalKind)
    # the same through the command line, widths from the weights file's shapes
    np.savez(tmp_path / "digits.npz", X=X, Y=Y)
    np.savez(tmp_path / "net.npz", **{f"{j}.weight": w for j, w in enumerate(trained)},
             **{f"{j}.bias": np.zeros(w.shape[0]) for j, w in enumerate(trained)})
    assert main(["classify", "--data", str(tmp_path / "digits.npz"), "--input-space",
                 "column_space", "--weights", str(tmp_path / "net.npz"), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "m = 9 nonzero" in out and "3 null directions dropped" in out
    assert "biases of 3 layer(s) set aside" in out and "2 L / d_y" in out
    assert main(["classify", "--data", str(tmp_path / "digits.npz"), "--input-space",
                 "column_space", "--weights", str(tmp_path / "net.npz"), "--json", "-"]) == 0
    [record] = json.loads(capsys.readouterr().out)["classifications"]
    assert record["subset"] == list(where.subset) and record["kind"] == found.kind.value
    assert record["gradient_norm"] == pytest.approx(where.gradient_norm, rel=1e-9)
    with pytest.raises(SystemExit) as info:      # biases need centred data
        main(["classify", "--data", str(tmp_path / "digits.npz"), "--input-space",
              "column_space", "--weights", str(tmp_path / "net.npz"), "--no-center"])
    assert info.value.code == 2 and "--no-center" in capsys.readouterr().err


# ---------------------------------------------------------------------- loss units
def test_loss_units_against_scikit_learn():
    rng = np.random.default_rng(5)
    X, Y = rng.standard_normal((30, 4)), rng.standard_normal((30, 3)) + 2.0
    spec = DataSpectrum.from_data(X, Y)
    land = Landscape(spec, (4, 2, 3))
    weights = land.random_weights(seed=6)
    product = land.end_to_end(weights)
    # the affine model with the best constant: sklearn's mean squared error over N d_y entries
    prediction = (X - X.mean(axis=0)) @ product.T + Y.mean(axis=0)
    mse = mean_squared_error(Y, prediction)
    assert spec.to_mse(land.loss(weights)) == pytest.approx(mse, rel=1e-12)
    assert spec.from_mse(mse) == pytest.approx(land.loss(weights), rel=1e-12)
    np.testing.assert_allclose(spec.from_mse(spec.to_mse(np.array([0.1, 2.0]))), [0.1, 2.0])
