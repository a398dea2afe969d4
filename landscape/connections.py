"""The saddle connection graph: heteroclinic connections found by perturbed integration.

A heteroclinic connection ``S -> S'`` is a gradient-flow trajectory whose backward limit lies
in the fiber of the critical class ``S`` and whose forward limit lies in the fiber of ``S'``;
the loss strictly decreases along it (THEORY §5; Wendin & Altafini, SIAM Review 2025, on
stable and unstable submanifolds at saddles; Bah, Rauhut, Terstiege & Westdickenberg,
Inf. Inference 2021, on convergence of the flow). :func:`saddle_graph` discovers them and
nothing else: every edge of its graph was *seen* on an integrated trajectory, none comes
from a formula.

For every saddle class ``S`` of the catalog it starts at the canonical representative
``W_S``, steps off along each escape direction ``v`` of
:func:`landscape.escape.escape_directions` (negative Hessian eigenvectors, order 2, and
higher-order escapes through the centre, order ``k >= 3``; THEORY §4.2), with each sign
``s`` along which the lowest non-vanishing coefficient ``c_k`` of the exact loss polynomial
``L(W_S + t v)`` descends (``c_k s^k < 0``), and along random positive combinations of those
directions that still descend (the unstable set is a cone, not a subspace). Each step
``W_S + r s v`` uses several radii ``r``, capped where the order-``k`` term still dominates
the higher ones: near a non-hyperbolic saddle the flow leaves only algebraically
(time ``~ r^{-(k-2)}``), so the step must be large enough to leave and small enough to
follow ``v``. The first probe of each step is exact; the others add a small random jitter,
which breaks the invariant path subspaces so that the trajectory goes on past the next
saddle instead of converging to it.

Every probe is integrated with :func:`landscape.flow.gradient_flow` (LSODA with the exact
Hessian as Jacobian by default, which takes long steps on plateaus), its weights recorded.
The classes it visits are the **plateaus** of :func:`landscape.flow.plateaus` (runs of
records with ``||grad L|| <= grad_tol * sigma_1^{(2h-1)/h}``). A plateau point is only near
a critical point, so the nearby critical point is canonicalised by **reading its class
from the learnt modes of the end-to-end map** at the plateau's record of smallest gradient
(:func:`landscape.modes.learnt_modes`: the reduced map's singular values in each tie block
above ``sigma_g / 2``, exact at a critical point and the nearest class near one), and the
reading is accepted only where the loss there is within ``value_tol`` (relative to
``1/2 sum sigma_i^2``) of that class's critical value. Consecutive distinct visits, starting
with ``S`` itself, are the edges. Every trajectory also reports the drift of the conserved
``C_j = W_{j+1}^T W_{j+1} - W_j W_j^T`` as an accuracy check of the integration.

The per-class work (classification and probes) runs through :class:`~landscape.executor.Executor`
(serial, ``joblib`` processes or a Dask client) with a seed derived from ``seed`` and the
class key, so the graph is the same whichever ran it; ``checkpoint=PATH`` stores every class
as it finishes and a rerun resumes from there.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import numpy as np
from ._base.validation import check_int, check_nonnegative, check_positive
from .catalog import _BASIS, Catalog, _basis_hash
from .critical import enumerate_critical_points
from .curvature import classify
from ._base.files import atomic_write
from .escape import _step, escape_directions
from ._base.parallel import Executor
from .flow import FlowResult, gradient_flow, plateaus
from .problem.network import Landscape, check_landscape
from .problem import CriticalKind, learnt_modes

__all__ = [
    "GraphChecks",
    "Visit",
    "check_saddle_graph",
    "load_saddle_graph",
    "saddle_graph",
    "save_saddle_graph",
    "subset_label",
    "trajectory_visits",
]

#: Version of the checkpoint and graph file schemas.
SCHEMA_VERSION = 1
_CHECKPOINT_FORMAT = "landscape.saddle_graph_checkpoint"
_GRAPH_FORMAT = "landscape.saddle_graph"
#: Relative size (times ``weight_scale^j / sigma_1^2``) below which a coefficient ``c_j`` of
#: the loss polynomial counts as zero when the leading order of a direction is read.
_COEFFICIENT_RTOL = 1e-9
#: Edge and node attributes holding a list of layer matrices.
_LAYER_KEYS = ("example_start", "example_direction")


# ---------------------------------------------------------------------- visits of a trajectory
@dataclass(frozen=True)
class Visit:
    """A critical class a trajectory came close to.

    Attributes
    ----------
    subset : tuple of int
        The class key, read from the learnt modes at the plateau.
    t_start, t_end : float
        Time span of the plateau (both 0 for the start of a probe, which begins next to its
        saddle by construction).
    loss : float
        The loss at the plateau's record of smallest gradient.
    """

    subset: tuple[int, ...]
    t_start: float
    t_end: float
    loss: float


def trajectory_visits(land: Landscape, result: FlowResult, *, grad_tol: float = 1e-3,
                      value_tol: float = 1e-3, rtol: float = 1e-8
                      ) -> tuple[list[Visit], int]:
    """The critical classes a recorded trajectory visits, in order, and the unread plateaus.

    A visit is a plateau of :func:`landscape.flow.plateaus` (``||grad L|| <= grad_tol *
    sigma_1^{(2h-1)/h}`` held over consecutive records) whose class is read from the learnt
    modes of the end-to-end map at its record of smallest gradient, and accepted when the
    loss there is within ``value_tol * 1/2 sum sigma_i^2`` of that class's critical value
    ``L_S = L0 + 1/2 sum_{i not in S} sigma_i^2``. Consecutive plateaus of one class merge.

    Parameters
    ----------
    land : Landscape
    result : FlowResult
        A trajectory recorded with ``record_weights=True``.
    grad_tol, value_tol : float
        Plateau threshold and accepted distance from the critical value (both relative).
    rtol : float
        Tie tolerance of :func:`landscape.modes.learnt_modes`.

    Returns
    -------
    visits : list of Visit
    unresolved : int
        Plateaus whose loss was not near the value of the class read there.

    Examples
    --------
    >>> import numpy as np
    >>> from landscape.data import DataSpectrum
    >>> land = Landscape(DataSpectrum.from_singular_values([2.0]), widths=(1, 1, 1))
    >>> res = gradient_flow(land, [np.array([[1e-3]]), np.array([[1e-3]])], record_weights=True)
    >>> visits, unresolved = trajectory_visits(land, res)
    >>> [v.subset for v in visits], unresolved
    ([(), (0,)], 0)
    """
    if not isinstance(result, FlowResult) or result.trajectory is None:
        raise ValueError("result must be a FlowResult recorded with record_weights=True")
    grad_tol = check_positive(grad_tol, "grad_tol")
    value_tol = check_positive(value_tol, "value_tol")
    scale = land.loss_scale
    visits: list[Visit] = []
    unresolved = 0
    for plateau in plateaus(result, land, grad_tol=grad_tol):
        span = slice(plateau.start_index, plateau.end_index + 1)
        index = plateau.start_index + int(np.argmin(result.gradient_norm[span]))
        weights = land.unflatten(result.trajectory[index])
        subset = learnt_modes(land, weights, tie_tol=rtol).subset
        loss = float(result.loss[index])
        if abs(loss - land.critical_value(subset)) > value_tol * scale:
            unresolved += 1
            continue
        if visits and visits[-1].subset == subset:
            last = visits[-1]
            visits[-1] = Visit(subset, last.t_start, plateau.t_end, min(last.loss, loss))
        else:
            visits.append(Visit(subset, plateau.t_start, plateau.t_end, loss))
    return visits, unresolved


# ---------------------------------------------------------------------- options
@dataclass(frozen=True)
class _Options:
    """The probe settings; they fix the graph together with the problem."""

    radii: tuple[float, ...]
    probes: int
    max_combinations: int
    t_max: float
    jitter: float
    grad_tol: float
    value_tol: float
    flow_rtol: float
    seed: int
    tie_rtol: float

    def to_json(self) -> dict:
        return {name: (list(value) if isinstance(value, tuple) else value)
                for name, value in self.__dict__.items()}


def _check_radii(radii) -> tuple[float, ...]:
    if isinstance(radii, (str, bytes)) or not isinstance(radii, Sequence | np.ndarray):
        raise TypeError(f"radii must be a sequence of positive numbers, got {radii!r}")
    if len(radii) == 0:
        raise ValueError("radii must hold at least one radius, got an empty sequence")
    return tuple(check_positive(r, f"radii[{k}]") for k, r in enumerate(radii))


# ---------------------------------------------------------------------- per-class work
def _class_seed(seed: int, subset: tuple[int, ...]) -> np.random.SeedSequence:
    """A seed sequence keyed by the global seed and the class (``(|S|, *S)`` is injective)."""
    return np.random.SeedSequence(seed, spawn_key=(len(subset), *subset))


def _leading_term(land: Landscape, weights, direction) -> tuple[int, float]:
    """Order ``k`` and normalised coefficient ``c_k w^k / sigma_1^2`` (``w`` the weight scale)
    of the lowest non-vanishing term of ``L(W + t v) - L(W)``, from the exact loss polynomial;
    ``(0, 0.0)`` when every term vanishes."""
    coefficients = land.loss_polynomial(weights, direction)
    normal = coefficients * land.weight_scale ** np.arange(coefficients.size) / land.scale ** 2
    for k in range(1, normal.size):
        if abs(normal[k]) > _COEFFICIENT_RTOL:
            return k, float(normal[k])
    return 0, 0.0


def _signed_escapes(land, weights, escapes):
    """``(label, order, unit vector)`` for every escape and each sign along which it descends:
    ``+v`` always (``c_k < 0``), ``-v`` too when the order ``k`` is even."""
    out = []
    for n, escape in enumerate(escapes):
        unit = land.flatten(escape.direction)
        unit = unit / np.linalg.norm(unit)
        where = f"mode {escape.mode}" if escape.mode is not None else escape.source
        for sign in (1, -1) if escape.order % 2 == 0 else (1,):
            out.append((f"escape {n} (order {escape.order}, {where}) {'+-'[sign < 0]}",
                        int(escape.order), sign * unit))
    return out


def _combinations(land, weights, signed, count, rng):
    """Up to ``count`` random positive combinations of 2-4 signed escapes that still descend
    (the unstable set is a cone: a combination need not), and how many were rejected."""
    out, rejected = [], 0
    if len(signed) < 2:
        return out, rejected
    for c in range(count):
        size = int(rng.integers(2, min(4, len(signed)) + 1))
        members = np.sort(rng.choice(len(signed), size=size, replace=False))
        vector = sum(a * signed[m][2] for a, m in zip(rng.uniform(0.25, 1.0, size), members))
        unit = vector / np.linalg.norm(vector)
        order, lead = _leading_term(land, weights, land.unflatten(unit))
        if order >= 2 and lead < 0:
            names = "+".join(signed[m][0].split(" (")[0].split()[-1] for m in members)
            out.append((f"combination {c} of escapes {names}", order, unit))
        else:
            rejected += 1
    return out, rejected


def _radii(land, weights, unit, order, radii):
    """The step-off radii: each ``r sigma_1^{1/h}``, halved until the order-``k`` term of
    ``L(W + t v)`` is at least twice the rest (:func:`landscape.escape._step`)."""
    coefficients = land.loss_polynomial(weights, land.unflatten(unit))
    return sorted({_step(coefficients, order, r * land.weight_scale) for r in radii})


def _probe_class(task) -> dict:
    """Classify one class and, for a saddle, integrate every probe; a JSON-ready record."""
    land, subset, weights, is_minimum, options = task
    record = {"subset": list(subset)}
    found = classify(land, weights, rtol=options.tie_rtol)
    record.update(inertia=list(found.inertia), n_orbit=found.n_orbit,
                  centre_dim=found.centre_dim)
    if is_minimum:
        record.update(escapes=[], probes=[], examples={}, rejected_combinations=0)
        return record
    seeds = _class_seed(options.seed, subset)
    rng = np.random.default_rng(seeds)
    escapes = escape_directions(land, weights, follow=False, rtol=options.tie_rtol,
                                seed=int(seeds.generate_state(1)[0]))
    signed = _signed_escapes(land, weights, escapes)
    combined, rejected = _combinations(land, weights, signed, options.max_combinations, rng)
    theta0 = land.flatten(weights)
    probes, examples, seen = [], {}, set()
    for label, order, unit in signed + combined:
        for radius in _radii(land, weights, unit, order, options.radii):
            for p in range(options.probes):
                start = theta0 + radius * unit
                if p:
                    noise = rng.standard_normal(theta0.size)
                    start = start + options.jitter * radius * noise / np.linalg.norm(noise)
                result = gradient_flow(land, land.unflatten(start), t_max=options.t_max,
                                       rtol=options.flow_rtol, record_weights=True)
                visits, unresolved = trajectory_visits(
                    land, result, grad_tol=options.grad_tol, value_tol=options.value_tol,
                    rtol=options.tie_rtol)
                if not visits or visits[0].subset != tuple(subset):
                    visits.insert(0, Visit(tuple(subset), 0.0, 0.0, float(result.loss[0])))
                index = len(probes)
                probes.append({
                    "label": label, "order": order, "radius": radius, "jittered": bool(p),
                    "status": result.status.value, "t_final": float(result.t[-1]),
                    "drift": float(result.invariant_drift.max()), "unresolved": unresolved,
                    "visits": [[list(v.subset), v.t_start, v.t_end, v.loss] for v in visits]})
                steps = {(v.subset, w.subset) for v, w in zip(visits, visits[1:])}
                if steps - seen:
                    seen |= steps
                    examples[str(index)] = {"start": start.tolist(), "direction": unit.tolist()}
    record.update(escapes=[{"order": int(e.order), "rate": float(e.rate)} for e in escapes],
                  probes=probes, examples=examples, rejected_combinations=rejected)
    return record


# ---------------------------------------------------------------------- checkpoints
def _problem_json(land: Landscape) -> dict:
    spec = land.spectrum
    return {"widths": list(land.widths), "sigma": spec.sigma.tolist(), "d_x": spec.d_x,
            "d_y": spec.d_y, "loss_offset": spec.loss_offset, "reduced": spec.reduced,
            "basis_sha256": _basis_hash({name: getattr(spec, name) for name in _BASIS})}


def _read_checkpoint(path: Path, problem: dict, options: dict) -> dict:
    if not path.exists():
        return {}
    try:
        document = json.loads(path.read_text())
    except (ValueError, OSError) as exc:
        raise ValueError(f"checkpoint {path} must be a readable JSON file: {exc}") from exc
    if not isinstance(document, dict) or document.get("format") != _CHECKPOINT_FORMAT \
            or document.get("schema_version") != SCHEMA_VERSION:
        raise ValueError(f"checkpoint {path} must be a saddle-graph checkpoint with "
                         f"schema_version {SCHEMA_VERSION}, got format "
                         f"{document.get('format') if isinstance(document, dict) else None!r}")
    for name, expected in (("problem", problem), ("options", options)):
        if document.get(name) != expected:
            raise ValueError(f"checkpoint {path} was written for other {name}: "
                             f"{document.get(name)!r}, expected {expected!r}; remove it or "
                             f"pass another path")
    classes = document.get("classes")
    if not isinstance(classes, dict):
        raise ValueError(f"checkpoint {path} must hold a 'classes' object")
    return classes


def _write_checkpoint(path: Path, problem: dict, options: dict, done: dict) -> None:
    text = json.dumps({"format": _CHECKPOINT_FORMAT, "schema_version": SCHEMA_VERSION,
                       "problem": problem, "options": options, "classes": done},
                      allow_nan=False)
    atomic_write(path, lambda tmp: Path(tmp).write_text(text))


# ---------------------------------------------------------------------- the graph
def subset_label(subset) -> str:
    """``"{0,2}"`` for the class key ``(0, 2)``; ``"{}"`` for the empty set.

    Examples
    --------
    >>> subset_label((0, 2)), subset_label(())
    ('{0,2}', '{}')
    """
    return "{" + ",".join(str(int(i)) for i in subset) + "}"


def saddle_graph(land: Landscape, *, catalog: Catalog | None = None,
                 radii: Sequence[float] = (0.03, 0.1), probes: int = 2,
                 max_combinations: int = 4, t_max: float = 1e6, jitter: float = 0.1,
                 grad_tol: float = 1e-3, value_tol: float = 1e-3, flow_rtol: float = 1e-8,
                 seed: int = 0, n_jobs: int | None = None, client=None,
                 checkpoint=None, progress: bool | None = None) -> nx.DiGraph:
    """The graph of saddle connections of ``land``, found by perturbed integration.

    Nodes are the critical classes of the catalog, keyed by their learnt set ``S``; an edge
    ``S -> S'`` means an integrated trajectory was seen to leave ``S`` and reach ``S'`` next
    (THEORY §5; see the module docstring for how probes start, how plateaus are found and
    how the class of a plateau is read from the learnt modes of its end-to-end map).

    Parameters
    ----------
    land : Landscape
    catalog : Catalog, optional
        The critical classes (default: :func:`landscape.critical.enumerate_critical_points`).
    radii : sequence of float
        Step-off radii in units of ``sigma_1^{1/h}``; each is capped at half the radius where
        the direction's leading term of ``L(W_S + t v)`` still dominates the higher ones.
    probes : int
        Probes per escape direction, sign and radius: the first exact, the others jittered.
    max_combinations : int
        Random positive combinations of the signed escape directions tried per saddle (kept
        where they descend).
    t_max : float
        Time limit of each trajectory (leaving a non-strict saddle of order ``k`` from
        distance ``r`` takes ``~ r^{-(k-2)}``).
    jitter : float
        Size of the random jitter of the later probes, relative to the radius.
    grad_tol : float
        Plateau threshold: ``||grad L|| <= grad_tol * sigma_1^{(2h-1)/h}``
        (:func:`landscape.flow.plateaus`).
    value_tol : float
        A plateau counts as a visit of the class read there when its loss is within
        ``value_tol * 1/2 sum sigma_i^2`` of the class's critical value.
    flow_rtol : float
        Relative tolerance of the integration (:func:`landscape.flow.gradient_flow`).
    seed : int
        Seeds the combinations and jitters; each class draws from
        ``SeedSequence(seed, spawn_key=(|S|, *S))``, so the graph does not depend on the
        executor or the order in which classes finish.
    n_jobs : int, optional
        Run the classes in ``n_jobs`` ``joblib`` processes (``-1``: every core).
    client : dask.distributed.Client, optional
        Run the classes on this Dask cluster (the ``distributed`` extra).
    checkpoint : str or Path, optional
        A JSON file (written atomically) holding every finished class; a rerun with the same
        problem and options resumes from it (other settings are refused).
    progress : bool or None
        Progress bar over classes (``None``: only on a terminal).

    Returns
    -------
    networkx.DiGraph
        Node ``S`` attributes: ``value``, ``kind`` (of the representative), ``inertia``
        ``(n_-, n_0, n_+)``, ``n_orbit``, ``centre_dim``, ``tie_groups``, ``tie_counts``,
        ``escape_orders`` (of the directions found), ``probes`` (started there) and
        ``label``. Edge ``S -> S'`` attributes: ``probes`` (trajectories that took it, from
        any start), ``direct_probes`` (of those, started at ``S``), ``fraction``
        (``direct_probes`` over the probes of ``S``), ``loss_drop`` (``L_S - L_S'``),
        ``observed_drop`` (smallest drop of the plateau losses), ``transit_time`` (median time
        from leaving ``S`` to reaching ``S'``), ``drift`` (largest conservation-law drift of
        those trajectories), and one example: ``example_start`` (weights the trajectory starts
        from), ``example_direction`` (its escape direction, unit norm), ``example_source``
        (the saddle it stepped off) and ``example_label``. Graph attributes: ``problem``,
        ``options`` (re-integrate an example with ``gradient_flow(land, example_start,
        t_max=options["t_max"], rtol=options["flow_rtol"], record_weights=True)``),
        ``checks`` (:func:`check_saddle_graph` as a dict, with a readable ``summary``) and
        ``unescaped`` (saddles without an out-edge).

    Examples
    --------
    >>> from landscape.data import DataSpectrum
    >>> land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0]), widths=(2, 2, 2))
    >>> G = saddle_graph(land, radii=(0.1,), probes=1, max_combinations=0)
    >>> sorted((subset_label(a), subset_label(b)) for a, b in G.edges)
    [('{0}', '{0,1}'), ('{1}', '{0,1}'), ('{1}', '{0}'), ('{}', '{0}'), ('{}', '{1}')]
    >>> G.graph["checks"]["ok"]
    True
    """
    check_landscape(land)
    if catalog is None:
        catalog = enumerate_critical_points(land, progress=False)
    elif not isinstance(catalog, Catalog):
        raise TypeError(f"catalog must be a Catalog, got {type(catalog).__name__}")
    elif catalog.land is not land and _problem_json(catalog.land) != _problem_json(land):
        raise ValueError("catalog must belong to land (same widths, spectrum and basis)")
    options = _Options(
        radii=_check_radii(radii), probes=check_int(probes, "probes", minimum=1),
        max_combinations=check_int(max_combinations, "max_combinations", minimum=0),
        t_max=check_positive(t_max, "t_max"), jitter=check_nonnegative(jitter, "jitter"),
        grad_tol=check_positive(grad_tol, "grad_tol"),
        value_tol=check_positive(value_tol, "value_tol"),
        flow_rtol=check_positive(flow_rtol, "flow_rtol"),
        seed=check_int(seed, "seed", minimum=0), tie_rtol=catalog.rtol)
    executor = Executor(n_jobs=n_jobs, client=client)
    problem, options_json = _problem_json(land), options.to_json()
    path = None if checkpoint is None else Path(checkpoint)
    done = {} if path is None else _read_checkpoint(path, problem, options_json)

    points = list(catalog)
    keys = [subset_label(p.subset) for p in points]
    todo = [k for k, key in enumerate(keys) if key not in done]
    tasks = [(land, points[k].subset, points[k].weights,
              points[k].kind is CriticalKind.GLOBAL_MINIMUM, options) for k in todo]
    for index, record in executor.map(_probe_class, tasks, progress=progress,
                                      desc="saddle probes"):
        done[keys[todo[index]]] = record
        if path is not None:
            _write_checkpoint(path, problem, options_json, done)
    G = _assemble(land, points, [done[key] for key in keys], problem, options_json)
    return G


def _assemble(land, points, records, problem, options) -> nx.DiGraph:
    G = nx.DiGraph(problem=problem, options=options)
    for point, record in zip(points, records):
        G.add_node(point.subset, label=subset_label(point.subset), value=point.value,
                   kind=CriticalKind(point.kind).value, inertia=tuple(record["inertia"]),
                   n_orbit=record["n_orbit"], centre_dim=record["centre_dim"],
                   tie_groups=point.tie_groups, tie_counts=point.tie_counts,
                   escape_orders=tuple(sorted({e["order"] for e in record["escapes"]})),
                   probes=len(record["probes"]))
    stats: dict = {}
    for point, record in zip(points, records):
        for index, probe in enumerate(record["probes"]):
            visits = [(tuple(v[0]), v[1], v[2], v[3]) for v in probe["visits"]]
            for a, b in zip(visits, visits[1:]):
                edge = stats.setdefault((a[0], b[0]), {
                    "probes": 0, "direct_probes": 0, "transit": [], "observed": [],
                    "drift": 0.0, "example": None})
                edge["probes"] += 1
                edge["direct_probes"] += int(a[0] == point.subset)
                edge["transit"].append(b[1] - a[2])
                edge["observed"].append(a[3] - b[3])
                edge["drift"] = max(edge["drift"], probe["drift"])
                if edge["example"] is None and str(index) in record["examples"]:
                    edge["example"] = (point.subset, probe["label"],
                                       record["examples"][str(index)])
    for (a, b), edge in stats.items():
        for node in (a, b):
            if node not in G:  # a class outside the catalog: keep it visible to the checks
                G.add_node(node, label=subset_label(node), value=land.critical_value(node),
                           kind="unknown", probes=0)
        source, label, example = edge["example"]
        G.add_edge(a, b, probes=edge["probes"], direct_probes=edge["direct_probes"],
                   fraction=edge["direct_probes"] / max(G.nodes[a]["probes"], 1),
                   loss_drop=G.nodes[a]["value"] - G.nodes[b]["value"],
                   observed_drop=min(edge["observed"]),
                   transit_time=float(np.median(edge["transit"])), drift=edge["drift"],
                   example_start=land.unflatten(np.array(example["start"])),
                   example_direction=land.unflatten(np.array(example["direction"])),
                   example_source=source, example_label=label)
    checks = check_saddle_graph(G)
    G.graph["checks"] = checks.to_dict()
    G.graph["unescaped"] = [list(s) for s in checks.unescaped]
    return G


# ---------------------------------------------------------------------- checks
@dataclass(frozen=True)
class GraphChecks:
    """What a saddle graph must satisfy, and where it does not.

    Attributes
    ----------
    decreasing : bool
        Every edge lowers the critical value (and its trajectories' plateau losses).
    acyclic : bool
    minima_are_sinks : bool
        No edge leaves a global minimum.
    all_escaped : bool
        Every saddle has at least one out-edge.
    raising_edges : tuple of (subset, subset)
        Edges that do not lower the value.
    cycle : tuple of subset
        One directed cycle, when there is one.
    minima_with_out_edges : tuple of subset
    unescaped : tuple of subset
        Saddles whose escape was not found.
    summary : str
        A readable account.
    """

    decreasing: bool
    acyclic: bool
    minima_are_sinks: bool
    all_escaped: bool
    raising_edges: tuple = field(default=())
    cycle: tuple = field(default=())
    minima_with_out_edges: tuple = field(default=())
    unescaped: tuple = field(default=())
    summary: str = ""

    @property
    def ok(self) -> bool:
        """All four properties hold."""
        return self.decreasing and self.acyclic and self.minima_are_sinks and self.all_escaped

    def to_dict(self) -> dict:
        """JSON-ready form (subsets as lists), with ``ok``."""
        def lists(items):
            return [[list(s) for s in item] if isinstance(item, tuple) and item
                    and isinstance(item[0], tuple) else list(item) for item in items]

        return {"ok": self.ok, "decreasing": self.decreasing, "acyclic": self.acyclic,
                "minima_are_sinks": self.minima_are_sinks, "all_escaped": self.all_escaped,
                "raising_edges": lists(self.raising_edges), "cycle": lists(self.cycle),
                "minima_with_out_edges": lists(self.minima_with_out_edges),
                "unescaped": lists(self.unescaped), "summary": self.summary}


def check_saddle_graph(G: nx.DiGraph) -> GraphChecks:
    """Check a saddle graph: edges lower the value, no cycle, minima are sinks, saddles escape.

    Every heteroclinic connection strictly lowers the loss (THEORY §5), so the graph of
    connections is acyclic and ends at the global minima; a saddle always has an unstable
    direction, so each should have an out-edge unless the probes missed its escape.

    Parameters
    ----------
    G : networkx.DiGraph
        Nodes with ``value`` and ``kind``; edges may carry ``observed_drop``.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.DiGraph()
    >>> G.add_node((), value=2.5, kind="strict_saddle")
    >>> G.add_node((0,), value=0.5, kind="global_minimum")
    >>> G.add_edge((), (0,))
    >>> check_saddle_graph(G).ok
    True
    """
    if not isinstance(G, nx.DiGraph):
        raise TypeError(f"G must be a networkx.DiGraph, got {type(G).__name__}")
    raising = tuple((a, b) for a, b, data in G.edges(data=True)
                    if not G.nodes[a]["value"] > G.nodes[b]["value"]
                    or data.get("observed_drop", 1.0) <= 0)
    try:
        cycle = tuple(a for a, _ in nx.find_cycle(G))
    except nx.NetworkXNoCycle:
        cycle = ()
    minima = tuple(n for n, kind in G.nodes(data="kind") if kind == CriticalKind.GLOBAL_MINIMUM)
    leaking = tuple(n for n in minima if G.out_degree(n) > 0)
    saddles = [n for n, kind in G.nodes(data="kind") if kind in
               (CriticalKind.STRICT_SADDLE, CriticalKind.NON_STRICT_SADDLE)]
    unescaped = tuple(n for n in saddles if G.out_degree(n) == 0)
    lines = [f"{G.number_of_nodes()} classes, {G.number_of_edges()} connections"]
    lines.append("every edge lowers the critical value" if not raising else
                 "edges that do not lower the value: "
                 + ", ".join(f"{subset_label(a)}->{subset_label(b)}" for a, b in raising))
    lines.append("acyclic" if not cycle else
                 "cycle: " + " -> ".join(subset_label(n) for n in cycle))
    lines.append("minima are sinks" if not leaking else
                 "minima with out-edges: " + ", ".join(map(subset_label, leaking)))
    lines.append(f"all {len(saddles)} saddles escape" if not unescaped else
                 "saddles whose escape was not found: " + ", ".join(map(subset_label, unescaped)))
    return GraphChecks(decreasing=not raising, acyclic=not cycle,
                       minima_are_sinks=not leaking, all_escaped=not unescaped,
                       raising_edges=raising, cycle=cycle, minima_with_out_edges=leaking,
                       unescaped=unescaped, summary="; ".join(lines))


# ---------------------------------------------------------------------- files
def _plain(value):
    """A JSON-ready copy: tuples and arrays to lists, numpy scalars to Python."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    return value


def _tuples(value):
    """Nested lists back to nested tuples (subset keys, inertia, tie groups)."""
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


def _restore(key: str, value):
    if key in _LAYER_KEYS:
        return [np.array(layer, dtype=float) for layer in value]
    if isinstance(value, list) and key not in ("problem", "options", "checks", "unescaped"):
        return _tuples(value)
    return value


def _document(G: nx.DiGraph) -> dict:
    graph = nx.DiGraph()
    graph.graph.update({k: _plain(v) for k, v in G.graph.items()})
    for node, data in G.nodes(data=True):
        graph.add_node(subset_label(node), **{k: _plain(v) for k, v in data.items()})
    for a, b, data in G.edges(data=True):
        graph.add_edge(subset_label(a), subset_label(b),
                       **{k: _plain(v) for k, v in data.items()})
    return graph


def _parse_label(label: str) -> tuple[int, ...]:
    inner = label.strip()[1:-1]
    return tuple(int(i) for i in inner.split(",")) if inner else ()


def _from_document(graph: nx.DiGraph) -> nx.DiGraph:
    G = nx.DiGraph()
    G.graph.update({k: _restore(k, v) for k, v in graph.graph.items()})
    for node, data in graph.nodes(data=True):
        G.add_node(_parse_label(node), **{k: _restore(k, v) for k, v in data.items()})
    for a, b, data in graph.edges(data=True):
        G.add_edge(_parse_label(a), _parse_label(b),
                   **{k: _restore(k, v) for k, v in data.items()})
    return G


def save_saddle_graph(G: nx.DiGraph, path) -> Path:
    """Write a saddle graph as GraphML (``.graphml``) or node-link JSON (``.json``), atomically.

    Node ids become labels ``"{0,2}"``. In JSON (``{"format", "schema_version", "graph"}``,
    ``allow_nan=False``) attributes are plain lists; GraphML holds only scalars, so every
    list-valued attribute (inertia, tie groups, example weights, the graph's options and
    checks) is stored as a JSON string and its name listed in the graph attribute
    ``json_keys``. :func:`load_saddle_graph` restores subset keys as tuples and example
    weights as lists of arrays.
    """
    if not isinstance(G, nx.DiGraph):
        raise TypeError(f"G must be a networkx.DiGraph, got {type(G).__name__}")
    path = Path(path)
    graph = _document(G)
    if path.suffix == ".json":
        data = nx.node_link_data(graph, edges="edges")
        text = json.dumps({"format": _GRAPH_FORMAT, "schema_version": SCHEMA_VERSION,
                           "graph": data}, allow_nan=False)
        return atomic_write(path, lambda tmp: Path(tmp).write_text(text))
    if path.suffix != ".graphml":
        raise ValueError(f"path must end in .graphml or .json, got {str(path)!r}")
    encoded: set[str] = set()

    def scalars(data: dict) -> dict:
        out = {}
        for key, value in data.items():
            if value is None or isinstance(value, (list, dict)):
                out[key] = json.dumps(value, allow_nan=False)
                encoded.add(key)
            else:
                out[key] = value
        return out

    for _, data in graph.nodes(data=True):
        data.update(scalars(data))
    for _, _, data in graph.edges(data=True):
        data.update(scalars(data))
    graph.graph.update(scalars(graph.graph))
    graph.graph.update(format=_GRAPH_FORMAT, schema_version=SCHEMA_VERSION,
                       json_keys=json.dumps(sorted(encoded)))
    return atomic_write(path, lambda tmp: nx.write_graphml(graph, tmp))


def load_saddle_graph(path) -> nx.DiGraph:
    """Read a graph written by :func:`save_saddle_graph` (GraphML or JSON, by suffix).

    Raises
    ------
    ValueError
        For a missing file, another suffix, or a file that is not a saddle graph of this
        schema version.
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"path must be an existing .graphml or .json file, got {str(path)!r}")
    if path.suffix == ".json":
        document = json.loads(path.read_text())
        if not isinstance(document, dict) or document.get("format") != _GRAPH_FORMAT \
                or document.get("schema_version") != SCHEMA_VERSION:
            raise ValueError(f"{path} must be a saddle graph with schema_version "
                             f"{SCHEMA_VERSION}")
        graph = nx.node_link_graph(document["graph"], directed=True, edges="edges")
        return _from_document(graph)
    if path.suffix != ".graphml":
        raise ValueError(f"path must end in .graphml or .json, got {str(path)!r}")
    graph = nx.read_graphml(path)
    if graph.graph.get("format") != _GRAPH_FORMAT \
            or graph.graph.get("schema_version") != SCHEMA_VERSION:
        raise ValueError(f"{path} must be a saddle graph with schema_version {SCHEMA_VERSION}")
    keys = set(json.loads(graph.graph.pop("json_keys")))
    for key in ("format", "schema_version", "node_default", "edge_default"):
        graph.graph.pop(key, None)  # file bookkeeping; the last two are added by read_graphml

    def decode(data: dict) -> None:
        for key in keys & set(data):
            data[key] = json.loads(data[key])

    for _, data in graph.nodes(data=True):
        decode(data)
    for _, _, data in graph.edges(data=True):
        decode(data)
    decode(graph.graph)
    return _from_document(nx.DiGraph(graph))
