"""The checks a catalog file must pass before a catalog is built from it.

Every rule of the file format of :mod:`~landscape.critical.catalog_files` is checked here
field by field, and each failure raises ``ValueError`` naming the field, the rule and the value
found: numbers finite and of the right type, the spectrum and its data basis consistent (the
basis hash of :func:`landscape.problem.records.basis_hash`), each class key canonical within
ties (:func:`landscape.problem.ties.canonical_subset`) and distinct, each value equal to the
closed form ``L_S = L0 + 1/2 sum_{i not in S} sigma_i^2`` (THEORY §2), each representative
critical and in its class, the tie fields, the curvature fields, and each stored frustration
against the weight its switching leaves negative on the representative (THEORY §6).
"""

from __future__ import annotations

import numpy as np

from ..problem.criticality import CriticalKind, check_critical
from ..problem.learnt import learnt_modes
from ..problem.network import Landscape, check_landscape
from ..problem.records import BASIS_ARRAYS, basis_hash
from ..problem.spectrum import DataSpectrum
from ..problem.ties import canonical_subset, tie_counts, tie_groups
from ..signed import FrustrationResult
from ..signed.results import result_of_signs
from .points import grassmannian_dimension

__all__: list[str] = []

#: The keys of a class record (``"frustration"`` may be added).
CLASS_KEYS = {"subset", "value", "kind", "tie_groups", "tie_counts", "grassmannian_dim",
              "inertia", "n_orbit", "centre_dim", "witness_kind"}
#: The keys of a stored frustration.
FRUSTRATION_KEYS = {"value", "normalized", "lower_bound", "exact", "method", "signs"}
#: Relative agreement (times ``L0 + 1/2 sum sigma^2``) required between a stored value and
#: the closed form on load (and between a stored frustration and its signs' weight).
VALUE_RTOL = 1e-9


def require(condition: bool, message: str) -> None:
    """Raise ``ValueError(message)`` unless ``condition``."""
    if not condition:
        raise ValueError(message)


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
    require(value in {k.value for k in CriticalKind},
            f"{name} must be one of {', '.join(k.value for k in CriticalKind)}, got {value!r}")
    return CriticalKind(value)


def check_arrays(arrays: dict, problem: dict) -> None:
    """The arrays are finite and the basis arrays hash to ``problem["basis_sha256"]``."""
    for name, array in arrays.items():
        require(bool(np.all(np.isfinite(array))), f"{name} must hold finite values only")
    require(basis_hash(arrays) == problem["basis_sha256"],
            "basis_sha256 does not match the basis arrays")


def stored_problem(problem: dict, arrays: dict) -> tuple[Landscape, float]:
    """The landscape and the tie tolerance recorded in the ``problem`` section."""
    spec = _spectrum(problem, arrays)
    land = Landscape(spec, _int_list(problem["widths"], "problem.widths"))
    tie_tol = _number(problem["tie_rtol"], "problem.tie_rtol")
    require(0 <= tie_tol < 1, f"problem.tie_rtol must be in [0, 1), got {tie_tol}")
    return land, tie_tol


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


def check_classes(classes: list, land: Landscape, representatives: np.ndarray, *,
                  tie_tol: float, critical_tol: float) -> dict:
    """Check every class record against ``land``; return the catalog's columns.

    Returns a dict with ``masks``, ``values``, ``kinds`` (a list of
    :class:`~landscape.problem.criticality.CriticalKind`), ``extras`` and ``frustration``
    (both by row).
    """
    require(representatives.shape == (len(classes), land.n_params),
            f"representatives must have shape ({len(classes)}, {land.n_params}), got "
            f"{representatives.shape}")
    spec = land.spectrum
    groups = tie_groups(spec.sigma, tie_tol=tie_tol)
    tied = tuple(g for g in groups if len(g) > 1)
    n_modes = sum(len(g) for g in groups)
    scale = spec.loss_offset + 0.5 * float(np.sum(spec.sigma ** 2))
    masks = np.zeros((len(classes), spec.sigma.size), dtype=bool)
    values = np.zeros(len(classes))
    kinds, extras, frustration, seen = [], {}, {}, set()
    for i, record in enumerate(classes):
        name = f"classes[{i}]"
        require(isinstance(record, dict)
                and set(record) in (CLASS_KEYS, CLASS_KEYS | {"frustration"}),
                f"{name} must hold the keys {sorted(CLASS_KEYS)} (and optionally "
                f"frustration)")
        subset = tuple(_int_list(record["subset"], f"{name}.subset"))
        require(subset == tuple(sorted(set(subset))) and all(k < n_modes for k in subset)
                and len(subset) <= land.bottleneck,
                f"{name}.subset must be ascending distinct indices of positive singular "
                f"values, at most r = {land.bottleneck} of them, got {subset}")
        require(canonical_subset(subset, groups) == subset,
                f"{name}.subset must take the lowest indices within each tie group, got "
                f"{subset}")
        require(subset not in seen, f"{name}.subset {subset} appears twice")
        seen.add(subset)
        value = _number(record["value"], f"{name}.value")
        expected = land.critical_value(subset)
        require(abs(value - expected) <= VALUE_RTOL * max(scale, 1.0),
                f"{name}.value must be the critical value {expected!r} of {subset}, got "
                f"{value!r}")
        counts = tie_counts(subset, tied)
        require(record["tie_groups"] == [list(g) for g in tied]
                and record["tie_counts"] == list(counts)
                and record["grassmannian_dim"] == grassmannian_dimension(tied, counts),
                f"{name}: tie_groups, tie_counts and grassmannian_dim must match the "
                f"spectrum's ties")
        kinds.append(_kind(record["kind"], f"{name}.kind"))
        extra = _curvature_fields(record, name, land.n_params)
        if extra:
            extras[i] = extra
        weights = land.unflatten(representatives[i])
        check_critical(land, weights, critical_tol=critical_tol,
                       name=f"the representative of {name}")
        if record.get("frustration") is not None:
            frustration[i] = _frustration_field(record["frustration"], f"{name}.frustration",
                                                weights)
        read = learnt_modes(land, weights, tie_tol=tie_tol).subset
        require(read == subset, f"the representative of {name} is in class {read}, not "
                                f"{subset}")
        masks[i, list(subset)] = True
        values[i] = value
    require(bool(np.all(np.diff(values) <= 0)), "classes must be in order of decreasing value")
    return {"masks": masks, "values": values, "kinds": kinds, "extras": extras,
            "frustration": frustration}


def _curvature_fields(record: dict, name: str, n_params: int) -> dict:
    out = {}
    if record["inertia"] is not None:
        inertia = _int_list(record["inertia"], f"{name}.inertia")
        require(len(inertia) == 3 and sum(inertia) == n_params,
                f"{name}.inertia must be [n_-, n_0, n_+] summing to P = {n_params}, got "
                f"{inertia}")
        out["inertia"] = tuple(inertia)
    for key in ("n_orbit", "centre_dim"):
        if record[key] is not None:
            out[key] = _int(record[key], f"{name}.{key}")
    if record["witness_kind"] is not None:
        out["witness_kind"] = _kind(record["witness_kind"], f"{name}.witness_kind")
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
