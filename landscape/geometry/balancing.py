"""Moves along the hidden-layer symmetry orbit to a well-conditioned point.

The group ``prod_{j=1}^{h-1} GL(d_j)`` acts by ``W_j -> G_j W_j G_{j-1}^{-1}`` (``G_0 = G_h = I``)
and keeps the loss (docs/theory.md §1); the action is linear, so the Hessian at ``g.x`` is congruent to
the one at ``x`` (``H(x) = J^T H(g.x) J``) and has the same inertia (Sylvester's law). Where a
representative is badly conditioned (``G_j`` of condition ``1e4``), small nonzero eigenvalues of
its Hessian come out near rounding size; at a balanced point of the same orbit they have their
natural size. :func:`balance_layers` rescales whole layers (the scalar part of the action);
:func:`balance_hidden_layers` balances each hidden layer under its full ``GL(d_j)``;
:func:`orbit_balance` does both and returns the transforms, for
:mod:`landscape.geometry.frame`.
"""

from __future__ import annotations

import numpy as np

from .._base.validation import check_int, check_layers, check_positive

__all__ = ["balance_hidden_layers", "balance_layers"]

#: :func:`balance_hidden_layers` stops once no hidden ``G`` of a sweep has a singular value
#: outside ``exp(+-HIDDEN_BALANCE_LOG_TOL)`` (balanced to 10 %), or after ``BALANCE_SWEEPS``
#: sweeps. (Not :data:`landscape.flow.balance.BALANCE_TOL`, the 0-balance test of ``C_j``.)
HIDDEN_BALANCE_LOG_TOL, BALANCE_SWEEPS = 0.1, 200
#: Singular values of ``W_j`` at or below this fraction of the largest count as zero there:
#: above the rounding a badly conditioned representative carries (``eps cond(G_j)
#: cond(G_{j-1})``, ``1e-8`` for conditions ``1e4``), which must not be balanced up to full size.
BALANCE_RANK_RTOL = 1e-7
#: Largest cost per sweep, ``sum_j k_j^3 + d_j k_j (d_{j-1} + d_j + d_{j+1})`` with
#: ``k_j = min(d_j, d_{j-1} + d_{j+1})``, for which :func:`~.frame.prepared_point` balances the hidden
#: layers under ``GL(d_j)``; beyond it only the layer scalings are balanced.
ORBIT_BALANCE_LIMIT = 2 * 10 ** 8


def balance_layers(weights, *, norm: float) -> tuple[list[np.ndarray], np.ndarray]:
    """Rescale layers ``W_j <- c_j W_j`` to equal Frobenius norms, a move along the symmetry orbit.

    If every layer is nonzero the common norm is the geometric mean of the norms (so
    ``prod c_j = 1``: the hidden-layer action with ``G_j = (c_1 ... c_j) I``). If some layer is
    zero the end-to-end map is zero, the product constraint is absorbed by that layer, and the
    nonzero layers get the norm ``norm``.

    Parameters
    ----------
    weights : sequence of ndarray
    norm : float
        Common norm used when some layer is zero (e.g. ``sigma_1^{1/h}``).

    Returns
    -------
    weights : list of ndarray
        The rescaled layers.
    factors : ndarray (h,)
        The ``c_j`` (1 for zero layers).

    Examples
    --------
    >>> import numpy as np
    >>> w, c = balance_layers([np.array([[1e4]]), np.array([[1e-4]]), np.array([[4.0]])], norm=1.0)
    >>> np.round([float(x[0, 0]) for x in w], 12).tolist()
    [1.587401051968, 1.587401051968, 1.587401051968]
    """
    weights = check_layers(weights, allow_empty=True)
    norm = check_positive(norm, "norm")
    norms = np.array([np.linalg.norm(w) for w in weights])
    nonzero = norms > 0
    if not np.any(nonzero):
        return weights, np.ones(len(weights))
    if np.all(nonzero):
        target = float(np.exp(np.mean(np.log(norms))))
    else:
        target = float(norm)
    factors = np.where(nonzero, target / np.where(nonzero, norms, 1.0), 1.0)
    return [c * w for c, w in zip(factors, weights)], factors


def _padded_singular(matrix: np.ndarray, size: int, left: bool, floor: float):
    """Singular vectors on the side of length ``size`` and singular values padded to ``size``,
    those at or below ``BALANCE_RANK_RTOL`` times the largest replaced by ``floor``."""
    if matrix.size == 0:
        return np.eye(size), np.full(size, floor)
    u, s, vt = np.linalg.svd(matrix, full_matrices=True)
    vectors = u if left else vt.T
    values = np.zeros(size)
    values[:s.size] = s
    top = float(values.max())
    return vectors, np.where(values > BALANCE_RANK_RTOL * top, values, floor) if top > 0 \
        else np.full(size, floor)


