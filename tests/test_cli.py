"""The command line: same numbers as the library calls it wraps, clear errors, exit codes."""

import json
import re
import subprocess
import sys

import numpy as np
import pytest

import landscape as ls
from landscape.cli import main
from landscape import load_weights_file


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
    # --init-scale and --t-max are in the flow's weight and time units
    res = ls.gradient_flow(land, land.random_weights(scale=0.1 * ls.weight_unit(land), seed=4),
                           t_max=1e9 * ls.time_unit(land))
    assert payload["status"] == res.status.value == "converged"
    assert payload["loss_final"] == pytest.approx(float(res.loss[-1]), abs=1e-12)
    assert [p["plateau_loss"] for p in payload["plateaus"]] == pytest.approx(
        [p.loss for p in ls.plateaus(land, res)])
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


def json_of(capsys, argv):
    assert main([*argv, "--json", "-", "--quiet"]) == 0
    return json.loads(capsys.readouterr().out)


def test_catalog_matches_enumeration_and_closed_form(tmp_path, capsys):
    out = tmp_path / "sub" / "cat.json"
    payload = json_of(capsys, ["catalog", "--sigma", "3,2,1", "--widths", "3,2,3", "--curvature",
                               "-o", str(out)])
    land = ls.Landscape(ls.DataSpectrum.from_singular_values([3, 2, 1]), (3, 2, 3))
    expected = ls.enumerate_critical_points(land, curvature=True).records()
    assert payload["classes"] == expected
    for record in payload["classes"]:
        unlearnt = [s for i, s in enumerate((3, 2, 1)) if i not in record["subset"]]
        assert record["value"] == pytest.approx(0.5 * sum(s * s for s in unlearnt), abs=1e-12)
    assert ls.Catalog.load(out).records() == expected


