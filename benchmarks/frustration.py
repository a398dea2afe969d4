"""Frustration speed: greedy on a large network, and how far the exact methods reach.

Targets (issue "Frustration"): the greedy method (single-node flips of arXiv:2510.05286,
20 random restarts, alternating-layer polish) on a 1,000-node, 10-layer network in seconds;
the exact methods (enumeration over the smaller side of the even/odd layer bipartition, and
the MILP of :func:`scipy.optimize.milp`) up to the size where they stay under a minute.
Run: ``python benchmarks/frustration.py [--quick]`` (set OMP_NUM_THREADS=1 for one core).
Random Gaussian networks are the hard case: no structure to exploit, frustration near half
the weight.
"""

import argparse
import time

import numpy as np
from networkx import Graph
from networkx.algorithms.approximation.maxcut import one_exchange

from landscape import frustration

LIMIT = 60.0


def gaussian_network(rng, widths):
    return [rng.standard_normal((widths[j + 1], widths[j])) for j in range(len(widths) - 1)]


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def greedy_large(rng):
    widths = [91] * 10 + [90]  # 1,000 nodes, h = 10 layers, 82,719 edges
    layers = gaussian_network(rng, widths)
    print(f"greedy on widths {widths[0]} x 10 + {widths[-1]} ({sum(widths)} nodes, "
          f"{sum(w.size for w in layers)} edges), 20 restarts:")
    for polish in (False, True):
        res, seconds = timed(lambda: frustration(layers, method="greedy", restarts=20, seed=0,
                                                 polish=polish))
        print(f"  polish={polish!s:5}  {seconds:7.2f} s   F/W = {res.normalized:.4f}   "
              f"bounds [{res.lower_bound:.1f}, {res.upper_bound:.1f}]")


def greedy_vs_networkx(rng):
    """One descent from the identity switching against networkx's one_exchange (same moves)."""
    widths = [20] * 6
    layers = gaussian_network(rng, widths)
    graph = Graph()
    offsets = np.cumsum([0] + widths)
    for j, w in enumerate(layers, start=1):
        for a, b in zip(*np.nonzero(w)):
            graph.add_edge(int(offsets[j] + a), int(offsets[j - 1] + b), weight=-w[a, b])
    ours, t_ours = timed(lambda: frustration(layers, method="greedy", restarts=0, polish=False))
    (_, (cut, _)), t_nx = timed(lambda: one_exchange(graph, initial_cut=set(), seed=0,
                                                     weight="weight"))
    same = set(np.flatnonzero(ours.signs == -1)) == cut
    print(f"one descent, {sum(widths)} nodes: {1e3 * t_ours:.1f} ms; networkx one_exchange "
          f"{1e3 * t_nx:.0f} ms ({t_nx / t_ours:.0f}x); same switching: {same}")


def enumeration_reach(rng, quick):
    print(f"exact enumeration (widths d x 5: k = 2d - 1 enumerated nodes), limit {LIMIT:.0f} s:")
    for d in range(6, 13 if quick else 17):
        layers = gaussian_network(rng, [d] * 5)
        res, seconds = timed(lambda: frustration(layers, method="enumeration"))
        print(f"  d = {d:2d}  n = {5 * d:3d}  k = {2 * d - 1:2d}  {seconds:8.2f} s   "
              f"F/W = {res.normalized:.4f}")
        if 4 * seconds > LIMIT:  # k grows by 2 per step: about 4x the time
            print(f"  next size (k = {2 * d + 1}) would take about {4 * seconds:.0f} s: stop")
            break


def milp_reach(rng, quick):
    print(f"exact MILP (HiGHS; widths d x 8), time limit {LIMIT:.0f} s:")
    for d in range(4, 6 if quick else 12):
        layers = gaussian_network(rng, [d] * 8)
        res, seconds = timed(lambda: frustration(layers, method="milp", time_limit=LIMIT))
        check = ""
        if 4 * d - 1 <= 24:  # small enough to enumerate as well
            enum = frustration(layers, method="enumeration")
            check = f"   enumeration agrees: {abs(enum.value - res.value) <= 1e-6 * enum.value}"
        print(f"  d = {d:2d}  n = {8 * d:3d}  {seconds:8.2f} s   proven: {res.exact!s:5}  "
              f"gap {res.upper_bound - res.lower_bound:.3g}{check}")
        if not res.exact:
            break


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    greedy_large(rng)
    greedy_vs_networkx(rng)
    enumeration_reach(rng, args.quick)
    milp_reach(rng, args.quick)


if __name__ == "__main__":
    main()
