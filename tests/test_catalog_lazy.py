"""A catalog builds a representative only when a record's ``weights`` are read, and every
record is the one the eager path built: the old per-row construction (kept here as the
oracle), ``critical_point`` (which verifies the representative critical), the closed-form
value and ``learnt_modes`` on the weights."""

import dataclasses
import gc
import weakref

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import landscape.critical.catalog as catalog_module
from landscape import (Catalog, CriticalKind, CriticalPoint, DataSpectrum, Landscape,
                       canonical_representative, critical_point, enumerate_critical_points)
from landscape.problem.criticality import relative_gradient_norm
from landscape.problem.learnt import learnt_modes
from landscape.problem.ties import grassmannian_dimension, tie_counts, tie_groups

KINDS = tuple(CriticalKind)


def eager_point(catalog: Catalog, i: int) -> CriticalPoint:
    """Row ``i`` as the catalog built it before representatives were lazy: key from the
    membership row, representative built (or the stored row unflattened) at once, tie fields
    from :func:`tie_counts` and :func:`grassmannian_dimension`."""
    land = catalog.land
    subset = tuple(int(k) for k in np.flatnonzero(catalog._masks[i]))
    if catalog._weights is None:
        weights = canonical_representative(land, subset)
    else:
        weights = land.unflatten(catalog._weights[i].copy())
    tied = tuple(g for g in tie_groups(land.spectrum.sigma, tie_tol=catalog.tie_tol)
                 if len(g) > 1)
    counts = tie_counts(subset, tied)
    return CriticalPoint(subset=subset, value=float(catalog._values[i]),
                         kind=KINDS[catalog._kinds[i]], weights=weights, tied_groups=tied,
                         tie_counts=counts, grassmannian_dim=grassmannian_dimension(tied, counts),
                         **catalog._extras.get(i, {}))


FIELDS = [f.name for f in dataclasses.fields(CriticalPoint) if f.name != "weights"]


def assert_same_record(lazy: CriticalPoint, eager: CriticalPoint):
    for name in FIELDS:
        a, b = getattr(lazy, name), getattr(eager, name)
        assert a == b and type(a) is type(b), (name, a, b)
    assert repr(lazy) == repr(eager)
    assert len(lazy.weights) == len(eager.weights)
    for u, v in zip(lazy.weights, eager.weights):
        assert u.dtype == v.dtype
        np.testing.assert_array_equal(u, v)


def random_problem(seed: int):
    """Seeded problems: ties, zero singular values, bottlenecks, depths 1 to 4, reduced
    spectra, data in the problem's coordinates and rank-deficient inputs (column space)."""
    rng = np.random.default_rng(seed)
    shape = seed % 4
    if shape == 0:                                   # ties and zeros, a narrow bottleneck
        m = int(rng.integers(2, 7))
        sigma = np.sort(rng.choice([3.0, 2.0, 1.5, 1.0, 0.0], size=m))[::-1]
        sigma[0] = max(sigma[0], 1.0)
        spec = DataSpectrum.from_singular_values(sigma)
    elif shape == 1:                                  # data in the problem's coordinates
        n, d_x, d_y = 30, int(rng.integers(2, 5)), int(rng.integers(2, 5))
        X = rng.standard_normal((n, d_x))
        spec = DataSpectrum.from_data(X, X @ rng.standard_normal((d_x, d_y))
                                      + 0.3 * rng.standard_normal((n, d_y)))
    elif shape == 2:                                  # constant and collinear input columns
        base = rng.standard_normal((40, 3))
        X = np.column_stack([base, np.full(40, 2.0), base[:, 0] + base[:, 2]])
        spec = DataSpectrum.from_data(X, base @ rng.standard_normal((3, 3)),
                                      input_space="column_space")
    else:                                             # near-ties, below and above 1e-3
        sigma = np.array([2.0, 2.0 - 1e-4, 1.0, 1.0 - 1e-9, 0.5, 1e-12])
        spec = DataSpectrum.from_singular_values(sigma[:int(rng.integers(3, 7))])
    depth = int(rng.integers(1, 5))
    hidden = [int(rng.integers(1, 5)) for _ in range(depth - 1)]
    tol = (0.0, 1e-8, 1e-3)[seed % 3]
    return Landscape(spec, (spec.d_x, *hidden, spec.d_y), tie_tol=tol), tol


CASES = [random_problem(seed) for seed in range(36)]


@pytest.mark.parametrize("land, tol", CASES, ids=[f"seed{k}" for k in range(len(CASES))])
def test_lazy_records_are_the_eager_ones(land, tol):
    for keep in (False, True):
        assert land.tie_tol == tol
        catalog = enumerate_critical_points(land, keep_weights=keep)
        points = list(catalog)
        assert len(points) == len(catalog) >= 1
        for i, point in enumerate(points):
            assert_same_record(point, eager_point(catalog, i))
            assert_same_record(catalog[i], point)
            # an independent build: the class record verifies its representative critical
            record = critical_point(land, point.subset)
            assert (record.subset, record.kind, record.tie_counts) == \
                (point.subset, point.kind, point.tie_counts)
            assert point.value == pytest.approx(record.value, rel=1e-12, abs=1e-12)
            for u, v in zip(point.weights, record.weights):
                np.testing.assert_array_equal(u, v)


