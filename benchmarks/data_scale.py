"""Fits of rescaled data: ``DeepLinearRegressor`` on ``(a X, y)`` against ``(X, y)``.

scikit-learn's diabetes data (442 samples, 10 features, one target) with widths (4, 4), from
the same seeded start in the flow's units (:mod:`landscape.flow.units`). For each input scale
``a`` it prints the wall time of the fit, its gradient evaluations, their ratios to the fit of
the unscaled data (target: both about 1, the flow being the same in units), and the largest
difference of ``a coef_`` from the unscaled ``coef_`` relative to its size (the integration
tolerance). Before the units, ``a = 1e100`` and ``1e150`` ran out of their evaluations after a
minute and ``a = 1e-100`` was refused as too short a flow.

Run: ``python benchmarks/data_scale.py [--scales 1e-150,1e-100,1e-6,1e6,1e100,1e150]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from sklearn.datasets import load_diabetes

import landscape as ls


def fit(X, y, solver: dict) -> tuple[ls.DeepLinearRegressor, float]:
    start = time.perf_counter()
    model = ls.DeepLinearRegressor((4, 4), random_state=0, **solver).fit(X, y)
    return model, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1e-150,1e-100,1e-6,1e6,1e100,1e150")
    args = parser.parse_args()
    scales = [float(a) for a in args.scales.split(",")]
    X, y = load_diabetes(return_X_y=True)
    print(f"{'solver':>10} {'a':>8} {'seconds':>9} {'time ratio':>11} {'evaluations':>12} "
          f"{'ratio':>6} {'coef diff':>10}")
    for name, solver in [("flow", {}), ("end2end", {"balanced": True}),
                         ("gd", {"solver": "gd", "learning_rate": 0.2})]:
        plain, seconds = fit(X, y, solver)
        size = np.abs(plain.coef_).max()
        evaluations = plain.trajectory_.n_evaluations
        print(f"{name:>10} {1.0:>8.0e} {seconds:>9.3f} {1.0:>11.2f} {evaluations:>12} "
              f"{1.0:>6.2f} {0.0:>10.1e}")
        for a in scales:
            model, t = fit(a * X, y, solver)
            diff = np.abs(a * model.coef_ - plain.coef_).max() / size
            n = model.trajectory_.n_evaluations
            print(f"{name:>10} {a:>8.0e} {t:>9.3f} {t / seconds:>11.2f} {n:>12} "
                  f"{n / evaluations:>6.2f} {diff:>10.1e}")


if __name__ == "__main__":
    main()
