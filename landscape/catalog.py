"""Catalogs of critical classes: a compact, ordered record of one problem's critical values.

A :class:`Catalog` holds, for one :class:`~landscape.Landscape`, one row per critical class
(THEORY §2-§3): the learnt set ``S`` (canonical within ties), the critical value ``L_S``, the
second-order kind of the canonical representative, optional curvature fields and an optional
frustration column (THEORY §6). Rows are
stored column-wise (a boolean membership matrix, a value vector, kind codes), so catalogs of
hundreds of thousands of classes stay small; :class:`~landscape.quotient.CriticalPoint`
records, with their representative's weights, are built on access.

File format (``schema_version`` 1), written atomically (temporary files, then
``os.replace``) as two files side by side:

``NAME.json``
    ``{"format": "landscape.catalog", "schema_version": 1,
    "problem": {"name", "widths", "sigma", "d_x", "d_y", "loss_offset", "reduced",
    "n_samples", "tie_rtol", "basis_sha256"},
    "arrays": {"file": "NAME.npz", "sha256"},
    "classes": [{"subset", "value", "kind", "tie_groups", "tie_counts", "grassmannian_dim",
    "inertia", "n_orbit", "centre_dim", "witness_kind"}, ...]}``
    with ``allow_nan=False``; the last four class fields are ``null`` when not computed.
    A catalog made with ``frustration=True`` adds to every class the key ``"frustration"``:
    ``{"value", "normalized", "lower_bound", "exact", "method", "signs"}`` of
    :func:`landscape.frustration.frustration` on the representative (weighted, every node
    switchable, ``seed=0``), or ``null`` where not computed; files without the key (all
    files written without a frustration column) have none.
    ``basis_sha256`` hashes the four basis arrays below (float64, C order, in that order).
``NAME.npz``
    ``left`` (``U``), ``right`` (``V``), ``input_sqrt`` (``Sxx^{1/2}``), ``input_inv_sqrt``
    and ``representatives`` (``n_classes x P``, each row a flattened representative in the
    problem's coordinates); read with ``allow_pickle=False``.

:meth:`Catalog.load` validates everything (schema, types, finiteness, shapes, hashes, every
value against ``L0 + 1/2 sum_{i not in S} sigma_i^2``, every representative critical and in
its class, every stored frustration against the weight its switching leaves negative on the
representative) before it builds anything, and raises ``ValueError`` naming the file and the rule.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from .problem.spectrum import DataSpectrum
from .frustration import FrustrationResult, _result_of_signs, frustration as _frustration
from .problem.network import Landscape, check_landscape
from .problem import (CRITICAL_TOL, TIE_TOL, CriticalKind, check_critical, check_subset,
                    learnt_modes, tie_groups)
from .problem.ties import canonical_subset as _canonical, tie_counts as _tie_counts
from .quotient import CriticalPoint, canonical_representative

__all__ = ["Catalog", "SCHEMA_VERSION"]

#: Version of the catalog file schema written by :meth:`Catalog.save`.
SCHEMA_VERSION = 1
FORMAT = "landscape.catalog"
_KINDS = tuple(CriticalKind)
_BASIS = ("left", "right", "input_sqrt", "input_inv_sqrt")
_PROBLEM_KEYS = {"name", "widths", "sigma", "d_x", "d_y", "loss_offset", "reduced", "n_samples",
                 "tie_rtol", "basis_sha256"}
_CLASS_KEYS = {"subset", "value", "kind", "tie_groups", "tie_counts", "grassmannian_dim",
               "inertia", "n_orbit", "centre_dim", "witness_kind"}
_CURVATURE = ("inertia", "n_orbit", "centre_dim", "witness_kind")
_FRUSTRATION_KEYS = {"value", "normalized", "lower_bound", "exact", "method", "signs"}
#: Relative agreement (times ``L0 + 1/2 sum sigma^2``) required between a stored value and
#: the closed form on load.
_VALUE_RTOL = 1e-9


class Catalog(Sequence):
    """The critical classes of one landscape, ordered by decreasing value.

    Build one with :func:`landscape.critical.enumerate_critical_points` or
    :meth:`Catalog.load`; ``catalog[i]`` is a :class:`~landscape.quotient.CriticalPoint`.

    Parameters
    ----------
    land : Landscape
    points : iterable of CriticalPoint
        One record per class (consumed once, in any order; a generator is fine).
    keep_weights : bool
        Keep every representative's weights (as an ``n x P`` array). Otherwise the canonical
        representative is rebuilt on access, which needs no storage.
    rtol : float
        The tie tolerance the records were made with.
    frustration : bool
        Fill the frustration column: :func:`landscape.frustration.frustration` of each
        representative (weighted, every node switchable, ``seed=0``: exact where the network
        is small enough, else the greedy upper bound).

    Attributes
    ----------
    land : Landscape
    rtol : float
    """

    def __init__(self, land: Landscape, points: Iterable[CriticalPoint], *,
                 keep_weights: bool = False, rtol: float = TIE_TOL, frustration: bool = False):
        check_landscape(land)
        if not isinstance(frustration, bool):
            raise TypeError(f"frustration must be True or False, got {frustration!r}")
        self.land = land
        self.rtol = float(rtol)
        n_sigma = land.spectrum.sigma.size
        masks, values, kinds, weights, extras, frustrations = [], [], [], [], [], []
        for point in points:
            if not isinstance(point, CriticalPoint):
                raise TypeError(f"points must hold CriticalPoint records, got "
                                f"{type(point).__name__}")
            mask = np.zeros(n_sigma, dtype=bool)
            mask[list(point.subset)] = True
            masks.append(mask)
            values.append(point.value)
            kinds.append(_KINDS.index(CriticalKind(point.kind)))
            if keep_weights:
                weights.append(land.flatten(point.weights))
            extras.append({name: getattr(point, name) for name in _CURVATURE
                           if getattr(point, name) is not None})
            if frustration:
                frustrations.append(_frustration(point.weights, seed=0))
        order = np.argsort(-np.asarray(values, dtype=float), kind="stable")
        self._init_columns(
            masks=np.array(masks, dtype=bool).reshape(-1, n_sigma)[order],
            values=np.asarray(values, dtype=float)[order],
            kinds=np.asarray(kinds, dtype=np.uint8)[order],
            weights=np.array(weights).reshape(-1, land.n_params)[order] if keep_weights else None,
            extras={int(new): extras[old] for new, old in enumerate(order) if extras[old]},
            frustration={int(new): frustrations[old] for new, old in enumerate(order)}
            if frustration else {})

    def _init_columns(self, *, masks, values, kinds, weights, extras, frustration):
        self._masks = masks
        self._values = values
        self._kinds = kinds
        self._weights = weights
        self._extras = extras
        self._frustration = frustration
        self._groups = tie_groups(self.land.spectrum.sigma, tie_tol=self.rtol)
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
            weights = canonical_representative(self.land, subset, rtol=self.rtol)
        else:
            weights = self.land.unflatten(self._weights[i].copy())
        counts = _tie_counts(subset, self._tied)
        return CriticalPoint(subset=subset, value=float(self._values[i]),
                             kind=_KINDS[self._kinds[i]], weights=weights,
                             tie_groups=self._tied, tie_counts=counts,
                             grassmannian_dim=sum(k * (len(g) - k)
                                                  for g, k in zip(self._tied, counts)),
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
        return [_KINDS[k] for k in self._kinds]

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
        key = _canonical(subset, self._groups)
        if key not in self._index:
            raise KeyError(f"no class with learnt set {subset} in this catalog")
        return self._index[key]

    def lookup(self, subset) -> CriticalPoint:
        """The record of the class of ``subset`` (see :meth:`position`)."""
        return self._point(self.position(subset))

    def records(self) -> list[dict]:
        """Per-class JSON records (the ``classes`` list of the file format)."""
        out = []
        for i in range(len(self)):
            subset = self._subset(i)
            counts = _tie_counts(subset, self._tied)
            extra = self._extras.get(i, {})
            inertia = extra.get("inertia")
            witness = extra.get("witness_kind")
            record = {
                "subset": list(subset), "value": float(self._values[i]),
                "kind": _KINDS[self._kinds[i]].value,
                "tie_groups": [list(g) for g in self._tied], "tie_counts": list(counts),
                "grassmannian_dim": sum(k * (len(g) - k) for g, k in zip(self._tied, counts)),
                "inertia": None if inertia is None else [int(x) for x in inertia],
                "n_orbit": extra.get("n_orbit"), "centre_dim": extra.get("centre_dim"),
                "witness_kind": None if witness is None else CriticalKind(witness).value}
            if self._frustration:
                record["frustration"] = _frustration_record(self._frustration.get(i))
            out.append(record)
        return out

    def representatives(self) -> np.ndarray:
        """All representatives, flattened, as an ``n_classes x P`` array."""
        if self._weights is not None:
            return self._weights.copy()
        out = np.zeros((len(self), self.land.n_params))
        for i in range(len(self)):
            out[i] = self.land.flatten(canonical_representative(self.land, self._subset(i),
                                                                rtol=self.rtol))
        return out

    # ------------------------------------------------------------------ files
    def save(self, path) -> Path:
        """Write ``path`` (``.json``) and its ``.npz`` beside it, atomically.

        Returns the path of the JSON file. See the module docstring for the format.
        """
        path = _json_path(path)
        spec = self.land.spectrum
        arrays = {name: np.ascontiguousarray(getattr(spec, name), dtype=float)
                  for name in _BASIS}
        arrays["representatives"] = self.representatives()
        npz_path = path.with_suffix(".npz")
        npz_tmp = _write_temp(npz_path, lambda f: _write_npz(f, arrays))
        try:
            document = {
                "format": FORMAT, "schema_version": SCHEMA_VERSION,
                "problem": {
                    "name": spec.name, "widths": list(self.land.widths),
                    "sigma": [float(s) for s in spec.sigma], "d_x": spec.d_x, "d_y": spec.d_y,
                    "loss_offset": float(spec.loss_offset), "reduced": bool(spec.reduced),
                    "n_samples": spec.n_samples, "tie_rtol": self.rtol,
                    "basis_sha256": _basis_hash(arrays)},
                "arrays": {"file": npz_path.name, "sha256": _file_hash(npz_tmp)},
                "classes": self.records()}
            text = _dumps(document)
            json_tmp = _write_temp(path, lambda f: f.write(text.encode()))
        except BaseException:
            os.unlink(npz_tmp)
            raise
        os.replace(npz_tmp, npz_path)
        os.replace(json_tmp, path)
        return path

    @classmethod
    def load(cls, path, *, land: Landscape | None = None,
             tol: float = CRITICAL_TOL) -> "Catalog":
        """Read a catalog written by :meth:`save`, validating all of it first.

        Parameters
        ----------
        path : str or Path
            The ``.json`` file (its ``.npz`` is found beside it).
        land : Landscape, optional
            The problem the catalog must belong to; by default the problem is rebuilt from
            the file (widths, singular values, data basis).
        tol : float
            Bound on each stored representative's relative gradient norm.

        Raises
        ------
        FileNotFoundError
            If the JSON file does not exist.
        ValueError
            For a missing array file, a truncated or malformed file, a wrong ``format`` or
            ``schema_version``, non-finite numbers, shapes or hashes that do not match, a
            value that is not its class's critical value, a representative that is not
            critical or not in its class, or a catalog of a different problem than ``land``.
            Nothing is built before every check has passed.
        """
        path = _json_path(path)
        text = path.read_text()
        try:
            return _load(cls, path, text, land, tol)
        except (ValueError, TypeError, KeyError, OSError, zipfile.BadZipFile) as exc:
            raise ValueError(f"catalog {path} is not a valid landscape catalog: {exc}") from exc


# ---------------------------------------------------------------------- file helpers
def _json_path(path) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or path-like, got {type(path).__name__}")
    path = Path(path)
    if path.suffix != ".json":
        raise ValueError(f"path must end in .json (the .npz goes beside it), got {str(path)!r}")
    return path


def _write_temp(target: Path, write) -> str:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, 0o644)
        with os.fdopen(fd, "wb") as handle:
            write(handle)
    except BaseException:
        os.unlink(tmp)
        raise
    return tmp


def _write_npz(handle, arrays: dict[str, np.ndarray]) -> None:
    """An ``.npz`` with fixed timestamps, so the same arrays give the same bytes."""
    with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, array in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            with archive.open(info, "w", force_zip64=True) as out:
                np.lib.format.write_array(out, np.ascontiguousarray(array), allow_pickle=False)


def _dumps(document: dict) -> str:
    """JSON with one line per section and per class (readable diffs), ``allow_nan=False``."""
    def dump(value):
        return json.dumps(value, allow_nan=False)

    head = ",\n ".join(f"{dump(key)}: {dump(value)}" for key, value in document.items()
                       if key != "classes")
    rows = ",\n  ".join(dump(record) for record in document["classes"])
    return f"{{{head},\n \"classes\": [\n  {rows}\n ]}}\n"


def _file_hash(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _basis_hash(arrays) -> str:
    digest = hashlib.sha256()
    for name in _BASIS:
        digest.update(np.ascontiguousarray(arrays[name], dtype="<f8").tobytes())
    return digest.hexdigest()


def _reject_constant(name: str):
    raise ValueError(f"numbers must be finite, got {name}")


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


def _int(value, name: str, minimum: int = 0) -> int:
    _require(isinstance(value, int) and not isinstance(value, bool) and value >= minimum,
             f"{name} must be an integer >= {minimum}, got {value!r}")
    return value


def _number(value, name: str) -> float:
    _require(isinstance(value, (int, float)) and not isinstance(value, bool),
             f"{name} must be a number, got {value!r}")
    return float(value)


def _int_list(value, name: str) -> list[int]:
    _require(isinstance(value, list), f"{name} must be a list of integers, got {value!r}")
    return [_int(v, f"{name}[{k}]") for k, v in enumerate(value)]


def _kind(value, name: str) -> CriticalKind:
    _require(value in {k.value for k in CriticalKind},
             f"{name} must be one of {', '.join(k.value for k in CriticalKind)}, got {value!r}")
    return CriticalKind(value)


def _load(cls, path: Path, text: str, land, tol):
    document = json.loads(text, parse_constant=_reject_constant)
    _require(isinstance(document, dict), f"the document must be a JSON object, got "
                                         f"{type(document).__name__}")
    _require(document.get("format") == FORMAT,
             f"format must be {FORMAT!r}, got {document.get('format')!r}")
    _require(document.get("schema_version") == SCHEMA_VERSION,
             f"schema_version must be {SCHEMA_VERSION}, got {document.get('schema_version')!r}")
    _require(set(document) == {"format", "schema_version", "problem", "arrays", "classes"},
             f"top-level keys must be format, schema_version, problem, arrays, classes, got "
             f"{sorted(document)}")
    problem, files, classes = document["problem"], document["arrays"], document["classes"]
    _require(isinstance(problem, dict) and set(problem) == _PROBLEM_KEYS,
             f"problem must hold the keys {sorted(_PROBLEM_KEYS)}")
    _require(isinstance(files, dict) and set(files) == {"file", "sha256"},
             "arrays must hold the keys file, sha256")
    _require(isinstance(classes, list), "classes must be a list")

    npz_path = path.parent / str(files["file"])
    _require(Path(str(files["file"])).name == str(files["file"]),
             f"arrays.file must be a file name beside the JSON, got {files['file']!r}")
    _require(_file_hash(npz_path) == files["sha256"],
             f"{npz_path.name} does not match the sha256 recorded in the JSON (a different "
             f"or modified array file)")
    with np.load(npz_path, allow_pickle=False) as data:
        _require(set(data.files) == set(_BASIS) | {"representatives"},
                 f"{npz_path.name} must hold the arrays {sorted(set(_BASIS) | {'representatives'})}, "
                 f"got {sorted(data.files)}")
        arrays = {name: np.asarray(data[name], dtype=float) for name in data.files}
    for name, array in arrays.items():
        _require(bool(np.all(np.isfinite(array))), f"{name} must hold finite values only")
    _require(_basis_hash(arrays) == problem["basis_sha256"],
             "basis_sha256 does not match the basis arrays")

    spec = _spectrum(problem, arrays)
    stored = Landscape(spec, _int_list(problem["widths"], "problem.widths"))
    rtol = _number(problem["tie_rtol"], "problem.tie_rtol")
    _require(0 <= rtol < 1, f"problem.tie_rtol must be in [0, 1), got {rtol}")
    if land is not None:
        _check_same_problem(land, stored)
        stored = land
    representatives = arrays["representatives"]
    _require(representatives.shape == (len(classes), stored.n_params),
             f"representatives must have shape ({len(classes)}, {stored.n_params}), got "
             f"{representatives.shape}")

    groups = tie_groups(spec.sigma, tie_tol=rtol)
    tied = tuple(g for g in groups if len(g) > 1)
    n_modes = sum(len(g) for g in groups)
    scale = spec.loss_offset + 0.5 * float(np.sum(spec.sigma ** 2))
    masks = np.zeros((len(classes), spec.sigma.size), dtype=bool)
    values = np.zeros(len(classes))
    kinds = np.zeros(len(classes), dtype=np.uint8)
    extras, frustration, seen = {}, {}, set()
    for i, record in enumerate(classes):
        name = f"classes[{i}]"
        _require(isinstance(record, dict)
                 and set(record) in (_CLASS_KEYS, _CLASS_KEYS | {"frustration"}),
                 f"{name} must hold the keys {sorted(_CLASS_KEYS)} (and optionally "
                 f"frustration)")
        subset = tuple(_int_list(record["subset"], f"{name}.subset"))
        _require(subset == tuple(sorted(set(subset))) and all(k < n_modes for k in subset)
                 and len(subset) <= stored.bottleneck,
                 f"{name}.subset must be ascending distinct indices of positive singular "
                 f"values, at most r = {stored.bottleneck} of them, got {subset}")
        _require(_canonical(subset, groups) == subset,
                 f"{name}.subset must take the lowest indices within each tie group, got "
                 f"{subset}")
        _require(subset not in seen, f"{name}.subset {subset} appears twice")
        seen.add(subset)
        value = _number(record["value"], f"{name}.value")
        expected = stored.critical_value(subset)
        _require(abs(value - expected) <= _VALUE_RTOL * max(scale, 1.0),
                 f"{name}.value must be the critical value {expected!r} of {subset}, got "
                 f"{value!r}")
        counts = _tie_counts(subset, tied)
        _require(record["tie_groups"] == [list(g) for g in tied]
                 and record["tie_counts"] == list(counts)
                 and record["grassmannian_dim"] == sum(k * (len(g) - k)
                                                        for g, k in zip(tied, counts)),
                 f"{name}: tie_groups, tie_counts and grassmannian_dim must match the "
                 f"spectrum's ties")
        kinds[i] = _KINDS.index(_kind(record["kind"], f"{name}.kind"))
        extra = _curvature_fields(record, name, stored.n_params)
        if extra:
            extras[i] = extra
        weights = stored.unflatten(representatives[i])
        check_critical(stored, weights, critical_tol=tol, name=f"the representative of {name}")
        if record.get("frustration") is not None:
            frustration[i] = _frustration_field(record["frustration"], f"{name}.frustration",
                                                weights)
        read = learnt_modes(stored, weights, tie_tol=rtol).subset
        _require(read == subset, f"the representative of {name} is in class {read}, not "
                                 f"{subset}")
        masks[i, list(subset)] = True
        values[i] = value
    _require(bool(np.all(np.diff(values) <= 0)), "classes must be in order of decreasing value")
    catalog = cls.__new__(cls)
    catalog.land = stored
    catalog.rtol = rtol
    catalog._init_columns(masks=masks, values=values, kinds=kinds, weights=representatives,
                          extras=extras, frustration=frustration)
    return catalog


def _spectrum(problem: dict, arrays: dict) -> DataSpectrum:
    d_x = _int(problem["d_x"], "problem.d_x", 1)
    d_y = _int(problem["d_y"], "problem.d_y", 1)
    sigma = np.array([_number(s, f"problem.sigma[{k}]") for k, s in
                      enumerate(problem["sigma"] if isinstance(problem["sigma"], list) else [])])
    _require(sigma.size == min(d_x, d_y) and bool(np.all(sigma >= 0))
             and bool(np.all(np.diff(sigma) <= 0)),
             f"problem.sigma must list min(d_x, d_y) = {min(d_x, d_y)} non-negative values in "
             f"descending order, got {problem['sigma']!r}")
    for name, shape in zip(_BASIS, ((d_y, d_y), (d_x, d_x), (d_x, d_x), (d_x, d_x))):
        _require(arrays[name].shape == shape,
                 f"{name} must have shape {shape}, got {arrays[name].shape}")
    loss_offset = _number(problem["loss_offset"], "problem.loss_offset")
    _require(loss_offset >= 0, f"problem.loss_offset must be >= 0, got {loss_offset}")
    _require(isinstance(problem["reduced"], bool),
             f"problem.reduced must be true or false, got {problem['reduced']!r}")
    _require(isinstance(problem["name"], str), f"problem.name must be a string, got "
                                               f"{problem['name']!r}")
    n_samples = problem["n_samples"]
    if n_samples is not None:
        _int(n_samples, "problem.n_samples", 1)
    return DataSpectrum(sigma=sigma, d_x=d_x, d_y=d_y, loss_offset=loss_offset,
                        reduced=problem["reduced"], left=arrays["left"], right=arrays["right"],
                        input_sqrt=arrays["input_sqrt"],
                        input_inv_sqrt=arrays["input_inv_sqrt"], n_samples=n_samples,
                        name=problem["name"])


def _curvature_fields(record: dict, name: str, n_params: int) -> dict:
    out = {}
    if record["inertia"] is not None:
        inertia = _int_list(record["inertia"], f"{name}.inertia")
        _require(len(inertia) == 3 and sum(inertia) == n_params,
                 f"{name}.inertia must be [n_-, n_0, n_+] summing to P = {n_params}, got "
                 f"{inertia}")
        out["inertia"] = tuple(inertia)
    for key in ("n_orbit", "centre_dim"):
        if record[key] is not None:
            out[key] = _int(record[key], f"{name}.{key}")
    if record["witness_kind"] is not None:
        out["witness_kind"] = _kind(record["witness_kind"], f"{name}.witness_kind")
    return out


def _frustration_record(result: FrustrationResult | None) -> dict | None:
    if result is None:
        return None
    return {"value": result.value, "normalized": result.normalized,
            "lower_bound": result.lower_bound, "exact": result.exact, "method": result.method,
            "signs": [int(x) for x in result.signs]}


def _frustration_field(record, name: str, weights: list) -> FrustrationResult:
    """A stored frustration, checked against the weight its switching leaves negative."""
    _require(isinstance(record, dict) and set(record) == _FRUSTRATION_KEYS,
             f"{name} must be null or hold the keys {sorted(_FRUSTRATION_KEYS)}")
    value = _number(record["value"], f"{name}.value")
    normalized = _number(record["normalized"], f"{name}.normalized")
    lower = _number(record["lower_bound"], f"{name}.lower_bound")
    _require(isinstance(record["exact"], bool),
             f"{name}.exact must be true or false, got {record['exact']!r}")
    _require(isinstance(record["signs"], list) and all(
        isinstance(x, int) and not isinstance(x, bool) for x in record["signs"]),
        f"{name}.signs must be a list of +1 and -1")
    try:
        result = _result_of_signs(weights, record["signs"], exact=record["exact"],
                                  lower_bound=lower, method=record["method"])
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from exc
    slack = _VALUE_RTOL * result.total_weight
    _require(abs(value - result.value) <= slack,
             f"{name}.value must be the weight {result.value!r} that its signs leave negative "
             f"on the representative, got {value!r}")
    _require(abs(normalized - result.normalized) <= _VALUE_RTOL,
             f"{name}.normalized must be value / total weight = {result.normalized!r}, got "
             f"{normalized!r}")
    _require(0 <= lower <= value + slack and (not record["exact"] or lower >= value - slack),
             f"{name}.lower_bound must be in [0, value] and equal value when exact, got "
             f"{lower!r} (value {value!r}, exact {record['exact']})")
    return result


def _check_same_problem(land: Landscape, stored: Landscape) -> None:
    check_landscape(land)
    a, b = land.spectrum, stored.spectrum
    checks = [
        (land.widths == stored.widths, f"widths {stored.widths}, not {land.widths}"),
        (a.reduced == b.reduced, f"reduced={b.reduced}, not {a.reduced}"),
        (a.sigma.shape == b.sigma.shape
         and np.allclose(a.sigma, b.sigma, rtol=0, atol=1e-9 * a.scale),
         f"sigma {b.sigma.tolist()}, not {a.sigma.tolist()}"),
        (abs(a.loss_offset - b.loss_offset) <= 1e-9 * max(a.loss_offset, a.scale ** 2),
         f"loss_offset {b.loss_offset}, not {a.loss_offset}"),
    ]
    for ok, text in checks:
        _require(bool(ok), f"the catalog was computed for a different problem: {text}")
    for name in _BASIS:
        _require(np.allclose(getattr(a, name), getattr(b, name), rtol=1e-9, atol=1e-12),
                 f"the catalog was computed for a different problem: its data basis "
                 f"({name}) differs")
