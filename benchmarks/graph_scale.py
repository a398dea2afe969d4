"""The saddle graph of 14 modes (16,384 classes) on a Dask ``LocalCluster``, checkpointed.

Figures (issue "Saddle graph at real sizes", scale out): wall time of
:func:`landscape.saddle_graph` for sigma of ``--modes`` distinct modes at depth 3 (widths m)
on a local Dask cluster of ``--workers`` single-threaded processes with a checkpoint, the
peak resident memory of this process, and the time of a rerun that resumes from the
complete checkpoint (it integrates nothing). Progress lines go to standard error.

Run: ``python benchmarks/graph_scale.py [--modes 14] [--workers 2] [--random-probes 4]``.
"""

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
from dask.distributed import Client, LocalCluster

from landscape import DataSpectrum, Landscape, enumerate_critical_points, saddle_graph


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modes", type=int, default=14)
    parser.add_argument("--depth", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--random-probes", type=int, default=4)
    args = parser.parse_args(argv)
    m = args.modes
    land = Landscape(DataSpectrum.from_singular_values(np.linspace(3.0, 0.5, m)),
                     (m,) * (args.depth + 1))
    catalog = enumerate_critical_points(land, progress=False)
    with tempfile.TemporaryDirectory() as tmp, \
            LocalCluster(n_workers=args.workers, threads_per_worker=1,
                         dashboard_address=":0") as cluster, Client(cluster) as client:
        checkpoint = Path(tmp) / "graph.json"
        start = time.perf_counter()
        graph = saddle_graph(land, catalog=catalog, client=client, checkpoint=checkpoint,
                             random_probes=args.random_probes, progress=None)
        first = time.perf_counter() - start
        start = time.perf_counter()
        again = saddle_graph(land, catalog=catalog, client=client, checkpoint=checkpoint,
                             random_probes=args.random_probes, progress=False)
        resumed = time.perf_counter() - start
        size = checkpoint.stat().st_size
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    same = sorted(graph.edges) == sorted(again.edges)
    print(f"{m} modes, depth {args.depth}: {len(catalog)} classes, {graph.number_of_edges()} "
          f"edges, checks ok: {graph.graph['checks']['ok']}")
    print(f"{args.workers} Dask workers: {first:.1f} s ({first / len(catalog) * 1e3:.1f} ms per "
          f"class); resumed from the checkpoint ({size / 1e6:.1f} MB) in {resumed:.1f} s, "
          f"same graph: {same}; peak memory of this process {peak:.0f} MB")


if __name__ == "__main__":
    main()
