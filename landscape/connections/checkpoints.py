"""Checkpoints of a saddle-graph run: every finished class, so that a rerun resumes.

A checkpoint is one JSON file (``allow_nan=False``, written atomically) holding
``{"format", "schema_version", "problem", "options", "escapes", "classes"}``: the problem
as :func:`landscape.problem.records.problem_record` (widths, spectrum, a SHA-256 of the
bases), the probe settings, the escapes of the invariant blocks, and one record per finished
class keyed by its label. A checkpoint of another problem or other settings is refused rather
than mixed in. Internal to :mod:`landscape.connections`.

A checkpoint cannot lie (:func:`check_checkpoint`). Every record is checked for structure and
types, and a failure raises ``ValueError`` naming the path of the field
(``escapes[3].direction``, ``classes["{0}"].random[1]``). Every block escape is checked
against its block (:func:`check_escape`) and re-integrated from its stored start (its exact
probe, docs/theory.md §5): it must converge to its stored target; its time is the one
re-integration gives. A class record's one-hop edges, uncertified count and escape orders
are recomputed from the escapes, the picks and coefficients of its random probes are redrawn
from the seed, and each random probe's outcome must be a class of the problem that lowers the
value and that the probe's block can reach (outside the block's modes the learnt set cannot
change). Integrated again from its redrawn start are: the first probe naming each edge that
only random probes bring (a multi-hop target), every probe that records failed integrations
(retried from a perturbed start; it gets the count the new integration gives), and a random
sample of the other probes -- a share :data:`REINTEGRATED_SHARE` = 1/4 of them (rounded up),
drawn afresh from the operating system's entropy at each check, so that nobody knows in
advance which. Where one first arrives elsewhere -- an edited outcome, or a probe near a
separatrix that another machine's rounding sent the other way -- its class is not trusted but
recomputed, with a ``RuntimeWarning`` naming the probe; nothing else of the checkpoint is lost.

The guarantee for the outcomes not always integrated again (integrating them all would cost
the run): an edit that passes the cheap checks is caught with probability at least 1/4 per
check, ``e`` such edits with probability at least ``1 - (3/4)^e``; each edit missed moves the
probabilities of its class by ``1 / random_probes``.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np

from .._base.files import atomic_write_text
from .._base.parallel import Executor
from .._base.validation import check_seed
from ..geometry.escapes import escape_step
from ..problem.criticality import CriticalKind
from ..problem.network import Landscape, reduced_landscape
from ..problem.ties import canonical_subset
from .blocks import InvariantBlock, combine_blocks, spare_units
from .labels import parse_subset_label, subset_label
from .probes import (PROBE_RETRIES, BlockEscape, exact_probe, one_hop_record, random_plan,
                     random_probe)

__all__: list[str] = []

#: Version of the checkpoint and graph file schemas.
SCHEMA_VERSION = 3
CHECKPOINT_FORMAT = "landscape.saddle_graph_checkpoint"
#: The keys of a stored block escape and of a finished class.
ESCAPE_KEYS = ("modes", "learnt", "n_idle", "order", "step", "label", "direction", "t_final",
               "target")
CLASS_KEYS = ("one_hop", "random", "uncertified", "escape_orders")
#: Agreement required between a stored step or direction norm and its recomputation.
RECOMPUTE_RTOL = 1e-9
#: Share of the random probes not otherwise integrated again that a check integrates again,
#: a sample drawn afresh at each check.
REINTEGRATED_SHARE = 0.25


def require(condition: bool, message: str) -> None:
    """Raise ``ValueError(message)`` unless ``condition``."""
    if not condition:
        raise ValueError(message)


def is_int(value) -> bool:
    """A JSON integer (not ``true``, not ``1.0``)."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value) -> bool:
    """A finite JSON number (not a boolean)."""
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


def current_schema(document, file_format: str) -> bool:
    """Whether ``document`` (a mapping) has ``format`` ``file_format`` and ``schema_version``
    exactly the integer :data:`SCHEMA_VERSION`."""
    return isinstance(document, dict) and document.get("format") == file_format \
        and is_int(document.get("schema_version")) \
        and document.get("schema_version") == SCHEMA_VERSION


