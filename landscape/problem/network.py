"""The deep linear network as a loss landscape: loss, exact derivatives, adjacency view.

Weights are a list ``[W_1, ..., W_h]`` with ``W_j`` of shape ``(d_j, d_{j-1})``. With the
end-to-end map ``P = W_h ... W_1``, the least-squares map ``P*`` and the input metric
``K = Sxx^{1/2}`` (identity in reduced coordinates, see :mod:`landscape.problem.spectrum`),

    L(W) = L0 + 1/2 ||(P - P*) K||_F^2,     dL/dP = R = (P - P*) K K^T,
    dL/dW_j = (W_h ... W_{j+1})^T R (W_{j-1} ... W_1)^T.

Everything is computed block by block with chains of small products; the block-shift
adjacency matrix ``A`` (``W_j`` in block ``(j, j-1)``, ``L(A) = 1/2 ||E - A^h||^2``, Wendin &
Altafini, SIAM Review 2025) is available as a view and in :mod:`landscape.problem.adjacency` as an
oracle, never as the way derivatives are computed.
"""

from __future__ import annotations

import numpy as np

from .._base.products import backpropagate, chain_product, prefix_products
from .._base.validation import (DEFAULT_SEED, as_matrix, as_vector, block_shift_layers,
                               check_seed, check_weights, check_widths)
from .rules import ProblemRules
from .spectrum import DataSpectrum
from .ties import TIE_TOL

__all__ = ["Landscape"]

#: Largest dense Hessian :meth:`Landscape.hessian` builds (8 bytes per entry).
MAX_DENSE_BYTES = 4 * 2 ** 30

#: Largest set of weights :meth:`Landscape.check_weight_memory` lets through (8 bytes each).
MAX_WEIGHT_BYTES = 4 * 2 ** 30


