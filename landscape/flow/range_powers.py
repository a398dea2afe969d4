"""The operator ``A_P`` of the end-to-end flow and the exact Jacobian of its right-hand side.

``A_P(Z) = sum_{j=1}^{h} (P P^T)^{(h-j)/h} Z (P^T P)^{(j-1)/h}`` with the powers taken on the
range of ``P`` (docs/theory.md §7): in the basis of the compact SVD ``P = U_k S_k V_k^T`` every power
``a > 0`` is ``U_k S_k^{2a} U_k^T`` and the power 0 is the identity. The rank ``k`` is fixed by
the caller (the flow keeps it). The Jacobian of ``F(P) = -A_P(R(P))``, ``R = (P - P*) Sxx``,
is exact: the derivative of each power is the Daleckii-Krein formula
``D f(P P^T)[E] = U (Gamma o U^T E U) U^T`` with ``Gamma`` the divided differences of
``f(x) = x^a`` at the eigenvalues; the block between two null directions never enters, as
``E = dP P^T + P dP^T`` vanishes there.
"""

from __future__ import annotations

import numpy as np

__all__: list[str] = []


def _powers(values: np.ndarray, a: float) -> np.ndarray:
    """``x^a`` on positive entries, 0 on zero ones (``a > 0``)."""
    out = np.zeros_like(values)
    positive = values > 0
    out[positive] = values[positive] ** a
    return out


def _divided_differences(values: np.ndarray, a: float) -> np.ndarray:
    """``(x_p^a - x_r^a) / (x_p - x_r)`` (``a x^{a-1}`` on the diagonal), 0 between zeros."""
    x = values[:, None]
    y = values[None, :]
    both = (x > 0) & (y > 0)
    safe_x, safe_y = np.where(both, x, 1.0), np.where(both, y, 1.0)
    log_ratio = np.log(safe_x / safe_y)
    small = np.abs(log_ratio) < 1e-12
    ratio = np.where(small, a, np.expm1(a * log_ratio) / np.where(small, 1.0, np.expm1(log_ratio)))
    out = np.where(both, safe_y ** (a - 1.0) * ratio, 0.0)
    one = (x > 0) ^ (y > 0)
    larger = np.maximum(x, y)
    out = np.where(one, np.where(one, larger, 1.0) ** (a - 1.0), out)
    return out


def _on_manifold(state: np.ndarray, h: int, k: int):
    """``(P_k, svd, drift)``: the state truncated to rank ``k`` (kept as is for ``h = 1``), its
    compact SVD and ``||P - P_k||_F / ||P||_F``, the normal part the integrator left.

    ``P_k`` is the state minus its tail ``sum_{i > k} s_i u_i v_i^T``, not the head rebuilt from
    its SVD: a rebuilt entry is exact only to ``eps ||P||``, which ``Sxx`` multiplies in the
    residual ``(P - P*) Sxx`` (an input of variance ``10^12`` times the others' turns that into
    noise the integrator cannot step through); the subtraction keeps each entry to its own
    precision, exactly so where nothing is truncated."""
    if h == 1:  # nothing to truncate, and A_P is the identity: no SVD
        return state, None, 0.0
    svd = np.linalg.svd(state, full_matrices=False)
    u, s, vt = svd
    top = state - (u[:, k:] * s[k:]) @ vt[k:]
    relative = s / s[0] if s.size and s[0] > 0 else np.zeros_like(s)  # squares cannot overflow
    drift = float(np.linalg.norm(relative[k:]) / np.linalg.norm(relative)) if s.size \
        and s[0] > 0 else 0.0
    return top, svd, drift


