"""Escape directions at critical points (THEORY §4.2): :mod:`landscape.geometry.escapes`.

Oracles: numpy's ``eigh`` of the analytic Hessian, the loss itself sampled along each
direction and interpolated (its coefficients in ``t`` read off independently of the
library's polynomial), the closed forms of THEORY §4.1-§4.2, central differences of the
conserved ``C_j`` (exact for a quadratic), and gradient flows integrated here.
"""

import functools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import sample_data

from landscape import (DENSE_ESCAPE_LIMIT, CriticalKind, DataSpectrum, Escape, Landscape,
                       NotCriticalError, canonical_representative, canonicalize,
                       escape_directions, gradient_flow, is_top, learnt_modes,
                       relative_gradient_norm, sample_fiber, tie_groups, witness_kind)
from landscape.geometry.escapes import escape_step


# ---------------------------------------------------------------------- problems and oracles
def singular(sigma, widths):
    return Landscape(DataSpectrum.from_singular_values(sigma, d_x=widths[0], d_y=widths[-1]),
                     widths)


def from_data(widths, *, whiten, seed=3):
    X, Y = sample_data(np.random.default_rng(seed), 40, widths[0], widths[-1])
    return Landscape(DataSpectrum.from_data(X, Y, whiten=whiten), widths)


def class_key(land, subset):
    """Within each tie group, the lowest indices (written out here, not the library's)."""
    return tuple(i for g in tie_groups(land.spectrum.sigma)
                 for i in g[:sum(j in subset for j in g)])


def learnable(land, subset):
    """Unlearnt modes with positive sigma that fit through the bottleneck."""
    if len(subset) >= land.bottleneck:
        return []
    return [i for g in tie_groups(land.spectrum.sigma) for i in g if i not in subset]


def moved(weights, direction, t):
    return [w + t * v for w, v in zip(weights, direction)]


def sampled_coefficients(land, weights, direction, span):
    """Coefficients of ``t -> L(x + t v) - L(x)`` (degree ``2h``) from ``2h + 1`` loss values at
    Chebyshev nodes of ``[-span, span]``, and the rounding level of the scaled ones."""
    degree = 2 * land.h
    nodes = np.cos(np.pi * (2 * np.arange(degree + 1) + 1) / (2 * degree + 2))
    base = land.loss(weights)
    values = [land.loss(moved(weights, direction, span * s)) - base for s in nodes]
    scaled = np.linalg.solve(np.vander(nodes, increasing=True), values)
    return scaled / span ** np.arange(degree + 1), 1e-9 * max(1.0, abs(base))


def first_class(land, weights, subset, step_direction, *, t_max=1e6):
    """The class of the first critical point other than ``S`` the flow comes close to (relative
    gradient norm <= 1e-3), read with ``canonicalize``; ``None`` if none."""
    result = gradient_flow(land, moved(weights, step_direction, 1.0), t_max=t_max, rtol=1e-9,
                           record_weights=True)
    for theta in result.trajectory:
        point = land.unflatten(theta)
        if learnt_modes(land, point).subset == tuple(subset):
            continue
        if relative_gradient_norm(land, point) <= 1e-3:
            return canonicalize(land, point, critical_tol=1e-3).subset
    return None


def invariant_derivative(land, weights, direction):
    """``d/dt C_j(x + t v)`` at 0 by central differences, exact for the quadratic ``C_j``."""
    h = 1e-3
    plus = land.invariants(moved(weights, direction, h))
    minus = land.invariants(moved(weights, direction, -h))
    return max((float(np.linalg.norm(p - m)) / (2 * h) for p, m in zip(plus, minus)),
               default=0.0)


# ---------------------------------------------------------------------- the saddles examined
def _fiber_point(land, subset, kind, seed, scale_range):
    for k in range(40):
        sample = sample_fiber(land, subset, seed=seed + 1000 * k, kind=kind,
                              scale_range=scale_range)
        if witness_kind(land, sample.weights) is CriticalKind.NON_STRICT_SADDLE:
            return sample.weights
    raise AssertionError("no non-strict sample drawn")


