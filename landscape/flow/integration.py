"""Gradient flow ``dW/dt = -grad L(W)`` and gradient descent, from any start.

Along the flow the loss decreases at rate ``||grad L||^2``, the block-shift pattern and
nilpotency of the adjacency matrix are preserved, and the hidden blocks
``C_j = W_{j+1}^T W_{j+1} - W_j W_j^T`` of ``A^T A - A A^T`` are conserved (Wendin & Altafini,
SIAM Review 2025; Arora, Cohen & Hazan 2018). Trajectories converge to critical points (Bah,
Rauhut, Terstiege & Westdickenberg, Inf. Inference 2021).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._base.products import chain_product, symmetrized_norm
from .._base.scaling import power_of_two
from .._base.validation import check_choice, check_int, check_positive
from ..problem.network import Landscape, check_landscape
from .flow_progress import FlowProgress
from .memory import check_flow_memory
from .results import FlowStatus, recorded_weights
from .units import RESOLVABLE_TIME, time_unit, weight_unit
__all__ = ["FLOW_METHODS", "FlowError", "FlowStatus", "FlowResult", "gradient_flow"]

#: ``solve_ivp`` methods accepted by :func:`gradient_flow`, plus ``"gd"`` and ``"auto"``.
FLOW_METHODS = ("auto", "LSODA", "BDF", "Radau", "DOP853", "RK45", "RK23", "gd")
#: The implicit methods, which get the exact Jacobian.
IMPLICIT_METHODS = ("LSODA", "BDF", "Radau")
LOG_FLOAT_MAX = np.log(np.finfo(float).max)
#: Largest parameter count for which ``method="auto"`` uses LSODA with the dense exact Jacobian.
AUTO_DENSE_JACOBIAN_MAX_PARAMS = 2000


@dataclass(frozen=True, eq=False)
class FlowResult:
    """A recorded trajectory of the gradient flow (or of gradient descent).

    Attributes
    ----------
    t : ndarray (T,)
        Recorded times (``k * step`` for gradient descent).
    loss : ndarray (T,)
        Loss at those times.
    singular_values : ndarray (T, min(d_x, d_y))
        Singular values of the end-to-end map in reduced coordinates (they approach the
        data's ``sigma_i`` as modes are learnt).
    gradient_norm : ndarray (T,)
        ``||grad L||_F`` at those times.
    invariant_drift : ndarray (T,)
        ``max_j ||C_j(t) - C_j(0)||_F / (sum_j ||W_j(0)||_F^2 + ||W_j(t)||_F^2)``: zero for the
        exact flow, an accuracy check on the integration.
    weights : list of ndarray
        The final weights.
    status : FlowStatus
    message : str
    coordinates : str
        ``"reduced"`` or ``"data"``: where the flow ran (docs/theory.md §1: the two flows agree only
        when ``Sxx`` is proportional to the identity).
    method : str
    n_evaluations : int
        Gradient evaluations (for gradient descent: iterations).
    trajectory : ndarray (T, P) or None
        Flat weights at the recorded times, when ``record_weights=True``.
    """

    t: np.ndarray
    loss: np.ndarray
    singular_values: np.ndarray
    gradient_norm: np.ndarray
    invariant_drift: np.ndarray
    weights: list
    status: FlowStatus
    message: str
    coordinates: str
    method: str
    n_evaluations: int
    trajectory: np.ndarray | None = None

    @property
    def success(self) -> bool:
        """True when the flow converged to a global minimum."""
        return self.status is FlowStatus.CONVERGED

    def weights_at(self, index: int = -1) -> list[np.ndarray]:
        """``W_1..W_h`` at record ``index`` (:class:`~.results.FlowRecords`); any record but
        the last (``-1``) needs ``record_weights=True``."""
        return recorded_weights(self.weights, self.trajectory, index)

    def __repr__(self) -> str:
        return (f"FlowResult(status={self.status.value!r}, t_final={self.t[-1]:.6g}, "
                f"loss_final={self.loss[-1]:.10g}, n_records={self.t.size}, "
                f"n_evaluations={self.n_evaluations}, method={self.method!r}, "
                f"coordinates={self.coordinates!r}, max_drift={self.invariant_drift.max():.2e})")


class FlowError(RuntimeError):
    """Raised by :func:`gradient_flow` with ``throw=True`` when the flow did not converge."""


def check_record(record, t_max: float) -> np.ndarray | None:
    """``None`` for ``record="steps"``, else the record times: increasing, in ``[0, t_max]``."""
    if isinstance(record, str) and record == "steps":
        return None
    times = None if isinstance(record, str) else np.asarray(record, dtype=float)
    if times is None or times.ndim != 1 or times.size == 0 or np.any(np.diff(times) <= 0) \
            or times[0] < 0 or times[-1] > t_max:
        raise ValueError(f"record must be 'steps' or increasing times in [0, t_max], "
                         f"got {record!r}")
    return times


def check_resolvable(land: Landscape, value: float, name: str = "t_max",
                     what: str = "flow") -> None:
    """Refuse a time ``value`` (``name``: a ``what``) below :data:`RESOLVABLE_TIME` time units."""
    if value < RESOLVABLE_TIME * time_unit(land):
        raise ValueError(f"{name} must be at least {RESOLVABLE_TIME:g} of the problem's time unit "
                         f"1/(sigma_1^(2-2/h) ||Sxx||^(1/h)) = {time_unit(land):.3g} (a shorter "
                         f"{what} does not move the weights), got {value:.3g}")


def gradient_flow(land: Landscape, weights0, *, t_max: float = 1e6, method: str = "auto",
                  rtol: float = 1e-10, atol: float | None = None, loss_tol: float = 1e-14,
                  step: float | None = None, record="steps", record_weights: bool = False,
                  max_steps: int = 1_000_000, throw: bool = False,
                  progress: bool | None = False) -> FlowResult:
    """Integrate ``dW/dt = -grad L(W)`` from ``weights0``.

    Parameters
    ----------
    land : Landscape
    weights0 : sequence of ndarray
        Start ``W_1..W_h`` in the problem's coordinates.
    t_max : float
        Stop at this time if not converged.
    method : str
        A :func:`scipy.integrate.solve_ivp` method, ``"gd"`` for gradient descent
        ``W <- W - step * grad L`` with time ``k * step``, or ``"auto"`` (default): ``"LSODA"``
        with the exact Jacobian ``-Hessian`` up to ``AUTO_DENSE_JACOBIAN_MAX_PARAMS``
        parameters where its blocks (products of ``2(h - 1)`` weights) fit in double
        precision, ``"DOP853"`` otherwise. The flow is stiff on saddle plateaus (learnt modes
        have curvature ``~ h sigma^{2(h-1)/h}`` while the escaping mode moves slowly), so an
        explicit method crawls there; the implicit methods (``"LSODA"``, ``"BDF"``,
        ``"Radau"``) get the analytic Hessian as Jacobian and take long steps.
    rtol, atol : float
        Integration tolerances; ``atol`` defaults to ``1e-3 * rtol`` times the weight unit
        ``(sigma_1 / ||Sxx||^{1/2})^{1/h}`` (:func:`~landscape.flow.units.weight_unit`).
    loss_tol : float
        Converged when ``L - L_min <= loss_tol * 1/2 sum sigma_i^2`` (``L_min`` the global minimum
        value). A small gradient alone is not convergence: the flow also slows on saddle
        plateaus. Near a minimum ``||grad L||^2 <= 2 lambda_max (L - L_min)``, so the
        default leaves a relative gradient norm well below
        :data:`landscape.CRITICAL_TOL`: the end point passes
        :func:`landscape.canonicalize` as it is.
    step : float
        Step size ``eta`` for ``method="gd"`` (required there).
    record : "steps" or array_like
        Record at every accepted step (default) or at the given increasing times.
    record_weights : bool
        Keep the flat weights at every recorded time in ``trajectory``.
    max_steps : int
        Bound on gradient-descent iterations and on the integrators' evaluations of the
        gradient; a flow that uses them up before ``t_max`` stops with status ``failed`` and
        says so: no integration runs unbounded.
    throw : bool
        Raise :class:`FlowError` instead of returning a non-converged status.
    progress : bool or None
        Show the flow time reached of ``t_max`` and the loss: ``True`` a bar, ``None`` a bar
        on a terminal and a line on standard error every 10 s elsewhere, ``False`` nothing.

    Returns
    -------
    FlowResult

    Examples
    --------
    >>> import numpy as np
    >>> from landscape import DataSpectrum, Landscape
    >>> land = Landscape(DataSpectrum.from_singular_values([2.0]), widths=(1, 1, 1))
    >>> res = gradient_flow(land, [np.array([[0.1]]), np.array([[0.1]])], t_max=100.0)
    >>> res.status.value, round(float(res.loss[-1]), 8)
    ('converged', 0.0)
    """
    check_landscape(land)
    weights0 = land.check(weights0, "weights0")
    t_max = check_positive(t_max, "t_max")
    check_choice(method, "method", FLOW_METHODS)
    rtol = check_positive(rtol, "rtol")
    atol = 1e-3 * rtol * weight_unit(land) if atol is None else check_positive(atol, "atol")
    loss_tol = check_positive(loss_tol, "loss_tol")
    max_steps = check_int(max_steps, "max_steps", minimum=1)
    if method == "auto":  # the Hessian's blocks hold products of 2(h - 1) weights
        representable = (2 * land.h - 2) * np.log(weight_unit(land)) < LOG_FLOAT_MAX
        method = "LSODA" if land.n_params <= AUTO_DENSE_JACOBIAN_MAX_PARAMS \
            and representable else "DOP853"
    if method == "gd":
        if step is None:
            raise ValueError("step must be given (a positive float) for method='gd', got None")
        step = check_positive(step, "step")
    times = check_record(record, t_max)
    check_resolvable(land, t_max)
    if method == "gd":
        check_resolvable(land, step, "step", "step")
    check_flow_memory(land, method, None if times is None else times.size,
                      implicit=method in IMPLICIT_METHODS)  # before the first step
    threshold = land.minimum_value() + loss_tol * land.loss_scale
    theta0 = land.flatten(weights0)
    _check_finite_start(land, theta0)
    with FlowProgress(t_max, threshold, progress) as watch:
        if method == "gd":
            ts, thetas, status, message, n_steps = _descend(
                land, theta0, t_max, step, threshold, times, max_steps, watch)
        else:
            ts, thetas, status, message, n_steps = _integrate(
                land, theta0, t_max, method, rtol, atol, threshold, times, max_steps, watch)
    result = _record(land, weights0, ts, thetas, status, message, method, n_steps,
                     record_weights)
    if throw and status is not FlowStatus.CONVERGED:
        raise FlowError(f"gradient flow did not converge: {message}")
    return result


def _check_finite_start(land: Landscape, theta0: np.ndarray) -> None:
    """Refuse a start whose loss or gradient overflows double precision (the flow cannot
    take one step from it), naming its norm in weight units."""
    with np.errstate(over="ignore", invalid="ignore"):
        grads, product = land.unchecked_gradient(land.split_flat(theta0))
        loss = land.loss_of_product(product)
    if np.isfinite(loss) and all(np.all(np.isfinite(g)) for g in grads):
        return
    norm = _frobenius([theta0]) / weight_unit(land)
    raise ValueError(f"weights0 must have a loss and a gradient finite in double precision, "
                     f"got weights of norm {norm:.3g} weight units, where the "
                     f"{'loss' if not np.isfinite(loss) else 'gradient'} overflows: start "
                     f"nearer the origin (a smaller scale)")


class _EvaluationBound(Exception):
    """Raised inside the right-hand side when an integration used up its evaluations."""


#: Overflowing field evaluations that stop a run (a few are trial steps, rejected).
MAX_OVERFLOWS = 20


class _NonFinite(Exception):
    """Raised inside the right-hand side when the field is not finite at a state."""


def solve_bounded(field, y0, t_max: float, *, method: str, rtol: float, atol: float,
                  times, converged, jac=None, max_steps: int, goal: str, watch=lambda t, g: g,
                  units: tuple[float, float] = (1.0, 1.0)):
    """``solve_ivp`` of ``dy/dt = field(y)`` until ``converged(y) <= 0``, at most ``max_steps``
    evaluations of ``field``; ``(times, states, status, message, evaluations)``.

    Shared by the weight-space and the end-to-end flows: the start is recorded at ``t = 0``,
    the converged point at its event time, and a run out of evaluations ends with status
    ``failed`` at the last state it reached, saying so. ``goal`` completes the message of a
    converged run ("loss within loss_tol of the minimum ..."); ``watch(t, converged(y))``
    sees each accepted step (:class:`~landscape.flow.flow_progress.FlowProgress`).

    The integrator sees ``z(s) = y(s T) / S`` for ``units = (T, S)``, the time and state units
    (:mod:`landscape.flow.units`) rounded to powers of two, so that scaling is exact:
    ``dz/ds = (T / S) field(S z)`` with Jacobian ``T jac(S z)``. Its step-size heuristics then
    work with numbers near 1 whatever the scale of the data (the squared norms of
    ``dy/dt / atol`` overflow otherwise once ``X`` is scaled by ``1e150``).
    """
    unit_t, unit_y = (power_of_two(u) for u in units)
    rate = unit_t / unit_y
    last = {"s": 0.0, "z": y0 / unit_y, "count": 0, "overflows": 0}

    def rhs(s, z):
        last["count"] += 1
        if last["count"] > max_steps:
            raise _EvaluationBound
        with np.errstate(over="ignore", invalid="ignore"):
            value = rate * field(unit_y * z)
        if np.all(np.isfinite(value)):
            last["s"], last["z"] = s, z
        else:  # a trial state too far: the step is rejected, unless it keeps happening
            last["overflows"] += 1
            if last["overflows"] > MAX_OVERFLOWS:
                raise _NonFinite
        return value

    def event(s, z):
        return watch(s * unit_t, converged(unit_y * z))

    event.terminal = True
    event.direction = -1
    if converged(y0) <= 0:
        return np.array([0.0]), y0[None, :], FlowStatus.CONVERGED, f"started {goal}", 0
    def scaled_jac(_s, z):
        with np.errstate(over="ignore", invalid="ignore"):
            value = unit_t * jac(unit_y * z)
        if not np.all(np.isfinite(value)):
            raise _NonFinite
        return value

    from scipy import integrate  # imported where used: ``import landscape`` stays light
    options = {} if jac is None else {"jac": scaled_jac}
    try:  # an overflowing trial state is the step control's to reject (counted in rhs)
        with np.errstate(over="ignore", invalid="ignore"):
            sol = integrate.solve_ivp(rhs, (0.0, t_max / unit_t), y0 / unit_y, method=method,
                                      rtol=rtol, atol=atol / unit_y,
                                      t_eval=None if times is None else times / unit_t,
                                      events=event, **options)
    except (_EvaluationBound, _NonFinite) as exc:
        t_last = float(last["s"]) * unit_t
        if isinstance(exc, _NonFinite):
            message = (f"stopped at t = {t_last:.6g}: the field is not finite in double "
                       f"precision at {MAX_OVERFLOWS} states the integrator tried "
                       f"(overflow); the last finite state is kept: start nearer the origin")
        else:
            message = (f"stopped after max_steps = {max_steps} evaluations at t = "
                       f"{t_last:.6g} of t_max = {t_max:.6g}: raise max_steps, or check the "
                       f"scale of the data")
        if t_last == 0:
            return np.array([0.0]), y0[None, :], FlowStatus.FAILED, message, max_steps
        return np.array([0.0, t_last]), np.vstack([y0, unit_y * last["z"]]), \
            FlowStatus.FAILED, message, max_steps
    # with t_eval, solve_ivp returns empty lists when it stops before the first requested time
    ts = np.asarray(sol.t, dtype=float) * unit_t
    ys = np.asarray(sol.y, dtype=float).reshape(y0.size, ts.size).T * unit_y
    if sol.status == 1:
        ts = np.append(ts, sol.t_events[0][0] * unit_t)
        ys = np.vstack([ys, sol.y_events[0][0] * unit_y])
        status, message = FlowStatus.CONVERGED, f"{goal} at t = {ts[-1]:.6g}"
    elif sol.status == 0:
        status, message = FlowStatus.T_MAX, f"t_max = {t_max:.6g} reached before convergence"
    else:
        status, message = FlowStatus.FAILED, f"integration failed: {sol.message}"
    if ts.size == 0 or ts[0] > 0:
        ts = np.concatenate([[0.0], ts])
        ys = np.vstack([y0, ys])
    return ts, ys, status, message, int(sol.nfev)


def _integrate(land, theta0, t_max, method, rtol, atol, threshold, times, max_steps, watch):
    jac = None
    if method in IMPLICIT_METHODS:
        def jac(y):
            return -land.hessian(land.split_flat(y))

    return solve_bounded(
        lambda y: -land.flat_gradient(y), theta0, t_max, method=method, rtol=rtol, atol=atol,
        times=times, jac=jac, max_steps=max_steps, goal="loss within loss_tol of the minimum",
        units=(time_unit(land), weight_unit(land)), watch=watch,
        converged=lambda y: land.loss_of_product(chain_product(land.split_flat(y))) - threshold)


def _descend(land, theta0, t_max, step, threshold, times, max_steps, watch):
    n_total = min(int(np.floor(t_max / step + 1e-9)), max_steps)
    keep_every = times is None
    ts, thetas = [0.0], [theta0.copy()]
    record_at = set() if keep_every else set(np.rint(times / step).astype(int).tolist())
    theta = theta0.copy()
    grads, product = land.unchecked_gradient(land.split_flat(theta))
    start_loss = land.loss_of_product(product)
    status, message = FlowStatus.T_MAX, f"t_max = {t_max:.6g} reached before convergence"
    k = 0
    for k in range(1, n_total + 1):
        theta = theta - step * np.concatenate([g.ravel() for g in grads])
        grads, product = land.unchecked_gradient(land.split_flat(theta))
        loss = land.loss_of_product(product)
        watch(k * step, loss - threshold)
        if not np.isfinite(loss) or loss > 1e6 * max(start_loss, 1.0):
            status = FlowStatus.FAILED
            message = f"gradient descent diverged at step {k} (loss {loss:.3g}): lower step"
            break
        if keep_every or k in record_at:
            ts.append(k * step)
            thetas.append(theta.copy())
        if loss <= threshold:
            status = FlowStatus.CONVERGED
            message = f"loss within loss_tol of the minimum at step {k}"
            break
    if status is FlowStatus.T_MAX and n_total < int(np.floor(t_max / step + 1e-9)):
        status = FlowStatus.FAILED
        message = (f"stopped at max_steps = {max_steps} gradient-descent steps at t = "
                   f"{k * step:.6g} of t_max = {t_max:.6g}: raise step or max_steps")
    if ts[-1] != k * step and not (status is FlowStatus.FAILED and "diverged" in message):
        ts.append(k * step)
        thetas.append(theta.copy())
    return np.array(ts), np.array(thetas), status, message, k


def _frobenius(arrays) -> float:
    """``sqrt(sum ||A_k||_F^2)`` without overflow or underflow of the squares."""
    largest = max((float(np.max(np.abs(a))) for a in arrays if a.size), default=0.0)
    if largest == 0.0 or not np.isfinite(largest):
        return largest
    return largest * float(np.sqrt(sum(np.sum((a / largest) ** 2) for a in arrays)))


def _record(land, weights0, ts, thetas, status, message, method, n_steps, record_weights):
    spec = land.spectrum
    unit = power_of_two(weight_unit(land))  # the drift is relative: computed in weight units
    weights0 = [w / unit for w in weights0]
    norm0 = sum(float(np.sum(w * w)) for w in weights0)
    losses, svals, gnorms, drifts = [], [], [], []
    for theta in thetas:
        grads, product = land.unchecked_gradient(land.split_flat(theta))
        losses.append(land.loss_of_product(product))
        gnorms.append(_frobenius(grads))
        svals.append(np.linalg.svd(spec.reduced_map(product), compute_uv=False))
        weights = land.split_flat(theta / unit)
        denom = norm0 + sum(float(np.sum(w * w)) for w in weights)
        # C_j - C_j(0) = 1/2 (F G^T + G F^T): F the layers' changes, G their sums
        drift = max((0.5 * symmetrized_norm(
            np.hstack([(weights[j] - weights0[j]).T, weights[j - 1] - weights0[j - 1]]),
            np.hstack([(weights[j] + weights0[j]).T, -(weights[j - 1] + weights0[j - 1])]))
            for j in range(1, land.h)), default=0.0)
        drifts.append(drift / denom if denom > 0 else 0.0)
    return FlowResult(
        t=np.asarray(ts, dtype=float), loss=np.array(losses), singular_values=np.array(svals),
        gradient_norm=np.array(gnorms), invariant_drift=np.array(drifts),
        weights=land.split_flat(thetas[-1].copy()), status=status, message=message,
        coordinates="reduced" if spec.reduced else "data", method=method, n_evaluations=n_steps,
        trajectory=np.array(thetas) if record_weights else None)
