"""The command line: same numbers as the library calls it wraps, clear errors, exit codes."""

import json
import re
import subprocess
import sys

import numpy as np
import pytest

import landscape as ls
from landscape.cli import main
from landscape.datafiles import load_weights_file


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "landscape", *args], capture_output=True,
                          text=True, timeout=300)


def test_help_works_both_ways():
    for cmd in (["landscape", "--help"], [sys.executable, "-m", "landscape", "--help"]):
        proc = subprocess.run(cmd, capture_output=True, text=True)
        assert proc.returncode == 0 and "flow" in proc.stdout


def test_flow_json_matches_library(tmp_path, capsys):
    out = tmp_path / "flow.json"
    final = tmp_path / "final.npz"
    assert main(["flow", "--sigma", "3,2,1", "--widths", "3,3,3", "--init-scale", "0.1",
                 "--seed", "4", "--json", str(out), "-o", str(final)]) == 0
    payload = json.loads(out.read_text())
    land = ls.Landscape(ls.DataSpectrum.from_singular_values([3, 2, 1]), (3, 3, 3))
    res = ls.gradient_flow(land, land.random_weights(scale=0.1, rng=4), t_max=1e9)
    assert payload["status"] == res.status.value == "converged"
    assert payload["loss_final"] == pytest.approx(float(res.loss[-1]), abs=1e-12)
    assert [p["plateau_loss"] for p in payload["plateaus"]] == pytest.approx(
        [p.loss for p in ls.plateaus(res, land)])
    weights = load_weights_file(final)
    assert land.loss(weights) == pytest.approx(float(res.loss[-1]), abs=1e-12)
    assert "plateau_loss" in capsys.readouterr().out


@pytest.mark.parametrize("args, match", [
    (["flow", "--sigma", "3,x", "--widths", "2,2"], "--sigma must be comma-separated numbers"),
    (["flow", "--sigma", "3,2"], "--widths is required with --sigma"),
    (["flow", "--dataset", "linnerud", "--widths", "4,2,3"], r"widths\[0\] must equal d_x = 3, got 4"),
    (["flow", "--sigma", "1", "--widths", "1,1", "--method", "gd"], "step must be given"),
    (["flow", "--data", "missing.npz"], "data file must exist"),
])
def test_bad_arguments_exit_2_with_message(args, match):
    proc = run_cli(*args)
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"landscape {args[0]}: error:")
    assert re.search(match, proc.stderr), proc.stderr
