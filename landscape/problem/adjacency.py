"""The adjacency-matrix formulation, written literally (Wendin & Altafini, SIAM Review 2025).

    L(A) = 1/2 ||E - A^h||_F^2,
    grad_A L = - sum_{k=0}^{h-1} (A^T)^k (E - A^h) (A^T)^{h-1-k}.

These use dense ``n x n`` powers and cost ``O(h n^3)``: they exist as the mathematical
interface and as an independent oracle for the block-wise code in :mod:`landscape.problem.network`,
in reduced coordinates (``E`` from :meth:`~.network.Landscape.adjacency_target`).
"""

from __future__ import annotations

import numpy as np

from .._base.validation import as_matrix, check_int

__all__ = ["adjacency_loss", "adjacency_gradient", "adjacency_invariants"]


def _check(A, E, h):
    A = as_matrix(A, "A")
    E = as_matrix(E, "E", shape=A.shape)
    if A.shape[0] != A.shape[1]:
        raise ValueError(f"A must be square, got shape {A.shape}")
    return A, E, check_int(h, "h", minimum=1)


def adjacency_loss(A, E, h: int) -> float:
    """``1/2 ||E - A^h||_F^2`` with dense matrix powers.

    Examples
    --------
    A two-layer chain ``1 -> 2 -> 3`` with weights 2 and 3: ``A^2`` maps node 1 to node 3 by 6.

    >>> import numpy as np
    >>> A = np.array([[0.0, 0, 0], [2, 0, 0], [0, 3, 0]])
    >>> E = np.zeros((3, 3)); E[2, 0] = 5.0
    >>> adjacency_loss(A, E, 2)
    0.5
    """
    A, E, h = _check(A, E, h)
    diff = E - np.linalg.matrix_power(A, h)
    return 0.5 * float(np.sum(diff * diff))


def adjacency_gradient(A, E, h: int) -> np.ndarray:
    """``-sum_{k=0}^{h-1} (A^T)^k (E - A^h) (A^T)^{h-1-k}`` with dense matrix powers.

    Examples
    --------
    For the chain ``1 -> 2 -> 3`` (weights ``a = 2``, ``b = 3``, target 5) the loss is
    ``1/2 (5 - a b)^2``: its derivatives in ``a`` and ``b`` are ``b (ab - 5) = 3`` and
    ``a (ab - 5) = 2``.

    >>> import numpy as np
    >>> A = np.array([[0.0, 0, 0], [2, 0, 0], [0, 3, 0]])
    >>> E = np.zeros((3, 3)); E[2, 0] = 5.0
    >>> G = adjacency_gradient(A, E, 2)
    >>> float(G[1, 0]), float(G[2, 1])
    (3.0, 2.0)
    """
    A, E, h = _check(A, E, h)
    residual = E - np.linalg.matrix_power(A, h)
    powers = [np.eye(A.shape[0])]
    for _ in range(h - 1):
        powers.append(powers[-1] @ A.T)
    return -sum(powers[k] @ residual @ powers[h - 1 - k] for k in range(h))


def adjacency_invariants(A) -> np.ndarray:
    """``A^T A - A A^T``: block diagonal; its hidden blocks are the conserved ``C_j``.

    Examples
    --------
    For the chain ``1 -> 2 -> 3`` with weights ``a``, ``b`` the hidden node carries
    ``C_1 = b^2 - a^2``.

    >>> import numpy as np
    >>> A = np.array([[0.0, 0, 0], [2, 0, 0], [0, 3, 0]])
    >>> np.diag(adjacency_invariants(A)).tolist()
    [4.0, 5.0, -9.0]
    """
    A = as_matrix(A, "A")
    return A.T @ A - A @ A.T
