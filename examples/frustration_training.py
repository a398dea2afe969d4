"""Frustration of a deep linear network's signed graph along training (docs/theory.md §6).

The sequential-learning problem of ``sequential_learning.py``: singular values
sigma = (3, 2, 1, 0.5), widths (11, 6, 6, 6, 6, 4). The gradient flow runs from a small and a
large random start; at each recorded time the frustration of the signed graph of the
network (the least weight that no switching of node signs makes positive, normalised by the
total weight; Wendin, Larsson & Altafini, arXiv:2510.05286) is computed exactly by
enumeration over the smaller side of the even/odd layer bipartition, together with the
band mean +- 2 std of the sign-shuffle null model (signs permuted within each layer).

A small start begins as frustrated as its null (small random weights), then rests on the
plateau of the first learnt mode close to an aligned rank-one chain ``W_j ~ u_j u_{j-1}^T``,
which is balanced (frustration 0, switching ``s = sign(u)``), far below the null band; further
modes bring the frustration back towards the null's. A large start is dominated by its
random weights throughout. The figure (:func:`landscape.plot.signed.plot_frustration_curve`)
shows the loss with its top-k plateaus, and the frustration with each run's null band.

Run ``python examples/frustration_training.py [--out DIR] [--quick]``; it writes
``frustration_training.png`` and ``frustration_training.json`` into DIR (default
``examples/output``). ``--quick`` uses fewer times, fewer null samples and a looser
integration tolerance.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import landscape as ls  # noqa: E402
from landscape.plot.flow import plot_loss_curve  # noqa: E402
from landscape.plot.signed import plot_frustration_curve  # noqa: E402

SIGMA = (3.0, 2.0, 1.0, 0.5)
WIDTHS = (11, 6, 6, 6, 6, 4)
SCALES = {"small start": 0.05, "large start": 1.0}
T_MAX = 1e6


def run(*, n_times: int, null_samples: int, rtol: float, seed: int = 0) -> tuple:
    """Integrate the flow from both starts and evaluate the frustration along each."""
    spec = ls.DataSpectrum.from_singular_values(SIGMA, d_x=WIDTHS[0], d_y=WIDTHS[-1])
    land = ls.Landscape(spec, WIDTHS)
    rng = np.random.default_rng(seed)
    times = np.concatenate([[0.0], np.geomspace(1e-2, T_MAX, n_times - 1)])
    runs = {}
    for label, scale in SCALES.items():
        flow = ls.gradient_flow(land, land.random_weights(scale=scale, seed=rng), t_max=T_MAX,
                                rtol=rtol, record=times, record_weights=True)
        runs[label] = (flow, ls.frustration_along_flow(flow, land, null="sign_shuffle",
                                                       null_samples=null_samples, seed=seed))
    return land, runs


def draw(land, runs: dict, path: Path) -> None:
    fig, (ax_loss, ax_fr) = plt.subplots(2, 1, figsize=(8, 7), sharex=True)
    plot_loss_curve([flow for flow, _ in runs.values()], land, labels=list(runs), ax=ax_loss)
    ax_loss.set_title(f"widths {WIDTHS}, sigma {SIGMA}")
    for (label, (_, traj)), color in zip(runs.items(), ("C0", "C3")):
        plot_frustration_curve(traj, ax=ax_fr, label=label, color=color)
    fig.tight_layout()
    tmp = path.with_suffix(".tmp.png")
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    os.replace(tmp, path)


def summary(runs: dict) -> dict:
    return {"sigma": list(SIGMA), "widths": list(WIDTHS), "runs": [
        {"label": label, "scale": SCALES[label], "status": flow.status.value,
         "t": traj.t.tolist(), "normalized": traj.normalized.tolist(),
         "exact": traj.exact.tolist(), "null_mean": traj.null_mean.tolist(),
         "null_std": traj.null_std.tolist()}
        for label, (flow, traj) in runs.items()]}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "output")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true",
                        help="8 times, 4 null samples, rtol 1e-6 (for tests)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.quick:
        land, runs = run(n_times=8, null_samples=4, rtol=1e-6, seed=args.seed)
    else:
        land, runs = run(n_times=60, null_samples=30, rtol=1e-10, seed=args.seed)
    draw(land, runs, args.out / "frustration_training.png")
    result = summary(runs)
    with tempfile.NamedTemporaryFile("w", dir=args.out, suffix=".json", delete=False) as fh:
        json.dump(result, fh, indent=2, allow_nan=False)
    os.replace(fh.name, args.out / "frustration_training.json")
    print(f"{'start':>12} {'t':>12} {'F/W':>8} {'null mean':>10} {'null std':>9}")
    for item in result["runs"]:
        for t, v, m, s in zip(item["t"], item["normalized"], item["null_mean"],
                              item["null_std"]):
            print(f"{item['label']:>12} {t:12.5g} {v:8.4f} {m:10.4f} {s:9.4f}")
    print(f"wrote {args.out / 'frustration_training.png'} and "
          f"{args.out / 'frustration_training.json'}")
    return result


if __name__ == "__main__":
    main()
