"""Drawing Hessian spectra: every part of the spectrum drawn once, in order, with its count."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from landscape import classify, hessian_spectrum
from landscape import DataSpectrum
from landscape import Landscape
from landscape.plot.geometry import plot_hessian_spectrum
from landscape import canonical_representative


def drawn(ax):
    """Label -> (x, y) of every scatter collection on ``ax``."""
    out = {}
    for collection in ax.collections:
        offsets = np.asarray(collection.get_offsets())
        out[collection.get_label()] = (offsets[:, 0], offsets[:, 1])
    return out


def test_a_classification_is_drawn_part_by_part():
    # h = 3, S = {1} of sigma = (3, 2, 1): mis-ordered, one negative eigenvalue
    # sigma_2^{1/3} (sigma_2 - sigma_1) (THEORY §4), an orbit and a centre
    land = Landscape(DataSpectrum.from_singular_values([3.0, 2.0, 1.0]), (3, 3, 3, 3))
    c = classify(land, canonical_representative(land, (1,)))
    fig, ax = plt.subplots()
    assert plot_hessian_spectrum(c, ax=ax) is ax
    parts = drawn(ax)
    assert set(parts) == {f"negative ({c.n_negative})", f"kernel: orbit tangent ({c.n_orbit})",
                          f"kernel: centre ({c.centre_dim})", f"positive ({c.n_positive})"}
    x_neg, y_neg = parts[f"negative ({c.n_negative})"]
    assert y_neg.min() == pytest.approx(2.0 ** (1 / 3) * (2.0 - 3.0), rel=1e-10)
    # x runs 1..P over the parts in ascending order of eigenvalue
    xs = np.concatenate([parts[k][0] for k in sorted(parts, key=lambda k: parts[k][0][0])])
    np.testing.assert_array_equal(xs, np.arange(1, land.n_params + 1))
    ys = np.concatenate([parts[k][1] for k in sorted(parts, key=lambda k: parts[k][0][0])])
    assert np.all(np.diff(ys) >= 0)
    assert ax.get_yscale() == "symlog"
    plt.close(fig)


def test_plain_eigenvalues_and_a_spectrum_draw_the_same():
    values = [4.0, -1.0, 0.0, 1e-14, 2.0, 0.0]
    fig, (a, b) = plt.subplots(1, 2)
    plot_hessian_spectrum(values, zero_threshold=1e-9, n_orbit=2, ax=a, yscale="linear")
    plot_hessian_spectrum(hessian_spectrum(values, zero_threshold=1e-9, n_orbit=2), ax=b)
    pa, pb = drawn(a), drawn(b)
    assert set(pa) == set(pb) == {"negative (1)", "kernel: orbit tangent (2)",
                                  "kernel: centre (1)", "positive (2)"}
    for label in pa:
        np.testing.assert_array_equal(pa[label][1], pb[label][1])
    assert a.get_yscale() == "linear"
    plt.close(fig)
    ax = plot_hessian_spectrum([0.0, 0.0], zero_threshold=0.1)   # all kernel: a new figure
    assert set(drawn(ax)) == {"kernel: centre (2)"}
    plt.close(ax.figure)


def test_bad_input():
    with pytest.raises(ValueError, match="zero_threshold must be given"):
        plot_hessian_spectrum([1.0, 0.0])
    with pytest.raises(ValueError, match="yscale must be one of"):
        plot_hessian_spectrum([1.0], zero_threshold=0.1, yscale="log")
    with pytest.raises(TypeError, match="eigenvalues must be a 1-D array"):
        plot_hessian_spectrum("spectrum", zero_threshold=0.1)
    with pytest.raises(ValueError, match="n_orbit must be at most"):
        plot_hessian_spectrum([1.0, 0.0], zero_threshold=0.1, n_orbit=3)
    plt.close("all")