def _pair_transform(below: np.ndarray, above: np.ndarray, floor: float):
    """``(H, H^{-1}, deviation)`` balancing one hidden layer between ``below = W_j`` and
    ``above = W_{j+1}``.

    With ``M = W_j W_j^T`` and ``N = W_{j+1}^T W_{j+1}``, each with ``floor^2`` put on its
    kernel (the directions nothing enters from below, or nothing leaves upwards), the
    symmetric positive ``H = P^{1/2}``, ``P = M^{-1} # N`` (the matrix geometric mean, the
    solution of ``P M P = N``), makes ``H M H = H^{-1} N H^{-1}``. Computed from singular
    value decompositions of the factors, never from ``M`` or ``N`` themselves:
    ``M = U diag(s^2) U^T``, ``N = V diag(t^2) V^T``, ``diag(s) U^T V diag(t) = A diag(S) B^T``
    gives ``G = diag(S)^{1/2} A^T diag(1/s) U^T`` with ``G^T G = P``, whose polar factor is
    ``H``. ``deviation`` is ``max |log sigma_i(H)|``.
    """
    d = below.shape[0]
    u, s = _padded_singular(below, d, True, floor)
    v, t = _padded_singular(above, d, False, floor)
    a, big, _ = np.linalg.svd((s[:, None] * (u.T @ v)) * t[None, :])
    g = (np.sqrt(big)[:, None] * a.T) @ (u / s).T
    _, sg, vgt = np.linalg.svd(g)
    return (vgt.T * sg) @ vgt, (vgt.T / sg) @ vgt, float(np.max(np.abs(np.log(sg))))


def _hidden_transform(below: np.ndarray, above: np.ndarray, floor: float):
    """:func:`_pair_transform` as ``(basis, H_k, H_k^{-1}, deviation)`` with
    ``H = I + B (H_k - I) B^T``: restricted to an orthonormal basis ``B`` of the span of
    ``W_j``'s columns and ``W_{j+1}``'s rows when that is smaller than ``d_j`` (outside it both
    sides are ``floor^2 I`` and the transform is the identity), else ``B = None`` and
    ``H = H_k``."""
    span = below.shape[1] + above.shape[0]
    if span >= below.shape[0]:
        return (None, *_pair_transform(below, above, floor))
    basis, _ = np.linalg.qr(np.hstack([below, above.T]))
    return (basis, *_pair_transform(basis.T @ below, above @ basis, floor))


