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
from .rules import problem_with_tie_tol
from .ties import grassmannian_dimension, subset_of_counts, top_of_counts

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


def halfway_mark(sigma_g):
    """``sigma_g / 2``: the mark a singular value of a tie group's block must pass to count as
    learnt (:func:`learnt_above`)."""
    return 0.5 * np.asarray(sigma_g, dtype=float)


def learnt_above(values, sigma_g) -> np.ndarray:
    """The learnt rule, elementwise: ``values > sigma_g / 2``.

    A singular value of the diagonal block of the reduced end-to-end map on a tie group of
    value ``sigma_g`` counts as a learnt mode where it exceeds half of ``sigma_g``: at a
    critical point the block is ``sigma_g`` times an orthogonal projector (values ``0`` or
    ``sigma_g``), and near one the nearest class (docs/theory.md §3). The one home of the rule:
    :func:`learnt_modes`, :func:`~landscape.problem.nearby.locate`, the catalog's batches and the
    forecast's readings all count with it. ``values`` and ``sigma_g`` broadcast (``sigma_g =
    inf`` marks a mode outside every group, never learnt).

    >>> learnt_above(np.array([0.1, 1.2, 2.0]), 2.0).tolist()
    [False, True, True]
    """
    return np.asarray(values) > halfway_mark(sigma_g)


def block_values(reduced_map: np.ndarray, group) -> np.ndarray:
    """Singular values of the diagonal block on tie group ``group`` of one reduced end-to-end
    map ``(d_y, d_x)`` or a stack ``(..., d_y, d_x)``: the absolute entry for a single mode."""
    block = reduced_map[..., group[0]:group[-1] + 1, group[0]:group[-1] + 1]
    return np.abs(block[..., 0, :1]) if len(group) == 1 else \
        np.linalg.svd(block, compute_uv=False)


def tie_blocks(reduced_map: np.ndarray, groups) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each tie group ``g``: the diagonal block of the reduced end-to-end map on ``g`` and
    its singular values (:func:`block_values`), read with :func:`learnt_above`."""
    return [(reduced_map[g[0]:g[-1] + 1, g[0]:g[-1] + 1], block_values(reduced_map, g))
            for g in groups]


def learnt_modes(land: Landscape, weights, *, tie_tol: float | None = None) -> LearntModes:
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
    tie_tol : float, optional
        Deprecated (one release): set ``Landscape(..., tie_tol=)``; a value other than
        ``land.tie_tol`` warns and is used through a copy of ``land``
        (:func:`~landscape.problem.rules.problem_with_tie_tol`). The tie groups and
        ``r*`` are ``land``'s (``land.tie_groups``, ``land.max_rank``).

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
    land = problem_with_tie_tol(check_landscape(land), tie_tol, "learnt_modes")
    spec = land.spectrum
    groups = land.tie_groups
    reduced = spec.reduced_map(land.end_to_end(weights))
    counts = [int(np.count_nonzero(learnt_above(values, spec.sigma[g[0]])))
              for g, (_, values) in zip(groups, tie_blocks(reduced, groups))]
    subset = subset_of_counts(groups, counts)
    return LearntModes(subset=subset, rank=len(subset), tie_groups=groups, counts=tuple(counts),
                       top=top_of_counts([(k, len(g)) for k, g in zip(counts, groups)]),
                       max_rank=land.max_rank)