CASES = {
    # name: (landscape factory, learnt set, point: "canonical" or fiber (kind, seed, scales))
    "h2 S=()": (lambda: singular([3.0, 2.0, 1.0], (3, 3, 3)), (), "canonical"),
    "h2 S=(0,)": (lambda: singular([3.0, 2.0, 1.0], (3, 3, 3)), (0,), "canonical"),
    "h3 ties zero S=()": (lambda: singular([2.0, 2.0, 1.0, 0.0], (4, 4, 4, 4)), (), "canonical"),
    "h3 ties zero S=(0,)": (lambda: singular([2.0, 2.0, 1.0, 0.0], (4, 4, 4, 4)), (0,),
                            "canonical"),
    "h3 ties zero S=(0,1)": (lambda: singular([2.0, 2.0, 1.0, 0.0], (4, 4, 4, 4)), (0, 1),
                             "canonical"),
    "h4 S=()": (lambda: singular([3.0, 2.0, 1.0], (3, 3, 3, 3, 3)), (), "canonical"),
    "h4 S=(0,)": (lambda: singular([3.0, 2.0, 1.0], (3, 3, 3, 3, 3)), (0,), "canonical"),
    "h4 S=(0,1)": (lambda: singular([3.0, 2.0, 1.0], (3, 3, 3, 3, 3)), (0, 1), "canonical"),
    "bottleneck S=()": (lambda: singular([3.0, 2.0, 1.0], (3, 2, 3, 3)), (), "canonical"),
    "bottleneck S=(0,)": (lambda: singular([3.0, 2.0, 1.0], (3, 2, 3, 3)), (0,), "canonical"),
    "whitened S=()": (lambda: from_data((3, 3, 3, 3), whiten=True), (), "canonical"),
    "whitened S=(0,)": (lambda: from_data((3, 3, 3, 3), whiten=True), (0,), "canonical"),
    "whitened S=(0,1)": (lambda: from_data((3, 3, 3, 3), whiten=True), (0, 1), "canonical"),
    "raw S=()": (lambda: from_data((3, 3, 3, 3), whiten=False), (), "canonical"),
    "raw S=(0,)": (lambda: from_data((3, 3, 3, 3), whiten=False), (0,), "canonical"),
    "raw S=(0,1)": (lambda: from_data((3, 3, 3, 3), whiten=False), (0, 1), "canonical"),
    "h3 orbit S=(0,)": (lambda: singular([3.0, 2.0, 1.0], (3, 4, 4, 3)), (0,),
                        ("orbit", 1, (0.1, 10.0))),
    "h4 blocked S=(0,)": (lambda: singular([3.0, 2.0, 1.0], (3, 4, 4, 4, 3)), (0,),
                          ("blocked", 2, (0.3, 3.0))),
    "h4 junk S=() unbalanced": (lambda: singular([3.0, 2.0, 1.0], (3, 4, 4, 4, 3)), (),
                                ("junk", 5, (1e-4, 1e4))),
}


#: Points whose flow mixes the input modes: the data's coordinates (the first layer's metric
#: is Sxx, not the identity, in reduced coordinates) and a dense sub-network reading every
#: input in W_1. Elsewhere the inputs and outputs of a learnt set span invariant subspaces.
MIXING = {"raw S=()", "raw S=(0,)", "raw S=(0,1)", "h4 junk S=() unbalanced"}


@functools.lru_cache(maxsize=None)
def case(name):
    make, subset, point = CASES[name]
    land = make()
    weights = canonical_representative(land, subset) if point == "canonical" \
        else _fiber_point(land, subset, *point)
    return land, weights, subset, escape_directions(land, weights, follow=False)


