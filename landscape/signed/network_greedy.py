"""Matrix-free greedy frustration of a network: tensor-wise flip descent from channel starts.

Flipping node ``i`` of the switching ``s`` changes the frustrated weight by ``s_i g_i``, with
``g_i = sum_j (A_ij + A_ji) s_j`` its field (the single-node flips of J. Wendin, E. G. Larsson,
C. Altafini, *Computing frustration and near-monotonicity in deep neural networks*,
arXiv:2510.05286). Nodes of one tensor share no edge, so a sweep visits the tensors in
topological order (then in reverse, alternately), computes each one's fields with one
``matvec`` per in-block and one ``rmatvec`` per out-block, and takes all of its improving flips
at once: every flip strictly lowers the frustration, and the descent ends when a sweep flips
nothing. A last evaluation of every field from scratch verifies that the switching is
1-flip stable: an upper bound (docs/theory.md §6.1).

The plain descent stalls at domain walls (a convolution's nodes are coupled only locally); it
starts here from the channel switchings of :class:`~landscape.signed.network_channels.ChannelGraph`
(sign propagation along a maximum spanning tree of the channel graph, and restarts), which are
exact for a planted balance and at most its cost for a planted balance with noise.

Internal to :mod:`landscape.signed`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .network_channels import ChannelGraph
from .network_graph import NetworkGraph

__all__ = ["Descent", "descend", "network_greedy"]

#: Largest ``n_edges x starts`` for which the best ``_SMALL_STARTS`` distinct channel starts
#: are descended (only the best one on a larger network).
_ALL_STARTS_EDGES, _SMALL_STARTS = 5_000_000, 4


@dataclass(frozen=True)
class Descent:
    """A 1-flip-stable switching (per tensor), its frustrated weight per block, the sweeps it
    took (the verification included) and their mean time in seconds."""

    signs: list
    per_block: np.ndarray
    n_sweeps: int
    sweep_seconds: float


class _Fields:
    """The products ``A_b s_source`` and ``A_b^T s_target`` of every block, recomputed only
    after the tensor they read has flipped."""

    def __init__(self, graph: NetworkGraph, s: list[np.ndarray]):
        self.graph, self.s = graph, s
        self.forward = [None] * len(graph.blocks)
        self.backward = [None] * len(graph.blocks)

    def field(self, t: int) -> np.ndarray:
        g = np.zeros(self.graph.sizes[t])
        for index in self.graph.in_blocks[t]:
            if self.forward[index] is None:
                self.forward[index] = self.graph.forward(index, self.s)
            g += self.forward[index]
        for index in self.graph.out_blocks[t]:
            if self.backward[index] is None:
                self.backward[index] = self.graph.backward(index, self.s)
            g += self.backward[index]
        return g

    def flipped(self, t: int) -> None:
        for index in self.graph.out_blocks[t]:
            self.forward[index] = None
        for index in self.graph.in_blocks[t]:
            self.backward[index] = None


def descend(graph: NetworkGraph, s: list[np.ndarray], tolerance: list[np.ndarray],
            log=None) -> Descent:
    """Tensor-wise flip descent of ``s`` (modified in place) until 1-flip stable.

    Parameters
    ----------
    graph : NetworkGraph
    s : list of ndarray
        The start, one float ``+-1`` array per tensor.
    tolerance : list of ndarray
        Per node, the least gain a flip must make (:meth:`NetworkGraph.tolerance`).
    log : callable or None
        Called with a line after each sweep.
    """
    order = graph.free_tensors()
    fields = _Fields(graph, s)
    n_sweeps, seconds, forward, verified = 0, 0.0, True, False
    while not verified:
        start = time.perf_counter()
        flips = 0
        if verified is None:  # the verification: every field from scratch
            fields = _Fields(graph, s)
        for t in (order if forward else order[::-1]):
            bad = s[t] * fields.field(t) < -tolerance[t]
            k = int(np.count_nonzero(bad))
            if k:
                s[t][bad] = -s[t][bad]
                fields.flipped(t)
                flips += k
        n_sweeps += 1
        seconds += time.perf_counter() - start
        if log is not None:
            log(f"sweep {n_sweeps}: {flips} flips, {time.perf_counter() - start:.2f} s")
        verified = (None if verified is False else True) if flips == 0 else False
        forward = not forward
    return Descent(s, graph.frustrated(s), n_sweeps, seconds / n_sweeps)


def network_greedy(graph: NetworkGraph, restarts: int, rng: np.random.Generator,
                   initial=None, log=None) -> Descent:
    """The best descent from the channel starts (and ``initial``, a per-tensor switching, when
    given first); on a small network the four best distinct channel optima are descended, on a
    large one only the best (by its channel value)."""
    tolerance = [graph.tolerance(t) for t in range(len(graph.tensors))]
    starts = [] if initial is None else [initial]
    channel_starts = ChannelGraph(graph).starts(restarts, rng)
    if graph.net.n_edges * _SMALL_STARTS <= _ALL_STARTS_EDGES:
        starts += channel_starts[:_SMALL_STARTS]
    else:
        starts.append(channel_starts[0])
    best = None
    for s in starts:
        for t in np.flatnonzero(graph.fixed):
            s[t][:] = 1.0
        found = descend(graph, s, tolerance, log)
        if best is None or found.per_block.sum() < best.per_block.sum():
            best = found
    return best
