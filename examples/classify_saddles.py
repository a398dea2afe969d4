"""Second-order type of the sequential-learning saddles, and a strict saddle in the same fiber.

The network of ``examples/sequential_learning.py`` (widths (11, 6, 6, 6, 6, 4), h = 5,
sigma = (3, 2, 1, 0.5)) rests, started near the origin, on the top-k saddles
S = {}, {1}, {1, 2}, {1, 2, 3} in turn (modes numbered from 1 here, 0-based in the code).
docs/theory.md §4: at depth h >= 3 these canonical saddles are non-strict -- the Hessian has no
negative eigenvalue, every unlearnt path is cut in all h layers, and the flow leaves them
only through higher-order terms of the loss (the long plateaus). The same fiber (same learnt
set, same loss) also holds strict saddles: restoring the path of the next mode in all but
two layers, here the first and the last, gives a negative eigenvalue. Both kinds are
computed twice, from the Hessian and from the Hessian-free witness test (docs/theory.md §4.1).

Run ``python examples/classify_saddles.py [--out DIR]``; it prints a table and writes
``classify_saddles.png`` (the Hessian spectra) and ``classify_saddles.json`` into DIR.
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

import landscape as ls  # noqa: E402
from landscape.plot.geometry import plot_hessian_spectrum  # noqa: E402

SIGMA = (3.0, 2.0, 1.0, 0.5)
WIDTHS = (11, 6, 6, 6, 6, 4)


def strict_variant(land, subset):
    """The canonical representative of ``subset`` plus the path of the next unlearnt mode ``i``
    through the first free hidden unit, weight ``sigma_i^{1/h}`` in layers ``2..h-1`` and cut in
    layers 1 and ``h``: still critical (the cut path is invisible to the residual), same learnt
    set and value, but layers 1 and ``h`` alone can switch mode ``i`` on at second order."""
    weights = ls.canonical_representative(land, subset)
    mode, unit = len(subset), len(subset)
    for w in weights[1:-1]:
        w[unit, unit] = land.spectrum.sigma[mode] ** (1.0 / land.h)
    return weights


def run():
    """Classify the top-k saddles, the minimum and the strict variant of the top-1 saddle."""
    spec = ls.DataSpectrum.from_singular_values(SIGMA, d_x=WIDTHS[0], d_y=WIDTHS[-1])
    land = ls.Landscape(spec, WIDTHS)
    points = [(f"top-{k}", tuple(range(k)), ls.canonical_representative(land, range(k)))
              for k in range(len(SIGMA) + 1)]
    points.insert(2, ("top-1, strict variant", (0,), strict_variant(land, (0,))))
    return land, [(name, subset, ls.classify(land, weights)) for name, subset, weights in points]


def summary(land, results) -> dict:
    return {
        "sigma": list(SIGMA),
        "widths": list(WIDTHS),
        "n_params": land.n_params,
        "points": [{"name": name, "subset": list(c.subset), "value": c.value,
                    "kind": c.kind.value, "witness_kind": c.witness_kind.value,
                    "agree": c.agree, "inertia": list(c.inertia), "n_orbit": c.n_orbit,
                    "centre_dim": c.centre_dim, "min_eigenvalue": c.min_eigenvalue,
                    "zero_threshold": c.zero_threshold, "witness_rule": c.witness.rule,
                    "witness_pair": None if c.witness_pair is None else list(c.witness_pair)}
                   for name, subset, c in results],
    }


def draw(results, path: Path) -> None:
    fig, axes = plt.subplots(2, 3, figsize=(13, 7), sharex=True)
    for ax, (name, subset, c) in zip(axes.flat, results):
        plot_hessian_spectrum(c, ax=ax)
        ax.set_title(f"{name}: S = {set(i + 1 for i in subset) or '{}'}, {c.kind.value}",
                     fontsize=9)
    fig.suptitle(f"Hessian spectra, widths {WIDTHS}, sigma {SIGMA}")
    fig.tight_layout()
    tmp = path.with_suffix(".tmp.png")
    fig.savefig(tmp, dpi=100)
    plt.close(fig)
    os.replace(tmp, path)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "output")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    land, results = run()
    draw(results, args.out / "classify_saddles.png")
    result = summary(land, results)
    with tempfile.NamedTemporaryFile("w", dir=args.out, suffix=".json", delete=False) as fh:
        json.dump(result, fh, indent=2, allow_nan=False)
    os.replace(fh.name, args.out / "classify_saddles.json")
    print(f"{'point':<22} {'value':>7} {'Hessian kind':<18} {'witness kind':<18} "
          f"{'(n-, n0, n+)':<14} {'orbit':>5} {'centre':>6}")
    for p in result["points"]:
        print(f"{p['name']:<22} {p['value']:7.4f} {p['kind']:<18} {p['witness_kind']:<18} "
              f"{str(tuple(p['inertia'])):<14} {p['n_orbit']:5d} {p['centre_dim']:6d}")
    print(f"wrote {args.out / 'classify_saddles.png'} and {args.out / 'classify_saddles.json'}")
    return result


if __name__ == "__main__":
    main()
