"""Input checks at the boundary: what would be silently truncated is refused instead."""

import numpy as np
import pytest

from landscape import DataSpectrum


def test_complex_and_masked_inputs_are_refused_not_truncated():
    """Complex X would lose its imaginary part and a masked array its mask: both refused."""
    rng = np.random.default_rng(11)
    X = rng.standard_normal((30, 3))
    Y = X[:, :2] @ rng.standard_normal((2, 2))
    with pytest.raises(TypeError, match=r"X must be real, got complex values"):
        DataSpectrum.from_data(X + 0.5j, Y)
    with pytest.raises(TypeError, match=r"Y must be real, got complex values"):
        DataSpectrum.from_data(X, Y.astype(complex) * 1j)
    masked = np.ma.masked_array(X, mask=np.abs(X) > 1.5)
    with pytest.raises(ValueError, match=r"X must not have masked entries, got \d+ masked"):
        DataSpectrum.from_data(masked, Y)
    # a masked array without masked entries is plain data
    unmasked = np.ma.masked_array(X, mask=np.zeros_like(X, dtype=bool))
    assert np.array_equal(DataSpectrum.from_data(unmasked, Y).sigma,
                          DataSpectrum.from_data(X, Y).sigma)
