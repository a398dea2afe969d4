"""The problem owns its rules (landscape.problem.rules): one tolerance, one coordinate map.

Every function given ``land`` reads ``land.tie_tol``: one point gets the same class, kind and
value from ``classify``, ``locate``, ``canonicalize``, the catalog and the saddle graph, at
every tolerance; ``max_rank`` and ``minimum_value`` follow it; a per-call ``tie_tol`` is
deprecated; ``to_reduced`` / ``from_reduced`` are inverse and keep the loss."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from landscape import (DataSpectrum, Landscape, canonicalize, classify, critical_point,
                       end_to_end_flow, enumerate_critical_points, locate, saddle_graph)
from landscape.problem.ties import tie_groups

TOLERANCES = (0.0, 1e-8, 1e-3)


def near_tied_spectrum(seed: int) -> np.ndarray:
    """Seeded spectra with near-ties and near-zeros on both sides of ``1e-8`` and ``1e-3``."""
    rng = np.random.default_rng(seed)
    pool = [(1.0, 1e-5), (1.0, 1.0 - 1e-6, 0.5), (2.0, 2.0 - 1e-4, 1.0),
            (1.0, 0.5, 0.5 - 1e-10), (3.0, 1.0, 1e-12)]
    sigma = np.array(pool[seed % len(pool)], dtype=float)
    return sigma * float(rng.uniform(0.5, 2.0))


def test_the_measured_point_gets_one_answer_at_each_tolerance():
    # sigma = (1, 1e-5), widths (2, 2, 2, 2): learning mode 0 alone is the global minimum
    # when 1e-5 counts as zero (tie_tol = 1e-3) and a non-strict saddle otherwise
    spec = DataSpectrum.from_singular_values([1.0, 1e-5])
    for tol, rank, kind in ((0.0, 2, "non_strict_saddle"), (1e-8, 2, "non_strict_saddle"),
                            (1e-3, 1, "global_minimum")):
        land = Landscape(spec, (2, 2, 2, 2), tie_tol=tol)
        assert land.tie_tol == tol and land.max_rank == rank and land.m == rank
        w = critical_point(land, (0,)).weights
        assert classify(land, w).kind.value == kind
        assert canonicalize(land, w).kind.value == kind
        result = end_to_end_flow(land, np.diag([0.01, 0.0]), t_max=1e3)  # tie_tol 0 too
        assert result.start_rank == 1


@pytest.mark.parametrize("seed", range(10))
def test_every_function_agrees_on_one_point(seed):
    sigma = near_tied_spectrum(seed)
    m = sigma.size
    widths = (m, *([m] * (2 + seed % 2)), m)
    for tol in TOLERANCES:
        land = Landscape(DataSpectrum.from_singular_values(sigma), widths, tie_tol=tol)
        catalog = enumerate_critical_points(land)
        graph = saddle_graph(land, catalog=catalog, random_probes=0, progress=False)
        rng = np.random.default_rng(seed)
        for point in catalog:
            # a point of the class moved off its representative by a hidden GL move
            w = [x.copy() for x in point.weights]
            g = np.eye(widths[1]) + 0.3 * rng.standard_normal((widths[1], widths[1]))
            w[0], w[1] = g @ w[0], w[1] @ np.linalg.inv(g)
            found = classify(land, w)
            record = canonicalize(land, w)
            where = locate(land, w)
            node = graph.nodes[point.subset]
            assert found.subset == record.subset == where.subset == point.subset
            assert found.witness_kind is record.kind is point.kind, (tol, point.subset)
            # the Hessian's kind agrees wherever it resolves the curvature: a gap of 1e-10
            # (tie_tol = 0) bends by ~1e-10, below its zero threshold, and is reported
            assert found.kind is point.kind or found.disagreement, (tol, point.subset)
            assert node["kind"] == point.kind.value
            for value in (found.value, record.value, where.value, node["value"]):
                assert value == pytest.approx(point.value, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("seed", range(8))
def test_max_rank_and_minimum_value_follow_the_tolerance(seed):
    sigma = near_tied_spectrum(seed)
    spec = DataSpectrum.from_singular_values(sigma)
    for tol in TOLERANCES:
        land = Landscape(spec, (sigma.size, 2, sigma.size), tie_tol=tol)
        # oracle: count the nonzero modes by hand
        m = int(np.sum(sigma > tol * sigma[0]))
        assert land.m == m and land.max_rank == min(2, m)
        assert land.tie_groups == tie_groups(sigma, tie_tol=tol)
        assert land.minimum_value() == pytest.approx(
            0.5 * float(np.sum(sigma[min(2, m):] ** 2)), rel=1e-12, abs=1e-300)
        assert land.with_tie_tol(tol) is land
        assert land.with_tie_tol(0.5).tie_tol == 0.5 and land.tie_tol == tol


def test_a_bad_tolerance_is_refused_naming_it():
    spec = DataSpectrum.from_singular_values([1.0, 0.5])
    for bad in (-0.1, 1.0, float("nan")):
        with pytest.raises(ValueError, match="tie_tol"):
            Landscape(spec, (2, 2, 2), tie_tol=bad)


def test_a_per_call_tolerance_is_deprecated_and_used():
    land = Landscape(DataSpectrum.from_singular_values([1.0, 1e-5]), (2, 2, 2, 2))
    w = critical_point(land, (0,)).weights
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert classify(land, w, tie_tol=land.tie_tol).kind.value == "non_strict_saddle"
    with pytest.warns(DeprecationWarning, match=r"pass tie_tol to Landscape\(\.\.\.\)"):
        found = classify(land, w, tie_tol=1e-3)
    assert found.kind.value == "global_minimum"  # the value given is used
    coarse = land.with_tie_tol(1e-3)
    assert classify(coarse, w).kind is found.kind
    with pytest.warns(DeprecationWarning, match="enumerate_critical_points"):
        catalog = enumerate_critical_points(land, tie_tol=1e-3)
    assert catalog.tie_tol == 1e-3 and catalog.land.max_rank == 1


def test_the_graph_refuses_a_catalog_of_another_tolerance():
    spec = DataSpectrum.from_singular_values([1.0, 1e-5])
    land = Landscape(spec, (2, 2, 2))
    catalog = enumerate_critical_points(land.with_tie_tol(1e-3))
    with pytest.raises(ValueError, match=r"catalog must be built with land's tie_tol = 1e-08"):
        saddle_graph(land, catalog=catalog, random_probes=0, progress=False)


def test_a_loaded_catalog_keeps_its_tolerance(tmp_path):
    land = Landscape(DataSpectrum.from_singular_values([1.0, 1e-5]), (2, 2, 2), tie_tol=1e-3)
    path = enumerate_critical_points(land).save(tmp_path / "coarse.json")
    loaded = type(enumerate_critical_points(land)).load(path)
    assert loaded.land.tie_tol == loaded.tie_tol == 1e-3
    with pytest.raises(ValueError, match="tie_tol"):
        type(loaded).load(path, land=land.with_tie_tol(1e-8))


def raw_problem(seed: int) -> Landscape:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((40, 3)) * [1.0, 10.0, 0.1]
    Y = X @ rng.standard_normal((3, 2)) + 0.1 * rng.standard_normal((40, 2))
    return Landscape(DataSpectrum.from_data(X, Y), (3, 4, 2))


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2 ** 16), st.integers(0, 2 ** 16))
def test_the_coordinate_maps_are_inverse_and_keep_the_loss(problem_seed, weight_seed):
    land = raw_problem(problem_seed % 7)
    w = land.random_weights(seed=weight_seed)
    reduced = land.to_reduced(w)
    back = land.from_reduced(reduced)
    for a, b in zip(back, w):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12 * float(np.abs(b).max()))
    # the loss of the reduced weights on the whitened problem (an independent formulation)
    spec = land.spectrum
    whitened = Landscape(DataSpectrum.from_singular_values(spec.sigma, d_x=spec.d_x,
                                                           d_y=spec.d_y), land.widths)
    assert whitened.loss(reduced) + spec.loss_offset == pytest.approx(land.loss(w), rel=1e-9)


def test_the_units_live_on_the_problem():
    from landscape.flow.units import gradient_unit, time_unit, weight_unit

    land = raw_problem(3)
    spec, h = land.spectrum, land.h
    s_x = float(np.linalg.norm(spec.input_sqrt, 2))
    assert land.weight_unit == weight_unit(land) == pytest.approx((spec.scale / s_x) ** (1 / h))
    assert land.gradient_unit == gradient_unit(land) == pytest.approx(
        spec.scale ** (2 - 1 / h) * s_x ** (1 / h))
    assert land.time_unit == time_unit(land) == pytest.approx(
        1 / (spec.scale ** (2 - 2 / h) * s_x ** (2 / h)))
    reduced = Landscape(DataSpectrum.from_singular_values(spec.sigma), (2, 4, 2))
    assert reduced.weight_unit == pytest.approx(reduced.weight_scale)
    assert reduced.gradient_unit == pytest.approx(reduced.gradient_scale)
