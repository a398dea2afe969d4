"""Kills of ``Catalog.save`` and ``write_report`` leave the old or the new result (issue 15).

A server process (a fresh interpreter, one BLAS thread, so that it may fork) builds two
results, installs the first, then forks writers that replace it with the other, again and
again, and kills each writer: with ``SIGKILL`` at seeded random instants, or (``os._exit``,
which runs no clean-up either) at each rename of the install. After every kill it copies the
directory as the kill left it. The test then checks each copy: the result loads and is one of
the two, whole (never a mix), and after the next run nothing but the result is left. (The
report's writers draw placeholder figures: drawing is most of a report's time and has nothing
to do with how the files are installed.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from landscape import Catalog, DataSpectrum, Landscape, enumerate_critical_points
from landscape import load_saddle_graph
from landscape._base.files import remove_stale_temporaries
from landscape.report import FILES

SEED = 15
SERVER = textwrap.dedent('''
    import json, os, shutil, signal, sys, time
    from pathlib import Path
    import numpy as np
    import landscape._base.files as files
    import landscape.critical.catalog_files as catalog_files
    from landscape import DataSpectrum, Landscape, enumerate_critical_points
    from landscape.report import write_report

    mode, work, seed, rounds = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    live = work / "live"
    if mode == "catalog":
        results = [enumerate_critical_points(Landscape(
            DataSpectrum.from_singular_values(np.linspace(3.0, 0.5, 8) * s), (8, 8, 8, 8)))
            for s in (1.0, 2.0)]
        def write(k):
            results[k % 2].save(live / "cat.json")
    else:
        import landscape.report as report
        lands = [Landscape(DataSpectrum.from_singular_values(s), (2, 2, 2))
                 for s in ([2.0, 1.0], [3.0, 0.5])]
        # the figures' pixels do not matter here, and drawing them is most of a report's time
        report._figures = lambda *args: {key: b"png" for key in
                                         ("sequential_png", "graph_png", "hessian_png")}
        def write(k):
            write_report(lands[k % 2], live / "out", progress=False,
                         graph_options={"random_probes": 0})

    def exit_at(module, name, call):
        """Patch module.name to end the process at its call-th call, before it acts."""
        real, count = getattr(module, name), [0]
        def patched(*args, **kwargs):
            count[0] += 1
            if count[0] == call:
                os._exit(9)
            return real(*args, **kwargs)
        setattr(module, name, patched)

    def run(kill):
        """Fork a writer that replaces the result again and again; kill it; copy the scene."""
        pid = os.fork()
        if pid == 0:
            try:
                kill(None)
                k = 1
                while True:
                    write(k)
                    k += 1
            except BaseException:
                import traceback
                traceback.print_exc()
            finally:
                os._exit(1)
        kill(pid)
        _, status = os.waitpid(pid, 0)
        assert os.WIFSIGNALED(status) or os.WEXITSTATUS(status) == 9, status
        n = len(list(work.glob("round*")))
        shutil.copytree(live, work / f"round{n}", symlinks=True)

    start = time.monotonic()
    write(0)
    cycle = time.monotonic() - start
    if mode == "catalog":  # at each of the three renames of an install, and inside the npz
        for call in (1, 2, 3):
            run(lambda pid, call=call: pid or exit_at(os, "replace", call))
        run(lambda pid: pid or exit_at(catalog_files.np.lib.format, "write_array", 4))
    else:  # between the two renames of a swap without the exchange
        def between(pid):
            if pid is None:
                files._exchange = lambda a, b: False
                exit_at(os, "rename", 2)
        run(between)
    rng = np.random.default_rng(seed)
    for _ in range(rounds):
        delay = rng.uniform(0.0, 2.0 * cycle)
        run(lambda pid: pid and (time.sleep(delay), os.kill(pid, signal.SIGKILL)))
    print(json.dumps({"cycle": cycle}))
''')


def serve(mode: str, work: Path, rounds: int) -> list[Path]:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    done = subprocess.run([sys.executable, "-c", SERVER, mode, str(work), str(SEED),
                           str(rounds)], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    json.loads(done.stdout.strip().splitlines()[-1])
    return sorted(work.glob("round*"), key=lambda p: int(p.name[5:]))


def test_killed_saves_leave_the_old_or_the_new_pair(tmp_path):
    expected = [enumerate_critical_points(Landscape(
        DataSpectrum.from_singular_values(np.linspace(3.0, 0.5, 8) * s), (8, 8, 8, 8)))
        for s in (1.0, 2.0)]  # 256 classes
    scenes = serve("catalog", tmp_path, rounds=3)
    assert len(scenes) == 7
    seen, found = set(), []
    for scene in scenes:
        path = scene / "cat.json"
        loaded = Catalog.load(path)
        k = [loaded.land.spectrum.sigma[0] == e.land.spectrum.sigma[0] for e in expected].index(
            True)
        assert loaded.records() == expected[k].records(), scene.name
        np.testing.assert_array_equal(loaded.representatives(), expected[k].representatives())
        seen.add(k)
        found.append(k)
        expected[0].save(path)  # the next run
        assert sorted(p.name for p in scene.iterdir()) == ["cat.json", "cat.npz"], scene.name
    # killed before the first rename (arrays staged) and the second (the JSON): the old pair;
    # before the third (arrays into place): the new one, its arrays still staged
    assert found[:3] == [0, 0, 1]
    assert seen == {0, 1}


def report_problem(out: Path) -> float:
    """The report in ``out``, checked whole: every file, all of one problem; its sigma_1."""
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES.values())
    catalog = Catalog.load(out / FILES["catalog"])
    sigma = catalog.land.spectrum.sigma.tolist()
    for key in ("graph_json", "graph_graphml"):
        assert load_saddle_graph(out / FILES[key]).graph["problem"]["sigma"] == sigma
    flows = json.loads((out / FILES["flows"]).read_text())
    assert sorted(flows) == ["large_start", "small_start"]
    assert ", ".join(f"{s:.6g}" for s in sigma) in (out / FILES["html"]).read_text()
    return sigma[0]


@pytest.mark.slow
def test_killed_reports_leave_the_old_or_the_new_report(tmp_path):
    scenes = serve("report", tmp_path, rounds=3)
    assert len(scenes) == 4
    # between the two renames: the old report is aside, and the next run puts it back
    first = scenes[0]
    assert not (first / "out").exists()
    assert [p.name for p in first.iterdir() if p.name.endswith(".old")]
    for scene in scenes:
        remove_stale_temporaries(scene / "out")  # what the next run does first
        assert [p.name for p in scene.iterdir()] == ["out"], scene.name
        assert report_problem(scene / "out") in (2.0, 3.0)
    assert report_problem(first / "out") == 2.0  # the old one: the writer was writing [3, 0.5]
