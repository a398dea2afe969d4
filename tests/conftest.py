"""Seeded random problems shared by the core tests.

A problem is a :class:`~landscape.Landscape` of random depth and widths on one of three
kinds of spectrum (THEORY §1):

- ``"singular_values"``: ``DataSpectrum.from_singular_values`` (reduced, ``L0 = 0``);
- ``"whitened"``: ``DataSpectrum.from_data(X, Y, whiten=True)`` (reduced, ``L0 > 0``);
- ``"raw"``: ``DataSpectrum.from_data(X, Y)``, weights acting on the data's own coordinates.

The data have an anisotropic, non-centred input (``Sxx`` far from a multiple of the
identity), so the raw and reduced coordinates really differ. Test modules import these
helpers (``from conftest import random_problem``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import matplotlib
import numpy as np
import pytest
from hypothesis import settings

from landscape import DataSpectrum
from landscape import Landscape

matplotlib.use("Agg")

# Property tests draw the same examples on every run and machine (the project's "same seed,
# same result"); a failure found once stays found. Widen the search locally with
# HYPOTHESIS_PROFILE=explore.
settings.register_profile("reproducible", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "reproducible"))

KINDS = ("singular_values", "whitened", "raw")


@dataclass(frozen=True, eq=False)
class Problem:
    """A random landscape with a random point ``weights`` and direction ``direction``."""

    land: Landscape
    weights: list
    direction: list
    X: np.ndarray | None
    Y: np.ndarray | None


def sample_data(rng: np.random.Generator, n: int, d_x: int, d_y: int):
    """Random ``X`` (``n x d_x``, anisotropic, offset) and noisy linear targets ``Y``."""
    mix = rng.standard_normal((d_x, d_x)) + 2.0 * np.eye(d_x)
    X = rng.standard_normal((n, d_x)) @ mix + rng.standard_normal(d_x)
    Y = (X @ rng.standard_normal((d_x, d_y)) + 0.5 * rng.standard_normal((n, d_y))
         + rng.standard_normal(d_y))
    return X, Y


def random_problem(seed: int, kind: str, *, h: int | None = None,
                   max_width: int = 4) -> Problem:
    """A seeded random problem of the given kind; depth ``h = 1 + seed % 6`` unless given."""
    rng = np.random.default_rng(seed)
    h = 1 + seed % 6 if h is None else h
    d_x, d_y = (int(d) for d in rng.integers(1, max_width + 1, size=2))
    hidden = [int(d) for d in rng.integers(1, max_width + 1, size=h - 1)]
    widths = (d_x, *hidden, d_y)
    X = Y = None
    if kind == "singular_values":
        sigma = rng.uniform(0.3, 2.0, size=min(d_x, d_y))
        spec = DataSpectrum.from_singular_values(sigma, d_x=d_x, d_y=d_y)
    else:
        X, Y = sample_data(rng, 40, d_x, d_y)
        spec = DataSpectrum.from_data(X, Y, whiten=kind == "whitened")
    land = Landscape(spec, widths)
    return Problem(land, land.random_weights(seed=rng), land.random_weights(seed=rng), X, Y)


@pytest.fixture(scope="module")
def dask_client():
    """A two-worker Dask cluster in threads (the ``distributed`` extra), for executor tests."""
    distributed = pytest.importorskip("distributed")
    # ":0": any free port for the scheduler's HTTP server
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as client:
        yield client
