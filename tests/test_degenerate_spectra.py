"""Degenerate spectra: an all-zero sigma (data whose targets carry nothing the inputs can
explain) has one critical class, the empty set, a global minimum of value ``L0``; and
``tie_tol`` outside ``[0, 1)`` is refused naming it (docs/theory.md §2)."""

import numpy as np
import pytest
from scipy.linalg import hadamard
from hypothesis import given, settings
from hypothesis import strategies as st

from landscape import (DataSpectrum, Landscape, canonical_representative, classify,
                       critical_point, enumerate_critical_points, iter_critical_points,
                       numerical_rank, tie_groups)

WIDTHS = [(2, 2), (2, 2, 2), (2, 1, 2), (2, 3, 3, 2), (2, 2, 2, 2, 2)]


def _orthogonal_data(seed):
    """Inputs and targets with ``Syx = 0`` exactly (every sigma zero) and ``L0 > 0``: distinct
    columns of a Hadamard matrix (orthogonal, each summing to 0, so centred as they are) in a
    seeded row order, scaled by integers, so that every moment is exact integer arithmetic."""
    rng = np.random.default_rng(seed)
    columns = rng.choice(np.arange(1, 16), size=4, replace=False)
    H = hadamard(16)[rng.permutation(16)][:, columns] * rng.integers(1, 9, size=4)
    return H[:, :2].astype(float), H[:, 2:].astype(float)


def _zero_spectra():
    yield DataSpectrum.from_singular_values([0.0, 0.0])
    rng = np.random.default_rng(7)
    yield DataSpectrum.from_data(rng.normal(size=(30, 2)), np.full((30, 2), 3.0))  # Y constant
    for seed in range(3):
        yield DataSpectrum.from_data(*_orthogonal_data(seed))


@pytest.mark.parametrize("widths", WIDTHS)
@pytest.mark.parametrize("spec", list(_zero_spectra()), ids=lambda s: f"L0={s.loss_offset:.3g}")
def test_all_zero_sigma_has_one_class_the_empty_global_minimum(spec, widths):
    assert np.all(spec.sigma <= 1e-12 * max(1.0, np.abs(spec.sigma).max()))
    land = Landscape(spec, widths)
    assert numerical_rank(spec.sigma) == 0 and tie_groups(spec.sigma) == ()
    catalog = enumerate_critical_points(land)
    assert len(catalog) == 1
    record = catalog[0]
    assert record.subset == () and record.kind.value == "global_minimum"
    # oracle: the loss at the representative, summed from the data's moments
    assert record.value == pytest.approx(land.loss(record.weights), abs=1e-12)
    assert record.value == pytest.approx(spec.loss_offset, abs=1e-12)
    # the per-record path (weights kept, curvature) gives the same one record
    per_record = list(iter_critical_points(land, curvature=True))
    assert [(r.subset, r.kind) for r in per_record] == [((), record.kind)]
    assert classify(land, record.weights).kind.value == "global_minimum"


@pytest.mark.parametrize("seed", range(4))
def test_all_zero_sigma_minimum_is_global_against_random_networks(seed):
    # oracle: with Sigma = 0 the loss is L0 + 1/2 ||P||^2 >= L0 on every network
    spec = DataSpectrum.from_data(*_orthogonal_data(seed))
    land = Landscape(spec, (2, 3, 3, 2))
    minimum = enumerate_critical_points(land)[0].value
    rng = np.random.default_rng(seed)
    for _ in range(20):
        weights = [rng.normal(size=(3, 2)), rng.normal(size=(3, 3)), rng.normal(size=(2, 3))]
        assert land.loss(weights) >= minimum


def test_catalog_command_on_zero_sigma(tmp_path):
    from landscape.cli import main
    out = tmp_path / "catalog.json"
    assert main(["catalog", "--sigma", "0,0", "--widths", "2,2,2,2", "--json", str(out)]) == 0
    assert out.exists()


@settings(max_examples=25, deadline=None)
@given(st.floats(min_value=1.0, max_value=1e6, allow_nan=False))
def test_tie_tol_from_one_on_is_refused_naming_it(tie_tol):
    land = Landscape(DataSpectrum.from_singular_values([3.0, 2.0, 1.0]), (3, 3, 3, 3))
    with pytest.raises(ValueError, match=r"tie_tol must lie in \[0, 1\)"):
        tie_groups([3.0, 2.0, 1.0], tie_tol=tie_tol)
    with pytest.raises(ValueError, match="tie_tol"):
        enumerate_critical_points(land, tie_tol=tie_tol)


@pytest.mark.parametrize("tie_tol", [-0.1, float("nan"), float("inf")])
def test_tie_tol_negative_or_not_finite_is_refused(tie_tol):
    with pytest.raises(ValueError, match="tie_tol"):
        tie_groups([3.0, 2.0], tie_tol=tie_tol)


def test_tie_tol_just_below_one_keeps_sigma_1():
    # sigma_1 is never zero below 1: tie_tol = 0.9 keeps it, drops 0.5 <= 0.9 * 1
    assert tie_groups([1.0, 0.5], tie_tol=0.9) == ((0,),)


# ---------------------------------------------------------------- absurd widths
HUGE = (3, 10**9, 3)


def test_huge_hidden_width_catalog_is_cheap_and_equals_the_narrow_one():
    # oracle: classes, values and kinds depend on the widths only through r* (docs/theory.md §2)
    spec = DataSpectrum.from_singular_values([3.0, 2.0, 1.0])
    wide = enumerate_critical_points(Landscape(spec, HUGE))
    narrow = enumerate_critical_points(Landscape(spec, (3, 3, 3)))
    assert len(wide) == 8
    assert [(r.subset, r.value, r.kind) for r in wide] == \
        [(r.subset, r.value, r.kind) for r in narrow]


@pytest.mark.parametrize("make", [
    lambda land: enumerate_critical_points(land)[0].weights,
    lambda land: canonical_representative(land, (0,)),
    lambda land: critical_point(land, (0, 1)),
    lambda land: next(iter_critical_points(land)),
], ids=["catalog[0].weights", "canonical_representative", "critical_point",
        "iter_critical_points"])
def test_huge_representatives_are_refused_with_the_figure_and_the_way_out(make):
    land = Landscape(DataSpectrum.from_singular_values([3.0, 2.0, 1.0]), HUGE)
    with pytest.raises(ValueError, match=r"MAX_WEIGHT_BYTES.*44\.7 GiB.*widths \(3, 3, 3\)"):
        make(land)


def test_catalog_command_refuses_huge_widths_before_work(capsys):
    from landscape.cli import main
    with pytest.raises(SystemExit) as exit_:
        main(["catalog", "--sigma", "3,2,1", "--widths", "3,1000000000,3"])
    assert exit_.value.code == 2
    assert "widths (3, 3, 3)" in capsys.readouterr().err
