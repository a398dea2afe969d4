"""Frustration of a deep linear network's signed graph along training (THEORY §6).

The sequential-learning problem of ``sequential_learning.py``: singular values
sigma = (3, 2, 1, 0.5), widths (11, 6, 6, 6, 6, 4). The gradient flow runs from a small and a
large random start; at each recorded time the frustration of the signed graph of the
network (the least weight that no switching of node signs makes positive, normalised by the
total weight; Wendin, Larsson & Altafini, arXiv:2510.05286) is computed exactly by
enumeration over the smaller side of the even/odd layer bipartition, together with the
band mean +- 2 std of the sign-shuffle null model (signs permuted within each layer).

A network that has learnt one mode from a small start is close to an aligned rank-one
chain, which is balanced (frustration 0); each further mode adds frustration. A large start
stays close to the frustration of its random start. The figure shows how far the network
sits below its null band at each time.

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
from landscape.frustration import frustration_along_flow  # noqa: E402

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
        flow = ls.gradient_flow(land, land.random_weights(scale=scale, rng=rng), t_max=T_MAX,
                                rtol=rtol, record=times, record_weights=True)
        runs[label] = (flow, frustration_along_flow(flow, land, null="sign_shuffle",
                                                    null_samples=null_samples, seed=seed))
    return land, runs


def draw(runs: dict, path: Path) -> None:
    fig, (ax_loss, ax_fr) = plt.subplots(2, 1, figsize=(8, 7), sharex=True)
    for (label, (flow, traj)), color in zip(runs.items(), ("C0", "C3")):
        keep = traj.t > 0
        ax_loss.loglog(flow.t[flow.t > 0], flow.loss[flow.t > 0], color=color, label=label)
        t = traj.t[keep]
        ax_fr.semilogx(t, traj.normalized[keep], "o-", color=color, ms=3, label=label)
        low = traj.null_mean[keep] - 2 * traj.null_std[keep]
        high = traj.null_mean[keep] + 2 * traj.null_std[keep]
        ax_fr.fill_between(t, low, high, color=color, alpha=0.15,
                           label=f"{label}: sign-shuffle null, mean +- 2 std")
    ax_loss.set(ylabel="loss", title=f"widths {WIDTHS}, sigma {SIGMA}")
    ax_loss.legend()
    ax_fr.set(xlabel="t", ylabel="frustration / total weight")
    ax_fr.legend(fontsize=8)
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
        _, runs = run(n_times=8, null_samples=4, rtol=1e-6, seed=args.seed)
    else:
        _, runs = run(n_times=60, null_samples=30, rtol=1e-10, seed=args.seed)
    draw(runs, args.out / "frustration_training.png")
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
