"""Catalogs of critical classes: a compact, ordered record of one problem's critical values.

A :class:`Catalog` holds, for one :class:`~landscape.problem.network.Landscape`, one row per
critical class (docs/theory.md §2-§3): the learnt set ``S`` (canonical within ties), the critical
value ``L_S = L0 + 1/2 sum_{i not in S} sigma_i^2``, the second-order kind of the canonical
representative, optional curvature fields and an optional frustration column (docs/theory.md §6).
Rows are stored column-wise (a boolean membership matrix, a value vector, kind codes), so
catalogs of hundreds of thousands of classes stay small;
:class:`~landscape.critical.points.CriticalPoint` records are built on access, the keys, tie
counts and values of a block of rows in one pass over the columns, and each representative's
weights only when asked for (``point.weights``, built once per record). Iterating a catalog
thus costs about what reading its columns costs. The container computes nothing: the
enumeration (:func:`~landscape.critical.enumeration.enumerate_critical_points`) fills it, and
:mod:`~landscape.critical.catalog_files` writes, reads and validates its files.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from functools import partial
from pathlib import Path

import numpy as np

from ..problem.criticality import CRITICAL_TOL, CriticalKind, check_critical_tol
from ..problem.network import Landscape, check_landscape
from ..problem.rules import problem_with_tie_tol
from ..problem.ties import canonical_subset, check_subset
from ..signed import FrustrationResult
from .catalog_files import frustration_record, load_columns, save_catalog
from .points import CURVATURE_FIELDS, KINDS, CriticalPoint
from .representatives import canonical_representative

__all__ = ["Catalog"]

#: Rows whose records iteration builds from one pass over the columns.
BLOCK_ROWS = 4096


class Catalog(Sequence):
    """The critical classes of one landscape, ordered by decreasing value.

    Build one with :func:`~landscape.critical.enumeration.enumerate_critical_points` or
    :meth:`Catalog.load`; ``catalog[i]`` is a :class:`~landscape.critical.points.CriticalPoint`.
    A record's representative is built when its ``weights`` are first read (then kept by the
    record), so ``for point in catalog`` reading keys, values and kinds builds none.

    Parameters
    ----------
    land : Landscape
    points : iterable of CriticalPoint
        One record per class (consumed once, in any order; a generator is fine).
    keep_weights : bool
        Keep every representative's weights (as an ``n x P`` array). Otherwise the canonical
        representative is rebuilt when a record's ``weights`` are first read, which needs no
        storage.
    tie_tol : float, optional
        Deprecated (one release): set ``Landscape(..., tie_tol=)``; a value other than
        ``land.tie_tol`` warns and is used through a copy of ``land``
        (:func:`~landscape.problem.rules.problem_with_tie_tol`). The records are made with ``land.tie_tol``.
    frustration : iterable of FrustrationResult or None, optional
        The frustration column: one entry per point, in the order of ``points`` (consumed in
        step with it), ``None`` where not computed. The container only stores it; the
        enumeration computes it (:func:`~.enumeration.representative_frustration`).
        By default the catalog has no frustration column.

    Attributes
    ----------
    land : Landscape
    tie_tol : float
        ``land.tie_tol``: the tolerance the catalog was built with (saved with it;
        :func:`~landscape.connections.graph.saddle_graph` refuses a catalog of another
        tolerance than its ``land``'s).
    """

    def __init__(self, land: Landscape, points: Iterable[CriticalPoint], *,
                 keep_weights: bool = False, tie_tol: float | None = None, frustration=None):
        land = problem_with_tie_tol(check_landscape(land), tie_tol, "Catalog")
        if frustration is not None and (isinstance(frustration, (bool, str, bytes))
                                        or not hasattr(frustration, "__iter__")):
            raise TypeError(f"frustration must be None or an iterable of FrustrationResult "
                            f"(one per point), got {frustration!r}")
        self.land = land
        self.tie_tol = land.tie_tol
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
        self._groups = self.land.tie_groups
        self._tied = tuple(g for g in self._groups if len(g) > 1)
        self._index: dict[tuple[int, ...], int] | None = None

    # ------------------------------------------------------------------ sequence
    def __len__(self) -> int:
        return int(self._values.size)

    def __getitem__(self, item):
        if isinstance(item, slice):
            start, stop, step = item.indices(len(self))
            if step == 1:
                return list(self._rows(start, max(start, stop)))
            return [self._point(i) for i in range(start, stop, step)]
        if isinstance(item, bool) or not isinstance(item, (int, np.integer)):
            raise TypeError(f"catalog index must be an integer or a slice, got {item!r}")
        n = len(self)
        if not -n <= item < n:
            raise IndexError(f"catalog index must be in [-{n}, {n}), got {item}")
        return self._point(int(item) % n)

    def __iter__(self) -> Iterator[CriticalPoint]:
        for start in range(0, len(self), BLOCK_ROWS):
            yield from self._rows(start, min(start + BLOCK_ROWS, len(self)))

    def _point(self, i: int) -> CriticalPoint:
        return next(self._rows(i, i + 1))

    def _rows(self, start: int, stop: int) -> Iterator[CriticalPoint]:
        """The records of rows ``start .. stop - 1``, their representatives built on first
        access of ``weights`` (:meth:`_builder`)."""
        subsets, counts, dims = self._keys(start, stop)
        values = self._values[start:stop].tolist()
        kinds = [KINDS[code] for code in self._kinds[start:stop].tolist()]
        extras, tied = self._extras, self._tied
        for k, i in enumerate(range(start, stop)):
            fields = {"subset": subsets[k], "value": values[k], "kind": kinds[k],
                      "weights": self._builder(i, subsets[k]), "tied_groups": tied,
                      "tie_counts": counts[k], "grassmannian_dim": dims[k], "inertia": None,
                      "n_orbit": None, "centre_dim": None, "witness_kind": None, "fiber": None}
            if i in extras:
                fields.update(extras[i])
            yield CriticalPoint._of_fields(fields)

    def _builder(self, i: int, subset: tuple[int, ...]) -> partial:
        """What builds the weights of row ``i`` (key ``subset``) when they are first read: the
        canonical representative, validated by
        :func:`~landscape.critical.representatives.canonical_representative`, or a copy of
        the stored row. It holds the problem and that row only, not the catalog."""
        if self._weights is None:
            return partial(canonical_representative, self.land, subset)
        return partial(self.land.unflatten, self._weights[i].copy())

    def _keys(self, start: int, stop: int) -> tuple[list, list, list]:
        """Keys, tie counts and Grassmannian dimensions of rows ``start .. stop - 1``, read
        from the membership matrix in one pass: the column form of
        :func:`~landscape.problem.ties.tie_counts` and
        :func:`~landscape.problem.ties.grassmannian_dimension` (``k_g`` learnt of a tie group
        ``g`` adds ``k_g (|g| - k_g)``)."""
        masks = self._masks[start:stop]
        modes = np.nonzero(masks)[1].tolist()
        ends = np.cumsum(masks.sum(axis=1)).tolist()
        subsets = [tuple(modes[a:b]) for a, b in zip([0, *ends], ends)]
        if not self._tied:
            return subsets, [()] * len(subsets), [0] * len(subsets)
        counts = np.stack([masks[:, list(group)].sum(axis=1) for group in self._tied], axis=1)
        sizes = np.array([len(group) for group in self._tied])
        dims = (counts * (sizes - counts)).sum(axis=1)
        return subsets, list(map(tuple, counts.tolist())), dims.tolist()

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
        return self._keys(0, len(self))[0]

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
            self._index = {key: i for i, key in enumerate(self.subsets)}
        key = canonical_subset(subset, self._groups)
        if key not in self._index:
            raise KeyError(f"no class with learnt set {subset} in this catalog")
        return self._index[key]

    def lookup(self, subset) -> CriticalPoint:
        """The record of the class of ``subset`` (see :meth:`position`)."""
        return self._point(self.position(subset))

    def records(self) -> list[dict]:
        """Per-class JSON records: key, value, kind, the tie fields (``tie_groups``,
        ``tie_counts``, ``grassmannian_dim``), the curvature fields (``null`` where not
        computed) and, where the catalog has that column, ``frustration``. A catalog file
        stores the same records without the fields the problem determines
        (:mod:`~landscape.critical.catalog_files`)."""
        return self._records(full=True)

    def _records(self, *, full: bool) -> list[dict]:
        """The records of :meth:`records` (``full``) or of a catalog file's ``classes``: the
        tie fields left out, the curvature fields only where some class has them."""
        out = []
        subsets, all_counts, dims = self._keys(0, len(self))
        values, names = self._values.tolist(), [kind.value for kind in KINDS]
        curvature = full or bool(self._extras)
        nothing = dict.fromkeys(CURVATURE_FIELDS)
        for i, (subset, counts, code) in enumerate(zip(subsets, all_counts,
                                                       self._kinds.tolist())):
            record = {"subset": list(subset), "value": values[i], "kind": names[code]}
            if full:
                record.update(tie_groups=[list(g) for g in self._tied],
                              tie_counts=list(counts), grassmannian_dim=dims[i])
            if i in self._extras:
                extra = self._extras[i]
                record.update(inertia=[int(x) for x in extra["inertia"]],
                              n_orbit=extra["n_orbit"], centre_dim=extra["centre_dim"],
                              witness_kind=CriticalKind(extra["witness_kind"]).value)
            elif curvature:
                record.update(nothing)
            if self._frustration:
                record["frustration"] = frustration_record(self._frustration.get(i))
            out.append(record)
        return out

    def representatives(self) -> np.ndarray:
        """All representatives, flattened, as an ``n_classes x P`` array."""
        if self._weights is not None:
            return self._weights.copy()
        out = np.zeros((len(self), self.land.n_params))
        for i, subset in enumerate(self.subsets):
            out[i] = self.land.flatten(canonical_representative(self.land, subset))
        return out

    # ------------------------------------------------------------------ files
    def save(self, path) -> Path:
        """Write ``path`` (``.json``) and its ``.npz`` beside it, replacing the pair as a pair.

        A failure or a kill at any instant leaves the old pair or the new one loadable; the
        next save removes what a killed one left (see
        :func:`~landscape.critical.catalog_files.save_catalog`). Returns the path of the JSON
        file. The format is described in :mod:`~landscape.critical.catalog_files`.

        The files store no representative: each class's is its canonical one, rebuilt on
        load. A catalog that keeps weights (``keep_weights=True``) is compared with the
        canonical representatives first, one class at a time.

        Raises
        ------
        ValueError
            If ``path`` or its ``.npz`` is a directory, or if a kept representative is not
            its class's canonical one (which a file cannot give back), before anything is
            written.
        """
        if self._weights is not None:
            for i, subset in enumerate(self.subsets):
                canonical = canonical_representative(self.land, subset)
                if not np.array_equal(self._weights[i], self.land.flatten(canonical)):
                    raise ValueError(
                        f"catalog row {i} keeps weights that are not the canonical "
                        f"representative of its class {subset}; a catalog file stores none (it "
                        f"rebuilds them on load), so it cannot hold them: save a catalog of "
                        f"records with canonical weights (critical_point, canonicalize)")
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
            Bound on the relative gradient norm of each class's canonical representative.

        Raises
        ------
        FileNotFoundError
            If the JSON file does not exist.
        ValueError
            For a missing array file, a truncated or malformed file, a wrong ``format`` or
            ``schema_version`` (exactly the integer; files of schema 1 are refused with the
            way to write them again), a field of the wrong type (``true`` is not ``1``),
            non-finite numbers, shapes or hashes that do not match, a class missing or listed
            twice (the keys must be exactly the enumeration's), a value that is not its
            class's critical value, a canonical representative that is not critical or not in
            its class, a kind the witness test does not give it, curvature fields out of range
            or inconsistent with each other or with the kind, a stored frustration its signs
            do not give, or a catalog of a different problem than ``land``. Nothing is built
            before every check has passed; values are the closed form ``L_S`` itself.

        Notes
        -----
        The classes are checked all at once, against the enumeration's own verified batches
        (:func:`~landscape.critical.batches.verified_columns`), so a load costs about what
        :func:`~landscape.critical.enumeration.enumerate_critical_points` costs (a few
        seconds for 616,666 classes); only rows with curvature fields or a frustration entry
        are checked one at a time. Representatives are rebuilt when a record's ``weights``
        are read.
        """
        critical_tol = check_critical_tol(critical_tol)
        return cls._from_columns(**load_columns(path, land=land, critical_tol=critical_tol))

    @classmethod
    def _from_columns(cls, *, land, **columns) -> "Catalog":
        """A catalog of ``land`` from its columns (checked or computed by the caller): what
        :meth:`load` and the batched enumeration build."""
        catalog = cls.__new__(cls)
        catalog.land = land
        catalog.tie_tol = land.tie_tol
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
