"""The frustration of a :class:`~landscape.signed.network.SignedNetwork`: method dispatch.

``"auto"`` runs the linear-time balance test and the exact enumeration where the adjacency
matrix is small, and the matrix-free greedy descent otherwise; ``"exact"`` enumerates or
solves the mixed-integer program; ``"greedy"`` is always matrix-free, an upper bound (exact
when it reaches 0, since no frustration is negative), reported with the proven lower bound of
edge-disjoint negative 4-cycles inside its blocks
(:func:`~landscape.signed.network_bound.network_lower_bound`). docs/theory.md §6, §6.1; J. Wendin,
E. G. Larsson, C. Altafini, *Computing frustration and near-monotonicity in deep neural
networks*, arXiv:2510.05286.

Internal to :mod:`landscape.signed`.
"""

from __future__ import annotations

import time

import numpy as np

from .exact import balanced_signs
from .milp import milp_switching
from .network_bound import network_lower_bound
from .network_exact import MAX_ENUMERATION_WORK, edge_list, enumerate_network, enumeration_plan
from .network_graph import NetworkGraph
from .network_greedy import network_greedy
from .results import NetworkFrustrationResult

__all__ = ["check_network_signs", "solve_network", "sweep_estimate"]

#: Largest adjacency matrix (bytes) that ``method="auto"`` builds for the exact methods.
AUTO_ADJACENCY_BYTES = 1 << 26
#: Largest adjacency matrix (bytes) the exact methods build when asked for.
EXACT_ADJACENCY_BYTES = 1 << 31
#: Most enumerated nodes ``method="enumeration"`` accepts.
MAX_ENUMERATED = 32


def network_result(graph: NetworkGraph, s, exact: bool, lower: float, method: str,
                   per_block=None, n_sweeps: int = 0, sweep_seconds: float = 0.0,
                   seconds: float = 0.0) -> NetworkFrustrationResult:
    """The result of the switching ``s`` (a node vector or per-tensor arrays); the frustrated
    weight is counted from the definition unless ``per_block`` gives it. A value of 0 is
    exact."""
    parts = graph.split(np.asarray(s)) if isinstance(s, np.ndarray) else s
    per_block = graph.frustrated(parts) if per_block is None else np.asarray(per_block)
    value = float(np.sum(per_block))
    exact = bool(exact or value == 0.0)
    targets = np.array([b.target for b in graph.blocks], dtype=np.int64)
    per_tensor = np.bincount(targets, per_block, minlength=len(graph.tensors)) \
        if targets.size else np.zeros(len(graph.tensors))
    return NetworkFrustrationResult(
        value=value, normalized=value / graph.total if graph.total > 0 else 0.0,
        signs=graph.join(parts), exact=exact,
        lower_bound=float(value if exact else min(lower, value)), upper_bound=value,
        per_layer=per_block, method=method, total_weight=graph.total,
        widths=tuple(graph.sizes), block_names=tuple(b.name for b in graph.blocks),
        block_weights=graph.block_weight, tensor_names=tuple(t.name for t in graph.tensors),
        per_tensor=per_tensor, n_sweeps=int(n_sweeps), sweep_seconds=float(sweep_seconds),
        seconds=float(seconds))


def check_network_signs(signs, graph: NetworkGraph, name: str = "initial_signs") -> list:
    """Validate a switching of the network: ``n_nodes`` entries of ``+-1``, ``+1`` on fixed
    nodes; per tensor, as floats."""
    s = np.asarray(signs)
    if s.shape != (graph.n,) or not np.all(np.isin(s, (-1, 1))):
        raise ValueError(f"{name} must be a vector of n_nodes = {graph.n} entries, each +1 or "
                         f"-1, got shape {s.shape}")
    if np.any(s[~graph.free()] != 1):
        raise ValueError(f"{name} must be +1 on the input and output nodes when "
                         "fix_io_signs=True, got -1 there")
    return graph.split(s.astype(float))


def solve_network(net, options, rng: np.random.Generator, initial_signs=None,
                  log=None) -> NetworkFrustrationResult:
    """Dispatch ``options.method`` (a checked :class:`~landscape.signed.minimum.SolverOptions`)
    on the network ``net``; ``initial_signs`` is a first greedy start, ``log`` a callable given
    one line per greedy sweep."""
    if not options.weighted:
        raise ValueError("weighted must be True for a SignedNetwork (its edges are weighed by "
                         "|A_ij|), got False")
    clock = time.perf_counter()
    graph = NetworkGraph(net, options.fix_io_signs)
    initial = None if initial_signs is None else check_network_signs(initial_signs, graph)
    method = options.method
    small = net.memory_estimate() <= AUTO_ADJACENCY_BYTES
    if method in ("auto", "exact") and (small or method == "exact"):
        edges = edge_list(graph, EXACT_ADJACENCY_BYTES)
        s = balanced_signs(edges)
        if s is not None:
            return network_result(graph, s, True, 0.0, "balance",
                                  seconds=time.perf_counter() - clock)
    if method in ("auto", "exact"):
        _, enumerated, work = enumeration_plan(graph)
        fits = enumerated.size <= options.max_enumeration and (
            method == "exact" or (small and work <= MAX_ENUMERATION_WORK))
        method = "enumeration" if fits else ("milp" if method == "exact" else "greedy")
    if method == "enumeration":
        _, enumerated, _ = enumeration_plan(graph)
        if enumerated.size > MAX_ENUMERATED:
            raise ValueError(f"method='enumeration' must enumerate at most {MAX_ENUMERATED} "
                             f"nodes, this network needs {enumerated.size}: use 'milp' or "
                             f"'greedy'")
        s = enumerate_network(graph, edge_list(graph, EXACT_ADJACENCY_BYTES))
        return network_result(graph, s, True, 0.0, method, seconds=time.perf_counter() - clock)
    if method == "milp":
        s, bound, proven = milp_switching(edge_list(graph, EXACT_ADJACENCY_BYTES),
                                          options.time_limit)
        return network_result(graph, s, proven, bound, method,
                              seconds=time.perf_counter() - clock)
    found = network_greedy(graph, options.restarts, rng, initial, log)
    return network_result(graph, found.signs, False, network_lower_bound(net), "greedy",
                          per_block=found.per_block,
                          n_sweeps=found.n_sweeps, sweep_seconds=found.sweep_seconds,
                          seconds=time.perf_counter() - clock)


def sweep_estimate(net) -> float:
    """Seconds of one greedy sweep, measured: one ``matvec`` and one ``rmatvec`` of every
    block on all-``+1`` signs."""
    clock = time.perf_counter()
    for b in net.blocks:
        b.matvec(np.ones((1, net.tensors[b.source].size)))
        b.rmatvec(np.ones((1, net.tensors[b.target].size)))
    return time.perf_counter() - clock
