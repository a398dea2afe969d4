"""Second-order speed: dense Hessian + eigendecomposition, matrix-free inertia, witness test.

A depth-4 network with d_x = d_y = 6 and hidden width w (P = 12 w + 2 w^2 from 10^2 to
10^6) at a strict saddle of a top fiber: the canonical top-3 point with the path of mode 4
restored in the hidden layers and cut in the first and last (docs/theory.md §4). The three routes
to its type: ``hessian_inertia(method="dense")`` (the analytic P x P Hessian and all its
eigenvalues, up to ``--max-dense`` parameters), ``hessian_inertia(method="matrix_free")``
(randomized range finder on exact HVPs), and ``witness_test`` (no Hessian at all).
Target (issue 4): the witness test at least 100x faster than the dense route at P = 10^4.

Wide layers (issue 19): ``classify`` (``method="auto"``: the core network and the blocks of
idle units in closed form, :mod:`landscape.geometry.structure`) on digits in its column space
(64 pixels, 3 constant; one-hot targets) at widths ``(64, w, w, 10)`` up to ``w = 1024``
(``P = 1.1 10^6``), at the minimum, a non-strict and a strict saddle, with the core's size and
the peak memory of the process so far; the ratio against the whole-network dense route (the
full ``P x P`` Hessian, as before) where that one is run (``--max-whole``).
Run: ``python benchmarks/curvature.py`` (set OMP_NUM_THREADS=1 for one core).
"""

import argparse
import resource

import numpy as np
from core import best_time

import landscape as ls

D = 6
SIGMA = (3.0, 2.5, 2.0, 1.5, 1.0, 0.5)
HIDDEN = (5, 20, 68, 222, 705)          # P = 110, 1040, 10064, 101232, 1002510


def strict_point(land):
    weights = ls.canonical_representative(land, (0, 1, 2))
    for w in weights[1:-1]:
        w[3, 3] = SIGMA[3] ** (1.0 / land.h)
    return weights


def timed(fn, slow: bool):
    """Best time of ``fn`` (one run when it is slow) and its last result."""
    out = []
    seconds = best_time(lambda: out.append(fn()), repeat=1, number=1) if slow \
        else best_time(lambda: out.append(fn()), repeat=3)
    return seconds, out[-1]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-dense", type=int, default=10_500,
                        help="largest P for the dense route (default 10500)")
    parser.add_argument("--max-params", type=int, default=1_100_000,
                        help="largest P for every route (default 1100000)")
    parser.add_argument("--max-whole", type=int, default=3_000,
                        help="largest P for the whole-network dense route of the wide table "
                             "(default 3000)")
    args = parser.parse_args(argv)
    spec = ls.DataSpectrum.from_singular_values(SIGMA)
    print(f"{'w':>5} {'P':>9} {'dense s':>9} {'free s':>9} {'witness s':>10} "
          f"{'dense/witness':>14} {'free/witness':>13}  inertia (dense | matrix-free), kind")
    for w in HIDDEN:
        land = ls.Landscape(spec, (D, w, w, w, D))
        if land.n_params > args.max_params:
            break
        weights = strict_point(land)
        big = land.n_params > 5000
        t_witness, witness = timed(lambda: ls.witness_test(land, weights), big)
        t_free, free = timed(lambda: ls.hessian_inertia(land, weights, method="matrix_free"),
                             big)
        row = f"{w:5d} {land.n_params:9d}"
        free_text = f"({free.n_negative}, {free.n_zero}, {free.n_positive})"
        if land.n_params <= args.max_dense:
            t_dense, dense = timed(lambda: ls.hessian_inertia(land, weights, method="dense"),
                                   big)
            print(f"{row} {t_dense:9.4f} {t_free:9.4f} {t_witness:10.5f} "
                  f"{t_dense / t_witness:14.0f} {t_free / t_witness:13.1f}  "
                  f"({dense.n_negative}, {dense.n_zero}, {dense.n_positive}) | {free_text}, "
                  f"{witness.kind.value}")
        else:
            print(f"{row} {'-':>9} {t_free:9.4f} {t_witness:10.5f} {'-':>14} "
                  f"{t_free / t_witness:13.1f}  {'-'} | {free_text}, {witness.kind.value}")
    wide(args.max_whole)


def wide(max_whole: int) -> None:
    """The wide-layer table (module notes)."""
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    spec = ls.DataSpectrum.from_data(X, np.eye(10)[y], input_space="column_space")
    print(f"\n{'w':>5} {'P':>9} {'class':>12} {'core P':>7} {'classify s':>11} "
          f"{'whole s':>9} {'whole/classify':>14} {'peak MB':>8}  inertia, kind")
    for w in (16, 64, 256, 1024):
        land = ls.Landscape(spec, (64, w, w, 10))
        for subset in ((0, 1, 2, 3, 4, 5, 6, 7, 8), (0, 1, 2), (1,)):
            weights = ls.critical_point(land, subset).weights
            seconds, c = timed(lambda: ls.classify(land, weights), w >= 256)
            core = ls.hessian_inertia(land, weights).core_params
            free = "-"
            if land.n_params <= max_whole:
                t_free, f = timed(lambda: ls.classify(land, weights, method="dense"), True)
                assert f.inertia == c.inertia
                free = f"{t_free:9.3f} {t_free / seconds:14.1f}"
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"{w:5d} {land.n_params:9d} {len(subset):>12} {core:7d} {seconds:11.3f} "
                  f"{free:>24} {peak:8.0f}  {c.inertia}, {c.kind.value}")


if __name__ == "__main__":
    main()
