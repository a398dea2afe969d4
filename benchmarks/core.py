"""Core speed: block-wise gradient vs the dense adjacency form, HVP vs gradient, the example.

Targets (issue "Core"): block-wise gradient >= 10x faster than the dense adjacency gradient
at widths 64, depth 6; one HVP <= 3x one gradient; the sequential-learning example under
60 s on one core. Run: ``python benchmarks/core.py`` (set OMP_NUM_THREADS=1 for one core).
"""

import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import landscape as ls


def best_time(fn, repeat=5, number=None):
    if number is None:
        start = time.perf_counter()
        fn()
        once = time.perf_counter() - start
        number = max(1, int(0.05 / max(once, 1e-9)))
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def main():
    rng = np.random.default_rng(0)
    print(f"{'width':>6} {'depth':>6} {'P':>9} {'grad ms':>9} {'dense ms':>10} "
          f"{'dense/grad':>11} {'hvp ms':>8} {'hvp/grad':>9}")
    for width in (8, 16, 32, 64, 128):
        for depth in (2, 4, 6, 8):
            spec = ls.DataSpectrum.from_singular_values(rng.uniform(0.5, 3.0, width))
            land = ls.Landscape(spec, (width,) * (depth + 1))
            W = land.random_weights(seed=rng)
            V = land.random_weights(seed=rng)
            t_grad = best_time(lambda: land.gradient(W))
            t_hvp = best_time(lambda: land.hvp(W, V))
            A, E = land.adjacency(W), land.adjacency_target()
            t_dense = best_time(lambda: ls.adjacency_gradient(A, E, depth), repeat=3)
            print(f"{width:6d} {depth:6d} {land.n_params:9d} {1e3 * t_grad:9.3f} "
                  f"{1e3 * t_dense:10.3f} {t_dense / t_grad:11.1f} {1e3 * t_hvp:8.3f} "
                  f"{t_hvp / t_grad:9.2f}")
    example = Path(__file__).resolve().parent.parent / "examples" / "sequential_learning.py"
    start = time.perf_counter()
    subprocess.run([sys.executable, str(example), "--out", str(Path("/tmp") / "landscape-bench")],
                   check=True, capture_output=True)
    print(f"examples/sequential_learning.py end to end: {time.perf_counter() - start:.1f} s "
          f"(target < 60 s)")


if __name__ == "__main__":
    main()
