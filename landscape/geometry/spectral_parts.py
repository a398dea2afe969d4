"""The Hessian spectrum at a critical point, split into its parts (docs/theory.md §4).

At a critical point the Hessian eigenvalues fall into four parts: the negative ones (the
Morse index, order-2 escapes), the kernel, and the positive ones; the kernel holds the
tangent of the hidden-layer symmetry orbit (:mod:`landscape.geometry.orbit`), of dimension
``n_orbit``, and the centre beyond it, of dimension ``n_zero - n_orbit`` (the Morse-Bott
defect where the critical set is no larger than the orbit; Achour, Malgouyres &
Gerchinovitz, JMLR 2024). :func:`hessian_spectrum` does the split; drawing it is
:func:`landscape.plot_hessian_spectrum`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._base.validation import as_vector, check_int, check_nonnegative

__all__ = ["HessianSpectrum", "hessian_spectrum"]


@dataclass(frozen=True, eq=False)
class HessianSpectrum:
    """The Hessian spectrum at a critical point, split into its parts (docs/theory.md §4).

    ``eigenvalues`` (ascending, length ``P``) holds the negative part, then the kernel
    (``|lambda| <= zero_threshold``), then the positive part. The kernel splits by dimension
    into the tangent of the symmetry orbit (its first ``n_orbit`` entries) and the centre
    beyond it (the other ``centre_dim``); it is one degenerate eigenspace, so the split is a
    count, not an assignment of eigenvectors.

    Attributes
    ----------
    eigenvalues : ndarray (P,)
        Ascending; kernel eigenvalues a matrix-free solver did not compute are ``0.0``.
    n_negative, n_zero, n_positive, n_orbit : int
    zero_threshold : float
    complete : bool
        Whether every eigenvalue was computed (else part of the kernel is filled with 0).
    """

    eigenvalues: np.ndarray = field(repr=False)
    n_negative: int
    n_zero: int
    n_positive: int
    n_orbit: int
    zero_threshold: float
    complete: bool

    @property
    def centre_dim(self) -> int:
        """``n_zero - n_orbit``."""
        return self.n_zero - self.n_orbit

    @property
    def negative(self) -> np.ndarray:
        return self.eigenvalues[:self.n_negative]

    @property
    def orbit(self) -> np.ndarray:
        return self.eigenvalues[self.n_negative:self.n_negative + self.n_orbit]

    @property
    def centre(self) -> np.ndarray:
        return self.eigenvalues[self.n_negative + self.n_orbit:self.n_negative + self.n_zero]

    @property
    def positive(self) -> np.ndarray:
        return self.eigenvalues[self.n_negative + self.n_zero:]

    def __repr__(self) -> str:
        return (f"HessianSpectrum(n_negative={self.n_negative}, n_orbit={self.n_orbit}, "
                f"centre_dim={self.centre_dim}, n_positive={self.n_positive}, "
                f"zero_threshold={self.zero_threshold:.3g}, complete={self.complete})")


def hessian_spectrum(eigenvalues, *, zero_threshold: float, n_orbit: int = 0,
                     n_params: int | None = None) -> HessianSpectrum:
    """Split Hessian eigenvalues into negative, orbit, centre and positive parts.

    Parameters
    ----------
    eigenvalues : array_like, 1-D
        Computed eigenvalues: all of them, or (matrix-free) every one beyond
        ``zero_threshold`` and some of the kernel.
    zero_threshold : float
        ``|lambda| <= zero_threshold`` counts as zero.
    n_orbit : int
        Dimension of the symmetry-orbit tangent, at most the kernel dimension.
    n_params : int, optional
        ``P``; kernel eigenvalues missing from ``eigenvalues`` are filled with 0.

    Examples
    --------
    >>> s = hessian_spectrum([2.0, 0.0, -1.0, 1e-12], zero_threshold=1e-9, n_orbit=1, n_params=5)
    >>> s.n_negative, s.n_orbit, s.centre_dim, s.n_positive, s.complete
    (1, 1, 2, 1, False)
    >>> s.eigenvalues.tolist()
    [-1.0, 0.0, 0.0, 1e-12, 2.0]
    """
    values = np.sort(as_vector(eigenvalues, "eigenvalues"))
    zero_threshold = check_nonnegative(zero_threshold, "zero_threshold")
    n_orbit = check_int(n_orbit, "n_orbit", minimum=0)
    size = values.size if n_params is None else check_int(n_params, "n_params", minimum=1)
    if size < values.size:
        raise ValueError(f"n_params must be at least the number of eigenvalues "
                         f"{values.size}, got {size}")
    negative = values[values < -zero_threshold]
    positive = values[values > zero_threshold]
    zero = values[np.abs(values) <= zero_threshold]
    n_zero = size - negative.size - positive.size
    if n_orbit > n_zero:
        raise ValueError(f"n_orbit must be at most the kernel dimension {n_zero}, got {n_orbit}")
    kernel = np.sort(np.concatenate([zero, np.zeros(n_zero - zero.size)]))
    return HessianSpectrum(eigenvalues=np.concatenate([negative, kernel, positive]),
                           n_negative=int(negative.size), n_zero=int(n_zero),
                           n_positive=int(positive.size), n_orbit=n_orbit,
                           zero_threshold=zero_threshold, complete=size == values.size)
