"""Saddle graphs as files: GraphML and node-link JSON, both round-tripping exactly.

Node ids become labels ``"{0,2}"`` (:func:`~landscape.connections.labels.subset_label`). The
JSON file is ``{"format", "schema_version", "graph"}`` with ``graph`` networkx's node-link
form (``allow_nan=False``); GraphML holds only scalars, so every list-valued attribute is
stored as a JSON string and its name listed in the graph attribute ``json_keys``. Reading
restores subset keys and the list attributes (tie groups, escape orders, examples) as
tuples; files are written atomically (``landscape._base.files.atomic_write``).

Reading keeps only the attributes of the schema (others -- a note, an injected string -- are
dropped) and validates the whole graph before returning it
(:func:`~landscape.connections.graph_file.check_graph_file`: the problem, the options, every
escape against its block, every node and edge, the probability sums and the stored checks;
what it verifies and what it trusts is listed there); a failure raises ``ValueError`` naming
the file and the field.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING
from xml.etree.ElementTree import ParseError

import numpy as np

from .._base.files import atomic_write, atomic_write_text
from .checkpoints import SCHEMA_VERSION, current_schema
from .graph_file import check_graph_file, schema_attributes
from .labels import parse_subset_label, subset_label

if TYPE_CHECKING:  # networkx is imported where used: ``import landscape`` stays light
    import networkx as nx

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
    import networkx as nx

    graph = nx.DiGraph()
    graph.graph.update({k: _plain(v) for k, v in G.graph.items()})
    for node, data in G.nodes(data=True):
        graph.add_node(subset_label(node), **{k: _plain(v) for k, v in data.items()})
    for a, b, data in G.edges(data=True):
        graph.add_edge(subset_label(a), subset_label(b),
                       **{k: _plain(v) for k, v in data.items()})
    return graph


def _from_document(graph: nx.DiGraph) -> nx.DiGraph:
    import networkx as nx

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
    import networkx as nx

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
        schema version, or whose contents fail a check of
        :func:`~landscape.connections.graph_file.check_graph_file` (attributes outside the
        schema are dropped, not refused).
    """
    import networkx as nx

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
    import networkx as nx

    if path.suffix == ".json":
        document = json.loads(path.read_text())
        if not current_schema(document, GRAPH_FORMAT):
            raise ValueError(f"{path} must be a saddle graph with schema_version "
                             f"{SCHEMA_VERSION}")
        graph = nx.node_link_graph(document["graph"], directed=True, edges="edges")
        return _from_document(schema_attributes(graph))
    graph = nx.read_graphml(path)
    if not current_schema(graph.graph, GRAPH_FORMAT):
        raise ValueError(f"{path} must be a saddle graph with schema_version {SCHEMA_VERSION}")
    keys = set(json.loads(graph.graph.pop("json_keys")))
    for key in ("format", "schema_version", "node_default", "edge_default"):
        graph.graph.pop(key, None)  # file bookkeeping; the last two are added by read_graphml
    schema_attributes(graph)

    def decode(data: dict) -> None:
        for key in keys & set(data):
            data[key] = json.loads(data[key])

    for _, data in graph.nodes(data=True):
        decode(data)
    for _, _, data in graph.edges(data=True):
        decode(data)
    decode(graph.graph)
    return _from_document(nx.DiGraph(graph))
