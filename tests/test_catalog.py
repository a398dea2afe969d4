"""Catalog records, queries, the versioned JSON + npz format, and the checked-in catalogs."""

import dataclasses
import importlib.util
import json
import os
from pathlib import Path

import numpy as np
import pytest

import landscape.critical.catalog_files as catalog_files
from landscape import (SCHEMA_VERSION, Catalog, DataSpectrum, Landscape, critical_point,
                       enumerate_critical_points, iter_critical_points, representative_frustration)
from landscape.problem.learnt import learnt_modes

from conftest import random_problem

ROOT = Path(__file__).resolve().parents[1]


def load_regenerate():
    spec = importlib.util.spec_from_file_location("regenerate", ROOT / "catalogs" / "regenerate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


regenerate = load_regenerate()


@pytest.fixture(scope="module")
def tie_catalog():
    land = Landscape(DataSpectrum.from_singular_values([3.0, 2.0, 2.0, 1.0, 0.0]), (5, 3, 3, 5))
    return enumerate_critical_points(land, curvature=True)


@pytest.fixture
def saved(tmp_path, tie_catalog):
    return tie_catalog.save(tmp_path / "tie.json")


def assert_same(a: Catalog, b: Catalog, *, exact: bool):
    assert len(a) == len(b)
    assert a.land.widths == b.land.widths
    for x, y in zip(a, b):
        assert x.subset == y.subset and x.kind == y.kind
        assert (x.inertia, x.n_orbit, x.centre_dim, x.witness_kind) == \
            (y.inertia, y.n_orbit, y.centre_dim, y.witness_kind)
        assert x.tie_counts == y.tie_counts and x.grassmannian_dim == y.grassmannian_dim
        if exact:
            assert x.value == y.value
            for u, v in zip(x.weights, y.weights):
                np.testing.assert_array_equal(u, v)
        else:
            assert x.value == pytest.approx(y.value, rel=1e-12, abs=1e-12)
            for u, v in zip(x.weights, y.weights):
                np.testing.assert_allclose(u, v, rtol=1e-9, atol=1e-12)


# ---------------------------------------------------------------------- sequence and queries
def test_sequence_and_lookup(tie_catalog):
    assert len(tie_catalog) == 11
    assert tie_catalog[-1].subset == tie_catalog[len(tie_catalog) - 1].subset
    assert [p.subset for p in tie_catalog[:2]] == tie_catalog.subsets[:2]
    assert np.all(np.diff(tie_catalog.values) <= 0)
    # (0, 2) is (0, 1) up to the tie of modes 1 and 2
    assert tie_catalog.lookup((2, 0)).subset == (0, 1)
    assert tie_catalog.position((0, 1)) == tie_catalog.subsets.index((0, 1))
    with pytest.raises(KeyError, match="no class"):
        tie_catalog.lookup((0, 1, 2, 3))  # four modes do not fit the bottleneck of 3
    with pytest.raises(ValueError, match="nonzero singular values"):
        tie_catalog.lookup((4,))
    with pytest.raises(TypeError, match="index"):
        tie_catalog["0"]
    with pytest.raises(IndexError):
        tie_catalog[11]
    assert "n_classes=11" in repr(tie_catalog)
    records = tie_catalog.records()
    assert records[0]["subset"] == [] and records[0]["tie_groups"] == [[1, 2]]
    json.dumps(records, allow_nan=False)


def test_weights_rebuilt_or_kept_are_the_same(tie_catalog):
    kept = enumerate_critical_points(tie_catalog.land, keep_weights=True)
    assert_same(kept, enumerate_critical_points(tie_catalog.land), exact=True)
    np.testing.assert_array_equal(kept.representatives(), tie_catalog.representatives())
    # the records hand out copies: editing one does not change the catalog
    kept[0].weights[0][:] = 7.0
    assert not np.any(kept[0].weights[0] == 7.0)


def test_catalog_accepts_only_critical_point_records(tie_catalog):
    with pytest.raises(TypeError, match="CriticalPoint"):
        Catalog(tie_catalog.land, [1, 2])
    with pytest.raises(TypeError, match="land"):
        Catalog("land", [])


def test_the_container_stores_a_given_frustration_column():
    land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0]), (2, 2, 2))
    points = list(iter_critical_points(land))
    column = [representative_frustration(p) for p in points]
    column[1] = None  # not computed for one class
    catalog = Catalog(land.with_tie_tol(1e-6), points, frustration=column)
    assert catalog.tie_tol == 1e-6
    by_subset = dict(zip(catalog.subsets, catalog.frustration))
    for point, result in zip(points, column):
        assert by_subset[point.subset] is result  # reordered with the rows, not recomputed
    assert Catalog(land, points).frustration == [None] * len(points)
    with pytest.raises(TypeError, match="frustration must be None or an iterable"):
        Catalog(land, points, frustration=True)  # the container never runs the solver
    with pytest.raises(TypeError, match="FrustrationResult"):
        Catalog(land, points, frustration=[0.5] * len(points))
    with pytest.raises(ValueError, match="one entry per point"):
        Catalog(land, points, frustration=column[:-1])
    with pytest.raises(ValueError, match="one entry per point"):
        Catalog(land, points, frustration=column + [None])


