"""Saved catalogs cannot lie, and a save replaces the JSON + npz pair as a pair (issue 15).

What is cheap to recompute is recomputed on load (the set of classes, each kind by the
witness test on its canonical representative, each value by the closed form ``L_S``); what
is not (the Hessian inertia, the orbit and centre dimensions) is checked for type, range and
consistency. A class deleted, listed twice or replaced is refused (issue 23). A fuzz test
edits a saved catalog field by field. The kills of a save are in ``test_reliability_kill.py``.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import landscape.critical.catalog_checks as catalog_checks
import landscape.critical.catalog_files as catalog_files
from landscape import Catalog, DataSpectrum, Landscape, enumerate_critical_points
from landscape._base.files import remove_stale_temporaries, temporary_file
from landscape.problem.criticality import CriticalKind

from reliability_edits import changed_numbers, edited, other_types, paths, value_at

SIGMA, WIDTHS = (3.0, 2.0, 1.0), (3, 3, 3, 3)  # the problem of the issue: P = 27


def theory_kind(subset, h: int, m: int) -> CriticalKind:
    """THEORY §4.1 at the canonical representative, distinct sigma, every width >= m:
    all modes learnt -> minimum; a smaller sigma learnt before a larger -> strict; h = 2 ->
    strict; else (top set, rank < m, unlearnt paths cut in every layer) -> non-strict."""
    if len(subset) == m:
        return CriticalKind.GLOBAL_MINIMUM
    if tuple(subset) != tuple(range(len(subset))) or h == 2:
        return CriticalKind.STRICT_SADDLE
    return CriticalKind.NON_STRICT_SADDLE


@pytest.fixture(scope="module")
def catalog():
    land = Landscape(DataSpectrum.from_singular_values(SIGMA), WIDTHS)
    return enumerate_critical_points(land, curvature=True, frustration=True)


@pytest.fixture
def saved(tmp_path, catalog):
    return catalog.save(tmp_path / "issue.json")


def rewrite(path: Path, edit) -> None:
    document = json.loads(path.read_text())
    edit(document)
    path.write_text(json.dumps(document))


def row(path: Path, subset) -> int:
    return [tuple(r["subset"]) for r in json.loads(path.read_text())["classes"]].index(
        tuple(subset))


# ---------------------------------------------------------------------- kinds are recomputed
def test_the_kinds_are_those_of_the_theory(catalog):
    h, m = len(WIDTHS) - 1, len(SIGMA)
    assert [p.kind for p in catalog] == [theory_kind(p.subset, h, m) for p in catalog]


@pytest.mark.parametrize("kind", list(CriticalKind))
def test_an_edited_kind_is_refused_for_every_class(tmp_path, catalog, kind):
    for k, point in enumerate(catalog):
        if point.kind is kind:
            continue
        path = catalog.save(tmp_path / f"edit{k}.json")
        # the witness kind is edited with it, as an editor consistent with itself would
        rewrite(path, lambda d: d["classes"][k].update(kind=kind.value,
                                                       witness_kind=kind.value))
        with pytest.raises(ValueError, match=rf"classes\[{k}\]\.(kind|inertia) must"):
            Catalog.load(path)


def test_the_edit_of_the_issue_is_refused(tmp_path, catalog):
    """``{2}`` made a global minimum in a catalog without curvature fields (what
    ``landscape catalog`` writes): only the witness test can tell."""
    plain = enumerate_critical_points(catalog.land)
    saved = plain.save(tmp_path / "plain.json")
    k = row(saved, (2,))
    rewrite(saved, lambda d: d["classes"][k].update(kind="global_minimum"))
    with pytest.raises(ValueError, match=rf"classes\[{k}\]\.kind must be 'strict_saddle', the "
                                         rf"kind the witness test gives"):
        Catalog.load(saved)


# ---------------------------------------------------------------------- curvature fields
@pytest.mark.parametrize("field, value, message", [
    ("inertia", [1, 26, 0], r"centre_dim must be n_0 - n_orbit"),  # the issue's made-up one
    ("inertia", [0, 27, 0], r"n_- > 0 exactly at a strict saddle"),
    ("inertia", [2, 22, 3.0], r"inertia\[2\] must be an integer"),
    ("inertia", [2, 22, True], r"inertia\[2\] must be an integer"),
    ("inertia", [2, 23, 3], r"summing to P = 27"),
    ("inertia", [-1, 25, 3], r"inertia\[0\] must be an integer >= 0"),
    ("inertia", None, r"curvature fields .* must all be null or all be given"),
    ("n_orbit", 23, r"n_orbit must be at most the kernel dimension"),
    ("n_orbit", 11, r"centre_dim must be n_0 - n_orbit"),
    ("n_orbit", "10", r"n_orbit must be an integer"),
    ("centre_dim", 13, r"centre_dim must be n_0 - n_orbit = 12"),
    ("witness_kind", "non_strict_saddle", r"witness_kind must be the kind 'strict_saddle'"),
])
def test_curvature_fields_are_checked(saved, field, value, message):
    k = row(saved, (2,))  # a strict saddle: inertia (2, 22, 3), n_orbit 10, centre 12
    before = json.loads(saved.read_text())["classes"][k]
    assert (before["inertia"], before["n_orbit"], before["centre_dim"]) == ([2, 22, 3], 10, 12)
    rewrite(saved, lambda d: d["classes"][k].update({field: value}))
    with pytest.raises(ValueError, match=rf"classes\[{k}\]\.?.*{message}"):
        Catalog.load(saved)


def test_a_catalog_with_partial_curvature_cannot_be_built(catalog):
    import dataclasses

    point = dataclasses.replace(catalog[1], witness_kind=None)
    with pytest.raises(ValueError, match="all of inertia, n_orbit, centre_dim, witness_kind"):
        Catalog(catalog.land, [point])


# ---------------------------------------------------------------------- exact types
@pytest.mark.parametrize("edit, message", [
    (lambda d: d.update(schema_version=True), "schema_version must be 2"),
    (lambda d: d.update(schema_version=2.0), "schema_version must be 2"),
    (lambda d: d.update(schema_version="2"), "schema_version must be 2"),
    (lambda d: d["problem"].update(reduced=1), "reduced must be true or false"),
    (lambda d: d["problem"].update(d_x=3.0), "d_x must be an integer"),
    (lambda d: d["classes"][0].update(grassmannian_dim=0), "must hold the keys"),
    (lambda d: d["classes"][1].update(value=10 ** 400), r"classes\[1\]\.value must be a finite"),
    (lambda d: d["classes"][1].update(value=False), r"classes\[1\]\.value must be a number"),
    (lambda d: d["classes"][0]["frustration"].update(exact=1), "exact must be true or false"),
    (lambda d: d["classes"][0].update(kind=["strict_saddle"]), "kind must be one of"),
    (lambda d: d["arrays"].update(sha256=7), "sha256 must be 64 hexadecimal digits"),
    (lambda d: d["arrays"].update(file=["issue.npz"]), "arrays.file must be a file name"),
    (lambda d: d["problem"].update(widths=[3, 10 ** 12, 3, 3]), "not a valid landscape catalog"),
    (lambda d: d["classes"][1].pop("frustration"), "frustration in every class or in none"),
])
def test_types_are_exact(saved, edit, message):
    rewrite(saved, edit)
    with pytest.raises(ValueError, match=message):
        Catalog.load(saved)


def test_a_deeply_nested_document_is_refused_with_a_message(saved):
    saved.write_text('{"format": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(ValueError, match="not a valid landscape catalog"):
        Catalog.load(saved)


def test_values_come_from_the_closed_form(saved, catalog):
    """A value inside the tolerance of the check loads as the closed form, not the digits."""
    rewrite(saved, lambda d: d["classes"][0].update(value=d["classes"][0]["value"] * (1 + 1e-12)))
    loaded = Catalog.load(saved)
    sigma = np.array(SIGMA)
    expected = [0.5 * float(np.sum(np.delete(sigma, list(s)) ** 2)) for s in loaded.subsets]
    np.testing.assert_array_equal(loaded.values, expected)
    assert loaded.records() == catalog.records()


# ---------------------------------------------------------------------- fuzz
def same_catalog(a: Catalog, b: Catalog) -> bool:
    """Same classes, values, kinds, tie fields, curvature, frustration, representatives and
    problem (``name``, ``n_samples`` and the tie tolerance's digits describe the data or
    the writer and are not compared: nothing in a file can confirm them)."""
    sa, sb = a.land.spectrum, b.land.spectrum
    return (a.records() == b.records() and a.land.widths == b.land.widths
            and np.array_equal(a.representatives(), b.representatives())
            and np.array_equal(sa.sigma, sb.sigma) and sa.loss_offset == sb.loss_offset
            and sa.reduced == sb.reduced and (sa.d_x, sa.d_y) == (sb.d_x, sb.d_y)
            and all(np.array_equal(getattr(sa, n), getattr(sb, n))
                    for n in ("left", "right", "input_sqrt", "input_inv_sqrt")))


@pytest.fixture(scope="module")
def fuzz_file(tmp_path_factory, catalog):
    path = catalog.save(tmp_path_factory.mktemp("fuzz") / "fuzz.json")
    return path, json.loads(path.read_text())


def edits(document):
    """(path, action, replacement) for every place: delete it, another type, another number
    (never null for a frustration entry: the format says null there is "not computed")."""
    out = []
    for where in paths(document):
        current = value_at(document, where)
        out.append((where, "delete", None))
        for value in other_types(current):
            if not (value is None and where[-1] == "frustration"):
                out.append((where, "replace", value))
        out.extend((where, "replace", value) for value in changed_numbers(current))
    return out


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_field_edit_is_refused_or_harmless(fuzz_file, catalog, data):
    path, document = fuzz_file
    where, action, replacement = data.draw(st.sampled_from(edits(document)))
    path.write_text(json.dumps(edited(document, where, action, replacement)))
    try:
        loaded = Catalog.load(path)
    except ValueError as exc:
        assert str(exc).startswith(f"catalog {path} is not a valid landscape catalog: ")
        assert len(str(exc)) > len(f"catalog {path} is not a valid landscape catalog: ") + 10
        return
    assert same_catalog(loaded, catalog), (where, action, replacement)


def test_the_fuzz_edits_cover_every_field(fuzz_file):
    _, document = fuzz_file
    keys = {w[-1] for w, _, _ in edits(document) if isinstance(w[-1], str)}
    assert {"schema_version", "kind", "inertia", "n_orbit", "centre_dim", "witness_kind",
            "value", "subset", "frustration", "signs", "sha256",
            "tie_rtol", "widths"} <= keys


# ---------------------------------------------------------------------- the pair
def test_a_directory_as_target_is_refused_before_anything_is_written(tmp_path, catalog):
    (tmp_path / "dir.json").mkdir()
    with pytest.raises(ValueError, match="is a directory"):
        catalog.save(tmp_path / "dir.json")
    (tmp_path / "other.npz").mkdir()
    with pytest.raises(ValueError, match="is a directory"):
        catalog.save(tmp_path / "other.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir.json", "other.npz"]


def test_a_half_installed_pair_loads_and_the_next_save_settles_it(tmp_path, catalog,
                                                                 monkeypatch):
    """Stopped after the JSON switched, before the arrays moved: the new pair loads from
    the staged arrays; the next save moves them into place and leaves two files."""
    old = enumerate_critical_points(Landscape(DataSpectrum.from_singular_values([2.0, 1.0]),
                                              (2, 2, 2)))
    path = old.save(tmp_path / "pair.json")
    real_replace, calls = os.replace, []

    def stop_at_the_last_rename(src, dst):
        calls.append(Path(dst).name)
        if len(calls) == 3:
            raise KeyboardInterrupt
        real_replace(src, dst)

    monkeypatch.setattr(catalog_files.os, "replace", stop_at_the_last_rename)
    with pytest.raises(KeyboardInterrupt):
        catalog.save(path)
    monkeypatch.setattr(catalog_files.os, "replace", real_replace)
    assert calls[1] == "pair.json" and calls[2] == "pair.npz"
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == 3 and names[0].startswith(".pair.npz.") and names[0].endswith(".tmp.npz")
    assert same_catalog(Catalog.load(path), catalog)
    old.save(tmp_path / "pair.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pair.json", "pair.npz"]
    assert same_catalog(Catalog.load(path), old)


def test_stale_temporaries_go_and_nothing_else(tmp_path, catalog):
    path = catalog.save(tmp_path / "cat.json")
    stale = [".cat.json.k2j4h6g8.tmp.json", ".cat.npz.abcdefgh.tmp.npz", ".cat.npz.0123abcd.tmp"]
    kept = [".cat.json.backup01", "cat.v2.npz", ".cat.json", "cat.json.abcdefgh.tmp.json",
            ".other.json.k2j4h6g8.tmp.json"]
    for name in stale + kept:
        (tmp_path / name).write_text("x")
    with temporary_file(path) as live:  # a writer that is still at work keeps its file
        assert set(remove_stale_temporaries(path)) == {tmp_path / stale[0]}
        assert live.exists()
    catalog.save(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(kept + ["cat.json", "cat.npz"])
    Catalog.load(path)


# ---------------------------------------------------------------------- completeness
def edit_rows(path: Path, edit) -> None:
    """Edit the class list (the npz holds no row per class: its hash stays the one recorded)."""
    rewrite(path, lambda d: edit(d["classes"]))


@pytest.mark.parametrize("subset", [(), (0,), (2,), (1, 2), (0, 1, 2)])
def test_a_deleted_class_is_refused(saved, catalog, subset):
    """The issue's file: 8 classes, one deleted; it loaded and ``classify`` printed 7 rows."""
    assert len(catalog) == 8
    k = row(saved, subset)
    edit_rows(saved, lambda rows: rows.pop(k))
    with pytest.raises(ValueError, match=rf"every critical class of the problem once, but "
                                         rf"{re.escape(str(subset))} is missing"):
        Catalog.load(saved)


