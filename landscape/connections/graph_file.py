"""What a saddle-graph file must hold, and what reading one verifies (internal).

The schema: the graph attributes :data:`GRAPH_KEYS`, node attributes :data:`NODE_KEYS` (and
:data:`CATALOG_NODE_KEYS` on catalog nodes), edge attributes :data:`EDGE_KEYS` (and
:data:`SAMPLED_EDGE_KEYS` where the source drew random probes); anything else in a file is
dropped on reading (:func:`schema_attributes`), so that nothing unverified reaches a caller.

:func:`check_graph_file` verifies, without integrating anything:

* the problem record (its keys, widths against ``d_x``, ``d_y``, a descending spectrum) and
  the options (:class:`~landscape.connections.graph.GraphOptions` again);
* every block escape against its block (one of the run's block shapes): a unit direction
  along which the block's exact loss polynomial falls at the stored order and, at the stored
  step -- the one :func:`~landscape.geometry.escapes.escape_step` gives --, below the
  block's point (:func:`~landscape.connections.checkpoints.check_escape`);
* every node (label, kind, value against the closed form
  ``L_S = L0 + 1/2 sum_{i not in S} sigma_i^2`` of the recorded problem, docs/theory.md §2, counts);
* every edge (hop and certification, the certifying escape's label and, for a one-hop edge,
  coefficient 1, the two escapes of a multi-hop example distinct and certified with
  coefficients in ``[1/4, 1]``, the loss drop against the values, the probability against
  its counts and the interval around it);
* per source, the random probes counted on its out-edges sum to at most the probes it drew
  (each probe first arrives at one class at most), so outgoing probabilities sum to at most 1;
* the stored checks and unescaped saddles are what
  :func:`~landscape.connections.checks.check_saddle_graph` finds again.

Trusted, as integrating would cost the run: where each escape's exact probe converges (its
``target``, hence which one-hop edges exist) and which class each random probe first arrived
at (the counts, up to their sums). :func:`~landscape.connections.graph.saddle_graph` with a
checkpoint re-integrates those.
"""

from __future__ import annotations

import re
from dataclasses import fields
from typing import TYPE_CHECKING

import numpy as np

from ..problem.criticality import CriticalKind
from .blocks import InvariantBlock
from .checkpoints import ESCAPE_KEYS, check_escape, is_int, is_number, require, same_record
from .checks import check_saddle_graph
from .graph import GraphOptions
from .labels import subset_label
from .probes import PROBE_RETRIES

if TYPE_CHECKING:  # networkx is imported where used: ``import landscape`` stays light
    import networkx as nx

__all__: list[str] = []

#: Graph attributes of a saddle graph, and the keys of its problem record.
GRAPH_KEYS = ("problem", "options", "escapes", "checks", "unescaped")
PROBLEM_KEYS = ("widths", "sigma", "d_x", "d_y", "loss_offset", "reduced", "tie_tol",
                "basis_sha256")
#: Node attributes every node has, and those of catalog nodes (absent on ``"unknown"`` ones).
NODE_KEYS = ("label", "value", "kind", "random_probes")
CATALOG_NODE_KEYS = ("tie_groups", "tie_counts", "escape_orders", "uncertified",
                     "failed_probes")
EDGE_KEYS = ("hop", "certified", "escape", "random_probes", "loss_drop", "example_escapes",
             "example_coefficients")
#: Edge attributes present exactly where the source drew random probes.
SAMPLED_EDGE_KEYS = ("probability", "ci_low", "ci_high")
#: Relative agreement of stored values and drops with the closed form.
VALUE_RTOL = 1e-9
#: ``(|modes|, |learnt|, n_idle)`` of the run's blocks: one mode on an idle unit, or a
#: learnt mode and an unlearnt one on the learnt one's path.
BLOCK_SHAPES = ((1, 0, 1), (2, 1, 0))
#: Range of the coefficients of a random probe (:func:`~landscape.connections.probes.random_plan`).
COEFFICIENT_RANGE = (0.25, 1.0)


