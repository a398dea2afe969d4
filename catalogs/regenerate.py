"""Regenerate the reference catalogs checked in beside this script.

Run ``python catalogs/regenerate.py`` from the repository root; ``tests/test_catalog.py``
rebuilds each catalog with :func:`build` and compares it with the file. The problems:

- ``sequential_learning``: widths ``(11, 6, 6, 6, 6, 4)``, ``sigma = (3, 2, 1, 0.5)`` given as
  singular values (``d_x = 11``, ``d_y = 4``): the worked example of docs/theory.md §2, 16 classes
  from ``7.125`` down to ``0``;
- ``linnerud``: scikit-learn's Linnerud data (raw coordinates, centred), widths
  ``(3, 2, 2, 3)``: a bottleneck of 2 under 3 nonzero singular values;
- ``tie_and_zero``: ``sigma = (3, 2, 2, 1, 0)``, widths ``(5, 3, 3, 5)``: a tie, a zero
  singular value and a bottleneck.

Each catalog holds the curvature fields (Hessian inertia, orbit and centre dimensions,
witness kind) of every representative (file schema 2: the representatives themselves are
not stored; each is its class's canonical one, rebuilt on load).
"""

from __future__ import annotations

from pathlib import Path

from landscape import Catalog, DataSpectrum, Landscape, enumerate_critical_points

HERE = Path(__file__).resolve().parent
NAMES = ("sequential_learning", "linnerud", "tie_and_zero")


def reference_landscape(name: str) -> Landscape:
    """The landscape of one reference problem (see the module docstring)."""
    if name == "sequential_learning":
        spec = DataSpectrum.from_singular_values([3.0, 2.0, 1.0, 0.5], d_x=11, d_y=4)
        return Landscape(spec, (11, 6, 6, 6, 6, 4))
    if name == "linnerud":
        return Landscape(DataSpectrum.from_dataset("linnerud"), (3, 2, 2, 3))
    if name == "tie_and_zero":
        spec = DataSpectrum.from_singular_values([3.0, 2.0, 2.0, 1.0, 0.0])
        return Landscape(spec, (5, 3, 3, 5))
    raise ValueError(f"name must be one of {', '.join(map(repr, NAMES))}, got {name!r}")


def build(name: str) -> Catalog:
    """Enumerate the catalog of one reference problem, with curvature fields."""
    return enumerate_critical_points(reference_landscape(name), curvature=True, progress=False)


def path_of(name: str) -> Path:
    """Where the catalog of ``name`` is checked in."""
    return HERE / f"{name}.json"


def main() -> None:
    for name in NAMES:
        catalog = build(name)
        print(f"{catalog.save(path_of(name))}: {len(catalog)} classes")


if __name__ == "__main__":
    main()
