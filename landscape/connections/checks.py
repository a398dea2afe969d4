"""What a saddle graph must satisfy: edges lower the value, no cycle, minima are sinks,
every saddle escapes.

Every heteroclinic connection ``S -> S'`` strictly lowers the loss (the loss is a Lyapunov
function of the gradient flow; docs/theory.md §5), so the graph of connections is acyclic and its
sinks are the global minima (no spurious local minima in deep linear networks: Kawaguchi,
NeurIPS 2016); a saddle always has a descending direction (docs/theory.md §4.2), so each should have
an out-edge unless the probes missed its escape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..problem.criticality import CriticalKind
from .labels import subset_label

if TYPE_CHECKING:  # networkx is imported where used: ``import landscape`` stays light
    import networkx as nx

__all__ = ["GraphChecks", "check_saddle_graph"]


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
        return {"ok": self.ok, "decreasing": self.decreasing, "acyclic": self.acyclic,
                "minima_are_sinks": self.minima_are_sinks, "all_escaped": self.all_escaped,
                "raising_edges": [[list(a), list(b)] for a, b in self.raising_edges],
                "cycle": [list(s) for s in self.cycle],
                "minima_with_out_edges": [list(s) for s in self.minima_with_out_edges],
                "unescaped": [list(s) for s in self.unescaped], "summary": self.summary}


def check_saddle_graph(G: nx.DiGraph) -> GraphChecks:
    """Check a saddle graph: edges lower the value, no cycle, minima are sinks, saddles escape.

    Every heteroclinic connection strictly lowers the loss (docs/theory.md §5), so the graph of
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
    import networkx as nx

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
