"""The checks a catalog file must pass before a catalog is built from it.

Every rule of the file format of :mod:`~landscape.critical.catalog_files` is checked here,
each failure raising ``ValueError`` naming the field, the rule and the value found: numbers
finite and of the right type, the spectrum and its data basis consistent (the basis hash of
:func:`landscape.problem.records.basis_hash`), each class key canonical within ties
(:func:`landscape.problem.ties.canonical_subset`) and admissible, the keys exactly the
enumeration's (each class listed once, none missing), each value equal to the closed form
``L_S = L0 + 1/2 sum_{i not in S} sigma_i^2`` (docs/theory.md §2), each class's canonical
representative critical and in its class, each kind equal to the kind the witness test gives
that representative (:func:`landscape.geometry.witness_kind`, docs/theory.md §4.1), the tie
fields, and each stored frustration against the weight its switching leaves negative on the
representative (docs/theory.md §6). What cannot be recomputed cheaply (the Hessian inertia,
the orbit and centre dimensions) is checked for type, range and consistency: ``n_- > 0``
exactly at a strict saddle, ``n_orbit <= min(n_0, sum_j d_j^2)`` over the hidden layers,
``centre_dim = n_0 - n_orbit``, ``witness_kind`` equal to ``kind``.

The class records are checked a column at a time (:mod:`~landscape.critical.catalog_columns`)
and against the enumeration's own batches (:func:`~landscape.critical.batches.class_blocks`,
verified by :func:`~landscape.critical.batches.verified_columns`, the checks of
:func:`~landscape.critical.representatives.critical_point` on every class at once), matched
to the stored rows by sorted keys: a load costs about what building the catalog costs, not
one dense test per class. Only rows that carry curvature fields or a frustration entry are
checked one at a time.
"""

from __future__ import annotations

import operator

import numpy as np

from ..problem.criticality import CriticalKind
from ..problem.network import Landscape, check_landscape
from ..problem.records import BASIS_ARRAYS, basis_hash
from ..problem.spectrum import DataSpectrum
from ..signed import FrustrationResult
from ..signed.results import result_of_signs
from .batches import admissible_sizes, class_blocks, verified_columns
from .catalog_columns import (flags, kind_codes, number_column, require, require_rows, row_keys,
                              subset_masks)
from .points import CURVATURE_FIELDS, KINDS
from .representatives import canonical_representative

__all__: list[str] = []

#: The keys of a class record (the curvature fields and ``"frustration"`` may be added).
CLASS_KEYS = {"subset", "value", "kind"}
#: The keys of a stored frustration.
FRUSTRATION_KEYS = {"value", "normalized", "lower_bound", "exact", "method", "signs"}
#: Relative agreement (times ``L0 + 1/2 sum sigma^2``) required between a stored value and
#: the closed form on load (and between a stored frustration and its signs' weight).
VALUE_RTOL = 1e-9
#: Classes the load check enumerates and verifies at a time.
CHUNK = 8192


def _int(value, name: str, minimum: int = 0) -> int:
    require(isinstance(value, int) and not isinstance(value, bool) and value >= minimum,
            f"{name} must be an integer >= {minimum}, got {value!r}")
    return value


def _number(value, name: str) -> float:
    require(isinstance(value, (int, float)) and not isinstance(value, bool),
            f"{name} must be a number, got {value!r}")
    return float(value)


def _int_list(value, name: str) -> list[int]:
    require(isinstance(value, list), f"{name} must be a list of integers, got {value!r}")
    return [_int(v, f"{name}[{k}]") for k, v in enumerate(value)]


def _kind(value, name: str) -> CriticalKind:
    require(isinstance(value, str) and value in {k.value for k in CriticalKind},
            f"{name} must be one of {', '.join(k.value for k in CriticalKind)}, got {value!r}")
    return CriticalKind(value)


def check_arrays(arrays: dict, problem: dict) -> None:
    """The arrays are finite and the basis arrays hash to ``problem["basis_sha256"]``."""
    for name, array in arrays.items():
        require(bool(np.all(np.isfinite(array))), f"{name} must hold finite values only")
    require(basis_hash(arrays) == problem["basis_sha256"],
            "basis_sha256 does not match the basis arrays")


