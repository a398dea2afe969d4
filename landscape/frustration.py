"""Frustration of the signed graph of a deep linear network, exact and heuristic.

The block-shift adjacency matrix ``A`` (``W_j`` in block ``(j, j-1)``) is a signed weighted
graph whose edges join consecutive layers. A switching ``D = diag(s)``, ``s in {-1, +1}^n``,
flips the signs of nodes; the graph is *balanced* if some switching makes ``D A D``
entrywise non-negative, and its (weighted) **frustration** is

    F(A) = min_s  sum_{(a, b): s_a A_ab s_b < 0} |A_ab|  =  min_s (W - sum_{ab} s_a A_ab s_b) / 2,

with ``W = sum |A_ab|`` the total weight (THEORY §6; J. Wendin, E. G. Larsson, C. Altafini,
*Computing frustration and near-monotonicity in deep neural networks*, arXiv:2510.05286).
Switching hidden units is an exact symmetry of the network function; input and output
signs are free (the paper's frustration of the graph) or fixed (``fix_io_signs=True``: only
hidden units switch). Normalised frustration is ``F / W``, at most ``1/2`` whenever every
edge has a switchable end (a uniformly random switching frustrates half the weight on
average).

Computing ``F`` is a max-cut problem, NP-hard in general. Every edge joins an even layer to
an odd one, so the graph is bipartite: given the signs ``s_X`` of one side, each free node
``a`` of the other side independently takes ``s_a = sign(u_a)`` with ``u = B s_X`` its
signed incident weight, and

    sum_{ab} s_a A_ab s_b = sum_{a free} |u_a| + sum_{a fixed} u_a.

The exact methods enumerate the smaller side (:func:`frustration` with
``method="enumeration"``) or solve a mixed-integer program with :func:`scipy.optimize.milp`
(``method="milp"``); the heuristic (``method="greedy"``) is the single-node flip descent of
arXiv:2510.05286 with random restarts and an alternating-layer polish, an upper bound.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import optimize, sparse
from scipy.sparse import csgraph

from ._base.validation import as_matrix, check_choice, check_int, check_positive
from ._base.parallel import Executor
from .flow import FlowResult
from .problem.network import Landscape, check_landscape

__all__ = [
    "FrustrationResult",
    "NullComparison",
    "IOMonotonicity",
    "FrustrationTrajectory",
    "FRUSTRATION_METHODS",
    "NULL_MODELS",
    "frustration",
    "null_network",
    "frustration_vs_null",
    "io_monotonicity",
    "frustration_along_flow",
]

#: Accepted values of ``method`` in :func:`frustration`.
FRUSTRATION_METHODS = ("auto", "exact", "enumeration", "milp", "greedy")

#: Null models of :func:`null_network`: signs shuffled within a layer, weights permuted
#: within a layer, independent fair signs.
NULL_MODELS = ("sign_shuffle", "weight_permutation", "random_signs")

#: Largest number of enumerated nodes for which ``method="auto"`` and ``"exact"`` enumerate.
MAX_ENUMERATION = 24

# Largest number of entries of one vectorised slab of the enumeration (about 512 KiB of
# float64: it stays in cache, which matters more than fewer Python-level Gray-code steps).
_SLAB = 1 << 16


# ---------------------------------------------------------------------------- results
def _float_list(values) -> str:
    return "[" + ", ".join(f"{v:.4g}" for v in values) + "]"


@dataclass(frozen=True, eq=False)
class FrustrationResult:
    """The frustration of a network's signed graph and a switching that attains it.

    Attributes
    ----------
    value : float
        Frustrated weight ``sum |A_ab|`` over the edges negative after the switching
        ``signs`` (an edge count with ``weighted=False``).
    normalized : float
        ``value / total_weight`` (0 for a network without edges).
    signs : ndarray of int8, shape (n,)
        The switching ``s`` (``+1`` or ``-1`` per node, layer by layer as in the adjacency
        matrix); fixed input/output nodes are ``+1``.
    exact : bool
        True when ``value`` is proven minimal (balance test, enumeration, or a MILP that
        proved optimality).
    lower_bound, upper_bound : float
        Proven bounds on the frustration; ``upper_bound == value``, and
        ``lower_bound == value`` when ``exact``.
    per_layer : ndarray, shape (h,)
        Frustrated weight in each layer ``W_j`` under ``signs``.
    method : str
        Which method produced ``value``: ``"balance"`` (linear-time balance test found a
        frustration-free switching), ``"enumeration"``, ``"milp"`` or ``"greedy"``.
    total_weight : float
        ``W = sum |A_ab|`` (the number of nonzero edges with ``weighted=False``).
    widths : tuple of int
        Layer widths ``(d_0, ..., d_h)``, to split ``signs`` by layer.
    """

    value: float
    normalized: float
    signs: np.ndarray
    exact: bool
    lower_bound: float
    upper_bound: float
    per_layer: np.ndarray
    method: str
    total_weight: float
    widths: tuple

    def signs_by_layer(self) -> list[np.ndarray]:
        """``signs`` split into the layers ``0..h``."""
        return np.split(self.signs, np.cumsum(self.widths)[:-1])

    def __repr__(self) -> str:
        return (f"FrustrationResult(value={self.value:.6g}, normalized={self.normalized:.4f}, "
                f"exact={self.exact}, bounds=[{self.lower_bound:.6g}, {self.upper_bound:.6g}], "
                f"method={self.method!r}, per_layer={_float_list(self.per_layer)}, "
                f"widths={self.widths})")


@dataclass(frozen=True, eq=False)
class NullComparison:
    """A network's frustration against samples of a null model.

    Attributes
    ----------
    value : float
        Normalised frustration of the network.
    samples : ndarray, shape (samples,)
        Normalised frustration of each null network (same algorithm and budget).
    mean, std : float
        Mean and standard deviation (``ddof=1``) of ``samples``.
    z_score : float or None
        ``(value - mean) / std``; ``None`` when the samples have no spread (for instance a
        forest-shaped graph, always balanced), where no z-score exists.
    p_value : float
        Empirical one-sided p-value for "less frustrated than the null":
        ``(1 + #{samples <= value}) / (samples + 1)``.
    null : str
        The null model (one of :data:`NULL_MODELS`).
    exact : bool
        Whether the network's and every sample's value are proven minimal.
    """

    value: float
    samples: np.ndarray
    mean: float
    std: float
    z_score: float | None
    p_value: float
    null: str
    exact: bool

    def __repr__(self) -> str:
        z = "None" if self.z_score is None else f"{self.z_score:.3f}"
        return (f"NullComparison(value={self.value:.4f}, null={self.null!r}, "
                f"mean={self.mean:.4f}, std={self.std:.4f}, z_score={z}, "
                f"p_value={self.p_value:.4f}, n_samples={self.samples.size}, exact={self.exact})")


@dataclass(frozen=True, eq=False)
class IOMonotonicity:
    """How far the end-to-end map ``P = W_h ... W_1`` is from monotone.

    Attributes
    ----------
    value : float
        ``min_{D_y, D_x} sum_{(D_y P D_x)_ik < 0} |P_ik| / sum |P_ik|``: the fraction of
        ``|P|`` mass with the wrong sign after the best sign flips of inputs and outputs.
        0 means ``D_y P D_x >= 0``: the map is monotone in the orthant order given by the
        flips.
    wrong_mass, total_mass : float
        ``min sum_{(D_y P D_x)_ik < 0} |P_ik|`` and ``sum |P_ik|``.
    input_signs, output_signs : ndarray of int8
        The diagonals of ``D_x`` (length ``d_x``) and ``D_y`` (length ``d_y``).
    exact : bool
        Whether the minimum is proven (enumeration over the smaller of ``d_x``, ``d_y``).
    end_to_end : ndarray (d_y, d_x)
        ``P``.
    """

    value: float
    wrong_mass: float
    total_mass: float
    input_signs: np.ndarray
    output_signs: np.ndarray
    exact: bool
    end_to_end: np.ndarray

    def __repr__(self) -> str:
        return (f"IOMonotonicity(value={self.value:.4f}, wrong_mass={self.wrong_mass:.6g}, "
                f"total_mass={self.total_mass:.6g}, exact={self.exact}, "
                f"shape={self.end_to_end.shape})")


@dataclass(frozen=True, eq=False)
class FrustrationTrajectory:
    """Frustration at the recorded times of a gradient flow.

    Attributes
    ----------
    t : ndarray (T,)
        Times of the records used.
    value, normalized, lower_bound, upper_bound : ndarray (T,)
        As in :class:`FrustrationResult`, per time.
    exact : ndarray of bool (T,)
    method : tuple of str
        The method that produced each value.
    total_weight : ndarray (T,)
        ``W = sum |A_ab|`` per time (``normalized = value / W``).
    null : str or None
        The null model of the band, if one was computed.
    null_mean, null_std : ndarray (T,) or None
        Mean and standard deviation (``ddof=1``) of the normalised frustration of the null
        samples at each time; ``None`` without a null.
    """

    t: np.ndarray
    value: np.ndarray
    normalized: np.ndarray
    exact: np.ndarray
    lower_bound: np.ndarray
    upper_bound: np.ndarray
    method: tuple
    total_weight: np.ndarray
    null: str | None = None
    null_mean: np.ndarray | None = None
    null_std: np.ndarray | None = None

    def __repr__(self) -> str:
        band = "" if self.null is None else f", null={self.null!r}"
        return (f"FrustrationTrajectory(n_records={self.t.size}, "
                f"t=[{self.t[0]:.4g}, {self.t[-1]:.4g}], "
                f"normalized=[{self.normalized[0]:.4f} -> {self.normalized[-1]:.4f}], "
                f"all_exact={bool(np.all(self.exact))}{band})")


# ---------------------------------------------------------------------------- the graph
@dataclass(frozen=True, eq=False)
class _SignedLayers:
    """The signed layered graph: blocks ``W_j`` (weights or their signs), widths, free nodes."""

    blocks: list
    widths: tuple
    offsets: np.ndarray
    free: np.ndarray
    total: float

    @property
    def n(self) -> int:
        return int(self.offsets[-1])

    @property
    def h(self) -> int:
        return len(self.blocks)

    def layer(self, s: np.ndarray, j: int) -> np.ndarray:
        return s[self.offsets[j]:self.offsets[j + 1]]

    def per_layer(self, s: np.ndarray) -> np.ndarray:
        """Frustrated weight of each block under the switching ``s``: the definition, literally."""
        out = np.empty(self.h)
        for j, w in enumerate(self.blocks, start=1):
            signed = self.layer(s, j)[:, None] * w * self.layer(s, j - 1)[None, :]
            out[j - 1] = float(np.sum(np.abs(w)[signed < 0]))
        return out

    def field(self, s: np.ndarray) -> np.ndarray:
        """``g_a = sum_b (A_ab + A_ba) s_b``: each node's signed incident weight."""
        g = np.zeros(self.n)
        o = self.offsets
        for j, w in enumerate(self.blocks, start=1):
            g[o[j]:o[j + 1]] += w @ self.layer(s, j - 1)
            g[o[j - 1]:o[j]] += w.T @ self.layer(s, j)
        return g

    def scale(self) -> float:
        return max((float(np.max(np.abs(w))) for w in self.blocks), default=0.0)


def _layers_of(value, widths, name: str) -> list[np.ndarray]:
    """Validate a list ``W_1..W_h`` or a square block-shift adjacency matrix plus ``widths``."""
    if isinstance(value, np.ndarray):
        if value.ndim != 2:
            raise ValueError(f"{name} must be a list of layer matrices W_1..W_h or a square "
                             f"adjacency matrix, got an array with shape {value.shape}")
        A = as_matrix(value, name)
        if A.shape[0] != A.shape[1]:
            raise ValueError(f"{name} must be square when given as an adjacency matrix, got "
                             f"shape {A.shape} (pass a single layer as a list: [W])")
        if widths is None:
            raise ValueError(f"widths must be given with an adjacency matrix {name} (the "
                             f"layering is not inferred from zero blocks), got None")
        widths = _check_layer_widths(widths)
        if sum(widths) != A.shape[0]:
            raise ValueError(f"widths must sum to the size of {name} = {A.shape[0]}, got "
                             f"{widths} (sum {sum(widths)})")
        o = np.concatenate([[0], np.cumsum(widths)]).astype(int)
        mask = np.zeros(A.shape, dtype=bool)
        for j in range(1, len(widths)):
            mask[o[j]:o[j + 1], o[j - 1]:o[j]] = True
        off = (A != 0) & ~mask
        if np.any(off):
            i, k = np.argwhere(off)[0]
            raise ValueError(f"{name} must be zero off the block-shift pattern (blocks "
                             f"(j, j-1)), got {name}[{i}, {k}] = {A[i, k]:.3g}")
        return [A[o[j]:o[j + 1], o[j - 1]:o[j]].copy() for j in range(1, len(widths))]
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise TypeError(f"{name} must be a list of layer matrices W_1..W_h or a square "
                        f"adjacency matrix (numpy array), got {type(value).__name__}")
    if len(value) == 0:
        raise ValueError(f"{name} must hold at least one layer matrix, got an empty sequence")
    layers = [as_matrix(w, f"{name}[{j}]") for j, w in enumerate(value)]
    for j in range(1, len(layers)):
        if layers[j].shape[1] != layers[j - 1].shape[0]:
            raise ValueError(f"{name}[{j}] must have {layers[j - 1].shape[0]} columns (the rows "
                             f"of {name}[{j - 1}]), got shape {layers[j].shape}")
    if widths is not None:
        expected = tuple([layers[0].shape[1]] + [w.shape[0] for w in layers])
        widths = _check_layer_widths(widths)
        if widths != expected:
            raise ValueError(f"widths must match the layer shapes {expected}, got {widths}")
    return layers


def _check_layer_widths(widths) -> tuple[int, ...]:
    if isinstance(widths, (str, bytes)) or not isinstance(widths, Sequence | np.ndarray):
        raise TypeError(f"widths must be a sequence of integers, got {widths!r}")
    widths = tuple(check_int(w, f"widths[{i}]", minimum=1) for i, w in enumerate(widths))
    if len(widths) < 2:
        raise ValueError(f"widths must hold at least 2 entries, got {widths}")
    return widths


def _check_bool(value, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def _graph(layers: list[np.ndarray], weighted: bool, fix_io_signs: bool) -> _SignedLayers:
    blocks = [w if weighted else np.sign(w) for w in layers]
    widths = tuple([layers[0].shape[1]] + [w.shape[0] for w in layers])
    offsets = np.concatenate([[0], np.cumsum(widths)]).astype(int)
    free = np.ones(int(offsets[-1]), dtype=bool)
    if fix_io_signs:
        free[:offsets[1]] = False
        free[offsets[-2]:] = False
    total = float(sum(np.sum(np.abs(w)) for w in blocks))
    return _SignedLayers(blocks, widths, offsets, free, total)


# ---------------------------------------------------------------------------- balance
def _balanced_signs(g: _SignedLayers) -> np.ndarray | None:
    """A switching with no negative edge, or ``None``: breadth-first sign propagation, ``O(n + m)``.

    Fixed nodes hang off an extra ground node by positive edges, so they all get ``+1``.
    """
    n = g.n
    rows, cols, vals = [], [], []
    o = g.offsets
    for j, w in enumerate(g.blocks, start=1):
        r, c = np.nonzero(w)
        rows.append(r + o[j])
        cols.append(c + o[j - 1])
        vals.append(np.sign(w[r, c]))
    fixed = np.flatnonzero(~g.free)
    rows.append(np.full(fixed.size, n))
    cols.append(fixed)
    vals.append(np.ones(fixed.size))
    rows, cols, vals = (np.concatenate(x) for x in (rows, cols, vals))
    M = sparse.coo_matrix((vals, (rows, cols)), shape=(n + 1, n + 1)).tocsr()
    M = (M + M.T).tocsr()
    n_comp, labels = csgraph.connected_components(M, directed=False)
    s = np.ones(n + 1)
    sizes = np.bincount(labels, minlength=n_comp)
    roots = {labels[n]: n}
    for comp in np.flatnonzero(sizes > 1):
        root = roots.get(comp, int(np.argmax(labels == comp)))
        order, pred = csgraph.breadth_first_order(M, root, directed=False,
                                                  return_predecessors=True)
        edge_sign = np.asarray(M[pred[order[1:]], order[1:]]).ravel()
        for v, p, e in zip(order[1:], pred[order[1:]], edge_sign):
            s[v] = s[p] * e
    s = s[:n]
    if np.any(s[~g.free] < 0):
        return None
    for j, w in enumerate(g.blocks, start=1):
        if np.any(g.layer(s, j)[:, None] * w * g.layer(s, j - 1)[None, :] < 0):
            return None
    return s.astype(np.int8)


def _lower_bound(g: _SignedLayers) -> float:
    """A proven lower bound from edge-disjoint negative 4-cycles.

    A cycle's sign (the product of its edge signs) is invariant under switching, so every
    negative cycle keeps at least its lightest edge frustrated, and edge-disjoint cycles add
    up. Each block ``W_j`` is tiled by disjoint ``2 x 2`` sub-blocks (rows ``a, a'``,
    columns ``b, b'``: the 4-cycle ``a b a' b'``). An unbalanced graph without a negative
    tile still costs its smallest nonzero ``|A_ab|``.
    """
    bound = 0.0
    for w in g.blocks:
        r, c = w.shape[0] // 2 * 2, w.shape[1] // 2 * 2
        tiles = w[:r, :c].reshape(r // 2, 2, c // 2, 2).transpose(0, 2, 1, 3).reshape(-1, 4)
        negative = np.prod(np.sign(tiles), axis=1) < 0
        bound += float(np.sum(np.min(np.abs(tiles[negative]), axis=1)))
    if bound == 0.0 and _balanced_signs(g) is None:
        bound = min(float(np.min(np.abs(w[w != 0]))) for w in g.blocks if np.any(w != 0))
    return bound


# ---------------------------------------------------------------------------- enumeration
def _bipartition(g: _SignedLayers):
    """Even/odd layer sides; ``X`` the side with fewer free, connected nodes (enumerated)."""
    degree = np.zeros(g.n, dtype=bool)
    o = g.offsets
    for j, w in enumerate(g.blocks, start=1):
        nz = w != 0
        degree[o[j]:o[j + 1]] |= nz.any(axis=1)
        degree[o[j - 1]:o[j]] |= nz.any(axis=0)
    parity = np.repeat(np.arange(len(g.widths)) % 2, g.widths)
    counts = [int(np.sum(g.free & degree & (parity == p))) for p in (0, 1)]
    x_parity = int(np.argmin(counts))
    return x_parity, g.free & degree & (parity == x_parity), counts[x_parity]


def _enumeration_size(g: _SignedLayers) -> int:
    """Number of enumerated nodes (after the global-flip symmetry when nothing is fixed)."""
    _, _, k = _bipartition(g)
    return max(k - 1, 0) if g.free.all() else k


def _enumerate(g: _SignedLayers) -> np.ndarray:
    """Exact switching by enumerating the free nodes of the smaller side of the bipartition.

    For each pattern ``s_X`` the other side responds in closed form, ``s_a = sign(u_a)``,
    ``u = B s_X``; the value ``sum_{a free} |u_a| + sum_{a fixed} u_a`` is maximised.
    Patterns are split into low bits, all enumerated at once as a matrix, and high bits,
    walked in Gray-code order with one column update per step.
    """
    x_parity, enum_mask, _ = _bipartition(g)
    parity = np.repeat(np.arange(len(g.widths)) % 2, g.widths)
    x_nodes = np.flatnonzero(parity == x_parity)
    y_nodes = np.flatnonzero(parity != x_parity)
    y_nodes = np.concatenate([y_nodes[g.free[y_nodes]], y_nodes[~g.free[y_nodes]]])
    n_free_y = int(np.sum(g.free[y_nodes]))
    x_pos = np.full(g.n, -1)
    x_pos[x_nodes] = np.arange(x_nodes.size)
    y_pos = np.full(g.n, -1)
    y_pos[y_nodes] = np.arange(y_nodes.size)
    B = np.zeros((y_nodes.size, x_nodes.size))
    o = g.offsets
    for j, w in enumerate(g.blocks, start=1):
        upper_nodes = np.arange(o[j], o[j + 1])
        lower_nodes = np.arange(o[j - 1], o[j])
        if j % 2 == x_parity:
            B[np.ix_(y_pos[lower_nodes], x_pos[upper_nodes])] = w.T
        else:
            B[np.ix_(y_pos[upper_nodes], x_pos[lower_nodes])] = w
    enum_nodes = np.flatnonzero(enum_mask)
    if g.free.all() and enum_nodes.size:
        enum_nodes = enum_nodes[1:]  # s -> -s leaves the value unchanged: fix one sign
    s = np.ones(g.n)
    cols = x_pos[enum_nodes]
    rest = np.setdiff1d(np.arange(x_nodes.size), cols)
    u0 = B[:, rest].sum(axis=1)
    k = cols.size
    low = min(k, 16, max(0, int(math.log2(_SLAB / max(y_nodes.size, 1)))))
    bits = ((np.arange(1 << low)[:, None] >> np.arange(low)) & 1).astype(float)
    patterns = 1.0 - 2.0 * bits
    U_low = patterns @ B[:, cols[:low]].T + u0
    B_high = B[:, cols[low:]]
    s_high = np.ones(k - low)
    u_high = B_high.sum(axis=1)
    best, best_low, best_high = -np.inf, 0, s_high.copy()
    for t in range(1 << (k - low)):
        if t:
            bit = (t & -t).bit_length() - 1
            u_high -= 2.0 * s_high[bit] * B_high[:, bit]
            s_high[bit] = -s_high[bit]
        total = U_low + u_high
        vals = np.abs(total[:, :n_free_y]).sum(axis=1) + total[:, n_free_y:].sum(axis=1)
        i = int(np.argmax(vals))
        if vals[i] > best:
            best, best_low, best_high = vals[i], i, s_high.copy()
    s[enum_nodes[:low]] = patterns[best_low]
    s[enum_nodes[low:]] = best_high
    u = B @ s[x_nodes]
    free_y = y_nodes[:n_free_y]
    s[free_y] = np.where(u[:n_free_y] < 0, -1.0, 1.0)
    return s.astype(np.int8)


# ---------------------------------------------------------------------------- MILP
def _milp(g: _SignedLayers, time_limit: float):
    """Exact switching from a mixed-integer program (HiGHS through :func:`scipy.optimize.milp`).

    Variables ``x_a in {0, 1}`` (``s_a = 1 - 2 x_a``) and ``y_e in [0, 1]`` per edge, with
    ``y_e >= |x_a - x_b|`` for positive edges and ``y_e <= min(x_a + x_b, 2 - x_a - x_b)``
    for negative ones, so that at the optimum ``y_e = [x_a != x_b]`` and the objective
    ``sum_{w_e > 0} w_e y_e + sum_{w_e < 0} |w_e| (1 - y_e)`` is the frustrated weight.
    Weights are scaled to ``max |w| = 1`` for the solver's absolute tolerances.

    Returns the switching, a proven lower bound and whether optimality was proven.
    """
    n = g.n
    a_idx, b_idx, w_e = [], [], []
    o = g.offsets
    for j, w in enumerate(g.blocks, start=1):
        r, c = np.nonzero(w)
        a_idx.append(r + o[j])
        b_idx.append(c + o[j - 1])
        w_e.append(w[r, c])
    a_idx, b_idx, w_e = (np.concatenate(x) for x in (a_idx, b_idx, w_e))
    m = w_e.size
    scale = g.scale()
    if m == 0:
        return np.ones(n, dtype=np.int8), 0.0, True
    w_e = w_e / scale
    pos = w_e > 0
    # Objective: w_e y_e for every edge (|w| (1 - y) = |w| + w y for a negative one).
    cost = np.concatenate([np.zeros(n), w_e])
    offset = float(-np.sum(w_e[~pos]))
    e = np.arange(m)
    # Rows 2e and 2e+1: y - x_a + x_b >= 0 and y + x_a - x_b >= 0 for a positive edge,
    # y - x_a - x_b <= 0 and y + x_a + x_b <= 2 for a negative one.
    sb = np.where(pos, 1.0, -1.0)
    rows = np.concatenate([2 * e, 2 * e, 2 * e, 2 * e + 1, 2 * e + 1, 2 * e + 1])
    cols = np.concatenate([n + e, a_idx, b_idx, n + e, a_idx, b_idx])
    vals = np.concatenate([np.ones(m), -np.ones(m), sb, np.ones(m), np.ones(m), -sb])
    lower = np.repeat(np.where(pos, 0.0, -np.inf), 2)
    upper = np.stack([np.where(pos, np.inf, 0.0), np.where(pos, np.inf, 2.0)], axis=1).ravel()
    A = sparse.csr_matrix((vals, (rows, cols)), shape=(2 * m, n + m))
    x_upper = g.free.astype(float)
    if g.free.all():
        x_upper[a_idx[0]] = 0.0  # s -> -s leaves the value unchanged: fix one sign
    bounds = optimize.Bounds(np.zeros(n + m), np.concatenate([x_upper, np.ones(m)]))
    integrality = np.concatenate([np.ones(n), np.zeros(m)])
    res = optimize.milp(cost, constraints=optimize.LinearConstraint(A, lower, upper),
                        integrality=integrality, bounds=bounds,
                        options={"time_limit": float(time_limit), "mip_rel_gap": 0.0})
    if res.x is None:
        s = np.ones(n, dtype=np.int8)
    else:
        s = np.where(res.x[:n] > 0.5, -1, 1).astype(np.int8)
    bound = getattr(res, "mip_dual_bound", None)
    bound = 0.0 if bound is None or not np.isfinite(bound) else max(0.0, (bound + offset) * scale)
    return s, bound, res.status == 0


# ---------------------------------------------------------------------------- greedy
def _descend(g: _SignedLayers, s: np.ndarray, tol: float) -> np.ndarray:
    """Steepest single-node flips (arXiv:2510.05286) until no flip lowers the frustration.

    Flipping node ``a`` changes the frustration by ``c_a = s_a g_a``, its signed
    row-plus-column sum in ``D A D``; the node with the most negative ``c_a`` flips, and the
    fields of its neighbours are updated in ``O(d_{j-1} + d_{j+1})``.
    """
    s = s.astype(float)
    g_field = g.field(s)
    o = g.offsets
    layer_of = np.repeat(np.arange(len(g.widths)), g.widths)
    blocks_t = [w.T.copy() for w in g.blocks]
    penalty = np.where(g.free, 0.0, np.inf)
    while True:
        c = s * g_field + penalty
        a = int(np.argmin(c))
        if not c[a] < -tol:
            return s
        j = layer_of[a]
        i = a - o[j]
        step = 2.0 * s[a]
        if j >= 1:
            g_field[o[j - 1]:o[j]] -= step * g.blocks[j - 1][i]
        if j < g.h:
            g_field[o[j + 1]:o[j + 2]] -= step * blocks_t[j][i]
        s[a] = -s[a]


def _polish(g: _SignedLayers, s: np.ndarray, tol: float) -> np.ndarray:
    """Alternating-layer polish: compound moves across the even/odd bipartition.

    With one side ``X`` and the other side ``Y`` at its closed-form best response, flipping
    a node ``b`` of ``X`` and re-optimising all of ``Y`` changes ``sum s_a A_ab s_b`` by
    ``sum_{a ~ b} phi_a(u_a - 2 s_b A_ab) - phi_a(u_a)`` (``phi = |.|`` for free ``a``,
    identity for fixed ones). The best such move is taken while it gains; then the sides
    swap roles, until neither side gains. Every single flip is such a move, so the result is
    still a single-flip local minimum, and often a lower one.
    """
    s = s.astype(float)
    o = g.offsets
    parity = np.repeat(np.arange(len(g.widths)) % 2, g.widths)
    idle = 0
    x_parity = 1
    while idle < 2:
        moved = False
        while True:
            u = g.field(s)
            y = (parity != x_parity) & g.free
            s[y] = np.where(u[y] < 0, -1.0, np.where(u[y] > 0, 1.0, s[y]))
            gain = np.zeros(g.n)
            for j, w in enumerate(g.blocks, start=1):
                sj, sp = g.layer(s, j), g.layer(s, j - 1)
                if j % 2 == x_parity:  # rows in X, columns in Y
                    uy, fy = u[o[j - 1]:o[j]], g.free[o[j - 1]:o[j]]
                    new = uy[None, :] - 2.0 * sj[:, None] * w
                    delta = np.where(fy, np.abs(new) - np.abs(uy), new - uy)
                    gain[o[j]:o[j + 1]] += delta.sum(axis=1)
                else:  # rows in Y, columns in X
                    uy, fy = u[o[j]:o[j + 1]], g.free[o[j]:o[j + 1]]
                    new = uy[:, None] - 2.0 * w * sp[None, :]
                    delta = np.where(fy[:, None], np.abs(new) - np.abs(uy)[:, None],
                                     new - uy[:, None])
                    gain[o[j - 1]:o[j]] += delta.sum(axis=0)
            gain[(parity != x_parity) | ~g.free] = -np.inf
            b = int(np.argmax(gain))
            if not gain[b] > 2.0 * tol:
                break
            s[b] = -s[b]
            moved = True
        idle = 0 if moved else idle + 1
        x_parity = 1 - x_parity
    return s


def _greedy(g: _SignedLayers, starts: list[np.ndarray], polish: bool) -> np.ndarray:
    tol = 1e-12 * max(g.scale(), np.finfo(float).tiny)
    best, best_value = None, np.inf
    for s0 in starts:
        s = _descend(g, s0, tol)
        if polish:
            s = _polish(g, s, tol)
        value = float(np.sum(g.per_layer(s)))
        if value < best_value:
            best, best_value = s, value
    return best.astype(np.int8)


# ---------------------------------------------------------------------------- public
def _check_signs(signs, g: _SignedLayers, name: str = "initial_signs") -> np.ndarray:
    s = np.asarray(signs)
    if s.shape != (g.n,) or not np.all(np.isin(s, (-1, 1))):
        raise ValueError(f"{name} must be a vector of n = {g.n} entries, each +1 or -1, "
                         f"got shape {s.shape}")
    if np.any(s[~g.free] != 1):
        raise ValueError(f"{name} must be +1 on the input and output nodes when "
                         "fix_io_signs=True, got -1 there")
    return s.astype(float)


def frustration(weights_or_adjacency, *, widths=None, weighted: bool = True,
                method: str = "auto", restarts: int = 20, seed=None,
                fix_io_signs: bool = False, max_enumeration: int = MAX_ENUMERATION,
                time_limit: float = 60.0, polish: bool = True,
                initial_signs=None) -> FrustrationResult:
    """Frustration of the signed graph of a deep linear network (THEORY §6).

    ``F = min_s sum_{(a, b): s_a A_ab s_b < 0} |A_ab|`` over switchings ``s in {+-1}^n``
    (hidden units always switch; inputs and outputs per ``fix_io_signs``), as in J. Wendin,
    E. G. Larsson, C. Altafini, *Computing frustration and near-monotonicity in deep neural
    networks*, arXiv:2510.05286.

    Parameters
    ----------
    weights_or_adjacency : sequence of ndarray, or ndarray (n, n)
        Layer matrices ``W_1..W_h`` (``W_j`` of shape ``(d_j, d_{j-1})``; one layer is
        ``[W]``), or a square block-shift adjacency matrix (``W_j`` in block ``(j, j-1)``),
        which needs ``widths``: the layering is never guessed from zero blocks.
    widths : sequence of int, optional
        ``(d_0, ..., d_h)``; required with an adjacency matrix, checked against the layers
        otherwise.
    weighted : bool
        Weigh edges by ``|A_ab|`` (default) or count them (``A`` replaced by its signs).
    method : {"auto", "exact", "enumeration", "milp", "greedy"}
        ``"enumeration"``: enumerate the free nodes of the smaller side of the even/odd layer
        bipartition (``2^k`` patterns, the other side in closed form): exact.
        ``"milp"``: mixed-integer program solved by HiGHS (:func:`scipy.optimize.milp`)
        within ``time_limit``; ``exact`` only when optimality is proven (to HiGHS's gap
        tolerances, about ``1e-6`` of the largest weight), the dual bound otherwise.
        ``"exact"``: enumeration when ``k <= max_enumeration``, else the MILP.
        ``"greedy"``: steepest single-node flips (flip the node whose signed
        row-plus-column sum in ``D A D`` is most negative, until none is; arXiv:2510.05286)
        from the identity switching (or ``initial_signs``) and ``restarts`` random
        switchings, each followed by the alternating-layer polish: an upper bound.
        ``"auto"``: the linear-time balance test (frustration 0), then enumeration when
        ``k <= max_enumeration``, else greedy. ``FrustrationResult.method`` says which ran.
    restarts : int
        Random restarts of the greedy method, besides its first start.
    seed : int, numpy Generator or None
        Randomness of the restarts.
    fix_io_signs : bool
        Keep the signs of input and output nodes (only hidden units switch).
    max_enumeration : int
        Largest number ``k`` of enumerated nodes for ``"auto"`` and ``"exact"``.
    time_limit : float
        Seconds for the MILP.
    polish : bool
        Apply the alternating-layer polish after each greedy descent.
    initial_signs : array of +-1, optional
        First start of the greedy method (default: the identity switching); ignored by
        the exact methods.

    Returns
    -------
    FrustrationResult

    Examples
    --------
    A 4-cycle (input, two hidden units, output) with one negative edge: the lightest edge
    stays frustrated.

    >>> import numpy as np
    >>> res = frustration([np.array([[1.0], [-0.5]]), np.array([[2.0, 3.0]])])
    >>> res.value, res.exact, res.method
    (0.5, True, 'enumeration')
    >>> frustration([np.array([[1.0], [-0.5]]), np.array([[2.0, -3.0]])]).method
    'balance'
    """
    layers = _layers_of(weights_or_adjacency, widths, "weights_or_adjacency")
    weighted = _check_bool(weighted, "weighted")
    fix_io_signs = _check_bool(fix_io_signs, "fix_io_signs")
    check_choice(method, "method", FRUSTRATION_METHODS)
    restarts = check_int(restarts, "restarts", minimum=0)
    max_enumeration = check_int(max_enumeration, "max_enumeration", minimum=0)
    time_limit = check_positive(time_limit, "time_limit")
    polish = _check_bool(polish, "polish")
    rng = np.random.default_rng(seed)
    g = _graph(layers, weighted, fix_io_signs)
    start = np.ones(g.n) if initial_signs is None else _check_signs(initial_signs, g)
    return _solve(g, method, restarts, rng, max_enumeration, time_limit, polish, start)


def _solve(g, method, restarts, rng, max_enumeration, time_limit, polish, start):
    if method == "auto":
        s = _balanced_signs(g)
        if s is not None:
            return _result(g, s, True, 0.0, "balance")
    if method in ("auto", "exact"):
        method = "enumeration" if _enumeration_size(g) <= max_enumeration else (
            "milp" if method == "exact" else "greedy")
    if method == "enumeration":
        return _result(g, _enumerate(g), True, None, method)
    if method == "milp":
        s, bound, proven = _milp(g, time_limit)
        return _result(g, s, proven, max(bound, _lower_bound(g)), method)
    starts = [start]
    for _ in range(restarts):
        s0 = np.where(rng.random(g.n) < 0.5, -1.0, 1.0)
        s0[~g.free] = 1.0
        starts.append(s0)
    return _result(g, _greedy(g, starts, polish), False, _lower_bound(g), "greedy")


def _result(g, s, exact, lower, method) -> FrustrationResult:
    per_layer = g.per_layer(s.astype(float))
    value = float(np.sum(per_layer))
    lower = value if exact else min(lower, value)
    return FrustrationResult(
        value=value, normalized=value / g.total if g.total > 0 else 0.0,
        signs=s.astype(np.int8), exact=bool(exact), lower_bound=float(lower),
        upper_bound=value, per_layer=per_layer, method=method, total_weight=g.total,
        widths=g.widths)


# Values of FrustrationResult.method: which computation produced the value.
_RESULT_METHODS = ("balance", "enumeration", "milp", "greedy")


def _result_of_signs(layers, signs, *, exact: bool, lower_bound: float,
                     method: str) -> FrustrationResult:
    """The result of a recorded switching ``signs`` of ``layers`` (weighted, all nodes free).

    The value is recomputed from the definition; a stored record (a catalog's frustration
    column) is checked against it by the caller.
    """
    g = _graph(layers, True, False)
    check_choice(method, "method", _RESULT_METHODS)
    return _result(g, _check_signs(signs, g, "signs"), exact, lower_bound, method)


# ---------------------------------------------------------------------------- nulls
def _null_layers(layers, null, rng) -> list[np.ndarray]:
    out = []
    for w in layers:
        if null == "weight_permutation":
            out.append(rng.permutation(w.ravel()).reshape(w.shape))
            continue
        new = w.copy()
        nz = np.flatnonzero(w)
        signs = np.sign(w.ravel()[nz])
        signs = rng.permutation(signs) if null == "sign_shuffle" else \
            np.where(rng.random(nz.size) < 0.5, -1.0, 1.0)
        new.ravel()[nz] = np.abs(w.ravel()[nz]) * signs
        out.append(new)
    return out


def null_network(weights, null: str = "sign_shuffle", *, seed=None,
                 widths=None) -> list[np.ndarray]:
    """One network drawn from a null model of ``weights`` (arXiv:2510.05286).

    Parameters
    ----------
    weights : sequence of ndarray or adjacency matrix
        As in :func:`frustration` (``widths`` with an adjacency matrix).
    null : {"sign_shuffle", "weight_permutation", "random_signs"}
        ``"sign_shuffle"``: in each layer, the signs of the nonzero entries are permuted
        among them, magnitudes stay in place. ``"weight_permutation"``: the entries of each
        layer are permuted. ``"random_signs"``: every nonzero entry gets an independent fair
        sign, magnitudes stay in place.
    seed : int, numpy Generator or None

    Returns
    -------
    list of ndarray
        ``W_1..W_h`` of the null network.

    Examples
    --------
    Random signs keep every magnitude and usually frustrate a balanced network.

    >>> rng = np.random.default_rng(0)
    >>> layers = [np.abs(rng.standard_normal((3, 2))), -np.abs(rng.standard_normal((2, 3)))]
    >>> null = null_network(layers, "random_signs", seed=1)
    >>> all(np.array_equal(np.abs(a), np.abs(b)) for a, b in zip(null, layers))
    True
    >>> frustration(layers).value, frustration(null).value > 0
    (0.0, True)
    """
    layers = _layers_of(weights, widths, "weights")
    check_choice(null, "null", NULL_MODELS)
    return _null_layers(layers, null, np.random.default_rng(seed))


@dataclass(frozen=True)
class _Options:
    """The options shared by the network and its null samples: same algorithm, same budget."""

    weighted: bool
    fix_io_signs: bool
    method: str
    restarts: int
    max_enumeration: int
    time_limit: float
    polish: bool

    @classmethod
    def checked(cls, weighted, fix_io_signs, method, restarts, max_enumeration, time_limit,
                polish) -> _Options:
        check_choice(method, "method", FRUSTRATION_METHODS)
        return cls(_check_bool(weighted, "weighted"), _check_bool(fix_io_signs, "fix_io_signs"),
                   method, check_int(restarts, "restarts", minimum=0),
                   check_int(max_enumeration, "max_enumeration", minimum=0),
                   check_positive(time_limit, "time_limit"), _check_bool(polish, "polish"))

    def run(self, layers, rng) -> FrustrationResult:
        g = _graph(layers, self.weighted, self.fix_io_signs)
        return _solve(g, self.method, self.restarts, rng, self.max_enumeration,
                      self.time_limit, self.polish, np.ones(g.n))


def _null_task(task) -> tuple[float, bool]:
    layers, null, rng, options = task
    res = options.run(_null_layers(layers, null, rng), rng)
    return res.normalized, res.exact


def _compare(layers, null, samples, rng, options, executor, progress
             ) -> tuple[FrustrationResult, NullComparison]:
    """The network's own result and its comparison with ``samples`` null networks."""
    children = rng.spawn(samples + 1)
    observed = options.run(layers, children[0])
    tasks = [(layers, null, child, options) for child in children[1:]]
    values = np.empty(samples)
    exact = np.empty(samples, dtype=bool)
    for i, (value, proven) in executor.map(_null_task, tasks, progress=progress,
                                           desc=f"null {null}"):
        values[i], exact[i] = value, proven
    mean = float(np.mean(values))
    std = float(np.std(values, ddof=1)) if samples > 1 else 0.0
    z = (observed.normalized - mean) / std if std > 0 else None
    p = (1.0 + np.sum(values <= observed.normalized)) / (samples + 1.0)
    return observed, NullComparison(value=observed.normalized, samples=values, mean=mean,
                                    std=std, z_score=z, p_value=float(p), null=null,
                                    exact=bool(observed.exact and exact.all()))


def _check_executor(executor) -> Executor:
    if executor is None:
        return Executor()
    if not isinstance(executor, Executor):
        raise TypeError(f"executor must be a landscape Executor or None, got "
                        f"{type(executor).__name__}")
    return executor


def _check_progress(progress) -> bool | None:
    return None if progress is None else _check_bool(progress, "progress")


def frustration_vs_null(weights, null: str = "sign_shuffle", samples: int = 100, *,
                        seed=None, widths=None, weighted: bool = True, method: str = "auto",
                        restarts: int = 20, fix_io_signs: bool = False,
                        max_enumeration: int = MAX_ENUMERATION, time_limit: float = 60.0,
                        polish: bool = True, executor: Executor | None = None,
                        progress: bool | None = None) -> NullComparison:
    """Normalised frustration of a network against a null model (arXiv:2510.05286).

    The network and each of ``samples`` null networks (:func:`null_network`) go through
    the same method with the same options and budget. The z-score is
    ``(F/W - mean) / std`` of the null's ``F/W``, the p-value the empirical one-sided
    ``(1 + #{null <= network}) / (samples + 1)``: small when the network is less frustrated
    than its null.

    Parameters
    ----------
    weights : sequence of ndarray or adjacency matrix
        As in :func:`frustration`.
    null : {"sign_shuffle", "weight_permutation", "random_signs"}
    samples : int
        Number of null networks (>= 1).
    seed : int, numpy Generator or None
        Drives the null draws and the greedy restarts; same seed, same result, whichever
        executor runs the samples.
    executor : Executor or None
        Where the null samples run (:class:`landscape.executor.Executor`; serial by default).
    progress : bool or None
        Show a progress bar (None: only on a terminal).
    widths, weighted, method, restarts, fix_io_signs, max_enumeration, time_limit, polish
        As in :func:`frustration`.

    Returns
    -------
    NullComparison

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> balanced = [np.abs(rng.standard_normal((3, 3))) for _ in range(3)]
    >>> cmp = frustration_vs_null(balanced, "random_signs", samples=19, seed=1)
    >>> cmp.value, cmp.p_value
    (0.0, 0.05)
    """
    layers = _layers_of(weights, widths, "weights")
    check_choice(null, "null", NULL_MODELS)
    samples = check_int(samples, "samples", minimum=1)
    options = _Options.checked(weighted, fix_io_signs, method, restarts, max_enumeration,
                               time_limit, polish)
    return _compare(layers, null, samples, np.random.default_rng(seed), options,
                    _check_executor(executor), _check_progress(progress))[1]


def io_monotonicity(weights, *, widths=None, method: str = "auto", restarts: int = 20,
                    seed=None, max_enumeration: int = MAX_ENUMERATION) -> IOMonotonicity:
    """Distance of the end-to-end map ``P = W_h ... W_1`` from a monotone map.

    The measure is the fraction of ``|P|`` mass with the wrong sign after the best sign
    flips of inputs and outputs,

        m(P) = min_{D_y, D_x} sum_{(D_y P D_x)_ik < 0} |P_ik| / sum_ik |P_ik|,

    the normalised frustration of the bipartite signed graph inputs -> outputs with weights
    ``P``, computed by the same switching machinery as :func:`frustration` (exact by
    enumeration over the smaller of ``d_x``, ``d_y`` when ``method`` allows). ``m(P) = 0``
    exactly when ``D_y P D_x >= 0`` for some flips: then every output is monotone in every
    input in the orthant order of the flips (arXiv:2510.05286). A balanced network has a
    switching with ``D A D >= 0``, so ``D_h W_h ... W_1 D_0 >= 0`` and ``m(P) = 0``.

    Parameters
    ----------
    weights : sequence of ndarray or adjacency matrix
        As in :func:`frustration`.
    method, restarts, seed, max_enumeration
        As in :func:`frustration`.

    Returns
    -------
    IOMonotonicity

    Examples
    --------
    >>> import numpy as np
    >>> io_monotonicity([np.array([[1.0, -2.0], [-3.0, 4.0]])]).value
    0.0
    >>> round(io_monotonicity([np.array([[1.0, 1.0], [1.0, -2.0]])]).value, 6)
    0.2
    """
    layers = _layers_of(weights, widths, "weights")
    check_choice(method, "method", FRUSTRATION_METHODS)
    restarts = check_int(restarts, "restarts", minimum=0)
    max_enumeration = check_int(max_enumeration, "max_enumeration", minimum=0)
    product = layers[0]
    for w in layers[1:]:
        product = w @ product
    g = _graph([product], True, False)
    res = _solve(g, method, restarts, np.random.default_rng(seed), max_enumeration, 60.0,
                 True, np.ones(g.n))
    d_x = product.shape[1]
    return IOMonotonicity(value=res.normalized, wrong_mass=res.value, total_mass=g.total,
                          input_signs=res.signs[:d_x].copy(), output_signs=res.signs[d_x:].copy(),
                          exact=res.exact, end_to_end=product)


def _time_task(task):
    layers, null, null_samples, rng, options = task
    if null is None:
        return options.run(layers, rng), None
    return _compare(layers, null, null_samples, rng, options, Executor(), False)


def frustration_along_flow(flow_result: FlowResult, land: Landscape, *, every: int = 1,
                           weighted: bool = True, method: str = "auto", restarts: int = 20,
                           seed=None, fix_io_signs: bool = False,
                           max_enumeration: int = MAX_ENUMERATION, time_limit: float = 60.0,
                           polish: bool = True, null: str | None = None,
                           null_samples: int = 20, executor: Executor | None = None,
                           progress: bool | None = None) -> FrustrationTrajectory:
    """Frustration at the recorded times of a gradient flow, with an optional null band.

    Parameters
    ----------
    flow_result : FlowResult
        From :func:`~landscape.flow.gradient_flow` with ``record_weights=True`` (its
        ``trajectory`` rows are the flat weights, read with ``land.unflatten``).
    land : Landscape
        The landscape the flow ran on.
    every : int
        Use every ``every``-th record (the last record is always used).
    null : str or None
        A null model of :data:`NULL_MODELS` to compare with at every time
        (``null_samples`` draws each, as in :func:`frustration_vs_null`).
    null_samples : int
        Null draws per time (>= 2).
    executor : Executor or None
        Where the times run (:class:`landscape.executor.Executor`; serial by default).
    progress : bool or None
        Show a progress bar over the times (None: only on a terminal).
    weighted, method, restarts, seed, fix_io_signs, max_enumeration, time_limit, polish
        As in :func:`frustration`.

    Returns
    -------
    FrustrationTrajectory

    Examples
    --------
    >>> from landscape.data import DataSpectrum
    >>> from landscape.flow import gradient_flow
    >>> land = Landscape(DataSpectrum.from_singular_values([4.0, 1.0]), widths=(2, 2, 2, 2))
    >>> result = gradient_flow(land, land.random_weights(scale=1e-3, seed=0),
    ...                        record_weights=True)
    >>> along = frustration_along_flow(result, land, every=50)
    >>> along.t.size == len(range(0, result.t.size, 50)) + 1, bool(along.normalized.max() < 0.5)
    (True, True)
    """
    if not isinstance(flow_result, FlowResult):
        raise TypeError(f"flow_result must be a FlowResult, got {type(flow_result).__name__}")
    check_landscape(land)
    if flow_result.trajectory is None:
        raise ValueError("flow_result.trajectory must hold the recorded weights: run "
                         "gradient_flow(..., record_weights=True), got None")
    if flow_result.trajectory.shape[1] != land.n_params:
        raise ValueError(f"flow_result.trajectory must have land.n_params = {land.n_params} "
                         f"columns, got {flow_result.trajectory.shape[1]}")
    every = check_int(every, "every", minimum=1)
    options = _Options.checked(weighted, fix_io_signs, method, restarts, max_enumeration,
                               time_limit, polish)
    if null is not None:
        check_choice(null, "null", NULL_MODELS)
        null_samples = check_int(null_samples, "null_samples", minimum=2)
    executor = _check_executor(executor)
    progress = _check_progress(progress)
    index = np.arange(0, flow_result.t.size, every)
    if index[-1] != flow_result.t.size - 1:
        index = np.append(index, flow_result.t.size - 1)
    children = np.random.default_rng(seed).spawn(index.size)
    tasks = [(land.unflatten(flow_result.trajectory[i]), null, null_samples, child, options)
             for i, child in zip(index, children)]
    results, bands = [None] * index.size, [None] * index.size
    for k, (res, band) in executor.map(_time_task, tasks, progress=progress,
                                       desc="frustration along flow"):
        results[k], bands[k] = res, band
    extra = {}
    if null is not None:
        extra = {"null": null, "null_mean": np.array([b.mean for b in bands]),
                 "null_std": np.array([b.std for b in bands])}
    return FrustrationTrajectory(
        t=flow_result.t[index].copy(), value=np.array([r.value for r in results]),
        normalized=np.array([r.normalized for r in results]),
        exact=np.array([r.exact for r in results]),
        lower_bound=np.array([r.lower_bound for r in results]),
        upper_bound=np.array([r.upper_bound for r in results]),
        method=tuple(r.method for r in results),
        total_weight=np.array([r.total_weight for r in results]), **extra)
