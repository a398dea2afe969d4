"""The saddle connection graph: heteroclinic connections found by integrating the flow.

A heteroclinic connection ``S -> S'`` is a gradient-flow trajectory whose backward limit lies
in the fiber of the critical class ``S`` and whose forward limit lies in the fiber of ``S'``;
the loss strictly decreases along it (docs/theory.md §5; Wendin & Altafini, SIAM Review 2025; Bah,
Rauhut, Terstiege & Westdickenberg, Inf. Inference 2021, on convergence of the flow).
:func:`saddle_graph` discovers them and nothing else: every edge was *seen* on an
integrated trajectory, none comes from a formula.

It works in two stages, both through :class:`landscape._base.parallel.Executor` (serial,
``joblib`` processes or a Dask client; the same graph from each):

1. **Blocks.** Every invariant block that can leave a class by one escape -- one unlearnt
   mode ``j`` on an idle unit, and every pair ``(k, j)`` of a learnt ``k`` on its path and an
   unlearnt ``j`` -- has its escape directions found and each exact probe integrated to its
   limit (:mod:`~landscape.connections.blocks`, :mod:`~landscape.connections.probes`). A block
   depends on ``sigma_T``, the depth and its units only, so ``m + m (m - 1)`` small blocks
   serve all ``2^m`` classes.
2. **Classes.** For each saddle ``S`` of the catalog, the blocks that fit ``S`` give its
   *one-hop* edges, each certified by the converged exact probe of its block (a property of
   the problem: identical on every machine); ``random_probes`` random combinations of two
   escapes give the probability, with a confidence interval, that the documented probe
   distribution first arrives at each class -- the *multi-hop* edges are the classes so
   reached that no single escape reaches (chance: they may differ between seeds).

``checkpoint=PATH`` stores the blocks and every finished class
(:mod:`~landscape.connections.checkpoints`); a rerun resumes from there.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .._base.parallel import Executor
from .._base.progress import format_duration
from .._base.validation import DEFAULT_SEED, check_int, check_positive
from ..critical import Catalog, enumerate_critical_points
from ..problem.criticality import CriticalKind, check_critical_tol
from ..problem.network import Landscape, check_landscape, reduced_landscape
from ..problem.records import problem_record
from ..problem.ties import tie_counts
from .blocks import InvariantBlock, spare_units
from .checkpoints import check_checkpoint, read_checkpoint, write_checkpoint
from .checks import check_saddle_graph
from .labels import parse_subset_label, subset_label
from .probes import (BlockEscape, block_escapes, one_hop_record, probe_start, random_plan,
                     random_probe)
from .size import MAX_GRAPH_CLASSES, check_graph_size

if TYPE_CHECKING:  # networkx is imported where used: ``import landscape`` stays light
    import networkx as nx

__all__ = ["GRAPH_OPTION_HELP", "GraphOptions", "example_start", "saddle_graph"]

#: Seconds between two checkpoint writes (and always after the last class).
CHECKPOINT_EVERY = 5.0
#: Largest ``value_tol`` of :class:`GraphOptions`: a tenth of the range of critical values.
MAX_VALUE_TOL = 0.1


@dataclass(frozen=True)
class GraphOptions:
    """The probe settings of :func:`saddle_graph`; with the problem they fix the graph.

    The command line (``landscape graph``) takes its defaults and help from here.
    """

    radius: float = 0.05
    random_probes: int = 4
    t_max: float = 1e6
    grad_tol: float = 1e-3
    value_tol: float = 1e-3
    rtol: float = 1e-6
    confidence: float = 0.95
    seed: int = DEFAULT_SEED

    def __post_init__(self):
        check_positive(self.radius, "radius")
        check_int(self.random_probes, "random_probes", minimum=0)
        check_positive(self.t_max, "t_max")
        # arrival is "critical to grad_tol" (the same relative gradient norm) at a loss within
        # value_tol of a critical value: bounds beyond which arrival means nothing
        check_critical_tol(check_positive(self.grad_tol, "grad_tol"), "grad_tol")
        if check_positive(self.value_tol, "value_tol") > MAX_VALUE_TOL:
            raise ValueError(f"value_tol must be <= {MAX_VALUE_TOL:g} (a fraction of the range "
                             f"1/2 sum sigma_i^2 of the critical values; a larger one reads a "
                             f"loss far from a critical value as arrival there), got "
                             f"{self.value_tol:g}")
        check_positive(self.rtol, "rtol")
        if not 0 < check_positive(self.confidence, "confidence") < 1:
            raise ValueError(f"confidence must lie in (0, 1), got {self.confidence}")
        check_int(self.seed, "seed", minimum=0)


#: One line of help per option (the CLI shows them with the defaults).
GRAPH_OPTION_HELP = {
    "radius": "step off each saddle, in units of sigma_1^(1/h), capped where the escape's "
              "leading term dominates",
    "random_probes": "random combinations of two escapes per saddle (multi-hop edges and "
                     "the probabilities)",
    "t_max": "time limit of each integration",
    "grad_tol": "a probe arrives where ||grad L|| <= grad_tol sigma_1^((2h-1)/h)",
    "value_tol": "and only at a loss within value_tol * 1/2 sum sigma_i^2 of the value of the "
                 "class read there",
    "rtol": "relative tolerance of the random probes' integration (LSODA)",
    "confidence": "level of the intervals of the transition probabilities",
    "seed": "seed of the random probes and of the escape search",
}


def _blocks(land: Landscape, n_modes: int) -> list[InvariantBlock]:
    """One unlearnt mode on an idle unit, then every (learnt k, unlearnt j) on k's path."""
    h = land.h
    room = spare_units(land, ()) > 0
    single = [InvariantBlock((j,), (), 1, h) for j in range(n_modes)] if room else []
    pairs = [InvariantBlock(tuple(sorted((k, j))), (k,), 0, h)
             for k in range(n_modes) for j in range(n_modes) if j != k]
    return single + pairs


