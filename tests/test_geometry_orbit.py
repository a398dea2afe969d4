"""The hidden-layer symmetry orbit: :mod:`landscape.geometry.orbit`.

Oracles: finite differences of the group action (the rank of the differentiated orbit
curves), the group dimension at generic points, and the analytic Hessian (the orbit tangent
lies in its kernel).
"""

import itertools

import numpy as np
from geometry_oracles import fiber_problems

from landscape import (DataSpectrum, Landscape, balance_layers, orbit_dimension, orbit_tangent,
                       sample_fiber)
from landscape.geometry.orbit import orbit_dimension_from_ranks, partial_ranks


def orbit_rank_by_differences(land, weights, t=1e-5):
    """Rank of the central differences of the curves ``W(t) = exp(t E) . W`` for every
    matrix unit ``E`` of every hidden ``gl(d_j)``, acting by ``W_j -> G W_j``,
    ``W_{j+1} -> W_{j+1} G^{-1}``."""
    columns = []
    for j in range(1, land.h):
        d = land.widths[j]
        for p, q in itertools.product(range(d), repeat=2):
            e = np.zeros((d, d))
            e[p, q] = 1.0
            curve = []
            for s in (t, -t):
                # exp(s E) = I + s E off the diagonal (E nilpotent), I + (e^s - 1) E on it
                g, g_inv = (np.eye(d) + (np.exp(u) - 1 if p == q else u) * e for u in (s, -s))
                moved = [w.copy() for w in weights]
                moved[j - 1] = g @ moved[j - 1]
                moved[j] = moved[j] @ g_inv
                curve.append(land.flatten(moved))
            columns.append((curve[0] - curve[1]) / (2 * t))
    if not columns:
        return 0
    values = np.linalg.svd(np.column_stack(columns), compute_uv=False)
    return int(np.sum(values > 1e-6 * values[0])) if values[0] > 0 else 0


def test_orbit_dimension_equals_rank_of_differentiated_orbit_curves():
    rng = np.random.default_rng(5)
    for land in fiber_problems()[::3]:
        for _ in range(4):
            sample = sample_fiber(land, seed=rng, scale_range=(0.5, 2.0))
            weights, _ = balance_layers(sample.weights, norm=1.0)
            expected = orbit_rank_by_differences(land, weights)
            assert orbit_dimension(land, weights, method="generators") == expected
            assert orbit_dimension(land, weights, method="ranks") == expected
            # an unbalanced point of the same orbit has an orbit of the same dimension
            assert orbit_dimension(land, sample.weights) == expected


def test_orbit_dimension_of_generic_and_zero_points():
    # nonincreasing widths, generic weights: W_j surjective, so X_j W_j = W_j X_{j-1} forces
    # X = 0 layer by layer; the orbit has the dimension of the group, sum_j d_j^2
    land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0], d_x=6, d_y=2), (6, 5, 4, 3, 2))
    weights = land.random_weights(seed=1)
    assert orbit_dimension(land, weights) == 25 + 16 + 9
    assert orbit_dimension(land, weights, method="ranks") == 50
    assert orbit_dimension(land, [np.zeros(s) for s in land.shapes]) == 0
    one_layer = Landscape(DataSpectrum.from_singular_values([2.0, 1.0]), (2, 2))
    assert orbit_dimension(one_layer, [np.eye(2)]) == 0
    assert orbit_tangent(one_layer, [np.eye(2)]).shape == (4, 0)


def test_orbit_tangent_lies_in_the_hessian_kernel():
    land = Landscape(DataSpectrum.from_singular_values([3.0, 2.0, 1.0]), (3, 4, 4, 3))
    weights = sample_fiber(land, (0,), seed=3, kind="junk", scale_range=(0.5, 2.0)).weights
    tangent = orbit_tangent(land, weights)
    hessian = land.hessian(weights)
    assert np.abs(hessian @ tangent).max() < 1e-10 * np.abs(hessian).max() * \
        np.abs(tangent).max()


def test_ranks_of_an_aligned_chain_give_its_orbit():
    # one path through two hidden layers of width 2: each hidden layer keeps a free unit,
    # whose gl(1) blocks and the couplings into the path stabilise
    weights = [np.diag([1.0, 0.0])] * 3
    ranks = partial_ranks(weights)
    assert all(r == 1 for r in ranks.values())
    land = Landscape(DataSpectrum.from_singular_values([1.0, 0.5]), (2, 2, 2, 2))
    assert orbit_dimension_from_ranks(land.widths, ranks) == \
        orbit_dimension(land, weights, method="generators")