class _Operator:
    """``A_P`` at one ``P`` of rank ``k`` (powers on the range of ``P``), for depth ``h``."""

    def __init__(self, product: np.ndarray, h: int, k: int, svd=None):
        self.h = h
        if h == 1:
            return
        u, s, vt = np.linalg.svd(product, full_matrices=False) if svd is None else svd
        self.u, self.v, s = u[:, :k], vt[:k].T, s[:k]
        self.outer = s ** (2.0 * (h - 1) / h)  # the j = 1 and j = h terms
        # middle terms j = 2..h-1: sum_j s_p^{2(h-j)/h} s_q^{2(j-1)/h}
        j = np.arange(2, h)[:, None, None]
        self.middle = np.sum(s[None, :, None] ** (2.0 * (h - j) / h)
                             * s[None, None, :] ** (2.0 * (j - 1) / h), axis=0)

    def apply(self, z: np.ndarray) -> np.ndarray:
        """``A_P(z)``."""
        if self.h == 1:
            return z
        uz, zv = self.u.T @ z, z @ self.v
        out = self.u @ (self.outer[:, None] * uz) + (zv * self.outer) @ self.v.T
        if self.h > 2:
            out += self.u @ ((self.u.T @ zv) * self.middle) @ self.v.T
        return out

    def quadratic(self, z: np.ndarray) -> float:
        """``<z, A_P z>`` as a sum of squares (no cancellation)."""
        if self.h == 1:
            return float(np.sum(z * z))
        uz, zv = self.u.T @ z, z @ self.v
        total = float(np.sum(self.outer[:, None] * uz ** 2) + np.sum(zv ** 2 * self.outer))
        if self.h > 2:
            total += float(np.sum((self.u.T @ zv) ** 2 * self.middle))
        return total


def _jacobian(product: np.ndarray, residual: np.ndarray, gram, h: int, k: int) -> np.ndarray:
    """Jacobian of ``vec F``, ``F(P) = -A_{P_k}(R(P_k))``, ``dR = dP gram``, row-major ``vec``.

    At a ``P`` of rank ``k`` the truncation ``P -> P_k`` has the tangent projection as
    derivative, so the columns of the normal directions ``U_perp e_a e_b^T V_perp^T`` vanish.

    Built in the full SVD basis ``P = U S V^T`` for every unit direction at once, then rotated
    back with ``U (x) V`` (the row-major ``vec`` of ``U X V^T`` is ``(U (x) V) vec X``).
    """
    d_y, d_x = product.shape
    n = d_y * d_x
    u, s, vt = np.linalg.svd(product, full_matrices=True)
    v = vt.T
    sv_y, sv_x = np.zeros(d_y), np.zeros(d_x)
    sv_y[:k], sv_x[:k] = s[:k], s[:k]
    lam, mu = sv_y ** 2, sv_x ** 2
    sig = np.zeros((d_y, d_x))
    sig[np.arange(k), np.arange(k)] = s[:k]
    rot_gram = np.eye(d_x) if gram is None else v.T @ gram @ v
    g = u.T @ residual @ v
    delta = np.eye(n).reshape(n, d_y, d_x)
    left_e = delta @ sig.T + sig @ delta.transpose(0, 2, 1)
    right_e = delta.transpose(0, 2, 1) @ sig + sig.T @ delta
    d_res = delta @ rot_gram
    total = np.zeros((n, d_y, d_x))
    for j in range(1, h + 1):
        a, b = (h - j) / h, (j - 1) / h
        left = _powers(lam, a) if a > 0 else np.ones(d_y)
        right = _powers(mu, b) if b > 0 else np.ones(d_x)
        total += left[:, None] * d_res * right[None, :]
        if a > 0:
            total += (_divided_differences(lam, a) * left_e) @ (g * right[None, :])
        if b > 0:
            total += (left[:, None] * g) @ (_divided_differences(mu, b) * right_e)
    rotated = -total.reshape(n, n).T
    if h > 1:  # F depends on P through its rank-k part: times the tangent projector at P_k
        normal = (np.arange(d_y)[:, None] >= k) & (np.arange(d_x)[None, :] >= k)
        rotated[:, normal.ravel()] = 0.0
    # (u kron v) R (u kron v)^T, one factor per axis of R as a (d_y, d_x, d_y, d_x) tensor:
    # four contractions of n^2 d operations instead of two products of n^3
    tensor = np.tensordot(u, rotated.reshape(d_y, d_x, d_y, d_x), axes=(1, 0))
    tensor = np.tensordot(v, tensor, axes=(1, 1)).transpose(1, 0, 2, 3)
    tensor = np.tensordot(np.tensordot(tensor, u, axes=(2, 1)), v, axes=(2, 1))
    return tensor.reshape(n, n)