# ---------------------------------------------------------------------- order-2 escapes
@pytest.mark.parametrize("sigma, widths, subset", [
    ([3.0, 2.0, 1.0], (3, 3, 3), ()),
    ([3.0, 2.0, 1.0], (3, 3, 3), (1,)),
    ([3.0, 2.0, 1.0], (3, 3, 3, 3), (1,)),
    ([3.0, 2.0, 1.0, 0.5], (4, 4, 4, 4, 4), (0, 2)),
])
def test_strict_saddle_escapes_are_the_negative_eigenvectors(sigma, widths, subset):
    land = singular(sigma, widths)
    w = canonical_representative(land, subset)
    hessian = land.hessian(w)
    values, vectors = np.linalg.eigh(hessian)
    negative = values < -1e-8 * np.abs(values).max()
    escapes = [e for e in escape_directions(land, w, follow=False) if e.order == 2]
    assert len(escapes) == np.count_nonzero(negative) > 0
    assert all(e.source == "negative_curvature" for e in escapes)
    stacked = np.array([land.flatten(e.direction) for e in escapes]).T
    # same span as numpy's negative eigenspace, each direction an eigenvector
    np.testing.assert_allclose(stacked @ np.linalg.pinv(stacked),
                               vectors[:, negative] @ vectors[:, negative].T, atol=1e-8)
    for e, v in zip(escapes, stacked.T):
        np.testing.assert_allclose(hessian @ v, e.eigenvalue * v, atol=1e-8)
        assert e.rate == pytest.approx(0.5 * v @ hessian @ v, rel=1e-9) and e.rate < 0
    # THEORY §4.1: each learnt sigma_k below an unlearnt sigma_i gives the eigenvalue
    # sigma_k^{(h-2)/h} (sigma_k - sigma_i) at the canonical point
    s, h = np.asarray(sigma), land.h
    for k in subset:
        for i in range(len(s)):
            if i not in subset and s[i] > s[k]:
                closed = s[k] ** ((h - 2) / h) * (s[k] - s[i])
                assert min(abs(e.eigenvalue - closed) for e in escapes) < 1e-9


def test_order_two_escapes_at_a_raw_unbalanced_strict_saddle_span_a_negative_subspace():
    # Sylvester: the Hessian at the point itself is negative definite on their span, of
    # dimension n_- (numpy's count at the point)
    land = from_data((3, 4, 4, 3), whiten=False)
    w = sample_fiber(land, (1,), seed=4, kind="orbit", scale_range=(0.1, 10.0)).weights
    hessian = land.hessian(w)
    values = np.linalg.eigvalsh(hessian)
    n_negative = int(np.count_nonzero(values < -1e-8 * np.abs(values).max()))
    escapes = [e for e in escape_directions(land, w, follow=False) if e.order == 2]
    stacked = np.array([land.flatten(e.direction) for e in escapes]).T
    assert stacked.shape[1] == n_negative > 0
    assert np.linalg.eigvalsh(stacked.T @ hessian @ stacked).max() < 0
    for e, v in zip(escapes, stacked.T):
        assert e.rate == pytest.approx(0.5 * v @ hessian @ v, rel=1e-8)


# ---------------------------------------------------------------------- orders and rates
@pytest.mark.parametrize("name", list(CASES))
def test_every_escape_decreases_the_loss_at_its_stated_order(name):
    land, w, subset, escapes = case(name)
    assert escapes
    for e in escapes:
        assert np.isclose(sum(np.sum(v * v) for v in e.direction), 1.0)
        span = land.weight_scale
        coefficients, noise = sampled_coefficients(land, w, e.direction, span)
        scaled = coefficients * span ** np.arange(coefficients.size)
        order = next(k for k in range(1, scaled.size) if abs(scaled[k]) > 1e3 * noise)
        assert order == e.order
        assert e.rate == pytest.approx(coefficients[order], rel=1e-6)
        assert e.rate < 0
        # at the stated step the order-k term is at least twice the rest
        drop = land.loss(moved(w, e.direction, e.step)) - land.loss(w)
        assert 0.5 * e.rate * e.step ** e.order >= drop >= 1.5 * e.rate * e.step ** e.order
        for fraction in (0.5, 0.25):
            assert land.loss(moved(w, e.direction, fraction * e.step)) < land.loss(w)


@pytest.mark.parametrize("name", [n for n in CASES if CASES[n][2] == "canonical"
                                  and not n.startswith(("h2", "raw"))])
def test_centre_escapes_at_canonical_points_are_balanced_one_mode_paths(name):
    # THEORY §4.2: from the canonical top S the path of mode i through a free hidden unit,
    # L(x + t v) - L(x) = -sigma_i t^h prod a_j + ..., best at equal a_j: rate -sigma_i h^{-h/2}
    land, w, subset, escapes = case(name)
    h, sigma = land.h, land.spectrum.sigma
    centre = [e for e in escapes if e.source == "centre"]
    assert sorted(e.mode for e in centre) == learnable(land, subset)
    for e in centre:
        assert e.order == h
        assert e.rate == pytest.approx(-sigma[e.mode] * h ** (-h / 2), rel=1e-6)