@pytest.mark.parametrize("k", range(8))
def test_a_duplicated_class_is_refused(saved, k):
    """A copy next to the original (the order of values still holds), or one class's record
    in place of another's."""
    edit_rows(saved, lambda rows: rows.insert(k, dict(rows[k])))
    subset = tuple(json.loads(saved.read_text())["classes"][k]["subset"])
    with pytest.raises(ValueError, match=rf"classes\[{k + 1}\]\.subset "
                                         rf"{re.escape(str(subset))} appears twice"):
        Catalog.load(saved)


def test_a_class_replaced_by_another_is_refused(saved):
    edit_rows(saved, lambda rows: rows.__setitem__(1, dict(rows[2])))  # 8 rows, 7 classes
    with pytest.raises(ValueError, match="appears twice"):
        Catalog.load(saved)


@pytest.mark.parametrize("subset, message", [
    ([0, 1, 2, 3], r"must hold integers in \[0, 3\)"),       # a 4th mode: there are 3
    ([1, 0], r"must be ascending distinct indices .* got \(1, 0\)"),
    ([0, 0], r"must be ascending distinct indices .* got \(0, 0\)"),
    ([0, True], r"must hold integers in \[0, 3\)"),
])
def test_a_key_that_is_no_class_is_refused(saved, subset, message):
    k = row(saved, (0, 1))
    edit_rows(saved, lambda rows: rows[k].update(subset=subset))
    with pytest.raises(ValueError, match=rf"classes\[{k}\]\.subset {message}"):
        Catalog.load(saved)


