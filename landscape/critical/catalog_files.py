"""The catalog file format: a versioned JSON document and an ``.npz`` of arrays, side by side.

File format (``schema_version`` 2), two files side by side, replaced as a pair (see
:func:`save_catalog`):

``NAME.json``
    ``{"format": "landscape.catalog", "schema_version": 2,
    "problem": {"name", "widths", "sigma", "d_x", "d_y", "loss_offset", "reduced",
    "n_samples", "tie_rtol", "basis_sha256"},
    "arrays": {"file": "NAME.npz", "sha256"},
    "classes": [{"subset", "value", "kind"}, ...]}`` with ``allow_nan=False``, one line per
    class. A catalog with curvature fields adds to every class ``"inertia", "n_orbit",
    "centre_dim", "witness_kind"`` (all four ``null`` where not computed); files of catalogs
    without them have none. Types are exact: ``schema_version`` is the integer ``2`` (not
    ``2.0``), integers are integers and booleans booleans.
    ``arrays.file`` names the array file beside the JSON and ``arrays.sha256`` its hash: the
    JSON is the pointer that makes a pair. While a save installs a new pair, the named file
    may still sit under its staged name ``.NAME.npz.HHHHHHHH.tmp.npz`` (``H``: the first
    eight hex digits of the hash); the reader accepts it there, and the next save of the
    same path moves it into place.
    ``tie_rtol`` is the catalog's tie tolerance (``Catalog.tie_tol``; the key keeps its
    name of schema 1). A catalog with a frustration column adds to every class the key
    ``"frustration"``: ``{"value", "normalized", "lower_bound", "exact", "method", "signs"}``
    of :func:`landscape.signed.frustration` on the representative (weighted, every node
    switchable, ``seed=0``), or ``null`` where not computed; files without the key (all
    files written without a frustration column) have none.
    ``basis_sha256`` hashes the four basis arrays below (float64, C order, in that order;
    :func:`landscape.problem.records.basis_hash`).
``NAME.npz``
    ``left`` (``U``), ``right`` (``V``), ``input_sqrt`` (``Sxx^{1/2}``) and
    ``input_inv_sqrt``; read with ``allow_pickle=False``, written with fixed timestamps (the
    same catalog gives the same bytes).

Nothing per class is stored that the problem determines and a reader would not look for:
the tie fields (``tie_counts``, ``grassmannian_dim``: :meth:`Catalog.records
<landscape.critical.catalog.Catalog.records>` adds them) and the representative, which is
the class's canonical one (:func:`~landscape.critical.representatives.canonical_representative`,
a function of the problem and the key), rebuilt when asked for. The key, value and kind are
kept so that the JSON reads on its own; they are checked on load, not trusted. A catalog of
616,666 classes takes about 60 bytes per class. Schema 1 also stored every representative
(``representatives`` in the npz, ``n_classes x P``) and the tie fields; it is refused with a
message saying how to write the catalog again.

:func:`load_columns` validates everything (schema, types, finiteness, shapes, hashes, the
keys exactly the enumeration's, every value against ``L0 + 1/2 sum_{i not in S} sigma_i^2``,
every canonical representative critical and in its class, every kind against the witness
test on it, the curvature fields for range and consistency, every stored frustration against
the weight its switching leaves negative on the representative) before anything is built, all
rows at once, and raises ``ValueError`` naming the file and the rule (the checks are in
:mod:`~landscape.critical.catalog_checks`).
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import re
import zipfile
from pathlib import Path

import numpy as np

from .._base.files import default_file_mode, remove_stale_temporaries, temporary_file
from ..problem.criticality import CRITICAL_TOL
from ..problem.records import BASIS_ARRAYS, basis_arrays, basis_hash
from ..signed import FrustrationResult
from .catalog_checks import check_arrays, check_classes, check_same_problem, stored_problem
from .catalog_columns import require

__all__ = ["SCHEMA_VERSION"]

#: Version of the catalog file schema written by :meth:`Catalog.save
#: <landscape.critical.catalog.Catalog.save>`.
SCHEMA_VERSION = 2
#: The ``format`` field of a catalog file.
FORMAT = "landscape.catalog"
#: The keys of the ``problem`` section.
PROBLEM_KEYS = {"name", "widths", "sigma", "d_x", "d_y", "loss_offset", "reduced", "n_samples",
                "tie_rtol", "basis_sha256"}


def json_path(path) -> Path:
    """Validate a catalog path: a str or path-like ending in ``.json``."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or path-like, got {type(path).__name__}")
    path = Path(path)
    if path.suffix != ".json":
        raise ValueError(f"path must end in .json (the .npz goes beside it), got {str(path)!r}")
    return path


