"""Saddle connection graphs found by integrating the flow from every saddle (docs/theory.md §5).

For sigma = (3, 2, 1) the critical classes are the learnt sets S with |S| <= r (the
bottleneck), at the values L_S = 1/2 sum_{i not in S} sigma_i^2. From every saddle the script
steps off along each escape direction (negative curvature and higher-order escapes through
the centre) and integrates the gradient flow: a probe that converges to S' gives the
certified *one-hop* edge S -> S' (a property of the problem); random combinations of two
escapes give the probability with which the flow first arrives at each class, and the
*multi-hop* edges (chance). Three networks:

- ``depth2``: widths (3, 3, 3). Every saddle is strict; besides the single-mode orbits
  S -> S u {i}, each mis-ordered saddle swaps a learnt mode for a larger unlearnt one.
- ``depth3``: widths (3, 3, 3, 3). The top-k saddles {}, {0}, {0,1} are non-strict: they are
  left only through order-3 escapes in the centre, along the single-mode orbits.
- ``bottleneck``: widths (3, 2, 3), r = 2. The minimum is {0,1} at L = 1/2; classes of two
  modes other than {0,1} can only swap a mode.

``--digits`` adds scikit-learn's handwritten digits (8x8 images, one-hot labels, the constant
pixels dropped, centred): widths (61, 16, 16, 10), 9 nonzero modes, 512 classes -- the graph
drawing beside the heat map of transition probabilities (a minute or two with ``--n-jobs 2``).

Run ``python examples/saddle_graph.py [--out DIR] [--cases depth2,depth3,bottleneck]
[--digits]``; for each case it writes ``saddle_graph_CASE.graphml``, ``saddle_graph_CASE.json``
(node-link) and ``saddle_graph_CASE.png`` into DIR (default ``examples/output``) and prints the
connections. The checked-in figures: ``--out examples/figures --digits --n-jobs 2``.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from landscape import (DataSpectrum, Landscape, saddle_graph, save_saddle_graph,  # noqa: E402
                       subset_label)
from landscape.connections import GraphOptions  # noqa: E402
from landscape.plot import plot_saddle_graph, plot_transition_matrix  # noqa: E402

SIGMA = (3.0, 2.0, 1.0)
CASES = {"depth2": (3, 3, 3), "depth3": (3, 3, 3, 3), "bottleneck": (3, 2, 3)}
DIGITS_HIDDEN = (16, 16)
SMALL_PROBES = 8  # random probes per saddle of the small cases (a second each)


def _save(fig, path: Path) -> None:
    tmp = path.with_suffix(".tmp.png")
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    os.replace(tmp, path)


def draw(G, title: str, path: Path) -> None:
    """The graph at height = critical value; beside it the heat map when it is large."""
    if G.number_of_nodes() <= 60:
        fig, ax = plt.subplots(figsize=(6.4, 5.2))
        plot_saddle_graph(G, ax=ax)
        ax.set_title(title, fontsize=10)
    else:
        fig, (ax_graph, ax_matrix) = plt.subplots(1, 2, figsize=(14, 6.2),
                                                  width_ratios=(1.15, 1))
        plot_saddle_graph(G, ax=ax_graph, multi_hop=False)
        ax_graph.set_title("one-hop skeleton (certified)", fontsize=10)
        plot_transition_matrix(G, ax=ax_matrix)
        ax_matrix.set_title("transition probabilities (random probes)", fontsize=10)
        fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    _save(fig, path)


def report(G, limit: int = 40) -> None:
    print(f"{'from':>10} {'to':>10} {'hop':>9} {'L drop':>8} {'prob':>5} {'interval':>13}"
          f"  escape")
    edges = sorted(G.edges(data=True), key=lambda e: (-G.nodes[e[0]]["value"], e[1]))
    for a, b, data in edges[:limit]:
        sampled = "probability" in data  # absent where the source drew no random probe
        share = f"{data['probability']:5.2f}" if sampled else f"{'-':>5}"
        interval = f"[{data['ci_low']:.2f}, {data['ci_high']:.2f}]" if sampled else f"{'':13}"
        print(f"{subset_label(a):>10} {subset_label(b):>10} {data['hop']:>9} "
              f"{data['loss_drop']:8.3g} {share} {interval}  {data['escape']}")
    if len(edges) > limit:
        print(f"... {len(edges) - limit} more")
    print(G.graph["checks"]["summary"])


def digits_landscape() -> Landscape:
    """scikit-learn's digits: constant pixels dropped, centred, one-hot labels."""
    from sklearn.datasets import load_digits

    X, labels = load_digits(return_X_y=True)
    X = X[:, X.std(axis=0) > 0]
    X = X - X.mean(axis=0)
    Y = np.eye(10)[labels]
    spec = DataSpectrum.from_data(X, Y)
    return Landscape(spec, widths=(X.shape[1], *DIGITS_HIDDEN, 10))


def write(G, stem: Path, title: str) -> None:
    save_saddle_graph(G, stem.with_suffix(".graphml"))
    save_saddle_graph(G, stem.with_suffix(".json"))
    draw(G, title, stem.with_suffix(".png"))


def publish(G, stem: Path, name: str, title: str, description: str):
    """Write ``G`` next to ``stem`` (titled by its edge counts), print its report; return it."""
    n_one = sum(d["hop"] == "one_hop" for _, _, d in G.edges(data=True))
    write(G, stem, f"{title}: {n_one} one-hop, {G.number_of_edges() - n_one} multi-hop edges")
    print(f"\n{name}: {description}")
    report(G)
    print(f"wrote {stem}.graphml, .json and .png")
    return G


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "output")
    parser.add_argument("--cases", default=",".join(CASES),
                        help=f"comma-separated subset of {', '.join(CASES)}")
    parser.add_argument("--random-probes", type=int,
                        default=None, help="random combinations of two escapes per saddle "
                        f"(default {SMALL_PROBES} for the small cases, "
                        f"{GraphOptions.random_probes} for the digits)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-jobs", type=int, default=None)
    parser.add_argument("--digits", action="store_true",
                        help="also scikit-learn's digits, widths (61, 16, 16, 10)")
    args = parser.parse_args(argv)
    cases = [c for c in args.cases.split(",") if c]
    unknown = sorted(set(cases) - set(CASES))
    if unknown:
        parser.error(f"--cases must name some of {', '.join(CASES)}, got {', '.join(unknown)}")
    args.out.mkdir(parents=True, exist_ok=True)
    graphs = {}
    for case in cases:
        widths = CASES[case]
        land = Landscape(DataSpectrum.from_singular_values(SIGMA), widths=widths)
        G = saddle_graph(land, random_probes=args.random_probes or SMALL_PROBES,
                         seed=args.seed, n_jobs=args.n_jobs)
        about = f"sigma {SIGMA}, widths {widths}"
        graphs[case] = publish(G, args.out / f"saddle_graph_{case}", case, about, about)
    if args.digits:
        land = digits_landscape()
        G = saddle_graph(land, random_probes=args.random_probes or GraphOptions.random_probes,
                         seed=args.seed, n_jobs=args.n_jobs)
        graphs["digits"] = publish(G, args.out / "saddle_graph_digits", "digits",
                                   f"digits, widths {land.widths}: {G.number_of_nodes()} classes",
                                   f"widths {land.widths}")
    return graphs


if __name__ == "__main__":
    main()
