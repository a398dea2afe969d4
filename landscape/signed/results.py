"""Results of the signed-graph analysis: frustration, null comparison, input-output
monotonicity, and frustration along a gradient flow.

:class:`FrustrationResult` holds the frustration ``F = min_s sum_{s_a A_ab s_b < 0} |A_ab|``
of a network's signed graph, its normalisation ``F / W`` (``W = sum |A_ab|``), the switching
``s`` that attains it and proven bounds (docs/theory.md §6; J. Wendin, E. G. Larsson, C. Altafini,
*Computing frustration and near-monotonicity in deep neural networks*, arXiv:2510.05286).
:class:`NullComparison`, :class:`IOMonotonicity` and :class:`FrustrationTrajectory` are the
results of :func:`~landscape.signed.nulls.frustration_vs_null`,
:func:`~landscape.signed.monotonicity.io_monotonicity` and
:func:`~landscape.signed.along_flow.frustration_along_flow`.

Two documented internal functions build a :class:`FrustrationResult` from a switching:
:func:`result_of_switching` (of a :class:`~landscape.signed.signed_graph.SignedLayers`, used by
the solvers) and :func:`result_of_signs` (of recorded layers and signs, used by
:mod:`landscape.critical` to rebuild a stored catalog column).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._base.validation import check_choice
from .exact import enumerate_switching, enumeration_size
from .exact import lower_bound as cycle_lower_bound
from .signed_graph import SignedLayers, check_signs, signed_layers

__all__ = ["FrustrationResult", "FrustrationTrajectory", "IOMonotonicity",
           "NetworkFrustrationResult", "NetworkNullComparison", "NullComparison"]

#: Values of :attr:`FrustrationResult.method`: which computation produced the value.
RESULT_METHODS = ("balance", "enumeration", "milp", "greedy")
#: Largest enumeration (free nodes of the smaller side, :func:`~.exact.enumeration_size`) run
#: again to verify a recorded bound: the solvers' default ``max_enumeration``, so that a
#: check never costs more than the solve that wrote the record.
VERIFIED_ENUMERATION = 24
#: Agreement, relative to the total weight ``W``, of a recorded bound and its verification.
CERTIFICATE_RTOL = 1e-9


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
class NetworkFrustrationResult(FrustrationResult):
    """The frustration of a :class:`~landscape.signed.network.SignedNetwork` (docs/theory.md §6.1).

    As :class:`FrustrationResult`, with the network's tensors for layers: ``signs`` holds one
    ``int8`` per node in the network's node order, ``widths`` the tensor sizes (so
    :meth:`signs_by_layer` cuts ``signs`` per tensor), and ``per_layer`` the frustrated weight
    of each edge block (one per operation and source tensor).

    Attributes
    ----------
    block_names : tuple of str
        The operation of each block, as in the model.
    block_weights : ndarray
        Total weight ``sum |A_ij|`` of each block (``per_layer / block_weights`` is the
        block's normalised frustration).
    tensor_names : tuple of str
        The tensors, the input first.
    per_tensor : ndarray
        Frustrated weight of the edges into each tensor.
    n_sweeps : int
        Sweeps of the greedy descent (the final verification included; 0 for the exact
        methods).
    sweep_seconds : float
        Mean seconds per sweep (0 without sweeps).
    seconds : float
        Seconds of the whole solve.
    """

    block_names: tuple = ()
    block_weights: np.ndarray | None = None
    tensor_names: tuple = ()
    per_tensor: np.ndarray | None = None
    n_sweeps: int = 0
    sweep_seconds: float = 0.0
    seconds: float = 0.0

    def block_normalized(self) -> np.ndarray:
        """``per_layer / block_weights`` (0 for a block without weight)."""
        w = self.block_weights
        return np.divide(self.per_layer, w, out=np.zeros_like(self.per_layer), where=w > 0)

    def __repr__(self) -> str:
        return (f"NetworkFrustrationResult(value={self.value:.6g}, "
                f"normalized={self.normalized:.4f}, exact={self.exact}, "
                f"bounds=[{self.lower_bound:.6g}, {self.upper_bound:.6g}], "
                f"method={self.method!r}, n_nodes={self.signs.size}, "
                f"n_blocks={len(self.block_names)}, n_sweeps={self.n_sweeps}, "
                f"seconds={self.seconds:.3g})")


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
        The null model (one of :data:`~.nulls.NULL_MODELS`).
    exact : bool
        Whether the network's and every sample's value are proven minimal.
    result : FrustrationResult or None
        The network's own result, whose ``normalized`` is ``value`` (the solve the comparison
        made, so that nothing solves the network a second time).
    """

    value: float
    samples: np.ndarray
    mean: float
    std: float
    z_score: float | None
    p_value: float
    null: str
    exact: bool
    result: FrustrationResult | None = None

    def __repr__(self) -> str:
        z = "None" if self.z_score is None else f"{self.z_score:.3f}"
        return (f"NullComparison(value={self.value:.4f}, null={self.null!r}, "
                f"mean={self.mean:.4f}, std={self.std:.4f}, z_score={z}, "
                f"p_value={self.p_value:.4f}, n_samples={self.samples.size}, exact={self.exact})")


@dataclass(frozen=True, eq=False)
class NetworkNullComparison(NullComparison):
    """A network's frustration against a null model, block by block as well.

    As :class:`NullComparison` (``result`` a :class:`NetworkFrustrationResult`), with
    ``block_samples[k, b]`` the normalised frustration ``F_b / W_b`` of block ``b`` in null
    sample ``k`` (the null band of each layer).
    """

    block_samples: np.ndarray | None = None

    def block_band(self) -> tuple[np.ndarray, np.ndarray]:
        """Mean and standard deviation (``ddof=1``; 0 with one sample) of ``block_samples``
        over the samples, per block."""
        k = self.block_samples.shape[0]
        std = np.std(self.block_samples, axis=0, ddof=1) if k > 1 else \
            np.zeros(self.block_samples.shape[1])
        return np.mean(self.block_samples, axis=0), std


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


def result_of_switching(g: SignedLayers, s: np.ndarray, exact: bool, lower: float | None,
                        method: str) -> FrustrationResult:
    """The :class:`FrustrationResult` of the switching ``s`` of ``g``.

    The value is recomputed from the definition (``g.per_layer``); ``lower`` is a proven
    lower bound (ignored, and the value used, when ``exact``; capped at the value otherwise).
    """
    per_layer = g.per_layer(s.astype(float))
    value = float(np.sum(per_layer))
    lower = value if exact else min(lower, value)
    return FrustrationResult(
        value=value, normalized=value / g.total if g.total > 0 else 0.0,
        signs=s.astype(np.int8), exact=bool(exact), lower_bound=float(lower),
        upper_bound=value, per_layer=per_layer, method=method, total_weight=g.total,
        widths=g.widths)


def result_of_signs(layers, signs, *, exact: bool, lower_bound: float,
                    method: str) -> FrustrationResult:
    """The result of a recorded switching ``signs`` of ``layers`` (weighted, all nodes free).

    The value is recomputed from the definition (a stored record -- a catalog's frustration
    column -- is checked against it by the caller) and the claims about it are verified
    (:func:`_verify_bounds`): nothing recorded is trusted.

    Parameters
    ----------
    layers : list of ndarray
        Validated layer matrices ``W_1..W_h``.
    signs : sequence of int
        ``+1`` or ``-1`` per node, layer by layer.
    exact : bool
        Whether the recorded value was proven minimal.
    lower_bound : float
        The recorded proven lower bound.
    method : str
        One of :data:`RESULT_METHODS`.

    Raises
    ------
    ValueError
        For a ``method`` not in :data:`RESULT_METHODS`, ``signs`` that are not a switching, or
        claims that :func:`_verify_bounds` cannot verify.

    Examples
    --------
    >>> layers = [np.array([[1.0], [-0.5]]), np.array([[2.0, 3.0]])]
    >>> res = result_of_signs(layers, [1, 1, 1, 1], exact=True, lower_bound=0.5,
    ...                       method="enumeration")
    >>> res.value, res.per_layer.tolist()
    (0.5, [0.5, 0.0])
    """
    g = signed_layers(layers, True, False)
    check_choice(method, "method", RESULT_METHODS)
    result = result_of_switching(g, check_signs(signs, g, "signs"), exact, lower_bound, method)
    _verify_bounds(g, result, lower_bound)
    return result


def _verify_bounds(g: SignedLayers, result: FrustrationResult, lower: float) -> None:
    """Verify a recorded result of ``g`` by certificates that do not trust the record.

    With ``F*`` the frustration (docs/theory.md §6) and ``v`` the value of the recorded switching:
    a value claimed ``exact`` (``v = F*``) is proven by ``v = 0``, or by the edge-disjoint
    negative 4-cycle bound reaching it (:func:`~.exact.lower_bound` ``>= v``), or by
    enumeration run again (:func:`~.exact.enumerate_switching`, ``F* >= v``) where at most
    :data:`VERIFIED_ENUMERATION` nodes are enumerated; a recorded ``lower`` bound of an
    inexact value must be at most the 4-cycle bound or, where enumerable, ``F*``. The method
    must agree: ``"balance"`` is exact with ``v = 0``, ``"enumeration"`` exact, ``"greedy"``
    not. Agreement to :data:`CERTIFICATE_RTOL` of the total weight.

    Raises
    ------
    ValueError
        Naming the claim that fails or that no certificate within those limits verifies
        (an exact MILP value or MILP dual bound of a graph too large to enumerate).
    """
    v, slack, method = result.value, CERTIFICATE_RTOL * max(g.total, 1.0), result.method
    if (method in ("balance", "enumeration")) != result.exact and method != "milp" \
            or (method == "balance" and v > 0):
        raise ValueError(f"method {method!r} must be "
                         f"{'inexact' if method == 'greedy' else 'exact'}"
                         f"{' with value 0' if method == 'balance' else ''}, got exact "
                         f"{result.exact} with value {v!r}")
    claim = v if result.exact else lower
    if claim <= slack or cycle_lower_bound(g) >= claim - slack:
        return
    k = enumeration_size(g)
    if k > VERIFIED_ENUMERATION:
        raise ValueError(f"{'the exact value' if result.exact else 'lower_bound'} {claim!r} "
                         f"cannot be verified: the 4-cycle bound {cycle_lower_bound(g)!r} is "
                         f"below it and enumerating {k} > {VERIFIED_ENUMERATION} nodes again "
                         f"would cost more than the check may")
    minimum = float(np.sum(g.per_layer(enumerate_switching(g).astype(float))))
    if claim > minimum + slack:
        raise ValueError(f"{'the exact value' if result.exact else 'lower_bound'} {claim!r} "
                         f"exceeds the frustration {minimum!r} that enumeration finds: "
                         f"{'a switching frustrates less' if result.exact else 'no bound'}")
