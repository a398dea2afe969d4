"""The records of the quotient: a critical class with its representative, and fiber coordinates.

The loss factors through the end-to-end map, ``L = l o pi`` with ``pi(A) = A^h`` and ``l``
strictly convex, so every critical point has map ``Sigma_S`` (reduced coordinates) for a set
``S`` of nonzero data modes with ``|S| <= r`` and value ``L_S = L0 + 1/2 sum_{i not in S}
sigma_i^2`` (docs/theory.md §2-§3; Wendin & Altafini, SIAM Review 2025; Baldi & Hornik 1989;
Kawaguchi 2016). A :class:`CriticalPoint` is the record of one class (its key ``S``, value,
kind and canonical representative); :class:`FiberCoordinates` say where a point lies inside
the fiber over its end-to-end map (the conserved ``C_j`` and the ranks of partial products).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from ..problem.criticality import CriticalKind

__all__ = ["CriticalPoint", "FiberCoordinates"]

#: The curvature fields of a class (all computed, by ``curvature=True``, or all ``None``).
CURVATURE_FIELDS = ("inertia", "n_orbit", "centre_dim", "witness_kind")
#: The kinds in the order of a catalog's kind codes (its columns and files).
KINDS = tuple(CriticalKind)


@dataclass(frozen=True, eq=False)
class FiberCoordinates:
    """What distinguishes a critical point inside the fiber over its end-to-end map.

    Attributes
    ----------
    invariants : tuple of ndarray
        The conserved ``C_j = W_{j+1}^T W_{j+1} - W_j W_j^T``, ``j = 1..h-1``, in the
        problem's coordinates (where a flow started from this point would run).
    ranks : ndarray of int, shape (h, h)
        ``ranks[a, b]`` is the rank of the partial product ``W_{b+1} ... W_{a+1}`` for
        ``a <= b`` (0-based layers), ``-1`` below the diagonal.
    gradient_norm : float
        The point's :func:`~landscape.problem.criticality.relative_gradient_norm`.
    """

    invariants: tuple[np.ndarray, ...] = field(repr=False)
    ranks: np.ndarray = field(repr=False)
    gradient_norm: float

    def partial_rank(self, i: int, j: int) -> int:
        """Rank of ``W_j ... W_i`` for 1-based layers ``1 <= i <= j <= h``."""
        h = self.ranks.shape[0]
        if not (1 <= i <= j <= h):
            raise ValueError(f"layers (i, j) must satisfy 1 <= i <= j <= h = {h}, got ({i}, {j})")
        return int(self.ranks[i - 1, j - 1])

    @property
    def layer_ranks(self) -> tuple[int, ...]:
        """Ranks of ``W_1, ..., W_h``."""
        return tuple(int(r) for r in np.diag(self.ranks))

    @property
    def invariant_norms(self) -> tuple[float, ...]:
        """Frobenius norms of ``C_1..C_{h-1}`` (all zero for a 0-balanced point)."""
        return tuple(float(np.linalg.norm(c)) for c in self.invariants)

    def __repr__(self) -> str:
        norms = ", ".join(f"{x:.3g}" for x in self.invariant_norms)
        rows = "; ".join(" ".join(str(int(r)) for r in row[a:]) for a, row in enumerate(self.ranks))
        return (f"FiberCoordinates(layer_ranks={self.layer_ranks}, partial_ranks=[{rows}], "
                f"invariant_norms=({norms}), gradient_norm={self.gradient_norm:.3g})")


class _Representative:
    """The ``weights`` field of :class:`CriticalPoint`: given as a list of arrays, or as a
    zero-argument callable that builds it on first access (once; the list is then kept).

    A data descriptor, so the frozen dataclass's ``__init__`` hands it the value; reading the
    class attribute raises ``AttributeError``, so the field keeps no default.
    """

    #: Where a record keeps the list or its builder.
    slot = "_weights"

    def __get__(self, point, owner=None):
        if point is None:
            raise AttributeError("weights")
        weights = point.__dict__[self.slot]
        if callable(weights):
            weights = weights()
            point.__dict__[self.slot] = weights
        return weights

    def __set__(self, point, weights):
        point.__dict__[self.slot] = weights


@dataclass(frozen=True, eq=False)
class CriticalPoint:
    """One class of critical points: its key, value, kind and canonical representative.

    The *record* of a class; its bare key-and-value pair is
    :class:`~landscape.critical.enumeration.CriticalClass` (what
    :func:`~landscape.critical.enumeration.iter_classes` yields).

    Attributes
    ----------
    subset : tuple of int
        Learnt 0-based mode indices, ascending; within a tie group the lowest indices.
    value : float
        ``L_S = L0 + 1/2 sum_{i not in S} sigma_i^2``.
    kind : CriticalKind
        Second-order type of the canonical representative, computed (never assumed).
    weights : list of ndarray
        The canonical representative ``W_1..W_h`` in the problem's coordinates. The
        constructor takes the list, or a zero-argument callable that builds it: it is called
        on first access and its list kept (a :class:`~landscape.critical.catalog.Catalog`
        builds its points so, and a representative costs nothing until it is asked for).
    tied_groups : tuple of tuple of int
        The problem's tie groups of two or more modes (equal positive singular values): the
        groups of :func:`~landscape.problem.ties.tie_groups` less the singletons. (The
        attribute was ``tie_groups`` before; that name means *every* group, singletons
        included, everywhere else -- :class:`~landscape.problem.learnt.LearntModes`,
        :class:`~landscape.problem.nearby.Location` -- and is kept here one release as a
        deprecated alias.)
    tie_counts : tuple of int
        How many modes of each of those groups this class learns.
    grassmannian_dim : int
        ``sum_g k_g (|g| - k_g)``: dimension of the family of end-to-end maps of the class.
    inertia, n_orbit, centre_dim, witness_kind
        Hessian inertia ``(n_-, n_0, n_+)``, symmetry-orbit dimension, centre dimension and
        witness-test kind of the representative, ``None`` where not computed.
    fiber : FiberCoordinates or None
        For a record returned by :func:`~landscape.critical.quotient.canonicalize`: the
        coordinates of the point that was canonicalised inside the fiber.
    """

    subset: tuple[int, ...]
    value: float
    kind: CriticalKind
    weights: list = _Representative()
    tied_groups: tuple[tuple[int, ...], ...] = ()
    tie_counts: tuple[int, ...] = ()
    grassmannian_dim: int = 0
    inertia: tuple[int, int, int] | None = None
    n_orbit: int | None = None
    centre_dim: int | None = None
    witness_kind: CriticalKind | None = None
    fiber: FiberCoordinates | None = field(default=None, repr=False)

    @classmethod
    def _of_fields(cls, fields: dict) -> "CriticalPoint":
        """The record ``CriticalPoint(**fields)``, ``fields`` naming every field, made without
        the constructor's one ``object.__setattr__`` per field (the record has no
        ``__post_init__``): what a catalog builds per row as it is iterated. ``fields`` becomes
        the record's namespace."""
        fields[_Representative.slot] = fields.pop("weights")
        point = object.__new__(cls)
        object.__setattr__(point, "__dict__", fields)
        return point

    @property
    def tie_groups(self) -> tuple[tuple[int, ...], ...]:
        """Deprecated alias of :attr:`tied_groups` (groups of two or more modes only)."""
        warnings.warn("CriticalPoint.tie_groups is deprecated: use tied_groups (the tie groups "
                      "of two or more modes; tie_groups elsewhere means every group)",
                      DeprecationWarning, stacklevel=2)
        return self.tied_groups

    @property
    def rank(self) -> int:
        """``rho = |S|``: the rank of the end-to-end map."""
        return len(self.subset)

    def __repr__(self) -> str:
        extra = "".join(f", {name}={str(getattr(self, name))!r}" if name == "witness_kind"
                        else f", {name}={getattr(self, name)!r}"
                        for name in CURVATURE_FIELDS
                        if getattr(self, name) is not None)
        ties = f", tie_counts={self.tie_counts}, grassmannian_dim={self.grassmannian_dim}" \
            if self.tied_groups else ""
        fiber = f", fiber={self.fiber!r}" if self.fiber is not None else ""
        return (f"CriticalPoint(subset={self.subset}, value={self.value:.10g}, "
                f"kind={self.kind.value!r}{ties}{extra}{fiber})")