def schema_attributes(G: nx.DiGraph) -> nx.DiGraph:
    """``G`` with only the attributes of the schema (others dropped), in place."""
    for key in set(G.graph) - set(GRAPH_KEYS):
        del G.graph[key]
    for _, data in G.nodes(data=True):
        for key in set(data) - set(NODE_KEYS + CATALOG_NODE_KEYS):
            del data[key]
    for _, _, data in G.edges(data=True):
        for key in set(data) - set(EDGE_KEYS + SAMPLED_EDGE_KEYS):
            del data[key]
    return G


def _has(data: dict, keys, name: str) -> None:
    missing = [k for k in keys if k not in data]
    require(not missing, f"{name} must have the attributes {', '.join(keys)}; missing "
                         f"{', '.join(missing)}")


def _int_tuple(value, name: str) -> tuple:
    require(isinstance(value, tuple) and all(is_int(v) and v >= 0 for v in value),
            f"{name} must be a list of non-negative integers, got {value!r}")
    return value


def _problem(record) -> tuple[np.ndarray, float, list]:
    require(isinstance(record, dict) and set(record) == set(PROBLEM_KEYS),
            f"graph.problem must be an object with the keys {', '.join(PROBLEM_KEYS)}")
    sigma, offset = record["sigma"], record["loss_offset"]
    require(isinstance(sigma, list) and sigma and all(is_number(s) and s >= 0 for s in sigma)
            and all(a >= b for a, b in zip(sigma, sigma[1:])),
            f"graph.problem.sigma must be a descending list of non-negative numbers, got "
            f"{sigma!r}")
    require(is_number(offset) and offset >= 0,
            f"graph.problem.loss_offset must be a non-negative number, got {offset!r}")
    widths = record["widths"]
    require(isinstance(widths, list) and len(widths) >= 2
            and all(is_int(w) and w >= 1 for w in widths),
            f"graph.problem.widths must be a list of positive integers, got {widths!r}")
    require(record["d_x"] == widths[0] and record["d_y"] == widths[-1]
            and is_int(record["d_x"]) and is_int(record["d_y"])
            and len(sigma) == min(widths[0], widths[-1]),
            f"graph.problem: d_x and d_y must be the outer widths and sigma hold min(d_x, d_y) "
            f"values, got d_x {record['d_x']!r}, d_y {record['d_y']!r}, {len(sigma)} values")
    require(isinstance(record["reduced"], bool), "graph.problem.reduced must be true or false")
    require(is_number(record["tie_tol"]) and 0 <= record["tie_tol"] < 1,
            f"graph.problem.tie_tol must be a number in [0, 1), got {record['tie_tol']!r}")
    require(isinstance(record["basis_sha256"], str)
            and re.fullmatch("[0-9a-f]{64}", record["basis_sha256"]) is not None,
            "graph.problem.basis_sha256 must be 64 lowercase hexadecimal digits")
    return np.array(sigma, dtype=float), float(offset), widths


def _escapes(escapes, sigma: np.ndarray, widths: list, options: GraphOptions) -> None:
    """Each stored escape against its block (see the module docstring)."""
    require(isinstance(escapes, list), "graph.escapes must be a list")
    h = len(widths) - 1
    require(h > 1 or not escapes, "graph.escapes must be empty for a network of depth 1")
    scale = float(sigma[0]) if sigma[0] > 0 else 1.0  # sigma_1, as DataSpectrum.scale
    cap = options.radius * scale ** (1.0 / h)
    for k, record in enumerate(escapes):
        name = f"graph.escapes[{k}]"
        require(isinstance(record, dict) and set(record) == set(ESCAPE_KEYS),
                f"{name} must be an object with the keys {', '.join(ESCAPE_KEYS)}")
        modes, learnt = record["modes"], record["learnt"]
        for key in ("modes", "learnt"):
            require(isinstance(record[key], list)
                    and all(is_int(v) and 0 <= v < sigma.size for v in record[key])
                    and record[key] == sorted(set(record[key])),
                    f"{name}.{key} must be ascending distinct indices of the {sigma.size} "
                    f"singular values")
        require(is_int(record["n_idle"]) and set(learnt) <= set(modes)
                and (len(modes), len(learnt), record["n_idle"]) in BLOCK_SHAPES,
                f"{name} must be the escape of a block of one mode on an idle unit or of a "
                f"learnt and an unlearnt mode, got modes {modes!r}, learnt {learnt!r}, "
                f"n_idle {record['n_idle']!r}")
        block = InvariantBlock(tuple(modes), tuple(learnt), record["n_idle"], h)
        check_escape(record, name, block, sigma, cap)