def same_record(found, expected) -> bool:
    """``found == expected`` for JSON records, with booleans only equal to booleans."""
    if isinstance(expected, bool) or isinstance(found, bool):
        return type(found) is type(expected) and found == expected
    if isinstance(expected, dict):
        return isinstance(found, dict) and set(found) == set(expected) and all(
            same_record(found[k], v) for k, v in expected.items())
    if isinstance(expected, (list, tuple)):
        return isinstance(found, list) and len(found) == len(expected) and all(
            same_record(a, b) for a, b in zip(found, expected))
    if type(expected) in (int, float):
        return type(found) in (int, float) and found == expected
    return type(found) is type(expected) and found == expected


def _keys(record, keys, name: str) -> dict:
    require(isinstance(record, dict) and set(record) == set(keys),
            f"{name} must be an object with the keys {', '.join(keys)}, got "
            f"{sorted(record) if isinstance(record, dict) else type(record).__name__}")
    return record


def _ints(value, name: str) -> tuple[int, ...]:
    require(isinstance(value, list) and all(is_int(v) and v >= 0 for v in value),
            f"{name} must be a list of non-negative integers, got {value!r}")
    return tuple(value)


def _label(value, name: str) -> tuple[int, ...]:
    """A class label ``"{0,2}"`` written by :func:`subset_label`."""
    try:
        subset = parse_subset_label(value) if isinstance(value, str) else None
    except ValueError:
        subset = None
    require(subset is not None and subset_label(subset) == value,
            f"{name} must be a class label like '{{0,2}}', got {value!r}")
    return subset


def read_checkpoint(path: Path, problem: dict, options: dict) -> dict:
    """``{"escapes", "classes"}`` stored at ``path`` (``{}`` when there is no file yet).

    Only the document is checked here (before any work): its format, schema version, problem
    and options; :func:`check_checkpoint` checks the records.

    Raises
    ------
    ValueError
        For a file that is not JSON, not a checkpoint of this schema version, or was written
        for another problem or other options.
    """
    if not path.exists():
        return {}
    try:
        document = json.loads(path.read_text())
    except (ValueError, OSError, RecursionError) as exc:
        raise ValueError(f"checkpoint {path} must be a readable JSON file: {exc}") from exc
    if not current_schema(document, CHECKPOINT_FORMAT):
        raise ValueError(f"checkpoint {path} must be a saddle-graph checkpoint with "
                         f"schema_version {SCHEMA_VERSION}, got format "
                         f"{document.get('format') if isinstance(document, dict) else None!r}")
    keys = {"format", "schema_version", "problem", "options", "escapes", "classes"}
    if set(document) != keys:
        raise ValueError(f"checkpoint {path} must hold the keys {sorted(keys)}, got "
                         f"{sorted(document)}")
    for name, expected in (("problem", problem), ("options", options)):
        expected = json.loads(json.dumps(expected))  # as the file holds it
        if not same_record(document[name], expected):
            raise ValueError(f"checkpoint {path} was written for other {name}: "
                             f"{document[name]!r}, expected {expected!r}; remove it or "
                             f"pass another path")
    classes, escapes = document["classes"], document["escapes"]
    if not isinstance(classes, dict) or not isinstance(escapes, list):
        raise ValueError(f"checkpoint {path} must hold an 'escapes' list and a 'classes' "
                         f"object")
    return {"escapes": escapes, "classes": classes}


