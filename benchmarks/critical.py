"""Speed of the critical-point enumeration and of canonicalisation.

Figures (issues "Critical points" and "Real networks on real data"): classes per second for
m = 20 modes and a bottleneck of 10 (616,666 classes; keys and values only; then verified
records -- representative checked critical, kind by the witness test's rules -- before, one
record at a time on a sample, and after, the whole catalog in vectorized batches, with the
two compared on the sample), and canonicalize calls per second at widths 32, depth 4, on
points drawn from the fiber (hidden GL orbits, blocked paths, junk sub-networks).

Iteration (issue "a catalog that iterates at the speed it is built"): the README's loop
(subset, value, kind, inertia of every class) over the same 616,666 classes, with the
representatives built only when ``point.weights`` is read, against the cost of building one
per point (what every point paid when records were built eagerly, timed on a sample); and
``Catalog.save``, ``Catalog.load`` and the same loop on the file of the same catalog: the file
stores no representative (schema 2: each is the canonical one, rebuilt when read), and the
load checks every class against the enumeration's verified batches, so the round trip costs
about what building the catalog costs. Before, the array file held one representative per
class (about 2 GB here) and the load checked them one at a time (about 1,000 classes/s: 10
minutes).
Run: ``python benchmarks/critical.py`` (set OMP_NUM_THREADS=1 for one core).
"""

import itertools
import tempfile
import time
from pathlib import Path

import numpy as np

from landscape import (Catalog, DataSpectrum, Landscape, canonicalize, count_classes,
                       enumerate_critical_points, iter_classes, iter_critical_points, sample_fiber)


def readme_loop(catalog) -> float:
    """Seconds for the README's loop over ``catalog`` (reads no weights)."""
    start = time.perf_counter()
    for point in catalog:
        point.subset, point.value, point.kind.value, point.inertia
    return time.perf_counter() - start


def iteration(land, catalog, enumerated: float):
    """The README's loop over the catalog of ``land``, representatives built on request; then
    ``Catalog.load`` and the same loop on a smaller catalog file."""
    n = len(catalog)
    elapsed = readme_loop(catalog)
    sample = list(itertools.islice(catalog, 0, n, max(1, n // 20000)))
    start = time.perf_counter()
    for point in sample:
        point.weights
    eager = len(sample) / (time.perf_counter() - start)
    print(f"iteration, widths {land.widths}: enumerate {enumerated:.2f} s, README loop over all "
          f"{n} classes {elapsed:.2f} s = {n / elapsed:,.0f} points/s; building each "
          f"representative (what every point cost when built eagerly, {len(sample)} sampled): "
          f"{eager:,.0f} points/s, all {n} in {n / eager:.1f} s "
          f"({n / elapsed / eager:.0f}x)")
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        path = catalog.save(Path(folder) / "c.json")
        save = time.perf_counter() - start
        size = path.stat().st_size + path.with_suffix(".npz").stat().st_size
        start = time.perf_counter()
        loaded = Catalog.load(path)
        load = time.perf_counter() - start
        loop = readme_loop(loaded)
    assert loaded.records() == catalog.records()
    print(f"save + load + README loop of the same {n} classes: save {save:.2f} s "
          f"({size / 2**20:.0f} MiB), load {load:.2f} s = {n / load:,.0f} classes/s (every "
          f"class checked), loop {loop:.2f} s; all {save + load + loop:.1f} s")


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
    iteration(land, catalog, elapsed)

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