class Landscape(ProblemRules):
    """Loss landscape of a deep linear network ``W_h ... W_1`` on a data spectrum.

    The problem owns its numerical rules (:mod:`landscape.problem.rules`): the zero and tie
    rule (``tie_groups``, ``m``, ``max_rank``, ``minimum_value()``), the coordinate maps
    (``to_reduced``, ``from_reduced``) and the units; every function given ``land`` reads them.

    Parameters
    ----------
    spectrum : DataSpectrum
        The data (or singular values) defining the loss.
    widths : sequence of int
        Layer widths ``(d_0, ..., d_h)`` with ``d_0 = d_x`` and ``d_h = d_y``.
    tie_tol : float
        Relative tolerance (times ``sigma_1``, in ``[0, 1)``) for zero and tied singular values
        (:func:`~landscape.problem.ties.tie_groups`; default ``TIE_TOL = 1e-8``).

    Examples
    --------
    >>> import numpy as np
    >>> spec = DataSpectrum.from_singular_values([3.0, 1.0])
    >>> land = Landscape(spec, widths=(2, 2, 2))
    >>> land.h, land.n_params, land.loss([np.zeros((2, 2)), np.zeros((2, 2))])
    (2, 8, 5.0)
    """

    def __init__(self, spectrum: DataSpectrum, widths, *, tie_tol: float = TIE_TOL):
        if not isinstance(spectrum, DataSpectrum):
            raise TypeError(f"spectrum must be a DataSpectrum, got {type(spectrum).__name__}")
        self.spectrum = spectrum
        self.widths = check_widths(widths, spectrum.d_x, spectrum.d_y)
        self._set_tie_tol(tie_tol)
        self.h = len(self.widths) - 1
        self.shapes = [(self.widths[j + 1], self.widths[j]) for j in range(self.h)]
        sizes = [a * b for a, b in self.shapes]
        self.n_params = int(sum(sizes))
        self._offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
        self._node_offsets = np.concatenate([[0], np.cumsum(self.widths)]).astype(int)
        self.n_nodes = int(self._node_offsets[-1])
        self._target = spectrum.target()
        metric = spectrum.metric()
        self._metric = metric
        self._gram = None if metric is None else metric @ metric.T

    def __repr__(self) -> str:
        return (f"Landscape(widths={self.widths}, h={self.h}, n_params={self.n_params}, "
                f"tie_tol={self.tie_tol:g}, spectrum={self.spectrum!r})")

    # ------------------------------------------------------------------ problem facts
    # (zero and tied modes, ``max_rank``, ``minimum_value``, coordinates and units: ProblemRules)
    def critical_value(self, subset) -> float:
        """``L_S = L0 + 1/2 sum_{i not in S} sigma_i^2`` for 0-based mode indices ``S``."""
        sigma = self.spectrum.sigma
        subset = list(subset)
        bad = [i for i in subset if isinstance(i, bool) or not isinstance(i, (int, np.integer))
               or not 0 <= i < sigma.size]
        if bad:
            raise ValueError(f"subset must hold mode indices in 0..{sigma.size - 1}, got {bad}")
        mask = np.ones(sigma.size, dtype=bool)
        mask[subset] = False
        return float(self.spectrum.loss_offset + 0.5 * np.sum(sigma[mask] ** 2))

    # ------------------------------------------------------------------ conversions
    def check(self, weights, name: str = "weights") -> list[np.ndarray]:
        """Validate ``weights`` against the widths and return them as float arrays."""
        return check_weights(weights, self.widths, name)

    def flatten(self, weights) -> np.ndarray:
        """Concatenate ``W_1, ..., W_h``, each row-major, into a vector of length ``P``."""
        weights = self.check(weights)
        return np.concatenate([w.ravel() for w in weights])

    def unflatten(self, theta) -> list[np.ndarray]:
        """Inverse of :meth:`flatten`."""
        theta = as_vector(theta, "theta", length=self.n_params)
        return self.split_flat(theta)

    def split_flat(self, theta: np.ndarray) -> list[np.ndarray]:
        """Views of a flat parameter vector as ``W_1..W_h``, unchecked (for hot loops)."""
        return [theta[self._offsets[j]:self._offsets[j + 1]].reshape(self.shapes[j])
                for j in range(self.h)]

    def adjacency(self, weights) -> np.ndarray:
        """The ``n x n`` block-shift adjacency matrix with ``W_j`` in block ``(j, j-1)``."""
        weights = self.check(weights)
        A = np.zeros((self.n_nodes, self.n_nodes))
        o = self._node_offsets
        for j, w in enumerate(weights, start=1):
            A[o[j]:o[j + 1], o[j - 1]:o[j]] = w
        return A

    def from_adjacency(self, A) -> list[np.ndarray]:
        """Read ``W_1..W_h`` off a block-shift adjacency matrix.

        Raises
        ------
        ValueError
            If ``A`` has the wrong shape or any nonzero entry off the block-shift pattern.
        """
        return block_shift_layers(as_matrix(A, "A", shape=(self.n_nodes, self.n_nodes)),
                                  self.widths, "A")

    def pattern_mask(self) -> np.ndarray:
        """Boolean ``n x n`` mask of the block-shift pattern."""
        mask = np.zeros((self.n_nodes, self.n_nodes), dtype=bool)
        o = self._node_offsets
        for j in range(1, self.h + 1):
            mask[o[j]:o[j + 1], o[j - 1]:o[j]] = True
        return mask

    def adjacency_target(self) -> np.ndarray:
        """``E``: the ``n x n`` matrix holding the reduced-coordinate target ``Sigma`` in block ``(h, 0)``."""
        E = np.zeros((self.n_nodes, self.n_nodes))
        o = self._node_offsets
        E[o[self.h]:o[self.h + 1], :o[1]] = self.spectrum.sigma_matrix()
        return E

    # ------------------------------------------------------------------ chains
    def end_to_end(self, weights) -> np.ndarray:
        """``W_{1:h} = W_h ... W_1``."""
        return chain_product(self.check(weights))

    def residual(self, weights) -> np.ndarray:
        """``R = dL/dP = (P - P*) Sxx`` (``P - Sigma`` in reduced coordinates)."""
        return self.residual_of_product(chain_product(self.check(weights)))

    def residual_of_product(self, product: np.ndarray) -> np.ndarray:
        """``R`` for a given end-to-end map ``P`` (unchecked)."""
        diff = product - self._target
        return diff if self._gram is None else diff @ self._gram

    def loss_of_product(self, product: np.ndarray) -> float:
        """``L`` for a given end-to-end map ``P`` (unchecked)."""
        diff = product - self._target
        if self._metric is not None:
            diff = diff @ self._metric
        return float(self.spectrum.loss_offset + 0.5 * np.sum(diff * diff))

    # ------------------------------------------------------------------ derivatives
    def loss(self, weights) -> float:
        """``L(W) = L0 + 1/2 ||(W_h ... W_1 - P*) Sxx^{1/2}||_F^2``."""
        return self.loss_of_product(chain_product(self.check(weights)))

    def gradient(self, weights) -> list[np.ndarray]:
        """Per-layer gradient ``(W_h...W_{j+1})^T R (W_{j-1}...W_1)^T``: ``O(h)`` small products.

        With prefixes ``Q_j = W_j ... W_1`` and back-propagated residuals
        ``Z_h = R``, ``Z_{j-1} = W_j^T Z_j`` (so ``Z_j = (W_h ... W_{j+1})^T R``), the gradient
        of layer ``j`` is ``Z_j Q_{j-1}^T``: about ``3h`` matrix products.
        """
        return self.unchecked_gradient(self.check(weights))[0]

    def unchecked_gradient(self, weights):
        """``(gradient, W_h ... W_1)`` for weights already validated (hot loops)."""
        Q = prefix_products(weights)
        Z = backpropagate(weights, self.residual_of_product(Q[-1]))
        grads = [Z[j + 1] if Q[j] is None else Z[j + 1] @ Q[j].T for j in range(self.h)]
        return grads, Q[-1]

    def loss_and_gradient(self, weights) -> tuple[float, list[np.ndarray]]:
        """Loss and gradient from one pass over the chain."""
        grads, product = self.unchecked_gradient(self.check(weights))
        return self.loss_of_product(product), grads

    def flat_gradient(self, theta: np.ndarray) -> np.ndarray:
        """Gradient as a flat vector, for a flat parameter vector (no validation: hot path)."""
        grads = self.unchecked_gradient(self.split_flat(np.asarray(theta, dtype=float)))[0]
        return np.concatenate([g.ravel() for g in grads])

    def hvp(self, weights, direction) -> list[np.ndarray]:
        """Hessian-vector product ``d/de grad L(W + e V)`` at ``e = 0``, exactly.

        Forward-mode on the gradient's chain (see :meth:`gradient`): ``dQ_j = V_j Q_{j-1} +
        W_j dQ_{j-1}``, ``dR = dQ_h Sxx``, ``dZ_{j-1} = V_j^T Z_j + W_j^T dZ_j`` and
        ``d grad_j = dZ_j Q_{j-1}^T + Z_j dQ_{j-1}^T``: about ``8h`` products, under three
        gradients.
        """
        weights = self.check(weights)
        direction = self.check(direction, "direction")
        return self.unchecked_hvp(weights, direction)

    def unchecked_hvp(self, weights, direction):
        """:meth:`hvp` for weights and direction already validated (hot loops)."""
        h = self.h
        Q, dQ = [weights[0]], [direction[0]]  # Q[j-1] = W_j ... W_1 and its derivative
        for w, v in zip(weights[1:], direction[1:]):
            dQ.append(v @ Q[-1] + w @ dQ[-1])
            Q.append(w @ Q[-1])
        Q.insert(0, None)
        dQ.insert(0, None)
        R = self.residual_of_product(Q[h])
        dR = dQ[h] if self._gram is None else dQ[h] @ self._gram
        Z = backpropagate(weights, R)
        dZ = [None] * (h + 1)
        dZ[h] = dR
        for j in range(h, 0, -1):
            dZ[j - 1] = direction[j - 1].T @ Z[j] + weights[j - 1].T @ dZ[j]
        out = [dZ[1]]
        for j in range(2, h + 1):
            out.append(dZ[j] @ Q[j - 1].T + Z[j] @ dQ[j - 1].T)
        return out

    def hessian(self, weights) -> np.ndarray:
        """The analytic ``P x P`` Hessian, assembled block by block (flatten order).

        With ``J_j = T_j (x) Q_{j-1}^T`` (row-major Kronecker form of ``V_j -> T_j V_j Q_{j-1}``),
        block ``(j, k)`` is the Gauss-Newton term ``(T_j^T T_k) (x) (Q_{j-1} Sxx Q_{k-1}^T)``
        plus, for ``j > k``, the residual term ``<R, T_j V_j M V_k Q_{k-1}>`` with
        ``M = W_{j-1} ... W_{k+1}``, i.e. ``H[(a,b),(c,d)] = X_{ad} M_{bc}`` for
        ``X = T_j^T R Q_{k-1}^T``.
        """
        weights = self.check(weights)
        size = 8 * self.n_params ** 2
        if size > MAX_DENSE_BYTES:
            raise ValueError(f"the dense Hessian of land must fit in MAX_DENSE_BYTES = "
                             f"{MAX_DENSE_BYTES / 2**30:g} GiB, got {self.n_params:,} parameters "
                             f"({size / 2**30:.3g} GiB): use hvp (matrix-free), or "
                             f"classify(method='matrix_free')")
        h = self.h
        eye = [np.eye(d) for d in self.widths]
        Q = [eye[0]]
        for j in range(h):
            Q.append(weights[j] @ Q[j])
        T = [None] * (h + 1)
        T[h] = eye[h]
        for j in range(h, 0, -1):
            T[j - 1] = T[j] @ weights[j - 1]
        R = self.residual_of_product(Q[h])
        gram = eye[0] if self._gram is None else self._gram
        H = np.zeros((self.n_params, self.n_params))
        o = self._offsets
        for j in range(1, h + 1):
            QS = Q[j - 1] @ gram
            for k in range(1, j + 1):
                block = np.kron(T[j].T @ T[k], QS @ Q[k - 1].T)
                if k < j:
                    X = T[j].T @ R @ Q[k - 1].T
                    M = chain_product(weights[k:j - 1]) if j - 1 > k else eye[k]
                    dj, dj1 = self.shapes[j - 1]
                    dk, dk1 = self.shapes[k - 1]
                    block = block + np.einsum("ad,bc->abcd", X, M).reshape(dj * dj1, dk * dk1)
                H[o[j - 1]:o[j], o[k - 1]:o[k]] = block
                if k < j:
                    H[o[k - 1]:o[k], o[j - 1]:o[j]] = block.T
        return H

    def loss_polynomial(self, weights, direction) -> np.ndarray:
        """Exact coefficients ``c_0..c_{2h}`` of ``L(W + t V) = sum_k c_k t^k``.

        The end-to-end map of ``W + t V`` is a product of ``h`` linear matrix polynomials,
        expanded layer by layer; the loss is the metric norm of its deviation from ``P*``.
        """
        weights = self.check(weights)
        direction = self.check(direction, "direction")
        coeffs = [np.eye(self.widths[0])]
        for w, v in zip(weights, direction):
            new = [w @ coeffs[0]]
            for k in range(1, len(coeffs)):
                new.append(w @ coeffs[k] + v @ coeffs[k - 1])
            new.append(v @ coeffs[-1])
            coeffs = new
        coeffs[0] = coeffs[0] - self._target
        if self._metric is not None:
            coeffs = [c @ self._metric for c in coeffs]
        flat = np.array([c.ravel() for c in coeffs])
        gram = flat @ flat.T
        out = np.zeros(2 * self.h + 1)
        for a in range(self.h + 1):
            for b in range(self.h + 1):
                out[a + b] += 0.5 * gram[a, b]
        out[0] += self.spectrum.loss_offset
        return out

    # ------------------------------------------------------------------ invariants
    def invariants(self, weights) -> list[np.ndarray]:
        """The conserved ``C_j = W_{j+1}^T W_{j+1} - W_j W_j^T`` for ``j = 1..h-1``.

        They are the hidden diagonal blocks of ``A^T A - A A^T`` and constant along the
        gradient flow (Wendin & Altafini 2025; Arora et al. 2018).
        """
        weights = self.check(weights)
        return [weights[j].T @ weights[j] - weights[j - 1] @ weights[j - 1].T
                for j in range(1, self.h)]

    def random_weights(self, *, scale: float = 1.0, seed=DEFAULT_SEED) -> list[np.ndarray]:
        """Gaussian weights ``W_j`` with entries of standard deviation ``scale / sqrt(d_{j-1})``.

        ``seed``: an integer ``>= 0`` (default ``DEFAULT_SEED = 0``), a numpy ``Generator`` or
        ``None`` for fresh entropy (:func:`~landscape._base.validation.check_seed`). Widths whose weights would not fit
        in ``MAX_WEIGHT_BYTES`` are refused before anything is allocated
        (:meth:`check_weight_memory`).
        """
        rng = check_seed(seed)
        self.check_weight_memory()
        return [rng.standard_normal(s) * scale / np.sqrt(s[1]) for s in self.shapes]

    @property
    def narrow_widths(self) -> tuple[int, ...]:
        """The widths with the hidden ones cut to ``max(d_x, d_y)``: the same bottleneck,
        critical classes and values (docs/theory.md §2), and the same end-to-end flow."""
        cap = max(self.widths[0], self.widths[-1])
        return (self.widths[0], *(min(w, cap) for w in self.widths[1:-1]), self.widths[-1])

    def check_weight_memory(self, copies: int = 1) -> None:
        """Refuse, before allocating them, ``copies`` sets of weights beyond ``MAX_WEIGHT_BYTES``.

        The message gives the figure and the way out: the critical classes and values depend
        on the widths only through the bottleneck ``r* = min_j d_j`` (docs/theory.md §2), so hidden
        widths cut to ``max(d_x, d_y)`` have the same ones at a fraction of the memory.

        Examples
        --------
        >>> spec = DataSpectrum.from_singular_values([2.0, 1.0])
        >>> try:  # doctest: +NORMALIZE_WHITESPACE
        ...     Landscape(spec, (2, 10**9, 2)).check_weight_memory()
        ... except ValueError as exc:
        ...     print(exc)
        the weights of widths (2, 1000000000, 2) must fit in MAX_WEIGHT_BYTES = 4 GiB, got
        4,000,000,000 parameters (29.8 GiB); widths (2, 2, 2) have the same critical classes
        and values (bottleneck r* = 2)
        """
        size = 8 * self.n_params * copies
        if size <= MAX_WEIGHT_BYTES:
            return
        raise ValueError(f"the weights of widths {self.widths} must fit in MAX_WEIGHT_BYTES = "
                         f"{MAX_WEIGHT_BYTES / 2**30:g} GiB, got {copies * self.n_params:,} "
                         f"parameters ({size / 2**30:.3g} GiB); widths {self.narrow_widths} "
                         f"have the same "
                         f"critical classes and values (bottleneck r* = {self.bottleneck})")


def reduced_landscape(land: Landscape, widths=None) -> Landscape:
    """The same network (or one of other ``widths``) on the reduced problem
    ``1/2 ||Sigma - W_{1:h}||^2`` of ``land``'s singular values (docs/theory.md §1, offset dropped).

    Critical points, values and kinds are the same in both coordinates, so second-order tests
    and probes run here; ``land`` itself is returned when it is reduced already.

    Examples
    --------
    >>> land = Landscape(DataSpectrum.from_singular_values([2.0]), widths=(1, 1, 1))
    >>> reduced_landscape(land) is land, reduced_landscape(land, (1, 3, 1)).widths
    (True, (1, 3, 1))
    """
    spec = land.spectrum
    if spec.reduced and widths is None:
        return land
    return Landscape(DataSpectrum.from_singular_values(spec.sigma, d_x=spec.d_x, d_y=spec.d_y),
                     land.widths if widths is None else widths, tie_tol=land.tie_tol)


def check_landscape(land) -> Landscape:
    """Return ``land`` if it is a :class:`Landscape`; ``TypeError`` naming its type otherwise."""
    if not isinstance(land, Landscape):
        raise TypeError(f"land must be a Landscape, got {type(land).__name__}")
    return land

