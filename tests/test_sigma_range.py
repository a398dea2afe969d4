"""sigma_1 anywhere in the accepted range [1e-150, 1e150]: the catalog, its verification and
its curvature are those of the unit problem sigma / sigma_1 (the flow's units), at depths 2-5.

Oracle: the exact rescaling of THEORY §1 -- ``L_{s Sigma}(s^{1/h} W) = s^2 L_Sigma(W)`` -- so
the classes, kinds and inertia of ``s sigma`` are those of ``sigma``, the values ``s^2``
times, and the relative gradient norm is invariant. Overflow or underflow in any check shows
up as a RuntimeWarning (an error under the suite's filterwarnings) or as a false refusal.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import landscape as ls

SCALES = [1e-150, 1e-75, 1e75, 1e100, 1e120, 1e150]
DEPTHS = [2, 3, 4, 5]


def _land(sigma, depth, width=3):
    return ls.Landscape(ls.DataSpectrum.from_singular_values(sigma), (width,) * (depth + 1))


def _rows(catalog, scale):
    return [(p.subset, p.kind.value, p.value / scale ** 2) for p in catalog]


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("scale", SCALES)
def test_catalog_at_extreme_sigma_is_the_unit_catalog(scale, depth):
    """The reported case: sigma = (1e120, 1e119) was refused ("relative gradient norm inf")."""
    base = np.array([1.0, 0.1, 0.01])
    reference = ls.enumerate_critical_points(_land(base, depth))
    scaled = ls.enumerate_critical_points(_land(scale * base, depth))
    for (s, k, v), (s0, k0, v0) in zip(_rows(scaled, scale), _rows(reference, 1.0)):
        assert (s, k) == (s0, k0)
        assert v == pytest.approx(v0, rel=1e-12)
    assert len(scaled) == len(reference)


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("scale", [1e-150, 1e150])
def test_curvature_at_extreme_sigma_is_the_unit_curvature(scale, depth):
    """The Hessian inertia and witness kind are scale-free: at sigma_1 = 1e150 the zero
    threshold's gradient norm overflowed and every eigenvalue counted as zero."""
    base = np.array([1.0, 0.1])
    reference = ls.enumerate_critical_points(_land(base, depth, 2), curvature=True)
    scaled = ls.enumerate_critical_points(_land(scale * base, depth, 2), curvature=True)
    assert [(p.subset, p.kind, p.inertia) for p in scaled] == \
        [(p.subset, p.kind, p.inertia) for p in reference]


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("scale", [1e-150, 1e150])
def test_cli_catalog_accepts_extreme_sigma(scale, depth, capsys):
    from landscape.cli import main

    sigma = f"{scale:g},{scale / 10:g}"
    assert main(["catalog", "--sigma", sigma, "--widths", ",".join(["2"] * (depth + 1))]) == 0
    assert "global_minimum" in capsys.readouterr().out


@settings(max_examples=40, deadline=None)
@given(exponent=st.floats(-150, 150), depth=st.integers(1, 5), seed=st.integers(0, 2 ** 32 - 1))
def test_relative_gradient_norm_is_invariant_under_rescaling(exponent, depth, seed):
    """``relative_gradient_norm(s sigma, s^{1/h} W) = relative_gradient_norm(sigma, W)``."""
    scale = 10.0 ** exponent
    base = np.array([1.0, 0.5])
    land = _land(base, depth, 2)
    weights = land.random_weights(seed=seed)
    expected = ls.relative_gradient_norm(land, weights)
    scaled = _land(scale * base, depth, 2)
    got = ls.relative_gradient_norm(scaled, [w * scale ** (1.0 / depth) for w in weights])
    assert got == pytest.approx(expected, rel=1e-9)
