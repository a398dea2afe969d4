"""Where any network stands: the critical class it is near, and how near (docs/theory.md §3).

A trained network is never exactly critical: it rests on a plateau near a saddle, or
converges to the minimum with a gradient of ``1e-5``. The class it is near is still well
defined. In reduced coordinates (docs/theory.md §1) its end-to-end map ``M = W~_{1:h}`` is read per tie
block of the data's singular values: a block ``g`` of value ``sigma_g`` has learnt as many
modes as its block of ``M`` has singular values above the halfway mark ``sigma_g / 2``
(:func:`~landscape.problem.learnt.learnt_modes`; at a critical point the block is
``sigma_g`` times a projector, so the reading is exact there). Two figures say how good the
reading is: the relative gradient norm (how far from criticality,
:func:`~landscape.problem.criticality.relative_gradient_norm`) and the distance
``min ||M - Sigma_S|| / sigma_1`` from the class's critical maps (for a tie block, the
nearest ``sigma_g`` times a rank-``k`` projector). A singular value within
``halfway_margin * sigma_g`` of the halfway mark makes the reading *ambiguous*: the network is
in the middle of learning (or unlearning) that mode.

A reading is only worth its name near the class. The network is *near* its class when both
figures are small: the relative gradient norm at most ``near_gradient`` (default
``NEAR_GRADIENT = 0.1``) and the distance at most ``near_distance`` (default
``NEAR_DISTANCE = 0.25``, in units of ``sigma_1``). Beyond either it is *not near any class*
(:attr:`Location.near` False, and said so in its ``repr`` and :attr:`Location.verdict`):
``subset`` is then only the class between whose halfway marks the end-to-end map falls.
Calibration: along a small-start flow (widths 11,6,6,6,6,4, sigma = 3,2,1,0.5) the plateaus
read below ``1e-3`` in both figures and only the transitions of the largest modes exceed the
thresholds, briefly (``0.2`` and ``0.37`` at 70 % of ``sigma_1`` learnt); networks at
PyTorch's default initialisation read ``1.6`` to ``3`` and ``0.4`` to ``1`` on standardised
wine, far more on raw digits.

The module also builds the class's canonical representative in the problem's coordinates
(:func:`aligned_weights`, mapped by ``land.from_reduced``; the public entry point is
:func:`landscape.canonical_representative`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._base.validation import check_nonnegative
from .criticality import relative_gradient_norm
from .learnt import halfway_mark, learnt_above, tie_blocks
from .network import Landscape, check_landscape
from .rules import problem_with_tie_tol
from .ties import subset_of_counts

__all__ = ["HALFWAY_MARGIN", "Location", "NEAR_DISTANCE", "NEAR_GRADIENT", "locate"]

#: Default margin (times ``sigma_g``) around the halfway mark ``sigma_g / 2`` inside which the
#: reading of a mode is ambiguous.
HALFWAY_MARGIN = 0.1
#: Default largest relative gradient norm of a network near its class.
NEAR_GRADIENT = 0.1
#: Default largest distance ``||W~_{1:h} - Sigma_S|| / sigma_1`` of a network near its class.
NEAR_DISTANCE = 0.25


@dataclass(frozen=True)
class Location:
    """The critical class a network is near, and how near it is (docs/theory.md §3).

    Attributes
    ----------
    subset : tuple of int
        The class key ``S``: learnt modes per tie block, canonical (the lowest indices of each
        block), as :func:`~landscape.problem.learnt.learnt_modes` reads them.
    value : float
        The class's critical value ``L_S = L0 + 1/2 sum_{i not in S} sigma_i^2``.
    loss : float
        The network's own loss.
    gradient_norm : float
        :func:`~landscape.problem.criticality.relative_gradient_norm`: how far from critical.
    distance : float
        ``min ||W~_{1:h} - Sigma_S||_F / sigma_1`` over the class's critical maps (reduced
        coordinates): how far the end-to-end map is from the class.
    ambiguous : bool
        Some mode's singular value lies within ``halfway_margin * sigma_g`` of ``sigma_g / 2``
        (or more modes read as learnt than the bottleneck allows): the network is between
        classes and ``subset`` is a guess.
    fractions : tuple of float
        Per nonzero mode (in index order), the learnt singular value over its ``sigma``:
        ``|M_ii| / sigma_i`` for a mode of its own, the block's singular values (descending)
        over ``sigma_g`` for a tie block. 1 learnt, 0 not.
    tie_groups : tuple of tuple of int
        The spectrum's tie groups (:func:`~landscape.problem.ties.tie_groups`).
    counts : tuple of int
        Learnt modes per tie group.
    halfway_margin : float
    near : bool
        ``gradient_norm <= near_gradient`` and ``distance <= near_distance``: the network is
        near the class ``subset``. False: it is *not near any class*, and ``subset``,
        ``value`` and any kind read from them describe no nearby critical point.
    near_gradient, near_distance : float
        The thresholds ``near`` was decided with.
    """

    subset: tuple[int, ...]
    value: float
    loss: float
    gradient_norm: float
    distance: float
    ambiguous: bool
    fractions: tuple[float, ...]
    tie_groups: tuple[tuple[int, ...], ...]
    counts: tuple[int, ...]
    halfway_margin: float
    near: bool
    near_gradient: float
    near_distance: float

    def is_critical(self, critical_tol: float) -> bool:
        """Whether the relative gradient norm is at most ``critical_tol``."""
        return self.gradient_norm <= critical_tol

    @property
    def verdict(self) -> str:
        """``"near class S"`` or ``"not near any class"``, with the figures against the
        thresholds that decided it."""
        if self.near:
            return (f"near class {self.subset} (gradient_norm {self.gradient_norm:.3g} <= "
                    f"{self.near_gradient:g}, distance {self.distance:.3g} <= "
                    f"{self.near_distance:g} sigma_1)")
        return (f"not near any class (gradient_norm {self.gradient_norm:.3g} "
                f"{'>' if self.gradient_norm > self.near_gradient else '<='} "
                f"{self.near_gradient:g}, distance {self.distance:.3g} "
                f"{'>' if self.distance > self.near_distance else '<='} "
                f"{self.near_distance:g} sigma_1; the nearest reading is {self.subset})")

    def __repr__(self) -> str:
        flag = ", ambiguous" if self.ambiguous else ""
        fractions = ", ".join(f"{f:.3g}" for f in self.fractions)
        return (f"Location({self.verdict}: subset={self.subset}, value={self.value:.10g}, "
                f"loss={self.loss:.10g}, gradient_norm={self.gradient_norm:.3g}, "
                f"distance={self.distance:.3g}, fractions=({fractions}){flag})")


def locate(land: Landscape, weights, *, tie_tol: float | None = None,
           halfway_margin: float = HALFWAY_MARGIN, near_gradient: float = NEAR_GRADIENT,
           near_distance: float = NEAR_DISTANCE) -> Location:
    """The critical class any network is near -- critical or not -- and how near (docs/theory.md §3).

    Reads the learnt set ``S`` off the end-to-end map in reduced coordinates, per tie block
    (a mode counts as learnt above half its ``sigma``), and measures the relative gradient
    norm and the distance ``||W~_{1:h} - Sigma_S|| / sigma_1`` to the class's nearest critical
    map. Nothing is refused for not being critical; :func:`landscape.classify` uses this to
    give the kind of the class a trained network is near, and
    :func:`landscape.canonicalize` (strict) remains for exactly critical points. A network
    with a relative gradient norm above ``near_gradient`` or a distance above
    ``near_distance`` is *not near any class* (``near=False``, module docstring).

    Parameters
    ----------
    land : Landscape
    weights : sequence of ndarray
        ``W_1..W_h`` in the problem's coordinates.
    tie_tol : float, optional
        Deprecated (one release): set ``Landscape(..., tie_tol=)``; a value other than
        ``land.tie_tol`` warns and is used through a copy of ``land``
        (:func:`~landscape.problem.rules.problem_with_tie_tol`). The tie blocks are ``land.tie_groups``.
    halfway_margin : float
        Margin (times ``sigma_g``) around ``sigma_g / 2`` in which a reading is ambiguous.
    near_gradient, near_distance : float
        Largest relative gradient norm and distance (times ``sigma_1``) of a network near its
        class (defaults ``NEAR_GRADIENT = 0.1``, ``NEAR_DISTANCE = 0.25``).

    Returns
    -------
    Location

    Examples
    --------
    A network on its first plateau: mode 0 learnt to 99 % (distance 0.04 / sigma_1), mode 1
    barely started.

    >>> import numpy as np
    >>> from landscape import DataSpectrum
    >>> land = Landscape(DataSpectrum.from_singular_values([4.0, 1.0]), widths=(2, 2, 2))
    >>> w = [np.diag([np.sqrt(3.96), 0.01]), np.diag([np.sqrt(3.96), 0.01])]
    >>> where = locate(land, w)
    >>> where.subset, where.value, where.ambiguous, round(where.distance, 6), where.near
    ((0,), 0.5, False, 0.01, True)

    Mid-way through learning mode 0 (70 % of it): between classes, near none.

    >>> where = locate(land, [np.diag([np.sqrt(2.8), 0.0])] * 2)
    >>> where.near
    False
    >>> print(where.verdict)  # doctest: +NORMALIZE_WHITESPACE
    not near any class (gradient_norm 0.251 > 0.1, distance 0.3 > 0.25 sigma_1; the nearest
    reading is (0,))
    """
    land = problem_with_tie_tol(check_landscape(land), tie_tol, "locate")
    halfway_margin = check_nonnegative(halfway_margin, "halfway_margin")
    near_gradient = check_nonnegative(near_gradient, "near_gradient")
    near_distance = check_nonnegative(near_distance, "near_distance")
    weights = land.check(weights)
    spec = land.spectrum
    sigma = spec.sigma
    groups = land.tie_groups
    product = land.end_to_end(weights)
    reduced = spec.reduced_map(product)
    residual = reduced.copy()
    counts, fractions, ambiguous, block_gap = [], [], False, 0.0
    for g, (block, values) in zip(groups, tie_blocks(reduced, groups)):
        lo, hi = g[0], g[-1] + 1
        level = float(sigma[lo])
        k = int(np.count_nonzero(learnt_above(values, level)))
        ambiguous |= bool(np.any(np.abs(values - halfway_mark(level)) <= halfway_margin * level))
        counts.append(k)
        fractions.extend(float(v) / level for v in values)
        # nearest level * (rank-k projector) to the block: top-k eigenvectors of its symmetric
        # part, ||B - level P||^2 = ||B||^2 - 2 level tr(B P) + k level^2
        top = np.sort(np.linalg.eigvalsh(0.5 * (block + block.T)))[::-1][:k]
        block_gap += max(float(np.sum(block ** 2)) - 2 * level * float(np.sum(top))
                         + k * level ** 2, 0.0)
        residual[lo:hi, lo:hi] = 0.0
    if sum(counts) > land.bottleneck:
        ambiguous = True
        counts = _trim_to_bottleneck(counts, fractions, groups, land.bottleneck)
    subset = subset_of_counts(groups, counts)
    distance = float(np.sqrt(float(np.sum(residual ** 2)) + block_gap)) / land.scale
    gradient_norm = relative_gradient_norm(land, weights)
    return Location(subset=subset, value=land.critical_value(subset),
                    loss=land.loss_of_product(product), gradient_norm=gradient_norm,
                    distance=distance, ambiguous=ambiguous, fractions=tuple(fractions),
                    tie_groups=groups, counts=tuple(counts),
                    halfway_margin=float(halfway_margin),
                    near=bool(gradient_norm <= near_gradient and distance <= near_distance),
                    near_gradient=near_gradient, near_distance=near_distance)


def _trim_to_bottleneck(counts, fractions, groups, bottleneck: int) -> list[int]:
    """Keep the ``bottleneck`` strongest learnt readings (a map of rank ``<= r`` cannot have
    learnt more modes; seen only far from every critical point)."""
    position = np.cumsum([0] + [len(g) for g in groups])
    learnt = [(fractions[position[n] + j], n) for n, k in enumerate(counts) for j in range(k)]
    learnt.sort(key=lambda item: -item[0])
    kept = [0] * len(counts)
    for _, n in learnt[:bottleneck]:
        kept[n] += 1
    return kept


def aligned_weights(land: Landscape, subset) -> list[np.ndarray]:
    """Balanced aligned paths ``i -> c -> ... -> i`` of weight ``sigma_i^{1/h}``, in reduced
    coordinates (``subset`` is trusted: an admissible learnt set, ascending)."""
    sigma = land.spectrum.sigma
    weights = [np.zeros(s) for s in land.shapes]
    if not subset:
        return weights
    rows = np.arange(len(subset))
    modes = np.asarray(subset)
    edge = sigma[modes] ** (1.0 / land.h)
    if land.h == 1:
        weights[0][modes, modes] = sigma[modes]
        return weights
    weights[0][rows, modes] = edge
    for w in weights[1:-1]:
        w[rows, rows] = edge
    weights[-1][modes, rows] = edge
    return weights
