"""Probes of the saddle graph: exact steps along block escapes, and random combinations.

**One-hop probes** (docs/theory.md §5, what is a property of the problem). In each invariant block
(:mod:`landscape.connections.blocks`) the escape directions of the block's point are found
numerically by :func:`landscape.escape_directions` (negative Hessian eigenvectors and centre
escapes; the witness test answers first where the point is the block's minimum and nothing
escapes). Along each direction ``v`` and each sign ``s`` with ``c_k s^k < 0`` the probe
starts at ``x + eps s v``, ``eps`` the step at which the order-``k`` term of the exact loss
polynomial dominates (:func:`landscape.geometry.escapes.escape_step`), and is integrated
until it *converges*: the block's flow stays in the block, so the limit is a critical point
and its class, read from the learnt modes, is the probe's target. No jitter: the same
problem and options give the same targets on every machine.

**Random probes** (what is chance). From a class ``S``, a random probe picks two distinct
signed one-hop escapes of ``S`` uniformly and coefficients ``a_1, a_2 ~ U(1/4, 1)``, starts
at ``x + eps (a_1 v_1 + a_2 v_2) / ||a_1 v_1 + a_2 v_2||`` (``eps`` the smaller step) in the
smallest block holding both, and is integrated until it *first arrives* at a class: the
gradient norm falls below ``grad_tol sigma_1^{(2h-1)/h}`` at a point whose loss is within
``value_tol * 1/2 sum sigma_i^2`` of the critical value of the class read there. One hop
per integration; the class reached has probes of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._base.products import chain_product
from ..geometry import escape_directions, witness_kind
from ..flow.integration import FlowStatus, solve_bounded
from ..geometry.escapes import escape_step
from ..problem.criticality import CriticalKind
from ..problem.learnt import learnt_modes
from ..problem.network import Landscape
from ..problem.ties import canonical_subset
from .blocks import InvariantBlock, combine_blocks, spare_units
from .labels import subset_label

__all__ = ["BlockEscape", "block_escapes", "converge_in_block", "first_arrival",
           "exact_probe", "one_hop_record", "probe_start", "random_plan", "random_probe"]

#: Convergence of a one-hop probe: block loss within this (relative to the full problem's
#: ``1/2 sum sigma_i^2``) of the block's minimum value.
CONVERGED_LOSS_TOL = 1e-12
#: Bound on the evaluations of one probe's integration (none runs unbounded).
MAX_PROBE_EVALUATIONS = 1_000_000
#: Relative tolerance of the exact probes: they are few (one block serves every class it
#: fits), so they are integrated tightly whatever the random probes use.
EXACT_PROBE_RTOL = 1e-10
#: A random probe whose integration fails numerically is tried again this many times ...
PROBE_RETRIES = 2
#: ... from its start moved by this fraction of its step along a fixed random direction.
PERTURBATION = 1e-3


@dataclass(frozen=True, eq=False)
class BlockEscape:
    """A signed escape direction of an invariant block, and where its exact probe converged.

    Attributes
    ----------
    block : InvariantBlock
    order : int
        ``k``: the order of the lowest non-vanishing term of the loss along the direction.
    direction : ndarray
        Unit vector in the block's flat coordinates.
    step : float
        ``eps``: the probe starts at the block's point plus ``eps * direction``.
    target : tuple of int or None
        The block's learnt set at the limit (indices into ``block.modes``), ``None`` when the
        probe did not converge within ``t_max``.
    t_final : float
        Time at which it converged (or stopped).
    """

    block: InvariantBlock
    order: int
    direction: np.ndarray
    step: float
    target: tuple[int, ...] | None
    t_final: float

    @property
    def label(self) -> str:
        """``"learn 3"`` / ``"swap 2 for 1"``: what the escape does in data modes."""
        gained = [i for i in self.block.modes if i not in self.block.learnt]
        if not self.block.learnt:
            return "learn " + ",".join(map(str, gained))
        return f"swap {','.join(map(str, self.block.learnt))} for {','.join(map(str, gained))}"


def converge_in_block(block: Landscape, theta0, *, land: Landscape, t_max: float,
                      rtol: float) -> tuple[np.ndarray, float, bool]:
    """Integrate the block's flow until its loss is within ``CONVERGED_LOSS_TOL`` of the
    block's minimum value; ``(final flat weights, time, converged)``."""
    threshold = block.minimum_value() + CONVERGED_LOSS_TOL * land.loss_scale
    ts, ys, status, _, _ = solve_bounded(
        lambda y: -block.flat_gradient(y), np.asarray(theta0, dtype=float), t_max,
        method="LSODA", rtol=rtol, atol=1e-3 * rtol * land.weight_scale, times=None,
        converged=lambda y: block.loss_of_product(chain_product(block.split_flat(y)))
        - threshold, jac=lambda y: -block.hessian(block.split_flat(y)),
        max_steps=MAX_PROBE_EVALUATIONS, goal="converged in its block")
    return ys[-1], float(ts[-1]), status is FlowStatus.CONVERGED