def _left(basis, small: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``H x`` for ``H = I + B (H_k - I) B^T`` (``H_k`` where ``B`` is ``None``)."""
    if basis is None:
        return small @ x
    inner = basis.T @ x
    return x + basis @ (small @ inner - inner)


def _right(basis, small: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``x H`` for ``H = I + B (H_k - I) B^T`` (``H_k`` where ``B`` is ``None``)."""
    if basis is None:
        return x @ small
    inner = x @ basis
    return x + (inner @ small - inner) @ basis.T


def _balance_cost(widths) -> int:
    """Cost of one sweep of :func:`balance_hidden_layers` (see :data:`ORBIT_BALANCE_LIMIT`)."""
    cost = 0
    for j in range(1, len(widths) - 1):
        outer = widths[j - 1] + widths[j + 1]
        k = min(widths[j], outer)
        cost += k ** 3 + widths[j] * k * (outer + widths[j])
    return int(cost)


def _hidden_balance(weights: list[np.ndarray], floor: float, tol: float, max_sweeps: int,
                    transforms: bool = True):
    """The sweeps of :func:`balance_hidden_layers`: ``(weights, G, G^{-1})`` lists (``G`` and
    ``G^{-1}`` ``None`` unless ``transforms``: ``d_j x d_j`` matrices)."""
    weights = [np.array(w, dtype=float) for w in weights]
    moves = [np.eye(w.shape[0]) for w in weights[:-1]] if transforms else None
    inverses = [np.eye(w.shape[0]) for w in weights[:-1]] if transforms else None
    for _ in range(max_sweeps):
        worst = 0.0
        for j in range(1, len(weights)):
            basis, move, move_inv, deviation = _hidden_transform(weights[j - 1], weights[j],
                                                                 floor)
            weights[j - 1] = _left(basis, move, weights[j - 1])
            weights[j] = _right(basis, move_inv, weights[j])
            if transforms:
                moves[j - 1] = _left(basis, move, moves[j - 1])
                inverses[j - 1] = _right(basis, move_inv, inverses[j - 1])
            worst = max(worst, deviation)
        if worst <= tol:
            break
    return weights, moves, inverses


def balance_hidden_layers(weights, *, norm: float, tol: float = HIDDEN_BALANCE_LOG_TOL,
                          max_sweeps: int = BALANCE_SWEEPS) -> tuple[list[np.ndarray],
                                                                     list[np.ndarray]]:
    """Balance every hidden layer under its ``GL(d_j)`` action, a move along the symmetry orbit.

    Sweeps ``j = 1..h-1``, each time replacing ``W_j <- H W_j``, ``W_{j+1} <- W_{j+1} H^{-1}``
    with the symmetric positive ``H`` that makes ``W_j W_j^T`` and ``W_{j+1}^T W_{j+1}`` equal
    (``H = P^{1/2}``, ``P = M^{-1} # N`` the matrix geometric mean, the minimiser of
    ``||H W_j||^2 + ||W_{j+1} H^{-1}||^2``; block coordinate descent on the norm of the orbit
    point, Kempf & Ness 1979), until every ``H`` of a sweep is within ``exp(+-tol)`` of the
    identity. At a 0-balanced point (``C_j = W_{j+1}^T W_{j+1} - W_j W_j^T = 0``, e.g. a
    canonical representative) nothing moves. Hidden directions nothing enters from below (or
    nothing leaves upwards) -- paths cut in some layer, dangling sub-networks, where the orbit
    is not closed and the norm has no minimum -- are balanced against ``norm^2`` instead, so
    what leaves (or enters) them ends with singular values ``norm`` rather than shrinking to
    zero. Every step is invertible, so the result is a point of the orbit however far the
    sweeps got. Singular values at or below ``BALANCE_RANK_RTOL`` of a layer's largest count
    as zero: rounding in a badly conditioned representative is not balanced up to full size.

    Where the orbit is closed (every hidden direction on a path from input to output, as
    for the learnt paths of a critical point) the sweeps converge to the point of least norm,
    where every ``C_j = W_{j+1}^T W_{j+1} - W_j W_j^T`` vanishes; it is unique up to orthogonal
    ``G_j``. One-sided parts (cut paths, dangling sub-networks) are sized but not oriented:
    where their sizes all come from ``norm``, a product over two or more of their layers can
    stay as small as the given representative made it.

    Parameters
    ----------
    weights : sequence of ndarray
        ``W_1..W_h``, ``W_j`` with as many columns as ``W_{j-1}`` has rows.
    norm : float
        The size given to one-sided hidden directions (e.g. ``sigma_1^{1/h}``).
    tol : float
        Stop once every ``H`` of a sweep has ``max |log sigma_i(H)| <= tol``.
    max_sweeps : int

    Returns
    -------
    weights : list of ndarray
        The balanced layers ``G_j W_j G_{j-1}^{-1}`` (``G_0 = G_h = I``).
    transforms : list of ndarray
        ``G_1..G_{h-1}``.

    Examples
    --------
    The global minimum of ``sigma = (3, 2)`` at one hidden layer moved by ``G = diag(100, 0.01)``
    comes back to the canonical representative ``diag(sqrt(3), sqrt(2))``:

    >>> import numpy as np
    >>> root = np.diag(np.sqrt([3.0, 2.0]))
    >>> g = np.diag([100.0, 0.01])
    >>> w, (t,) = balance_hidden_layers([g @ root, root @ np.linalg.inv(g)], norm=1.0, tol=1e-9)
    >>> np.round(w[0], 9).tolist(), bool(np.allclose(t @ g, np.eye(2)))
    ([[1.732050808, 0.0], [0.0, 1.414213562]], True)
    """
    weights = check_layers(weights, allow_empty=True)
    norm = check_positive(norm, "norm")
    tol = check_positive(tol, "tol")
    max_sweeps = check_int(max_sweeps, "max_sweeps", minimum=1)
    balanced, transforms, _ = _hidden_balance(weights, norm, tol, max_sweeps)
    return balanced, transforms


def orbit_balance(weights: list[np.ndarray], norm: float, transforms: bool = True):
    """``(balanced, G, G^{-1})``: the layer scalings (:func:`balance_layers`) and then, while
    the cost allows (:data:`ORBIT_BALANCE_LIMIT`), the hidden ``GL`` action
    (:func:`balance_hidden_layers`), with the hidden transforms ``G_1..G_{h-1}`` of the whole
    move (``balanced_j = G_j W_j G_{j-1}^{-1}``, ``G_0 = G_h = I``) and their inverses.

    ``weights`` are validated matrices; zero layers share the scalar factor that makes the
    product of the ``c_j`` equal to 1 (they stay zero under any factor). A transform is a
    float (a multiple of the identity) where only the layers were rescaled; with
    ``transforms=False`` both lists are ``None`` (no ``d_j x d_j`` matrix is formed).
    """
    scaled, factors = balance_layers(weights, norm=norm)
    norms = np.array([np.linalg.norm(w) for w in weights])
    zero = norms == 0
    if np.any(zero) and not np.all(zero):
        factors[zero] = np.exp(-np.sum(np.log(factors[~zero])) / np.count_nonzero(zero))
    cumulative = [float(c) for c in np.cumprod(factors)[:-1]]
    widths = [weights[0].shape[1], *(w.shape[0] for w in weights)]
    if len(weights) > 1 and _balance_cost(widths) <= ORBIT_BALANCE_LIMIT:
        balanced, moves, move_inverses = _hidden_balance(scaled, norm, HIDDEN_BALANCE_LOG_TOL,
                                                         BALANCE_SWEEPS, transforms)
    else:
        balanced, moves, move_inverses = scaled, [1.0] * len(cumulative), \
            [1.0] * len(cumulative)
    if not transforms:
        return balanced, None, None
    return (balanced, [m * c for m, c in zip(moves, cumulative)],
            [m / c for m, c in zip(move_inverses, cumulative)])