@pytest.mark.parametrize("land, tol", CASES[:12], ids=[f"seed{k}" for k in range(12)])
def test_lazy_weights_are_critical_in_their_class(land, tol):
    spec = land.spectrum
    assert land.tie_tol == tol
    for point in enumerate_critical_points(land):
        assert relative_gradient_norm(land, point.weights) < 1e-10
        assert learnt_modes(land, point.weights).subset == point.subset
        assert land.loss(point.weights) == pytest.approx(point.value, rel=1e-10, abs=1e-12)
        expected = spec.loss_offset + 0.5 * sum(
            spec.sigma[i] ** 2 for i in range(spec.sigma.size) if i not in point.subset)
        assert point.value == pytest.approx(expected, rel=1e-12, abs=1e-12)


@pytest.fixture
def counted(monkeypatch):
    """Count the representatives the catalog builds."""
    calls = []

    def build(land, subset):
        calls.append(subset)
        return canonical_representative(land, subset)

    monkeypatch.setattr(catalog_module, "canonical_representative", build)
    return calls


def test_iteration_builds_no_representative_and_weights_build_once(counted):
    land = Landscape(DataSpectrum.from_singular_values([3.0, 2.0, 2.0, 1.0, 0.0]), (5, 3, 3, 5))
    catalog = enumerate_critical_points(land, curvature=True)
    rows = [(p.subset, p.value, p.kind.value, p.inertia, repr(p)) for p in catalog]
    assert len(rows) == len(catalog) and counted == []
    assert catalog.values.tolist() == [r[1] for r in rows]
    point = catalog.lookup((0, 2))
    catalog[3], catalog[1:4], catalog.subsets, catalog.records()
    assert counted == []
    first = point.weights
    assert point.weights is first and counted == [(0, 1)]
    np.testing.assert_array_equal(np.concatenate([w.ravel() for w in first]),
                                  catalog.representatives()[catalog.position((0, 1))])
    with pytest.raises(dataclasses.FrozenInstanceError):
        point.weights = first


def test_stored_weights_are_copies_built_on_access(tmp_path, counted):
    land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0, 1.0, 0.5]), (4, 2, 3, 4))
    kept = enumerate_critical_points(land, keep_weights=True)
    stored = kept.representatives()
    for i, point in enumerate(kept):
        point.weights[0][...] = np.nan                           # a copy: the row is kept
        np.testing.assert_array_equal(kept[i].weights[0], land.unflatten(stored[i])[0])
    np.testing.assert_array_equal(kept.representatives(), stored)
    assert counted == []
    # a file stores no representative: the loaded catalog rebuilds the same canonical ones
    loaded = Catalog.load(kept.save(tmp_path / "kept.json"))
    np.testing.assert_array_equal(loaded.representatives(), stored)


def test_a_record_does_not_keep_its_catalog_alive():
    land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0]), (2, 2, 2))
    for keep in (False, True):
        catalog = enumerate_critical_points(land, keep_weights=keep)
        point, expected = catalog[0], eager_point(catalog, 0)
        alive = weakref.ref(catalog)
        del catalog
        gc.collect()
        assert alive() is None
        assert_same_record(point, expected)


def test_blocks_of_rows_give_the_same_records(monkeypatch):
    land = Landscape(DataSpectrum.from_singular_values([3.0, 2.0, 2.0, 2.0, 1.0]), (5, 3, 5))
    catalog = enumerate_critical_points(land, curvature=True)
    whole = [eager_point(catalog, i) for i in range(len(catalog))]
    monkeypatch.setattr(catalog_module, "BLOCK_ROWS", 3)
    for point, eager in zip(catalog, whole, strict=True):
        assert_same_record(point, eager)
    for part, rows in ((catalog[2:7], whole[2:7]), (catalog[::-2], whole[::-2]),
                       (catalog[5:2], []), (catalog[-3:], whole[-3:])):
        assert len(part) == len(rows)
        for point, eager in zip(part, rows):
            assert_same_record(point, eager)


def test_records_from_fields_are_constructor_records():
    land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0, 1.0]), (3, 3, 3))
    made = critical_point(land, (2,))
    fields = {f.name: getattr(made, f.name) for f in dataclasses.fields(CriticalPoint)}
    fast = CriticalPoint._of_fields(dict(fields))
    assert not hasattr(CriticalPoint, "__post_init__")
    assert vars(fast).keys() == vars(made).keys() and repr(fast) == repr(made)
    assert_same_record(fast, made)
    assert fast != made and fast == fast                     # records compare by identity
    copy = dataclasses.replace(fast, inertia=(0, 1, 2))
    assert copy.inertia == (0, 1, 2) and copy.weights is made.weights


def test_a_catalog_of_iterated_points_is_the_same_catalog():
    land = Landscape(DataSpectrum.from_singular_values([3.0, 2.0, 2.0, 1.0]), (4, 2, 2, 4))
    catalog = enumerate_critical_points(land, curvature=True)
    again = Catalog(land, list(catalog), keep_weights=True)
    assert again.records() == catalog.records()
    np.testing.assert_array_equal(again.representatives(), catalog.representatives())


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sampled_from([4.0, 3.0, 2.0, 2.0, 1.0, 0.0]), min_size=1, max_size=6),
       st.lists(st.integers(1, 4), min_size=0, max_size=3), st.sampled_from([0.0, 1e-8]))
def test_lazy_records_match_the_eager_ones_for_any_spectrum(values, hidden, tol):
    sigma = np.sort(values)[::-1]
    sigma[0] = 4.0
    spec = DataSpectrum.from_singular_values(sigma)
    land = Landscape(spec, (spec.d_x, *hidden, spec.d_y), tie_tol=tol)
    catalog = enumerate_critical_points(land)
    for i, point in enumerate(catalog):
        assert_same_record(point, eager_point(catalog, i))
