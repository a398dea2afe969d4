"""The loss on the manifold ``M_k`` of rank-``k`` maps: its minimum and which classes reach it.

The end-to-end flow from 0-balanced weights is the Riemannian gradient flow of
``l(P) = L0 + 1/2 ||(P - P*) Sxx^{1/2}||_F^2`` on ``M_k`` (docs/theory.md §7) and converges, for almost
every start, to a global minimiser of ``l`` on ``M_k`` (Bah, Rauhut, Terstiege &
Westdickenberg, Inf. Inference 2021). In reduced coordinates the critical points of ``l`` on
``M_k`` are the ``Sigma_S`` with ``|S| = k``; ``Sigma_S`` is a minimum iff ``S`` is a top-``k``
set of ``sigma`` (ties allowed at the cut, Eckart-Young), a saddle of ``l`` on ``M_k``
otherwise. Non-strict saddles of the network's loss in parameter space occur only in classes
that are minima on their ``M_k`` (Achour, Malgouyres & Gerchinovitz, JMLR 2024).
"""

from __future__ import annotations

from .._base.validation import check_int
from ..problem.network import Landscape, check_landscape
from ..problem.rules import problem_with_tie_tol
from ..problem.ties import is_top

__all__ = ["is_rank_minimum", "rank_minimum_value"]


def rank_minimum_value(land: Landscape, k: int) -> float:
    """``l_k = L0 + 1/2 sum_{i > min(k, m)} sigma_i^2``: the minimum of the loss over rank ``<= k``.

    Eckart-Young in the metric of the data (docs/theory.md §1, §7): attained at ``Sigma`` truncated
    to its top ``min(k, m)`` modes, ``m`` the number of nonzero ``sigma``; for ``k <= m`` it is
    the minimum on ``M_k`` itself.

    Examples
    --------
    >>> from landscape import DataSpectrum, Landscape
    >>> land = Landscape(DataSpectrum.from_singular_values([3.0, 2.0, 1.0]), (3, 3, 3))
    >>> rank_minimum_value(land, 1), rank_minimum_value(land, 5)
    (2.5, 0.0)
    """
    check_landscape(land)
    k = check_int(k, "k", minimum=0)
    return land.critical_value(range(min(k, land.spectrum.rank)))


def is_rank_minimum(land: Landscape, subset, *, tie_tol: float | None = None) -> bool:
    """Whether the class ``S`` is a global minimum of the loss on ``M_k``, ``k = |S|``.

    ``Sigma_S`` (the end-to-end map of every point of the class, in reduced coordinates) is a
    global minimum of ``l`` on ``M_k`` iff no unlearnt nonzero ``sigma_i`` exceeds a learnt one
    up to ``land.tie_tol * sigma_1`` (``S`` is a top-``k`` set, :func:`landscape.problem.ties.is_top`);
    otherwise it is a saddle of ``l`` on ``M_k``: swapping a learnt mode for a larger unlearnt
    one keeps the rank and lowers the loss (docs/theory.md §7; Bah et al., Inf. Inference 2021). Its
    value is then :func:`rank_minimum_value` ``(land, k)``.

    Parameters
    ----------
    land : Landscape
    subset : sequence of int
        0-based indices of nonzero modes (0 the largest ``sigma``).
    tie_tol : float, optional
        Deprecated (one release): set ``Landscape(..., tie_tol=)``; a value other than
        ``land.tie_tol`` warns and is used through a copy of ``land``
        (:func:`~landscape.problem.rules.problem_with_tie_tol`).

    Examples
    --------
    >>> from landscape import DataSpectrum, Landscape
    >>> land = Landscape(DataSpectrum.from_singular_values([3.0, 2.0, 2.0, 1.0]), (4, 4, 4))
    >>> is_rank_minimum(land, (0, 2)), is_rank_minimum(land, (1,)), is_rank_minimum(land, ())
    (True, False, True)
    """
    land = problem_with_tie_tol(check_landscape(land), tie_tol, "is_rank_minimum")
    return is_top(land.spectrum.sigma, subset, tie_tol=land.tie_tol)
