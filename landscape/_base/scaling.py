"""Exact rescaling: powers of two, by which multiplying and dividing lose nothing (outside
overflow and subnormals), so that a computation can run in units near 1 and be scaled back
bit for bit."""

from __future__ import annotations

import numpy as np

__all__ = ["power_of_two"]


def power_of_two(values):
    """The power of two nearest each of ``values`` on a log scale (1 where a value is 0); a
    float for a scalar.

    Examples
    --------
    >>> power_of_two(3.0), power_of_two(1e-3), power_of_two(np.array([0.0, 5.0])).tolist()
    (4.0, 0.0009765625, [1.0, 4.0])
    """
    magnitude = np.abs(np.asarray(values, dtype=float))
    exponents = np.round(np.log2(np.where(magnitude > 0, magnitude, 1.0))).astype(int)
    out = np.ldexp(1.0, exponents)
    return float(out) if out.ndim == 0 else out
