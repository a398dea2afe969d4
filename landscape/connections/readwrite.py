"""Saddle graphs as files: GraphML and node-link JSON, both round-tripping exactly.

Node ids become labels ``"{0,2}"`` (:func:`~landscape.connections.labels.subset_label`). The
JSON file is ``{"format", "schema_version", "graph"}`` with ``graph`` networkx's node-link
form (``allow_nan=False``); GraphML holds only scalars, so every list-valued attribute is
stored as a JSON string and its name listed in the graph attribute ``json_keys``. Reading
restores subset keys and the list attributes (tie groups, escape orders, examples) as
tuples; files are written atomically (``landscape._base.files.atomic_write``).

Reading validates the whole graph before returning it (:func:`check_graph_file`): the
problem record and the escapes' structure, every node (its label, its value against the
closed form ``L_S = L0 + 1/2 sum_{i not in S} sigma_i^2`` of the recorded problem, THEORY §2,
its kind and counts), every edge (hop and certification, the certifying escape's label,
probability against its counts and the interval around it -- both present exactly where the
source drew random probes --, the loss drop against the values,
the example's escapes and coefficients) and the stored checks against
:func:`~landscape.connections.checks.check_saddle_graph` run again; a failure raises
``ValueError`` naming the file and the field.
"""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree.ElementTree import ParseError

import networkx as nx
import numpy as np

from .._base.files import atomic_write, atomic_write_text
from ..problem.criticality import CriticalKind
from .checkpoints import (ESCAPE_KEYS, SCHEMA_VERSION, current_schema, is_int, is_number, require,
                          same_record)
from .checks import check_saddle_graph
from .labels import parse_subset_label, subset_label

__all__ = ["load_saddle_graph", "save_saddle_graph"]

GRAPH_FORMAT = "landscape.saddle_graph"
#: Graph attributes that stay JSON structures (everything else list-valued becomes tuples).
DOCUMENT_KEYS = ("problem", "options", "checks", "unescaped", "escapes")


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
    if isinstance(value, list) and key not in DOCUMENT_KEYS:
        return _tuples(value)
    return value


def _document(G: nx.DiGraph) -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.graph.update({k: _plain(v) for k, v in G.graph.items()})
    for node, data in G.nodes(data=True):
        graph.add_node(subset_label(node), **{k: _plain(v) for k, v in data.items()})
    for a, b, data in G.edges(data=True):
        graph.add_edge(subset_label(a), subset_label(b),
                       **{k: _plain(v) for k, v in data.items()})
    return graph


def _from_document(graph: nx.DiGraph) -> nx.DiGraph:
    G = nx.DiGraph()
    G.graph.update({k: _restore(k, v) for k, v in graph.graph.items()})
    for node, data in graph.nodes(data=True):
        G.add_node(parse_subset_label(node), **{k: _restore(k, v) for k, v in data.items()})
    for a, b, data in graph.edges(data=True):
        G.add_edge(parse_subset_label(a), parse_subset_label(b),
                   **{k: _restore(k, v) for k, v in data.items()})
    return G


def save_saddle_graph(G: nx.DiGraph, path) -> Path:
    """Write a saddle graph as GraphML (``.graphml``) or node-link JSON (``.json``), atomically.

    Node ids become labels ``"{0,2}"``. In JSON (``{"format", "schema_version", "graph"}``,
    ``allow_nan=False``) attributes are plain lists; GraphML holds only scalars, so every
    list-valued attribute (tie groups, escape orders, examples, the graph's options, escapes
    and checks) is stored as a JSON string and its name listed in the graph attribute
    ``json_keys``. :func:`load_saddle_graph` restores subset keys and list attributes as
    tuples.
    """
    if not isinstance(G, nx.DiGraph):
        raise TypeError(f"G must be a networkx.DiGraph, got {type(G).__name__}")
    path = Path(path)
    graph = _document(G)
    if path.suffix == ".json":
        data = nx.node_link_data(graph, edges="edges")
        text = json.dumps({"format": GRAPH_FORMAT, "schema_version": SCHEMA_VERSION,
                           "graph": data}, allow_nan=False)
        return atomic_write_text(path, text)
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
    graph.graph.update(format=GRAPH_FORMAT, schema_version=SCHEMA_VERSION,
                       json_keys=json.dumps(sorted(encoded)))
    return atomic_write(path, lambda tmp: nx.write_graphml(graph, tmp))


