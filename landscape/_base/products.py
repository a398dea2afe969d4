"""Chains of layer products, the building block of every block-wise computation.

For weights ``[W_1, ..., W_h]`` the loss, its derivatives and the witness test need the
partial products ``W_j ... W_1`` (prefixes) and ``W_h ... W_{j+1}`` (suffixes); computing
them once per point, layer by layer, costs ``O(h)`` small products and never forms the
``n x n`` adjacency powers (Wendin & Altafini, SIAM Review 2025, §3).
"""

from __future__ import annotations

import numpy as np

__all__ = ["backpropagate", "chain_product", "prefix_products", "suffix_products",
           "symmetrized_norm"]


def chain_product(mats) -> np.ndarray:
    """``mats[-1] @ ... @ mats[0]``.

    Examples
    --------
    >>> import numpy as np
    >>> float(chain_product([np.eye(2) * 2, np.eye(2) * 3])[0, 0])
    6.0
    """
    out = mats[0]
    for m in mats[1:]:
        out = m @ out
    return out


def prefix_products(weights) -> list:
    """``[None, W_1, W_2 W_1, ..., W_h ... W_1]`` (``None`` stands for the identity)."""
    out = [None]
    for w in weights:
        out.append(w if out[-1] is None else w @ out[-1])
    return out


def suffix_products(weights) -> list:
    """``s[j] = W_h ... W_{j+1}`` for ``j = 0..h`` (``s[h] = None``, the identity)."""
    h = len(weights)
    out = [None] * (h + 1)
    for j in range(h - 1, -1, -1):
        out[j] = weights[j] if out[j + 1] is None else out[j + 1] @ weights[j]
    return out


def backpropagate(weights, top) -> list:
    """``Z[h] = top``, ``Z[j-1] = W_j^T Z[j]`` for ``j = h..1``."""
    Z = [None] * (len(weights) + 1)
    Z[-1] = top
    for j in range(len(weights), 0, -1):
        Z[j - 1] = weights[j - 1].T @ Z[j]
    return Z


def symmetrized_norm(F, G) -> float:
    """``||F G^T + G F^T||_F`` for ``d x k`` matrices ``F``, ``G``, without a ``d x d`` matrix
    when ``d > 2k``; exactly 0 when ``F`` is 0.

    Differences of Gram matrices are such sums: the conserved hidden blocks
    ``C_j = W_{j+1}^T W_{j+1} - W_j W_j^T = 1/2 (F G^T + G F^T)`` with ``F = [W_{j+1}^T, W_j]``,
    ``G = [W_{j+1}^T, -W_j]`` (docs/theory.md §1), and their drift along a flow,
    ``A^T A - A_0^T A_0 = 1/2 ((A - A_0)^T (A + A_0) + (A + A_0)^T (A - A_0))``. With the thin
    QR ``[F G] = Q [R_F R_G]`` the sum is ``Q (R_F R_G^T + R_G R_F^T) Q^T``: ``O(d k^2)`` work
    for a hidden layer of width ``d`` in the thousands.

    Examples
    --------
    >>> import numpy as np
    >>> a = np.ones((1000, 1))
    >>> round(symmetrized_norm(a, 2 * a), 6)  # ||4 * 1 1^T||_F = 4 * 1000
    4000.0
    """
    F, G = np.asarray(F, dtype=float), np.asarray(G, dtype=float)
    if F.shape[0] <= 2 * F.shape[1]:
        product = F @ G.T
        return float(np.linalg.norm(product + product.T))
    r = np.linalg.qr(np.hstack([F, G]), mode="r")
    r_f, r_g = r[:, :F.shape[1]], r[:, F.shape[1]:]
    product = r_f @ r_g.T
    return float(np.linalg.norm(product + product.T))