def test_catalog_table_is_sorted_by_value(capsys):
    assert main(["catalog", "--sigma", "3,2,1", "--widths", "3,3,3", "--quiet"]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = [line for line in lines if line.startswith("#")]
    assert "m = 3 nonzero" in header[0] and "L0 = 0" in header[0]
    assert "2 L / d_y" in header[-1]
    table = [line for line in lines if not line.startswith("#")]
    values = [float(line.split()[1]) for line in table[1:]]
    assert values == sorted(values) and len(values) == 8


def test_classify_a_saved_catalog_and_a_weights_file(tmp_path, capsys):
    land = ls.Landscape(ls.DataSpectrum.from_singular_values([3, 2, 1]), (3, 3, 3, 3))
    catalog = ls.enumerate_critical_points(land)
    path = catalog.save(tmp_path / "cat.json")
    payload = json_of(capsys, ["classify", str(path)])
    by_subset = {tuple(r["subset"]): r for r in payload["classifications"]}
    assert len(by_subset) == len(catalog)
    for point in catalog:
        found = ls.classify(land, point.weights)
        record = by_subset[point.subset]
        assert (record["kind"], record["witness_kind"]) == (found.kind.value,
                                                           found.witness_kind.value)
        assert tuple(record["inertia"]) == found.inertia and record["n_orbit"] == found.n_orbit
    # a user's own network: a strict variant of {0} in the same fiber (one GL move of layer 1)
    rng = np.random.default_rng(3)
    weights = [w.copy() for w in catalog.lookup((0,)).weights]
    g = rng.standard_normal((3, 3)) + 3 * np.eye(3)
    weights[0], weights[1] = g @ weights[0], weights[1] @ np.linalg.inv(g)
    ls.save_weights_file(tmp_path / "w.npz", weights)
    payload = json_of(capsys, ["classify", "--sigma", "3,2,1", "--widths", "3,3,3,3",
                               "--weights", str(tmp_path / "w.npz")])
    [record] = payload["classifications"]
    assert record["subset"] == [0]
    assert record["kind"] == ls.classify(land, weights).kind.value


def test_classify_locates_a_non_critical_network(tmp_path, capsys):
    # far from every critical point: the class it is near, and how the kind was obtained
    land = ls.Landscape(ls.DataSpectrum.from_singular_values([3, 2, 1]), (3, 3, 3))
    weights = land.random_weights(seed=0)
    ls.save_weights_file(tmp_path / "w.npz", weights)
    payload = json_of(capsys, ["classify", "--sigma", "3,2,1", "--widths", "3,3,3",
                               "--weights", str(tmp_path / "w.npz")])
    [record] = payload["classifications"]
    where = ls.locate(land, weights)
    assert record["subset"] == list(where.subset)
    assert record["gradient_norm"] == pytest.approx(where.gradient_norm, rel=1e-12)
    assert record["kind_from"] in ("flow", "representative") and where.gradient_norm > 1e-3
    assert record["kind"] == ls.classify(land, weights).kind.value


def test_classify_a_trained_network_with_a_looser_criticality_bound(tmp_path, capsys):
    land = ls.Landscape(ls.DataSpectrum.from_singular_values([3, 2, 1]), (3, 3, 3, 3))
    final = ls.gradient_flow(land, land.random_weights(scale=0.5, seed=2)).weights
    ls.save_weights_file(tmp_path / "w.npz", final)
    payload = json_of(capsys, ["classify", "--sigma", "3,2,1", "--widths", "3,3,3,3",
                               "--weights", str(tmp_path / "w.npz"), "--critical-tol", "1e-4"])
    [record] = payload["classifications"]
    assert record["subset"] == [0, 1, 2] and record["kind"] == "global_minimum"
    assert record["value"] == pytest.approx(land.loss(final), abs=1e-15)


def test_frustration_of_a_weights_file_and_of_every_class(tmp_path, capsys):
    rng = np.random.default_rng(5)
    weights = [rng.standard_normal((4, 3)), rng.standard_normal((4, 4)),
               rng.standard_normal((2, 4))]
    ls.save_weights_file(tmp_path / "w.npz", weights)
    payload = json_of(capsys, ["frustration", "--weights", str(tmp_path / "w.npz"),
                               "--method", "exact"])
    assert payload["value"] == pytest.approx(ls.frustration(weights, method="exact").value)
    assert payload["exact"] is True
    payload = json_of(capsys, ["frustration", "--weights", str(tmp_path / "w.npz"),
                               "--null", "sign_shuffle", "--samples", "9", "--seed", "3"])
    null = ls.frustration_vs_null(weights, "sign_shuffle", 9, seed=3)
    assert payload["null"]["p_value"] == null.p_value
    assert payload["null"]["mean"] == pytest.approx(null.mean, rel=1e-12)
    payload = json_of(capsys, ["frustration", "--sigma", "3,2,1", "--widths", "3,3,3"])
    # canonical representatives are sign-consistent paths: balanced, frustration 0
    assert [r["value"] for r in payload["representatives"]] == [0.0] * 8


@pytest.mark.parametrize("args, match", [
    (["classify", "cat.json", "--sigma", "1", "--widths", "1,1"], "not both"),
    (["frustration", "--sigma", "1", "--widths", "1,1", "--null", "random_signs"],
     "--null needs --weights"),
    (["graph", "--sigma", "3,2", "--widths", "2,2", "--radius", "a"],
     "--radius: invalid float value: 'a'"),
    (["graph", "--sigma", "3,2", "--widths", "2,2", "--random-probes", "-1"],
     "random_probes must be >= 0, got -1"),
    (["report", "--sigma", "3,2", "--widths", "2,2", "--radius", "0"], "radius must be > 0"),
])
def test_more_bad_arguments_exit_2(args, match):
    proc = run_cli(*args)
    assert proc.returncode == 2, proc.stderr
    assert re.search(match, proc.stderr), proc.stderr


def test_flow_gradient_descent_step_is_in_time_units(tmp_path):
    """``--step`` and ``--t-max`` in the time unit: the flow of ``X`` and of ``1e150 X`` take
    the same steps and reach the same loss."""
    X, Y = ls.problem.spectrum.load_dataset("linnerud")
    payloads = []
    for factor in (1.0, 1e150):
        data = tmp_path / f"data{factor:g}.npz"
        np.savez(data, X=factor * X, Y=Y)
        out = tmp_path / f"flow{factor:g}.json"
        assert main(["flow", "--data", str(data), "--widths", "3,3,3,3", "--method", "gd",
                     "--step", "0.1", "--t-max", "1000", "--json", str(out)]) == 0
        payloads.append(json.loads(out.read_text()))
    plain, scaled = payloads
    assert plain["loss_final"] == pytest.approx(scaled["loss_final"], rel=1e-9)
    assert scaled["t_final"] * 1e100 == pytest.approx(plain["t_final"], rel=1e-9)
