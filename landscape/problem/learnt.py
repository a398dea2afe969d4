"""Which data modes a point has learnt, read off its end-to-end map.

At a critical point the end-to-end map in the data's singular basis (reduced coordinates,
docs/theory.md §1) is ``Sigma_S = sum_{i in S} sigma_i u_i v_i^T`` for a set ``S`` of nonzero modes with
``|S| <= r`` -- up to a rotation inside each block of tied singular values, where the learnt
part is ``sigma_g`` times an orthogonal projector of some rank ``k`` (Baldi & Hornik 1989;
Wendin & Altafini, SIAM Review 2025, §4). Near a critical point the same reading gives the
class the point is near (docs/theory.md §3).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .network import Landscape, check_landscape
from .ties import TIE_TOL, grassmannian_dimension, subset_of_counts, tie_groups, top_of_counts

__all__ = ["LearntModes", "learnt_modes"]


@dataclass(frozen=True)
class LearntModes:
    """The modes a point has learnt, read off its end-to-end map.

    Attributes
    ----------
    subset : tuple of int
        Learnt 0-based mode indices, canonical: within each tie group the lowest indices.
    rank : int
        ``rho = |S|``, the number of learnt modes.
    tie_groups : tuple of tuple of int
        All groups of equal positive singular values (singletons included).
    counts : tuple of int
        Number of learnt modes in each group of ``tie_groups``.
    top : bool
        No unlearnt positive ``sigma`` larger than a learnt one (ties allowed at the cut).
    max_rank : int
        ``r* = min(r, m)`` with ``m`` the number of groups' indices (positive ``sigma``).
    """

    subset: tuple[int, ...]
    rank: int
    tie_groups: tuple[tuple[int, ...], ...]
    counts: tuple[int, ...]
    top: bool
    max_rank: int

    @property
    def grassmannian_dim(self) -> int:
        """``sum_g k_g (|g| - k_g)``: dimension of the family of end-to-end maps of this class."""
        return grassmannian_dimension(self.tie_groups, self.counts)


def tie_blocks(reduced_map: np.ndarray, groups) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each tie group ``g``: the diagonal block of the reduced end-to-end map on ``g`` and
    its singular values (the absolute value for a single mode). A mode of ``g`` counts as
    learnt where a singular value exceeds ``sigma_g / 2`` (docs/theory.md §3)."""
    out = []
    for g in groups:
        block = reduced_map[g[0]:g[-1] + 1, g[0]:g[-1] + 1]
        values = np.abs(block[0]) if len(g) == 1 else np.linalg.svd(block, compute_uv=False)
        out.append((block, values))
    return out


def learnt_modes(land: Landscape, weights, *, tie_tol: float = TIE_TOL) -> LearntModes:
    """Read the learnt set ``S`` off the end-to-end map in the data's singular basis.

    With ``M = U^T W_{1:h} Sxx^{1/2} V`` (the reduced map, :meth:`~.spectrum.DataSpectrum.reduced_map`),
    a critical point has ``M = Sigma_S`` up to a rotation inside each tie block, where the
    diagonal block of a group ``g`` is ``sigma_g`` times a rank-``k_g`` orthogonal projector.
    The count ``k_g`` is the number of singular values of that block above ``sigma_g / 2``
    (exact at a critical point, and the nearest class near one). The canonical ``S`` takes
    the lowest ``k_g`` indices of each group.

    Parameters
    ----------
    land : Landscape
    weights : sequence of ndarray
        ``W_1..W_h`` in the problem's coordinates; meaningful at (or near) a critical point.
    tie_tol : float
        Relative tolerance for tied and zero singular values (see :func:`tie_groups`).

    Examples
    --------
    >>> import numpy as np
    >>> from landscape import DataSpectrum
    >>> land = Landscape(DataSpectrum.from_singular_values([4.0, 1.0]), widths=(2, 2, 2))
    >>> w = [np.diag([0.0, 1.0]), np.diag([0.0, 1.0])]
    >>> modes = learnt_modes(land, w)
    >>> modes.subset, modes.top
    ((1,), False)
    """
    check_landscape(land)
    spec = land.spectrum
    groups = tie_groups(spec.sigma, tie_tol=tie_tol)
    reduced = spec.reduced_map(land.end_to_end(weights))
    counts = [int(np.count_nonzero(values > 0.5 * spec.sigma[g[0]]))
              for g, (_, values) in zip(groups, tie_blocks(reduced, groups))]
    subset = subset_of_counts(groups, counts)
    n_modes = sum(len(g) for g in groups)
    return LearntModes(subset=subset, rank=len(subset), tie_groups=groups, counts=tuple(counts),
                       top=top_of_counts([(k, len(g)) for k, g in zip(counts, groups)]),
                       max_rank=min(land.bottleneck, n_modes))
