"""Exact frustration as a mixed-integer program (HiGHS through :func:`scipy.optimize.milp`).

With ``x_a in {0, 1}`` (``s_a = 1 - 2 x_a``) and one ``y_e in [0, 1]`` per edge ``e = (a, b)``
standing for ``[x_a != x_b]``, the frustrated weight is the linear objective

    sum_{w_e > 0} w_e y_e + sum_{w_e < 0} |w_e| (1 - y_e),

minimised under ``y_e >= |x_a - x_b|`` (positive edges) and
``y_e <= min(x_a + x_b, 2 - x_a - x_b)`` (negative edges): a max-cut formulation of the
frustration of docs/theory.md §6 (J. Wendin, E. G. Larsson, C. Altafini, arXiv:2510.05286).

Internal to :mod:`landscape.signed`.
"""

from __future__ import annotations

import numpy as np

from .signed_graph import SignedLayers

__all__ = ["milp_switching"]


def milp_switching(g: SignedLayers, time_limit: float):
    """Exact switching from a mixed-integer program (HiGHS through :func:`scipy.optimize.milp`).

    Variables ``x_a in {0, 1}`` (``s_a = 1 - 2 x_a``) and ``y_e in [0, 1]`` per edge, with
    ``y_e >= |x_a - x_b|`` for positive edges and ``y_e <= min(x_a + x_b, 2 - x_a - x_b)``
    for negative ones, so that at the optimum ``y_e = [x_a != x_b]`` and the objective
    ``sum_{w_e > 0} w_e y_e + sum_{w_e < 0} |w_e| (1 - y_e)`` is the frustrated weight.
    Weights are scaled to ``max |w| = 1`` for the solver's absolute tolerances.

    Returns the switching, a proven lower bound and whether optimality was proven.
    """
    n = g.n
    a_idx, b_idx, w_e = g.edges()
    m = w_e.size
    scale = g.scale()
    if m == 0:
        return np.ones(n, dtype=np.int8), 0.0, True
    w_e = w_e / scale
    pos = w_e > 0
    # Objective: w_e y_e for every edge (|w| (1 - y) = |w| + w y for a negative one).
    cost = np.concatenate([np.zeros(n), w_e])
    offset = float(-np.sum(w_e[~pos]))
    e = np.arange(m)
    # Rows 2e and 2e+1: y - x_a + x_b >= 0 and y + x_a - x_b >= 0 for a positive edge,
    # y - x_a - x_b <= 0 and y + x_a + x_b <= 2 for a negative one.
    sb = np.where(pos, 1.0, -1.0)
    rows = np.concatenate([2 * e, 2 * e, 2 * e, 2 * e + 1, 2 * e + 1, 2 * e + 1])
    cols = np.concatenate([n + e, a_idx, b_idx, n + e, a_idx, b_idx])
    vals = np.concatenate([np.ones(m), -np.ones(m), sb, np.ones(m), np.ones(m), -sb])
    lower = np.repeat(np.where(pos, 0.0, -np.inf), 2)
    upper = np.stack([np.where(pos, np.inf, 0.0), np.where(pos, np.inf, 2.0)], axis=1).ravel()
    from scipy import optimize, sparse  # imported where used: ``import landscape`` stays light

    A = sparse.csr_matrix((vals, (rows, cols)), shape=(2 * m, n + m))
    x_upper = g.free.astype(float)
    if g.free.all():
        x_upper[a_idx[0]] = 0.0  # s -> -s leaves the value unchanged: fix one sign
    bounds = optimize.Bounds(np.zeros(n + m), np.concatenate([x_upper, np.ones(m)]))
    integrality = np.concatenate([np.ones(n), np.zeros(m)])
    res = optimize.milp(cost, constraints=optimize.LinearConstraint(A, lower, upper),
                        integrality=integrality, bounds=bounds,
                        options={"time_limit": float(time_limit), "mip_rel_gap": 0.0})
    if res.x is None:
        s = np.ones(n, dtype=np.int8)
    else:
        s = np.where(res.x[:n] > 0.5, -1, 1).astype(np.int8)
    bound = getattr(res, "mip_dual_bound", None)
    bound = 0.0 if bound is None or not np.isfinite(bound) else max(0.0, (bound + offset) * scale)
    return s, bound, res.status == 0
