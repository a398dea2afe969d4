"""Every script in examples/ runs, and its numbers match the theory it illustrates."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run_example(name, *args):
    proc = subprocess.run([sys.executable, str(EXAMPLES / name), *args], capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc


@pytest.mark.slow
@pytest.mark.parametrize("options", [(), ("--hidden-width", "1024")], ids=["width6", "width1024"])
def test_sequential_learning_plateaus_sit_on_top_k_values(tmp_path, options):
    """The same picture at hidden width 6 (full flow) and 1,024 (end-to-end flow, THEORY §7)."""
    run_example("sequential_learning.py", "--out", str(tmp_path), *options)
    assert (tmp_path / "sequential_learning.png").stat().st_size > 10_000
    result = json.loads((tmp_path / "sequential_learning.json").read_text())
    assert result["end_to_end"] == bool(options)
    assert result["widths"] == [11, *[int(options[1]) if options else 6] * 4, 4]
    sigma = np.array(result["sigma"])
    # THEORY §2: L_S = 1/2 sum_{i not in S} sigma_i^2, for the top-k subsets k = 0..3.
    expected = [0.5 * float(np.sum(sigma[k:] ** 2)) for k in range(len(sigma))]
    assert expected == pytest.approx([7.125, 2.625, 0.625, 0.125])
    small = result["small_start"]
    assert small["status"] == "converged"
    losses = [p["loss"] for p in small["plateaus"]]
    # one plateau per top-k saddle, in order, then the global minimum
    assert len(losses) == len(expected) + 1
    np.testing.assert_allclose(losses[:-1], expected, rtol=1e-4)
    assert losses[-1] < 1e-4
    times = [(p["t_start"], p["t_end"]) for p in small["plateaus"]]
    assert all(a <= b for a, b in times) and all(b1 < a2 for (_, b1), (a2, _) in zip(times, times[1:]))
    large = result["large_start"]
    assert large["status"] == "converged"
    # far from the origin: no saddle plateau, only the final approach to the minimum
    assert all(p["loss"] < 1e-4 for p in large["plateaus"])


def test_saddle_graph_example_writes_files_with_the_single_mode_orbits(tmp_path):
    """THEORY §4.2/§5: at depth 3 every saddle S reaches S u {i} by a certified one-hop edge."""
    from landscape import load_saddle_graph

    run_example("saddle_graph.py", "--out", str(tmp_path), "--cases", "depth3",
                "--random-probes", "2")
    stem = tmp_path / "saddle_graph_depth3"
    assert stem.with_suffix(".png").stat().st_size > 10_000
    G = load_saddle_graph(stem.with_suffix(".json"))
    one_hop = {(a, b) for a, b, hop in G.edges(data="hop") if hop == "one_hop"}
    for subset in G:
        for i in range(3):
            if i not in subset:
                assert (subset, tuple(sorted((*subset, i)))) in one_hop


def test_cnn_frustration_example_trains_and_compares_with_its_nulls(tmp_path):
    """A trained ReLU CNN on the digits; its frustration and near-monotonicity are in [0, 1]."""
    pytest.importorskip("torch")
    run_example("cnn_frustration.py", "--out", str(tmp_path), "--samples", "3", "--epochs", "3")
    assert (tmp_path / "cnn_frustration.png").stat().st_size > 10_000
    result = json.loads((tmp_path / "cnn_frustration.json").read_text())
    assert result["accuracy"] > 0.5
    for state in ("untrained", "trained"):
        s = result[state]
        assert 0 <= s["frustration"] <= 0.5 and 0 <= s["near_monotonicity"] <= 1
