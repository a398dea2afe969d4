"""Saddle connection graphs found by perturbed integration (THEORY §5).

For sigma = (3, 2, 1) the critical classes are the learnt sets S with |S| <= r (the
bottleneck), at the values L_S = 1/2 sum_{i not in S} sigma_i^2. From every saddle the script
steps off along its escape directions (negative curvature and higher-order escapes through
the centre), integrates the gradient flow, and records which classes each trajectory
visits: an edge S -> S' is a connection seen on a trajectory. Three networks:

- ``depth2``: widths (3, 3, 3). Every saddle is strict; besides the single-mode orbits
  S -> S u {i}, each mis-ordered saddle swaps a learnt mode for a larger unlearnt one.
- ``depth3``: widths (3, 3, 3, 3). The top-k saddles {}, {0}, {0,1} are non-strict: they are
  left only through order-3 escapes in the centre, along the single-mode orbits.
- ``bottleneck``: widths (3, 2, 3), r = 2. The minimum is {0,1} at L = 1/2; classes of two
  modes other than {0,1} can only swap a mode.

Run ``python examples/saddle_graph.py [--out DIR] [--cases depth2,depth3,bottleneck]``; for
each case it writes ``saddle_graph_CASE.graphml``, ``saddle_graph_CASE.json`` (node-link) and
``saddle_graph_CASE.png`` into DIR (default ``examples/output``) and prints the connections.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from landscape.connections import saddle_graph, save_saddle_graph, subset_label  # noqa: E402
from landscape import DataSpectrum  # noqa: E402
from landscape import Landscape  # noqa: E402
from landscape.plot.graph import plot_saddle_graph  # noqa: E402

SIGMA = (3.0, 2.0, 1.0)
CASES = {"depth2": (3, 3, 3), "depth3": (3, 3, 3, 3), "bottleneck": (3, 2, 3)}


def draw(G, widths, path: Path) -> None:
    fig, ax = plt.subplots(figsize=(6.4, 5.2))
    plot_saddle_graph(G, ax=ax)
    ax.set_title(f"sigma = {SIGMA}, widths {widths}: {G.number_of_edges()} connections",
                 fontsize=10)
    fig.tight_layout()
    tmp = path.with_suffix(".tmp.png")
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    os.replace(tmp, path)


def report(G) -> None:
    print(f"{'from':>8} {'to':>8} {'L drop':>8} {'probes':>7} {'fraction':>9} {'transit t':>10}"
          f" {'drift':>9}")
    for a, b, data in sorted(G.edges(data=True), key=lambda e: (-G.nodes[e[0]]["value"], e[1])):
        print(f"{subset_label(a):>8} {subset_label(b):>8} {data['loss_drop']:8.3g} "
              f"{data['probes']:7d} {data['fraction']:9.2f} {data['transit_time']:10.4g} "
              f"{data['drift']:9.2g}")
    print(G.graph["checks"]["summary"])


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "output")
    parser.add_argument("--cases", default=",".join(CASES),
                        help=f"comma-separated subset of {', '.join(CASES)}")
    parser.add_argument("--radii", default="0.1", help="step-off radii, comma-separated")
    parser.add_argument("--probes", type=int, default=2)
    parser.add_argument("--max-combinations", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-jobs", type=int, default=None)
    args = parser.parse_args(argv)
    cases = args.cases.split(",")
    unknown = sorted(set(cases) - set(CASES))
    if unknown:
        parser.error(f"--cases must name some of {', '.join(CASES)}, got {', '.join(unknown)}")
    radii = tuple(float(r) for r in args.radii.split(","))
    args.out.mkdir(parents=True, exist_ok=True)
    graphs = {}
    for case in cases:
        widths = CASES[case]
        land = Landscape(DataSpectrum.from_singular_values(SIGMA), widths=widths)
        G = saddle_graph(land, radii=radii, probes=args.probes,
                         max_combinations=args.max_combinations, seed=args.seed,
                         n_jobs=args.n_jobs)
        stem = args.out / f"saddle_graph_{case}"
        save_saddle_graph(G, stem.with_suffix(".graphml"))
        save_saddle_graph(G, stem.with_suffix(".json"))
        draw(G, widths, stem.with_suffix(".png"))
        print(f"\n{case}: sigma {SIGMA}, widths {widths}")
        report(G)
        print(f"wrote {stem}.graphml, .json and .png")
        graphs[case] = G
    return graphs


if __name__ == "__main__":
    main()
