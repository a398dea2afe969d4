"""Probe table: options that cannot mean anything, and requests that cannot fit, are refused
before any work, with a message that names the option, the rule and the value.

One row per refusal: the call (or command line), the exception (or exit status) expected and
a regular expression its message must match. Every row refuses before the work starts, so
the whole table runs in seconds.
"""

from __future__ import annotations

import numpy as np
import pytest

import landscape as ls
from landscape.cli import main


def _land(sigma=(3.0, 2.0, 1.0), widths=(3, 3, 3, 3)):
    return ls.Landscape(ls.DataSpectrum.from_singular_values(list(sigma)), widths)


#: Sixteen distinct modes: 2^16 classes.
_SIGMA16 = tuple(3.0 - 0.1 * i for i in range(16))


def _random_network():
    land = _land()
    return land, land.random_weights(seed=0)


def _data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 3))
    return X, X @ rng.standard_normal((3, 2))


LIBRARY = [
    # tolerances bounded by what they can mean
    ("classify critical_tol=1e300",
     lambda: ls.classify(*_random_network(), critical_tol=1e300),
     ValueError, r"critical_tol must be <= 0\.01 .*got 1e\+300"),
    ("classify critical_tol=nan",
     lambda: ls.classify(*_random_network(), critical_tol=float("nan")),
     ValueError, r"critical_tol must be finite"),
    ("classify zero_tol=1e10",
     lambda: ls.classify(*_random_network(), zero_tol=1e10),
     ValueError, r"zero_tol must lie in \[1e-12, 0\.01\] .*got 1e\+10"),
    ("hessian_inertia zero_tol=1e-300",
     lambda: ls.hessian_inertia(_land(), [np.zeros((3, 3))] * 3, zero_tol=1e-300),
     ValueError, r"zero_tol must lie in .*got 1e-300"),
    ("witness_test zero_tol=1",
     lambda: ls.witness_test(_land(), [np.zeros((3, 3))] * 3, zero_tol=1.0),
     ValueError, r"zero_tol must lie in"),
    ("canonicalize critical_tol=1",
     lambda: ls.canonicalize(_land(), [np.zeros((3, 3))] * 3, critical_tol=1.0),
     ValueError, r"critical_tol must be <= 0\.01"),
    ("enumerate_critical_points critical_tol=0.5",
     lambda: ls.enumerate_critical_points(_land(), critical_tol=0.5),
     ValueError, r"critical_tol must be <= 0\.01"),
    ("check_critical critical_tol=-1",
     lambda: ls.check_critical(_land(), [np.zeros((3, 3))] * 3, critical_tol=-1.0),
     ValueError, r"critical_tol must be >= 0"),
    ("saddle_graph grad_tol=1e6",
     lambda: ls.saddle_graph(_land(), grad_tol=1e6),
     ValueError, r"grad_tol must be <= 0\.01 .*got 1e\+06"),
    ("saddle_graph value_tol=0.5",
     lambda: ls.saddle_graph(_land(), value_tol=0.5),
     ValueError, r"value_tol must be <= 0\.1 .*got 0\.5"),
    ("from_data center='no'",
     lambda: ls.DataSpectrum.from_data(*_data(), center="no"),
     TypeError, r"center must be True or False, got 'no'"),
    ("from_data whiten='yes'",
     lambda: ls.DataSpectrum.from_data(*_data(), whiten="yes"),
     TypeError, r"whiten must be True or False, got 'yes'"),
    ("from_dataset center=0.0",
     lambda: ls.DataSpectrum.from_dataset("linnerud", center=0.0),
     TypeError, r"center must be True or False"),
    # big requests refused with the figure and the way out
    ("sample_fiber at width 10^6",
     lambda: ls.sample_fiber(_land(widths=(3, 10 ** 6, 3)), (0,), seed=0),
     ValueError, r"hidden widths must be at most MAX_FIBER_WIDTH = 4096 .*GiB.*same classes"),
    ("frustration_vs_null samples=10^7",
     lambda: ls.frustration_vs_null([np.ones((3, 3))] * 2, "sign_shuffle", 10 ** 7),
     ValueError, r"samples must be at most MAX_NULL_SAMPLES = 100,000 .*GiB.*got 10,000,000"),
    ("saddle_graph at 2^16 classes",
     lambda: ls.saddle_graph(_land(_SIGMA16, (16, 16, 16))),
     ValueError, r"saddle graph of 65,536 critical classes and 256 blocks: about .*; "
                 r"max_classes must be at least the class count, got 16,384: ask for fewer"),
    ("write_report at 2^16 classes",
     lambda: ls.write_report(_land(_SIGMA16, (16, 16, 16)), "/nonexistent/report"),
     ValueError, r"report of 65,536 critical classes .*raise max_classes"),
    ("weight-space flow at widths 3,10^7,3",
     lambda: ls.check_flow_memory(_land(widths=(3, 10 ** 7, 3)), "DOP853", None, False),
     ValueError, r"gradient_flow of 60,000,000 parameters .*GiB.*end_to_end_flow.*"
                 r"widths \(3, 3, 3\)"),
    ("gradient_flow LSODA at 120,000 parameters (dense Jacobian)",
     lambda: ls.gradient_flow(_land(widths=(3, 20000, 3)),
                              _land(widths=(3, 20000, 3)).random_weights(seed=0),
                              method="LSODA"),
     ValueError, r"gradient_flow of 120,000 parameters \(LSODA.*3 dense P x P.*explicit method"),
    ("hessian_inertia dense at 59,040 parameters",
     lambda: ls.hessian_inertia(_land(widths=(3, 240, 240, 3)),
                                _land(widths=(3, 240, 240, 3)).random_weights(seed=0),
                                method="dense"),
     ValueError, r"dense Hessian inertia of 59,040 parameters needs about 51\.9 GiB.*auto"),
]


