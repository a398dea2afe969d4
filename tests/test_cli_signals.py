"""A killed or terminated `landscape graph --n-jobs 2` leaves no worker running: the pipe of
its standard output closes soon after (a worker still alive would hold it open)."""

import signal
import subprocess
import sys
import time

import pytest

COMMAND = [sys.executable, "-m", "landscape", "graph", "--sigma", "3,2.6,2.2,1.8,1.4,1,0.6,0.3",
           "--widths", "8,8,8,8", "--n-jobs", "2", "--out"]


def _start(tmp_path):
    """The command, once its parallel work is under way (its checkpoint is written after the
    first stage, by the running command itself)."""
    checkpoint = tmp_path / "checkpoint.json"
    proc = subprocess.Popen([*COMMAND, str(tmp_path / "graph"), "--checkpoint", str(checkpoint)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not checkpoint.exists() and time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.2)
    assert checkpoint.exists() and proc.poll() is None
    return proc


@pytest.mark.slow
def test_sigterm_stops_the_run_and_its_workers(tmp_path):
    proc = _start(tmp_path)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and "interrupted" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint.json"]  # no partial output


@pytest.mark.slow
def test_workers_of_a_killed_run_exit(tmp_path):
    proc = _start(tmp_path)
    proc.kill()
    start = time.monotonic()
    proc.communicate(timeout=60)  # returns once no process holds the pipes
    assert time.monotonic() - start < 30