def stored_problem(problem: dict, arrays: dict) -> Landscape:
    """The landscape recorded in the ``problem`` section, with its tie tolerance."""
    spec = _spectrum(problem, arrays)
    tie_tol = _number(problem["tie_rtol"], "problem.tie_rtol")
    require(0 <= tie_tol < 1, f"problem.tie_rtol must be in [0, 1), got {tie_tol}")
    return Landscape(spec, _int_list(problem["widths"], "problem.widths"), tie_tol=tie_tol)


def _spectrum(problem: dict, arrays: dict) -> DataSpectrum:
    d_x = _int(problem["d_x"], "problem.d_x", 1)
    d_y = _int(problem["d_y"], "problem.d_y", 1)
    sigma = np.array([_number(s, f"problem.sigma[{k}]") for k, s in
                      enumerate(problem["sigma"] if isinstance(problem["sigma"], list) else [])])
    require(sigma.size == min(d_x, d_y) and bool(np.all(sigma >= 0))
            and bool(np.all(np.diff(sigma) <= 0)),
            f"problem.sigma must list min(d_x, d_y) = {min(d_x, d_y)} non-negative values in "
            f"descending order, got {problem['sigma']!r}")
    for name, shape in zip(BASIS_ARRAYS, ((d_y, d_y), (d_x, d_x), (d_x, d_x), (d_x, d_x))):
        require(arrays[name].shape == shape,
                f"{name} must have shape {shape}, got {arrays[name].shape}")
    loss_offset = _number(problem["loss_offset"], "problem.loss_offset")
    require(loss_offset >= 0, f"problem.loss_offset must be >= 0, got {loss_offset}")
    require(isinstance(problem["reduced"], bool),
            f"problem.reduced must be true or false, got {problem['reduced']!r}")
    require(isinstance(problem["name"], str),
            f"problem.name must be a string, got {problem['name']!r}")
    n_samples = problem["n_samples"]
    if n_samples is not None:
        _int(n_samples, "problem.n_samples", 1)
    return DataSpectrum(sigma=sigma, d_x=d_x, d_y=d_y, loss_offset=loss_offset,
                        reduced=problem["reduced"], left=arrays["left"], right=arrays["right"],
                        input_sqrt=arrays["input_sqrt"],
                        input_inv_sqrt=arrays["input_inv_sqrt"], n_samples=n_samples,
                        name=problem["name"])


def check_same_problem(land: Landscape, stored: Landscape) -> None:
    """``land`` is the problem the catalog was computed for (widths, spectrum, data basis)."""
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
        require(bool(ok), f"the catalog was computed for a different problem: {text}")
    for name in BASIS_ARRAYS:
        require(np.allclose(getattr(a, name), getattr(b, name), rtol=1e-9, atol=1e-12),
                f"the catalog was computed for a different problem: its data basis "
                f"({name}) differs")


