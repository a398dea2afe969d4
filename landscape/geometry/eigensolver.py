"""Eigenvalues of a symmetric operator on its range, from matrix-vector products alone.

Randomized range finder and Rayleigh-Ritz (Halko, Martinsson & Tropp, SIAM Review 2011):
``B = orth(H Omega)`` for a Gaussian block ``Omega`` holds the whole range of ``H`` once the
block is wider than ``rank H``, and the eigenvalues of ``B^T H B`` are then the nonzero
eigenvalues of ``H``. Fresh Gaussian probes ``w_i`` bound what is left,

    ||(I - B B^T) H|| <= e = 10 sqrt(2/pi) max_i ||(I - B B^T) H w_i||

with probability ``1 - 10^-PROBES`` (ibid. §4.3); writing ``H`` in the basis
``(B, B_perp)``, Weyl's inequality puts every eigenvalue of ``H`` within ``2 e`` of the Ritz
values completed by zeros. Used on exact Hessian-vector products
(:meth:`landscape.Landscape.unchecked_hvp`, :func:`hvp_block`) for the matrix-free inertia.
"""

from __future__ import annotations

import numpy as np

from .._base.validation import check_seed
from ..problem.network import Landscape

__all__: list[str] = []

#: Width of the first random block of the matrix-free inertia (doubled until it suffices).
FIRST_BLOCK = 16
#: Gaussian probes of the matrix-free error bound (it fails with probability ``10^-PROBES``).
PROBES = 10


def hvp_block(land: Landscape, weights):
    """``V -> H V`` column by column (exact Hessian-vector products at validated ``weights``).

    Examples
    --------
    >>> from landscape.problem import DataSpectrum
    >>> land = Landscape(DataSpectrum.from_singular_values([1.0]), widths=(1, 1))
    >>> hvp_block(land, [np.zeros((1, 1))])(np.array([[2.0]])).tolist()
    [[2.0]]
    """
    def apply(block: np.ndarray) -> np.ndarray:
        return np.column_stack([np.concatenate([o.ravel() for o in land.unchecked_hvp(
            weights, land.split_flat(block[:, k]))]) for k in range(block.shape[1])])

    return apply


def range_eigenvalues(apply, size: int, threshold: float, *, seed,
                      max_eigenpairs: int) -> tuple[np.ndarray, float]:
    """Eigenvalues of a symmetric operator on its range, with a certified error bound.

    The block starts ``FIRST_BLOCK`` wide and doubles (reusing the probes' images) until the
    bound ``2 e`` (module notes) is below ``threshold / 10``.

    Parameters
    ----------
    apply : callable
        ``V (size, k) -> H V``, ``H`` symmetric.
    size : int
        Dimension of the space.
    threshold : float
        Eigenvalues with ``|lambda| <= threshold`` count as zero for the caller.
    seed : int, numpy Generator or None
        Randomness of the Gaussian blocks (:func:`check_seed`).
    max_eigenpairs : int
        Widest block allowed.

    Returns
    -------
    values : ndarray
        Ascending Ritz values: every eigenvalue of ``H`` beyond the bound and some near zero.
    bound : float
        ``2 e``: every eigenvalue of ``H`` lies within it of ``values`` completed by zeros (0
        when the basis spans the whole space).

    Raises
    ------
    RuntimeError
        When the block would grow beyond ``max_eigenpairs``.

    Examples
    --------
    >>> h = np.diag([3.0, -2.0] + [0.0] * 38)
    >>> values, bound = range_eigenvalues(lambda v: h @ v, 40, 1e-8, seed=0, max_eigenpairs=64)
    >>> [round(float(x), 10) for x in values[np.abs(values) > 1e-8]], bool(bound < 1e-9)
    ([-2.0, 3.0], True)
    """
    rng = check_seed(seed)
    block = min(FIRST_BLOCK, size)
    sample = apply(rng.standard_normal((size, block)))
    while True:
        basis = np.linalg.qr(sample)[0]
        image = apply(basis)
        small = basis.T @ image
        values = np.linalg.eigvalsh(0.5 * (small + small.T))
        if basis.shape[1] >= size:      # the basis spans the whole space: nothing is left
            return values, 0.0
        probes = apply(rng.standard_normal((size, PROBES)))
        left = probes - basis @ (basis.T @ probes)
        bound = 2.0 * 10.0 * np.sqrt(2.0 / np.pi) * float(np.max(np.linalg.norm(left, axis=0)))
        if bound <= 0.1 * threshold:
            return values, bound
        if block >= max_eigenpairs:
            raise RuntimeError(
                f"the matrix-free inertia needs a subspace wider than max_eigenpairs = "
                f"{max_eigenpairs} (eigenvalue bound {bound:.3g} > threshold / 10 = "
                f"{0.1 * threshold:.3g}): the Hessian has too many nonzero eigenvalues; raise "
                f"max_eigenpairs or use method='dense'")
        wider = min(2 * block, size, max_eigenpairs)
        extra = [probes] if wider - block >= PROBES else []
        fresh = wider - block - sum(p.shape[1] for p in extra)
        if fresh > 0:
            extra.append(apply(rng.standard_normal((size, fresh))))
        sample = np.column_stack([sample, *extra])
        block = sample.shape[1]
