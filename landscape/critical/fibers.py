"""Random critical points of a class: hidden ``GL`` orbits, blocked paths and junk sub-networks.

The fiber over ``Sigma_S`` holds far more than the canonical representative (docs/theory.md §3-§4;
Wendin & Altafini, SIAM Review 2025): every hidden-layer move ``W_j -> G_j W_j G_{j-1}^{-1}``
keeps the end-to-end map, paths of unlearnt modes through free hidden units stay critical when
cut in at least two layers (exactly two gives a negative Hessian eigenvalue, three or more
none), and a dense sub-network on the free units stays critical when every partial product
through it vanishes or the residual ``Sigma_S - Sigma`` does not see it. Rotations inside tie
blocks (``O_y Sigma O_x^T = Sigma``) move the end-to-end map along the class's Grassmannian.
:func:`sample_fiber` draws such points, for tests and benchmarks of everything downstream.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

import numpy as np

from .._base.validation import check_choice, check_positive
from ..problem.criticality import CRITICAL_TOL, check_critical, check_critical_tol
from ..problem.learnt import learnt_modes
from ..problem.network import Landscape, check_landscape
from ..problem.rules import problem_with_tie_tol
from ..problem.ties import canonical_subset
from .batches import admissible_sizes
from .representatives import admissible_subset, aligned_weights

__all__ = ["MAX_FIBER_WIDTH", "FiberConstruction", "FiberSample", "sample_fiber"]

#: Widest hidden layer :func:`sample_fiber` accepts: each hidden layer draws a dense element of
#: ``GL(d_j)`` (two QR factorizations of ``d_j x d_j`` matrices, ``O(d_j^3)`` time, four
#: ``d_j^2`` matrices), seconds at this width.
MAX_FIBER_WIDTH = 4096


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
    """A random ``G = Q_1 diag(d) Q_2`` with ``d`` log-uniform in ``[condition^{-1/2},
    condition^{1/2}]``, and its inverse."""
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


def _random_class(land: Landscape, n_modes: int, rng) -> tuple[int, ...]:
    if land.h == 1:
        return tuple(range(n_modes))
    sizes = admissible_sizes(land, n_modes)
    k = int(rng.integers(sizes.start, sizes.stop))
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


def sample_fiber(land: Landscape, subset=None, *, seed, kind: str = "any",
                 scale_range=(1e-4, 1e4), condition: float = 10.0,
                 critical_tol: float = CRITICAL_TOL,
                 tie_tol: float | None = None) -> FiberSample:
    """Draw a random critical point of a class, beyond its canonical representative.

    Built in reduced coordinates from the aligned learnt paths of ``S``, then:

    - ``"orbit"``: nothing added;
    - ``"blocked"``: paths of randomly chosen unlearnt modes through free hidden units, each
      cut in exactly two layers or (evenly) in three or more (for ``h >= 3``, docs/theory.md §4: a path
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
    seed : int, numpy.random.Generator or None
        Seed or generator (required, keyword-only: the same seed gives the same sample;
        ``None`` draws fresh entropy).
    kind : {"any", "orbit", "blocked", "junk"}
    scale_range : (float, float)
        Range of the hidden-layer scalings ``gamma_j``; layer ``j`` is scaled by
        ``gamma_j / gamma_{j-1}``.
    condition : float
        Bound (>= 1) on the condition number of the non-scalar part of ``G_j``.
    critical_tol : float
        Criticality bound (see :func:`~.quotient.canonicalize`).
    tie_tol : float, optional
        Deprecated (one release): set ``Landscape(..., tie_tol=)``; a value other than
        ``land.tie_tol`` warns and is used through a copy of ``land``
        (:func:`~landscape.problem.rules.problem_with_tie_tol`).

    Returns
    -------
    FiberSample

    Examples
    --------
    >>> from landscape import DataSpectrum, canonicalize
    >>> land = Landscape(DataSpectrum.from_singular_values([3.0, 2.0, 1.0]), widths=(3, 3, 3, 3))
    >>> sample = sample_fiber(land, (1,), seed=0, kind="junk")
    >>> sample.subset, canonicalize(land, sample.weights).subset
    ((1,), (1,))
    """
    land = problem_with_tie_tol(check_landscape(land), tie_tol, "sample_fiber")
    check_choice(kind, "kind", ("any", "orbit", "blocked", "junk"))
    low, high = _check_range(scale_range)
    condition = check_positive(condition, "condition")
    if condition < 1:
        raise ValueError(f"condition must be >= 1, got {condition}")
    critical_tol = check_critical_tol(critical_tol)
    widest = max(land.widths[1:-1], default=0)
    if widest > MAX_FIBER_WIDTH:
        raise ValueError(f"land's hidden widths must be at most MAX_FIBER_WIDTH = "
                         f"{MAX_FIBER_WIDTH} for sample_fiber (a dense GL(d_j) element per "
                         f"hidden layer: {4 * 8 * widest ** 2 / 2 ** 30:.3g} GiB and about "
                         f"{widest ** 3 / 1e10:.3g} s at width {widest}), got widths "
                         f"{land.widths}; hidden widths of min(d_x, d_y) = "
                         f"{min(land.widths[0], land.widths[-1])} or more have the same classes")
    rng = np.random.default_rng(seed)
    spec = land.spectrum
    groups, n_modes = land.tie_groups, land.m
    subset = _random_class(land, n_modes, rng) if subset is None \
        else admissible_subset(land, subset, groups)
    key = canonical_subset(subset, groups)
    if kind == "any":
        kind = ("orbit", "blocked", "junk")[int(rng.integers(3))]
    construction = FiberConstruction(kind)
    weights = aligned_weights(land, subset)
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
    weights = land.from_reduced(weights)
    check_critical(land, weights, critical_tol=critical_tol, name=f"the {kind} sample of {key}")
    read = learnt_modes(land, weights).subset
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