def test_a_truncated_class_list_of_a_large_problem_is_refused_early(tmp_path, monkeypatch):
    """39,203 classes (16 modes, bottleneck 8), the first three kept: the check stops at the
    first class the enumeration finds missing, after verifying two of its batches."""
    land = Landscape(DataSpectrum.from_singular_values(np.linspace(3.0, 0.5, 16)), (16, 8, 16))
    path = enumerate_critical_points(land, progress=False).save(tmp_path / "large.json")
    edit_rows(path, lambda rows: rows.__delitem__(slice(3, None)))
    batches = []
    verify = catalog_checks.verified_columns
    monkeypatch.setattr(catalog_checks, "verified_columns",
                        lambda *a, **k: batches.append(a[2].shape) or verify(*a, **k))
    with pytest.raises(ValueError, match=r"but \(0,\) is missing"):
        Catalog.load(path)
    assert batches == [(1, 0), (16, 1)]


def test_every_stored_key_must_be_one_the_enumeration_makes(saved, monkeypatch):
    """The stored keys are matched to the enumeration's, not only counted: a key that the
    enumeration did not make (here: its last batch, the minimum, withheld) is refused even
    where the structural checks pass."""
    every = catalog_checks.class_blocks
    monkeypatch.setattr(catalog_checks, "class_blocks", lambda *a: list(every(*a))[:-1])
    with pytest.raises(ValueError, match=r"classes\[7\]\.subset \(0, 1, 2\) is not a critical "
                                         r"class of the problem"):
        Catalog.load(saved)
