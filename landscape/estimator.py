"""A scikit-learn regressor that trains a deep linear network by its exact gradient flow.

:class:`DeepLinearRegressor` fits ``y = W_h ... W_1 x + b`` by integrating the gradient flow
``dW/dt = -grad L(W)`` of the centred square loss ``L = 1/(2N) ||Y_c - X_c W_{1:h}^T||_F^2``
(:func:`landscape.flow.gradient_flow`) from a random start, and keeps what a study of the
landscape needs beside the predictor: the layers, the recorded trajectory, the landscape, and
the sequence of critical classes the flow rested near. From a 0-balanced start on wide layers
it integrates the end-to-end map alone (docs/theory.md §7, :func:`landscape.flow.end_to_end_flow`), at
a cost set by the data's dimensions whatever the hidden widths. From a small start the flow
visits the top-``k`` saddles ``{}, {1}, {1, 2}, ...`` one after another (Saxe, McClelland &
Ganguli, ICLR 2014; Wendin & Altafini, SIAM Review 2025, arXiv:2511.10362) and converges to a
global minimum for almost every start (Bah, Rauhut, Terstiege & Westdickenberg, Inf. Inference
2021).
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted, validate_data

from ._base.validation import (check_bool, check_choice, check_int, check_positive,
                               describe_value)
from .flow import (EndToEndResult, FlowError, FlowStatus, balanced_factorization,
                   end_to_end_flow, flow_time, gradient_flow, weight_unit)
from .connections.visits import trajectory_visits
from .forecast import check_forecast
from .problem.network import Landscape
from .problem.spectrum import INPUT_SPACES, DataSpectrum

__all__ = ["DeepLinearRegressor", "default_widths"]

#: Values of ``DeepLinearRegressor(solver=...)``.
SOLVERS = ("flow", "gd")
#: Largest network the weight-space flow fits (it records the weights at every step); wider
#: networks go through the end-to-end flow from a balanced start.
MAX_WEIGHT_SPACE_PARAMS = 2_000_000
#: Values of ``DeepLinearRegressor(end_to_end=...)``.
END_TO_END = ("auto", True, False)
#: ``end_to_end="auto"`` integrates the end-to-end map when the weights outnumber its
#: ``n_features x n_targets`` entries this many times (see ``DeepLinearRegressor``).
END_TO_END_MIN_RATIO = 2
#: Most records kept by ``solver="gd"`` (log-spaced in time, so every plateau is sampled).
GD_RECORDS = 2000
#: Most steps taken by ``solver="gd"``.
GD_MAX_STEPS = 1_000_000


def _check_hidden_widths(widths) -> tuple[int, ...] | None:
    if widths is None:
        return None
    if isinstance(widths, (str, bytes)) or not isinstance(widths, (tuple, list, np.ndarray)):
        raise TypeError(f"widths must be a sequence of hidden-layer widths (integers >= 1), "
                        f"got {describe_value(widths)}")
    return tuple(check_int(w, f"widths[{i}]", minimum=1) for i, w in enumerate(widths))


def default_widths(n_features: int, n_targets: int) -> tuple[int, int]:
    """``DeepLinearRegressor(widths=None)``: two hidden layers of ``min(n_features, n_targets)``,
    the largest rank of a map between them: the least-squares map at the smallest widths."""
    return (min(n_features, n_targets),) * 2


def _column_space_projector(spec: DataSpectrum) -> np.ndarray:
    """The orthogonal projector onto the column space of ``Sxx`` (the inputs' span)."""
    left = np.linalg.svd(spec.input_sqrt)[0][:, :spec.input_rank]
    return left @ left.T


def _seed(random_state):
    """A seed for :func:`numpy.random.default_rng` from scikit-learn's ``random_state``."""
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(np.iinfo(np.int32).max))
    if random_state is None or isinstance(random_state, np.random.Generator):
        return random_state
    return check_int(random_state, "random_state", minimum=0)


