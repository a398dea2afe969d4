"""The flows of many small reduced networks at once: one batched integration, step records only.

A forecast integrates the reduced network of :mod:`.reduction` (widths ``(m, k_1, ..., m)``)
from one start or from many random ones. All of them share their widths, so their layers are
stacked ``(B, d_j, d_{j-1})`` and one explicit Runge-Kutta integration (DOP853: the field is
cheap and the reduced networks are small) moves them together: the interpreter's overhead per
evaluation is paid once for all starts. At each accepted step only what the plateaus are read
from is kept, per start: the loss, its slope ``dL/dt = -||grad L||^2`` (exact, from the step's
last evaluation of the field) and the number of learnt modes in each tie group, read from the
diagonal of the reduced end-to-end map (:func:`.reading.learnt_counts`: a mode is learnt when
its strength exceeds ``sigma/2``, docs/theory.md §3). No weights are kept.

The gradient is the one of :meth:`Landscape.gradient` over a batch: prefixes
``Q_j = W_j ... W_1``, residual ``R = (Q_h - P*) Sxx``, back-propagated ``Z_{j-1} = W_j^T Z_j``,
gradient ``Z_j Q_{j-1}^T``. The integrator sees times and weights in the problem's units rounded
to powers of two, as :func:`landscape.flow.integration.solve_bounded` does, so a forecast is
exactly invariant under rescaling the data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._base.scaling import power_of_two
from ..flow import time_unit, weight_unit
from ..problem.network import Landscape
from ..problem.ties import tie_groups
from .reading import learnt_counts

__all__ = ["EnsembleRun", "integrate_ensemble"]


@dataclass(frozen=True, eq=False)
class EnsembleRun:
    """Step records of a batch of reduced flows.

    Attributes
    ----------
    t : ndarray (T,)
        Accepted steps' times (shared by the batch).
    loss, slope : ndarray (T, B)
        Each start's loss (with the offset of the modes the reduction dropped) and its
        derivative in ``time_unit`` (``time_unit dL/dt``: finite at any scale of the data).
    time_unit : float
        The flow's time unit the integration ran in (a power of two).
    counts : ndarray (T, B, G)
        Learnt modes in each tie group of ``groups``.
    groups : tuple of tuple of int
        Tie groups of the reduced network's singular values.
    converged : bool
        Whether every start reached the minimum before the step bound.
    n_evaluations : int
        Evaluations of the batched field.
    """

    t: np.ndarray
    loss: np.ndarray
    slope: np.ndarray
    time_unit: float
    counts: np.ndarray
    groups: tuple
    converged: bool
    n_evaluations: int


class _Batch:
    """The batched loss, gradient and learnt counts of the reduced network ``small``."""

    def __init__(self, small: Landscape, n: int, offset: float):
        spec = small.spectrum
        self.shapes = [(n, *shape) for shape in small.shapes]
        ends = np.cumsum([int(np.prod(s)) for s in self.shapes]).tolist()
        self.slices = [slice(a, b) for a, b in zip([0] + ends[:-1], ends)]
        self.target = spec.target()
        metric = spec.metric()
        self.metric = metric
        self.gram = None if metric is None else metric @ metric
        self.offset = float(spec.loss_offset) + offset

    def split(self, y: np.ndarray) -> list[np.ndarray]:
        return [y[part].reshape(shape) for part, shape in zip(self.slices, self.shapes)]

    def product(self, weights) -> list[np.ndarray]:
        prefixes = [weights[0]]
        for w in weights[1:]:
            prefixes.append(w @ prefixes[-1])
        return prefixes

    def field(self, y: np.ndarray) -> np.ndarray:
        """``-grad L`` of every start, flat."""
        weights = self.split(y)
        prefixes = self.product(weights)
        z = prefixes[-1] - self.target
        if self.gram is not None:
            z = z @ self.gram
        out = np.empty(y.shape)
        for j in range(len(weights) - 1, 0, -1):
            out[self.slices[j]] = (z @ prefixes[j - 1].transpose(0, 2, 1)).ravel()
            z = weights[j].transpose(0, 2, 1) @ z
        out[self.slices[0]] = z.ravel()
        return -out

    def loss(self, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each start's loss and end-to-end map."""
        product = self.product(self.split(y))[-1]
        diff = product - self.target
        if self.metric is not None:
            diff = diff @ self.metric
        return self.offset + 0.5 * np.sum(diff * diff, axis=(1, 2)), product

    def squared_norms(self, f: np.ndarray) -> np.ndarray:
        """Each start's ``||f||^2`` of a flat field ``f``."""
        return sum(np.sum(part.reshape(part.shape[0], -1) ** 2, axis=1)
                   for part in self.split(f))


def integrate_ensemble(small: Landscape, starts, *, offset: float, rtol: float,
                       threshold: float, t_max: float, max_steps: int) -> EnsembleRun:
    """Integrate the reduced flows from ``starts`` (a list over starts of weight lists).

    Parameters
    ----------
    small : Landscape
        The reduced network, shared by every start.
    starts : list of list of ndarray
    offset : float
        Loss the reduced network does not carry (added to every recorded loss).
    rtol : float
        DOP853's relative tolerance (absolute: ``1e-3 rtol`` weight units).
    threshold : float
        Stop when every start's loss (with the offset) is below it.
    t_max : float
    max_steps : int
        Bound on accepted steps: a batch that uses them up is returned with
        ``converged=False``.
    """
    batch = _Batch(small, len(starts), offset)
    y0 = np.concatenate([np.stack([s[j] for s in starts]).ravel() for j in range(small.h)])
    unit_t, unit_y = power_of_two(time_unit(small)), power_of_two(weight_unit(small))
    rate = unit_t / unit_y
    count = {"n": 0}

    def rhs(_s, z):
        count["n"] += 1
        return rate * batch.field(unit_y * z)

    from scipy import integrate  # imported where used: ``import landscape`` stays light

    solver = integrate.DOP853(rhs, 0.0, y0 / unit_y, t_max / unit_t, rtol=rtol,
                              atol=1e-3 * rtol * weight_unit(small) / unit_y)
    ts, losses, slopes, counts = [], [], [], []

    def record(s, z, f):
        loss, product = batch.loss(unit_y * z)
        ts.append(s * unit_t)
        losses.append(loss)
        # dL/ds = -(S^2 / T) ||dz/ds||^2 for s = t / T, z = y / S: no overflowing square
        slopes.append(-(batch.squared_norms(f) * unit_y) * (unit_y / unit_t))
        counts.append(learnt_counts(small, product))
        return loss

    loss = record(0.0, solver.y, rate * batch.field(y0))
    converged = bool(np.all(loss <= threshold))
    while not converged and solver.status == "running" and len(ts) <= max_steps:
        message = solver.step()
        if solver.status == "failed":
            raise RuntimeError(f"the reduced flow failed: {message}")
        loss = record(solver.t, solver.y, solver.f)
        converged = bool(np.all(loss <= threshold))
    return EnsembleRun(t=np.array(ts), loss=np.array(losses), slope=np.array(slopes),
                       time_unit=unit_t, counts=np.array(counts),
                       groups=tie_groups(small.spectrum.sigma), converged=converged,
                       n_evaluations=count["n"])
