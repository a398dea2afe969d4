"""The end-to-end flow (docs/theory.md §7) against the full gradient flow, from the same balanced start.

The problem of the sequential-learning example, sigma = (3, 2, 1, 0.5), d_x = 11, d_y = 4,
with h = 3 layers of widths (11, W, W, 4). From one 0-balanced start (a random rank-4 map
``P0`` factored with Haar-random hidden frames) both flows run to ``T`` and record ``P`` at the
same times:

- the full flow (``landscape.gradient_flow``: every weight, ``11 W + W^2 + 4 W`` unknowns);
- the end-to-end flow (``landscape.end_to_end_flow``: the 44 entries of ``P``).

It prints the largest difference of ``P`` at the common records (relative to sigma_1: the two
must agree to the integration tolerance), the error of each against a tight end-to-end
reference (``rtol = 1e-12``: which flow carries the difference), both wall times and their
ratio (target >= 50x at W = 512), then the end-to-end flow alone at W = 10^4, where the
weights alone would take 0.8 GB and the full flow's integrator a dozen copies of them.

Run: ``python benchmarks/flow.py [--widths 64,512,4096] [--t-max 10]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import landscape as ls

SIGMA = (3.0, 2.0, 1.0, 0.5)
D_X, D_Y = 11, 4


def problem(width: int) -> ls.Landscape:
    spec = ls.DataSpectrum.from_singular_values(SIGMA, d_x=D_X, d_y=D_Y)
    return ls.Landscape(spec, (D_X, width, width, D_Y))


def start_map(seed: int = 0, scale: float = 0.05) -> np.ndarray:
    """A random rank-4 map with singular values of about ``scale``."""
    rng = np.random.default_rng(seed)
    return scale * rng.standard_normal((D_Y, D_X)) / np.sqrt(D_X)


def compare(width: int, t_max: float, rtol: float) -> dict:
    land = problem(width)
    p0 = start_map()
    weights0 = ls.balanced_factorization(p0, land.widths, seed=1)
    times = np.linspace(0.0, t_max, 11)
    start = time.perf_counter()
    fast = ls.end_to_end_flow(land, p0, record=times, t_max=t_max, rtol=rtol)
    t_fast = time.perf_counter() - start
    start = time.perf_counter()
    full = ls.gradient_flow(land, weights0, record=times, t_max=t_max, rtol=rtol,
                            record_weights=True)
    t_full = time.perf_counter() - start
    products = np.array([land.end_to_end(land.unflatten(theta)) for theta in full.trajectory])
    n = min(len(products), len(fast.products))
    diff = float(np.abs(products[:n] - fast.products[:n]).max()) / land.scale
    # which of the two carries the difference: both against a tight end-to-end reference
    ref = ls.end_to_end_flow(land, p0, record=times, t_max=t_max, rtol=1e-12).products[:n]
    full_err = float(np.abs(products[:n] - ref).max()) / land.scale
    fast_err = float(np.abs(fast.products[:n] - ref).max()) / land.scale
    return {"width": width, "n_params": land.n_params, "records": n, "diff": diff,
            "full_err": full_err, "fast_err": fast_err,
            "full_s": t_full, "fast_s": t_fast, "full_method": full.method,
            "fast_method": fast.method, "loss": float(fast.loss[-1])}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", default="64,512,4096")
    parser.add_argument("--t-max", type=float, default=10.0)
    parser.add_argument("--rtol", type=float, default=1e-8)
    parser.add_argument("--alone", type=int, default=10_000,
                        help="hidden width of the end-to-end run alone (default 10^4)")
    args = parser.parse_args(argv)
    widths = [int(w) for w in args.widths.split(",")]
    print(f"widths (11, W, W, 4), sigma {SIGMA}, balanced start |P0| ~ 0.05, t in [0, "
          f"{args.t_max:g}], rtol {args.rtol:g}, 11 common records")
    print(f"{'W':>6} {'unknowns':>10} {'max|dP|/s1':>11} {'full err':>9} {'e2e err':>9} "
          f"{'full s':>9} {'end-to-end s':>13} {'ratio':>8}  methods")
    for width in widths:
        row = compare(width, args.t_max, args.rtol)
        print(f"{width:6d} {row['n_params']:10d} {row['diff']:11.2e} {row['full_err']:9.1e} "
              f"{row['fast_err']:9.1e} {row['full_s']:9.2f} "
              f"{row['fast_s']:13.3f} {row['full_s'] / row['fast_s']:8.1f}  "
              f"{row['full_method']} / {row['fast_method']}", flush=True)
    land = problem(args.alone)
    start = time.perf_counter()
    alone = ls.end_to_end_flow(land, start_map(), t_max=1e4)
    elapsed = time.perf_counter() - start
    print(f"end-to-end alone at W = {args.alone}: {land.n_params} weights never formed "
          f"({8 * land.n_params / 1e9:.2f} GB as float64); {alone.status.value} at "
          f"t = {alone.t[-1]:.4g}, loss {alone.loss[-1]:.3g}, rank {alone.rank[-1]}, "
          f"{alone.n_evaluations} evaluations, {elapsed:.2f} s")


if __name__ == "__main__":
    main()
