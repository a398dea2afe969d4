"""The frustration of a network's signed graph: :func:`frustration` and its method dispatch.

A switching ``D = diag(s)``, ``s in {-1, +1}^n``, flips the signs of nodes of the signed
graph of the block-shift adjacency matrix ``A``; the graph is *balanced* if some switching
makes ``D A D`` entrywise non-negative, and its (weighted) **frustration** is

    F(A) = min_s  sum_{(a, b): s_a A_ab s_b < 0} |A_ab|  =  min_s (W - sum_{ab} s_a A_ab s_b) / 2,

with ``W = sum |A_ab|`` the total weight (docs/theory.md §6; J. Wendin, E. G. Larsson, C. Altafini,
*Computing frustration and near-monotonicity in deep neural networks*, arXiv:2510.05286).
Switching hidden units is an exact symmetry of the network function; input and output
signs are free (the paper's frustration of the graph) or fixed (``fix_io_signs=True``: only
hidden units switch). Normalised frustration is ``F / W``, at most ``1/2`` whenever every
edge has a switchable end (a uniformly random switching frustrates half the weight on
average).

Computing ``F`` is a max-cut problem, NP-hard in general. The exact methods enumerate the
smaller side of the even/odd layer bipartition (:mod:`~landscape.signed.exact`) or solve a
mixed-integer program (:mod:`~landscape.signed.milp`); the heuristic is the single-node flip
descent of arXiv:2510.05286 with random restarts and an alternating-layer polish
(:mod:`~landscape.signed.greedy`), an upper bound. :func:`solve` and :class:`SolverOptions`
are the dispatch shared with the null comparison and the along-flow evaluation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._base.validation import DEFAULT_SEED, check_bool, check_choice, check_int, check_positive, \
    check_seed
from .exact import balanced_signs, enumerate_switching, enumeration_size, lower_bound
from .greedy import greedy_switching
from .milp import milp_switching
from .network import SignedNetwork
from .network_solve import solve_network
from .results import FrustrationResult, result_of_switching
from .signed_graph import SignedLayers, check_signs, layers_of, signed_layers

__all__ = ["FRUSTRATION_METHODS", "frustration"]

#: Accepted values of ``method`` in :func:`frustration`.
FRUSTRATION_METHODS = ("auto", "exact", "enumeration", "milp", "greedy")

#: Largest number of enumerated nodes for which ``method="auto"`` and ``"exact"`` enumerate.
MAX_ENUMERATION = 24


@dataclass(frozen=True)
class SolverOptions:
    """The checked options of :func:`frustration`, shared by a network and its null samples
    (same algorithm, same budget)."""

    weighted: bool
    fix_io_signs: bool
    method: str
    restarts: int
    max_enumeration: int
    time_limit: float
    polish: bool

    @classmethod
    def checked(cls, weighted, fix_io_signs, method, restarts, max_enumeration, time_limit,
                polish) -> SolverOptions:
        """Validate each option (naming it) and return them."""
        check_choice(method, "method", FRUSTRATION_METHODS)
        return cls(check_bool(weighted, "weighted"), check_bool(fix_io_signs, "fix_io_signs"),
                   method, check_int(restarts, "restarts", minimum=0),
                   check_int(max_enumeration, "max_enumeration", minimum=0),
                   check_positive(time_limit, "time_limit"), check_bool(polish, "polish"))

    def run(self, layers: list[np.ndarray], rng: np.random.Generator) -> FrustrationResult:
        """The frustration of validated ``layers`` with these options (greedy starts from the
        identity switching)."""
        g = signed_layers(layers, self.weighted, self.fix_io_signs)
        return solve(g, self, rng, np.ones(g.n))


def frustration(weights_or_adjacency, *, widths=None, weighted: bool = True,
                method: str = "auto", restarts: int = 20, seed=DEFAULT_SEED,
                fix_io_signs: bool = False, max_enumeration: int = MAX_ENUMERATION,
                time_limit: float = 60.0, polish: bool = True,
                initial_signs=None) -> FrustrationResult:
    """Frustration of the signed graph of a deep linear network (docs/theory.md §6).

    ``F = min_s sum_{(a, b): s_a A_ab s_b < 0} |A_ab|`` over switchings ``s in {+-1}^n``
    (hidden units always switch; inputs and outputs per ``fix_io_signs``), as in J. Wendin,
    E. G. Larsson, C. Altafini, *Computing frustration and near-monotonicity in deep neural
    networks*, arXiv:2510.05286.

    Parameters
    ----------
    weights_or_adjacency : SignedNetwork, sequence of ndarray, or ndarray (n, n)
        A network's signed graph (:func:`~landscape.signed.network.signed_network`: any
        feed-forward network, docs/theory.md §6.1), layer matrices ``W_1..W_h`` (``W_j`` of shape
        ``(d_j, d_{j-1})``; one layer is ``[W]``), or a square block-shift adjacency matrix
        (``W_j`` in block ``(j, j-1)``), which needs ``widths``: the layering is never guessed
        from zero blocks. A ``SignedNetwork`` gives a
        :class:`~landscape.signed.results.NetworkFrustrationResult`; its methods are described
        under *Networks* below.
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

    Notes
    -----
    *Networks.* For a ``SignedNetwork`` the greedy method is matrix-free: a sweep visits
    the tensors in topological order (then in reverse), computes the fields
    ``g_i = sum_j (A_ij + A_ji) s_j`` of one tensor with the blocks' ``matvec`` and
    ``rmatvec``, and takes all its improving flips at once (nodes of one tensor share no
    edge), until a sweep flips nothing; one last evaluation of every field verifies that the
    switching is 1-flip stable. It starts from channel switchings (sign propagation along a
    maximum spanning tree of the graph of channel-summed weights, the all-``+1`` switching and
    ``restarts`` random ones, each improved channel by channel), so that a planted balance
    gives exactly 0. ``"auto"`` and ``"exact"`` run the balance test and the enumeration
    (over the free nodes outside an independent set of tensors) on the adjacency matrix of a
    small network; ``"exact"`` falls back to the MILP, refused with the memory it would need
    for a large one. ``weighted`` must be True, ``polish`` is not used.

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
    options = SolverOptions.checked(weighted, fix_io_signs, method, restarts, max_enumeration,
                                    time_limit, polish)
    if isinstance(weights_or_adjacency, SignedNetwork):
        return solve_network(weights_or_adjacency, options, check_seed(seed),
                             initial_signs)
    layers = layers_of(weights_or_adjacency, widths, "weights_or_adjacency")
    g = signed_layers(layers, options.weighted, options.fix_io_signs)
    start = np.ones(g.n) if initial_signs is None else check_signs(initial_signs, g)
    return solve(g, options, check_seed(seed), start)


