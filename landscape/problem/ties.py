"""Which singular values count as zero and which are tied: the one rule of the library.

Real data give exact zeros and exact ties only up to rounding: centred one-hot targets of
``c`` classes have rank ``c - 1`` and their last singular value comes out near ``1e-16``.
One rule decides, for every module (the spectrum's rank ``m``, ``r* = min(r, m)``, the
enumeration, the global-minimum value, the kinds and the graph), relative to ``sigma_1``
with the one tolerance ``tie_tol`` (docs/theory.md §2):

- ``sigma_i <= tie_tol * sigma_1`` is zero: never learnt, no class of its own;
- ``sigma_g - sigma_i <= tie_tol * sigma_1`` puts ``i`` in the tie group opened by ``g``.

``tie_tol`` must lie in ``[0, 1)``: at ``1`` or above ``sigma_1`` itself would count as zero,
and with it every mode, whatever the data (:func:`check_tie_tol`). An all-zero ``sigma`` has no
nonzero mode at all: no tie group, ``m = 0``, one class (the empty set).

Class keys are subsets ``S`` of the nonzero modes, canonical within each tie group (the
lowest indices, as many as ``S`` has there).
"""

from __future__ import annotations

import numpy as np

from .._base.validation import as_vector, check_int, check_nonnegative

__all__ = [
    "TIE_TOL",
    "canonical_subset",
    "check_sigma",
    "check_subset",
    "check_tie_tol",
    "grassmannian_dimension",
    "is_top",
    "numerical_rank",
    "subset_of_counts",
    "tie_counts",
    "tie_groups",
    "top_of_counts",
]

#: Default relative tolerance (times ``sigma_1``) for tied and zero singular values.
TIE_TOL = 1e-8


def check_sigma(sigma) -> np.ndarray:
    """Validate singular values: a 1-D array, ``>= 0``, in descending order."""
    sigma = as_vector(sigma, "sigma")
    if np.any(sigma < 0):
        raise ValueError(f"sigma must be >= 0, got {sigma.tolist()}")
    if np.any(np.diff(sigma) > 0):
        raise ValueError(f"sigma must be sorted in descending order, got {sigma.tolist()}")
    return sigma


def check_tie_tol(tie_tol) -> float:
    """Return ``tie_tol`` as a float if it lies in ``[0, 1)``.

    ``tie_tol`` is a fraction of ``sigma_1``: values ``sigma_i <= tie_tol * sigma_1`` count as
    zero, so from ``1`` on ``sigma_1`` itself, and every other mode, would count as zero.

    Examples
    --------
    >>> check_tie_tol(1e-8)
    1e-08
    >>> check_tie_tol(2.0)
    Traceback (most recent call last):
    ...
    ValueError: tie_tol must lie in [0, 1) (a fraction of sigma_1; from 1 on every singular value, sigma_1 included, would count as zero), got 2.0
    """
    tie_tol = check_nonnegative(tie_tol, "tie_tol")
    if tie_tol >= 1:
        raise ValueError("tie_tol must lie in [0, 1) (a fraction of sigma_1; from 1 on every "
                         "singular value, sigma_1 included, would count as zero), "
                         f"got {tie_tol}")
    return tie_tol


def numerical_rank(sigma, *, tie_tol: float = TIE_TOL) -> int:
    """The number ``m`` of singular values above ``tie_tol * sigma_1`` (the nonzero modes).

    Examples
    --------
    >>> numerical_rank([0.5465, 0.5096, 3.2e-16])  # centred one-hot targets of 3 classes
    2
    """
    return sum(len(g) for g in tie_groups(sigma, tie_tol=tie_tol))


def tie_groups(sigma, *, tie_tol: float = TIE_TOL) -> tuple[tuple[int, ...], ...]:
    """Group the indices of the nonzero singular values into blocks of equal values.

    Index ``i`` joins the group opened by the first index ``g`` of its block when
    ``sigma_g - sigma_i <= tie_tol * sigma_1``; values ``sigma_i <= tie_tol * sigma_1`` count
    as zero and belong to no group. Singletons are groups too.

    Parameters
    ----------
    sigma : array_like
        Singular values in descending order, ``>= 0``.
    tie_tol : float
        Relative tolerance (times ``sigma_1``) for equal and zero values, in ``[0, 1)``.

    Returns
    -------
    tuple of tuple of int
        Groups of 0-based indices, in order of decreasing value.

    Examples
    --------
    >>> tie_groups([3.0, 2.0, 2.0, 1.0, 0.0])
    ((0,), (1, 2), (3,))
    """
    sigma = check_sigma(sigma)
    threshold = check_tie_tol(tie_tol) * float(sigma[0]) if sigma.size else 0.0
    groups: list[list[int]] = []
    for i, s in enumerate(sigma.tolist()):
        if s <= threshold:
            break
        if groups and sigma[groups[-1][0]] - s <= threshold:
            groups[-1].append(i)
        else:
            groups.append([i])
    return tuple(tuple(g) for g in groups)