def check_checkpoint(path: Path, stored: dict, *, land: Landscape, catalog, blocks, options,
                     executor: Executor | None = None,
                     progress: bool | None = None, rng=None) -> dict:
    """Check every record of a checkpoint read by :func:`read_checkpoint`; return it.

    ``blocks`` are the invariant blocks of the run in their order, ``options`` its
    ``GraphOptions``, ``catalog`` its classes. Block escapes come back with the time their
    re-integration gives. The random probes integrated again run on ``executor`` (serial by
    default), with ``progress`` as in :meth:`~landscape._base.parallel.Executor.map`; ``rng``
    (a ``numpy.random.Generator``; by default one seeded from the operating system's entropy,
    so that nobody can know beforehand which probes it picks) draws the sample of the other
    random probes that is integrated again.

    Raises
    ------
    ValueError
        ``"checkpoint PATH is not a valid saddle-graph checkpoint: FIELD ..."`` for the first
        record that fails (see the module docstring).
    """
    if not stored:
        return stored
    try:  # the cheap checks of every record first, then the integrations
        escapes = _check_escapes(stored["escapes"], land, blocks, options)
        arrivals, others = _check_classes(stored["classes"], land, catalog, escapes, options)
        times = [_reintegrate(f"escapes[{k}]", escape, land, options)
                 for k, (_, escape) in enumerate(escapes)]
    except ValueError as exc:
        raise ValueError(f"checkpoint {path} is not a valid saddle-graph checkpoint: "
                         f"{exc}") from exc
    rng = check_seed(rng, "rng")
    sample = sorted(rng.choice(len(others), size=math.ceil(REINTEGRATED_SHARE * len(others)),
                               replace=False).tolist()) if others else []
    elsewhere = _rearrive(arrivals + [others[k] for k in sample], land, options,
                          executor or Executor(), progress)
    if elsewhere:
        warnings.warn(f"checkpoint {path}: {len(elsewhere)} finished class(es) recomputed, "
                      f"a random probe of each arriving elsewhere when integrated again (an "
                      f"edited outcome, or a probe near a separatrix on another machine); "
                      f"first: {next(iter(elsewhere.values()))}", RuntimeWarning, stacklevel=3)
    return {"escapes": [{**record, "t_final": t} for (record, _), t in zip(escapes, times)],
            "classes": {label: record for label, record in stored["classes"].items()
                        if label not in elsewhere}}


def _check_escapes(records, land, blocks, options):
    """``(record, BlockEscape)`` pairs, checked for structure, types, step and label."""
    position = {block: k for k, block in enumerate(blocks)}
    out, last = [], 0
    for k, record in enumerate(records):
        name = f"escapes[{k}]"
        _keys(record, ESCAPE_KEYS, name)
        modes = _ints(record["modes"], f"{name}.modes")
        learnt = _ints(record["learnt"], f"{name}.learnt")
        require(is_int(record["n_idle"]), f"{name}.n_idle must be an integer, got "
                                          f"{record['n_idle']!r}")
        block = InvariantBlock(modes, learnt, record["n_idle"], land.h)
        require(block in position, f"{name} must be the escape of one of the run's invariant "
                                   f"blocks, got modes {modes}, learnt {learnt}, n_idle "
                                   f"{record['n_idle']}")
        require(position[block] >= last, f"{name} must follow the escapes of the blocks "
                                         f"before its own, in the run's order")
        last = position[block]
        out.append((record, check_escape(record, name, block, land.spectrum.sigma,
                                         options.radius * land.weight_scale)))
    return out