# ---------------------------------------------------------------------- files
def test_round_trip_is_exact(tmp_path, tie_catalog, saved):
    loaded = Catalog.load(saved)
    assert_same(tie_catalog, loaded, exact=True)
    spec, back = tie_catalog.land.spectrum, loaded.land.spectrum
    np.testing.assert_array_equal(spec.sigma, back.sigma)
    for name in ("left", "right", "input_sqrt", "input_inv_sqrt"):
        np.testing.assert_array_equal(getattr(spec, name), getattr(back, name))
    # saving again gives the same bytes (no timestamps), and leaves no temporary files
    again = loaded.save(tmp_path / "again.json")
    assert again.with_suffix(".npz").read_bytes() == saved.with_suffix(".npz").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == \
        ["again.json", "again.npz", "tie.json", "tie.npz"]
    document = json.loads(saved.read_text())
    assert document["schema_version"] == SCHEMA_VERSION
    assert document["problem"]["tie_rtol"] == tie_catalog.tie_tol == loaded.tie_tol
    assert document["classes"][0]["inertia"] is not None


@pytest.mark.parametrize("seed", range(12))
def test_round_trips_of_random_problems_against_the_per_record_checks(tmp_path, seed):
    """Any catalog the enumeration makes loads to the same records; the loaded classes pass
    the checks a load ran on each stored representative before files stored none:
    ``critical_point`` (the representative verified critical, the kind by the witness test),
    ``learnt_modes`` on the rebuilt weights, and the loss at them."""
    kind = ("singular_values", "raw", "whitened")[seed % 3]
    tol = (0.0, 1e-8)[seed % 2]
    land = random_problem(seed, kind, h=1 + seed % 4).land.with_tie_tol(tol)
    catalog = enumerate_critical_points(land, curvature=seed % 4 == 0)
    path = catalog.save(tmp_path / "cat.json")
    with np.load(path.with_suffix(".npz")) as data:
        assert sorted(data.files) == ["input_inv_sqrt", "input_sqrt", "left", "right"]
    loaded = Catalog.load(path)
    assert loaded.records() == catalog.records() and loaded.tie_tol == tol
    np.testing.assert_array_equal(loaded.representatives(), catalog.representatives())
    for point in loaded:
        record = critical_point(loaded.land, point.subset)
        assert (record.kind, record.value) == (point.kind, point.value)
        assert learnt_modes(loaded.land, point.weights).subset == point.subset
        assert loaded.land.loss(point.weights) == pytest.approx(point.value, rel=1e-9,
                                                                abs=1e-12)