def load_saddle_graph(path) -> nx.DiGraph:
    """Read a graph written by :func:`save_saddle_graph` (GraphML or JSON, by suffix).

    Raises
    ------
    ValueError
        For a missing file, another suffix, or a file that is not a saddle graph of this
        schema version, or whose contents fail a check of :func:`check_graph_file`.
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"path must be an existing .graphml or .json file, got {str(path)!r}")
    if path.suffix not in (".json", ".graphml"):
        raise ValueError(f"path must end in .graphml or .json, got {str(path)!r}")
    try:
        G = _read(path)
        check_graph_file(G)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, ParseError,
            nx.NetworkXError, RecursionError, OverflowError) as exc:
        if str(exc).startswith(str(path)):
            raise
        raise ValueError(f"{path} is not a valid saddle graph file: {exc}") from exc
    return G


def _read(path: Path) -> nx.DiGraph:
    if path.suffix == ".json":
        document = json.loads(path.read_text())
        if not current_schema(document, GRAPH_FORMAT):
            raise ValueError(f"{path} must be a saddle graph with schema_version "
                             f"{SCHEMA_VERSION}")
        graph = nx.node_link_graph(document["graph"], directed=True, edges="edges")
        return _from_document(graph)
    graph = nx.read_graphml(path)
    if not current_schema(graph.graph, GRAPH_FORMAT):
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


def _has(data: dict, keys, name: str) -> None:
    missing = [k for k in keys if k not in data]
    require(not missing, f"{name} must have the attributes {', '.join(keys)}; missing "
                         f"{', '.join(missing)}")


def _int_tuple(value, name: str) -> tuple:
    require(isinstance(value, tuple) and all(is_int(v) and v >= 0 for v in value),
            f"{name} must be a list of non-negative integers, got {value!r}")
    return value


def _problem(record) -> tuple[np.ndarray, float]:
    require(isinstance(record, dict), "graph.problem must be an object")
    sigma, offset = record.get("sigma"), record.get("loss_offset")
    require(isinstance(sigma, list) and all(is_number(s) and s >= 0 for s in sigma)
            and all(a >= b for a, b in zip(sigma, sigma[1:])),
            f"graph.problem.sigma must be a descending list of non-negative numbers, got "
            f"{sigma!r}")
    require(is_number(offset) and offset >= 0,
            f"graph.problem.loss_offset must be a non-negative number, got {offset!r}")
    widths = record.get("widths")
    require(isinstance(widths, list) and len(widths) >= 2
            and all(is_int(w) and w >= 1 for w in widths),
            f"graph.problem.widths must be a list of positive integers, got {widths!r}")
    return np.array(sigma, dtype=float), float(offset)


def _escape_records(escapes) -> None:
    require(isinstance(escapes, list), "graph.escapes must be a list")
    for k, record in enumerate(escapes):
        name = f"graph.escapes[{k}]"
        require(isinstance(record, dict) and set(record) == set(ESCAPE_KEYS),
                f"{name} must be an object with the keys {', '.join(ESCAPE_KEYS)}")
        for key in ("modes", "learnt"):
            require(isinstance(record[key], list)
                    and all(is_int(v) and v >= 0 for v in record[key]),
                    f"{name}.{key} must be a list of non-negative integers")
        require(is_int(record["n_idle"]) and record["n_idle"] >= 0
                and is_int(record["order"]) and record["order"] >= 2,
                f"{name}: n_idle must be an integer >= 0 and order an integer >= 2")
        require(is_number(record["step"]) and record["step"] > 0
                and is_number(record["t_final"]) and record["t_final"] >= 0,
                f"{name}: step must be a positive number and t_final a non-negative one")
        require(isinstance(record["label"], str), f"{name}.label must be a string")
        require(isinstance(record["direction"], list)
                and all(is_number(v) for v in record["direction"]),
                f"{name}.direction must be a list of finite numbers")
        require(record["target"] is None or (isinstance(record["target"], list) and all(
            is_int(v) and v >= 0 for v in record["target"])),
                f"{name}.target must be null or a list of non-negative integers")


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
    if data["kind"] != "unknown":
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


def _edge(G: nx.DiGraph, a, b, data: dict, scale: float) -> None:
    name = f"edge {subset_label(a)} -> {subset_label(b)}"
    _has(data, EDGE_KEYS, name)
    hop = data["hop"]
    require(hop in ("one_hop", "multi_hop"),
            f"{name}.hop must be one_hop or multi_hop, got {hop!r}")
    require(same_record(data["certified"], hop == "one_hop"),
            f"{name}.certified must be {hop == 'one_hop'} for a {hop} edge, got "
            f"{data['certified']!r}")
    examples, coefficients = data["example_escapes"], data["example_coefficients"]
    escapes = G.graph["escapes"]
    size = 1 if hop == "one_hop" else 2
    require(isinstance(examples, tuple) and len(examples) == size
            and all(is_int(i) and 0 <= i < len(escapes) for i in examples),
            f"{name}.example_escapes must be {size} indices of graph.escapes, got {examples!r}")
    require(isinstance(coefficients, tuple) and len(coefficients) == size
            and all(is_number(c) and c > 0 for c in coefficients),
            f"{name}.example_coefficients must be {size} positive numbers")
    label = escapes[examples[0]]["label"] if hop == "one_hop" else ""
    require(data["escape"] == label, f"{name}.escape must be {label!r}, got {data['escape']!r}")
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


def _sampled(data: dict, name: str, count: int, total: int) -> None:
    share = count / total
    probability, low, high = data["probability"], data["ci_low"], data["ci_high"]
    require(is_number(probability) and abs(probability - share) <= 1e-12,
            f"{name}.probability must be {count}/{total}, got {probability!r}")
    require(is_number(low) and is_number(high) and 0 <= low <= probability <= high <= 1,
            f"{name}: ci_low <= probability <= ci_high must lie in [0, 1], got {low!r}, "
            f"{probability!r}, {high!r}")


def check_graph_file(G: nx.DiGraph) -> None:
    """Check a saddle graph read from a file (see the module docstring); ``ValueError``
    naming the field that fails."""
    _has(G.graph, ("problem", "options", "escapes", "checks", "unescaped"), "the graph")
    sigma, offset = _problem(G.graph["problem"])
    require(isinstance(G.graph["options"], dict), "graph.options must be an object")
    _escape_records(G.graph["escapes"])
    scale = max(offset + 0.5 * float(np.sum(sigma ** 2)), 1.0)
    for node, data in G.nodes(data=True):
        _node(node, data, sigma, offset, scale)
    for a, b, data in G.edges(data=True):
        _edge(G, a, b, data, scale)
    checks = check_saddle_graph(G)
    require(same_record(G.graph["checks"], checks.to_dict()),
            f"graph.checks must be what check_saddle_graph finds: {checks.summary!r}")
    require(same_record(G.graph["unescaped"], [list(s) for s in checks.unescaped]),
            "graph.unescaped must list the saddles without out-edges")
