"""Seconds per class of the saddle connection graph, with default options.

Figures (issue "Saddle graph at real sizes"): for sigma of m distinct modes
(``linspace(3, 0.5, m)``) on networks of width m at depths h, the wall time of
:func:`landscape.saddle_graph` over all ``2^m`` classes divided by ``2^m``, serially with one
BLAS thread, and the whole graph with ``n_jobs`` processes. Targets: at least 50x less time
per class than the previous implementation for 4 and 6 modes at depth 3; the whole graph of
10 modes (1,024 classes) at depth 3 on 2 cores under 60 s.

``--baseline REV`` also times the implementation at git revision ``REV`` (checked out in a
temporary worktree and run in a subprocess with its own default options) on the problems of
``--baseline-modes`` at depth 3: the whole graph where it finishes in one process within
``--baseline-budget`` seconds, otherwise the mean time of the first classes it probes, and
prints the ratio of seconds per class.

``--resume-modes M`` (default 8) times a checkpointed run of ``M`` modes at depth 3 with
``n_jobs`` processes, then its resume from the finished checkpoint: the resume checks every
record and integrates again the block escapes and one random probe per multi-hop edge (a
checkpoint cannot bring an edge without its trajectory); it prints both times, their ratio
and how many random probes the check integrated.

Run: ``python benchmarks/graph.py [--modes 4,6,8,10] [--depths 2,3,4] [--n-jobs 2]
[--baseline 72c2e00] [--resume-modes 8]``.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from landscape import DataSpectrum, Landscape, enumerate_critical_points, saddle_graph

ROOT = Path(__file__).resolve().parent.parent

#: Run by the baseline subprocess: the old saddle_graph, class by class, until the budget.
BASELINE = """
import json, sys, time
import numpy as np
from landscape import DataSpectrum, Landscape, enumerate_critical_points, saddle_graph
m, budget = int(sys.argv[1]), float(sys.argv[2])
land = Landscape(DataSpectrum.from_singular_values(np.linspace(3.0, 0.5, m)), (m,) * 4)
catalog = enumerate_critical_points(land, progress=False)
times = []
for point in catalog:
    sub = type(catalog)(land, [point])
    start = time.perf_counter()
    saddle_graph(land, catalog=sub, progress=False)
    times.append(time.perf_counter() - start)
    if sum(times) > budget:
        break
print(json.dumps({"classes": len(times), "of": len(catalog), "seconds": sum(times)}))
"""


def per_class(m: int, h: int, n_jobs=None) -> tuple[float, int, int, bool]:
    land = Landscape(DataSpectrum.from_singular_values(np.linspace(3.0, 0.5, m)),
                     (m,) * (h + 1))
    catalog = enumerate_critical_points(land, progress=False)
    start = time.perf_counter()
    graph = saddle_graph(land, catalog=catalog, n_jobs=n_jobs, progress=False)
    seconds = time.perf_counter() - start
    return seconds, len(catalog), graph.number_of_edges(), graph.graph["checks"]["ok"]


def resume(m: int, n_jobs: int) -> None:
    """Time a checkpointed run of ``m`` modes (depth 3) and its resume; print the figures."""
    land = Landscape(DataSpectrum.from_singular_values(np.linspace(3.0, 0.5, m)), (m,) * 4)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "checkpoint.json"
        start = time.perf_counter()
        first = saddle_graph(land, checkpoint=path, n_jobs=n_jobs, progress=False)
        run = time.perf_counter() - start
        start = time.perf_counter()
        again = saddle_graph(land, checkpoint=path, n_jobs=n_jobs, progress=False)
        resumed = time.perf_counter() - start
        classes = json.loads(path.read_text())["classes"].values()
    probes = sum(len(record["random"]) for record in classes)
    integrated = 0
    for record in classes:  # what the check integrates again: a probe per multi-hop edge
        named = {target for target, _ in record["one_hop"]}
        for _, _, target in record["random"]:
            if target is not None and target not in named:
                named.add(target)
                integrated += 1
    same = sorted(first.edges) == sorted(again.edges)
    print(f"checkpointed run, {m} modes, depth 3, n_jobs={n_jobs}: {run:.1f} s; resume "
          f"{resumed:.1f} s ({resumed / run:.2f} of the run; {integrated} of {probes} random "
          f"probes integrated again); same edges: {same}")


def baseline(rev: str, modes, budget: float) -> dict[int, float]:
    """Seconds per class of the implementation at ``rev`` (depth 3), by number of modes."""
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "baseline"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), rev],
                       check=True, capture_output=True)
        try:
            for m in modes:
                found = subprocess.run(
                    [sys.executable, "-c", BASELINE, str(m), str(budget)], cwd=tmp,
                    env={"PYTHONPATH": str(tree), "OPENBLAS_NUM_THREADS": "1",
                         "OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"},
                    check=True, capture_output=True, text=True)
                record = json.loads(found.stdout.strip().splitlines()[-1])
                out[m] = record["seconds"] / record["classes"]
                print(f"baseline {rev} m={m} h=3: {record['classes']}/{record['of']} classes "
                      f"in {record['seconds']:.1f} s, {out[m]:.3g} s per class", flush=True)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)],
                           check=True, capture_output=True)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modes", default="4,6,8,10")
    parser.add_argument("--depths", default="2,3,4")
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--baseline", metavar="REV", help="git revision to compare with")
    parser.add_argument("--baseline-modes", default="4,6")
    parser.add_argument("--baseline-budget", type=float, default=300.0)
    parser.add_argument("--resume-modes", type=int, default=8)
    args = parser.parse_args(argv)
    old = baseline(args.baseline, [int(x) for x in args.baseline_modes.split(",")],
                   args.baseline_budget) if args.baseline else {}
    print(f"{'m':>3} {'h':>3} {'classes':>8} {'edges':>7} {'s/class':>9} {'whole s':>8} "
          f"{'ok':>4} {'vs baseline':>12}")
    with threadpool_limits(1):
        for m in (int(x) for x in args.modes.split(",")):
            for h in (int(x) for x in args.depths.split(",")):
                seconds, classes, edges, ok = per_class(m, h)
                ratio = f"{old[m] / (seconds / classes):11.0f}x" if h == 3 and m in old else ""
                print(f"{m:3d} {h:3d} {classes:8d} {edges:7d} {seconds / classes:9.4f} "
                      f"{seconds:8.1f} {str(ok):>4} {ratio:>12}", flush=True)
        seconds, classes, edges, ok = per_class(10, 3, n_jobs=args.n_jobs)
        print(f"whole graph, 10 modes, depth 3, n_jobs={args.n_jobs}: {seconds:.1f} s for "
              f"{classes} classes ({edges} edges, checks ok: {ok}); target < 60 s")
        resume(args.resume_modes, args.n_jobs)


if __name__ == "__main__":
    main()