def check_escape(record, name, block, sigma, cap: float) -> BlockEscape:
    """A stored escape against its ``block`` (``sigma``: the problem's singular values), with
    nothing integrated: an order ``k >= 2``, a unit direction along which the block point's
    loss polynomial ``L(x + t v) = sum_l c_l t^l`` has ``c_k < 0``, the step of
    :func:`~landscape.geometry.escapes.escape_step` under ``cap`` (``radius sigma_1^{1/h}``)
    at which ``sum_{l >= 1} c_l t^l < 0`` (the loss falls there), the label of its block."""
    inner = block.landscape(sigma)
    start = block.start(inner)
    order = record["order"]
    require(is_int(order) and order >= 2,
            f"{name}.order must be an integer >= 2, got {order!r}")
    direction = record["direction"]
    require(isinstance(direction, list) and len(direction) == inner.n_params
            and all(is_number(v) for v in direction),
            f"{name}.direction must be a list of {inner.n_params} finite numbers")
    direction = np.array(direction, dtype=float)
    require(abs(float(np.linalg.norm(direction)) - 1.0) <= RECOMPUTE_RTOL,
            f"{name}.direction must be a unit vector, got norm "
            f"{float(np.linalg.norm(direction))!r}")
    coefficients = inner.loss_polynomial(start, inner.unflatten(direction))
    require(order < coefficients.size and coefficients[order] < 0,
            f"{name}: the loss must fall at order {order} along its direction (its "
            f"coefficient is not negative)")
    step = escape_step(coefficients, order, cap)
    require(is_number(record["step"])
            and abs(record["step"] - step) <= RECOMPUTE_RTOL * step,
            f"{name}.step must be the step {step!r} of its escape, got {record['step']!r}")
    change = step * float(np.polynomial.polynomial.polyval(step, coefficients[1:]))
    require(change < 0, f"{name}: the loss must fall at its step {step!r} along its direction, "
                        f"it changes by {change!r}")
    target = record["target"]
    if target is not None:
        target = _ints(target, f"{name}.target")
        require(list(target) == sorted(set(target)) and all(i < len(block.modes)
                                                            for i in target),
                f"{name}.target must be ascending indices into its block's modes, got "
                f"{target}")
    require(is_number(record["t_final"]) and record["t_final"] >= 0,
            f"{name}.t_final must be a non-negative number, got {record['t_final']!r}")
    escape = BlockEscape(block, order, direction, float(record["step"]), target,
                         float(record["t_final"]))
    require(record["label"] == escape.label,
            f"{name}.label must be {escape.label!r}, got {record['label']!r}")
    return escape


def _reintegrate(name, escape: BlockEscape, land, options) -> float:
    """The exact probe again, from the stored start (what ``block_escapes`` integrated): it
    must converge to the stored target; returns the time it takes."""
    inner = escape.block.landscape(land.spectrum.sigma, tie_tol=land.tie_tol)
    theta = inner.flatten(escape.block.start(inner)) + escape.step * escape.direction
    found, t_final = exact_probe(land, inner, theta, t_max=options.t_max)
    require(found == escape.target,
            f"{name}: its exact probe, integrated again, converges to "
            f"{None if found is None else list(found)}, not to the stored target "
            f"{None if escape.target is None else list(escape.target)}")
    return t_final


def _arrival_task(task):
    """Where one stored random probe, integrated again, first arrives, and how many of its
    integrations failed (for the executor)."""
    land, subset, chosen, coefficients, groups, options = task
    return random_probe(land, reduced_landscape(land), subset, chosen, coefficients, groups,
                        options=options)


def _rearrive(arrivals, land, options, executor, progress) -> dict[str, str]:
    """Integrate each random probe of ``arrivals`` again (on ``executor``): the trajectory
    behind an edge that only random probes bring, each probe that records failed
    integrations and the random sample of the others. A probe's record gets the failure
    count of its re-integration; returns ``{class label: what happened}`` for the classes
    where one first arrives elsewhere than its stored class."""
    groups = land.tie_groups
    tasks = [(land, subset, chosen, coefficients, groups, options)
             for _, subset, chosen, coefficients, _, _ in arrivals]
    elsewhere = {}
    for k, (found, failed) in executor.map(_arrival_task, tasks, progress=progress,
                                           desc="checkpoint: random probes re-integrated"):
        where, subset, _, _, target, probe = arrivals[k]
        probe[3] = failed
        if found != target:
            elsewhere.setdefault(subset_label(subset), (
                f"{where}[2] first arrives at "
                f"{'no class' if found is None else subset_label(found)}, not at the stored "
                f"{'no class' if target is None else subset_label(target)}"))
    return elsewhere


def _check_classes(classes: dict, land, catalog, escapes, options) -> tuple[list, list]:
    """Check every class record; the random probes that must be re-integrated (see
    :func:`_check_random`) and the others."""
    groups = land.tie_groups
    arrivals, others = [], []
    known = {subset_label(s): (s, kind) for s, kind in zip(catalog.subsets, catalog.kinds)}
    for label, record in classes.items():
        name = f"classes[{label!r}]"
        require(label in known, f"{name}: no class of the catalog has that label")
        subset, kind = known[label]
        require(kind is not CriticalKind.GLOBAL_MINIMUM,
                f"{name}: a global minimum has no escapes to record")
        _keys(record, CLASS_KEYS, name)
        fitting = [(i, e) for i, (_, e) in enumerate(escapes) if e.block.fits(land, subset)]
        expected = one_hop_record(subset, fitting, groups)
        for key, value in expected.items():
            require(same_record(record[key], value),
                    f"{name}.{key} must be {value!r} (from the block escapes), got "
                    f"{record[key]!r}")
        required, rest = _check_random(record["random"], name, land, subset, fitting, options,
                                  groups, one_hop={label for label, _ in expected["one_hop"]})
        arrivals += required
        others += rest
    return arrivals, others


