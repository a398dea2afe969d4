"""The data's spectrum: second moments, whitening and the singular values that shape the landscape.

For samples ``X`` (``N x d_x``) and ``Y`` (``N x d_y``), centred by default, the square loss of
a linear map ``P`` (the end-to-end map ``W_h ... W_1``) is

    L(P) = 1/(2N) ||Y - X P^T||_F^2 = L0 + 1/2 ||(P - P*) Sxx^{1/2}||_F^2,

with ``Sxx = X^T X / N``, ``Syx = Y^T X / N``, the least-squares map ``P* = Syx Sxx^{-1}`` and
``L0 = 1/2 (tr Syy - sum_i sigma_i^2)``, where ``Syx Sxx^{-1/2} = U diag(sigma) V^T`` is the SVD
that defines the reduced (whitened, aligned) problem ``L = L0 + 1/2 ||Sigma - P~||^2`` with
``W~_1 = W_1 Sxx^{1/2} V`` and ``W~_h = U^T W_h`` (Wendin & Altafini, SIAM Review 2025, §2;
Saxe, McClelland & Ganguli, ICLR 2014).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from .._base.validation import (as_matrix, as_vector, check_bool, check_choice, check_int,
                                check_positive)
from .moments import check_spreads, second_moments
from .steps import _flow_time_per_step
from .ties import numerical_rank

__all__ = ["DataSpectrum", "DATASETS", "INPUT_SPACES"]

#: The input spaces of :meth:`DataSpectrum.from_data`: ``Sxx`` nonsingular, or the column space.
INPUT_SPACES = ("full", "column_space")

#: scikit-learn's bundled regression data sets that :meth:`DataSpectrum.from_dataset` loads.
DATASETS = ("linnerud", "diabetes")


def _sign_canonical_svd(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Full SVD with each left singular vector's largest-magnitude entry made positive.

    The sign choice makes the basis the same on every machine.
    """
    u, s, vt = np.linalg.svd(matrix, full_matrices=True)
    v = vt.T
    for i in range(len(s)):
        k = int(np.argmax(np.abs(u[:, i])))
        if u[k, i] < 0:
            u[:, i] *= -1
            v[:, i] *= -1
    return u, s, v


def _column_space(sxx: np.ndarray, magnitude: np.ndarray, rcond: float):
    """Scale-free rank of ``Sxx``: column standard deviations (0 for a constant column: at most
    ``1e-12`` times the column's largest magnitude), the eigenpairs of the correlation matrix
    (ascending) and the indices of those above ``rcond`` times the largest."""
    std = np.sqrt(np.clip(np.diag(sxx), 0.0, None))
    std = np.where(std > 1e-12 * magnitude, std, 0.0)
    inv = np.where(std > 0, 1.0 / np.where(std > 0, std, 1.0), 0.0)
    corr = sxx * inv[:, None] * inv[None, :]
    values, vectors = np.linalg.eigh(0.5 * (corr + corr.T))
    top = values[-1] if values.size else 0.0
    keep = np.flatnonzero(values > rcond * top) if top > 0 else np.zeros(0, dtype=int)
    return std, values, vectors, keep[::-1]


def _scalar_or_array(value: np.ndarray):
    """A float for a 0-d array, the array otherwise."""
    return float(value) if value.ndim == 0 else value


def _null_basis(basis: np.ndarray, dim: int) -> np.ndarray:
    """An orthonormal basis of the complement of the orthonormal columns ``basis``."""
    if basis.shape[1] == dim:
        return np.zeros((dim, 0))
    projector = np.eye(dim) - basis @ basis.T
    u, s, _ = np.linalg.svd(projector)
    return u[:, :dim - basis.shape[1]]


#: Largest and smallest accepted ``sigma_1``: the losses (``sigma^2``) and the derivatives'
#: powers of ``sigma`` stay far inside double precision.
MAX_SIGMA = 1e150
MIN_SIGMA = 1e-150


