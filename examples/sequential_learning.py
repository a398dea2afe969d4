"""Sequential learning through the saddles (Wendin & Altafini, SIAM Review 2025, the survey's figure).

A deep linear network with widths (11, 6, 6, 6, 6, 4) (h = 5 layers) learns the reduced
problem with distinct singular values sigma = (3, 2, 1, 0.5). Started near the origin, the
gradient flow rests on a plateau at each top-k critical value

    L_{top-k} = 1/2 sum_{i > k} sigma_i^2 = 7.125, 2.625, 0.625, 0.125   (k = 0, 1, 2, 3)

in that order, then converges to the global minimum 0. Started far from the origin it goes
straight down with no plateau.

With ``--hidden-width W`` the four hidden layers have width ``W`` (e.g. 1024: four million
weights) and the starts are 0-balanced: the flow is integrated through the end-to-end map
alone (docs/theory.md §7, ``landscape.end_to_end_flow``), exact from balanced starts and as cheap at
``W = 1024`` as at ``W = 6``. The picture is the same: one plateau per top-k value.

Run ``python examples/sequential_learning.py [--out DIR] [--hidden-width W]``; it writes
``sequential_learning.png`` and ``sequential_learning.json`` (the plateaus found) into DIR.
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
from landscape.plot import plot_loss_curve, plot_singular_value_curve  # noqa: E402

SIGMA = (3.0, 2.0, 1.0, 0.5)
WIDTHS = (11, 6, 6, 6, 6, 4)
SMALL_SCALE = 0.05
LARGE_SCALE = 1.0


def run(seed: int = 0, hidden_width: int | None = None):
    """Integrate the flow from a small and a large random start; return the landscape, both results.

    With ``hidden_width`` the starts are 0-balanced with the product of random layers of that
    width, and the end-to-end flow integrates that product alone.
    """
    widths = WIDTHS if hidden_width is None else (WIDTHS[0], *[hidden_width] * 4, WIDTHS[-1])
    spec = ls.DataSpectrum.from_singular_values(SIGMA, d_x=widths[0], d_y=widths[-1])
    land = ls.Landscape(spec, widths)
    rng = np.random.default_rng(seed)
    results = []
    for scale in (SMALL_SCALE, LARGE_SCALE):
        start = land.random_weights(scale=scale, seed=rng)
        if hidden_width is None:
            results.append(ls.gradient_flow(land, start, t_max=1e9))
        else:  # the balanced start with this product: only the product is needed
            results.append(ls.end_to_end_flow(land, land.end_to_end(start), t_max=1e9))
    return land, *results


def draw(land, small, large, path: Path) -> None:
    fig, (ax_loss, ax_sv) = plt.subplots(2, 1, figsize=(8, 7), sharex=True)
    plot_loss_curve([small, large], land, ax=ax_loss,
                    labels=[f"start scale {SMALL_SCALE}", f"start scale {LARGE_SCALE}"])
    plot_singular_value_curve(small, land, ax=ax_sv)
    plot_singular_value_curve(large, land, ax=ax_sv, style=":")
    flow = "\nend-to-end flow from balanced starts" if isinstance(small, ls.EndToEndResult) \
        else ""
    ax_loss.set(title=f"widths {land.widths}, sigma {SIGMA}{flow}", xlabel="")
    fig.tight_layout()
    tmp = path.with_suffix(".tmp.png")
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    os.replace(tmp, path)


def summary(land, small, large) -> dict:
    found = ls.plateaus(land, small)
    return {
        "sigma": list(SIGMA),
        "widths": list(land.widths),
        "end_to_end": isinstance(small, ls.EndToEndResult),
        "top_k_values": [land.critical_value(range(k)) for k in range(land.max_rank + 1)],
        "small_start": {"status": small.status.value, "t_final": float(small.t[-1]),
                        "plateaus": [{"t_start": p.t_start, "t_end": p.t_end, "loss": p.loss}
                                     for p in found]},
        "large_start": {"status": large.status.value, "t_final": float(large.t[-1]),
                        "plateaus": [{"t_start": p.t_start, "t_end": p.t_end, "loss": p.loss}
                                     for p in ls.plateaus(land, large)]},
    }


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "output")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--hidden-width", type=int, default=None, metavar="W",
                        help="hidden layers of width W, balanced starts, end-to-end flow "
                             "(default: widths 11,6,6,6,6,4 and the full gradient flow)")
    args = parser.parse_args(argv)
    if args.hidden_width is not None and args.hidden_width < len(SIGMA):
        parser.error(f"--hidden-width must be at least {len(SIGMA)}, got {args.hidden_width}")
    args.out.mkdir(parents=True, exist_ok=True)
    land, small, large = run(args.seed, args.hidden_width)
    draw(land, small, large, args.out / "sequential_learning.png")
    result = summary(land, small, large)
    with tempfile.NamedTemporaryFile("w", dir=args.out, suffix=".json", delete=False) as fh:
        json.dump(result, fh, indent=2, allow_nan=False)
    os.replace(fh.name, args.out / "sequential_learning.json")
    print(f"{'start':>6} {'t_start':>12} {'t_end':>12} {'plateau loss':>14}")
    for name in ("small_start", "large_start"):
        for p in result[name]["plateaus"]:
            print(f"{name.split('_')[0]:>6} {p['t_start']:12.5g} {p['t_end']:12.5g} {p['loss']:14.8f}")
    print(f"wrote {args.out / 'sequential_learning.png'} and {args.out / 'sequential_learning.json'}")
    return result


if __name__ == "__main__":
    main()
