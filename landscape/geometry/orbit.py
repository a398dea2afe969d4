"""The tangent of the hidden-layer symmetry orbit and its dimension.

The group ``prod_{j=1}^{h-1} GL(d_j)`` acts by ``W_j -> G_j W_j G_{j-1}^{-1}`` (``G_0 = G_h = I``)
and keeps the loss (docs/theory.md §1). Its generators ``X = (X_1, ..., X_{h-1})`` give the tangent
vectors

    delta W_j = X_j W_j - W_j X_{j-1}        (X_0 = X_h = 0),

which lie in the Hessian kernel at a critical point. :func:`orbit_tangent` stacks their
images; :func:`orbit_dimension` counts the tangent's dimension, either as the numerical rank
of that matrix or as ``sum_j d_j^2`` minus the stabiliser, read from the ranks of all partial
products through the interval decomposition of the linear quiver representation
``R^{d_0} -> R^{d_1} -> ... -> R^{d_h}`` (Gabriel's theorem for type ``A``).
"""

from __future__ import annotations

import numpy as np

from .._base.validation import check_choice
from ..problem.network import Landscape, check_landscape
from .balancing import orbit_balance

__all__ = ["orbit_dimension", "orbit_tangent"]

#: Largest ``P x sum_j d_j^2`` for which :func:`orbit_dimension` stacks the generator images.
GENERATOR_LIMIT = 2 * 10 ** 7
#: Relative numerical-rank threshold (times the largest singular value, or the product of the
#: factors' norms) for the orbit tangent and partial products.
RANK_RTOL = 1e-10


def hidden_offsets(widths) -> np.ndarray:
    """Start of each hidden layer's block ``gl(d_j)`` among the generators, and their total.

    Examples
    --------
    >>> hidden_offsets((3, 2, 4, 1)).tolist()
    [0, 4, 20]
    """
    sizes = [d * d for d in widths[1:-1]]
    return np.concatenate([[0], np.cumsum(sizes)]).astype(int)


def orbit_tangent(land: Landscape, weights) -> np.ndarray:
    """The generator map ``X -> (X_j W_j - W_j X_{j-1})_j`` as a ``P x sum_j d_j^2`` matrix.

    Column ``(j, p, q)`` is the image of the matrix unit ``E_pq`` of ``gl(d_j)``
    (``j = 1..h-1``): row ``p`` of ``W_j`` receives row ``q`` of ``W_j``, column ``q`` of
    ``W_{j+1}`` receives minus column ``p`` of ``W_{j+1}``. Its column space is the tangent of
    the hidden-layer symmetry orbit ``W_j -> G_j W_j G_{j-1}^{-1}`` (docs/theory.md §1), in flatten
    order, in the coordinates of ``weights``.

    Examples
    --------
    The canonical point that learnt mode 1 at depth 3 (one aligned path, weight ``4^{1/3}``):

    >>> import numpy as np
    >>> from landscape.problem import DataSpectrum
    >>> land = Landscape(DataSpectrum.from_singular_values([4.0, 1.0]), widths=(2, 2, 2, 2))
    >>> tangent = orbit_tangent(land, [np.diag([4.0 ** (1 / 3), 0.0])] * 3)
    >>> tangent.shape, int(np.linalg.matrix_rank(tangent))
    ((12, 8), 6)
    """
    check_landscape(land)
    weights = land.check(weights)
    widths, h = land.widths, land.h
    hidden = hidden_offsets(widths)
    offsets = np.concatenate([[0], np.cumsum([w.size for w in weights])]).astype(int)
    out = np.zeros((land.n_params, int(hidden[-1])))
    for j in range(1, h):
        d = widths[j]
        below, above = weights[j - 1], weights[j]   # W_j (d x d_{j-1}), W_{j+1} (d_{j+1} x d)
        d_in, d_out = below.shape[1], above.shape[0]
        for p in range(d):
            for q in range(d):
                col = hidden[j - 1] + p * d + q
                start = offsets[j - 1] + p * d_in
                out[start:start + d_in, col] = below[q]
                rows = offsets[j] + np.arange(d_out) * d + q
                out[rows, col] = -above[:, p]
    return out


def _matrix_rank(values: np.ndarray, scale: float, rtol: float = RANK_RTOL) -> int:
    """Singular values above ``rtol * scale``."""
    return int(np.count_nonzero(values > rtol * scale)) if scale > 0 else 0


def orthonormal_orbit_basis(tangent: np.ndarray) -> np.ndarray:
    """An orthonormal basis (columns) of the column space of :func:`orbit_tangent`'s matrix.

    Examples
    --------
    >>> import numpy as np
    >>> orthonormal_orbit_basis(np.array([[1.0, 2.0], [0.0, 0.0]])).shape
    (2, 1)
    """
    if not tangent.size:
        return tangent[:, :0]
    u, s, _ = np.linalg.svd(tangent, full_matrices=False)
    return u[:, :_matrix_rank(s, float(s[0]) if s.size else 0.0)]


