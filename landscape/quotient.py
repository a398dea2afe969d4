"""The quotient of critical points by their end-to-end map: classes, representatives, fibers.

The loss factors through the end-to-end map, ``L = l o pi`` with ``pi(A) = A^h`` and ``l``
strictly convex, so every critical point has map ``Sigma_S`` (reduced coordinates) for a set
``S`` of nonzero data modes with ``|S| <= r``, and value ``L_S = L0 + 1/2 sum_{i not in S}
sigma_i^2`` (THEORY §2-§3; Wendin & Altafini, SIAM Review 2025; Baldi & Hornik 1989;
Kawaguchi 2016). Subsets that differ only inside a block of tied singular values are one
class: its maps form a Grassmannian of dimension ``sum_g k_g (|g| - k_g)``.

- :func:`critical_point` gives the record of a class with its **canonical representative**:
  ``|S|`` disjoint paths input ``i`` -> hidden unit ``c`` -> ... -> output ``i``, every edge
  ``sigma_i^{1/h}``, hidden units assigned in order.
- :func:`canonicalize` maps any critical point to its class record and its **fiber
  coordinates**: the conserved ``C_j`` and the ranks of all partial products.
- :func:`sample_fiber` draws other critical points of a class: hidden ``GL`` orbits,
  unlearnt paths cut in chosen layers, and "junk" sub-networks on free hidden units.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field

import numpy as np

from ._base.validation import check_choice, check_nonnegative, check_positive
from .curvature import witness_kind
from .problem import (CRITICAL_TOL, TIE_TOL, CriticalKind, NotCriticalError, check_critical,
                    check_subset, learnt_modes, relative_gradient_norm, tie_groups)
from .problem.network import Landscape, check_landscape

__all__ = [
    "CriticalPoint",
    "FiberCoordinates",
    "FiberSample",
    "FiberConstruction",
    "NotCriticalError",
    "canonical_representative",
    "canonicalize",
    "critical_point",
    "fiber_coordinates",
    "same_class",
    "sample_fiber",
]

#: Default relative threshold for the numerical rank of partial products (times the product
#: of the layers' spectral norms, the size of the products' rounding error).
RANK_RTOL = 1e-10


@dataclass(frozen=True, eq=False)
class FiberCoordinates:
    """What distinguishes a critical point inside the fiber over its end-to-end map.

    Attributes
    ----------
    invariants : tuple of ndarray
        The conserved ``C_j = W_{j+1}^T W_{j+1} - W_j W_j^T``, ``j = 1..h-1``, in the
        problem's coordinates (where a flow started from this point would run).
    ranks : ndarray of int, shape (h, h)
        ``ranks[a, b]`` is the rank of the partial product ``W_{b+1} ... W_{a+1}`` for
        ``a <= b`` (0-based layers), ``-1`` below the diagonal.
    gradient_norm : float
        The point's :func:`~landscape.modes.relative_gradient_norm`.
    """

    invariants: tuple[np.ndarray, ...] = field(repr=False)
    ranks: np.ndarray = field(repr=False)
    gradient_norm: float

    def partial_rank(self, i: int, j: int) -> int:
        """Rank of ``W_j ... W_i`` for 1-based layers ``1 <= i <= j <= h``."""
        h = self.ranks.shape[0]
        if not (1 <= i <= j <= h):
            raise ValueError(f"layers (i, j) must satisfy 1 <= i <= j <= h = {h}, got ({i}, {j})")
        return int(self.ranks[i - 1, j - 1])

    @property
    def layer_ranks(self) -> tuple[int, ...]:
        """Ranks of ``W_1, ..., W_h``."""
        return tuple(int(r) for r in np.diag(self.ranks))

    @property
    def invariant_norms(self) -> tuple[float, ...]:
        """Frobenius norms of ``C_1..C_{h-1}`` (all zero for a 0-balanced point)."""
        return tuple(float(np.linalg.norm(c)) for c in self.invariants)

    def __repr__(self) -> str:
        norms = ", ".join(f"{x:.3g}" for x in self.invariant_norms)
        rows = "; ".join(" ".join(str(int(r)) for r in row[a:]) for a, row in enumerate(self.ranks))
        return (f"FiberCoordinates(layer_ranks={self.layer_ranks}, partial_ranks=[{rows}], "
                f"invariant_norms=({norms}), gradient_norm={self.gradient_norm:.3g})")


@dataclass(frozen=True, eq=False)
class CriticalPoint:
    """One class of critical points: its key, value, kind and canonical representative.

    Attributes
    ----------
    subset : tuple of int
        Learnt 0-based mode indices, ascending; within a tie group the lowest indices.
    value : float
        ``L_S = L0 + 1/2 sum_{i not in S} sigma_i^2``.
    kind : CriticalKind
        Second-order type of the canonical representative, computed (never assumed).
    weights : list of ndarray
        The canonical representative ``W_1..W_h`` in the problem's coordinates.
    tie_groups : tuple of tuple of int
        The problem's groups of two or more tied positive singular values.
    tie_counts : tuple of int
        How many modes of each of those groups this class learns.
    grassmannian_dim : int
        ``sum_g k_g (|g| - k_g)``: dimension of the family of end-to-end maps of the class.
    inertia, n_orbit, centre_dim, witness_kind
        Hessian inertia ``(n_-, n_0, n_+)``, symmetry-orbit dimension, centre dimension and
        witness-test kind of the representative, ``None`` where not computed.
    fiber : FiberCoordinates or None
        For a record returned by :func:`canonicalize`: the coordinates of the point that was
        canonicalised inside the fiber.
    """

    subset: tuple[int, ...]
    value: float
    kind: CriticalKind
    weights: list = field(repr=False)
    tie_groups: tuple[tuple[int, ...], ...] = ()
    tie_counts: tuple[int, ...] = ()
    grassmannian_dim: int = 0
    inertia: tuple[int, int, int] | None = None
    n_orbit: int | None = None
    centre_dim: int | None = None
    witness_kind: CriticalKind | None = None
    fiber: FiberCoordinates | None = field(default=None, repr=False)

    @property
    def rank(self) -> int:
        """``rho = |S|``: the rank of the end-to-end map."""
        return len(self.subset)

    def __repr__(self) -> str:
        extra = "".join(f", {name}={str(getattr(self, name))!r}" if name == "witness_kind"
                        else f", {name}={getattr(self, name)!r}"
                        for name in ("inertia", "n_orbit", "centre_dim", "witness_kind")
                        if getattr(self, name) is not None)
        ties = f", tie_counts={self.tie_counts}, grassmannian_dim={self.grassmannian_dim}" \
            if self.tie_groups else ""
        fiber = f", fiber={self.fiber!r}" if self.fiber is not None else ""
        return (f"CriticalPoint(subset={self.subset}, value={self.value:.10g}, "
                f"kind={self.kind.value!r}{ties}{extra}{fiber})")


# ---------------------------------------------------------------------- classes and records
def _n_modes(groups) -> int:
    return sum(len(g) for g in groups)


def _admissible(land: Landscape, subset, groups, name: str = "subset") -> tuple[int, ...]:
    """Validate ``subset`` as a learnt set of ``land`` and return it ascending."""
    n_modes = _n_modes(groups)
    subset = check_subset(subset, n_modes, name)
    if len(subset) > land.bottleneck:
        raise ValueError(f"{name} must hold at most r = {land.bottleneck} modes (the "
                         f"bottleneck width), got {len(subset)}")
    if land.h == 1 and len(subset) != n_modes:
        raise ValueError(f"{name} must hold every nonzero mode (0..{n_modes - 1}) for a "
                         f"one-layer network, whose only critical point is the minimum, "
                         f"got {subset}")
    return subset


def _tie_counts(subset, groups) -> tuple[int, ...]:
    members = set(subset)
    return tuple(sum(i in members for i in g) for g in groups)


def _canonical(subset, groups) -> tuple[int, ...]:
    """Lowest indices within each tie group, as many as ``subset`` has there."""
    return tuple(i for g, k in zip(groups, _tie_counts(subset, groups)) for i in g[:k])


def _aligned(land: Landscape, subset) -> list[np.ndarray]:
    """Balanced aligned paths ``i -> c -> ... -> i`` of weight ``sigma_i^{1/h}`` (reduced)."""
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


def _to_problem(land: Landscape, reduced_weights: list[np.ndarray]) -> list[np.ndarray]:
    spec = land.spectrum
    return reduced_weights if spec.reduced else spec.from_reduced(reduced_weights)


def canonical_representative(land: Landscape, subset, *, rtol: float = TIE_TOL) -> list[np.ndarray]:
    """The balanced, aligned critical point with end-to-end map ``Sigma_S``.

    ``|S|`` disjoint paths input ``i`` -> hidden unit ``c`` -> ... -> output ``i`` (hidden
    units ``c = 0, 1, ...`` in the order of ``S``), every edge ``sigma_i^{1/h}``, built in
    reduced coordinates and mapped to the problem's (``W_1 = W~_1 V^T Sxx^{-1/2}``,
    ``W_h = U W~_h``) when the spectrum is not reduced (THEORY §2).

    Parameters
    ----------
    land : Landscape
    subset : sequence of int
        Learnt modes: distinct indices of positive singular values, at most ``r`` of them.
    rtol : float
        Relative tolerance below which a singular value counts as zero.

    Examples
    --------
    >>> from landscape.data import DataSpectrum
    >>> land = Landscape(DataSpectrum.from_singular_values([4.0, 1.0]), widths=(2, 2, 2))
    >>> [w.tolist() for w in canonical_representative(land, (1,))]
    [[[0.0, 1.0], [0.0, 0.0]], [[0.0, 0.0], [1.0, 0.0]]]
    """
    check_landscape(land)
    groups = tie_groups(land.spectrum.sigma, tie_tol=rtol)
    return _to_problem(land, _aligned(land, _admissible(land, subset, groups)))


def _representative_kind(land: Landscape, weights, rtol: float, tol: float) -> CriticalKind:
    """Second-order kind of a representative: the Hessian-free witness test of THEORY §4.1
    (:func:`landscape.curvature.witness_kind`), computed on the point itself."""
    return witness_kind(land, weights, rtol=rtol, critical_tol=tol)


def _class_record(land: Landscape, subset: tuple[int, ...], groups, rtol: float,
                  tol: float) -> CriticalPoint:
    """The record of the class of an admissible, canonical ``subset``; the representative is
    verified critical (a failure raises :class:`NotCriticalError`)."""
    weights = _to_problem(land, _aligned(land, subset))
    check_critical(land, weights, critical_tol=tol, name=f"the representative of {subset}")
    value = land.critical_value(subset)
    tied = tuple(g for g in groups if len(g) > 1)
    counts = _tie_counts(subset, tied)
    return CriticalPoint(subset=subset, value=value,
                         kind=_representative_kind(land, weights, rtol, tol), weights=weights,
                         tie_groups=tied, tie_counts=counts,
                         grassmannian_dim=sum(k * (len(g) - k) for g, k in zip(tied, counts)))


def critical_point(land: Landscape, subset, *, rtol: float = TIE_TOL,
                   tol: float = CRITICAL_TOL) -> CriticalPoint:
    """The record of the class of ``subset``: canonical key, value, kind and representative.

    Parameters
    ----------
    land : Landscape
    subset : sequence of int
        Any learnt set of the class (within a tie group, any indices: the key takes the
        lowest).
    rtol : float
        Relative tolerance for tied and zero singular values.
    tol : float
        Bound on the representative's relative gradient norm (it is always verified).

    Examples
    --------
    >>> from landscape.data import DataSpectrum
    >>> land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0, 1.0]), widths=(3, 3, 3))
    >>> critical_point(land, (2,))
    CriticalPoint(subset=(1,), value=2.5, kind='strict_saddle', tie_counts=(1,), grassmannian_dim=1)
    """
    check_landscape(land)
    tol = check_nonnegative(tol, "tol")
    groups = tie_groups(land.spectrum.sigma, tie_tol=rtol)
    subset = _admissible(land, subset, groups)
    return _class_record(land, _canonical(subset, groups), groups, rtol, tol)


# ---------------------------------------------------------------------- canonicalisation
def fiber_coordinates(land: Landscape, weights, *, rank_rtol: float = RANK_RTOL) -> FiberCoordinates:
    """The conserved ``C_j`` and the ranks of all partial products ``W_j ... W_i``.

    A singular value of ``W_j ... W_i`` counts when it exceeds ``rank_rtol`` times
    ``||W_j||_2 ... ||W_i||_2`` (the scale of the product's rounding error), so the ranks do
    not depend on how the layers are scaled against each other.

    Examples
    --------
    The canonical point of ``S = {0}`` is one balanced path: every partial product has
    rank 1 and every ``C_j`` vanishes.

    >>> from landscape.data import DataSpectrum
    >>> land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0]), widths=(2, 2, 2, 2))
    >>> fiber = fiber_coordinates(land, canonical_representative(land, (0,)))
    >>> fiber.layer_ranks, fiber.partial_rank(1, 3), max(fiber.invariant_norms)
    ((1, 1, 1), 1, 0.0)
    """
    check_landscape(land)
    weights = land.check(weights)
    rank_rtol = check_nonnegative(rank_rtol, "rank_rtol")
    return _fiber(land, weights, rank_rtol, relative_gradient_norm(land, weights))


def _fiber(land: Landscape, weights, rank_rtol: float, gradient_norm: float) -> FiberCoordinates:
    h = land.h
    ranks = np.full((h, h), -1, dtype=int)
    layer_values = [np.linalg.svd(w, compute_uv=False) for w in weights]
    norms = [float(v[0]) for v in layer_values]

    def rank(values, bound):
        return int(np.count_nonzero(values > rank_rtol * bound)) if bound > 0 else 0

    for a in range(h):
        ranks[a, a] = rank(layer_values[a], norms[a])
        product, bound = weights[a], norms[a]
        for b in range(a + 1, h):
            product = weights[b] @ product
            bound *= norms[b]
            ranks[a, b] = rank(np.linalg.svd(product, compute_uv=False), bound)
    return FiberCoordinates(invariants=tuple(land.invariants(weights)), ranks=ranks,
                            gradient_norm=gradient_norm)


def canonicalize(land: Landscape, weights, *, tol: float = CRITICAL_TOL, rtol: float = TIE_TOL,
                 rank_rtol: float = RANK_RTOL) -> CriticalPoint:
    """The class record of a critical point, with the point's own fiber coordinates.

    Verifies the point is critical (:func:`~landscape.modes.relative_gradient_norm` at most
    ``tol``), reads ``S`` off its end-to-end map in the data's singular basis
    (:func:`~landscape.modes.learnt_modes`), and returns the class's
    :class:`CriticalPoint` (canonical key, value, kind and representative) with ``fiber``
    set to the point's :class:`FiberCoordinates`. The result does not depend on the point's
    place in its fiber: balanced or not, moved by any hidden-layer ``GL`` transformation,
    with blocked paths, in whitened or raw coordinates (THEORY §3).

    Parameters
    ----------
    land : Landscape
    weights : sequence of ndarray
        ``W_1..W_h`` in the problem's coordinates.
    tol : float
        Bound on the relative gradient norm.
    rtol : float
        Relative tolerance for tied and zero singular values.
    rank_rtol : float
        Relative threshold for the ranks of partial products (:func:`fiber_coordinates`).

    Raises
    ------
    NotCriticalError
        If the point is not critical; the relative gradient norm is in the message and in
        ``gradient_norm``.

    Examples
    --------
    >>> import numpy as np
    >>> from landscape.data import DataSpectrum
    >>> land = Landscape(DataSpectrum.from_singular_values([4.0, 1.0]), widths=(2, 2, 2))
    >>> g = np.array([[2.0, 1.0], [0.0, 0.5]])
    >>> w = [g @ np.diag([2.0, 0.0]), np.diag([2.0, 0.0]) @ np.linalg.inv(g)]
    >>> cp = canonicalize(land, w)
    >>> cp.subset, cp.value, cp.kind.value, cp.fiber.layer_ranks
    ((0,), 0.5, 'strict_saddle', (1, 1))
    """
    check_landscape(land)
    weights = land.check(weights)
    tol = check_nonnegative(tol, "tol")
    rank_rtol = check_nonnegative(rank_rtol, "rank_rtol")
    measure = check_critical(land, weights, critical_tol=tol)
    groups = tie_groups(land.spectrum.sigma, tie_tol=rtol)
    record = _class_record(land, learnt_modes(land, weights, tie_tol=rtol).subset, groups, rtol,
                           tol)
    return dataclasses.replace(record, fiber=_fiber(land, weights, rank_rtol, measure))


def same_class(land: Landscape, a, b, *, tol: float = CRITICAL_TOL, rtol: float = TIE_TOL) -> bool:
    """Whether two critical points lie in the same class (same learnt set up to ties).

    Raises
    ------
    NotCriticalError
        If either point is not critical.

    Examples
    --------
    A hidden-layer ``GL`` move keeps a critical point in its class.

    >>> import numpy as np
    >>> from landscape.data import DataSpectrum
    >>> land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0]), widths=(2, 2, 2))
    >>> W1, W2 = canonical_representative(land, (0,))
    >>> g = np.array([[2.0, 1.0], [0.0, 1.0]])
    >>> same_class(land, [W1, W2], [g @ W1, W2 @ np.linalg.inv(g)])
    True
    >>> same_class(land, [W1, W2], canonical_representative(land, (1,)))
    False
    """
    check_landscape(land)
    tol = check_nonnegative(tol, "tol")
    check_critical(land, a, critical_tol=tol, name="a")
    check_critical(land, b, critical_tol=tol, name="b")
    return learnt_modes(land, a, tie_tol=rtol).subset == learnt_modes(land, b, tie_tol=rtol).subset


# ---------------------------------------------------------------------- sampling the fiber
class FiberConstruction(enum.StrEnum):
    """How :func:`sample_fiber` built a critical point."""

    ORBIT = "orbit"
    BLOCKED = "blocked"
    JUNK = "junk"


@dataclass(frozen=True, eq=False)
class FiberSample:
    """A random critical point of a class, with how it was built.

    Attributes
    ----------
    weights : list of ndarray
        ``W_1..W_h`` in the problem's coordinates, verified critical and in the class.
    subset : tuple of int
        The class key (canonical learnt set).
    construction : FiberConstruction
    zero_layers : tuple of tuple of int
        ``blocked``: for each added path of an unlearnt mode, the 1-based layers where it is
        cut; ``junk``: one entry, the layers where the junk sub-network is zero; ``orbit``:
        empty.
    description : str
        A readable account of the construction.
    """

    weights: list = field(repr=False)
    subset: tuple[int, ...]
    construction: FiberConstruction
    zero_layers: tuple[tuple[int, ...], ...]
    description: str


def _random_gl(rng, size: int, condition: float) -> tuple[np.ndarray, np.ndarray]:
    """A random ``G = Q_1 diag(d) Q_2`` with ``d`` log-uniform in ``[condition^{-1/2}, condition^{1/2}]``, and its inverse."""
    q1, _ = np.linalg.qr(rng.standard_normal((size, size)))
    q2, _ = np.linalg.qr(rng.standard_normal((size, size)))
    d = np.exp(rng.uniform(-0.5, 0.5, size) * np.log(condition))
    return (q1 * d) @ q2, (q2.T / d) @ q1.T


def _tie_rotation(rng, groups, sizes) -> list[np.ndarray]:
    """Identities of the given sizes with one random orthogonal block ``Q_g`` on every tie
    group, the same in each (so ``O_y Sigma O_x^T = Sigma``)."""
    out = [np.eye(n) for n in sizes]
    for g in groups:
        if len(g) > 1:
            q, _ = np.linalg.qr(rng.standard_normal((len(g), len(g))))
            for o in out:
                o[g[0]:g[-1] + 1, g[0]:g[-1] + 1] = q
    return out


def _random_class(land: Landscape, groups, rng) -> tuple[int, ...]:
    n_modes = _n_modes(groups)
    if land.h == 1:
        return tuple(range(n_modes))
    k = int(rng.integers(0, min(land.bottleneck, n_modes) + 1))
    return tuple(sorted(int(i) for i in rng.choice(n_modes, size=k, replace=False)))


def _cut_layers(rng, h: int) -> tuple[int, ...]:
    """At least two 1-based layers: exactly two or (for ``h >= 3``) three or more, evenly."""
    count = 2 if h < 3 or rng.random() < 0.5 else int(rng.integers(3, h + 1))
    return tuple(sorted(int(j) + 1 for j in rng.choice(h, size=min(count, h), replace=False)))


def _add_blocked_paths(land, weights, subset, n_modes, rng):
    """Paths of unlearnt modes through free hidden units, each cut in >= 2 layers."""
    h, rho = land.h, len(subset)
    unlearnt = [i for i in range(n_modes) if i not in subset]
    n_paths = 0 if h < 3 else min(min(d - rho for d in land.widths[1:-1]), len(unlearnt))
    if n_paths == 0:
        return (), "no room for a path with an uncut layer: the orbit only"
    modes = rng.choice(unlearnt, size=int(rng.integers(1, n_paths + 1)), replace=False)
    cuts, scale = [], land.weight_scale
    for p, mode in enumerate(int(i) for i in modes):
        zero = _cut_layers(rng, h)
        unit = rho + p
        entries = [(unit, mode)] + [(unit, unit)] * (h - 2) + [(mode, unit)]
        for layer, (row, col) in enumerate(entries, start=1):
            if layer not in zero:
                weights[layer - 1][row, col] = rng.choice([-1.0, 1.0]) * scale * np.exp(rng.normal())
        cuts.append(zero)
    text = "; ".join(f"mode {int(m)} cut in layers {z}" for m, z in zip(modes, cuts))
    return tuple(cuts), f"paths of unlearnt modes: {text}"


def _add_junk(land, weights, subset, n_modes, rng):
    """A dense sub-network on the free hidden units that leaves the point critical.

    Zero in two or more layers (every partial product through it then vanishes), or in
    one layer ``a`` when the part below ``a`` reads only inputs the residual ``Sigma_S - Sigma``
    does not see (learnt modes, zero modes) or the part above writes only such outputs.
    """
    h, rho, spec = land.h, len(subset), land.spectrum
    if h == 1:
        return (), "one layer: no hidden units for a sub-network, the minimum only"
    invisible_in = [i for i in range(spec.d_x) if i in subset or i >= n_modes]
    invisible_out = [i for i in range(spec.d_y) if i in subset or i >= n_modes]
    options = ["two or more"]
    if invisible_in:
        options.append("below reads learnt or zero inputs")
    if invisible_out:
        options.append("above writes learnt or zero outputs")
    option = options[int(rng.integers(len(options)))]
    if option == "two or more":
        zero = _cut_layers(rng, h)
    elif option.startswith("below"):
        zero = (int(rng.integers(2, h + 1)),)
    else:
        zero = (int(rng.integers(1, h)),)
    sizes = [spec.d_x] + [d - rho for d in land.widths[1:-1]] + [spec.d_y]
    for layer in range(1, h + 1):
        if layer in zero:
            continue
        rows = np.arange(sizes[layer]) + (rho if layer < h else 0)
        cols = np.arange(sizes[layer - 1]) + (rho if layer > 1 else 0)
        if layer == 1 and option.startswith("below"):
            cols = np.asarray(invisible_in, dtype=int)
        if layer == h and option.startswith("above"):
            rows = np.asarray(invisible_out, dtype=int)
        block = rng.standard_normal((rows.size, cols.size)) * land.weight_scale \
            / np.sqrt(max(cols.size, 1))
        weights[layer - 1][np.ix_(rows, cols)] += block
    return (zero,), f"junk sub-network zero in layers {zero} ({option})"


def sample_fiber(land: Landscape, subset=None, *, rng, kind: str = "any",
                 scale_range=(1e-4, 1e4), condition: float = 10.0, tol: float = CRITICAL_TOL,
                 rtol: float = TIE_TOL) -> FiberSample:
    """Draw a random critical point of a class, beyond its canonical representative.

    Built in reduced coordinates from the aligned learnt paths of ``S``, then:

    - ``"orbit"``: nothing added;
    - ``"blocked"``: paths of randomly chosen unlearnt modes through free hidden units, each
      cut in exactly two layers or (evenly) in three or more (for ``h >= 3``, THEORY §4: a path
      cut in exactly two layers gives a negative Hessian eigenvalue, three or more none);
    - ``"junk"``: a dense random sub-network on the free hidden units that keeps the point
      critical (zero in at least two layers, or in one layer with the part below it reading
      only inputs the residual does not see, or the part above writing only such outputs;
      e.g. ``W_1 = 0, W_2 != 0, W_3 = 0`` at ``S = {}``, ``h = 3``);
    - ``"any"``: one of the three, evenly.

    Every sample is then rotated inside each tie block (a random point of the class's
    Grassmannian), moved by a random hidden ``GL`` transformation ``W_j -> G_j W_j
    G_{j-1}^{-1}`` with ``G_j = gamma_j Q diag(d) Q'`` (``gamma_j`` log-uniform in
    ``scale_range``, ``d`` log-uniform with condition number at most ``condition``), mapped to
    the problem's coordinates, and verified critical and in the class.

    Parameters
    ----------
    land : Landscape
    subset : sequence of int, optional
        A learnt set of the class; a uniformly drawn size and set when omitted.
    rng : int or numpy.random.Generator
        Seed or generator (required: the same seed gives the same sample).
    kind : {"any", "orbit", "blocked", "junk"}
    scale_range : (float, float)
        Range of the hidden-layer scalings ``gamma_j``; layer ``j`` is scaled by
        ``gamma_j / gamma_{j-1}``.
    condition : float
        Bound (>= 1) on the condition number of the non-scalar part of ``G_j``.
    tol, rtol : float
        Criticality bound and tie tolerance (see :func:`canonicalize`).

    Returns
    -------
    FiberSample

    Examples
    --------
    >>> from landscape.data import DataSpectrum
    >>> land = Landscape(DataSpectrum.from_singular_values([3.0, 2.0, 1.0]), widths=(3, 3, 3, 3))
    >>> sample = sample_fiber(land, (1,), seed=0, kind="junk")
    >>> sample.subset, canonicalize(land, sample.weights).subset
    ((1,), (1,))
    """
    check_landscape(land)
    check_choice(kind, "kind", ("any", "orbit", "blocked", "junk"))
    low, high = _check_range(scale_range)
    condition = check_positive(condition, "condition")
    if condition < 1:
        raise ValueError(f"condition must be >= 1, got {condition}")
    tol = check_nonnegative(tol, "tol")
    rng = np.random.default_rng(rng)
    spec = land.spectrum
    groups = tie_groups(spec.sigma, tie_tol=rtol)
    n_modes = _n_modes(groups)
    subset = _random_class(land, groups, rng) if subset is None \
        else _admissible(land, subset, groups)
    key = _canonical(subset, groups)
    if kind == "any":
        kind = ("orbit", "blocked", "junk")[int(rng.integers(3))]
    construction = FiberConstruction(kind)
    weights = _aligned(land, subset)
    zero_layers, text = (), "hidden GL orbit of the aligned representative"
    if construction is FiberConstruction.BLOCKED:
        zero_layers, text = _add_blocked_paths(land, weights, subset, n_modes, rng)
    elif construction is FiberConstruction.JUNK:
        zero_layers, text = _add_junk(land, weights, subset, n_modes, rng)
    rotate_x, rotate_y = _tie_rotation(rng, groups, (spec.d_x, spec.d_y))
    weights[0] = weights[0] @ rotate_x.T
    weights[-1] = rotate_y @ weights[-1]
    gammas = np.exp(rng.uniform(np.log(low), np.log(high), land.h - 1))
    inverse_below = None
    for j in range(land.h - 1):
        g, g_inv = _random_gl(rng, land.widths[j + 1], condition)
        weights[j] = gammas[j] * (g @ weights[j])
        if inverse_below is not None:
            weights[j] = weights[j] @ inverse_below
        inverse_below = g_inv / gammas[j]
    if inverse_below is not None:
        weights[-1] = weights[-1] @ inverse_below
    weights = _to_problem(land, weights)
    check_critical(land, weights, critical_tol=tol, name=f"the {kind} sample of {key}")
    read = learnt_modes(land, weights, tie_tol=rtol).subset
    if read != key:
        raise RuntimeError(f"sample of class {key} reads as class {read}: {text}")
    return FiberSample(weights=weights, subset=key, construction=construction,
                       zero_layers=zero_layers,
                       description=f"{text}; hidden scalings gamma = "
                                   f"({', '.join(f'{g:.3g}' for g in gammas)})")


def _check_range(scale_range) -> tuple[float, float]:
    try:
        low, high = scale_range
    except (TypeError, ValueError) as exc:
        raise TypeError(f"scale_range must be a pair (low, high), got {scale_range!r}") from exc
    low = check_positive(low, "scale_range[0]")
    high = check_positive(high, "scale_range[1]")
    if low > high:
        raise ValueError(f"scale_range must satisfy low <= high, got {scale_range!r}")
    return low, high
