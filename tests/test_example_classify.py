"""examples/classify_saddles.py runs, and its classification matches THEORY §2 and §4."""

import json

import numpy as np
import pytest
from test_examples import run_example


def test_sequential_learning_saddles_are_non_strict_and_share_a_fiber_with_a_strict_one(tmp_path):
    proc = run_example("classify_saddles.py", "--out", str(tmp_path))
    assert "strict variant" in proc.stdout
    assert (tmp_path / "classify_saddles.png").stat().st_size > 10_000
    result = json.loads((tmp_path / "classify_saddles.json").read_text())
    sigma = np.array(result["sigma"])
    d_x, d_y = result["widths"][0], result["widths"][-1]
    points = {p["name"]: p for p in result["points"]}
    assert list(points) == ["top-0", "top-1", "top-1, strict variant", "top-2", "top-3", "top-4"]
    for p in result["points"]:
        subset = p["subset"]
        # THEORY §2: L_S = 1/2 sum_{i not in S} sigma_i^2
        assert p["value"] == pytest.approx(0.5 * np.sum(np.delete(sigma, subset) ** 2), rel=1e-12)
        assert p["agree"] and p["kind"] == p["witness_kind"]
        assert sum(p["inertia"]) == result["n_params"]
        assert p["n_orbit"] + p["centre_dim"] == p["inertia"][1]
    for k in range(5):
        p = points[f"top-{k}"]
        # THEORY §4: at h = 5 the top-k saddles (k < r* = 4) are non-strict, top-4 the minimum.
        assert p["kind"] == ("global_minimum" if k == 4 else "non_strict_saddle")
        # At a canonical top point the curvature is the Gauss-Newton part alone: positive on
        # the tangent of the rank-k matrices, of dimension k (d_x + d_y - k), zero elsewhere.
        assert p["inertia"] == [0, result["n_params"] - k * (d_x + d_y - k), k * (d_x + d_y - k)]
    strict, canonical = points["top-1, strict variant"], points["top-1"]
    # one fiber (same learnt set, same value), both kinds
    assert strict["subset"] == canonical["subset"] == [0]
    assert strict["value"] == canonical["value"]
    assert strict["kind"] == "strict_saddle" and strict["inertia"][0] >= 1
    assert strict["witness_rule"] == "witness" and strict["witness_pair"] == [1, 5]