def _check_random(probes, name, land, subset, fitting, options, groups,
                  one_hop) -> tuple[list, list]:
    """Picks and coefficients redrawn from the seed
    (:func:`~landscape.connections.probes.random_plan`, as the run drew them); each outcome a
    class of the problem that lowers the value and that the block reaches; each failure count
    in ``[0, PROBE_RETRIES + 1]``. Returns the probes that must be re-integrated -- the
    first probe of each target outside ``one_hop`` (labels) and every probe that records a
    failure -- and the others (of which a random sample is)."""
    plan = random_plan(subset, fitting, options.random_probes, options.seed)
    require(isinstance(probes, list) and len(probes) == len(plan),
            f"{name}.random must be a list of {len(plan)} probes, got "
            f"{len(probes) if isinstance(probes, list) else type(probes).__name__}")
    value = land.critical_value(subset)
    arrivals, others, named = [], [], set(one_hop)
    for k, (probe, (indices, chosen, coefficients)) in enumerate(zip(probes, plan)):
        where = f"{name}.random[{k}]"
        require(isinstance(probe, list) and len(probe) == 4,
                f"{where} must be [escapes, coefficients, class label or null, failures]")
        require(same_record(probe[0], indices) and same_record(probe[1], coefficients),
                f"{where} must be the probe drawn from the seed: escapes {indices}, "
                f"coefficients {coefficients}; got {probe[0]!r}, {probe[1]!r}")
        require(is_int(probe[3]) and 0 <= probe[3] <= PROBE_RETRIES + 1,
                f"{where}[3] must be an integer in [0, {PROBE_RETRIES + 1}] (failed "
                f"integrations), got {probe[3]!r}")
        target = None if probe[2] is None else _label(probe[2], f"{where}[2]")
        if target is not None:
            _check_arrival(target, where, land, subset, value, chosen, groups)
        if probe[3] > 0 or (target is not None and subset_label(target) not in named):
            if target is not None:
                named.add(subset_label(target))
            arrivals.append((where, subset, chosen, coefficients, target, probe))
        else:
            others.append((where, subset, chosen, coefficients, target, probe))
    return arrivals, others


def _check_arrival(target, where, land, subset, value, chosen, groups) -> None:
    n_modes = sum(len(g) for g in groups)
    require(all(i < n_modes for i in target) and len(target) <= land.bottleneck
            and canonical_subset(target, groups) == target,
            f"{where}[2] must name a class of the problem (canonical learnt set of at most "
            f"r = {land.bottleneck} of its {n_modes} modes), got {subset_label(target)}")
    require(land.critical_value(target) < value,
            f"{where}[2]: the class {subset_label(target)} does not lower the value "
            f"{value!r} of {subset_label(subset)}")
    combined = combine_blocks([e.block for e in chosen], spare_units(land, subset))
    inside = set(combined.modes)
    outside = set(subset) - inside
    for g in groups:  # per tie group: outside the block nothing changes
        low = len(outside & set(g))
        high = low + len(inside & set(g))
        require(low <= len(set(target) & set(g)) <= high,
                f"{where}[2]: the class {subset_label(target)} is out of reach of the probe's "
                f"block (modes {list(combined.modes)}) from {subset_label(subset)}")


def write_checkpoint(path: Path, problem: dict, options: dict, state: dict) -> None:
    """Write ``state`` (``{"escapes", "classes"}``) to ``path`` atomically."""
    text = json.dumps({"format": CHECKPOINT_FORMAT, "schema_version": SCHEMA_VERSION,
                       "problem": problem, "options": options, **state}, allow_nan=False)
    atomic_write_text(path, text)