class DeepLinearRegressor(RegressorMixin, BaseEstimator):
    """Linear regression by a deep linear network ``W_h ... W_1`` trained with its gradient flow.

    ``fit`` builds the data's spectrum (:meth:`DataSpectrum.from_data`, raw coordinates: the
    first layer sees the features as given) and the :class:`~landscape.problem.network.Landscape` with
    widths ``(n_features, *widths, n_targets)``, draws a start, integrates
    ``dW/dt = -grad L(W)`` for ``L = 1/(2N) ||Y_c - X_c W_{1:h}^T||_F^2`` (centred data), and
    predicts ``y = x W_{1:h}^T + b`` with ``b = mean(Y) - mean(X) W_{1:h}^T``. At convergence
    the end-to-end map is the least-squares map, truncated to rank ``min_j d_j``
    (Eckart-Young) when the network has a bottleneck.

    The flow runs in the data's own coordinates, where its dynamics depend on the input
    covariance ``Sxx``; the flow of the reduced problem ``1/2 ||Sigma - W_{1:h}||^2`` (Saxe et
    al., ICLR 2014) is recovered with whitened inputs, e.g. ``make_pipeline(PCA(whiten=True),
    DeepLinearRegressor())`` (docs/theory.md §1: the two flows agree only when ``Sxx`` is a multiple
    of the identity).

    Parameters
    ----------
    widths : sequence of int or None, default=None
        Widths of the hidden layers only; ``()`` is a single linear layer. Input and output
        widths come from the data. ``None``: :func:`default_widths`, two hidden layers of
        ``min(n_features, n_targets)`` (on digits, 64 features and 10 classes: ``(10, 10)``),
        no bottleneck, so the fit is least squares; narrower layers fit reduced-rank regression.
    init_scale : float, default=0.1
        Scale of the random start in the flow's weight unit
        ``w = (sigma_1 / ||Sxx||^{1/2})^{1/h}`` (:func:`~landscape.flow.units.weight_unit`,
        the size of a learnt layer): ``W_j`` has Gaussian entries of standard deviation
        ``init_scale * w / sqrt(d_{j-1})`` (:meth:`Landscape.random_weights`). Small starts
        pass the saddles one after another; for ``h >= 3`` leaving the origin takes about
        ``1 / ((h - 2) init_scale^{h-2})`` time units (docs/theory.md §1).
    balanced : bool, default=False
        Start 0-balanced (all conserved ``C_j = W_{j+1}^T W_{j+1} - W_j W_j^T`` zero): the
        random layers are replaced by the balanced factorisation of their own end-to-end map
        ``M = U S V^T``, ``W_1 = Q_1 S^{1/h} V^T``, ``W_j = Q_j S^{1/h} Q_{j-1}^T``,
        ``W_h = U S^{1/h} Q_{h-1}^T`` with Haar-random orthonormal ``Q_j``
        (:func:`landscape.flow.balanced_factorization`). The flow keeps every ``C_j = 0``.
        Not a speed-up by itself: see ``end_to_end``.
    end_to_end : {"auto", True, False}, default="auto"
        Integrate the end-to-end map ``P`` alone, ``dP/dt = -A_P(grad l(P))`` (docs/theory.md §7,
        :func:`~landscape.flow.end_to_end_flow`), instead of every weight: exact from
        0-balanced starts, with a cost set by ``n_features x n_targets`` whatever the hidden
        widths: the fast path for wide layers only. Both flows are implicit with an exact dense
        Jacobian, so the cost follows the number of unknowns (digits: 640 entries of ``P``
        against 312 weights at widths ``(4, 4)``, 25 s against 0.9 s; 1440 at ``(16, 16)``,
        22 s against 44 s). ``"auto"``: when ``balanced=True``, ``solver="flow"`` and the
        weights outnumber ``n_features x n_targets`` ``END_TO_END_MIN_RATIO = 2`` times (or
        ``MAX_WEIGHT_SPACE_PARAMS``), else the weight-space flow from the same balanced start
        (the same ``P(t)``). ``True`` requires ``balanced=True`` and ``solver="flow"``. The
        fitted ``weights_`` are then a balanced
        factorisation of the final ``P`` with Haar-random hidden frames (the weights of the
        full flow up to the orthogonal symmetry of the hidden layers, which keeps the loss,
        the gradient norm and every layer's singular values).
    solver : {"flow", "gd"}, default="flow"
        ``"flow"``: the gradient flow, integrated by :func:`~landscape.flow.gradient_flow`'s
        default method (LSODA with the exact Hessian as Jacobian on small networks).
        ``"gd"``: gradient descent ``W <- W - eta * grad L`` with ``eta = learning_rate``
        time units (flow time ``k eta`` after ``k`` steps), recorded at up to ``GD_RECORDS``
        log-spaced steps.
    learning_rate : float, default=0.01
        Step of ``solver="gd"`` in time units (unused by ``"flow"``). Descent is stable below
        ``2`` over the largest Hessian eigenvalue, which near a balanced minimum is at most
        about ``h`` over the time unit (the unit takes the largest variance of ``Sxx``), so
        the same ``learning_rate`` serves data of every scale.
    t_max : float, default=1e9
        Flow time after which the fit stops unconverged (with a ``ConvergenceWarning``), in
        the flow's time unit ``1 / (sigma_1^{2-2/h} ||Sxx||^{1/h})``
        (:func:`~landscape.flow.units.time_unit`, the time a learnt mode takes to move by its
        own size along the input of largest variance); ``solver="gd"`` takes at most
        ``min(t_max / learning_rate, 10^6)`` steps. A bound, not a schedule: the flow stops
        where it converges. Inputs of unequal variances take longer in this unit (the diabetes
        data, ``cond(Sxx) = 470``, about ``10^3`` units; its first feature scaled by ``10^6``,
        ``cond(Sxx) = 10^14``, about ``10^7``), which the implicit integrator crosses in a few
        thousand steps.

        The three are measured in the flow's units so that a fit does not depend on the
        units of the data: ``fit(a X, b y)`` integrates the same flow as ``fit(X, y)``
        (its weights times ``(b / a)^{1/h}``, its times divided by
        ``b^{2-2/h} a^{2/h}``, :mod:`landscape.flow.units`) and gives ``coef_`` times
        ``b / a``, for ``X`` scaled by anything from ``1e-150`` to ``1e150``.
        ``trajectory_.t`` is the flow's own time.
    loss_tol : float, default=1e-10
        Converged when ``L - L_min <= loss_tol * 1/2 sum_i sigma_i^2`` (as in
        :func:`landscape.gradient_flow`).
    rtol : float, default=1e-8
        Relative tolerance of the integrator (``solver="flow"``).
    plateau_tol : float, default=1e-3
        A record belongs to a plateau when ``||grad L||`` is at most ``plateau_tol`` gradient
        units ``sigma_1^{(2h-1)/h} ||Sxx||^{1/(2h)}`` (:func:`~landscape.flow.plateaus`); it
        decides ``critical_path_``.
    center : bool, default=True
        Centre ``X`` and ``y`` (and fit ``intercept_``); if False, the loss is
        ``1/(2N) ||Y - X W_{1:h}^T||^2`` and ``intercept_`` is zero.
    input_space : {"full", "column_space"}, default="full"
        As in :meth:`DataSpectrum.from_data`: ``"full"`` refuses a singular input covariance;
        ``"column_space"`` fits on the column space of ``X`` (constant or collinear features,
        ``n_features > n_samples``, e.g. the raw pixels of scikit-learn's digits). The loss
        ignores the null directions and the flow never moves ``W_1`` along them, so the start
        has no component there and ``coef_`` converges to the minimum-norm least-squares map
        (the one of ``numpy.linalg.lstsq``).
    random_state : int, RandomState, Generator or None, default=None
        Seed of the start.

    Attributes
    ----------
    coef_ : ndarray, shape (n_features,) or (n_targets, n_features)
        The end-to-end map ``W_h ... W_1`` (1-D when ``y`` was 1-D).
    intercept_ : float or ndarray, shape (n_targets,)
        ``mean(y) - mean(X) coef_^T`` (zero when ``center=False``).
    weights_ : list of ndarray
        The final layers ``W_1..W_h``, ``W_j`` of shape ``(d_j, d_{j-1})``.
    loss_ : float
        The final training loss ``L(weights_)``.
    trajectory_ : FlowResult or EndToEndResult
        The recorded flow: a :class:`~landscape.flow.FlowResult` with the flat weights at every
        record in ``trajectory``, or, on the end-to-end path, an
        :class:`~landscape.flow.EndToEndResult` with ``P`` at every record in ``products``.
    critical_path_ : list of tuple of int
        The critical classes the flow rested near, in order: the visits of
        :func:`~landscape.connections.trajectory_visits` (``grad_tol=plateau_tol``,
        ``include_limit=True``): for each plateau whose loss is near a critical value, the
        learnt set ``S`` (0-based modes, 0 the largest ``sigma``) read at its record of least
        gradient norm, then the class of the limit if the flow converged; consecutive repeats
        collapsed.
    landscape_ : Landscape
        The loss landscape that was integrated.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Defined when ``X`` has string column names.

    Raises
    ------
    ValueError, TypeError
        From ``fit``, for a bad parameter (naming it, the rule and the value), for bad data,
        for a column spread outside ``[1e-153, 1e153]`` (its variance leaves double
        precision), or, with ``input_space="full"``, for a singular input covariance
        ``X_c^T X_c / N`` (fewer samples than ``n_features + 1``, constant or collinear
        features: pass ``input_space="column_space"``, or drop them first).
    FlowError
        From ``fit``, when the integration fails or gradient descent diverges.

    Notes
    -----
    The estimator passes :func:`sklearn.utils.estimator_checks.check_estimator`. Its tags
    differ from a regressor's defaults only in ``target_tags.multi_output = True``. Inputs
    the loss cannot use are errors, never regularised: fewer than 2 samples, and (with
    ``input_space="full"``) a singular input covariance (docs/theory.md §1), which raises the
    ``ValueError`` of :meth:`DataSpectrum.from_data`.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((40, 3))
    >>> y = X @ np.array([2.0, -1.0, 0.5]) + 1.0
    >>> reg = DeepLinearRegressor(widths=(2, 2), init_scale=0.05, random_state=0).fit(X, y)
    >>> np.round(reg.coef_, 3).tolist(), round(reg.intercept_, 3), round(reg.score(X, y), 6)
    ([2.0, -1.0, 0.5], 1.0, 1.0)
    >>> reg.critical_path_
    [(), (0,)]
    """

    def __init__(self, widths=None, *, init_scale=0.1, balanced=False, end_to_end="auto",
                 solver="flow", learning_rate=0.01, t_max=1e9, loss_tol=1e-10, rtol=1e-8,
                 plateau_tol=1e-3, center=True, input_space="full", random_state=None):
        self.widths = widths
        self.init_scale = init_scale
        self.balanced = balanced
        self.end_to_end = end_to_end
        self.solver = solver
        self.learning_rate = learning_rate
        self.t_max = t_max
        self.loss_tol = loss_tol
        self.rtol = rtol
        self.plateau_tol = plateau_tol
        self.center = center
        self.input_space = input_space
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _checked_params(self) -> dict:
        end_to_end = self.end_to_end
        if not (isinstance(end_to_end, (bool, np.bool_)) or end_to_end == "auto"):
            raise ValueError(f"end_to_end must be one of {', '.join(map(repr, END_TO_END))}, "
                             f"got {describe_value(end_to_end)}")
        if end_to_end != "auto":
            end_to_end = bool(end_to_end)
        balanced = check_bool(self.balanced, "balanced")
        solver = check_choice(self.solver, "solver", SOLVERS)
        if end_to_end is True:
            if not balanced or solver != "flow":
                raise ValueError(f"end_to_end=True needs balanced=True and solver='flow' (the "
                                 f"end-to-end flow is exact only from 0-balanced starts), got "
                                 f"balanced={balanced}, solver={solver!r}")
        return {
            "widths": _check_hidden_widths(self.widths),
            "init_scale": check_positive(self.init_scale, "init_scale"),
            "balanced": balanced,
            "end_to_end": end_to_end if balanced and solver == "flow" else False,
            "solver": solver,
            "learning_rate": check_positive(self.learning_rate, "learning_rate"),
            "t_max": check_positive(self.t_max, "t_max"),
            "loss_tol": check_positive(self.loss_tol, "loss_tol"),
            "rtol": check_positive(self.rtol, "rtol"),
            "plateau_tol": check_positive(self.plateau_tol, "plateau_tol"),
            "center": check_bool(self.center, "center"),
            "input_space": check_choice(self.input_space, "input_space", INPUT_SPACES),
            "seed": _seed(self.random_state),
        }

    def fit(self, X, y):
        """Integrate the gradient flow on ``(X, y)`` from a random start.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)
        y : array_like, shape (n_samples,) or (n_samples, n_targets)

        Returns
        -------
        self
        """
        p = self._checked_params()
        X, y = validate_data(self, X, y, multi_output=True, y_numeric=True, dtype=np.float64,
                             ensure_min_samples=2)
        Y = np.asarray(y, dtype=float).reshape(len(y), -1)
        hidden = default_widths(X.shape[1], Y.shape[1]) if p["widths"] is None else p["widths"]
        spec = DataSpectrum.from_data(X, Y, center=p["center"], input_space=p["input_space"])
        land = Landscape(spec, (X.shape[1], *hidden, Y.shape[1]))
        end_to_end = _use_end_to_end(land, p["end_to_end"])
        if not end_to_end and land.n_params > MAX_WEIGHT_SPACE_PARAMS:
            raise ValueError(
                f"widths must give at most MAX_WEIGHT_SPACE_PARAMS = {MAX_WEIGHT_SPACE_PARAMS:,} "
                f"weights for the weight-space flow, got {land.n_params:,} (its recorded "
                f"trajectory takes {8 * land.n_params / 2**20:,.0f} MiB per record): pass "
                f"balanced=True, whose end-to-end flow costs n_features x n_targets whatever "
                f"the hidden widths")
        land.check_weight_memory(copies=2)  # the start and the fitted weights, before either
        rng = np.random.default_rng(p["seed"])
        t_max = flow_time(land, p["t_max"], "t_max")
        if p["solver"] == "gd":
            step = flow_time(land, p["learning_rate"], "learning_rate")
        weights0 = land.random_weights(scale=p["init_scale"] * weight_unit(land), seed=rng)
        with np.errstate(over="ignore", invalid="ignore"):  # overflow is what is checked
            loss0, gradient0 = land.loss_and_gradient(weights0)
        if not (np.isfinite(loss0) and all(np.all(np.isfinite(g)) for g in gradient0)):
            raise ValueError(f"init_scale must give a start whose loss and gradient are finite, "
                             f"got {p['init_scale']:g} weight units: choose a smaller one")
        if spec.dropped_inputs:  # no component along the null inputs, which never move
            weights0[0] = weights0[0] @ _column_space_projector(spec)
        if p["balanced"]:
            weights0 = balanced_factorization(land.end_to_end(weights0), land.widths, seed=rng)
        capped = False
        if end_to_end:
            result = end_to_end_flow(land, weights0, t_max=t_max, rtol=p["rtol"],
                                     loss_tol=p["loss_tol"])
        elif p["solver"] == "flow":
            result = gradient_flow(land, weights0, t_max=t_max, rtol=p["rtol"],
                                   loss_tol=p["loss_tol"], record_weights=True)
        else:
            n_steps = max(1, min(int(p["t_max"] / p["learning_rate"]), GD_MAX_STEPS))
            capped = n_steps == GD_MAX_STEPS
            t_max = n_steps * step  # the steps taken, whole
            # k * step can round past n_steps * step: the last record is t_max itself
            record = np.minimum(step * np.unique(np.rint(np.geomspace(1, n_steps, GD_RECORDS))),
                                t_max)
            result = gradient_flow(land, weights0, t_max=t_max, method="gd", step=step,
                                   loss_tol=p["loss_tol"], record=record, record_weights=True,
                                   max_steps=n_steps)
        if result.status is FlowStatus.FAILED:
            raise FlowError(f"DeepLinearRegressor could not fit: {result.message}")
        if result.status is FlowStatus.T_MAX:
            limit = (f"GD_MAX_STEPS = {GD_MAX_STEPS:,} gradient-descent steps (flow time "
                     f"{t_max:.6g}); raise learning_rate" if capped else
                     f"t_max = {p['t_max']:g} time units (flow time {t_max:.6g}); raise t_max")
            warnings.warn(f"DeepLinearRegressor did not converge within {limit} or init_scale, "
                          f"or loosen loss_tol", ConvergenceWarning, stacklevel=2)
        final = result.weights_at(-1, seed=rng) if isinstance(result, EndToEndResult) \
            else result.weights
        product = land.end_to_end(final)
        x_mean = X.mean(axis=0) if p["center"] else np.zeros(X.shape[1])
        y_mean = Y.mean(axis=0) if p["center"] else np.zeros(Y.shape[1])
        intercept = y_mean - product @ x_mean
        one_d = y.ndim == 1
        self.coef_ = product[0] if one_d else product
        self.intercept_ = float(intercept[0]) if one_d else intercept
        self.weights_ = final
        self.loss_ = float(result.loss[-1])
        self.trajectory_ = result
        self.landscape_ = land
        visits, _ = trajectory_visits(land, result, grad_tol=p["plateau_tol"],
                                      include_limit=True)
        self.critical_path_ = [visit.subset for visit in visits]
        self.forecast_ = check_forecast(land, weights0, result) if spec.rank else None
        return self

    def predict(self, X):
        """``X coef_^T + intercept_``: 1-D when ``y`` was 1-D at fit.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)

        Returns
        -------
        ndarray, shape (n_samples,) or (n_samples, n_targets)
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return X @ self.coef_.T + self.intercept_


def _use_end_to_end(land: Landscape, choice) -> bool:
    """``"auto"`` decided (``choice`` is False already unless balanced with ``solver="flow"``)."""
    entries = END_TO_END_MIN_RATIO * land.spectrum.d_x * land.spectrum.d_y
    return choice if choice != "auto" else land.n_params > min(entries, MAX_WEIGHT_SPACE_PARAMS)

