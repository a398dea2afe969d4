"""Second-order geometry: witness test, Hessian inertia, symmetry orbit and centre."""

import itertools

import numpy as np
import pytest

from landscape.curvature import witness_kind, witness_test
from landscape.data import DataSpectrum
from landscape.model import Landscape
from landscape.modes import CriticalKind, NotCriticalError


def aligned_point(land, subset, *, cut=None):
    """The canonical balanced aligned representative, written out as the test's own oracle.

    Path input i -> hidden unit c -> ... -> output i, every edge sigma_i^{1/h}. ``cut`` maps an
    unlearnt mode to the 0-based layers where its path (through the next free hidden unit) is
    left out; the remaining layers carry the weight sigma_i^{1/h}.
    """
    sigma = land.spectrum.sigma
    h = land.h
    weights = [np.zeros(s) for s in land.shapes]
    paths = [(i, c, range(h)) for c, i in enumerate(subset)]
    for k, (i, layers) in enumerate((cut or {}).items()):
        paths.append((i, len(subset) + k, [j for j in range(h) if j not in layers]))
    for i, c, layers in paths:
        a = sigma[i] ** (1.0 / h)
        for j in layers:
            row = i if j == h - 1 else c
            col = i if j == 0 else c
            weights[j][row, col] = a
    return weights


def test_witness_on_canonical_points_and_two_cut_variants():
    land = Landscape(DataSpectrum.from_singular_values([3.0, 2.0, 1.0]), (3, 3, 3, 3))
    assert witness_kind(land, aligned_point(land, ())) is CriticalKind.NON_STRICT_SADDLE
    assert witness_kind(land, aligned_point(land, (0,))) is CriticalKind.NON_STRICT_SADDLE
    assert witness_kind(land, aligned_point(land, (1,))) is CriticalKind.STRICT_SADDLE
    assert witness_kind(land, aligned_point(land, (0, 1, 2))) is CriticalKind.GLOBAL_MINIMUM
    # mode 2 (sigma = 1) kept in layer 2 only: cut in layers 1 and 3 -> witness pair (1, 3)
    w = witness_test(land, aligned_point(land, (0,), cut={2: (0, 2)}))
    assert w.kind is CriticalKind.STRICT_SADDLE and w.pair == (1, 3)
    assert w.strength > 1e3 * w.threshold
    with pytest.raises(NotCriticalError):
        witness_kind(land, [np.eye(3)] * 3)