# ---------------------------------------------------------------------- where the flow goes
@pytest.mark.parametrize("name", list(CASES))
def test_the_flow_from_an_escape_reaches_each_learnable_class(name):
    land, w, subset, escapes = case(name)
    reached = [first_class(land, w, subset, [e.step * v for v in e.direction]) for e in escapes]
    value = land.critical_value(subset)
    assert all(r is not None and land.critical_value(r) < value for r in reached)
    targets = {class_key(land, (*subset, i)) for i in learnable(land, subset)}
    if name in MIXING:
        # no invariant path subspaces: only the top learnable class is reached from a
        # leading-order ray (the others lie on stable manifolds of strict saddles)
        targets = {t for t in targets if is_top(land.spectrum.sigma, t)}
    assert targets and targets <= set(reached)


def test_follow_records_the_class_the_flow_reaches():
    land, w, subset, _ = case("h4 S=(0,)")
    escapes = escape_directions(land, w)
    assert {e.target for e in escapes} == {(0, 1), (0, 2)}
    for e in escapes:
        assert e.target == first_class(land, w, subset, [e.step * v for v in e.direction])


def test_a_strict_saddle_also_escapes_through_its_centre():
    # THEORY §4.2: h = 3, sigma = (3, 2, 1), the mis-ordered canonical S = {sigma = 2} escapes
    # along zero-curvature paths of the other modes to {1, 2} and {2, 3} (1-based)
    land = singular([3.0, 2.0, 1.0], (3, 3, 3, 3))
    escapes = escape_directions(land, canonical_representative(land, (1,)))
    centre = {e.target: e.order for e in escapes if e.source == "centre"}
    assert centre == {(0, 1): 3, (1, 2): 3}
    assert [e.order for e in escapes if e.source == "negative_curvature"] == [2]


# ---------------------------------------------------------------------- the level set
@pytest.mark.parametrize("name", ["h3 orbit S=(0,)", "h4 blocked S=(0,)", "raw S=(0,)",
                                  "h4 junk S=() unbalanced"])
def test_escapes_are_tangent_to_the_conservation_level_set(name):
    land, w, subset, escapes = case(name)
    size = max(float(np.linalg.norm(x)) for x in w) + land.weight_scale
    assert max(float(np.linalg.norm(c)) for c in land.invariants(w)) > 1e-3  # C_j != 0 here
    for e in escapes:
        assert invariant_derivative(land, w, e.direction) <= 1e-8 * size
    random = land.unflatten(np.random.default_rng(0).standard_normal(land.n_params))
    random = [v / np.linalg.norm(land.flatten(random)) for v in random]
    assert invariant_derivative(land, w, random) > 1e-2 * size  # the check can fail


# ---------------------------------------------------------------------- minima, errors
@pytest.mark.parametrize("sigma, widths, subset", [
    ([3.0, 2.0, 1.0], (3, 3, 3), (0, 1, 2)),
    ([3.0, 2.0, 1.0], (3, 3, 3, 3), (0, 1, 2)),
    ([3.0, 2.0, 1.0], (3, 2, 3, 3), (0, 1)),  # bottleneck: mode 2 stays unlearnt
    ([2.0, 2.0, 1.0, 0.0], (4, 3, 3, 4), (0, 1, 2)),
])
def test_a_global_minimum_has_no_escape(sigma, widths, subset):
    land = singular(sigma, widths)
    assert escape_directions(land, canonical_representative(land, subset)) == []
    other = sample_fiber(land, subset, seed=0, kind="orbit", scale_range=(0.1, 10.0)).weights
    assert escape_directions(land, other) == []


def test_a_non_critical_point_raises():
    land = singular([3.0, 2.0, 1.0], (3, 3, 3, 3))
    with pytest.raises(NotCriticalError, match="weights must be a critical point") as info:
        escape_directions(land, land.random_weights(seed=0))
    assert info.value.gradient_norm > 1e-2