def _block_task(task) -> list[BlockEscape]:
    land, block, options, seed = task
    return block_escapes(land, block, radius=options.radius, seed=seed, t_max=options.t_max)


def _escape_record(escape: BlockEscape) -> dict:
    block = escape.block
    return {"modes": list(block.modes), "learnt": list(block.learnt), "n_idle": block.n_idle,
            "order": escape.order, "step": escape.step, "label": escape.label,
            "direction": escape.direction.tolist(), "t_final": escape.t_final,
            "target": None if escape.target is None else list(escape.target)}


def _escape_of(record: dict, h: int) -> BlockEscape:
    block = InvariantBlock(tuple(record["modes"]), tuple(record["learnt"]), record["n_idle"], h)
    target = record["target"]
    return BlockEscape(block, record["order"], np.array(record["direction"], dtype=float),
                       record["step"], None if target is None else tuple(target),
                       record["t_final"])


def example_start(land: Landscape, G: nx.DiGraph, source, target) -> list[np.ndarray]:
    """The weights (problem coordinates) of the probe that found the edge ``source -> target``.

    Integrating :func:`landscape.gradient_flow` from them follows the edge: a one-hop edge's
    flow converges to ``target`` (it stays in its invariant block), a multi-hop edge's first
    arrives there.
    """
    data = G.edges[source, target]
    escapes = [_escape_of(G.graph["escapes"][i], land.h) for i in data["example_escapes"]]
    combined, theta = probe_start(land, source, escapes, data["example_coefficients"])
    block = combined.landscape(land.spectrum.sigma, tie_tol=land.tie_tol)
    return land.from_reduced(combined.embed(reduced_landscape(land), source,
                                            block.split_flat(theta)))


def _class_task(task) -> dict:
    """One-hop edges of a saddle from its fitting escapes; its random probes integrated."""
    land, subset, escapes, options, groups = task
    record = {**one_hop_record(subset, escapes, groups), "random": []}
    plan = random_plan(subset, escapes, options.random_probes, options.seed)
    reduced = reduced_landscape(land) if plan else None
    for indices, chosen, coefficients in plan:
        key, failed = random_probe(land, reduced, subset, chosen, coefficients, groups,
                                   options=options)
        record["random"].append([indices, coefficients,
                                 None if key is None else subset_label(key), failed])
    return record


