"""The executor seam: every backend runs the same tasks to the same results, in task order
once sorted by index, and passes errors on."""

import time

import pytest

from landscape import Backend, Executor


def _square_after(task):
    """Square ``task[0]`` after ``task[1]`` seconds (the later tasks finish first)."""
    value, pause = task
    time.sleep(pause)
    return value * value


def _fail_on_three(value):
    if value == 3:
        raise ArithmeticError(f"task {value} failed")
    return value


TASKS = [(k, 0.02 * (5 - k)) for k in range(6)]
EXPECTED = [k * k for k in range(6)]


@pytest.fixture(params=["serial", "joblib", "dask"])
def executor(request):
    if request.param == "serial":
        return Executor()
    if request.param == "joblib":
        return Executor(n_jobs=2)
    return Executor(client=request.getfixturevalue("dask_client"))


def test_backend_follows_arguments(dask_client):
    assert Executor().backend is Backend.SERIAL
    assert Executor(n_jobs=1).backend is Backend.SERIAL
    assert Executor(n_jobs=2).backend is Backend.JOBLIB
    assert Executor(n_jobs=-1).backend is Backend.JOBLIB
    assert Executor(client=dask_client).backend is Backend.DASK
    assert repr(Executor(n_jobs=3)) == "Executor(backend='joblib', n_jobs=3)"
    assert repr(Executor()) == "Executor(backend='serial')"


def test_map_gives_every_result_under_its_task_index(executor):
    pairs = list(executor.map(_square_after, TASKS, progress=False))
    indices = [index for index, _ in pairs]
    assert sorted(indices) == list(range(len(TASKS)))  # each task exactly once
    assert [result for _, result in sorted(pairs)] == EXPECTED


def test_map_of_no_tasks_yields_nothing(executor):
    assert list(executor.map(_square_after, [], progress=False)) == []


def test_errors_propagate(executor):
    with pytest.raises(ArithmeticError, match="task 3 failed"):
        list(executor.map(_fail_on_three, range(6), progress=False))


def test_closing_the_serial_iteration_runs_no_further_task():
    calls = []

    def record(task):
        calls.append(task)
        return task

    results = Executor().map(record, range(5), progress=False)
    assert next(results) == (0, 0)
    results.close()
    assert calls == [0]


def test_progress_bar_counts_tasks_on_request(capsys):
    list(Executor().map(abs, [-1, -2, -3], progress=True, desc="probing"))
    assert "probing" in capsys.readouterr().err
    list(Executor().map(abs, [-1, -2, -3], progress=False, desc="probing"))
    assert "probing" not in capsys.readouterr().err


@pytest.mark.parametrize("n_jobs, error, message", [
    (0, ValueError, "n_jobs must be None, -1 or a positive integer, got 0"),
    (-2, ValueError, "n_jobs must be None, -1 or a positive integer, got -2"),
    (1.5, TypeError, "n_jobs must be an integer, got 1.5"),
    (True, TypeError, "n_jobs must be an integer, got True"),
    ("2", TypeError, "n_jobs must be an integer, got '2'"),
])
def test_bad_n_jobs_is_rejected(n_jobs, error, message):
    with pytest.raises(error, match=message):
        Executor(n_jobs=n_jobs)


def test_bad_client_is_rejected(dask_client):
    with pytest.raises(TypeError, match="client must be a dask.distributed.Client, got 'local'"):
        Executor(client="local")
    with pytest.raises(ValueError, match="n_jobs must be None when a client is given, got 2"):
        Executor(n_jobs=2, client=dask_client)