def tie_counts(subset, groups) -> tuple[int, ...]:
    """How many modes of ``subset`` lie in each tie group."""
    members = set(subset)
    return tuple(sum(i in members for i in g) for g in groups)


def grassmannian_dimension(groups, counts) -> int:
    """``sum_g k_g (|g| - k_g)`` over the tie groups ``groups`` with learnt counts ``counts``:
    the dimension of the family of end-to-end maps of a class (only tied groups contribute)."""
    return sum(k * (len(g) - k) for g, k in zip(groups, counts))


def canonical_subset(subset, groups) -> tuple[int, ...]:
    """The class key of ``subset``: the lowest indices within each tie group, as many as it has.

    Examples
    --------
    >>> canonical_subset((0, 2), ((0,), (1, 2)))
    (0, 1)
    """
    return subset_of_counts(groups, tie_counts(subset, groups))


def subset_of_counts(groups, counts) -> tuple[int, ...]:
    """The class key with ``counts[g]`` learnt modes in tie group ``g``: its lowest indices.

    Examples
    --------
    >>> subset_of_counts(((0,), (1, 2)), (1, 1))
    (0, 1)
    """
    return tuple(i for g, k in zip(groups, counts) for i in g[:k])


def top_of_counts(counts) -> bool:
    """Top: every tie group before the last one with a learnt mode is fully learnt.

    ``counts`` holds ``(learnt, size)`` per tie group.
    """
    learnt = [g for g, (k, _) in enumerate(counts) if k > 0]
    return all(k == size for k, size in counts[:learnt[-1]]) if learnt else True


def check_subset(subset, n_modes: int, name: str = "subset") -> tuple[int, ...]:
    """Validate a set of 0-based mode indices and return it as an ascending tuple.

    ``n_modes`` is the number of nonzero singular values: indices must lie in
    ``[0, n_modes)`` (zero singular values are never learnt) and be distinct.

    Examples
    --------
    >>> check_subset([2, 0], 3)
    (0, 2)
    >>> check_subset([0, 3], 3)
    Traceback (most recent call last):
    ...
    ValueError: subset must hold indices of nonzero singular values, i.e. < 3, got 3
    """
    if isinstance(subset, (str, bytes)) or not hasattr(subset, "__iter__"):
        raise TypeError(f"{name} must be a sequence of mode indices, got {subset!r}")
    items = tuple(check_int(i, f"{name}[{k}]", minimum=0) for k, i in enumerate(subset))
    out = tuple(sorted(items))
    if len(set(out)) != len(out):
        raise ValueError(f"{name} must hold distinct mode indices, got {items}")
    if out and out[-1] >= n_modes:
        raise ValueError(f"{name} must hold indices of nonzero singular values, i.e. < "
                         f"{n_modes}, got {out[-1]}")
    return out


def is_top(sigma, subset, *, tie_tol: float = TIE_TOL) -> bool:
    """Whether no unlearnt nonzero ``sigma_i`` exceeds a learnt one (ties allowed at the cut).

    ``S`` is top when every tie group (:func:`tie_groups`) before the last group holding a
    learnt mode is fully learnt, i.e. ``sigma_k >= sigma_i`` for learnt ``k`` and unlearnt
    nonzero ``sigma_i`` up to ties (docs/theory.md §4.1). The empty set is top.

    Examples
    --------
    >>> is_top([3.0, 2.0, 1.0], (0, 1)), is_top([3.0, 2.0, 1.0], (0, 2))
    (True, False)
    >>> is_top([2.0, 2.0, 1.0], (1,))
    True
    """
    groups = tie_groups(sigma, tie_tol=tie_tol)
    counts = tie_counts(check_subset(subset, sum(len(g) for g in groups)), groups)
    return top_of_counts([(k, len(g)) for k, g in zip(counts, groups)])
