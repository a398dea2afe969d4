"""Wall time of the whole saddle connection graph, serially and in two joblib processes.

Figures (issue "Saddle connection graph"): for sigma of 4 and 6 distinct modes
(``linspace(3, 0.5, m)``) on networks of width m at depths h = 2, 3, 4, the time of
:func:`landscape.connections.saddle_graph` over all ``2^m`` classes (classification, escape
directions, probes, integration), serially and with ``n_jobs=2``, and their ratio; the two
graphs are checked to be identical. Light probes: ``radii=(0.1,)``, one exact probe per
escape direction and sign, no combinations. BLAS is held to one thread in this process, as
joblib does in its workers, so the ratio measures process parallelism only.

Run: ``python benchmarks/graph.py [--modes 4,6] [--depths 2,3,4] [--n-jobs 2]``.
"""

import argparse
import time

import numpy as np
from threadpoolctl import threadpool_limits

from landscape.connections import saddle_graph
from landscape.critical import enumerate_critical_points
from landscape import DataSpectrum
from landscape import Landscape

OPTIONS = dict(radii=(0.1,), probes=1, max_combinations=0, progress=False)


def same(a, b) -> bool:
    return (list(a.nodes(data="inertia")) == list(b.nodes(data="inertia"))
            and sorted(a.edges(data="probes")) == sorted(b.edges(data="probes")))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modes", default="4,6")
    parser.add_argument("--depths", default="2,3,4")
    parser.add_argument("--n-jobs", type=int, default=2)
    args = parser.parse_args(argv)
    print(f"{'m':>3} {'h':>3} {'P':>5} {'classes':>8} {'edges':>6} {'serial s':>9} "
          f"{f'n_jobs={args.n_jobs} s':>11} {'ratio':>6}")
    with threadpool_limits(1):
        for m in (int(x) for x in args.modes.split(",")):
            sigma = np.linspace(3.0, 0.5, m)
            for h in (int(x) for x in args.depths.split(",")):
                land = Landscape(DataSpectrum.from_singular_values(sigma), (m,) * (h + 1))
                catalog = enumerate_critical_points(land, progress=False)
                start = time.perf_counter()
                serial = saddle_graph(land, catalog=catalog, **OPTIONS)
                t_serial = time.perf_counter() - start
                start = time.perf_counter()
                parallel = saddle_graph(land, catalog=catalog, n_jobs=args.n_jobs, **OPTIONS)
                t_parallel = time.perf_counter() - start
                assert same(serial, parallel), "the executors built different graphs"
                print(f"{m:3d} {h:3d} {land.n_params:5d} {len(catalog):8d} "
                      f"{serial.number_of_edges():6d} {t_serial:9.1f} {t_parallel:11.1f} "
                      f"{t_serial / t_parallel:6.2f}", flush=True)


if __name__ == "__main__":
    main()
