"""0-balanced weights: how far weights are from balance, and balanced factorisations of a map.

Weights are 0-balanced when every conserved block ``C_j = W_{j+1}^T W_{j+1} - W_j W_j^T``
(``j = 1..h-1``, docs/theory.md §1) vanishes. Then all layers share their nonzero singular values and
the end-to-end map ``P = W_h ... W_1`` follows a flow of its own (docs/theory.md §7; Arora, Cohen &
Hazan, ICML 2018; Bah, Rauhut, Terstiege & Westdickenberg, Inf. Inference 2021). Conversely
every map of rank ``k`` has balanced factorisations through hidden widths ``>= k``.
"""

from __future__ import annotations

import numpy as np

from .._base.products import symmetrized_norm
from .._base.validation import as_matrix, check_layers, check_nonnegative, check_seed, \
    check_widths
from ..problem.ties import TIE_TOL, numerical_rank

__all__ = ["BALANCE_TOL", "balanced_factorization", "check_balanced", "imbalance"]

#: Default relative tolerance of :func:`check_balanced`:
#: ``||C_j||_F <= BALANCE_TOL * max_j ||W_j||_F^2``.
BALANCE_TOL = 1e-8


def _orthonormal_columns(rng: np.random.Generator, rows: int, cols: int) -> np.ndarray:
    """A Haar-random ``rows x cols`` matrix with orthonormal columns (QR with signs fixed)."""
    q, r = np.linalg.qr(rng.standard_normal((rows, cols)))
    return q * np.where(np.diag(r) < 0, -1.0, 1.0)


def _check_widths_of(widths, product: np.ndarray) -> tuple[int, ...]:
    widths = check_widths(widths)
    d_y, d_x = product.shape
    if widths[0] != d_x or widths[-1] != d_y:
        raise ValueError(f"widths must start with d_x = {d_x} and end with d_y = {d_y} (the "
                         f"shape of the map), got {widths}")
    return widths


def balanced_factorization(product, widths, *, seed=None,
                           tie_tol: float = TIE_TOL) -> list[np.ndarray]:
    """A 0-balanced factorisation ``W_h ... W_1 = P`` through the given widths.

    With the compact SVD ``P = U_k S_k V_k^T`` (``k`` singular values above
    ``tie_tol * s_1``) and frames ``Q_j`` (``d_j x k``, orthonormal columns) for the hidden
    layers, ``Q_0 = V_k`` and ``Q_h = U_k``::

        W_j = Q_j S_k^{1/h} Q_{j-1}^T,   j = 1..h.

    The product telescopes to ``U_k S_k V_k^T`` and every conserved block
    ``C_j = W_{j+1}^T W_{j+1} - W_j W_j^T = Q_j S_k^{2/h} Q_j^T - Q_j S_k^{2/h} Q_j^T`` is
    zero (Arora, Cohen & Hazan, ICML 2018; Bah et al., Inf. Inference 2021). Every balanced
    factorisation of ``P`` through these widths is one of these, up to the orthogonal
    symmetry of the hidden layers (docs/theory.md §1), which keeps the loss, the gradient norm and
    every layer's singular values.

    Parameters
    ----------
    product : array_like, shape (d_y, d_x)
        The map ``P``; singular values at most ``tie_tol * s_1`` are dropped.
    widths : sequence of int
        ``(d_0, ..., d_h)`` with ``d_0 = d_x``, ``d_h = d_y`` and every hidden ``d_j >= k``.
    seed : int, Generator or None
        ``None`` (default): the canonical frames ``Q_j = [e_1 ... e_k]``; otherwise Haar-random
        frames drawn from ``check_seed(seed)`` (:func:`~landscape._base.validation.check_seed`),
        hidden layers in order.
    tie_tol : float
        Relative tolerance for zero singular values of ``P``.

    Returns
    -------
    list of ndarray
        ``W_1..W_h``.

    Raises
    ------
    ValueError
        When a hidden width is narrower than the rank of ``P``.

    Examples
    --------
    >>> import numpy as np
    >>> P = np.array([[4.0, 0.0], [0.0, 1.0]])
    >>> w = balanced_factorization(P, (2, 3, 2))
    >>> np.allclose(w[1] @ w[0], P), imbalance(w)
    (True, 0.0)
    """
    product = as_matrix(product, "product")
    widths = _check_widths_of(widths, product)
    h = len(widths) - 1
    if h == 1:
        return [product.copy()]
    u, s, vt = np.linalg.svd(product, full_matrices=False)
    k = numerical_rank(s, tie_tol=tie_tol)
    narrow = [j for j in range(1, h) if widths[j] < k]
    if narrow:
        j = narrow[0]
        raise ValueError(f"widths[{j}] must be at least the rank k = {k} of product (a "
                         f"balanced factorisation needs hidden widths >= k), got {widths[j]}")
    rng = None if seed is None else check_seed(seed)
    hidden = []
    for d in widths[1:-1]:
        if rng is None:
            frame = np.zeros((d, k))
            frame[np.arange(k), np.arange(k)] = 1.0
        else:
            frame = _orthonormal_columns(rng, d, k)
        hidden.append(frame)
    frames = [vt[:k].T, *hidden, u[:, :k]]
    root = s[:k] ** (1.0 / h)
    return [(frames[j + 1] * root) @ frames[j].T for j in range(h)]


