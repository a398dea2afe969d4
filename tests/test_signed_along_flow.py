"""Frustration along a recorded gradient flow, against brute force at every used time, and
the example that draws it.
"""

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from signed_oracles import brute_force

from landscape import DataSpectrum, Landscape, frustration_along_flow, gradient_flow

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "frustration_training.py"


def test_frustration_along_flow_evaluates_the_recorded_weights():
    spec = DataSpectrum.from_singular_values([2.0, 1.0], d_x=3, d_y=2)
    land = Landscape(spec, (3, 4, 4, 2))
    w0 = land.random_weights(scale=0.5, seed=np.random.default_rng(0))
    flow = gradient_flow(land, w0, t_max=50.0, record=np.linspace(0, 50, 11),
                         record_weights=True)
    traj = frustration_along_flow(flow, land, every=3, null="sign_shuffle", null_samples=4,
                                  seed=1)
    index = list(range(0, flow.t.size, 3))
    if index[-1] != flow.t.size - 1:
        index.append(flow.t.size - 1)
    np.testing.assert_array_equal(traj.t, flow.t[index])
    for k, i in enumerate(index):
        weights = land.unflatten(flow.trajectory[i])
        assert traj.value[k] == pytest.approx(brute_force(weights))
        assert traj.total_weight[k] == pytest.approx(sum(np.abs(w).sum() for w in weights))
        assert traj.exact[k]
    assert traj.null_mean.shape == traj.t.shape and np.all(traj.null_std >= 0)
    # the same seed gives the same trajectory and band in joblib processes
    again = frustration_along_flow(flow, land, every=3, null="sign_shuffle", null_samples=4,
                                   seed=1, n_jobs=2)
    for name in ("value", "normalized", "exact", "null_mean", "null_std"):
        np.testing.assert_array_equal(getattr(again, name), getattr(traj, name))
    with pytest.raises(ValueError, match="record_weights=True"):
        frustration_along_flow(gradient_flow(land, w0, t_max=1.0), land)


def test_example_runs_at_reduced_size(tmp_path):
    spec = importlib.util.spec_from_file_location("frustration_training", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    summary = module.main(["--quick", "--out", str(tmp_path)])
    assert (tmp_path / "frustration_training.png").stat().st_size > 10_000
    for run in summary["runs"]:
        assert run["status"] == "converged"
        assert len(run["t"]) == len(run["normalized"]) == len(run["null_mean"])
        assert all(0.0 <= v <= 0.5 for v in run["normalized"])
        assert all(run["exact"])
    # Expected, not hard-coded: on the plateau of its first learnt mode a small start is close
    # to an aligned rank-one chain (balanced), far below the sign-shuffle null band.
    small = summary["runs"][0]
    assert small["label"] == "small start"
    assert any(v < m - 2 * sd for v, m, sd in zip(small["normalized"], small["null_mean"],
                                                  small["null_std"]))