@dataclass(frozen=True, eq=False)
class DataSpectrum:
    """Singular values of a regression problem and the maps between its coordinates.

    Build it with :meth:`from_data`, :meth:`from_singular_values` or :meth:`from_dataset`.

    Attributes
    ----------
    sigma : ndarray, shape (min(d_x, d_y),)
        Singular values of ``Syx Sxx^{-1/2}``, descending, >= 0.
    d_x, d_y : int
        Input and output dimensions.
    loss_offset : float
        ``L0 = 1/2 (tr Syy - sum sigma_i^2)``, the loss no linear map can remove.
    reduced : bool
        Whether :class:`~landscape.Landscape` weights act in reduced (whitened, aligned)
        coordinates (True) or on the data's own coordinates (False).
    left, right : ndarray
        ``U`` (``d_y x d_y``) and ``V`` (``d_x x d_x``) of the SVD above.
    n_samples : int or None
        Number of samples, ``None`` for a spectrum given directly.
    name : str
        Where the spectrum came from.

    Examples
    --------
    >>> spec = DataSpectrum.from_singular_values([3, 2, 1], d_x=4, d_y=3)
    >>> spec.sigma.tolist(), spec.d_x, spec.d_y, spec.loss_offset
    ([3.0, 2.0, 1.0], 4, 3, 0.0)
    """

    sigma: np.ndarray
    d_x: int
    d_y: int
    loss_offset: float
    reduced: bool
    left: np.ndarray
    right: np.ndarray
    input_sqrt: np.ndarray = field(repr=False)
    input_inv_sqrt: np.ndarray = field(repr=False)
    n_samples: int | None = None
    name: str = "singular values"

    def __post_init__(self):
        top = float(self.sigma[0]) if self.sigma.size else 0.0
        if top > MAX_SIGMA or 0.0 < top < MIN_SIGMA:
            raise ValueError(f"sigma_1 must lie in [{MIN_SIGMA:g}, {MAX_SIGMA:g}] (beyond, the "
                             f"loss sigma^2 or the gradient's powers sigma^(2-1/h) over- or "
                             f"underflow in double precision), got {top:.3g}: rescale the "
                             f"targets Y")

    def __repr__(self) -> str:
        sig = np.array2string(self.sigma, precision=4, separator=", ")
        return (f"DataSpectrum(name={self.name!r}, sigma={sig}, d_x={self.d_x}, d_y={self.d_y}, "
                f"loss_offset={self.loss_offset:.6g}, reduced={self.reduced})")

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_singular_values(cls, sigma, *, d_x: int | None = None,
                             d_y: int | None = None) -> "DataSpectrum":
        """A reduced problem ``L = 1/2 ||Sigma - W_{1:h}||^2`` given by its singular values.

        Parameters
        ----------
        sigma : array_like
            Non-negative singular values (sorted descending here).
        d_x, d_y : int, optional
            Input and output dimensions, each at least ``len(sigma)``; default ``len(sigma)``.
        """
        sigma = as_vector(sigma, "sigma")
        if np.any(sigma < 0):
            raise ValueError(f"sigma must be >= 0, got {sigma.tolist()}")
        k = sigma.size
        d_x = k if d_x is None else check_int(d_x, "d_x", minimum=1)
        d_y = k if d_y is None else check_int(d_y, "d_y", minimum=1)
        if min(d_x, d_y) < k:
            raise ValueError(f"sigma must have at most min(d_x, d_y) = {min(d_x, d_y)} entries, "
                             f"got {k}")
        full = np.zeros(min(d_x, d_y))
        full[:k] = np.sort(sigma)[::-1]
        eye_x = np.eye(d_x)
        return cls(sigma=full, d_x=d_x, d_y=d_y, loss_offset=0.0, reduced=True,
                   left=np.eye(d_y), right=eye_x, input_sqrt=eye_x, input_inv_sqrt=eye_x)

    @classmethod
    def from_data(cls, X, Y, *, center: bool = True, whiten: bool = False,
                  rcond: float = 1e-10, input_space: str = "full",
                  name: str = "data") -> "DataSpectrum":
        """The spectrum of samples ``X`` (``N x d_x``) and ``Y`` (``N x d_y``), rows as samples.

        Parameters
        ----------
        X, Y : array_like
            Inputs and targets, 2-D, with the same number of rows.
        center : bool
            Subtract the column means first (default).
        whiten : bool
            If True, :class:`~landscape.Landscape` weights act in reduced coordinates
            (``L = L0 + 1/2 ||Sigma - W~_{1:h}||^2``); if False (default), on the data's own.
        rcond : float
            Rank threshold, decided scale-free on the correlation matrix
            ``C = D^{-1} Sxx D^{-1}`` (``D`` the columns' standard deviations, so rescaling a
            feature changes nothing): an eigenvalue of ``C`` at most ``rcond`` times the largest
            is a null direction, and so is a constant column.
        input_space : {"full", "column_space"}
            ``"full"`` (default): ``Sxx`` must be nonsingular, else a ValueError.
            ``"column_space"``: work on the column space of ``X`` -- constant and collinear
            columns, or ``d_x > N`` -- of dimension :attr:`input_rank`, dropping
            :attr:`dropped_inputs` null directions. The loss ignores inputs along the null
            directions, so nothing is lost; ``d_x`` and the weights' coordinates stay the
            user's (``W_1`` keeps ``d_x`` columns). With ``Sxx = R R^T``,
            ``R = D C_k^{1/2}`` (``C_k^{1/2}`` the square root of ``C`` on its top-``k``
            eigenvectors), the reduced map is ``W~_1 = W_1 R V``, its inverse
            ``W_1 = W~_1 V^T R^+`` (``R^+`` the pseudo-inverse on the column space): reduced
            coordinates beyond the column space are zero, and :meth:`from_reduced` returns the
            minimum-norm weights of the same network.
        name : str
            Where the data came from.

        Raises
        ------
        ValueError
            For non-finite values, mismatched sample counts, empty arrays or (with
            ``input_space="full"``) a singular input covariance ``X^T X / N``.

        Examples
        --------
        A constant column and a copy of another, scaled by ``1e6``, in the column space:

        >>> rng = np.random.default_rng(0)
        >>> X = rng.normal(size=(50, 3))
        >>> X = np.column_stack([X, np.ones(50), 1e6 * X[:, 0]])
        >>> Y = X[:, :2] @ [[1.0, 0.0], [0.0, 2.0]]
        >>> spec = DataSpectrum.from_data(X, Y, input_space="column_space")
        >>> spec.d_x, spec.input_rank, spec.dropped_inputs
        (5, 3, 2)
        """
        X, Y = as_matrix(X, "X"), as_matrix(Y, "Y")
        center, whiten = check_bool(center, "center"), check_bool(whiten, "whiten")
        rcond = check_positive(rcond, "rcond")
        check_choice(input_space, "input_space", INPUT_SPACES)
        if X.shape[0] != Y.shape[0]:
            raise ValueError(f"X and Y must have the same number of rows (samples), got "
                             f"{X.shape[0]} and {Y.shape[0]}")
        n = X.shape[0]
        check_spreads(X, "X")
        check_spreads(Y, "Y")
        magnitude = np.max(np.abs(X), axis=0)
        if center:
            X, Y = X - X.mean(axis=0), Y - Y.mean(axis=0)
        sxx, syx, syy = second_moments(X, Y)
        std, corr_values, corr_vectors, keep = _column_space(sxx, magnitude, rcond)
        if input_space == "column_space":
            return cls._from_column_space(sxx, syx, syy, std, corr_values, corr_vectors, keep,
                                          n=n, d_y=Y.shape[1], whiten=whiten, name=name)
        if keep.size < X.shape[1]:
            constant = int(np.count_nonzero(std == 0))
            raise ValueError(
                f"X must have a nonsingular input covariance X^T X / N, got rank {keep.size} < "
                f"d_x = {X.shape[1]} ({constant} constant column(s); correlation eigenvalues "
                f"<= rcond = {rcond:.3g} times the largest count as null); pass "
                f"input_space='column_space' (command line: --input-space column_space) to "
                f"work on the column space of X, or drop constant or collinear columns")
        evals, evecs = np.linalg.eigh(sxx)
        sqrt = (evecs * np.sqrt(evals)) @ evecs.T
        inv_sqrt = (evecs / np.sqrt(evals)) @ evecs.T
        u, s, v = _sign_canonical_svd(syx @ inv_sqrt)
        loss_offset = max(0.5 * (np.trace(syy) - float(np.sum(s ** 2))), 0.0)
        return cls(sigma=s, d_x=X.shape[1], d_y=Y.shape[1], loss_offset=float(loss_offset),
                   reduced=bool(whiten), left=u, right=v, input_sqrt=sqrt,
                   input_inv_sqrt=inv_sqrt, n_samples=n, name=name)

    @classmethod
    def _from_column_space(cls, sxx, syx, syy, std, corr_values, corr_vectors, keep, *, n, d_y,
                           whiten, name) -> "DataSpectrum":
        """``input_space="column_space"`` of :meth:`from_data`: ``Sxx = R R^T`` with
        ``R = D C_k^{1/2}``."""
        d_x = sxx.shape[0]
        k = keep.size
        if k == 0:
            raise ValueError(f"X must vary in at least one column, got {d_x} constant columns")
        scale = np.where(std > 0, std, 1.0)
        inv_std = np.where(std > 0, 1.0 / scale, 0.0)
        q = corr_vectors[:, keep]                               # (d_x, k), zero on constants
        lam = corr_values[keep]
        sqrt = (std[:, None] * (q * np.sqrt(lam))) @ q.T       # R = D C_k^{1/2}
        inv_sqrt = ((q / np.sqrt(lam)) @ q.T) * inv_std[None, :]  # R^+ = C_k^{-1/2} D^{-1}
        # the SVD of Syx R^{+T} inside the column space: V = [Q_k v, null basis]
        u, s_k, v_k = _sign_canonical_svd(syx @ inv_sqrt.T @ q)
        right = np.hstack([q @ v_k, _null_basis(q, d_x)])
        s = np.zeros(min(d_x, d_y))
        s[:min(k, d_y)] = s_k[:min(k, d_y)]
        loss_offset = max(0.5 * (np.trace(syy) - float(np.sum(s ** 2))), 0.0)
        return cls(sigma=s, d_x=d_x, d_y=d_y, loss_offset=float(loss_offset),
                   reduced=bool(whiten), left=u, right=right, input_sqrt=sqrt,
                   input_inv_sqrt=inv_sqrt, n_samples=n, name=name)

    @classmethod
    def from_dataset(cls, name: str, *, center: bool = True,
                     whiten: bool = False) -> "DataSpectrum":
        """The spectrum of one of scikit-learn's bundled regression data sets.

        Parameters
        ----------
        name : {"linnerud", "diabetes"}
            ``linnerud``: 3 exercise inputs, 3 physiological targets, 20 samples;
            ``diabetes``: 10 inputs, 1 target, 442 samples.
        center, whiten
            As in :meth:`from_data`.
        """
        X, Y = load_dataset(name)
        return cls.from_data(X, Y, center=center, whiten=whiten, name=name)

    # ------------------------------------------------------------------ coordinates
    @property
    def input_rank(self) -> int:
        """Dimension ``k`` of the input space the spectrum works on: ``d_x``, or the column
        space of ``X`` for ``from_data(..., input_space="column_space")`` (the trace of the
        projector ``R^+ R``)."""
        return int(round(float(np.trace(self.input_inv_sqrt @ self.input_sqrt))))

    @property
    def dropped_inputs(self) -> int:
        """``d_x - input_rank``: null input directions dropped (constant or collinear columns,
        ``d_x > N``); 0 unless ``from_data(..., input_space="column_space")`` dropped some."""
        return self.d_x - self.input_rank

    # ------------------------------------------------------------------ loss units
    def to_mse(self, loss):
        """The per-entry mean squared error of a loss in the library's units: ``2 L / d_y``.

        The library's loss is ``L = 1/(2N) ||Y_c - X_c P^T||_F^2`` (half the summed squared
        error per sample, ``Y_c``, ``X_c`` centred); torch's ``MSELoss`` and scikit-learn's
        ``mean_squared_error`` report the mean over all ``N d_y`` entries,
        ``mse = 1/(N d_y) ||.||^2 = 2 L / d_y``. For an affine model on uncentred data, the
        mean squared error at the best constant equals that of the centred problem.

        Examples
        --------
        >>> spec = DataSpectrum.from_singular_values([1.0, 1.0, 1.0])
        >>> round(spec.to_mse(0.3), 12), round(spec.from_mse(0.2), 12)
        (0.2, 0.3)
        """
        return _scalar_or_array(2.0 * np.asarray(loss, dtype=float) / self.d_y)

    def from_mse(self, mse):
        """The library's loss ``L = d_y mse / 2`` of a per-entry mean squared error (inverse of
        :meth:`to_mse`)."""
        return _scalar_or_array(0.5 * self.d_y * np.asarray(mse, dtype=float))

    def flow_time_per_step(self, learning_rate, loss: str = "mse") -> float:
        """Flow time of a step of ``lr`` on ``loss``: ``2 lr / d_y`` ("mse"); see ``steps``."""
        return _flow_time_per_step(learning_rate, loss, self.d_y, self.n_samples)

    @property
    def rank(self) -> int:
        """Number ``m`` of nonzero singular values, by the library's one rule for numerical zeros.

        ``sigma_i`` counts as zero when ``sigma_i <= TIE_TOL * sigma_1``
        (:func:`landscape.problem.ties.numerical_rank`, docs/theory.md §2).
        """
        return numerical_rank(self.sigma)

    @property
    def scale(self) -> float:
        """The problem's scale ``sigma_1`` (1.0 when every singular value is zero)."""
        return float(self.sigma[0]) if self.sigma[0] > 0 else 1.0

    @cached_property
    def input_scale(self) -> float:
        """``||Sxx||_2^{1/2}``, the inputs' scale in the problem's coordinates: the largest
        singular value of ``Sxx^{1/2}`` (1.0 in reduced coordinates, where ``Sxx = I``).

        Multiplying ``X`` by ``a`` multiplies it by ``|a|`` and leaves :attr:`sigma` alone; the
        flow's units (:mod:`landscape.flow.units`) combine it with ``sigma_1``.
        """
        if self.reduced:
            return 1.0
        return float(np.linalg.norm(self.input_sqrt, 2))

    def sigma_matrix(self) -> np.ndarray:
        """The rectangular ``d_y x d_x`` matrix ``Sigma = diag(sigma)``."""
        out = np.zeros((self.d_y, self.d_x))
        k = self.sigma.size
        out[:k, :k] = np.diag(self.sigma)
        return out

    def target(self) -> np.ndarray:
        """The least-squares end-to-end map ``P*`` in the problem's coordinates.

        ``Sigma`` for a reduced problem, ``U Sigma V^T Sxx^{-1/2} = Syx Sxx^{-1}`` otherwise.
        """
        if self.reduced:
            return self.sigma_matrix()
        return self.left @ self.sigma_matrix() @ self.right.T @ self.input_inv_sqrt

    def metric(self) -> np.ndarray | None:
        """``Sxx^{1/2}`` in the problem's coordinates, or None where it is the identity."""
        return None if self.reduced else self.input_sqrt

    def to_reduced(self, weights) -> list[np.ndarray]:
        """Map weights from the data's coordinates to reduced ones.

        ``W~_1 = W_1 Sxx^{1/2} V``, ``W~_h = U^T W_h``, other layers unchanged.
        """
        out = [np.array(w, dtype=float) for w in weights]
        out[0] = out[0] @ self.input_sqrt @ self.right
        out[-1] = self.left.T @ out[-1]
        return out

    def from_reduced(self, weights) -> list[np.ndarray]:
        """Inverse of :meth:`to_reduced`: ``W_1 = W~_1 V^T Sxx^{-1/2}``, ``W_h = U W~_h``."""
        out = [np.array(w, dtype=float) for w in weights]
        out[0] = out[0] @ self.right.T @ self.input_inv_sqrt
        out[-1] = self.left @ out[-1]
        return out

    def reduced_map(self, end_to_end: np.ndarray) -> np.ndarray:
        """The end-to-end map in reduced coordinates, ``U^T P Sxx^{1/2} V`` (identity if reduced)."""
        if self.reduced:
            return end_to_end
        return self.left.T @ end_to_end @ self.input_sqrt @ self.right


def load_dataset(name: str) -> tuple[np.ndarray, np.ndarray]:
    """Load a bundled data set as ``(X, Y)`` with ``Y`` 2-D."""
    if name not in DATASETS:
        raise ValueError(f"dataset must be one of {', '.join(map(repr, DATASETS))}, got {name!r}")
    from sklearn import datasets

    bunch = getattr(datasets, f"load_{name}")()
    X = np.asarray(bunch.data, dtype=float)
    Y = np.asarray(bunch.target, dtype=float)
    return X, Y.reshape(len(Y), -1)

