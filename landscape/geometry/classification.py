"""Second-order classification of a critical point, by the Hessian and by the witness test.

A critical point is a global minimum, a strict saddle (a negative Hessian eigenvalue) or a
non-strict saddle (docs/theory.md §4). :func:`classify` computes both verdicts: from the Hessian
inertia (:mod:`landscape.geometry.inertia`), with the value against the global minimum
``L0 + 1/2 sum_{i > r*} sigma_i^2`` (Eckart-Young) deciding between minimum and non-strict
saddle when there is no negative direction, and from the Hessian-free witness test
(:mod:`landscape.geometry.witness`, docs/theory.md §4.1). It adds the orbit-tangent dimension
(:mod:`landscape.geometry.orbit`), the centre beyond it and, on request, the lowest order of
the higher-order escapes (:mod:`landscape.geometry.escapes`, docs/theory.md §4.2). ``r*`` and the
critical values follow the one rule of :mod:`landscape.problem.ties` for zero and tied
singular values.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._base.validation import DEFAULT_SEED, check_choice, check_int, check_seed
from ..problem.criticality import (CRITICAL_TOL, CriticalKind, NotCriticalError, check_critical,
                                   check_critical_tol)
from ..problem.nearby import Location, aligned_weights, locate
from ..problem.network import Landscape, check_landscape
from ..problem.rules import problem_with_tie_tol
from .continuation import Continuation, continue_to_critical
from .escapes import escape_directions
from .frame import ZERO_TOL, check_zero_tol, zero_threshold
from .inertia import DENSE_HESSIAN_LIMIT, METHODS, Inertia, inertia_at
from .spectral_parts import HessianSpectrum, hessian_spectrum
from .structure import core_point
from .witness import Witness, witness_at

__all__ = ["OFF_CRITICAL", "Classification", "classify"]

#: What :func:`classify` does with a network that is not critical: continue the flow to a
#: critical point of its class, classify the class's representative, or refuse.
OFF_CRITICAL = ("flow", "representative", "raise")


@dataclass(frozen=True, eq=False)
class Classification:
    """Second-order type of a critical point, from its Hessian and from the witness test.

    Attributes
    ----------
    kind : CriticalKind
        From the Hessian: strict if ``n_negative > 0``; else a global minimum if the loss is
        the global minimum value, a non-strict saddle otherwise.
    witness_kind : CriticalKind
        From the Hessian-free witness test (:func:`~.witness.witness_test`).
    agree : bool
        Whether the two kinds agree.
    disagreement : str
        Empty when they agree; otherwise which eigenvalue and which layer pair disagree.
    n_negative, n_zero, n_positive : int
        Hessian inertia (see :func:`~.inertia.hessian_inertia`).
    n_orbit : int
        Dimension of the tangent of the hidden-layer symmetry orbit (:func:`~.orbit.orbit_dimension`).
    centre_dim : int
        ``n_zero - n_orbit``: the kernel beyond the orbit (the Morse-Bott defect where the
        critical set is no larger than the orbit).
    min_eigenvalue : float
        Lowest Hessian eigenvalue at the rebalanced point in reduced coordinates.
    eigenvalues : ndarray
        The eigenvalues computed (all of them for the dense method; see :class:`Inertia`).
    zero_threshold : float
        ``zero_tol * curvature_scale + GRADIENT_MARGIN ||grad L|| / max_j ||W_j||`` at the
        rebalanced point: the bound on ``|lambda|`` and witness strengths counted as zero.
    curvature_scale : float
    witness : Witness
        The full witness outcome (rule, pair, strength).
    escape_order : int or None
        2 at a strict saddle; at a non-strict saddle the lowest order of the escapes found by
        :func:`escape_directions` (``None`` when not searched); ``None`` at a
        minimum.
    value : float
        The loss at the point.
    method : str
        ``"dense"`` or ``"matrix_free"``.
    located : Location or None
        Where the given network stands (:func:`landscape.locate`): its class, critical value,
        relative gradient norm, distance to the class, whether the reading is ambiguous and
        whether the network is near the class at all (``located.near``).
    kind_from : str
        Which point the second-order figures describe: ``"point"`` (the network itself, critical
        to ``critical_tol``), ``"flow"`` (the point where the gradient flow continued from the
        network became critical, in the same class; ``continuation`` says when) or
        ``"representative"`` (the class's canonical representative, where the flow left the
        class first or took too long).
    continuation : Continuation or None
        The flow continuation, where one was run.
    """

    kind: CriticalKind
    witness_kind: CriticalKind
    agree: bool
    disagreement: str
    n_negative: int
    n_zero: int
    n_positive: int
    n_orbit: int
    centre_dim: int
    min_eigenvalue: float
    eigenvalues: np.ndarray = field(repr=False)
    zero_threshold: float
    curvature_scale: float
    witness: Witness
    escape_order: int | None
    value: float
    method: str
    located: Location | None = None
    kind_from: str = "point"
    continuation: Continuation | None = None

    @property
    def subset(self) -> tuple[int, ...]:
        """The learnt set ``S``."""
        return self.witness.subset

    @property
    def near(self) -> bool:
        """False when the network is *not near any critical class* (:attr:`Location.near`):
        ``kind`` and the curvature then describe the representative of the class its reading
        names, no critical point near the network."""
        return self.located is None or self.located.near

    @property
    def verdict(self) -> str:
        """``kind.value``, or ``"not_near_critical"`` for a network near no critical class."""
        return self.kind.value if self.near else "not_near_critical"

    @property
    def inertia(self) -> tuple[int, int, int]:
        """``(n_negative, n_zero, n_positive)``."""
        return self.n_negative, self.n_zero, self.n_positive

    @property
    def witness_pair(self) -> tuple[int, int] | None:
        return self.witness.pair

    @property
    def witness_strength(self) -> float:
        return self.witness.strength

    @property
    def spectrum(self) -> HessianSpectrum:
        """The eigenvalues split into negative, orbit, centre and positive parts."""
        return hessian_spectrum(self.eigenvalues, zero_threshold=self.zero_threshold,
                                n_orbit=self.n_orbit, n_params=sum(self.inertia))

    def __repr__(self) -> str:
        text = "Classification("
        if not self.near:
            text += (f"verdict='not_near_critical' ({self.located.verdict}); of the "
                     f"representative of {self.subset}: ")
        text += (f"kind={self.kind.value!r}, witness_kind="
                f"{self.witness_kind.value!r}, subset={self.subset}, inertia={self.inertia}, "
                f"n_orbit={self.n_orbit}, centre_dim={self.centre_dim}, "
                f"min_eigenvalue={self.min_eigenvalue:.6g}, escape_order={self.escape_order}")
        if self.kind_from != "point":
            text += (f", kind_from={self.kind_from!r}, gradient_norm="
                     f"{self.located.gradient_norm:.3g}, distance={self.located.distance:.3g}")
            text += ", ambiguous=True" if self.located.ambiguous else ""
        return text + ("" if self.agree else f", disagreement={self.disagreement!r}") + ")"


def minimum_gap(land: Landscape) -> float:
    """A quarter of the smallest positive gap between the global minimum value and the values
    of the critical classes next to it.

    With ``k = r* = land.max_rank``: dropping the weakest learnt mode costs
    ``sigma_k^2``; trading it for the strongest nonzero mode outside its tie group costs
    ``sigma_k^2 - sigma_j^2`` (tie groups ``land.tie_groups``; a mode tied with
    ``sigma_k`` gives the same value, another global minimum). Infinite when ``r* = 0``.

    Examples
    --------
    >>> from landscape.problem import DataSpectrum
    >>> land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0, 1.0, 0.5]), (4, 2, 4))
    >>> minimum_gap(land)  # (1 - 0.25) / 4: trade mode 2 (sigma = 1) for mode 4 (0.5)
    0.1875
    """
    sigma = land.spectrum.sigma
    k = land.max_rank
    if k == 0:
        return np.inf
    gaps = [sigma[k - 1] ** 2]
    groups = land.tie_groups
    weakest = next(g for g in groups if k - 1 in g)
    later = [g for g in groups if g[0] > weakest[-1]]
    if later:
        gaps.append(sigma[k - 1] ** 2 - sigma[later[0][0]] ** 2)
    return float(0.25 * min(gaps))


def hessian_kind(land: Landscape, value: float, n_negative: int) -> CriticalKind:
    """Strict with a negative eigenvalue; else a global minimum when ``value`` is within
    :func:`minimum_gap` of ``land.minimum_value()``, a non-strict saddle otherwise."""
    if n_negative > 0:
        return CriticalKind.STRICT_SADDLE
    if value - land.minimum_value() <= minimum_gap(land):
        return CriticalKind.GLOBAL_MINIMUM
    return CriticalKind.NON_STRICT_SADDLE


def _disagreement(kind, witness: Witness, inertia: Inertia) -> str:
    if kind is witness.kind:
        return ""
    pair = "no layer pair examined" if witness.pair is None else \
        f"strongest pair (a, b) = {witness.pair} with strength {witness.strength:.3g}"
    return (f"Hessian says {kind.value} (n_negative = {inertia.n_negative}, lowest eigenvalue "
            f"{inertia.min_eigenvalue:.3g}, zero threshold {inertia.threshold:.3g}) but the "
            f"witness test says {witness.kind.value} (rule {witness.rule!r}, {pair}, "
            f"threshold {witness.threshold:.3g})")


def classify(land: Landscape, weights, *, zero_tol: float = ZERO_TOL, method: str = "auto",
             dense_limit: int = DENSE_HESSIAN_LIMIT, max_eigenpairs: int = 512,
             escapes: bool = False, tie_tol: float | None = None,
             critical_tol: float = CRITICAL_TOL, off_critical: str = "flow",
             seed=DEFAULT_SEED) -> Classification:
    """Second-order classification of a critical point, or of the class a network is near
    (docs/theory.md §3, §4, §4.1).

    Computes the Hessian inertia (:func:`~.inertia.hessian_inertia`), the orbit-tangent dimension from
    the symmetry generators (:func:`~.orbit.orbit_dimension`) and the centre beyond it, and the
    witness test (:func:`~.witness.witness_test`); both kinds are always computed, and a disagreement is
    reported with the eigenvalue and the layer pair involved.

    A network that is not critical to ``critical_tol`` (a trained one: on a plateau, or still
    converging) is first located (:func:`landscape.locate`: its class, how far from critical
    and from the class), and its kind is the kind of the nearby critical points of that class
    (docs/theory.md §3): with ``off_critical="flow"`` (default) the gradient flow is continued from
    the network until it is critical to ``critical_tol`` inside the same class
    (:func:`~landscape.geometry.continuation.continue_to_critical`) and classified there
    (``kind_from="flow"``); where the flow leaves the class first or takes too long, the
    class's canonical representative is classified (``kind_from="representative"``).
    ``off_critical="representative"`` goes there directly; ``"raise"`` refuses the network.
    ``located`` and ``kind_from`` say what was done. A network *not near any class*
    (``located.near`` False: relative gradient norm above ``NEAR_GRADIENT = 0.1`` or distance
    above ``NEAR_DISTANCE = 0.25 sigma_1``, :func:`landscape.locate`) is not continued (the
    flow from there shows where training goes, not what the network is near): the
    representative of the class its reading names is classified, and ``near`` is False and
    ``verdict`` ``"not_near_critical"``.

    Parameters
    ----------
    land : Landscape
    weights : sequence of ndarray
        ``W_1..W_h`` in the problem's coordinates, critical or not.
    zero_tol : float
        Relative zero threshold (times :func:`~.frame.curvature_scale` of the rebalanced point) for
        Hessian eigenvalues and witness strengths alike.
    method : {"auto", "dense", "matrix_free"}
        How the inertia is computed (:func:`~.inertia.hessian_inertia`; ``"auto"``: the core network
        and the blocks of idle units in closed form, the core dense up to ``dense_limit``
        parameters; the others on the whole network).
    dense_limit, max_eigenpairs : int
        See :func:`~.inertia.hessian_inertia`.
    escapes : bool
        At a non-strict saddle, also search the higher-order escapes
        (:func:`escape_directions`) to fill ``escape_order``.
    tie_tol : float, optional
        Deprecated (one release): set ``Landscape(..., tie_tol=)``; a value other than
        ``land.tie_tol`` warns and is used through a copy of ``land``
        (:func:`~landscape.problem.rules.problem_with_tie_tol`). The learnt set, ``r*`` and the global minimum value follow ``land.tie_tol``.
    critical_tol : float
        Bound on :func:`landscape.relative_gradient_norm` for a point to count as critical.
    off_critical : {"flow", "representative", "raise"}
        What to classify when ``weights`` is not critical (see above).
    seed : int, numpy Generator or None
        Seed of the matrix-free solver and of the escape search.

    Raises
    ------
    NotCriticalError
        If ``weights`` is not critical and ``off_critical="raise"``.

    Examples
    --------
    >>> import numpy as np
    >>> from landscape.problem import DataSpectrum
    >>> land = Landscape(DataSpectrum.from_singular_values([1.0, 1.0]), widths=(2, 2, 2, 2))
    >>> c = classify(land, [np.zeros((2, 2))] * 3)
    >>> c.kind.value, c.witness_kind.value, c.inertia, c.n_orbit, c.centre_dim
    ('non_strict_saddle', 'non_strict_saddle', (0, 12, 0), 0, 12)

    A network still converging to the minimum (relative gradient ``1e-3``):

    >>> land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0]), widths=(2, 2, 2, 2))
    >>> near = [np.diag([2.0 ** (1 / 3), 0.999]) for _ in range(3)]
    >>> c = classify(land, near)
    >>> c.kind.value, c.subset, c.kind_from, c.located.gradient_norm > 1e-4
    ('global_minimum', (0, 1), 'flow', True)
    """
    land = problem_with_tie_tol(check_landscape(land), tie_tol, "classify")
    zero_tol = check_zero_tol(zero_tol)
    check_choice(method, "method", METHODS)
    dense_limit = check_int(dense_limit, "dense_limit", minimum=1)
    max_eigenpairs = check_int(max_eigenpairs, "max_eigenpairs", minimum=1)
    if not isinstance(escapes, bool):
        raise TypeError(f"escapes must be a bool, got {escapes!r}")
    critical_tol = check_critical_tol(critical_tol)
    check_choice(off_critical, "off_critical", OFF_CRITICAL)
    check_seed(seed)
    weights = land.check(weights)
    located = locate(land, weights)
    kind_from, continuation = "point", None
    if not located.gradient_norm <= critical_tol:
        if off_critical == "raise":
            raise NotCriticalError(located.gradient_norm, critical_tol)
        weights, kind_from, continuation = _nearby_critical_point(
            land, weights, located, off_critical, critical_tol)
    core = core_point(land, weights, split=method == "auto")
    threshold = zero_threshold(core.land, core.weights, core.scale, zero_tol)
    witness = witness_at(land, weights, core, threshold)
    inertia = inertia_at(core, threshold, method=method, dense_limit=dense_limit,
                         max_eigenpairs=max_eigenpairs, seed=seed)
    n_orbit = core.orbit_dimension()
    value = land.loss(weights)
    kind = hessian_kind(land, value, inertia.n_negative)
    escape_order = None
    if kind is CriticalKind.STRICT_SADDLE:
        escape_order = 2
    elif kind is CriticalKind.NON_STRICT_SADDLE and escapes:
        found = escape_directions(land, weights, zero_tol=zero_tol, seed=seed, follow=False,
                                  critical_tol=critical_tol)
        escape_order = min((e.order for e in found), default=None)
    disagreement = _disagreement(kind, witness, inertia)
    return Classification(
        kind=kind, witness_kind=witness.kind, agree=not disagreement, disagreement=disagreement,
        n_negative=inertia.n_negative, n_zero=inertia.n_zero, n_positive=inertia.n_positive,
        n_orbit=n_orbit, centre_dim=inertia.n_zero - n_orbit,
        min_eigenvalue=inertia.min_eigenvalue, eigenvalues=inertia.eigenvalues,
        zero_threshold=inertia.threshold, curvature_scale=core.scale, witness=witness,
        escape_order=escape_order, value=value, method=inertia.method, located=located,
        kind_from=kind_from, continuation=continuation)


def _nearby_critical_point(land: Landscape, weights, located: Location, off_critical: str,
                           critical_tol: float):
    """A critical point of the class ``located`` names: where the continued flow becomes
    critical in that class, else (and for a network near no class) the class's canonical
    representative (verified critical)."""
    continuation = None
    if off_critical == "flow" and located.near:
        continuation = continue_to_critical(land, weights, located.subset,
                                            critical_tol=critical_tol)
        if continuation.weights is not None:
            return continuation.weights, "flow", continuation
    n_modes = sum(len(g) for g in located.tie_groups)
    subset = located.subset if land.h > 1 else tuple(range(min(n_modes, land.bottleneck)))
    point = land.from_reduced(aligned_weights(land, subset))
    check_critical(land, point, critical_tol=critical_tol,
                   name=f"the representative of {subset}")
    return point, "representative", continuation
