"""Forecast of training (``landscape.predict_training``, docs/theory.md §8) against integrated flows.

1. Widths (64, 256, 256, 10), 10 modes ``sigma = linspace(3, 0.5, 10)``, start
   ``random_weights(scale=1e-2)``: forecast and full integration (``gradient_flow``) from the
   same start; wall times, their ratio (target >= 50x) and the largest relative error of the
   exit times. ``--big-widths`` reduces the integrated case on a slow machine.
2. Accuracy tables: largest relative exit-time error by depth (2, 3, 4), scale and hidden width,
   over seeds (sigma = (3, 2, 1, 0.5)).
3. Widths (10, 10^4, 10^4, 10): a forecast over random starts (no network is built).
4. Scaling laws: median first exit time against the start's scale ``e``; the fitted exponent
   of ``t ~ e^p`` (expected ``-(h - 2)`` for ``h >= 3``) and, at ``h = 2``, the slope of ``t``
   against ``ln e`` (expected ``-1/sigma_1``: ``u_0 ~ e^2``, ``t ~ ln(1/u_0) / (2 sigma_1)``);
   median exit times against depth and against hidden width.

Run: ``python benchmarks/forecast.py [--big-widths 64,256,256,10] [--seeds 3]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import landscape as ls
from landscape import DataSpectrum, Landscape

SIGMA = (3.0, 2.0, 1.0, 0.5)


def compare(land, start):
    """(forecast seconds, integration seconds, largest relative exit-time error)."""
    times = []
    for _ in range(3):  # the forecast is cheap enough to repeat: its median time
        begin = time.perf_counter()
        forecast = ls.predict_training(land, start, warn=False)
        times.append(time.perf_counter() - begin)
    t_forecast = float(np.median(times))
    begin = time.perf_counter()
    truth = ls.flow_plateau_exits(land, ls.gradient_flow(land, start, record_weights=True))
    t_flow = time.perf_counter() - begin
    if [p.subset for p in truth] != [p.subset for p in forecast.plateaus]:
        return t_forecast, t_flow, float("nan")
    got = forecast.t_exit[:-1]
    want = np.array([p.t_exit for p in truth[:-1]])
    return t_forecast, t_flow, float(np.max(np.abs(got / want - 1)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big-widths", default="64,256,256,10")
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()

    widths = tuple(int(w) for w in args.big_widths.split(","))
    land = Landscape(DataSpectrum.from_singular_values(np.linspace(3, 0.5, widths[-1]),
                                                       d_x=widths[0], d_y=widths[-1]), widths)
    t_fc, t_flow, err = compare(land, land.random_weights(scale=1e-2, seed=0))
    print(f"widths {widths}, {widths[-1]} modes, scale 1e-2: forecast {t_fc:.2f} s, "
          f"integration {t_flow:.1f} s, ratio {t_flow / t_fc:.0f}x, max exit error {err:.2%}")

    print("\naccuracy: largest relative exit-time error over seeds (sigma = 3, 2, 1, 0.5)")
    print(f"{'depth':>5} {'hidden':>6} {'scale':>7} {'max err':>8} {'fc s':>6} {'flow s':>7}")
    for h, scales in ((2, (1e-3, 1e-2)), (3, (1e-2, 3e-2)), (4, (3e-2, 1e-1))):
        for hidden in (6, 24):
            for scale in scales:
                shape = (4,) + (hidden,) * (h - 1) + (4,)
                problem = Landscape(DataSpectrum.from_singular_values(SIGMA), shape)
                rows = [compare(problem, problem.random_weights(scale=scale, seed=s))
                        for s in range(args.seeds)]
                rows = np.array(rows)
                print(f"{h:>5} {hidden:>6} {scale:>7.0e} {np.nanmax(rows[:, 2]):>8.2%} "
                      f"{rows[:, 0].mean():>6.2f} {rows[:, 1].mean():>7.2f}")

    wide = Landscape(DataSpectrum.from_singular_values(np.linspace(3, 0.5, 10)),
                     (10, 10_000, 10_000, 10))
    begin = time.perf_counter()
    fc = ls.predict_training(wide, init_scale=1e-2, seed=0, n_starts=8, warn=False)
    print(f"\nwidths {wide.widths}: forecast over 8 random starts in "
          f"{time.perf_counter() - begin:.2f} s (reduced widths {fc.reduced_widths}); median "
          f"exits {np.round(fc.t_exit[:-1], 1).tolist()}")

    print("\nscaling of the median first exit time with the start's scale e (16 starts each)")
    for h in (2, 3, 4):
        problem = Landscape(DataSpectrum.from_singular_values(SIGMA), (4,) + (32,) * (h - 1) + (4,))
        scales = np.geomspace(1e-3, 1e-2, 4) if h == 2 else np.geomspace(1e-2, 1e-1, 4)
        exits = [ls.predict_training(problem, init_scale=e, seed=1, n_starts=16,
                                     warn=False).t_exit[0] for e in scales]
        if h == 2:
            slope = np.polyfit(np.log(scales), exits, 1)[0]
            print(f"h = 2: t against ln e: slope {slope:.3f} (expected -1/sigma_1 = "
                  f"{-1 / SIGMA[0]:.3f}); exits {np.round(exits, 3).tolist()}")
        else:
            power = np.polyfit(np.log(scales), np.log(exits), 1)[0]
            print(f"h = {h}: t ~ e^p with p = {power:.2f} (expected -(h-2) = {2 - h}); "
                  f"exits {np.round(exits, 2).tolist()}")

    print("\nmedian exit times against depth (hidden width 32, e = 0.1, 16 starts)")
    for h in (2, 3, 4, 5):
        problem = Landscape(DataSpectrum.from_singular_values(SIGMA), (4,) + (32,) * (h - 1) + (4,))
        fc = ls.predict_training(problem, init_scale=0.1, seed=2, n_starts=16, warn=False)
        print(f"h = {h}: exits {np.round(fc.t_exit[:-1], 2).tolist()}"
              f"{'' if fc.trusted else ' (flagged: ' + '; '.join(fc.warnings)[:80] + ')'}")

    print("\nmedian exit times against hidden width (h = 3, e = 1e-2, 16 starts)")
    for hidden in (8, 32, 128, 1024, 10_000):
        problem = Landscape(DataSpectrum.from_singular_values(SIGMA), (4, hidden, hidden, 4))
        fc = ls.predict_training(problem, init_scale=1e-2, seed=3, n_starts=16, warn=False)
        print(f"hidden {hidden:>6}: exits {np.round(fc.t_exit[:-1], 2).tolist()}")


if __name__ == "__main__":
    main()
