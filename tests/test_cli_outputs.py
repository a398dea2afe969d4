"""What the command line prints and writes: the problem header of every table, the exit status
of a bad argument (2) and of a failure at run time (1), graph outputs swapped in whole with
their destinations checked before work, and JSON written straight into pipes and devices."""

import json
import os
import re
import stat
import subprocess
import sys
import threading

import numpy as np
import pytest
import scipy.optimize

import landscape as ls
from landscape.cli import exit_status, main
from landscape.cli import commands

SMALL = ["--sigma", "2,1", "--widths", "2,2,2", "--quiet"]


def run_cli(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "landscape", *args], capture_output=True,
                          text=True, timeout=300, **kwargs)


def header_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("#")]


@pytest.mark.parametrize("argv", [
    ["flow", "--sigma", "3,2,1", "--widths", "3,3,3"],
    ["flow", "--sigma", "3,2,1", "--widths", "3,3,3", "--end-to-end"],
    ["catalog", "--sigma", "3,2,1", "--widths", "3,3,3"],
])
def test_tables_begin_with_the_problem_header(argv, capsys):
    assert main(argv) == 0
    header = header_lines(capsys.readouterr().out)
    assert "sigma = (3, 2, 1)" in header[0] and "L0 = 0" in header[0]
    assert any(line.startswith("# loss unit:") for line in header)


def test_graph_prints_the_header_and_no_header_when_json_goes_to_stdout(tmp_path, capsys):
    assert main(["graph", *SMALL, "--out", str(tmp_path / "g")]) == 0
    out = capsys.readouterr().out
    assert "sigma = (2, 1)" in header_lines(out)[0]
    assert main(["graph", *SMALL, "--out", str(tmp_path / "g"), "--json", "-"]) == 0
    json.loads(capsys.readouterr().out)  # nothing but the JSON


@pytest.mark.parametrize("command", ["classify", "flow"])
def test_a_network_without_its_problem_is_refused(tmp_path, command):
    weights = tmp_path / "w.npz"
    np.savez(weights, W1=np.ones((2, 3)), W2=np.ones((3, 2)))
    with pytest.raises(SystemExit) as exit_:
        main([command, "--weights", str(weights)])
    assert exit_.value.code == 2


def test_the_refusal_names_the_options(tmp_path):
    weights = tmp_path / "w.npz"
    np.savez(weights, W1=np.ones((2, 3)), W2=np.ones((3, 2)))
    proc = run_cli("classify", "--weights", str(weights))
    assert proc.returncode == 2 and "--dataset, --data or --sigma" in proc.stderr
    assert "linnerud" not in proc.stdout and proc.stdout == ""


def test_end_to_end_limit_names_the_rank_the_data_allow(capsys):
    # sigma_4 = 0: a start of rank 4 ends in the global minimum, of rank 3
    assert main(["flow", "--sigma", "3,2,1,0", "--widths", "4,8,8,4", "--end-to-end"]) == 0
    limit = next(line for line in capsys.readouterr().out.splitlines()
                 if line.startswith("limit:"))
    assert "the minimum of the loss on rank-3 maps" in limit
    assert "the data allow rank 3" in limit and "rank-4" not in limit


# ---------------------------------------------------------------------- exit status
def test_exit_status_of_library_checks_dependencies_and_the_system():
    def raised(function):
        try:
            function()
        except Exception as exc:  # noqa: BLE001 - the exception itself is the subject
            return exc
        raise AssertionError("nothing raised")

    land = ls.Landscape(ls.DataSpectrum.from_singular_values([2.0, 1.0]), (2, 2, 2))
    assert exit_status(raised(lambda: land.check([np.ones((3, 3))]))) == 2
    assert exit_status(raised(lambda: scipy.optimize.brentq(lambda x: 1 + x * x, 0, 1))) == 1
    assert exit_status(raised(lambda: open("/nonexistent/dir/file", "w"))) == 1
    assert exit_status(raised(lambda: [][1])) is None  # a bug keeps its traceback


def test_a_failure_at_run_time_exits_1_without_traceback(monkeypatch, capsys):
    def failing(*args, **kwargs):
        return scipy.optimize.brentq(lambda x: 1 + x * x, 0, 1)  # a dependency's ValueError

    monkeypatch.setattr(commands, "saddle_graph", failing)
    with pytest.raises(SystemExit) as exit_:
        main(["graph", *SMALL, "--out", "unused"])
    assert exit_.value.code == 1
    assert "landscape graph: error: f(a) and f(b) must have different signs" in \
        capsys.readouterr().err


# ---------------------------------------------------------------------- graph --out
def graph_files(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir()}


@pytest.fixture(scope="module")
def old_graph(tmp_path_factory):
    folder = tmp_path_factory.mktemp("old") / "graph"
    assert main(["graph", *SMALL, "--out", str(folder)]) == 0
    return graph_files(folder)


def copy_of(old, tmp_path):
    folder = tmp_path / "graph"
    folder.mkdir()
    for name, data in old.items():
        (folder / name).write_bytes(data)
    return folder


@pytest.mark.parametrize("failure", [OSError(28, "No space left on device"), KeyboardInterrupt])
def test_a_graph_write_failing_half_way_leaves_the_old_files(old_graph, tmp_path, monkeypatch,
                                                            failure):
    assert sorted(old_graph) == ["saddle_graph.graphml", "saddle_graph.json",
                                 "saddle_graph.png"]
    folder = copy_of(old_graph, tmp_path)

    def fail(graph, path):  # the .graphml and .json are written by now
        assert path.with_suffix(".json").exists()
        raise failure

    monkeypatch.setattr(commands, "_save_graph_png", fail)
    with pytest.raises(SystemExit) as exit_:
        main(["graph", "--sigma", "3,1", "--widths", "2,2,2", "--quiet", "--out", str(folder)])
    assert exit_.value.code == (130 if failure is KeyboardInterrupt else 1)
    assert graph_files(folder) == old_graph
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph"]  # no temporaries left