#: Estimated runs longer than this (seconds) are announced on standard error.
ANNOUNCE_AFTER = 30.0


def _workers(executor: Executor) -> int | None:
    """How many classes run at once (``None``: on a Dask cluster)."""
    return {"serial": 1, "joblib": executor.n_jobs if executor.n_jobs and executor.n_jobs > 0
            else os.cpu_count() or 1}.get(executor.backend.value)


def _announce(first: float, count: int, executor: Executor) -> None:
    """Print the estimated time of ``count`` classes when it is long."""
    workers = _workers(executor)
    estimate = first * count / (workers or 1)
    if estimate > ANNOUNCE_AFTER:
        where = f"on {workers} worker(s)" if workers else "on the Dask cluster's workers"
        print(f"saddle graph: {count} saddle classes; the first took {first:.2g} s, so about "
              f"{format_duration(estimate)} {where}" + ("" if workers else " (serial figure)"),
              file=sys.stderr)


def _wilson(count: int, total: int, confidence: float) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion ``count / total`` (``total >= 1``)."""
    from scipy.special import ndtri  # imported where used: ``import landscape`` stays light

    z = float(ndtri(0.5 + confidence / 2))  # the standard normal quantile
    p = count / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z * np.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    # exact at the ends (rounding must not put the observed share outside its interval)
    low = 0.0 if count == 0 else min(float(centre - half), p)
    high = 1.0 if count == total else max(float(centre + half), p)
    return low, high


def _sampled_probability(count: int, total: int, confidence: float) -> dict:
    """An edge's ``probability``, ``ci_low`` and ``ci_high`` from ``count`` of its source's
    ``total`` random probes; none of them where the source drew no random probe (a share
    that was not sampled is unknown, not 0)."""
    if total == 0:
        return {}
    low, high = _wilson(count, total, confidence)
    return {"probability": count / total, "ci_low": low, "ci_high": high}


def saddle_graph(land: Landscape, *, catalog: Catalog | None = None,
                 radius: float = GraphOptions.radius,
                 random_probes: int = GraphOptions.random_probes,
                 t_max: float = GraphOptions.t_max, grad_tol: float = GraphOptions.grad_tol,
                 value_tol: float = GraphOptions.value_tol, rtol: float = GraphOptions.rtol,
                 confidence: float = GraphOptions.confidence, seed: int = GraphOptions.seed,
                 n_jobs: int | None = None, client=None, checkpoint=None,
                 progress: bool | None = None,
                 max_classes: int = MAX_GRAPH_CLASSES) -> nx.DiGraph:
    """The graph of saddle connections of ``land``, found by integrating the gradient flow.

    Nodes are the critical classes of the catalog, keyed by their learnt set ``S``. An edge
    ``S -> S'`` is *one-hop* when an exact probe along one escape of ``S`` converges to
    ``S'`` (certified, identical on every machine) and *multi-hop* when only random
    combinations of escapes first arrive at ``S'`` (see the module docstring and
    :mod:`~landscape.connections.probes` for the probes and their distribution).

    Parameters
    ----------
    land : Landscape
    catalog : Catalog, optional
        The critical classes (default: :func:`landscape.enumerate_critical_points`), built
        with ``land.tie_tol`` (a catalog of another tolerance is refused: the graph's classes,
        tie groups and kinds follow ``land``'s rule).
    radius, random_probes, t_max, grad_tol, value_tol, rtol, confidence, seed
        The probe settings, documented in :data:`GRAPH_OPTION_HELP` (defaults of
        :class:`GraphOptions`).
    n_jobs : int, optional
        Run blocks and classes in ``n_jobs`` ``joblib`` processes (``-1``: every core).
    client : dask.distributed.Client, optional
        Run them on this Dask cluster (the ``distributed`` extra).
    checkpoint : str or Path, optional
        A JSON file (written atomically at most every few seconds) holding the blocks and
        every finished class; a rerun with the same problem and options resumes from it,
        after checking it (:func:`~landscape.connections.checkpoints.check_checkpoint`): the
        block escapes and one random probe per multi-hop edge are integrated again, on the
        run's executor, so a resume costs part of the random probes' time; a class whose
        probe arrives elsewhere is recomputed (``RuntimeWarning``).
    progress : bool or None
        Progress of the classes: a bar (``True``), nothing (``False``), or by default a bar
        on a terminal and a line on standard error every 10 s elsewhere, after an estimate
        of the whole run's time.
    max_classes : int
        Refuse, before any work, a problem of more classes (:func:`~.size.check_graph_size`,
        which also prints the class count and a first estimate of a long run's time).

    Returns
    -------
    networkx.DiGraph
        Node ``S``: ``label``, ``value``, ``kind``, ``tie_groups``, ``tie_counts``,
        ``escape_orders`` (of the escapes that fit ``S``), ``random_probes`` (drawn there),
        ``failed_probes`` (integrations of those that failed numerically and were retried
        from a perturbed start, :func:`~landscape.connections.probes.random_probe`),
        ``uncertified`` (escapes whose exact probe did not converge). Edge ``S -> S'``:
        ``hop`` (``"one_hop"`` or ``"multi_hop"``), ``certified``, ``escape`` (what the
        certifying escape does, e.g. ``"swap 2 for 1"``), ``probability`` (fraction of the
        random probes of ``S`` that first arrived at ``S'``), ``ci_low``/``ci_high`` (its
        Wilson interval at ``confidence``) -- these three absent where ``S`` drew no random
        probe (``random_probes=0``, or fewer than two certified escapes) --,
        ``random_probes`` (how many), ``loss_drop``
        (``L_S - L_S'``), ``example_escapes`` and ``example_coefficients`` (rebuild the
        probe's start with :func:`example_start`). Graph: ``problem``, ``options``,
        ``escapes`` (the block escapes), ``checks`` (:func:`check_saddle_graph`) and
        ``unescaped``.

    Examples
    --------
    >>> from landscape import DataSpectrum, Landscape
    >>> land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0]), widths=(2, 2, 2))
    >>> G = saddle_graph(land, random_probes=0)
    >>> sorted((subset_label(a), subset_label(b)) for a, b in G.edges)
    [('{0}', '{0,1}'), ('{1}', '{0,1}'), ('{1}', '{0}'), ('{}', '{0}'), ('{}', '{1}')]
    >>> G.graph["checks"]["ok"]
    True
    """
    check_landscape(land)
    options = GraphOptions(radius=radius, random_probes=random_probes, t_max=t_max,
                           grad_tol=grad_tol, value_tol=value_tol, rtol=rtol,
                           confidence=confidence, seed=seed)
    executor = Executor(n_jobs=n_jobs, client=client)
    problem, options_json = problem_record(land), asdict(options)
    if catalog is not None and not isinstance(catalog, Catalog):
        raise TypeError(f"catalog must be a Catalog, got {type(catalog).__name__}")
    if catalog is not None and catalog.land is not land \
            and {**problem_record(catalog.land), "tie_tol": land.tie_tol} != problem:
        raise ValueError("catalog must belong to land (same widths, spectrum and basis)")
    if catalog is not None and catalog.tie_tol != land.tie_tol:
        raise ValueError(f"catalog must be built with land's tie_tol = {land.tie_tol:g}, got a "
                         f"catalog of tie_tol = {catalog.tie_tol:g}: enumerate it from land "
                         f"(enumerate_critical_points(land)), or build land with "
                         f"Landscape(..., tie_tol={catalog.tie_tol!r})")
    check_graph_size(land, n_classes=None if catalog is None else len(catalog),
                     max_classes=max_classes, workers=_workers(executor) or 1, progress=progress)
    path = None if checkpoint is None else Path(checkpoint)
    stored = {} if path is None else read_checkpoint(path, problem, options_json)
    if catalog is None:
        catalog = enumerate_critical_points(land, progress=False)
    groups, n_modes = land.tie_groups, land.m
    blocks = _blocks(land, n_modes) if land.h > 1 else []
    stored = check_checkpoint(path, stored, land=land, catalog=catalog, blocks=blocks,
                              options=options, executor=executor,
                              progress=progress)

    escapes = stored.get("escapes")
    if escapes is None:
        seeds = np.random.SeedSequence(seed).spawn(max(len(blocks), 1))
        tasks = [(land, b, options, int(s.generate_state(1)[0]))
                 for b, s in zip(blocks, seeds)]
        found = [None] * len(blocks)
        for index, result in executor.map(_block_task, tasks, progress=False):
            found[index] = result
        escapes = [_escape_record(e) for result in found for e in result]
        if path is not None:
            write_checkpoint(path, problem, options_json, {"escapes": escapes, "classes": {}})
    escape_objects = [_escape_of(r, land.h) for r in escapes]

    subsets, kinds = catalog.subsets, catalog.kinds
    labels = [subset_label(s) for s in subsets]
    done = stored.get("classes", {})
    todo = [k for k, label in enumerate(labels)
            if label not in done and kinds[k] is not CriticalKind.GLOBAL_MINIMUM]
    tasks = [(land, subsets[k], [(i, e) for i, e in enumerate(escape_objects)
                                 if e.block.fits(land, subsets[k])],
              options, groups) for k in todo]
    if tasks and progress is not False:
        # an estimate before the long part: the first class, timed here
        start = time.monotonic()
        done[labels[todo[0]]] = _class_task(tasks[0])
        _announce(time.monotonic() - start, len(tasks), executor)
        todo, tasks = todo[1:], tasks[1:]
    last = time.monotonic()
    for count, (index, record) in enumerate(executor.map(_class_task, tasks, progress=progress,
                                                          desc="saddle classes")):
        done[labels[todo[index]]] = record
        if path is not None and (time.monotonic() - last >= CHECKPOINT_EVERY
                                 or count == len(tasks) - 1):
            write_checkpoint(path, problem, options_json, {"escapes": escapes,
                                                          "classes": done})
            last = time.monotonic()
    return _assemble(land, catalog, done, escapes, problem, options, groups)


def _assemble(land, catalog, done, escapes, problem, options, groups) -> nx.DiGraph:
    import networkx as nx

    G = nx.DiGraph(problem=problem, options=asdict(options), escapes=escapes)
    tied = tuple(g for g in groups if len(g) > 1)
    for subset, value, kind in zip(catalog.subsets, catalog.values, catalog.kinds):
        record = done.get(subset_label(subset), {})
        G.add_node(subset, label=subset_label(subset), value=float(value),
                   kind=CriticalKind(kind).value, tie_groups=tied,
                   tie_counts=tie_counts(subset, tied),
                   escape_orders=tuple(record.get("escape_orders", ())),
                   random_probes=len(record.get("random", ())),
                   failed_probes=sum(probe[3] for probe in record.get("random", ())),
                   uncertified=record.get("uncertified", 0))
    for label, record in done.items():
        source = parse_subset_label(label)
        one_hop = {parse_subset_label(k): i for k, i in record["one_hop"]}
        counts, examples = {}, {}
        for picks, coefficients, arrived, _ in record["random"]:
            if arrived is None:
                continue
            key = parse_subset_label(arrived)
            counts[key] = counts.get(key, 0) + 1
            examples.setdefault(key, (picks, coefficients))
        total = len(record["random"])
        for target in sorted(set(one_hop) | set(counts)):
            if target not in G:  # a class outside the catalog: keep it visible to the checks
                G.add_node(target, label=subset_label(target), kind="unknown",
                           value=land.critical_value(target), random_probes=0)
            hop = "one_hop" if target in one_hop else "multi_hop"
            picks, coefficients = ([one_hop[target]], [1.0]) if hop == "one_hop" \
                else examples[target]
            G.add_edge(source, target, hop=hop, certified=hop == "one_hop",
                       escape=escapes[one_hop[target]]["label"] if hop == "one_hop" else "",
                       random_probes=counts.get(target, 0),
                       loss_drop=G.nodes[source]["value"] - G.nodes[target]["value"],
                       example_escapes=tuple(picks), example_coefficients=tuple(coefficients),
                       **_sampled_probability(counts.get(target, 0), total, options.confidence))
    checks = check_saddle_graph(G)
    G.graph["checks"] = checks.to_dict()
    G.graph["unescaped"] = [list(s) for s in checks.unescaped]
    return G
