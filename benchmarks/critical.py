"""Speed of the critical-point enumeration and of canonicalisation.

Figures (issues "Critical points" and "Real networks on real data"): classes per second for
m = 20 modes and a bottleneck of 10 (616,666 classes; keys and values only; then verified
records -- representative checked critical, kind by the witness test's rules -- before, one
record at a time on a sample, and after, the whole catalog in vectorized batches, with the
two compared on the sample), and canonicalize calls per second at widths 32, depth 4, on
points drawn from the fiber (hidden GL orbits, blocked paths, junk sub-networks).
Run: ``python benchmarks/critical.py`` (set OMP_NUM_THREADS=1 for one core).
"""

import itertools
import time

import numpy as np

from landscape import (DataSpectrum, Landscape, canonicalize, count_classes,
                       enumerate_critical_points, iter_classes, iter_critical_points, sample_fiber)


def main():
    sigma = np.linspace(3.0, 0.5, 20)
    land = Landscape(DataSpectrum.from_singular_values(sigma), (20, 10, 20))
    start = time.perf_counter()
    n = sum(1 for _ in iter_classes(land))
    elapsed = time.perf_counter() - start
    assert n == count_classes(land)
    print(f"keys and values, m = 20, r = 10: {n} classes in {elapsed:.2f} s "
          f"= {n / elapsed:,.0f} classes/s")

    sample = 2000
    start = time.perf_counter()
    records = list(itertools.islice(iter_critical_points(land), sample))
    before = sample / (time.perf_counter() - start)
    print(f"before: verified records one at a time (iter_critical_points), widths "
          f"{land.widths}: {before:,.0f} classes/s (all {n} would take "
          f"{n / before / 60:.1f} min)")
    start = time.perf_counter()
    catalog = enumerate_critical_points(land, progress=False)
    elapsed = time.perf_counter() - start
    assert len(catalog) == n
    for record in records:
        row = catalog.lookup(record.subset)
        assert (row.value, row.kind) == (record.value, record.kind)
    print(f"after: verified records in vectorized batches (enumerate_critical_points): all {n} "
          f"in {elapsed:.2f} s = {n / elapsed:,.0f} classes/s ({n / elapsed / before:.0f}x; "
          f"the {sample} per-record records agree)")

    rng = np.random.default_rng(0)
    width, depth = 32, 4
    spec = DataSpectrum.from_singular_values(rng.uniform(0.5, 3.0, width))
    land = Landscape(spec, (width,) * (depth + 1))
    points = [sample_fiber(land, seed=rng).weights for _ in range(50)]
    canonicalize(land, points[0])
    start = time.perf_counter()
    for weights in points:
        canonicalize(land, weights)
    elapsed = time.perf_counter() - start
    print(f"canonicalize, widths {width}, depth {depth} (P = {land.n_params}): "
          f"{len(points) / elapsed:,.0f} calls/s ({1e3 * elapsed / len(points):.2f} ms each)")
    start = time.perf_counter()
    for _ in range(50):
        sample_fiber(land, seed=rng)
    elapsed = time.perf_counter() - start
    print(f"sample_fiber, same network: {50 / elapsed:,.0f} samples/s")


if __name__ == "__main__":
    main()
