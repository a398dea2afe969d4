"""The Hessian-free witness test (THEORY §4.1): :mod:`landscape.geometry.witness`.

Oracles: the construction of aligned points (which paths are cut where) and the strengths
``sigma_1(G_ab) sigma_{rho+1}(Mid_ab)`` worked out by hand.
"""

import numpy as np
import pytest
from geometry_oracles import aligned_point

from landscape import (CriticalKind, DataSpectrum, Landscape, NotCriticalError, witness_kind,
                       witness_strengths, witness_test)

STRICT, NON_STRICT, MINIMUM = (CriticalKind.STRICT_SADDLE, CriticalKind.NON_STRICT_SADDLE,
                               CriticalKind.GLOBAL_MINIMUM)


def test_witness_on_canonical_points_and_two_cut_variants():
    land = Landscape(DataSpectrum.from_singular_values([3.0, 2.0, 1.0]), (3, 3, 3, 3))
    assert witness_kind(land, aligned_point(land, ())) is NON_STRICT
    assert witness_kind(land, aligned_point(land, (0,))) is NON_STRICT
    assert witness_kind(land, aligned_point(land, (1,))) is STRICT
    assert witness_kind(land, aligned_point(land, (0, 1, 2))) is MINIMUM
    # mode 2 (sigma = 1) kept in layer 2 only: cut in layers 1 and 3 -> witness pair (1, 3)
    w = witness_test(land, aligned_point(land, (0,), cut={2: (0, 2)}))
    assert w.kind is STRICT and w.pair == (1, 3) and w.rule == "witness"
    assert w.strength > 1e3 * w.threshold
    with pytest.raises(NotCriticalError):
        witness_kind(land, [np.eye(3)] * 3)


def test_witness_strengths_of_an_aligned_point_by_hand():
    # h = 3, S = {0}, mode 1 kept in layer 2 only. G_13 = R = Sigma_S - Sigma has sigma_1(G) =
    # max unlearnt sigma = 2; Mid_13 = W_2 = diag(a, b) has sigma_2 = min(3^{1/3}, 2^{1/3}).
    land = Landscape(DataSpectrum.from_singular_values([3.0, 2.0]), (2, 2, 2, 2))
    w = aligned_point(land, (0,), cut={1: (0, 2)})
    strengths = witness_strengths(w, land.spectrum.sigma_matrix(), 1)
    assert strengths[(1, 3)] == pytest.approx(2.0 * 2.0 ** (1 / 3), rel=1e-12)
    # G_12 = W_3^T R = 0 and G_23 = R W_1^T = 0: the residual lives on mode 1 only
    assert strengths[(1, 2)] == 0.0 and strengths[(2, 3)] == 0.0


def test_witness_threshold_and_keywords():
    land = Landscape(DataSpectrum.from_singular_values([3.0, 2.0, 1.0]), (3, 3, 3, 3))
    w = witness_test(land, aligned_point(land, (0,)), zero_tol=1e-6, critical_tol=1e-6)
    assert w.rule == "no witness" and w.threshold == pytest.approx(1e-6 * 3.0 ** (4 / 3))
    assert "rule='no witness'" in repr(w)
