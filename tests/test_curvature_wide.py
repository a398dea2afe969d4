"""Curvature at wide layers (:mod:`landscape.geometry.structure`): the core network and the
blocks of idle units, inputs and outputs known in closed form.

Oracles: the eigenvalues of the dense analytic Hessian ``land.hessian`` of the whole network
(every eigenvalue at 0-balanced aligned points, rotated and permuted; the inertia by
Sylvester's law elsewhere), the rank of the stacked orbit generators, the whole-network
matrix-free solver, and the depth-2 Morse index and nullity formulas of THEORY §4.1 at hidden
widths where no dense Hessian fits.
"""

import numpy as np
import pytest
from geometry_oracles import aligned_point
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import ortho_group

from landscape import DataSpectrum, Landscape, classify, hessian_inertia, orbit_tangent
from landscape.geometry.structure import core_point


def _rotated(land, weights, rng, *, general=False):
    """A move along the orbit: each hidden layer rotated (and, with ``general``, scaled),
    which also mixes idle units with active ones."""
    weights = [w.copy() for w in weights]
    for j in range(1, land.h):
        d = land.widths[j]
        g = ortho_group.rvs(d, random_state=rng) if d > 1 else np.ones((1, 1))
        if general:
            g = g @ np.diag(rng.uniform(0.5, 2.0, d))
        weights[j - 1] = g @ weights[j - 1]
        weights[j] = weights[j] @ np.linalg.inv(g)
    return weights


def _random_critical_point(seed, *, max_hidden=10, cuts=True):
    """A seeded problem (depth 2-4, hidden widths up to ``max_hidden``, some zero sigma) and an
    aligned critical point of a random learnt set, unlearnt paths cut in random layers
    (strict and non-strict saddles, minima)."""
    rng = np.random.default_rng(seed)
    h = int(rng.integers(2, 5))
    d_x, d_y = int(rng.integers(1, 6)), int(rng.integers(1, 6))
    hidden = [int(rng.integers(1, max_hidden + 1)) for _ in range(h - 1)]
    q = int(rng.integers(1, min(d_x, d_y) + 1))
    sigma = np.zeros(min(d_x, d_y))
    sigma[:q] = np.sort(rng.choice(np.arange(2, 13) * 0.25, q, replace=False))[::-1]
    land = Landscape(DataSpectrum.from_singular_values(sigma, d_x=d_x, d_y=d_y),
                     (d_x, *hidden, d_y))
    k = int(rng.integers(0, min(min(land.widths), q) + 1))
    subset = tuple(sorted(rng.choice(q, k, replace=False).tolist()))
    cut = {}
    if cuts:
        free = [i for i in range(q) if i not in subset][:max(min(hidden) - k, 0)]
        for i in free:
            if rng.random() < 0.6:
                cut[i] = tuple(sorted(rng.choice(h, int(rng.integers(2, h + 1)),
                                                 replace=False).tolist()))
    return land, aligned_point(land, subset, cut=cut), rng


def _dense_inertia(land, weights, threshold):
    values = np.linalg.eigvalsh(land.hessian(weights))
    return (int(np.sum(values < -threshold)), int(np.sum(np.abs(values) <= threshold)),
            int(np.sum(values > threshold)))


def _orbit_rank(land, weights):
    s = np.linalg.svd(orbit_tangent(land, weights), compute_uv=False)
    return int(np.sum(s > 1e-9 * s[0])) if s.size and s[0] > 0 else 0


# ---------------------------------------------------------------------- against the dense Hessian
def test_structured_inertia_and_orbit_equal_the_dense_hessian_on_random_points():
    kinds = set()
    for seed in range(120):
        land, weights, rng = _random_critical_point(seed)
        weights = _rotated(land, weights, rng, general=seed % 3 == 0)
        c = classify(land, weights)
        assert c.inertia == _dense_inertia(land, weights, c.zero_threshold), seed
        assert c.n_orbit == _orbit_rank(land, weights), seed
        assert c.agree, (seed, c.disagreement)
        kinds.add(c.kind)
    assert len(kinds) == 3      # minima, strict and non-strict saddles all met


def test_structured_eigenvalues_equal_the_dense_ones_at_balanced_aligned_points():
    # an orthogonal move keeps the Hessian's eigenvalues, and the uncut aligned point is
    # 0-balanced: the core's and the closed-form blocks' values are the dense spectrum
    split = 0
    for seed in range(60):
        land, weights, rng = _random_critical_point(seed, cuts=False)
        weights = _rotated(land, weights, rng)
        inertia = hessian_inertia(land, weights)
        dense = np.linalg.eigvalsh(land.hessian(weights))
        assert inertia.eigenvalues.size == land.n_params
        np.testing.assert_allclose(inertia.eigenvalues, dense,
                                   atol=1e-9 * max(1.0, np.abs(dense).max()))
        split += inertia.core_params < land.n_params
    assert split > 30


def test_whole_network_dense_and_matrix_free_agree_with_the_core():
    for seed in range(20):
        land, weights, _ = _random_critical_point(100 + seed)
        auto = hessian_inertia(land, weights)
        dense = hessian_inertia(land, weights, method="dense")
        free = hessian_inertia(land, weights, method="matrix_free", seed=seed)
        assert dense.core_params == free.core_params == land.n_params
        assert auto.n_negative == dense.n_negative == free.n_negative, seed
        assert auto.n_zero == dense.n_zero == free.n_zero, seed
        beyond = np.abs(free.eigenvalues) > free.threshold
        np.testing.assert_allclose(free.eigenvalues[beyond],
                                   auto.eigenvalues[np.abs(auto.eigenvalues) > auto.threshold],
                                   atol=1e-8 * max(1.0, np.abs(auto.eigenvalues).max()))