def _node(node, data: dict, sigma: np.ndarray, offset: float, scale: float) -> None:
    require(isinstance(node, tuple) and all(is_int(i) and 0 <= i < sigma.size for i in node)
            and list(node) == sorted(set(node)),
            f"node {node!r} must be ascending distinct indices of the {sigma.size} singular "
            f"values")
    name = f"node {subset_label(node)}"
    _has(data, NODE_KEYS, name)
    require(data["label"] == subset_label(node),
            f"{name}.label must be {subset_label(node)!r}, got {data['label']!r}")
    kinds = {k.value for k in CriticalKind} | {"unknown"}
    require(isinstance(data["kind"], str) and data["kind"] in kinds,
            f"{name}.kind must be one of {', '.join(sorted(kinds))}, got {data['kind']!r}")
    expected = offset + 0.5 * float(np.sum(np.delete(sigma, list(node)) ** 2))
    require(is_number(data["value"]) and abs(data["value"] - expected) <= VALUE_RTOL * scale,
            f"{name}.value must be the critical value {expected!r}, got {data['value']!r}")
    require(is_int(data["random_probes"]) and data["random_probes"] >= 0,
            f"{name}.random_probes must be a non-negative integer")
    if data["kind"] == "unknown":
        present = [k for k in CATALOG_NODE_KEYS if k in data]
        require(not present and data["random_probes"] == 0,
                f"{name}: a class outside the catalog has no {', '.join(present) or 'probes'}")
        return
    _has(data, CATALOG_NODE_KEYS, name)
    require(isinstance(data["tie_groups"], tuple) and all(
        isinstance(g, tuple) for g in data["tie_groups"]),
        f"{name}.tie_groups must be a list of lists of integers")
    for group in data["tie_groups"]:
        _int_tuple(group, f"{name}.tie_groups")
    _int_tuple(data["tie_counts"], f"{name}.tie_counts")
    _int_tuple(data["escape_orders"], f"{name}.escape_orders")
    for key in ("uncertified", "failed_probes"):
        require(is_int(data[key]) and data[key] >= 0,
                f"{name}.{key} must be a non-negative integer")
    most = (PROBE_RETRIES + 1) * data["random_probes"]
    require(data["failed_probes"] <= most,
            f"{name}.failed_probes must be at most {most} ({PROBE_RETRIES + 1} per random "
            f"probe), got {data['failed_probes']!r}")


def _edge(G: nx.DiGraph, a, b, data: dict, scale: float) -> None:
    name = f"edge {subset_label(a)} -> {subset_label(b)}"
    _has(data, EDGE_KEYS, name)
    hop = data["hop"]
    require(hop in ("one_hop", "multi_hop"),
            f"{name}.hop must be one_hop or multi_hop, got {hop!r}")
    require(same_record(data["certified"], hop == "one_hop"),
            f"{name}.certified must be {hop == 'one_hop'} for a {hop} edge, got "
            f"{data['certified']!r}")
    _example(G.graph["escapes"], data, name, hop)
    total, count = G.nodes[a]["random_probes"], data["random_probes"]
    require(is_int(count) and 0 <= count <= total and (hop == "one_hop" or count > 0),
            f"{name}.random_probes must be an integer in [0, {total}] (at least 1 for a "
            f"multi-hop edge), got {count!r}")
    if total == 0:
        present = [k for k in SAMPLED_EDGE_KEYS if k in data]
        require(not present, f"{name} must not have {', '.join(present)}: its source drew no "
                             f"random probe")
    else:
        _has(data, SAMPLED_EDGE_KEYS, name)
        _sampled(data, name, count, total)
    drop = G.nodes[a]["value"] - G.nodes[b]["value"]
    require(is_number(data["loss_drop"]) and abs(data["loss_drop"] - drop) <= VALUE_RTOL * scale,
            f"{name}.loss_drop must be {drop!r}, got {data['loss_drop']!r}")


