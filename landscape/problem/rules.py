"""The numerical rules a problem owns: zero and tied modes, coordinate maps and units.

:class:`ProblemRules` is the part of :class:`~landscape.problem.network.Landscape` that every
other module reads instead of taking its own copy of a rule (docs/theory.md §1, §2):

- **Zero and tied modes.** ``land.tie_tol`` (default :data:`~landscape.problem.ties.TIE_TOL`,
  in ``[0, 1)``) decides, relative to ``sigma_1``, which singular values count as zero and
  which are tied (:func:`~landscape.problem.ties.tie_groups`): ``land.tie_groups``,
  ``land.m`` (the nonzero modes), ``land.max_rank = min(r, m)`` and
  ``land.minimum_value()`` follow it, and so does every function given ``land``.
- **Coordinates.** ``land.to_reduced(weights)`` maps weights from the data's coordinates to
  reduced ones (``W~_1 = W_1 Sxx^{1/2} V``, ``W~_h = U^T W_h``), ``land.from_reduced`` back;
  both are the identity for a reduced problem.
- **Units.** ``land.weight_unit = (sigma_1 / s_x)^{1/h}``, ``land.gradient_unit =
  sigma_1^{2 - 1/h} s_x^{1/h}`` and ``land.time_unit = 1 / (sigma_1^{2 - 2/h} s_x^{2/h})``
  with the inputs' scale ``s_x = ||Sxx||_2^{1/2}`` (:mod:`landscape.flow.units` explains why
  flows are the same numbers in them for every rescaling of the data);
  ``land.weight_scale = sigma_1^{1/h}`` and ``land.gradient_scale = sigma_1^{2 - 1/h}`` are
  the first two in reduced coordinates (``s_x = 1``).

One release keeps the per-call ``tie_tol=`` of the functions that now read ``land.tie_tol``
(:func:`problem_with_tie_tol`): a value equal to ``land.tie_tol`` is accepted silently;
another one emits a ``DeprecationWarning`` ("pass tie_tol to Landscape(...)") and is used,
through a copy of ``land`` with that tolerance (:meth:`ProblemRules.with_tie_tol`), so that
every rule of the call follows it.
"""

from __future__ import annotations

import copy
import warnings

import numpy as np

from .ties import check_tie_tol, tie_groups

__all__: list[str] = []  # reached through Landscape, its subclass; no top-level name


