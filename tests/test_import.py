"""Start-up: ``import landscape`` leaves scikit-learn, matplotlib and ``scipy.stats``
unimported (they load where they are used), every public name is still reachable from
``landscape``, and the console command turns a Ctrl-C during its imports into the same clean
message as during the work. No timed assertion: ``benchmarks/import_time.py`` measures."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

import landscape
import landscape_console
from landscape import estimator

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(
    [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}


def _python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=ENV, cwd=ROOT, timeout=120)


def test_import_leaves_the_heavy_libraries_unimported():
    run = _python("import sys, landscape\n"
                  "print(*[m for m in ('sklearn', 'matplotlib', 'scipy.stats', 'torch')"
                  " if m in sys.modules])")
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == []


def test_the_estimator_loads_on_first_use():
    run = _python("import sys, landscape\n"
                  "cls = landscape.DeepLinearRegressor\n"
                  "print(cls.__module__, 'sklearn' in sys.modules)")
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["landscape.estimator", "True"]


def test_lazy_names_are_the_estimators_public_names():
    assert set(landscape.LAZY_MODULES["estimator"]) == set(estimator.__all__)
    for name in estimator.__all__:
        assert getattr(landscape, name) is getattr(estimator, name)
        assert name in landscape.__all__
    assert landscape.estimator is estimator


def test_star_import_and_unknown_names():
    namespace: dict = {}
    exec("from landscape import *", namespace)
    assert namespace["DeepLinearRegressor"] is estimator.DeepLinearRegressor
    assert set(landscape.__all__) <= set(namespace)
    with pytest.raises(AttributeError, match="no attribute 'not_a_name'"):
        landscape.not_a_name  # noqa: B018


#: A child that receives a real SIGINT while it imports the package's command line (the way
#: a Ctrl-C meets the console command's start-up), then runs the console entry point.
SIGINT_DURING_IMPORT = """
import importlib.abc, os, signal, sys

class Interrupt(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "landscape.connections":
            os.kill(os.getpid(), signal.SIGINT)
        return None

sys.meta_path.insert(0, Interrupt())
sys.argv = ["landscape", "catalog", "--sigma", "3,2,1", "--widths", "3,2,3"]
import landscape_console
sys.exit(landscape_console.main())
"""


def test_ctrl_c_during_the_imports_is_the_clean_message():
    run = _python(SIGINT_DURING_IMPORT)
    assert run.returncode == 130
    assert run.stderr == landscape_console.INTERRUPTED
    assert "Traceback" not in run.stderr


def test_the_message_is_the_one_of_an_interrupted_command(monkeypatch, capsys):
    from landscape.cli import main

    def interrupted(self, copies=1):
        raise KeyboardInterrupt

    # every subcommand checks the weights' memory once the work has begun
    monkeypatch.setattr(landscape.Landscape, "check_weight_memory", interrupted)
    with pytest.raises(SystemExit) as exit_:
        main(["catalog", "--sigma", "3,2,1", "--widths", "3,2,3"])
    assert exit_.value.code == 130
    assert capsys.readouterr().err == landscape_console.INTERRUPTED


def test_the_console_entry_runs_the_command_line(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["landscape", "catalog", "--sigma", "3,2,1",
                                      "--widths", "3,2,3"])
    assert landscape_console.main() == 0
    assert "global_minimum" in capsys.readouterr().out


def test_the_console_script_points_at_the_entry():
    text = (ROOT / "pyproject.toml").read_text()
    assert 'landscape = "landscape_console:main"' in text
