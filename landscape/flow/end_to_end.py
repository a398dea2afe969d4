"""The function-space flow: the end-to-end matrix of a 0-balanced network, on its own.

From 0-balanced weights (every ``C_j = 0``, docs/theory.md §1) the product ``P = W_h ... W_1`` of
the gradient flow obeys (docs/theory.md §7; Arora, Cohen & Hazan, ICML 2018; Bah, Rauhut, Terstiege
& Westdickenberg, Inf. Inference 2021)

    dP/dt = -A_P(grad l(P)),   A_P(Z) = sum_{j=1}^{h} (P P^T)^{(h-j)/h} Z (P^T P)^{(j-1)/h},

with the powers taken on the range of ``P`` (compact SVD ``P = U_k S_k V_k^T``:
``(P P^T)^a = U_k S_k^{2a} U_k^T`` for ``a > 0``, the identity for ``a = 0``). Every term is
tangent to the manifold ``M_k`` of rank-``k`` matrices, so the flow keeps the rank; it is the
Riemannian gradient flow of ``l`` on ``M_k`` for the metric ``<A_P^{-1} xi, eta>`` and
converges, for almost every start, to a global minimiser of ``l`` on ``M_k``. One step costs
an SVD of the ``d_y x d_x`` map whatever the hidden widths: the fast path for wide networks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .._base.scaling import power_of_two
from .._base.validation import as_matrix, check_choice, check_int, check_positive
from ..problem.network import Landscape, check_landscape
from ..problem.rules import problem_with_tie_tol
from ..problem.ties import numerical_rank
from .balance import BALANCE_TOL, balanced_factorization, check_balanced
from .integration import (IMPLICIT_METHODS, FlowError, FlowResult, FlowStatus, check_record,
                          check_resolvable, solve_bounded)
from .range_powers import _jacobian, _on_manifold, _Operator
from .rank_manifold import rank_minimum_value
from .results import check_record_index
from .units import time_unit, weight_unit

__all__ = ["END_TO_END_METHODS", "EndToEndResult", "end_to_end_flow"]

#: ``solve_ivp`` methods accepted by :func:`end_to_end_flow`, and ``"auto"``.
END_TO_END_METHODS = ("auto", "LSODA", "BDF", "Radau", "DOP853", "RK45", "RK23")

#: Largest ``d_y * d_x`` for which ``method="auto"`` uses LSODA with the dense exact Jacobian.
AUTO_DENSE_JACOBIAN_MAX_ENTRIES = 1000


@dataclass(frozen=True, eq=False)
class EndToEndResult:
    """A recorded trajectory of the end-to-end flow ``dP/dt = -A_P(grad l(P))``.

    Attributes
    ----------
    t : ndarray (T,)
        Recorded times.
    loss : ndarray (T,)
        ``l(P)`` at those times: the loss of every balanced factorisation of ``P``.
    singular_values : ndarray (T, min(d_x, d_y))
        Singular values of ``P`` in reduced coordinates (as in :class:`FlowResult`).
    rank : ndarray of int (T,)
        Rank of ``P`` (singular values above ``max(d_x, d_y) eps s_1``): ``start_rank`` along
        the exact flow, which keeps the rank.
    gradient_norm : ndarray (T,)
        ``||grad L(W)||`` of the weights of any balanced factorisation of ``P``:
        ``sqrt(<grad l, A_P(grad l)>)`` (the Riemannian gradient norm), as in
        :class:`FlowResult`, so :func:`landscape.flow.plateaus` reads it unchanged.
    manifold_drift : ndarray (T,)
        ``||P~ - P||_F / ||P~||_F`` for the integrator's state ``P~`` and its rank-``k`` part
        ``P``: zero for the exact flow, whose velocity is tangent to ``M_k``; an accuracy check
        on the integration. Everything else (the velocity, the loss, the records) is read off
        ``P``, so this normal error is neither grown nor carried into the results.
    products : ndarray (T, d_y, d_x)
        ``P`` at the recorded times (rank-``k`` part of the state), in the problem's
        coordinates.
    widths : tuple of int
        The landscape's widths ``(d_0, ..., d_h)``.
    start_rank : int
        ``k``, the rank of the start: the manifold ``M_k`` the flow runs on.
    status : FlowStatus
    message : str
    coordinates : str
        ``"reduced"`` or ``"data"``: where the flow ran (docs/theory.md §1).
    method : str
    n_evaluations : int
    """

    t: np.ndarray
    loss: np.ndarray
    singular_values: np.ndarray
    rank: np.ndarray
    gradient_norm: np.ndarray
    manifold_drift: np.ndarray
    products: np.ndarray
    widths: tuple
    start_rank: int
    status: FlowStatus
    message: str
    coordinates: str
    method: str
    n_evaluations: int

    @property
    def product(self) -> np.ndarray:
        """The final end-to-end map ``P``."""
        return self.products[-1]

    @property
    def h(self) -> int:
        """Number of layers."""
        return len(self.widths) - 1

    @property
    def success(self) -> bool:
        """True when the flow converged to the minimum of the loss on ``M_k``."""
        return self.status is FlowStatus.CONVERGED

    @property
    def weights(self) -> list[np.ndarray]:
        """The final weights: :meth:`weights_at` ``(-1)``, canonical balanced frames
        (:class:`~.results.FlowRecords`, as :attr:`FlowResult.weights`)."""
        return self.weights_at(-1)

    def __repr__(self) -> str:
        return (f"EndToEndResult(status={self.status.value!r}, t_final={self.t[-1]:.6g}, "
                f"loss_final={self.loss[-1]:.10g}, rank={self.start_rank}, "
                f"n_records={self.t.size}, n_evaluations={self.n_evaluations}, "
                f"method={self.method!r}, coordinates={self.coordinates!r})")

    def weights_at(self, index: int = -1, widths=None, *, seed=None) -> list[np.ndarray]:
        """Balanced weights ``W_1..W_h`` with product ``P`` at record ``index``.

        ``W_j = Q_j S^{1/h} Q_{j-1}^T`` from ``P = U S V^T`` (:func:`balanced_factorization`):
        canonical hidden frames by default, Haar-random ones with ``seed``.

        Parameters
        ----------
        index : int
            A record (``-1``: the last).
        widths : sequence of int, optional
            ``(d_x, d_1, ..., d_{h-1}, d_y)`` with the same depth ``h`` and hidden widths at
            least the rank; default the landscape's.
        seed : int, Generator or None
            Seed of random hidden frames (``None``: canonical).
        """
        index = check_record_index(index, self.t.size)
        widths = self.widths if widths is None else widths
        if isinstance(widths, Sequence) and not isinstance(widths, str) \
                and len(widths) != len(self.widths):
            raise ValueError(f"widths must hold h + 1 = {len(self.widths)} entries (the flow's "
                             f"depth h = {self.h}), got {tuple(widths)}")
        return balanced_factorization(self.products[index], widths, seed=seed)

    def as_flow_result(self, *, seed=None) -> FlowResult:
        """The trajectory as a :class:`FlowResult` of balanced weights of the landscape's widths.

        ``trajectory`` holds the flat weights of :meth:`weights_at` at every record (the same
        frames at every record), ``invariant_drift`` is measured on them: for the analyses
        that read weights (:func:`landscape.connections.trajectory_visits`). It holds
        ``T x n_params`` numbers: meant for small networks.
        """
        if isinstance(seed, np.random.Generator):  # one draw of frames for every record
            seed = int(seed.integers(np.iinfo(np.int64).max))
        weights = [self.weights_at(k, seed=seed) for k in range(self.t.size)]
        norm0 = sum(float(np.sum(w * w)) for w in weights[0])
        drifts = []
        for ws in weights:
            blocks = [ws[j + 1].T @ ws[j + 1] - ws[j] @ ws[j].T for j in range(self.h - 1)]
            denom = norm0 + sum(float(np.sum(w * w)) for w in ws)
            worst = max((float(np.linalg.norm(c)) for c in blocks), default=0.0)
            drifts.append(worst / denom if denom > 0 else 0.0)
        return FlowResult(
            t=self.t, loss=self.loss, singular_values=self.singular_values,
            gradient_norm=self.gradient_norm, invariant_drift=np.array(drifts),
            weights=weights[-1], status=self.status, message=self.message,
            coordinates=self.coordinates, method=f"end_to_end/{self.method}",
            n_evaluations=self.n_evaluations,
            trajectory=np.array([np.concatenate([w.ravel() for w in ws]) for ws in weights]))


def _check_start(land: Landscape, start, balance_tol: float) -> np.ndarray:
    d_y, d_x = land.spectrum.d_y, land.spectrum.d_x
    if isinstance(start, np.ndarray) and start.ndim == 2 or \
            isinstance(start, Sequence) and len(start) and np.ndim(start[0]) == 1:
        return as_matrix(start, "start", shape=(d_y, d_x))
    if isinstance(start, np.ndarray) or isinstance(start, (str, bytes)) \
            or not isinstance(start, Sequence):
        raise TypeError(f"start must be an end-to-end matrix ({d_y} x {d_x}) or a sequence of "
                        f"0-balanced weights W_1..W_h, got {type(start).__name__}")
    weights = check_balanced(land.check(start, "start"), balance_tol=balance_tol, name="start")
    return land.end_to_end(weights)


def end_to_end_flow(land: Landscape, start, *, t_max: float = 1e6, method: str = "auto",
                    rtol: float = 1e-10, atol: float | None = None, loss_tol: float = 1e-14,
                    record="steps", tie_tol: float | None = None,
                    balance_tol: float = BALANCE_TOL,
                    max_steps: int = 1_000_000, throw: bool = False) -> EndToEndResult:
    """Integrate ``dP/dt = -A_P(grad l(P))`` (docs/theory.md §7) from a map or from 0-balanced weights.

    ``grad l(P) = P - Sigma`` in reduced coordinates and ``(P - P*) Sxx`` in the data's
    (:meth:`Landscape.residual_of_product`); the flow runs in the landscape's coordinates and
    equals the product of :func:`~.integration.gradient_flow` from any 0-balanced weights with that product
    (any widths). The powers of ``A_P`` act on the range of ``P``, with the rank ``k`` of the
    start kept along the flow (Bah, Rauhut, Terstiege & Westdickenberg, Inf. Inference 2021:
    the flow stays on ``M_k`` and converges, for almost every start, to a global minimiser of
    ``l`` on ``M_k``, :func:`~.rank_manifold.is_rank_minimum`). For ``h = 1``, ``A_P`` is the identity.

    Parameters
    ----------
    land : Landscape
    start : array_like (d_y, d_x) or sequence of ndarray
        The start ``P0`` (rank at most the bottleneck ``r``), or 0-balanced weights
        ``W_1..W_h`` of the landscape's widths (refused, naming the largest ``||C_j||``, when
        ``||C_j||_F > balance_tol * max_j ||W_j||_F^2``).
    t_max : float
        Stop at this time if not converged.
    method : str
        A :func:`scipy.integrate.solve_ivp` method of ``END_TO_END_METHODS``, or ``"auto"``
        (default): ``"LSODA"`` up to ``AUTO_DENSE_JACOBIAN_MAX_ENTRIES`` entries of ``P``,
        ``"DOP853"`` above. The flow is stiff on saddle plateaus (learnt modes relax at rate
        ``~ h sigma^{2(h-1)/h}`` while the escaping ones move slowly); the implicit methods get
        the exact Jacobian of the right-hand side (Daleckii-Krein derivatives of the powers).
    rtol, atol : float
        Integration tolerances; ``atol`` defaults to ``1e-3 * rtol * sigma_1 / ||Sxx||^{1/2}``
        (the size of ``P``, :func:`~landscape.flow.units.weight_unit` to the power ``h``).
    loss_tol : float
        Converged when ``l(P) - l_k <= loss_tol * 1/2 sum sigma_i^2``, ``l_k`` the minimum of
        ``l`` on rank ``<= k`` (:func:`rank_minimum_value`; the global minimum for ``h = 1``).
    record : "steps" or array_like
        Record at every accepted step (default) or at the given increasing times.
    tie_tol : float, optional
        Deprecated (one release): set ``Landscape(..., tie_tol=)``; a value other than
        ``land.tie_tol`` warns and is used through a copy of ``land``
        (:func:`~landscape.problem.rules.problem_with_tie_tol`). Singular values of
        ``P0`` at most ``land.tie_tol * s_1`` count as zero: they fix ``k`` (and are dropped
        from the start).
    balance_tol : float
        Relative tolerance of the balance of weights given as ``start``.
    max_steps : int
        Bound on evaluations of the right-hand side (the flow then stops, status ``failed``).
    throw : bool
        Raise :class:`FlowError` instead of returning a non-converged status.

    Returns
    -------
    EndToEndResult

    Examples
    --------
    One mode of a balanced depth-3 chain (docs/theory.md §1): ``u = a^3`` reaches the data's sigma.

    >>> import numpy as np
    >>> from landscape import DataSpectrum, Landscape
    >>> land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0]), widths=(2, 4, 4, 2))
    >>> res = end_to_end_flow(land, np.diag([0.01, 0.0]), t_max=1e4)
    >>> res.status.value, res.start_rank, np.round(res.product, 6).tolist()
    ('converged', 1, [[2.0, 0.0], [0.0, 0.0]])
    >>> round(float(res.loss[-1]), 8)  # the minimum on M_1: 1/2 sigma_2^2
    0.5
    """
    land = problem_with_tie_tol(check_landscape(land), tie_tol, "end_to_end_flow")
    t_max = check_positive(t_max, "t_max")
    check_choice(method, "method", END_TO_END_METHODS)
    if method == "auto":
        n_entries = land.spectrum.d_x * land.spectrum.d_y
        method = "LSODA" if n_entries <= AUTO_DENSE_JACOBIAN_MAX_ENTRIES else "DOP853"
    rtol = check_positive(rtol, "rtol")
    atol = 1e-3 * rtol * weight_unit(land) ** land.h if atol is None \
        else check_positive(atol, "atol")
    loss_tol = check_positive(loss_tol, "loss_tol")
    max_steps = check_int(max_steps, "max_steps", minimum=1)
    times = check_record(record, t_max)
    check_resolvable(land, t_max)
    p0 = _check_start(land, start, check_positive(balance_tol, "balance_tol"))
    k = numerical_rank(np.linalg.svd(p0, compute_uv=False), tie_tol=land.tie_tol)
    if land.h > 1 and k > land.bottleneck:
        raise ValueError(f"start must have rank at most the bottleneck r = {land.bottleneck} "
                         f"of widths {land.widths}, got rank {k}")
    floor = rank_minimum_value(land, k) if land.h > 1 else land.minimum_value()
    threshold = floor + loss_tol * land.loss_scale
    ts, ps, status, message, n_evals = _integrate(land, p0, k, t_max, method, rtol, atol,
                                                  threshold, times, max_steps)
    result = _record(land, ts, ps, k, status, message, method, n_evals)
    if throw and status is not FlowStatus.CONVERGED:
        raise FlowError(f"end-to-end flow did not converge: {message}")
    return result


def _integrate(land, p0, k, t_max, method, rtol, atol, threshold, times, max_steps):
    shape, h = p0.shape, land.h

    def field(y):
        p, svd, _ = _on_manifold(y.reshape(shape), h, k)
        return -_Operator(p, h, k, svd).apply(land.residual_of_product(p)).ravel()

    jac = None
    if method in IMPLICIT_METHODS:
        metric = land.spectrum.metric()
        gram = None if metric is None else metric @ metric.T  # dR = dP Sxx

        def jac(y):
            p = _on_manifold(y.reshape(shape), h, k)[0]
            return _jacobian(p, land.residual_of_product(p), gram, h, k)

    ts, ys, status, message, n_evals = solve_bounded(
        field, p0.ravel(), t_max, method=method, rtol=rtol, atol=atol, times=times, jac=jac,
        max_steps=max_steps, goal=f"loss within loss_tol of the minimum on rank {k}",
        units=(time_unit(land), weight_unit(land) ** h),
        converged=lambda y: land.loss_of_product(_on_manifold(y.reshape(shape), h, k)[0])
        - threshold)
    return ts, ys.reshape(-1, *shape), status, message, n_evals


def _record(land, ts, states, k, status, message, method, n_evals) -> EndToEndResult:
    spec = land.spectrum
    floor = max(spec.d_x, spec.d_y) * np.finfo(float).eps
    products, losses, svals, ranks, gnorms, drifts = [], [], [], [], [], []
    unit_p = power_of_two(weight_unit(land) ** land.h)
    unit_r = power_of_two(spec.scale * spec.input_scale)
    for state in states:
        p, svd, drift = _on_manifold(state, land.h, k)
        if svd is None:
            svd = np.linalg.svd(p, full_matrices=False)
        products.append(p)
        drifts.append(drift)
        losses.append(land.loss_of_product(p))
        s = svd[1] if land.h == 1 else np.concatenate([svd[1][:k], np.zeros(svd[1].size - k)])
        ranks.append(int(np.count_nonzero(s > floor * s[0])) if s[0] > 0 else 0)
        svals.append(s if spec.reduced else
                     np.linalg.svd(spec.reduced_map(p), compute_uv=False))
        # ||A_P(R)|| in units (homogeneous of degree 1 in R and 1 - 1/h in P), so that its
        # square neither under- nor overflows at any scale of the data
        u, sigma, vt = svd
        quad = _Operator(p / unit_p, land.h, k, (u, sigma / unit_p, vt)).quadratic(
            land.residual_of_product(p) / unit_r)
        gnorms.append(unit_r * unit_p ** (1.0 - 1.0 / land.h) * float(np.sqrt(quad)))
    return EndToEndResult(
        t=np.asarray(ts, dtype=float), loss=np.array(losses), singular_values=np.array(svals),
        rank=np.array(ranks, dtype=int), gradient_norm=np.array(gnorms),
        manifold_drift=np.array(drifts), products=np.array(products),
        widths=land.widths, start_rank=k, status=status, message=message,
        coordinates="reduced" if spec.reduced else "data", method=method,
        n_evaluations=n_evals)