def file_hash(path) -> str:
    """SHA-256 of a file's bytes (the ``arrays.sha256`` field)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def frustration_record(result: FrustrationResult | None) -> dict | None:
    """The JSON record of a frustration column entry (``None`` stays ``None``)."""
    if result is None:
        return None
    return {"value": result.value, "normalized": result.normalized,
            "lower_bound": result.lower_bound, "exact": result.exact, "method": result.method,
            "signs": [int(x) for x in result.signs]}


def staged_path(npz_path: Path, sha256: str) -> Path:
    """Where a save stages the array file of hash ``sha256`` before the JSON names it
    (a name of :func:`landscape._base.files.remove_stale_temporaries`)."""
    return npz_path.parent / f".{npz_path.name}.{sha256[:8]}.tmp.npz"


# ---------------------------------------------------------------------- writing
def _settle(path: Path, npz_path: Path) -> None:
    """Finish the install a killed save left half-done, then remove its temporaries.

    A save killed after installing its JSON but before moving its arrays into place leaves
    the arrays staged (:func:`staged_path`): they are moved into place when they are the
    ones the JSON names (by hash). Every other temporary of the pair is removed.
    """
    sha = name = None
    if any(staged.name.endswith(".tmp.npz")
           for staged in npz_path.parent.glob(f".{glob.escape(npz_path.name)}.*")):
        try:
            files = json.loads(path.read_text())["arrays"]
            sha, name = files["sha256"], files["file"]
        except (OSError, ValueError, TypeError, KeyError, RecursionError):
            pass
    if name == npz_path.name and isinstance(sha, str) and re.fullmatch("[0-9a-f]{64}", sha):
        staged = staged_path(npz_path, sha)
        if staged.is_file() and file_hash(staged) == sha and not (
                npz_path.is_file() and file_hash(npz_path) == sha):
            try:
                os.replace(staged, npz_path)
            except FileNotFoundError:  # a live save moved it itself
                pass
    remove_stale_temporaries(path)
    remove_stale_temporaries(npz_path)


def _write_npz(handle, arrays: dict[str, np.ndarray]) -> None:
    """An ``.npz`` with fixed timestamps, so the same arrays give the same bytes."""
    with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, array in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            with archive.open(info, "w", force_zip64=True) as out:
                np.lib.format.write_array(out, np.ascontiguousarray(array), allow_pickle=False)


def _dumps(document: dict) -> str:
    """JSON with one line per section and per class (readable diffs), ``allow_nan=False``."""
    dump = json.JSONEncoder(allow_nan=False).encode

    head = ",\n ".join(f"{dump(key)}: {dump(value)}" for key, value in document.items()
                       if key != "classes")
    rows = ",\n  ".join(dump(record) for record in document["classes"])
    return f"{{{head},\n \"classes\": [\n  {rows}\n ]}}\n"


def save_catalog(catalog, path) -> Path:
    """Write ``catalog`` to ``path`` (``.json``) and its ``.npz`` beside it, as a pair.

    Both files are written as locked temporary files first. Then the arrays are renamed to
    their staged name (:func:`staged_path`), the JSON (which names the arrays by hash) into
    place, and the arrays into place: a failure or a kill at any instant leaves either the
    old pair or the new one loadable. The next save of the same path finishes a half-done
    install and removes the temporaries a killed save left (never anything else). Returns
    the path of the JSON file.

    Raises
    ------
    ValueError
        If ``path`` or its ``.npz`` is a directory (before anything is written).
    """
    path = json_path(path)
    npz_path = path.with_suffix(".npz")
    for target in (path, npz_path):
        if target.is_dir():
            raise ValueError(f"path must name a catalog file, but {str(target)!r} is a "
                             f"directory")
    _settle(path, npz_path)
    land = catalog.land
    spec = land.spectrum
    arrays = basis_arrays(spec)
    mode = default_file_mode()
    with temporary_file(npz_path) as npz_tmp, temporary_file(path) as json_tmp:
        with open(npz_tmp, "wb") as handle:
            _write_npz(handle, arrays)
        sha = file_hash(npz_tmp)
        document = {
            "format": FORMAT, "schema_version": SCHEMA_VERSION,
            "problem": {
                "name": spec.name, "widths": list(land.widths),
                "sigma": [float(s) for s in spec.sigma], "d_x": spec.d_x, "d_y": spec.d_y,
                "loss_offset": float(spec.loss_offset), "reduced": bool(spec.reduced),
                "n_samples": spec.n_samples, "tie_rtol": catalog.tie_tol,
                "basis_sha256": basis_hash(arrays)},
            "arrays": {"file": npz_path.name, "sha256": sha},
            "classes": catalog._records(full=False)}
        json_tmp.write_bytes(_dumps(document).encode())
        for tmp in (npz_tmp, json_tmp):
            os.chmod(tmp, mode)
        staged = staged_path(npz_path, sha)
        os.replace(npz_tmp, staged)
        os.replace(json_tmp, path)  # the pair switches here
        try:
            os.replace(staged, npz_path)
        except FileNotFoundError:  # moved by another save's _settle
            pass
    return path


# ---------------------------------------------------------------------- reading
def _reject_constant(name: str):
    raise ValueError(f"numbers must be finite, got {name}")


def _read(path: Path, text: str, land, critical_tol: float) -> dict:
    document = json.loads(text, parse_constant=_reject_constant)
    require(isinstance(document, dict), f"the document must be a JSON object, got "
                                        f"{type(document).__name__}")
    require(document.get("format") == FORMAT,
            f"format must be {FORMAT!r}, got {document.get('format')!r}")
    version = document.get("schema_version")
    require(not (type(version) is int and version == 1),
            f"schema_version must be {SCHEMA_VERSION}, got 1: a catalog file of schema 1 (one "
            f"stored representative per class) is no longer read; write it again with "
            f"enumerate_critical_points(...).save(path) or `landscape catalog ... -o FILE.json`")
    require(type(version) is int and version == SCHEMA_VERSION,
            f"schema_version must be {SCHEMA_VERSION}, got {version!r}")
    require(set(document) == {"format", "schema_version", "problem", "arrays", "classes"},
            f"top-level keys must be format, schema_version, problem, arrays, classes, got "
            f"{sorted(document)}")
    problem, files, classes = document["problem"], document["arrays"], document["classes"]
    require(isinstance(problem, dict) and set(problem) == PROBLEM_KEYS,
            f"problem must hold the keys {sorted(PROBLEM_KEYS)}")
    require(isinstance(files, dict) and set(files) == {"file", "sha256"},
            "arrays must hold the keys file, sha256")
    require(isinstance(classes, list), "classes must be a list")

    name, sha = files["file"], files["sha256"]
    require(isinstance(name, str) and name not in ("", ".", "..") and Path(name).name == name,
            f"arrays.file must be a file name beside the JSON, got {name!r}")
    require(isinstance(sha, str) and re.fullmatch("[0-9a-f]{64}", sha) is not None,
            f"arrays.sha256 must be 64 hexadecimal digits, got {sha!r}")
    npz_path = _named_arrays(path.parent / name, sha)
    expected = set(BASIS_ARRAYS)
    with np.load(npz_path, allow_pickle=False) as data:
        require(set(data.files) == expected,
                f"{npz_path.name} must hold the arrays {sorted(expected)}, got "
                f"{sorted(data.files)}")
        arrays = {name: np.asarray(data[name], dtype=float) for name in data.files}
    check_arrays(arrays, problem)
    stored = stored_problem(problem, arrays)
    if land is not None:
        check_same_problem(land, stored)
        require(land.tie_tol == stored.tie_tol,
                f"land.tie_tol = {land.tie_tol:g} must be the catalog's tie_tol = "
                f"{stored.tie_tol:g} (problem.tie_rtol): build land with "
                f"Landscape(..., tie_tol={stored.tie_tol!r})")
        stored = land
    columns = check_classes(classes, stored, critical_tol=critical_tol)
    return {"land": stored, "weights": None, **columns}


def _named_arrays(npz_path: Path, sha: str) -> Path:
    """The array file the JSON names: at its name, or still staged by a save (same hash)."""
    if npz_path.is_file() and file_hash(npz_path) == sha:
        return npz_path
    staged = staged_path(npz_path, sha)
    if staged.is_file() and file_hash(staged) == sha:
        return staged
    require(npz_path.is_file(), f"the array file {npz_path.name} is missing")
    raise ValueError(f"{npz_path.name} does not match the sha256 recorded in the JSON (a "
                     f"different or modified array file)")


def load_columns(path, *, land=None, critical_tol: float = CRITICAL_TOL) -> dict:
    """Read and validate a catalog file pair; return the columns of the catalog.

    Returns a dict with ``land`` (its ``tie_tol`` the file's), ``masks``, ``values``,
    ``kinds`` (codes into :data:`~landscape.critical.points.KINDS`), ``weights`` (``None``: representatives are
    rebuilt), ``extras`` (curvature fields by row) and ``frustration`` (results by row), as
    :meth:`Catalog.load <landscape.critical.catalog.Catalog.load>` needs them.

    Raises
    ------
    FileNotFoundError
        If the JSON file does not exist.
    ValueError
        ``"catalog PATH is not a valid landscape catalog: ..."`` with the rule that failed.
    """
    path = json_path(path)
    text = path.read_text()
    try:
        return _read(path, text, land, critical_tol)
    except (ValueError, TypeError, KeyError, OSError, zipfile.BadZipFile, OverflowError,
            RecursionError, MemoryError) as exc:
        raise ValueError(f"catalog {path} is not a valid landscape catalog: {exc}") from exc
