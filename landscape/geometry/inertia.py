"""Hessian inertia ``(n_-, n_0, n_+)`` at a point, densely or matrix-free.

At a critical point ``W`` of ``L = L0 + 1/2 ||Sigma - W_h ... W_1||^2`` (reduced coordinates,
docs/theory.md §1) the Hessian is the quadratic form

    Q(V) = ||sum_j T_j V_j Q_{j-1}||^2 + 2 sum_{a<b} <G_ab, V_b Mid_ab V_a>,

with ``T_j = W_h ... W_{j+1}``, ``Q_{j-1} = W_{j-1} ... W_1``, ``Mid_ab = W_{b-1} ... W_{a+1}``
and ``G_ab = T_b^T R Q_{a-1}^T`` (``R = W_{1:h} - Sigma``). Its inertia is counted at the
rebalanced point in reduced coordinates (:mod:`landscape.geometry.frame`; Sylvester's law of
inertia keeps it), either from all eigenvalues of the dense ``P x P`` Hessian or matrix-free,
by the randomized range finder of :mod:`landscape.geometry.eigensolver` on exact
Hessian-vector products, with a certified error bound. By default only the core of the
network is solved so (:mod:`landscape.geometry.structure`): idle hidden units, idle inputs
and outputs give blocks whose eigenvalues are known in closed form, and inputs beyond the
column space (``input_space="column_space"``) give zeros.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._base.resources import check_memory
from .._base.validation import DEFAULT_SEED, check_choice, check_int, check_seed
from ..problem.network import Landscape, check_landscape
from .eigensolver import hvp_block, range_eigenvalues
from .frame import ZERO_TOL, check_zero_tol, zero_threshold
from .structure import CorePoint, core_point

__all__ = ["DENSE_HESSIAN_LIMIT", "Inertia", "hessian_inertia"]

#: Largest parameter count for which ``method="auto"`` forms a dense Hessian (of the core).
DENSE_HESSIAN_LIMIT = 2500
#: The ``method`` choices of :func:`hessian_inertia` and :func:`landscape.classify`.
METHODS = ("auto", "dense", "matrix_free")


@dataclass(frozen=True, eq=False)
class Inertia:
    """Hessian inertia ``(n_-, n_0, n_+)`` at a rebalanced point in reduced coordinates.

    Attributes
    ----------
    n_negative, n_zero, n_positive : int
    threshold : float
        Eigenvalues with ``|lambda| <= threshold`` count as zero.
    eigenvalues : ndarray
        Ascending. All ``P`` eigenvalues (``method="dense"``), or the Ritz values of the
        matrix-free solver: every eigenvalue beyond the noise of the range it captured (all
        the nonzero ones) and some near-zero ones, the rest of the kernel uncomputed.
    method : str
        ``"dense"`` or ``"matrix_free"``: how the Hessian that was formed (the core's, or the
        whole network's) was solved.
    eigenvalue_bound : float
        Matrix-free: a bound, holding with probability at least ``1 - 10^-10``, on the
        distance of every Hessian eigenvalue from the computed values (completed by zeros);
        0 for the dense method.
    core_params : int or None
        Size of the Hessian that was solved: the core network's parameter count
        (:mod:`landscape.geometry.structure`; the other eigenvalues are known in closed form),
        the live parameters under a dropped input space, or ``P``.
    """

    n_negative: int
    n_zero: int
    n_positive: int
    threshold: float
    eigenvalues: np.ndarray = field(repr=False)
    method: str
    eigenvalue_bound: float = 0.0
    core_params: int | None = None

    @property
    def min_eigenvalue(self) -> float:
        """The lowest eigenvalue (0 where it lies in an uncomputed part of the kernel)."""
        lowest = float(self.eigenvalues[0])
        complete = self.eigenvalues.size == self.n_negative + self.n_zero + self.n_positive
        return lowest if complete or self.n_negative else min(lowest, 0.0)

    def __repr__(self) -> str:
        return (f"Inertia(n_negative={self.n_negative}, n_zero={self.n_zero}, "
                f"n_positive={self.n_positive}, min_eigenvalue={self.min_eigenvalue:.6g}, "
                f"method={self.method!r})")


def _counted(values: np.ndarray, threshold: float, size: int, method: str,
             bound: float = 0.0, core_params: int | None = None) -> Inertia:
    n_neg = int(np.count_nonzero(values < -threshold))
    n_pos = int(np.count_nonzero(values > threshold))
    return Inertia(n_neg, size - n_neg - n_pos, n_pos, threshold, values, method, bound,
                   size if core_params is None else core_params)


def hessian_inertia(land: Landscape, weights, *, zero_tol: float = ZERO_TOL,
                    method: str = "auto", dense_limit: int = DENSE_HESSIAN_LIMIT,
                    max_eigenpairs: int = 512, seed=DEFAULT_SEED) -> Inertia:
    """Inertia of the Hessian at a point, densely or matrix-free.

    The point is mapped to reduced coordinates and moved along its symmetry orbit to a
    balanced point (:func:`~.balancing.balance_layers`, :func:`~.balancing.balance_hidden_layers`); both are linear
    changes of the parameters under which the loss is unchanged, so the Hessians are
    congruent and the inertia is the one at ``weights`` (Sylvester's law of inertia).
    Eigenvalues with ``|lambda| <= zero_tol * curvature_scale`` plus the gradient margin
    (``GRADIENT_MARGIN ||grad L|| / max_j ||W_j||``, rounding-sized at an exact critical
    point) count as zero.

    ``method="auto"`` (default) splits the network into its core and the blocks known in
    closed form (:mod:`landscape.geometry.structure`: idle hidden units give
    ``+-sigma_i(G_{j,j+1})`` once per unit, idle inputs ``sigma_i(T_1)^2``, idle outputs
    ``sigma_i(Q_{h-1})^2``, inputs beyond the column space zeros) and solves the core, whose
    size is set by ``d_x``, ``d_y`` and the ranks, not the hidden widths: densely up to
    ``dense_limit`` parameters (:data:`DENSE_HESSIAN_LIMIT`), else matrix-free.
    ``method="dense"`` forms the analytic Hessian of the whole network (live inputs) and all
    its eigenvalues (``O(P^3)``). ``method="matrix_free"`` never forms it: a randomized range
    finder on exact Hessian-vector products captures the range of the Hessian, Rayleigh-Ritz
    on it gives every eigenvalue beyond the threshold, and a posteriori Gaussian probes
    certify that nothing was missed (:func:`landscape.geometry.eigensolver.range_eigenvalues`);
    ``n_0 = P - n_- - n_+``. The symmetry orbit lies in the kernel and needs no deflation;
    the cost is ``O(k)`` Hessian-vector products and ``O(P k^2)`` orthogonalisation for a
    subspace of width ``k`` about twice ``n_- + n_+``. The last two are the whole-network
    oracles of the first.

    Parameters
    ----------
    land : Landscape
    weights : sequence of ndarray
    zero_tol : float
    method : {"auto", "dense", "matrix_free"}
        Core and closed-form blocks (``"auto"``), or the whole network dense or matrix-free.
    dense_limit : int
    max_eigenpairs : int
        Widest subspace (Ritz pairs) the matrix-free solver may use (RuntimeError beyond).
    seed : int, numpy Generator or None
        Seed of the solver's random blocks.

    Notes
    -----
    Rebalancing undoes any scalar imbalance between the layers exactly: ``(c_j W_j)`` with
    ``prod c_j = 1`` has the very same rebalanced point and spectrum as ``W``. A non-scalar
    hidden change ``W_j -> G_j W_j G_{j-1}^{-1}`` with badly conditioned ``G_j`` keeps the
    inertia in exact arithmetic but spreads the spectrum (small nonzero eigenvalues shrink
    by up to about ``cond(G_j)`` towards the kernel); it is undone by balancing every hidden layer
    under ``GL(d_j)`` (:func:`landscape.geometry.balancing.balance_hidden_layers`), so the
    eigenvalues are counted where they have their natural size. Beyond
    ``ORBIT_BALANCE_LIMIT`` (hidden layers of several hundred units) only the layer scalings
    are balanced.

    Examples
    --------
    >>> import numpy as np
    >>> from landscape.problem import DataSpectrum
    >>> land = Landscape(DataSpectrum.from_singular_values([3.0, 2.0]), widths=(2, 2, 2))
    >>> w = [np.diag([3.0 ** 0.5, 0.0]), np.diag([3.0 ** 0.5, 0.0])]
    >>> hessian_inertia(land, w)  # h = 2, S = {1}: index 1, nullity 3 (docs/theory.md §4.1)
    Inertia(n_negative=1, n_zero=3, n_positive=4, min_eigenvalue=-2, method='dense')
    """
    check_landscape(land)
    zero_tol = check_zero_tol(zero_tol)
    check_choice(method, "method", METHODS)
    dense_limit = check_int(dense_limit, "dense_limit", minimum=1)
    max_eigenpairs = check_int(max_eigenpairs, "max_eigenpairs", minimum=1)
    check_seed(seed)
    core = core_point(land, land.check(weights), split=method == "auto")
    return inertia_at(core, zero_threshold(core.land, core.weights, core.scale, zero_tol),
                      method=method, dense_limit=dense_limit, max_eigenpairs=max_eigenpairs,
                      seed=seed)


def inertia_at(core: CorePoint, threshold: float, *, method: str, dense_limit: int,
               max_eigenpairs: int, seed) -> Inertia:
    """:func:`hessian_inertia` at a validated :class:`~landscape.geometry.structure.CorePoint`
    (nothing is checked): the core's Hessian solved, the split-off blocks in closed form.

    ``threshold`` comes from :func:`landscape.geometry.frame.zero_threshold` at the core. With
    the dense method the eigenvalues are complete (the structural zeros filled in).
    """
    land, size = core.land, core.land.n_params
    split = core.split_eigenvalues()
    if method == "dense" or (method == "auto" and size <= dense_limit):
        # the Hessian and eigvalsh's copy of it, refused before either is formed
        check_memory(16.0 * size * size, f"the dense Hessian inertia of {size:,} parameters",
                     "use method='auto' (--method auto: the core network, of the size set by "
                     "d_x, d_y and the ranks) or 'matrix_free'")
        values = np.linalg.eigvalsh(land.hessian(core.weights))
        zeros = np.zeros(core.n_params - size - split.size)
        values = np.sort(np.concatenate([values, split, zeros]))
        return _counted(values, threshold, core.n_params, "dense", core_params=size)
    values, bound = range_eigenvalues(hvp_block(land, core.weights), size, threshold, seed=seed,
                                      max_eigenpairs=max_eigenpairs)
    return _counted(np.sort(np.concatenate([values, split])), threshold, core.n_params,
                    "matrix_free", bound, core_params=size)