def test_kept_weights_that_are_not_canonical_are_refused_before_writing(tmp_path, tie_catalog):
    points = list(tie_catalog)
    canonical = Catalog(tie_catalog.land, points, keep_weights=True)
    path = canonical.save(tmp_path / "kept.json")  # the enumeration's: canonical, saved
    np.testing.assert_array_equal(Catalog.load(path).representatives(),
                                  canonical.representatives())
    moved = [w.copy() for w in points[3].weights]
    moved[0] *= 2.0
    moved[1] /= 2.0                                 # the same class, rebalanced
    points[3] = dataclasses.replace(points[3], weights=moved)
    other = Catalog(tie_catalog.land, points, keep_weights=True)
    before = sorted(tmp_path.iterdir())
    with pytest.raises(ValueError, match=r"catalog row 3 keeps weights that are not the "
                                         r"canonical representative of its class \(1, 3\)"):
        other.save(tmp_path / "other.json")
    assert sorted(tmp_path.iterdir()) == before


def test_round_trip_of_raw_data_and_binding_to_a_landscape(tmp_path):
    land = regenerate.reference_landscape("linnerud")
    catalog = enumerate_critical_points(land)
    path = catalog.save(tmp_path / "linnerud.json")
    loaded = Catalog.load(path, land=land, critical_tol=1e-8)
    assert loaded.land is land
    assert_same(catalog, loaded, exact=True)
    assert loaded[0].inertia is None and loaded[0].witness_kind is None
    other = Landscape(DataSpectrum.from_dataset("linnerud"), (3, 2, 3))
    with pytest.raises(ValueError, match="different problem: widths"):
        Catalog.load(path, land=other)
    whitened = Landscape(DataSpectrum.from_dataset("linnerud", whiten=True), (3, 2, 2, 3))
    with pytest.raises(ValueError, match="different problem: reduced"):
        Catalog.load(path, land=whitened)


def rewrite(path, edit):
    document = json.loads(path.read_text())
    edit(document)
    path.write_text(json.dumps(document))


def rewrite_npz(path, **changes):
    """Replace arrays in the npz and record its new hash, so the JSON still points at it."""
    npz = path.with_suffix(".npz")
    with np.load(npz) as data:
        arrays = {name: data[name] for name in data.files}
    arrays.update(changes)
    with open(npz, "wb") as handle:
        np.savez(handle, **arrays)
    rewrite(path, lambda d: d["arrays"].update(sha256=catalog_files.file_hash(npz)))


@pytest.mark.parametrize("corrupt, message", [
    (lambda p: p.write_text(p.read_text()[:200]), "not a valid landscape catalog"),
    (lambda p: rewrite(p, lambda d: d.update(schema_version=3)), "schema_version must be 2"),
    (lambda p: rewrite(p, lambda d: d.update(schema_version=1)),
     "schema 1 .* is no longer read; write it again"),
    (lambda p: rewrite(p, lambda d: d.update(format="other")), "format must be"),
    (lambda p: p.write_text(p.read_text().replace('"value": 2.0', '"value": NaN', 1)),
     "finite"),
    (lambda p: rewrite(p, lambda d: d["classes"][-1].update(value=1.0)),
     r"classes\[10\].value must be the critical value"),
    (lambda p: rewrite(p, lambda d: d["classes"][-1].update(kind="maximum")),
     r"classes\[10\].kind must be one of"),
    (lambda p: rewrite(p, lambda d: d["classes"][-1].update(subset=[0, 2, 3])),
     "lowest indices within each tie group"),
    (lambda p: rewrite(p, lambda d: d["classes"][-1].update(subset=[0, 1, 2, 3])),
     r"0 to 3 of them \(r = 3\)"),
    (lambda p: rewrite(p, lambda d: d["classes"][-1].update(subset=[0, 4])),
     r"integers in \[0, 4\)"),                                   # sigma_5 = 0
    (lambda p: rewrite(p, lambda d: d["classes"][3].pop("inertia")), "must hold the keys"),
    (lambda p: rewrite(p, lambda d: d["classes"][3].update(inertia=[1, 2, 3])),
     "summing to P"),
    (lambda p: rewrite(p, lambda d: d["classes"].pop(0)), r"but \(\) is missing"),
    (lambda p: rewrite(p, lambda d: d["classes"].append(d["classes"][4])),
     r"classes\[11\].subset \(1, 2\) appears twice"),
    (lambda p: rewrite(p, lambda d: d["classes"].reverse()), "decreasing value"),
    (lambda p: rewrite(p, lambda d: d["problem"].update(widths=[5, 3, 5])), "summing to P = 30"),
    (lambda p: rewrite(p, lambda d: d["problem"].update(sigma=[3.0, 2.0, 2.0, 1.0])),
     "problem.sigma must list"),
    (lambda p: rewrite(p, lambda d: d["arrays"].update(file="../elsewhere.npz")),
     "file name beside the JSON"),
    (lambda p: rewrite_npz(p, representatives=np.zeros((11, 39))), "must hold the arrays"),
    (lambda p: rewrite_npz(p, left=np.full((5, 5), np.nan)), "finite"),
    (lambda p: rewrite_npz(p, left=np.eye(5) * 2), "basis_sha256"),
])
def test_corrupted_files_are_rejected(saved, corrupt, message):
    corrupt(saved)
    with pytest.raises(ValueError, match=message):
        Catalog.load(saved)


