"""A problem as a plain record, so files written for one problem are refused for another.

A saved graph or checkpoint names its problem by the widths, the singular values, the offset
``L0``, the tie tolerance (which decides the classes) and a SHA-256 of the spectrum's bases
(the singular vectors and the input metric), so two problems with the same ``sigma`` but
other data or another tolerance are told apart.
"""

from __future__ import annotations

import hashlib

import numpy as np

from .network import Landscape

__all__ = ["BASIS_ARRAYS", "basis_arrays", "basis_hash", "problem_record"]

#: The spectrum's arrays that fix the data's coordinates (besides ``sigma``).
BASIS_ARRAYS = ("left", "right", "input_sqrt", "input_inv_sqrt")


def basis_arrays(spectrum) -> dict[str, np.ndarray]:
    """The arrays of :data:`BASIS_ARRAYS` of a :class:`~.spectrum.DataSpectrum`, as contiguous floats."""
    return {name: np.ascontiguousarray(getattr(spectrum, name), dtype=float)
            for name in BASIS_ARRAYS}


def basis_hash(arrays) -> str:
    """SHA-256 of the little-endian bytes of the arrays of :data:`BASIS_ARRAYS`, in order."""
    digest = hashlib.sha256()
    for name in BASIS_ARRAYS:
        digest.update(np.ascontiguousarray(arrays[name], dtype="<f8").tobytes())
    return digest.hexdigest()


def problem_record(land: Landscape) -> dict:
    """The problem of ``land`` as a JSON-ready record (widths, spectrum, tie tolerance, basis
    hash).

    Examples
    --------
    >>> from landscape import DataSpectrum, Landscape
    >>> record = problem_record(Landscape(DataSpectrum.from_singular_values([2.0, 1.0]),
    ...                                   widths=(2, 2, 2)))
    >>> record["widths"], record["sigma"]
    ([2, 2, 2], [2.0, 1.0])
    """
    spec = land.spectrum
    return {"widths": list(land.widths), "sigma": spec.sigma.tolist(), "d_x": spec.d_x,
            "d_y": spec.d_y, "loss_offset": spec.loss_offset, "reduced": spec.reduced,
            "tie_tol": land.tie_tol, "basis_sha256": basis_hash(basis_arrays(spec))}