@pytest.mark.parametrize("call, error, pattern", [row[1:] for row in LIBRARY],
                         ids=[row[0] for row in LIBRARY])
def test_library_refuses(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


@pytest.fixture
def network_file(tmp_path):
    path = tmp_path / "w.npz"
    rng = np.random.default_rng(0)
    np.savez(path, W1=rng.standard_normal((3, 3)), W2=rng.standard_normal((3, 3)))
    return str(path)


PROBLEM = ["--sigma", "3,2,1", "--widths", "3,3,3"]


def _modes(m: int) -> str:
    """``--sigma`` of ``m`` distinct modes (``2^m`` classes)."""
    return ",".join(str(30 - i) for i in range(m))
CLI = [
    # an option that does not apply is refused, not ignored
    ("classify --critical-tol -1 without --weights",
     ["classify", *PROBLEM, "--critical-tol", "-1"], r"--critical-tol goes with --weights"),
    ("classify --critical-tol nan without --weights",
     ["classify", *PROBLEM, "--critical-tol", "nan"], r"--critical-tol goes with --weights"),
    ("classify --critical-tol 1e-6 on a catalog's classes",
     ["classify", *PROBLEM, "--critical-tol", "1e-6"], r"--critical-tol goes with --weights"),
    ("classify --weights --critical-tol -1",
     ["classify", *PROBLEM, "--weights", "{network}", "--critical-tol", "-1"],
     r"--critical-tol must be >= 0"),
    ("classify --weights --critical-tol nan",
     ["classify", *PROBLEM, "--weights", "{network}", "--critical-tol", "nan"],
     r"--critical-tol must be finite"),
    ("classify --weights --critical-tol 1e300",
     ["classify", *PROBLEM, "--weights", "{network}", "--critical-tol", "1e300"],
     r"--critical-tol must be <= 0\.01"),
    ("frustration --monotonicity-inputs without --model",
     ["frustration", *PROBLEM, "--monotonicity-inputs", "4"],
     r"--monotonicity-inputs go with --model"),
    ("frustration --samples 0 without --null",
     ["frustration", *PROBLEM, "--samples", "0"], r"--samples goes with --null"),
    ("frustration --weights --samples 50 without --null",
     ["frustration", "--weights", "{network}", "--samples", "50"], r"--samples goes with --null"),
    ("frustration --null --samples 0",
     ["frustration", "--weights", "{network}", "--null", "sign_shuffle", "--samples", "0"],
     r"--samples must be >= 1, got 0"),
    ("frustration --null --samples 10^7",
     ["frustration", "--weights", "{network}", "--null", "sign_shuffle", "--samples",
      str(10 ** 7)], r"MAX_NULL_SAMPLES"),
    ("graph --grad-tol 1e6",
     ["graph", *PROBLEM, "--grad-tol", "1e6", "--out", "{tmp}/g"], r"grad_tol must be <= 0\.01"),
    # big requests: the figure and the way out, before any work
    ("catalog at 2^24 classes with --max-memory 16",
     ["catalog", "--sigma", _modes(24), "--widths", "24,24,24", "--max-memory", "16"],
     r"catalog of 16,777,216 critical classes \(1200 B a class\) needs about 18\.8 GiB .*"
     r"16 GiB allowed; ask for fewer modes"),
    ("catalog -o --json at 22 modes",
     ["catalog", "--sigma", _modes(22), "--widths", "22,22,22", "-o", "{tmp}/c.json",
      "--json", "{tmp}/c2.json", "--max-memory", "4"],
     r"4,194,304 critical classes \(1200 B \+ 300 B \+ 2500 B a class\).*no --json"),
    ("catalog --max-memory 0",
     ["catalog", *PROBLEM, "--max-memory", "0"], r"--max-memory must be a positive number"),
    ("graph at 20 modes",
     ["graph", "--sigma", _modes(20), "--widths", "20,20,20", "--out", "{tmp}/g"],
     r"saddle graph of 1,048,576 critical classes and 400 blocks: about .*--max-classes"),
    ("report at 16 modes",
     ["report", "--sigma", _modes(16), "--widths", "16,16,16", "--out", "{tmp}/g"],
     r"report of 65,536 critical classes .*fewer modes"),
    ("flow at widths 3,10^7,3",
     ["flow", "--sigma", "3,2,1", "--widths", "3,10000000,3"],
     r"gradient_flow of 60,000,000 parameters .*--end-to-end"),
    ("classify --method dense at 59,040 parameters",
     ["classify", "--sigma", "3,2,1", "--widths", "3,240,240,3", "--method", "dense"],
     r"dense Hessian inertia of 59,040 parameters .*--method auto"),
]


@pytest.mark.parametrize("argv, pattern", [row[1:] for row in CLI], ids=[row[0] for row in CLI])
def test_command_line_refuses(argv, pattern, network_file, tmp_path, capsys):
    argv = [a.format(network=network_file, tmp=tmp_path) for a in argv]
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert __import__("re").search(pattern, err), err
    assert not (tmp_path / "g").exists()