def test_mismatched_or_missing_array_file_is_rejected(tmp_path, saved):
    other = enumerate_critical_points(regenerate.reference_landscape("linnerud"))
    other_path = other.save(tmp_path / "other.json")
    os.replace(other_path.with_suffix(".npz"), saved.with_suffix(".npz"))
    with pytest.raises(ValueError, match="does not match the sha256"):
        Catalog.load(saved)
    saved.with_suffix(".npz").unlink()
    with pytest.raises(ValueError, match="not a valid landscape catalog"):
        Catalog.load(saved)
    with pytest.raises(FileNotFoundError):
        Catalog.load(tmp_path / "absent.json")
    with pytest.raises(ValueError, match=r"\.json"):
        Catalog.load(tmp_path / "catalog.npz")


def test_a_failed_save_leaves_the_old_files(tmp_path, tie_catalog, saved, monkeypatch):
    before = saved.read_bytes(), saved.with_suffix(".npz").read_bytes()

    def fail(document):
        raise KeyboardInterrupt

    monkeypatch.setattr(catalog_files, "_dumps", fail)
    with pytest.raises(KeyboardInterrupt):
        enumerate_critical_points(regenerate.reference_landscape("linnerud")).save(saved)
    assert (saved.read_bytes(), saved.with_suffix(".npz").read_bytes()) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tie.json", "tie.npz"]
    Catalog.load(saved)


# ---------------------------------------------------------------------- checked-in catalogs
@pytest.mark.parametrize("name", regenerate.NAMES)
def test_checked_in_catalogs_match_a_regeneration(name):
    fresh = regenerate.build(name)
    stored = Catalog.load(regenerate.path_of(name), land=fresh.land)
    assert_same(fresh, stored, exact=False)
    assert fresh[0].inertia is not None


def test_checked_in_catalogs_hold_the_reference_problems():
    sequential = Catalog.load(regenerate.path_of("sequential_learning"))
    assert len(sequential) == 16 and sequential[0].value == 7.125 and sequential[-1].value == 0.0
    linnerud = Catalog.load(regenerate.path_of("linnerud"))
    assert linnerud.land.spectrum.loss_offset > 0 and not linnerud.land.spectrum.reduced
    assert linnerud[-1].value > linnerud.land.spectrum.loss_offset  # bottleneck 2 < 3 modes
    ties = Catalog.load(regenerate.path_of("tie_and_zero"))
    assert any(p.grassmannian_dim > 0 for p in ties)
    assert 0.0 in ties.land.spectrum.sigma and ties[-1].value == pytest.approx(0.5)


@pytest.mark.parametrize("critical_tol, message", [(1e300, "must be <= 0.01"),
                                                   (-1.0, "must be >= 0")])
def test_a_bad_critical_tol_is_refused_before_the_file_is_read(tmp_path, critical_tol, message):
    with pytest.raises(ValueError, match=rf"^critical_tol {message}"):
        Catalog.load(tmp_path / "absent.json", critical_tol=critical_tol)
