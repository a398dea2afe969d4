"""Heuristic frustration: single-node flip descent, alternating-layer polish, restarts.

Flipping node ``a`` of the switching ``s`` changes the frustrated weight by
``c_a = s_a g_a``, with ``g_a = sum_b (A_ab + A_ba) s_b`` its field; :func:`descend` flips the
node with the most negative ``c_a`` until none is negative (the greedy method of J. Wendin,
E. G. Larsson, C. Altafini, *Computing frustration and near-monotonicity in deep neural
networks*, arXiv:2510.05286). :func:`polish_switching` then takes compound moves across the
even/odd layer bipartition, and :func:`greedy_switching` keeps the best of several starts:
an upper bound on the frustration (docs/theory.md §6).

Internal to :mod:`landscape.signed`.
"""

from __future__ import annotations

import numpy as np

from .signed_graph import SignedLayers

__all__ = ["descend", "greedy_switching", "polish_switching"]


def descend(g: SignedLayers, s: np.ndarray, tol: float) -> np.ndarray:
    """Steepest single-node flips (arXiv:2510.05286) until no flip lowers the frustration.

    Flipping node ``a`` changes the frustration by ``c_a = s_a g_a``, its signed
    row-plus-column sum in ``D A D``; the node with the most negative ``c_a`` flips, and the
    fields of its neighbours are updated in ``O(d_{j-1} + d_{j+1})``.
    """
    s = s.astype(float)
    g_field = g.field(s)
    o = g.offsets
    layer_of = np.repeat(np.arange(len(g.widths)), g.widths)
    blocks_t = [w.T.copy() for w in g.blocks]
    penalty = np.where(g.free, 0.0, np.inf)
    while True:
        c = s * g_field + penalty
        a = int(np.argmin(c))
        if not c[a] < -tol:
            return s
        j = layer_of[a]
        i = a - o[j]
        step = 2.0 * s[a]
        if j >= 1:
            g_field[o[j - 1]:o[j]] -= step * g.blocks[j - 1][i]
        if j < g.h:
            g_field[o[j + 1]:o[j + 2]] -= step * blocks_t[j][i]
        s[a] = -s[a]


def polish_switching(g: SignedLayers, s: np.ndarray, tol: float) -> np.ndarray:
    """Alternating-layer polish: compound moves across the even/odd bipartition.

    With one side ``X`` and the other side ``Y`` at its closed-form best response, flipping
    a node ``b`` of ``X`` and re-optimising all of ``Y`` changes ``sum s_a A_ab s_b`` by
    ``sum_{a ~ b} phi_a(u_a - 2 s_b A_ab) - phi_a(u_a)`` (``phi = |.|`` for free ``a``,
    identity for fixed ones). The best such move is taken while it gains; then the sides
    swap roles, until neither side gains. Every single flip is such a move, so the result is
    still a single-flip local minimum, and often a lower one.
    """
    s = s.astype(float)
    o = g.offsets
    parity = np.repeat(np.arange(len(g.widths)) % 2, g.widths)
    idle = 0
    x_parity = 1
    while idle < 2:
        moved = False
        while True:
            u = g.field(s)
            y = (parity != x_parity) & g.free
            s[y] = np.where(u[y] < 0, -1.0, np.where(u[y] > 0, 1.0, s[y]))
            gain = np.zeros(g.n)
            for j, w in enumerate(g.blocks, start=1):
                sj, sp = g.layer(s, j), g.layer(s, j - 1)
                if j % 2 == x_parity:  # rows in X, columns in Y
                    uy, fy = u[o[j - 1]:o[j]], g.free[o[j - 1]:o[j]]
                    new = uy[None, :] - 2.0 * sj[:, None] * w
                    delta = np.where(fy, np.abs(new) - np.abs(uy), new - uy)
                    gain[o[j]:o[j + 1]] += delta.sum(axis=1)
                else:  # rows in Y, columns in X
                    uy, fy = u[o[j]:o[j + 1]], g.free[o[j]:o[j + 1]]
                    new = uy[:, None] - 2.0 * w * sp[None, :]
                    delta = np.where(fy[:, None], np.abs(new) - np.abs(uy)[:, None],
                                     new - uy[:, None])
                    gain[o[j - 1]:o[j]] += delta.sum(axis=0)
            gain[(parity != x_parity) | ~g.free] = -np.inf
            b = int(np.argmax(gain))
            if not gain[b] > 2.0 * tol:
                break
            s[b] = -s[b]
            moved = True
        idle = 0 if moved else idle + 1
        x_parity = 1 - x_parity
    return s


def greedy_switching(g: SignedLayers, starts: list[np.ndarray], polish: bool) -> np.ndarray:
    """The best switching of :func:`descend` (then :func:`polish_switching` if ``polish``)
    from each of ``starts``; flips gain only beyond ``1e-12`` of the largest weight."""
    tol = 1e-12 * max(g.scale(), np.finfo(float).tiny)
    best, best_value = None, np.inf
    for s0 in starts:
        s = descend(g, s0, tol)
        if polish:
            s = polish_switching(g, s, tol)
        value = float(np.sum(g.per_layer(s)))
        if value < best_value:
            best, best_value = s, value
    return best.astype(np.int8)