def block_escapes(land: Landscape, inner: InvariantBlock, *, radius: float, seed: int,
                  t_max: float) -> list[BlockEscape]:
    """The signed escapes of the block's point and the class each exact probe converges to.

    Parameters
    ----------
    land : Landscape
        The full problem (its ``sigma``, ``tie_tol``, weight and loss scales).
    inner : InvariantBlock
    radius : float
        Step cap in units of ``sigma_1^{1/h}``.
    seed : int
        Seed of the centre search of :func:`landscape.escape_directions`.
    t_max : float
        Time limit of each integration (relative tolerance :data:`EXACT_PROBE_RTOL`).
    """
    block = inner.landscape(land.spectrum.sigma, tie_tol=land.tie_tol)
    x = inner.start(block)
    if witness_kind(block, x) is CriticalKind.GLOBAL_MINIMUM:
        return []
    theta = block.flatten(x)
    out = []
    for escape in escape_directions(block, x, follow=False, seed=seed):
        unit = block.flatten(escape.direction)
        unit = unit / np.linalg.norm(unit)
        for sign in (1, -1) if escape.order % 2 == 0 else (1,):
            direction = sign * unit
            coefficients = block.loss_polynomial(x, block.unflatten(direction))
            step = escape_step(coefficients, escape.order, radius * land.weight_scale)
            target, t_final = exact_probe(land, block, theta + step * direction, t_max=t_max)
            out.append(BlockEscape(inner, int(escape.order), direction, float(step), target,
                                   t_final))
    return out


def exact_probe(land: Landscape, block: Landscape, theta0, *,
                t_max: float) -> tuple[tuple[int, ...] | None, float]:
    """The block's learnt set (indices into its modes) at the limit of the exact probe from
    ``theta0``, or ``None`` when it does not converge within ``t_max``; and the time taken.
    The block keeps the problem's zero and tie threshold (:meth:`InvariantBlock.landscape`)."""
    final, t_final, converged = converge_in_block(block, theta0, land=land, t_max=t_max,
                                                  rtol=EXACT_PROBE_RTOL)
    if not converged:
        return None, t_final
    return learnt_modes(block, block.split_flat(final)).subset, t_final


def _flow_until(block: Landscape, theta0, t_max: float, *, rtol: float, atol: float,
                stop) -> tuple[float, np.ndarray, bool]:
    """Step the block's flow (LSODA with the exact Hessian as Jacobian) until ``stop(y)`` holds
    at the end of a step; ``(time, state, whether the integration stayed sound)``.

    The predicate is read at the integrator's own states, never on its interpolant: no root of
    an event function is bracketed, so a predicate that is not continuous (a class read off
    the weights) or whose sign the interpolant misjudges cannot fail. A step that fails, a
    non-finite state or more than :data:`MAX_PROBE_EVALUATIONS` evaluations end the run
    unsound; ``t_max`` reached ends it sound.
    """
    from scipy import integrate  # imported where used: ``import landscape`` stays light

    solver = integrate.LSODA(lambda _t, y: -block.flat_gradient(y), 0.0,
                             np.asarray(theta0, dtype=float), t_max, rtol=rtol, atol=atol,
                             jac=lambda _t, y: -block.hessian(block.split_flat(y)))
    while solver.status == "running":
        if solver.nfev > MAX_PROBE_EVALUATIONS:
            return float(solver.t), solver.y, False
        solver.step()
        if solver.status == "failed" or not np.all(np.isfinite(solver.y)):
            return float(solver.t), solver.y, False
        if stop(solver.y):
            return float(solver.t), solver.y, True
    return float(solver.t), solver.y, True


def first_arrival(land: Landscape, reduced: Landscape, inner: InvariantBlock, theta0, subset,
                  groups, *, grad_tol: float, value_tol: float, t_max: float,
                  rtol: float) -> tuple[tuple[int, ...] | None, float, bool]:
    """Integrate a random probe in its block until it first arrives at a class other than
    ``subset``; ``(class key or None, time, sound)``.

    Arrival, read at the end of each integration step: the full gradient norm (the block's)
    is at most ``grad_tol * sigma_1^{(2h-1)/h}`` at a point whose loss is within
    ``value_tol * 1/2 sum sigma_i^2`` of the critical value of the class read there
    (:func:`landscape.learnt_modes` of the embedded weights), and that class is not
    ``subset``. ``None`` when no step arrives before ``t_max``; ``sound`` is False when the
    integration failed numerically (:func:`_flow_until`), never an exception.
    """
    block = inner.landscape(land.spectrum.sigma, tie_tol=land.tie_tol)
    threshold = grad_tol * land.gradient_scale
    arrival = {}

    def arrived(y) -> bool:
        if float(np.linalg.norm(block.flat_gradient(y))) > threshold:
            return False
        full = inner.embed(reduced, subset, block.split_flat(y))
        key = canonical_subset(learnt_modes(reduced, full).subset, groups)
        if key == tuple(subset) or abs(reduced.loss(full) - reduced.critical_value(key)) \
                > value_tol * land.loss_scale:
            return False
        arrival["key"] = key
        return True

    try:
        t, _, sound = _flow_until(block, theta0, t_max, rtol=rtol,
                                  atol=1e-3 * rtol * land.weight_scale, stop=arrived)
    except (ArithmeticError, np.linalg.LinAlgError, ValueError):
        return None, 0.0, False
    return arrival.get("key"), t, sound