def test_a_new_graph_replaces_all_three_files(old_graph, tmp_path):
    folder = copy_of(old_graph, tmp_path)
    assert main(["graph", "--sigma", "3,1", "--widths", "2,2,2", "--quiet", "--out",
                 str(folder)]) == 0
    new = graph_files(folder)
    assert sorted(new) == sorted(old_graph)
    assert all(new[name] != old_graph[name] for name in new)
    assert json.loads(new["saddle_graph.json"])["graph"]["graph"]["problem"]["sigma"] == [3, 1]


@pytest.mark.parametrize("make, options, match", [
    (lambda t: (t / "out").mkdir() or (t / "out" / "mine.txt").write_text("keep"),
     ["--out", "{t}/out"], r"also holds mine\.txt"),
    (lambda t: (t / "file").write_text(""), ["--out", "{t}/file"], "must be a directory"),
    (lambda t: (t / "file").write_text(""), ["--out", "{t}/file/sub"], "is not a directory"),
    (lambda t: None, ["--out", "{t}/g", "--checkpoint", "{t}/g/ck.json"],
     "--checkpoint must be outside --out"),
    (lambda t: (t / "ck").mkdir(), ["--out", "{t}/g", "--checkpoint", "{t}/ck"],
     "--checkpoint must name a file"),
    (lambda t: (t / "file").write_text(""), ["--out", "{t}/g", "--json", "{t}/file/x.json"],
     "--json must be a path"),
])
def test_graph_destinations_are_checked_before_work(tmp_path, monkeypatch, capsys, make,
                                                    options, match):
    make(tmp_path)
    monkeypatch.setattr(commands, "saddle_graph", lambda *a, **k: pytest.fail("work started"))
    with pytest.raises(SystemExit) as exit_:
        main(["graph", *SMALL, *[o.format(t=tmp_path) for o in options]])
    assert exit_.value.code == 2
    assert re.search(match, capsys.readouterr().err)


@pytest.mark.skipif(os.geteuid() == 0, reason="permissions do not bind root")
def test_a_read_only_destination_is_refused_before_work(tmp_path, monkeypatch, capsys):
    tmp_path.chmod(0o555)
    try:
        monkeypatch.setattr(commands, "saddle_graph",
                            lambda *a, **k: pytest.fail("work started"))
        with pytest.raises(SystemExit) as exit_:
            main(["graph", *SMALL, "--out", str(tmp_path / "g")])
    finally:
        tmp_path.chmod(0o755)
    assert exit_.value.code == 2 and "cannot be written" in capsys.readouterr().err


# ---------------------------------------------------------------------- streams
CATALOG = ["catalog", "--sigma", "3,2,1", "--widths", "3,3,3", "--quiet"]


def test_json_into_a_fifo_is_written_through_and_the_fifo_stays(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    assert main([*CATALOG, "--json", str(fifo)]) == 0
    reader.join(timeout=60)
    assert json.loads(received[0])["sigma"] == [3, 2, 1]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_json_to_dev_stdout_follows_the_table_on_standard_output():
    proc = run_cli(*CATALOG, "--json", "/dev/stdout")
    assert proc.returncode == 0, proc.stderr
    table, _, document = proc.stdout.partition("\n{\n")
    assert "subset" in table and json.loads("{" + document)["sigma"] == [3, 2, 1]


def test_json_to_dev_stdout_redirected_to_a_file_keeps_the_table(tmp_path):
    target = tmp_path / "out.txt"
    with open(target, "w") as handle:
        proc = subprocess.run([sys.executable, "-m", "landscape", *CATALOG, "--json",
                               "/dev/stdout"], stdout=handle, stderr=subprocess.PIPE, text=True,
                              timeout=300)
    assert proc.returncode == 0, proc.stderr
    text = target.read_text()
    table, _, document = text.partition("\n{\n")
    assert table.startswith("#") and json.loads("{" + document)["widths"] == [3, 3, 3]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
def test_a_full_device_is_an_error_at_run_time_and_stays_a_device():
    proc = run_cli(*CATALOG, "--json", "/dev/full")
    assert proc.returncode == 1
    assert proc.stderr.startswith("landscape catalog: error:") and "No space" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


@pytest.mark.parametrize("target", ["-", "/dev/stdout"])
def test_a_closed_pipe_is_an_error_without_traceback(target):
    # `true` exits at once, long before the command has its output ready: the pipe is closed
    proc = subprocess.run(f"{sys.executable} -m landscape catalog --sigma 3,2,1 --widths 3,3,3 "
                          f"--quiet --json {target} | true; exit ${{PIPESTATUS[0]}}",
                          shell=True, executable="/bin/bash", capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 1 and "broken pipe" in proc.stderr
    assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr


def test_the_saddle_graph_legend_covers_no_node():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    land = ls.Landscape(ls.DataSpectrum.from_singular_values([1.0, 0.96, 0.95]), (3, 3, 3))
    graph = ls.saddle_graph(land, random_probes=2, seed=0)
    ax = ls.plot_saddle_graph(graph)
    ax.figure.canvas.draw()
    box = ax.get_legend().get_window_extent()
    marks = ax.transData.transform([ax_pos for ax_pos in
                                    ls.saddle_graph_layout(graph).values()])
    assert not np.any((marks[:, 0] >= box.x0) & (marks[:, 0] <= box.x1)
                      & (marks[:, 1] >= box.y0) & (marks[:, 1] <= box.y1))
    plt.close(ax.figure)