def solve(g: SignedLayers, options: SolverOptions, rng: np.random.Generator,
          start: np.ndarray) -> FrustrationResult:
    """Dispatch ``options.method`` on the graph ``g`` (``start``: the first greedy start).

    ``"auto"`` tries the balance test, then enumerates when at most
    ``options.max_enumeration`` nodes need it, else runs the greedy method; ``"exact"``
    enumerates or falls back to the MILP.
    """
    method = options.method
    if method == "auto":
        s = balanced_signs(g)
        if s is not None:
            return result_of_switching(g, s, True, 0.0, "balance")
    if method in ("auto", "exact"):
        method = "enumeration" if enumeration_size(g) <= options.max_enumeration else (
            "milp" if method == "exact" else "greedy")
    if method == "enumeration":
        return result_of_switching(g, enumerate_switching(g), True, None, method)
    if method == "milp":
        s, bound, proven = milp_switching(g, options.time_limit)
        return result_of_switching(g, s, proven, max(bound, lower_bound(g)), method)
    starts = [start]
    for _ in range(options.restarts):
        s0 = np.where(rng.random(g.n) < 0.5, -1.0, 1.0)
        s0[~g.free] = 1.0
        starts.append(s0)
    return result_of_switching(g, greedy_switching(g, starts, options.polish), False,
                               lower_bound(g), "greedy")