def test_wide_points_against_the_dense_hessian_at_width_twenty():
    sigma = np.array([2.5, 1.5, 1.0])
    land = Landscape(DataSpectrum.from_singular_values(sigma, d_x=4, d_y=3), (4, 20, 20, 3))
    rng = np.random.default_rng(7)
    for subset, cut in [((0, 1, 2), None), ((0,), {1: (0, 2), 2: (1, 2)}), ((1,), {0: (0, 1)}),
                        ((0, 1), None), ((), {0: (0, 1, 2)})]:
        weights = _rotated(land, aligned_point(land, subset, cut=cut), rng)
        c = classify(land, weights)
        assert c.method == "dense" and c.inertia == _dense_inertia(land, weights,
                                                                   c.zero_threshold)
        assert c.n_orbit == _orbit_rank(land, weights)


# ---------------------------------------------------------------------- wide: closed forms
@pytest.mark.parametrize("d_1", [50, 400])
def test_depth_two_morse_index_and_nullity_at_wide_hidden_layers(d_1):
    # THEORY §4.1, h = 2 at the canonical representative: index (d_1 - rho)(q - rho) +
    # #{i in S, j not in S, sigma_j > sigma_i}, nullity rho(2 d_1 - rho) + (d_1 - rho)(d_x +
    # d_y - 2q); dense would need a P x P matrix with P = 11 d_1
    d_x, d_y = 6, 5
    sigma = np.array([3.0, 2.5, 2.0, 1.0, 0.0])
    q = 4
    land = Landscape(DataSpectrum.from_singular_values(sigma, d_x=d_x, d_y=d_y),
                     (d_x, d_1, d_y))
    for subset in [(), (0,), (1, 3), (0, 1, 2), (0, 1, 2, 3)]:
        rho = len(subset)
        c = classify(land, aligned_point(land, subset))
        index = (d_1 - rho) * (q - rho) + sum(
            1 for i in subset for j in range(q) if j not in subset and sigma[j] > sigma[i])
        nullity = rho * (2 * d_1 - rho) + (d_1 - rho) * (d_x + d_y - 2 * q)
        assert (c.n_negative, c.n_zero) == (index, nullity)
        assert c.n_orbit == d_1 ** 2 - (d_1 - rho) ** 2  # stabiliser gl(d_1 - rho)


def test_wide_inertia_is_independent_of_the_idle_width():
    # the core does not grow with the hidden widths: n_- and n_+ grow by the closed-form
    # blocks only, +-sigma(G) per idle unit, linearly in the width
    sigma = np.array([2.0, 1.5, 1.0])
    counts = {}
    for width in (16, 32, 64, 256):
        land = Landscape(DataSpectrum.from_singular_values(sigma), (3, width, width, 3))
        point = aligned_point(land, (1,), cut={0: (0, 1)})
        c = classify(land, point)
        assert c.inertia[0] + c.inertia[1] + c.inertia[2] == land.n_params
        core = core_point(land, land.check(point))
        assert core.land.widths == (3, 2, 3, 3)   # one path and one idle unit; two and one
        counts[width] = (c.n_negative, c.n_positive)
    steps = {w: (counts[w][0] - counts[16][0], counts[w][1] - counts[16][1]) for w in counts}
    assert all(a == steps[32][0] * (w - 16) // 16 and b == steps[32][1] * (w - 16) // 16
               for w, (a, b) in steps.items())
    assert steps[32][0] > 0


def test_origin_and_h_one_need_no_core_and_stay_exact():
    land = Landscape(DataSpectrum.from_singular_values([1.0, 1.0]), (2, 40, 40, 2))
    c = classify(land, [np.zeros(s) for s in land.shapes])
    assert c.inertia == (0, land.n_params, 0) and c.n_orbit == 0
    one = Landscape(DataSpectrum.from_singular_values([2.0, 1.0], d_x=3, d_y=2), (3, 2))
    c = classify(one, [np.diag([2.0, 1.0, 0.0])[:2]])
    assert c.inertia == (0, 0, 6)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10 ** 6))
def test_structured_spectrum_is_invariant_along_orthogonal_moves(seed):
    land, weights, rng = _random_critical_point(seed, cuts=False)
    base = hessian_inertia(land, weights)
    moved = hessian_inertia(land, _rotated(land, weights, rng))
    assert (moved.n_negative, moved.n_zero, moved.n_positive) == \
        (base.n_negative, base.n_zero, base.n_positive)
    np.testing.assert_allclose(moved.eigenvalues, base.eigenvalues,
                               atol=1e-9 * max(1.0, np.abs(base.eigenvalues).max()))


def test_report_logs_every_step_with_its_duration_and_takes_n_jobs(tmp_path):
    from landscape import write_report

    land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0]), (2, 2, 2, 2))
    lines = []
    report = write_report(land, tmp_path / "serial", progress=False, log=lines.append)
    steps = [line for line in lines if line.startswith("[")]
    timed = [line for line in lines if line.rstrip().endswith(" s)")]
    assert len(steps) == 5 and len(timed) >= 5      # 4 steps' results and both flows, timed
    parallel = write_report(land, tmp_path / "jobs", progress=False, n_jobs=2)
    assert parallel.visited == report.visited
    assert sorted(parallel.graph.edges) == sorted(report.graph.edges)
    with pytest.raises(ValueError, match="n_jobs must be"):
        write_report(land, tmp_path / "bad", n_jobs=0)
    assert not (tmp_path / "bad").exists()
