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
    proc = subprocess.Popen([*COMMAND, str(tmp_path)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    time.sleep(6.0)  # inside the parallel work
    assert proc.poll() is None, proc.communicate()
    return proc


@pytest.mark.slow
def test_sigterm_stops_the_run_and_its_workers(tmp_path):
    proc = _start(tmp_path)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and "interrupted" in err
    assert not list(tmp_path.glob("saddle_graph*"))


@pytest.mark.slow
def test_workers_of_a_killed_run_exit(tmp_path):
    proc = _start(tmp_path)
    proc.kill()
    start = time.monotonic()
    proc.communicate(timeout=60)  # returns once no process holds the pipes
    assert time.monotonic() - start < 30
