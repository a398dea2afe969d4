"""Output directories stay consistent (issue 15, item 2): a report is swapped in whole; what
a saved frustration claims is verified and what a report prints is escaped (issue 23).

:func:`landscape._base.files.atomic_directory` writes a fresh directory beside the target and
exchanges it with the target in one rename (Linux), else renames the old one aside and the new
one in; a kill between those two renames is undone by the next call. Temporaries of killed
writers are removed by the next run, those of live writers (locked) and every unrelated file
are left alone. The kills themselves are in ``test_reliability_kill.py``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from itertools import product
from pathlib import Path

import numpy as np
import pytest

import landscape._base.files as files
import landscape.report as report_module
from landscape import Catalog, DataSpectrum, Landscape, critical_point, enumerate_critical_points
from landscape._base.files import atomic_directory, atomic_write, remove_stale_temporaries
from landscape.report import FILES, write_report


def write_files(**contents):
    def write(stage):
        for name, text in contents.items():
            (Path(stage) / name).write_text(text)
    return write


def listing(folder: Path) -> dict:
    return {p.name: p.read_text() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture(params=["exchange", "two renames"])
def swap(request, monkeypatch):
    if request.param == "two renames":
        monkeypatch.setattr(files, "_exchange", lambda a, b: False)
    return request.param


def test_a_directory_is_replaced_whole_with_its_permissions(tmp_path, swap):
    out = tmp_path / "out"
    atomic_directory(out, write_files(a="1", b="2"))
    os.chmod(out, 0o750)
    atomic_directory(out, write_files(c="3"))
    assert listing(out) == {"c": "3"} and (out.stat().st_mode & 0o777) == 0o750
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_a_failed_write_leaves_the_old_directory(tmp_path, swap):
    out = tmp_path / "out"
    atomic_directory(out, write_files(a="1"))

    def fails(stage):
        write_files(b="2")(stage)
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_directory(out, fails)
    assert listing(out) == {"a": "1"} and [p.name for p in tmp_path.iterdir()] == ["out"]


def test_a_link_to_a_directory_is_followed(tmp_path, swap):
    real = tmp_path / "real"
    atomic_directory(real, write_files(a="1"))
    (tmp_path / "link").symlink_to(real)
    atomic_directory(tmp_path / "link", write_files(b="2"))
    assert (tmp_path / "link").is_symlink() and listing(real) == {"b": "2"}


def test_a_kill_between_the_two_renames_is_undone_by_the_next_call(tmp_path):
    """The scene such a kill leaves, by hand: the old directory aside, the new one staged."""
    out = tmp_path / "out"
    atomic_directory(out, write_files(a="old"))
    os.rename(out, tmp_path / ".out.abcd1234.old")
    stage = tmp_path / ".out.k2j4h6g8.tmpdir"
    stage.mkdir()
    (stage / "a").write_text("new, maybe incomplete")
    removed = remove_stale_temporaries(out)
    assert removed == [stage] and listing(out) == {"a": "old"}
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_temporaries_of_live_writers_and_unrelated_files_stay(tmp_path):
    out = tmp_path / "out"
    unrelated = [".out.backup", ".out.abcd1234", "out.abcd1234.tmpdir", ".out2.abcd1234.tmpdir",
                 ".out.abcd12345.tmpdir"]
    for name in unrelated:
        (tmp_path / name).mkdir()
    seen = []

    def write(stage):
        seen.append(remove_stale_temporaries(out))  # another run, while this one writes
        assert Path(stage).is_dir()
        write_files(a="1")(stage)

    atomic_directory(out, write)
    assert seen == [[]] and listing(out) == {"a": "1"}
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(unrelated + ["out"])


def test_atomic_write_removes_the_temporaries_of_killed_writers(tmp_path):
    target = tmp_path / "notes.txt"
    for name in (".notes.txt.abcd1234.tmp.txt", ".notes.txt.efgh5678.tmp"):
        (tmp_path / name).write_text("half")
    atomic_write(target, lambda tmp: Path(tmp).write_text("done"))
    assert listing(tmp_path) == {"notes.txt": "done"}


# ---------------------------------------------------------------------- the report
@pytest.fixture(scope="module")
def old_report(tmp_path_factory):
    land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0]), (2, 2, 2))
    out = tmp_path_factory.mktemp("old") / "out"
    write_report(land, out, progress=False, graph_options={"random_probes": 0})
    return out


def snapshot(out: Path) -> dict:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


def test_a_report_failing_half_way_leaves_the_old_report(old_report, tmp_path, monkeypatch):
    """The issue: a failed run left the new catalog and graph beside the old figures."""
    out = tmp_path / "out"
    shutil.copytree(old_report, out)
    before = snapshot(out)

    def fails(*args, **kwargs):
        raise OSError("the figures could not be drawn")

    monkeypatch.setattr(report_module, "_figures", fails)
    other = Landscape(DataSpectrum.from_singular_values([3.0, 0.5]), (2, 2, 2))
    with pytest.raises(OSError, match="could not be drawn"):
        write_report(other, out, progress=False, graph_options={"random_probes": 0})
    assert snapshot(out) == before and [p.name for p in tmp_path.iterdir()] == ["out"]


@pytest.mark.parametrize("make, name", [
    (lambda out: (out / "notes.txt").write_text("mine"), "notes.txt"),
    (lambda out: (out / FILES["html"]).mkdir(), FILES["html"]),
])
def test_a_directory_holding_other_things_is_refused_before_any_work(tmp_path, monkeypatch,
                                                                      make, name):
    out = tmp_path / "out"
    out.mkdir()
    make(out)
    monkeypatch.setattr(report_module, "enumerate_critical_points", None)  # never reached
    land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0]), (2, 2, 2))
    with pytest.raises(ValueError, match=rf"out must be a new or empty directory or an earlier "
                                         rf"report .* also holds {name}"):
        write_report(land, out)
    assert [p.name for p in out.iterdir()] == [name]


def test_an_earlier_report_with_stale_temporaries_is_replaced(old_report, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(old_report, out)
    (out / ".report.html.abcd1234.html").write_text("left by an older version")
    (tmp_path / ".out.abcd1234.tmpdir").mkdir()
    land = Landscape(DataSpectrum.from_singular_values([3.0, 0.5]), (2, 2, 2))
    report = write_report(land, out, progress=False, graph_options={"random_probes": 0})
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES.values())
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    assert report.files["html"] == out / FILES["html"] and report.out == out


def test_every_string_the_report_prints_is_escaped(tmp_path):
    """A data set's name is the one string of the user's in the page: escaped, like the
    rest (every table cell and the checks' summary go through ``html.escape``)."""
    injected = "<img src=x onerror=alert(1)>"
    spectrum = dataclasses.replace(DataSpectrum.from_singular_values([2.0, 1.0]), name=injected)
    report = write_report(Landscape(spectrum, (2, 2, 2)), tmp_path / "out", progress=False,
                          graph_options={"random_probes": 0})
    page = report.files["html"].read_text()
    assert injected not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


# ---------------------------------------------------------------------- frustration on load
def frustrated_weight(layers, signs) -> float:
    """The definition, edge by edge: ``sum |W_ab|`` over the edges with ``s_a W_ab s_b < 0``."""
    cuts = np.cumsum([layers[0].shape[1]] + [w.shape[0] for w in layers])
    s = np.split(np.asarray(signs), cuts[:-1])
    return sum(abs(w[a, b]) for j, w in enumerate(layers) for a, b in np.ndindex(w.shape)
               if s[j + 1][a] * w[a, b] * s[j][b] < 0)


def brute_force_frustration(layers) -> float:
    """``min_s`` of :func:`frustrated_weight` over every switching (first sign fixed)."""
    n = layers[0].shape[1] + sum(w.shape[0] for w in layers)
    return min(frustrated_weight(layers, (1, *rest)) for rest in product((1, -1), repeat=n - 1))


@pytest.fixture(scope="module")
def dense(tmp_path_factory):
    """Three modes of random data: dense representatives, frustration by enumeration."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((40, 3))
    y = x @ rng.standard_normal((3, 3)) + 0.1 * rng.standard_normal((40, 3))
    land = Landscape(DataSpectrum.from_data(x, y), (3, 3, 3))
    path = enumerate_critical_points(land, frustration=True).save(
        tmp_path_factory.mktemp("dense") / "catalog.json")
    return land, json.loads(path.read_text()), path


def worse(document, land, *, exact: bool, lower: str):
    """A class's switching replaced by a worse one (one sign flipped), its value, normalised
    value and lower bound (``"value"`` or ``"true"``: the true frustration) made to fit."""
    for row in document["classes"]:
        record = row["frustration"]
        layers = critical_point(land, tuple(row["subset"])).weights
        total = sum(float(np.sum(np.abs(w))) for w in layers)
        for k in range(len(record["signs"])):
            signs = list(record["signs"])
            signs[k] = -signs[k]
            value = frustrated_weight(layers, signs)
            if value > record["value"] + 1e-6 * total:
                truth = brute_force_frustration(layers)
                record.update(signs=signs, value=value, normalized=value / total, exact=exact,
                              lower_bound=value if lower == "value" else truth,
                              method="enumeration" if exact else "greedy")
                return document
    raise AssertionError("no single flip raises the value")


def test_a_worse_switching_still_marked_exact_is_refused(dense, tmp_path):
    """The issue: the record was consistent with its signs (value, normalised value, lower
    bound = value) and loaded; enumeration run again finds a smaller frustration."""
    land, document, _ = dense
    path = tmp_path / "catalog.json"
    shutil.copy(dense[2].with_suffix(".npz"), tmp_path / "catalog.npz")
    path.write_text(json.dumps(worse(json.loads(json.dumps(document)), land, exact=True,
                                     lower="value")))
    with pytest.raises(ValueError, match=r"the exact value .* exceeds the frustration .* that "
                                         r"enumeration finds"):
        Catalog.load(path)


def test_an_inexact_record_loads_with_a_true_bound_and_not_with_a_false_one(dense, tmp_path):
    land, document, _ = dense
    path = tmp_path / "catalog.json"
    shutil.copy(dense[2].with_suffix(".npz"), tmp_path / "catalog.npz")
    path.write_text(json.dumps(worse(json.loads(json.dumps(document)), land, exact=False,
                                     lower="true")))
    assert not all(f.exact for f in Catalog.load(path).frustration)
    path.write_text(json.dumps(worse(json.loads(json.dumps(document)), land, exact=False,
                                     lower="value")))
    with pytest.raises(ValueError, match=r"lower_bound .* exceeds the frustration"):
        Catalog.load(path)


@pytest.mark.parametrize("method, exact, message", [
    ("greedy", True, "method 'greedy' must be inexact"),
    ("enumeration", False, "method 'enumeration' must be exact"),
])
def test_the_method_must_agree_with_the_claim(dense, tmp_path, method, exact, message):
    _, document, _ = dense
    document = json.loads(json.dumps(document))
    document["classes"][0]["frustration"].update(method=method, exact=exact)
    path = tmp_path / "catalog.json"
    shutil.copy(dense[2].with_suffix(".npz"), tmp_path / "catalog.npz")
    path.write_text(json.dumps(document))
    with pytest.raises(ValueError, match=message):
        Catalog.load(path)


def test_saved_exact_values_are_the_brute_force_minimum(dense):
    """The oracle: every exact value of the catalog (verified on load) is the minimum over
    every switching."""
    land, _, path = dense
    loaded = Catalog.load(path)
    assert any(f.value > 0 for f in loaded.frustration)
    for subset, result in zip(loaded.subsets, loaded.frustration):
        assert result.exact
        truth = brute_force_frustration(critical_point(land, subset).weights)
        assert result.value == pytest.approx(truth, rel=1e-12, abs=1e-12)