def partial_ranks(weights, *, rtol: float = RANK_RTOL) -> dict[tuple[int, int], int]:
    """``r_ij = rank(W_j ... W_{i+1})`` for ``0 <= i < j <= h``: singular values above ``rtol``
    times the product of the factors' spectral norms (the scale of its rounding error).

    Examples
    --------
    >>> import numpy as np
    >>> partial_ranks([np.eye(2), np.diag([1.0, 0.0])])
    {(0, 1): 2, (0, 2): 1, (1, 2): 1}
    """
    h = len(weights)
    out = {}
    for i in range(h):
        product, scale = None, 1.0
        for j in range(i + 1, h + 1):
            w = weights[j - 1]
            product = w if product is None else w @ product
            scale *= float(np.linalg.norm(w, 2)) if w.size else 0.0
            out[(i, j)] = _matrix_rank(np.linalg.svd(product, compute_uv=False), scale, rtol)
    return out


def orbit_dimension_from_ranks(widths, ranks) -> int:
    """``sum_j d_j^2 - dim stab`` from the interval decomposition of the quiver representation.

    A representation ``V_0 -> V_1 -> ... -> V_h`` of the linear quiver splits into interval
    modules ``I[s, t]`` with multiplicities ``m_st = r_st - r_{s-1,t} - r_{s,t+1} +
    r_{s-1,t+1}`` (``r_ii = d_i``, out-of-range ranks 0). ``Hom(I[s,t], I[s',t'])`` is
    one-dimensional iff ``s' <= s <= t' <= t``, supported on ``[s, t']``; the stabiliser of the
    hidden action (``X_0 = X_h = 0``) keeps the morphisms with ``s >= 1`` and ``t' <= h - 1``.
    ``ranks`` is :func:`partial_ranks`.

    Examples
    --------
    >>> import numpy as np
    >>> orbit_dimension_from_ranks((2, 2, 2), partial_ranks([np.eye(2), np.eye(2)]))
    4
    """
    h = len(widths) - 1

    def rank(i, j):
        if i < 0 or j > h:
            return 0
        return widths[i] if i == j else ranks[(i, j)]

    mult = {(s, t): rank(s, t) - rank(s - 1, t) - rank(s, t + 1) + rank(s - 1, t + 1)
            for s in range(h + 1) for t in range(s, h + 1)}
    stab = 0
    for (s, t), m in mult.items():
        if m == 0 or s < 1:
            continue
        for (s2, t2), m2 in mult.items():
            if m2 and s2 <= s <= t2 <= t and t2 <= h - 1:
                stab += m * m2
    return int(sum(d * d for d in widths[1:-1]) - stab)


def orbit_dimension(land: Landscape, weights, *, method: str = "auto") -> int:
    """Dimension of the tangent of the hidden-layer symmetry orbit through ``weights``.

    ``method="generators"``: numerical rank of the stacked generator images
    (:func:`orbit_tangent`). ``method="ranks"``: ``sum_j d_j^2`` minus the dimension of the
    stabiliser ``{X : X_j W_j = W_j X_{j-1}, X_0 = X_h = 0}``, counted from the ranks of all
    partial products ``W_j ... W_{i+1}`` through the interval decomposition of the linear
    quiver representation (each pair of intervals ``I[s,t]``, ``I[s',t']`` with
    ``1 <= s``, ``s' <= s <= t' <= t``, ``t' <= h - 1`` adds one stabiliser dimension); it needs
    no ``P x sum d_j^2`` matrix. ``"auto"`` stacks the generators while
    ``P sum_j d_j^2 <= GENERATOR_LIMIT``. Both run on the rebalanced point (layer scalings and
    the hidden ``GL`` action balanced, :func:`landscape.geometry.frame.prepared_point`): a move
    along the orbit, which maps orbit tangents onto each other and keeps the ranks, while the
    numerical ranks there are not blurred by an ill-conditioned representative.

    Examples
    --------
    >>> import numpy as np
    >>> from landscape.problem import DataSpectrum
    >>> land = Landscape(DataSpectrum.from_singular_values([1.0, 1.0]), widths=(2, 2, 2, 2))
    >>> w = [np.eye(2) + 0.1, np.eye(2), np.eye(2) - 0.2]
    >>> orbit_dimension(land, w, method="generators"), orbit_dimension(land, w, method="ranks")
    (8, 8)
    """
    check_landscape(land)
    check_choice(method, "method", ("auto", "generators", "ranks"))
    weights, _, _ = orbit_balance(land.check(weights), land.weight_scale, transforms=False)
    return orbit_dimension_at(land, weights, method)


def orbit_dimension_at(land: Landscape, weights, method: str = "auto") -> int:
    """:func:`orbit_dimension` at validated, rebalanced ``weights`` (nothing is checked)."""
    n_generators = int(hidden_offsets(land.widths)[-1])
    if n_generators == 0:
        return 0
    if method == "auto":
        method = "generators" if land.n_params * n_generators <= GENERATOR_LIMIT else "ranks"
    if method == "ranks":
        return orbit_dimension_from_ranks(land.widths, partial_ranks(weights))
    values = np.linalg.svd(orbit_tangent(land, weights), compute_uv=False)
    return _matrix_rank(values, float(values[0]) if values.size else 0.0)