def probe_start(land: Landscape, subset, escapes,
                coefficients) -> tuple[InvariantBlock, np.ndarray]:
    """The block and its flat start of the probe from ``subset`` along ``sum_i a_i v_i``."""
    spare = spare_units(land, subset)
    combined = combine_blocks([e.block for e in escapes], spare)
    block = combined.landscape(land.spectrum.sigma, tie_tol=land.tie_tol)
    vector, offset = np.zeros(block.n_params), 0
    for escape, a in zip(escapes, coefficients):
        inner = escape.block.landscape(land.spectrum.sigma, tie_tol=land.tie_tol)
        vector += a * block.flatten(combined.place(escape.block, inner.unflatten(escape.direction),
                                                   offset))
        offset += escape.block.n_idle
    vector /= np.linalg.norm(vector)
    step = min(e.step for e in escapes)
    return combined, block.flatten(combined.start(block)) + step * vector


def _perturbed(theta: np.ndarray, size: float, attempt: int, coefficients) -> np.ndarray:
    """``theta`` moved by ``size`` along a unit direction drawn from the attempt number and the
    probe's coefficients (the same on every machine)."""
    words = np.frombuffer(np.asarray(coefficients, dtype="<f8").tobytes(), dtype="<u4")
    noise = np.random.default_rng([attempt, *words.tolist()]).standard_normal(theta.size)
    return theta + size * noise / np.linalg.norm(noise)


def random_probe(land: Landscape, reduced: Landscape, subset, escapes, coefficients, groups, *,
                 options) -> tuple[tuple[int, ...] | None, int]:
    """The class a random probe from ``subset`` along ``sum_i a_i v_i`` first arrives at
    (:func:`probe_start`, :func:`first_arrival` with the run's ``GraphOptions``), or None; and
    how many of its integrations failed numerically. A failed integration is retried, at most
    :data:`PROBE_RETRIES` times, from the start moved by ``PERTURBATION`` times its step
    (:func:`_perturbed`); a probe whose every attempt fails arrives nowhere."""
    combined, theta = probe_start(land, subset, escapes, coefficients)
    size = PERTURBATION * min(e.step for e in escapes)
    for attempt in range(PROBE_RETRIES + 1):
        start = theta if attempt == 0 else _perturbed(theta, size, attempt, coefficients)
        key, _, sound = first_arrival(land, reduced, combined, start, subset, groups,
                                      grad_tol=options.grad_tol, value_tol=options.value_tol,
                                      t_max=options.t_max, rtol=options.rtol)
        if sound:
            return key, attempt
    return None, PROBE_RETRIES + 1


def one_hop_record(subset, fitting, groups) -> dict:
    """One-hop edges (target label -> index of the certifying escape), uncertified count and
    escape orders of the class ``subset``, from the escapes ``(index, BlockEscape)`` that fit
    it: each exact probe's block target, read as a class of the full network."""
    one_hop = {}
    for index, escape in fitting:
        if escape.target is None:
            continue
        key = canonical_subset(escape.block.global_subset(escape.target, subset), groups)
        if key != tuple(subset):
            one_hop.setdefault(subset_label(key), index)
    return {"one_hop": [[k, i] for k, i in one_hop.items()],
            "uncertified": sum(e.target is None for _, e in fitting),
            "escape_orders": sorted({e.order for _, e in fitting})}


def random_plan(subset, fitting, count: int, seed: int) -> list:
    """The random probes of the class ``subset``: ``(escape indices, escapes, coefficients)``
    for each of ``count`` probes, none where fewer than two of its fitting escapes
    ``(index, BlockEscape)`` have a target. Each picks two distinct such escapes (ascending)
    and coefficients ``U(1/4, 1)``, drawn from ``SeedSequence(seed, spawn_key=(|S|, *S))`` --
    the same on every executor and machine, for the run and for its checkpoint's check."""
    usable = [(i, e) for i, e in fitting if e.target is not None]
    if len(usable) < 2:
        return []
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(len(subset), *subset)))
    plan = []
    for _ in range(count):
        picks = sorted(rng.choice(len(usable), size=2, replace=False).tolist())
        plan.append(([usable[p][0] for p in picks], [usable[p][1] for p in picks],
                     rng.uniform(0.25, 1.0, size=2).tolist()))
    return plan