def check_classes(classes: list, land: Landscape, *, critical_tol: float) -> dict:
    """Check every class record against ``land`` (and its ``tie_tol``), all rows at once;
    return the columns.

    The stored keys must be exactly the enumeration's (:mod:`~landscape.critical.batches`):
    each canonical, admissible and listed once, and none missing. Values and kinds are
    compared with the enumeration's verified columns
    (:func:`~landscape.critical.batches.verified_columns`: each canonical representative
    critical to ``critical_tol``, its learnt set read back, its kind by the witness test).
    Returns a dict with ``masks``, ``values`` (the closed form), ``kinds`` (codes into
    :data:`~landscape.critical.points.KINDS`), ``extras`` and ``frustration`` (both by row).
    """
    require(isinstance(classes, list), "classes must be a list")
    n = len(classes)
    sigma = land.spectrum.sigma
    groups = land.tie_groups
    first = classes[0] if classes and isinstance(classes[0], dict) else {}
    column = "frustration" in first
    curvature = "inertia" in first
    keys = CLASS_KEYS | ({"frustration"} if column else set()) \
        | (set(CURVATURE_FIELDS) if curvature else set())
    require_rows(flags((type(r) is dict for r in classes), n),
                 lambda i: f"classes[{i}] must be a JSON object, got {classes[i]!r}")
    require_rows(flags(map(keys.__eq__, map(set, classes)), n),
                 lambda i: f"classes[{i}] must hold the keys {sorted(keys)} (the curvature "
                           f"fields and frustration in every class or in none)")
    n_modes = sum(len(g) for g in groups)
    masks = subset_masks([r["subset"] for r in classes], sigma.size, n_modes,
                         admissible_sizes(land, n_modes), land.bottleneck, groups)
    stored_values = number_column([r["value"] for r in classes], "value")
    kinds = kind_codes([r["kind"] for r in classes], "kind")
    extras = {}
    if curvature:
        nothing = (None,) * len(CURVATURE_FIELDS)
        for i in np.flatnonzero(~flags(map(nothing.__eq__, map(
                operator.itemgetter(*CURVATURE_FIELDS), classes)), n)).tolist():
            extras[i] = _curvature_fields(classes[i], f"classes[{i}]", land, KINDS[kinds[i]])
    values, found = _enumeration_columns(land, masks, groups, critical_tol=critical_tol)
    scale = land.spectrum.loss_offset + 0.5 * float(np.sum(sigma ** 2))
    require_rows(np.abs(stored_values - values) <= VALUE_RTOL * max(scale, 1.0),
                 lambda i: f"classes[{i}].value must be the critical value {values[i]!r} of "
                           f"{_subset(masks[i])}, got {classes[i]['value']!r}")
    require_rows(kinds == found,
                 lambda i: f"classes[{i}].kind must be {KINDS[found[i]].value!r}, the kind the "
                           f"witness test gives its representative "
                           f"(landscape.geometry.witness_kind), got {KINDS[kinds[i]].value!r}")
    require(bool(np.all(np.diff(values) <= 0)), "classes must be in order of decreasing value")
    frustration = {}
    if column:
        for i in np.flatnonzero(flags((r["frustration"] is not None for r in classes),
                                      n)).tolist():
            weights = canonical_representative(land, _subset(masks[i]))
            frustration[i] = _frustration_field(classes[i]["frustration"],
                                                f"classes[{i}].frustration", weights)
    return {"masks": masks, "values": values, "kinds": kinds, "extras": extras,
            "frustration": frustration}


def _subset(mask: np.ndarray) -> tuple[int, ...]:
    return tuple(np.flatnonzero(mask).tolist())


def _enumeration_columns(land: Landscape, masks: np.ndarray, groups, *,
                         critical_tol: float) -> tuple[np.ndarray, np.ndarray]:
    """Values and kind codes of the stored rows (``masks``: canonical, admissible) from the
    enumeration's verified columns, after checking that the rows hold every class of the
    enumeration once (compared by sorted keys; the enumeration stops at the first class
    missing, so its work is bounded by the rows given)."""
    n = masks.shape[0]
    keys = row_keys(masks)
    order = np.argsort(keys, kind="stable")
    ranked = keys[order]
    twice = np.flatnonzero(ranked[1:] == ranked[:-1])
    if twice.size:
        i = int(order[twice[0] + 1])
        raise ValueError(f"classes[{i}].subset {_subset(masks[i])} appears twice")
    values, kinds = np.zeros(n), np.zeros(n, dtype=np.uint8)
    filled = np.zeros(n, dtype=bool)
    for rows, block in class_blocks(land, groups, CHUNK):
        block_masks, block_values, block_kinds = verified_columns(
            land, rows, block, groups, critical_tol=critical_tol)
        found = row_keys(block_masks)
        at = np.minimum(np.searchsorted(ranked, found), max(n - 1, 0))
        present = (ranked[at] == found) if n else np.zeros(len(rows), dtype=bool)
        require_rows(present, lambda j: f"classes must list every critical class of the "
                                        f"problem once, but {rows[j]} is missing")
        values[order[at]], kinds[order[at]] = block_values, block_kinds
        filled[order[at]] = True
    # every row matched: the stored keys are the enumeration's, not only as many
    require_rows(filled, lambda i: f"classes[{i}].subset {_subset(masks[i])} is not a critical "
                                   f"class of the problem")
    return values, kinds