def imbalance(weights) -> float:
    """``max_j ||C_j||_F / max_j ||W_j||_F^2``: 0 for 0-balanced weights (0 for ``h = 1``).

    ``C_j = W_{j+1}^T W_{j+1} - W_j W_j^T`` are the conserved hidden blocks of docs/theory.md §1.

    Examples
    --------
    >>> import numpy as np
    >>> imbalance([np.array([[1.0]]), np.array([[2.0]])])
    0.75
    """
    weights = check_layers(weights)
    scale = max(float(np.sum(w * w)) for w in weights)
    if len(weights) < 2 or scale == 0:
        return 0.0
    return _largest_block(weights)[1] / scale


def _largest_block(weights) -> tuple[int, float]:
    norms = [0.5 * symmetrized_norm(np.hstack([weights[j + 1].T, weights[j]]),
                                    np.hstack([weights[j + 1].T, -weights[j]]))
             for j in range(len(weights) - 1)]
    j = int(np.argmax(norms))
    return j + 1, norms[j]


def check_balanced(weights, *, balance_tol: float = BALANCE_TOL,
                   name: str = "weights") -> list[np.ndarray]:
    """Return ``weights`` as float arrays if 0-balanced; else raise, naming the worst ``C_j``.

    Balanced means ``||C_j||_F <= balance_tol * max_j ||W_j||_F^2`` for every hidden block
    ``C_j = W_{j+1}^T W_{j+1} - W_j W_j^T`` (docs/theory.md §1, §7).

    Parameters
    ----------
    weights : sequence of ndarray
        ``W_1..W_h``.
    balance_tol : float
        Relative tolerance.
    name : str
        The argument's name in messages.

    Raises
    ------
    ValueError
        Naming the largest ``||C_j||_F``, its ``j`` and the bound.

    Examples
    --------
    >>> import numpy as np
    >>> check_balanced([np.array([[1.0]]), np.array([[2.0]])])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: weights must be 0-balanced (||C_j||_F <= 1e-08 * ...), got ||C_1||_F = 3 (...)
    """
    weights = check_layers(weights, name)
    balance_tol = check_nonnegative(balance_tol, "balance_tol")
    if len(weights) < 2:
        return weights
    scale = max(float(np.sum(w * w)) for w in weights)
    j, worst = _largest_block(weights)
    if worst > balance_tol * scale:
        raise ValueError(f"{name} must be 0-balanced (||C_j||_F <= {balance_tol:g} * max_j "
                         f"||W_j||_F^2 = {balance_tol * scale:.3g}), got ||C_{j}||_F = "
                         f"{worst:.3g} (C_j = W_{{j+1}}^T W_{{j+1}} - W_j W_j^T)")
    return weights