def _example(escapes: list, data: dict, name: str, hop: str) -> None:
    """The probe that found the edge: one certifying escape with coefficient 1 (one-hop), or
    two distinct certified escapes, ascending, with coefficients in ``[1/4, 1]`` (multi-hop)."""
    examples, coefficients = data["example_escapes"], data["example_coefficients"]
    size = 1 if hop == "one_hop" else 2
    require(isinstance(examples, tuple) and len(examples) == size
            and all(is_int(i) and 0 <= i < len(escapes) for i in examples)
            and list(examples) == sorted(set(examples))
            and all(escapes[i]["target"] is not None for i in examples),
            f"{name}.example_escapes must be {size} ascending indices of graph.escapes whose "
            f"exact probes converged, got {examples!r}")
    low, high = (1.0, 1.0) if hop == "one_hop" else COEFFICIENT_RANGE
    require(isinstance(coefficients, tuple) and len(coefficients) == size
            and all(is_number(c) and low <= c <= high for c in coefficients),
            f"{name}.example_coefficients must be {size} numbers in [{low}, {high}], got "
            f"{coefficients!r}")
    label = escapes[examples[0]]["label"] if hop == "one_hop" else ""
    require(data["escape"] == label, f"{name}.escape must be {label!r}, got {data['escape']!r}")


def _sampled(data: dict, name: str, count: int, total: int) -> None:
    share = count / total
    probability, low, high = data["probability"], data["ci_low"], data["ci_high"]
    require(is_number(probability) and abs(probability - share) <= 1e-12,
            f"{name}.probability must be {count}/{total}, got {probability!r}")
    require(is_number(low) and is_number(high) and 0 <= low <= probability <= high <= 1,
            f"{name}: ci_low <= probability <= ci_high must lie in [0, 1], got {low!r}, "
            f"{probability!r}, {high!r}")


def _probability_sums(G: nx.DiGraph) -> None:
    """Each random probe first arrives at one class at most: per source, the counts of its
    out-edges sum to at most the probes it drew (and the probabilities to at most 1)."""
    for node, total in G.nodes(data="random_probes"):
        counted = sum(d["random_probes"] for _, _, d in G.out_edges(node, data=True))
        require(counted <= total,
                f"node {subset_label(node)}: its out-edges count {counted} random probes, more "
                f"than the {total} it drew (outgoing probabilities sum to {counted / total:.6g}"
                f" > 1)" if total else f"node {subset_label(node)} drew no random probe, its "
                                       f"out-edges count {counted}")


def check_graph_file(G: nx.DiGraph) -> None:
    """Check a saddle graph read from a file (see the module docstring); ``ValueError``
    naming the field that fails."""
    _has(G.graph, GRAPH_KEYS, "the graph")
    sigma, offset, widths = _problem(G.graph["problem"])
    options = G.graph["options"]
    names = [f.name for f in fields(GraphOptions)]
    require(isinstance(options, dict) and set(options) == set(names),
            f"graph.options must be an object with the keys {', '.join(names)}")
    options = GraphOptions(**options)
    _escapes(G.graph["escapes"], sigma, widths, options)
    scale = max(offset + 0.5 * float(np.sum(sigma ** 2)), 1.0)
    for node, data in G.nodes(data=True):
        _node(node, data, sigma, offset, scale)
    for a, b, data in G.edges(data=True):
        _edge(G, a, b, data, scale)
    _probability_sums(G)
    checks = check_saddle_graph(G)
    require(same_record(G.graph["checks"], checks.to_dict()),
            f"graph.checks must be what check_saddle_graph finds: {checks.summary!r}")
    require(same_record(G.graph["unescaped"], [list(s) for s in checks.unescaped]),
            "graph.unescaped must list the saddles without out-edges")