def _curvature_fields(record: dict, name: str, land: Landscape, kind: CriticalKind) -> dict:
    """The curvature fields, checked for type, range and consistency with each other and
    with ``kind`` (they cannot be recomputed cheaply: the inertia needs the Hessian)."""
    out = {}
    present = [record[key] is not None for key in CURVATURE_FIELDS]
    require(all(present) or not any(present),
            f"{name}: the curvature fields {', '.join(CURVATURE_FIELDS)} must all be null or "
            f"all be given (they come from one classification), got "
            f"{', '.join(k for k, p in zip(CURVATURE_FIELDS, present) if p)}")
    n_params = land.n_params
    n_zero = n_params
    if record["inertia"] is not None:
        inertia = _int_list(record["inertia"], f"{name}.inertia")
        require(len(inertia) == 3 and sum(inertia) == n_params,
                f"{name}.inertia must be [n_-, n_0, n_+] summing to P = {n_params}, got "
                f"{inertia}")
        require((inertia[0] > 0) == (kind is CriticalKind.STRICT_SADDLE),
                f"{name}.inertia must have n_- > 0 exactly at a strict saddle, got {inertia} "
                f"for a {kind.value}")
        out["inertia"] = tuple(inertia)
        n_zero = inertia[1]
    group = sum(d * d for d in land.widths[1:-1])
    for key in ("n_orbit", "centre_dim"):
        if record[key] is not None:
            out[key] = _int(record[key], f"{name}.{key}")
    if "n_orbit" in out:
        require(out["n_orbit"] <= min(n_zero, group),
                f"{name}.n_orbit must be at most the kernel dimension n_0 = {n_zero} and the "
                f"dimension sum_j d_j^2 = {group} of the hidden-layer group, got "
                f"{out['n_orbit']}")
    if "centre_dim" in out:
        expected = n_zero - out["n_orbit"] if "inertia" in out and "n_orbit" in out else None
        require(out["centre_dim"] <= n_zero and expected in (None, out["centre_dim"]),
                f"{name}.centre_dim must be n_0 - n_orbit = {expected}, got "
                f"{out['centre_dim']}" if expected is not None else
                f"{name}.centre_dim must be at most n_0 = {n_zero}, got {out['centre_dim']}")
    if record["witness_kind"] is not None:
        out["witness_kind"] = _kind(record["witness_kind"], f"{name}.witness_kind")
        require(out["witness_kind"] is kind,
                f"{name}.witness_kind must be the kind {kind.value!r} (both come from the "
                f"witness test on the representative), got {out['witness_kind'].value!r}")
    return out


def _frustration_field(record, name: str, weights: list) -> FrustrationResult:
    """A stored frustration, checked against the weight its switching leaves negative."""
    require(isinstance(record, dict) and set(record) == FRUSTRATION_KEYS,
            f"{name} must be null or hold the keys {sorted(FRUSTRATION_KEYS)}")
    value = _number(record["value"], f"{name}.value")
    normalized = _number(record["normalized"], f"{name}.normalized")
    lower = _number(record["lower_bound"], f"{name}.lower_bound")
    require(isinstance(record["exact"], bool),
            f"{name}.exact must be true or false, got {record['exact']!r}")
    require(isinstance(record["signs"], list) and all(
        isinstance(x, int) and not isinstance(x, bool) for x in record["signs"]),
        f"{name}.signs must be a list of +1 and -1")
    try:
        result = result_of_signs(weights, record["signs"], exact=record["exact"],
                                 lower_bound=lower, method=record["method"])
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from exc
    slack = VALUE_RTOL * result.total_weight
    require(abs(value - result.value) <= slack,
            f"{name}.value must be the weight {result.value!r} that its signs leave negative "
            f"on the representative, got {value!r}")
    require(abs(normalized - result.normalized) <= VALUE_RTOL,
            f"{name}.normalized must be value / total weight = {result.normalized!r}, got "
            f"{normalized!r}")
    require(0 <= lower <= value + slack and (not record["exact"] or lower >= value - slack),
            f"{name}.lower_bound must be in [0, value] and equal value when exact, got "
            f"{lower!r} (value {value!r}, exact {record['exact']})")
    return result
