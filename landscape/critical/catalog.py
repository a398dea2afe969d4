"""Catalogs of critical classes: a compact, ordered record of one problem's critical values.

A :class:`Catalog` holds, for one :class:`~landscape.problem.network.Landscape`, one row per
critical class (THEORY §2-§3): the learnt set ``S`` (canonical within ties), the critical
value ``L_S = L0 + 1/2 sum_{i not in S} sigma_i^2``, the second-order kind of the canonical
representative, optional curvature fields and an optional frustration column (THEORY §6).
Rows are stored column-wise (a boolean membership matrix, a value vector, kind codes), so
catalogs of hundreds of thousands of classes stay small;
:class:`~landscape.critical.points.CriticalPoint` records, with their representative's
weights, are built on access. The container computes nothing: the enumeration
(:func:`~landscape.critical.enumeration.enumerate_critical_points`) fills it, and
:mod:`~landscape.critical.catalog_files` writes, reads and validates its files.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from ..problem.criticality import CRITICAL_TOL, CriticalKind
from ..problem.network import Landscape, check_landscape
from ..problem.ties import (TIE_TOL, canonical_subset, check_subset, grassmannian_dimension,
                             tie_counts, tie_groups)
from ..signed import FrustrationResult
from .catalog_files import (KINDS, frustration_record, load_columns,
                            save_catalog)
from .points import CURVATURE_FIELDS, CriticalPoint
from .representatives import canonical_representative

__all__ = ["Catalog"]


class Catalog(Sequence):
    """The critical classes of one landscape, ordered by decreasing value.

    Build one with :func:`~landscape.critical.enumeration.enumerate_critical_points` or
    :meth:`Catalog.load`; ``catalog[i]`` is a :class:`~landscape.critical.points.CriticalPoint`.

    Parameters
    ----------
    land : Landscape
    points : iterable of CriticalPoint
        One record per class (consumed once, in any order; a generator is fine).
    keep_weights : bool
        Keep every representative's weights (as an ``n x P`` array). Otherwise the canonical
        representative is rebuilt on access, which needs no storage.
    tie_tol : float
        The tie tolerance the records were made with.
    frustration : iterable of FrustrationResult or None, optional
        The frustration column: one entry per point, in the order of ``points`` (consumed in
        step with it), ``None`` where not computed. The container only stores it; the
        enumeration computes it (:func:`~landscape.critical.enumeration.
        representative_frustration`). By default the catalog has no frustration column.

    Attributes
    ----------
    land : Landscape
    tie_tol : float
    """

    def __init__(self, land: Landscape, points: Iterable[CriticalPoint], *,
                 keep_weights: bool = False, tie_tol: float = TIE_TOL, frustration=None):
        check_landscape(land)
        if frustration is not None and (isinstance(frustration, (bool, str, bytes))
                                        or not hasattr(frustration, "__iter__")):
            raise TypeError(f"frustration must be None or an iterable of FrustrationResult "
                            f"(one per point), got {frustration!r}")
        self.land = land
        self.tie_tol = float(tie_tol)
        n_sigma = land.spectrum.sigma.size
        masks, values, kinds, weights, extras, frustrations = [], [], [], [], [], []
        for point, result in _paired(points, frustration):
            if not isinstance(point, CriticalPoint):
                raise TypeError(f"points must hold CriticalPoint records, got "
                                f"{type(point).__name__}")
            if result is not None and not isinstance(result, FrustrationResult):
                raise TypeError(f"frustration must hold FrustrationResult records or None, "
                                f"got {type(result).__name__}")
            mask = np.zeros(n_sigma, dtype=bool)
            mask[list(point.subset)] = True
            masks.append(mask)
            values.append(point.value)
            kinds.append(KINDS.index(CriticalKind(point.kind)))
            if keep_weights:
                weights.append(land.flatten(point.weights))
            extra = {name: getattr(point, name) for name in CURVATURE_FIELDS
                     if getattr(point, name) is not None}
            if extra and len(extra) < len(CURVATURE_FIELDS):
                raise ValueError(f"points must carry all of {', '.join(CURVATURE_FIELDS)} or "
                                 f"none (they come from one classification), got "
                                 f"{', '.join(extra)} for {point.subset}")
            extras.append(extra)
            frustrations.append(result)
        order = np.argsort(-np.asarray(values, dtype=float), kind="stable")
        self._init_columns(
            masks=np.array(masks, dtype=bool).reshape(-1, n_sigma)[order],
            values=np.asarray(values, dtype=float)[order],
            kinds=np.asarray(kinds, dtype=np.uint8)[order],
            weights=np.array(weights).reshape(-1, land.n_params)[order] if keep_weights else None,
            extras={int(new): extras[old] for new, old in enumerate(order) if extras[old]},
            frustration={int(new): frustrations[old] for new, old in enumerate(order)}
            if frustration is not None else {})

    def _init_columns(self, *, masks, values, kinds, weights, extras, frustration):
        self._masks = masks
        self._values = values
        self._kinds = kinds
        self._weights = weights
        self._extras = extras
        self._frustration = frustration
        self._groups = tie_groups(self.land.spectrum.sigma, tie_tol=self.tie_tol)
        self._tied = tuple(g for g in self._groups if len(g) > 1)
        self._index: dict[tuple[int, ...], int] | None = None

    # ------------------------------------------------------------------ sequence
    def __len__(self) -> int:
        return int(self._values.size)

    def __getitem__(self, item):
        if isinstance(item, slice):
            return [self[i] for i in range(*item.indices(len(self)))]
        if isinstance(item, bool) or not isinstance(item, (int, np.integer)):
            raise TypeError(f"catalog index must be an integer or a slice, got {item!r}")
        n = len(self)
        if not -n <= item < n:
            raise IndexError(f"catalog index must be in [-{n}, {n}), got {item}")
        return self._point(int(item) % n)

    def _point(self, i: int) -> CriticalPoint:
        subset = self._subset(i)
        if self._weights is None:
            weights = canonical_representative(self.land, subset, tie_tol=self.tie_tol)
        else:
            weights = self.land.unflatten(self._weights[i].copy())
        counts = tie_counts(subset, self._tied)
        return CriticalPoint(subset=subset, value=float(self._values[i]),
                             kind=KINDS[self._kinds[i]], weights=weights,
                             tie_groups=self._tied, tie_counts=counts,
                             grassmannian_dim=grassmannian_dimension(self._tied, counts),
                             **self._extras.get(i, {}))

    def _subset(self, i: int) -> tuple[int, ...]:
        return tuple(int(k) for k in np.flatnonzero(self._masks[i]))

    def __repr__(self) -> str:
        spec = self.land.spectrum
        values = (f", values {self._values[0]:.6g} .. {self._values[-1]:.6g}"
                  if len(self) else "")
        sigma = np.array2string(spec.sigma, precision=4, separator=", ")
        return (f"Catalog(n_classes={len(self)}, widths={self.land.widths}, sigma={sigma}"
                f"{values})")

    # ------------------------------------------------------------------ queries
    @property
    def values(self) -> np.ndarray:
        """Critical values, one per class, in catalog order (decreasing)."""
        return self._values.copy()

    @property
    def subsets(self) -> list[tuple[int, ...]]:
        """Class keys in catalog order."""
        return [self._subset(i) for i in range(len(self))]

    @property
    def kinds(self) -> list[CriticalKind]:
        """Kinds of the representatives in catalog order."""
        return [KINDS[k] for k in self._kinds]

    @property
    def frustration(self) -> list[FrustrationResult | None]:
        """Frustration of each class's representative in catalog order (``None`` where not
        computed; see the ``frustration`` parameter).

        It belongs to the canonical representative, not to the class: switching and
        permuting hidden units keep it, other points of the class may differ.
        """
        return [self._frustration.get(i) for i in range(len(self))]

    def position(self, subset) -> int:
        """Row of the class of ``subset`` (any learnt set of it: ties are canonicalised).

        Raises
        ------
        KeyError
            If no class of the catalog has that learnt set.
        """
        subset = check_subset(subset, sum(len(g) for g in self._groups))
        if self._index is None:
            self._index = {self._subset(i): i for i in range(len(self))}
        key = canonical_subset(subset, self._groups)
        if key not in self._index:
            raise KeyError(f"no class with learnt set {subset} in this catalog")
        return self._index[key]

    def lookup(self, subset) -> CriticalPoint:
        """The record of the class of ``subset`` (see :meth:`position`)."""
        return self._point(self.position(subset))

    def records(self) -> list[dict]:
        """Per-class JSON records (the ``classes`` list of the file format of
        :mod:`~landscape.critical.catalog_files`)."""
        out = []
        for i in range(len(self)):
            subset = self._subset(i)
            counts = tie_counts(subset, self._tied)
            extra = self._extras.get(i, {})
            inertia = extra.get("inertia")
            witness = extra.get("witness_kind")
            record = {
                "subset": list(subset), "value": float(self._values[i]),
                "kind": KINDS[self._kinds[i]].value,
                "tie_groups": [list(g) for g in self._tied], "tie_counts": list(counts),
                "grassmannian_dim": grassmannian_dimension(self._tied, counts),
                "inertia": None if inertia is None else [int(x) for x in inertia],
                "n_orbit": extra.get("n_orbit"), "centre_dim": extra.get("centre_dim"),
                "witness_kind": None if witness is None else CriticalKind(witness).value}
            if self._frustration:
                record["frustration"] = frustration_record(self._frustration.get(i))
            out.append(record)
        return out

    def representatives(self) -> np.ndarray:
        """All representatives, flattened, as an ``n_classes x P`` array."""
        if self._weights is not None:
            return self._weights.copy()
        out = np.zeros((len(self), self.land.n_params))
        for i in range(len(self)):
            out[i] = self.land.flatten(canonical_representative(self.land, self._subset(i),
                                                                tie_tol=self.tie_tol))
        return out

    # ------------------------------------------------------------------ files
    def save(self, path) -> Path:
        """Write ``path`` (``.json``) and its ``.npz`` beside it, replacing the pair as a pair.

        A failure or a kill at any instant leaves the old pair or the new one loadable; the
        next save removes what a killed one left (see
        :func:`~landscape.critical.catalog_files.save_catalog`). Returns the path of the JSON
        file. The format is described in :mod:`~landscape.critical.catalog_files`.

        Raises
        ------
        ValueError
            If ``path`` or its ``.npz`` is a directory (before anything is written).
        """
        return save_catalog(self, path)

    @classmethod
    def load(cls, path, *, land: Landscape | None = None,
             critical_tol: float = CRITICAL_TOL) -> "Catalog":
        """Read a catalog written by :meth:`save`, validating all of it first.

        Parameters
        ----------
        path : str or Path
            The ``.json`` file (its ``.npz`` is found beside it).
        land : Landscape, optional
            The problem the catalog must belong to; by default the problem is rebuilt from
            the file (widths, singular values, data basis).
        critical_tol : float
            Bound on each stored representative's relative gradient norm.

        Raises
        ------
        FileNotFoundError
            If the JSON file does not exist.
        ValueError
            For a missing array file, a truncated or malformed file, a wrong ``format`` or
            ``schema_version`` (exactly the integer), a field of the wrong type (``true`` is
            not ``1``), non-finite numbers, shapes or hashes that do not match, a value that
            is not its class's critical value, a representative that is not critical or not in
            its class, a kind the witness test does not give the representative, curvature
            fields out of range or inconsistent with each other or with the kind, a stored
            frustration its signs do not give, or a catalog of a different problem than
            ``land``. Nothing is built before every check has passed; values are the closed
            form ``L_S`` itself.
        """
        return cls._from_columns(**load_columns(path, land=land, critical_tol=critical_tol))

    @classmethod
    def _from_columns(cls, *, land, tie_tol, **columns) -> "Catalog":
        """A catalog of ``land`` from its columns (checked or computed by the caller): what
        :meth:`load` and the batched enumeration build."""
        catalog = cls.__new__(cls)
        catalog.land = land
        catalog.tie_tol = float(tie_tol)
        catalog._init_columns(**columns)
        return catalog


def _paired(points, column):
    """``(point, frustration)`` pairs, ``column`` consumed in step with ``points``."""
    if column is None:
        for point in points:
            yield point, None
        return
    column = iter(column)
    end = object()
    for k, point in enumerate(points):
        result = next(column, end)
        if result is end:
            raise ValueError(f"frustration must hold one entry per point, got {k} for more "
                             f"points")
        yield point, result
    if next(column, end) is not end:
        raise ValueError("frustration must hold one entry per point, got more entries than "
                         "points")