@pytest.mark.parametrize("kwargs, error, match", [
    ({"zero_tol": 0.0}, ValueError, "zero_tol"),
    ({"n_starts": 0}, ValueError, "n_starts"),
    ({"radius": -1.0}, ValueError, "radius"),
    ({"seed": -1}, ValueError, "seed"),
    ({"seed": 1.5}, TypeError, "seed"),
    ({"seed": "7"}, TypeError, "seed must be an integer, a numpy Generator or None"),
    ({"t_max": 0.0}, ValueError, "t_max"),
    ({"visit_tol": float("nan")}, ValueError, "visit_tol"),
    ({"tie_tol": -1.0}, ValueError, "tie_tol"),
    ({"critical_tol": -1.0}, ValueError, "critical_tol"),
    ({"follow": "yes"}, TypeError, "follow must be a bool"),
])
def test_bad_arguments_raise_naming_the_argument(kwargs, error, match):
    land = singular([3.0, 2.0, 1.0], (3, 3, 3, 3))
    with pytest.raises(error, match=match):
        escape_directions(land, canonical_representative(land, ()), **kwargs)


def test_bad_land_and_weights_raise():
    land = singular([3.0, 2.0, 1.0], (3, 3, 3, 3))
    with pytest.raises(TypeError, match="land must be a Landscape"):
        escape_directions("land", canonical_representative(land, ()))
    with pytest.raises(ValueError, match="weights"):
        escape_directions(land, [np.zeros((3, 3))] * 2)
    big = singular([1.0], (1, 60, 60, 1))
    assert big.n_params > DENSE_ESCAPE_LIMIT
    with pytest.raises(ValueError, match="DENSE_ESCAPE_LIMIT"):
        escape_directions(big, [np.zeros(s) for s in big.shapes])


# ---------------------------------------------------------------------- reproducibility
def test_same_seed_same_escapes():
    land, w, _, _ = case("h3 ties zero S=(0,)")
    first = escape_directions(land, w, seed=7, follow=False)
    again = escape_directions(land, w, seed=7, follow=False)
    other = escape_directions(land, w, seed=8, follow=False)
    assert len(first) == len(again) == len(other)
    for a, b, c in zip(first, again, other):
        assert (a.order, a.rate, a.mode, a.step) == (b.order, b.rate, b.mode, b.step)
        assert all(np.array_equal(x, y) for x, y in zip(a.direction, b.direction))
        assert (a.order, a.mode) == (c.order, c.mode)
        assert a.rate == pytest.approx(c.rate, rel=1e-6)
    generator = escape_directions(land, w, seed=np.random.default_rng(7), follow=False)
    assert [(e.order, e.rate, e.mode) for e in generator] == \
        [(e.order, e.rate, e.mode) for e in first]
    assert isinstance(first[0], Escape)
    assert repr(first[0]).startswith("Escape(order=3, rate=-0.3849")


def _orthogonal(seed, size):
    q, r = np.linalg.qr(np.random.default_rng(seed).standard_normal((size, size)))
    return q * np.sign(np.diag(r))


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 2 ** 31 - 1))
def test_orders_and_rates_are_invariant_under_hidden_rotations(seed):
    # W_j -> Q_j W_j Q_{j-1}^T with orthogonal hidden Q_j: the flow is equivariant, the
    # escapes rotate with the point
    land = singular([3.0, 2.0, 1.0], (3, 3, 3, 3))
    w = canonical_representative(land, (1,))
    q = [np.eye(3), _orthogonal(seed, 3), _orthogonal(seed + 1, 3), np.eye(3)]
    rotated = [q[j + 1] @ w[j] @ q[j].T for j in range(land.h)]
    base = escape_directions(land, w, follow=False)
    turned = escape_directions(land, rotated, follow=False)
    assert [(e.order, e.source, e.mode) for e in turned] == \
        [(e.order, e.source, e.mode) for e in base]
    np.testing.assert_allclose([e.rate for e in turned], [e.rate for e in base], rtol=1e-6)


def test_escape_step_keeps_the_leading_term_dominant():
    # c_3 = -1, c_6 = 1: at eps = 1 the rest equals the lead; halving once makes it an eighth
    coefficients = np.array([0.0, 0.0, 0.0, -1.0, 0.0, 0.0, 1.0])
    assert escape_step(coefficients, 3, 1.0) == 0.5
    assert escape_step(coefficients, 3, 0.25) == 0.25
