"""Second moments of data, ``Sxx = X^T X / N``, ``Syx = Y^T X / N``, ``Syy = Y^T Y / N``,
computed without over- or underflow, and the bounds on the data's spreads that keep them in
double precision.

Each column is divided by the power of two nearest its largest magnitude before the products
and the moments are scaled back after, so that no sum over samples leaves the range of
double precision on the way to a representable moment; for data of ordinary size the scaling
is exact and the moments are those of the plain products, bit for bit.
"""

from __future__ import annotations

import numpy as np

from .._base.scaling import power_of_two

__all__ = ["MAX_SPREAD", "MIN_SPREAD", "check_spreads", "second_moments"]

#: Largest and smallest root-mean-square deviation of a column of ``X`` or ``Y``: their
#: squares, the variances, stay within the normal range of double precision (about
#: ``2e-308 .. 2e308``) with a factor of 100 to spare.
MAX_SPREAD, MIN_SPREAD = 1e153, 1e-153


def _column_units(matrix: np.ndarray) -> np.ndarray:
    """Per column, the power of two nearest its largest magnitude (1 for a zero column)."""
    return power_of_two(np.max(np.abs(matrix), axis=0))


def check_spreads(matrix: np.ndarray, name: str) -> None:
    """Refuse a column whose root-mean-square deviation from its mean lies outside
    ``[MIN_SPREAD, MAX_SPREAD]`` (constant columns pass): its variance would over- or
    underflow. The check itself works in column units, so it neither overflows nor underflows.

    Examples
    --------
    >>> check_spreads(np.array([[0.0, 1e200], [1.0, -1e200]]), "X")
    Traceback (most recent call last):
    ...
    ValueError: X must have column spreads (root-mean-square deviations) in [1e-153, 1e+153], \
where their squares stay in double precision, got 1e+200 in column 1: rescale X
    """
    if matrix.size == 0:
        return
    units = _column_units(matrix)
    scaled = matrix / units
    deviation = scaled - scaled.mean(axis=0)
    largest = np.max(np.abs(deviation), axis=0)
    inner = np.where(largest > 0, largest, 1.0)
    spread = units * largest * np.sqrt(np.mean((deviation / inner) ** 2, axis=0))
    bad = np.flatnonzero((spread > 0) & ((spread < MIN_SPREAD) | (spread > MAX_SPREAD)))
    if bad.size:
        j = int(bad[0])
        raise ValueError(f"{name} must have column spreads (root-mean-square deviations) in "
                         f"[{MIN_SPREAD:g}, {MAX_SPREAD:g}], where their squares stay in "
                         f"double precision, got {spread[j]:.3g} in column {j}: rescale {name}")


def second_moments(X: np.ndarray, Y: np.ndarray):
    """``(Sxx, Syx, Syy)`` of samples ``X`` (``N x d_x``) and ``Y`` (``N x d_y``), rows as
    samples, each product taken in column units (see the module docstring).

    Examples
    --------
    >>> X = np.array([[1e150, 0.0], [-1e150, 2.0]])
    >>> sxx, syx, syy = second_moments(X, X[:, :1])
    >>> round(float(sxx[0, 0]) / 1e300, 12), float(sxx[1, 1]), round(float(syy[0, 0]) / 1e300, 12)
    (1.0, 2.0, 1.0)
    """
    n = X.shape[0]
    ux, uy = _column_units(X), _column_units(Y)
    xs, ys = X / ux, Y / uy
    return ((xs.T @ xs / n) * ux[:, None] * ux[None, :],
            (ys.T @ xs / n) * uy[:, None] * ux[None, :],
            (ys.T @ ys / n) * uy[:, None] * uy[None, :])
