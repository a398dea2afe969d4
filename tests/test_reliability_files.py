"""Output directories stay consistent (issue 15, item 2): a report is swapped in whole.

:func:`landscape._base.files.atomic_directory` writes a fresh directory beside the target and
exchanges it with the target in one rename (Linux), else renames the old one aside and the new
one in; a kill between those two renames is undone by the next call. Temporaries of killed
writers are removed by the next run, those of live writers (locked) and every unrelated file
are left alone. The kills themselves are in ``test_reliability_kill.py``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import landscape._base.files as files
import landscape.report as report_module
from landscape import DataSpectrum, Landscape
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