class ProblemRules:
    """The rules of a problem (module notes); the base of
    :class:`~landscape.problem.network.Landscape`, which sets ``spectrum``, ``widths`` and ``h``.

    Examples
    --------
    >>> from landscape import DataSpectrum, Landscape
    >>> spec = DataSpectrum.from_singular_values([1.0, 1e-5])
    >>> land = Landscape(spec, (2, 2, 2, 2))
    >>> land.tie_groups, land.m, land.max_rank
    (((0,), (1,)), 2, 2)
    >>> coarse = Landscape(spec, (2, 2, 2, 2), tie_tol=1e-3)
    >>> coarse.tie_groups, coarse.m, coarse.max_rank, float(f"{coarse.minimum_value():.6g}")
    (((0,),), 1, 1, 5e-11)
    """

    def _set_tie_tol(self, tie_tol) -> None:
        """Validate ``tie_tol`` and derive the tie groups from it."""
        self.tie_tol = check_tie_tol(tie_tol)
        self.tie_groups = tie_groups(self.spectrum.sigma, tie_tol=self.tie_tol)

    def with_tie_tol(self, tie_tol):
        """The same problem with the tolerance ``tie_tol`` (``self`` when it is the same).

        Examples
        --------
        >>> from landscape import DataSpectrum, Landscape
        >>> land = Landscape(DataSpectrum.from_singular_values([1.0, 1e-5]), (2, 2, 2))
        >>> land.with_tie_tol(1e-3).max_rank, land.max_rank
        (1, 2)
        """
        tie_tol = check_tie_tol(tie_tol)
        if tie_tol == self.tie_tol:
            return self
        other = copy.copy(self)
        other._set_tie_tol(tie_tol)
        return other

    # ------------------------------------------------------------------ zero and tied modes
    @property
    def m(self) -> int:
        """The number of nonzero modes: singular values above ``tie_tol * sigma_1``."""
        return sum(len(g) for g in self.tie_groups)

    @property
    def bottleneck(self) -> int:
        """``r = min_j d_j``."""
        return min(self.widths)

    @property
    def max_rank(self) -> int:
        """``r* = min(r, m)``: the largest number of modes a critical point can learn."""
        return min(self.bottleneck, self.m)

    def minimum_value(self) -> float:
        """The global minimum ``L0 + 1/2 sum_{i > r*} sigma_i^2`` (Eckart-Young)."""
        sigma = self.spectrum.sigma
        return float(self.spectrum.loss_offset + 0.5 * np.sum(sigma[self.max_rank:] ** 2))

    # ------------------------------------------------------------------ coordinates
    def to_reduced(self, weights) -> list[np.ndarray]:
        """Validated weights in reduced coordinates: ``W~_1 = W_1 Sxx^{1/2} V``,
        ``W~_h = U^T W_h``, the other layers unchanged (the identity for a reduced problem).

        The loss is the same number in both coordinates (docs/theory.md §1).

        Examples
        --------
        >>> from landscape import DataSpectrum, Landscape
        >>> land = Landscape(DataSpectrum.from_singular_values([2.0]), widths=(1, 1, 1))
        >>> land.to_reduced([[[1.0]], [[2.0]]])[1].tolist()
        [[2.0]]
        """
        weights = self.check(weights)
        return weights if self.spectrum.reduced else self.spectrum.to_reduced(weights)

    def from_reduced(self, weights) -> list[np.ndarray]:
        """Inverse of :meth:`to_reduced`: ``W_1 = W~_1 V^T Sxx^{-1/2}``, ``W_h = U W~_h``."""
        weights = self.check(weights)
        return weights if self.spectrum.reduced else self.spectrum.from_reduced(weights)

    # ------------------------------------------------------------------ units
    @property
    def scale(self) -> float:
        """``sigma_1``: the problem's scale for relative tolerances."""
        return self.spectrum.scale

    @property
    def weight_scale(self) -> float:
        """``sigma_1^{1/h}``: :attr:`weight_unit` in reduced coordinates, the size of a weight
        of a balanced point that learnt mode 1."""
        return self.scale ** (1.0 / self.h)

    @property
    def gradient_scale(self) -> float:
        """``sigma_1^{(2h-1)/h}``: :attr:`gradient_unit` in reduced coordinates, residual
        ``sigma_1`` times ``h - 1`` weights of size ``sigma_1^{1/h}``."""
        return self.scale ** ((2 * self.h - 1) / self.h)

    @property
    def loss_scale(self) -> float:
        """``1/2 sum sigma_i^2``: the loss at the origin above ``L0`` (1.0 when every sigma is 0)."""
        total = 0.5 * float(np.sum(self.spectrum.sigma ** 2))
        return total if total > 0 else 1.0

    @property
    def weight_unit(self) -> float:
        """``(sigma_1 / s_x)^{1/h}``: the size of a learnt layer of a balanced network, whose
        end-to-end map has size ``sigma_1 / s_x`` in the data's coordinates."""
        return (self.scale / self.spectrum.input_scale) ** (1.0 / self.h)

    @property
    def gradient_unit(self) -> float:
        """``sigma_1^{2 - 1/h} s_x^{1/h}``: the size of ``grad L`` when the residual
        ``(P - P*) Sxx`` is of size ``sigma_1 s_x`` and the other layers of :attr:`weight_unit`."""
        return self.scale ** (2.0 - 1.0 / self.h) * self.spectrum.input_scale ** (1.0 / self.h)

    @property
    def time_unit(self) -> float:
        """``1 / (sigma_1^{2 - 2/h} s_x^{2/h})``: the time in which the flow moves a learnt
        mode's weights by their own size (the inverse of the curvature
        ``~ h sigma_1^{2(h-1)/h} s_x^{2/h}`` along it)."""
        return 1.0 / (self.scale ** (2.0 - 2.0 / self.h)
                      * self.spectrum.input_scale ** (2.0 / self.h))


def problem_with_tie_tol(land, tie_tol, caller: str):
    """``land``, or for a deprecated per-call ``tie_tol`` other than ``land.tie_tol`` a copy
    of it with that tolerance, after a ``DeprecationWarning`` naming ``caller``.

    ``tie_tol=None`` (the new default of every function that reads ``land.tie_tol``) and a
    value equal to ``land.tie_tol`` give ``land`` itself; a value outside ``[0, 1)`` is refused
    (:func:`~landscape.problem.ties.check_tie_tol`).

    Examples
    --------
    >>> import warnings
    >>> from landscape import DataSpectrum, Landscape
    >>> land = Landscape(DataSpectrum.from_singular_values([1.0, 1e-5]), (2, 2, 2))
    >>> problem_with_tie_tol(land, None, "f") is land, problem_with_tie_tol(land, 1e-8, "f") is land
    (True, True)
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     problem_with_tie_tol(land, 1e-3, "f").tie_tol
    0.001
    >>> print(caught[0].category.__name__, caught[0].message)  # doctest: +NORMALIZE_WHITESPACE
    DeprecationWarning f(tie_tol=0.001) differs from land.tie_tol = 1e-08: pass tie_tol to
    Landscape(...); a per-call tie_tol is deprecated and, for one release, used through a copy
    of land with that tolerance
    """
    if tie_tol is None:
        return land
    tie_tol = check_tie_tol(tie_tol)
    if tie_tol == land.tie_tol:
        return land
    warnings.warn(f"{caller}(tie_tol={tie_tol:g}) differs from land.tie_tol = {land.tie_tol:g}: "
                  f"pass tie_tol to Landscape(...); a per-call tie_tol is deprecated and, for "
                  f"one release, used through a copy of land with that tolerance",
                  DeprecationWarning, stacklevel=3)
    return land.with_tie_tol(tie_tol)
