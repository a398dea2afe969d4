"""Plateaus of a trajectory: where the flow lingers near a saddle before it escapes."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

from .._base.validation import check_positive
from ..problem.network import Landscape
from .integration import FlowResult
from .units import gradient_unit

__all__ = ["Plateau", "plateaus"]


@dataclass(frozen=True)
class Plateau:
    """A stretch of a trajectory where the relative gradient norm stays small."""

    t_start: float
    t_end: float
    loss: float
    start_index: int
    end_index: int


def landscape_first(land, result, function: str):
    """``(land, result)`` of a function that takes the landscape first; the order ``(result,
    land)`` of earlier releases is recognised by type, swapped, and warned about
    (``DeprecationWarning``: accepted for one release)."""
    if isinstance(result, Landscape) and not isinstance(land, Landscape):
        warnings.warn(f"{function}(result, land) is deprecated: pass the landscape first, "
                      f"{function}(land, result)", DeprecationWarning, stacklevel=3)
        return result, land
    return land, result


def plateaus(land: Landscape, result: FlowResult, *, grad_tol: float = 1e-3) -> list[Plateau]:
    """Maximal runs of recorded points with ``||grad L|| <= grad_tol * sigma_1^{(2h-1)/h}``
    (times ``||Sxx||^{1/(2h)}`` in the data's coordinates:
    :func:`~landscape.flow.units.gradient_unit`).

    Each run is reported with the loss at its middle record; a trajectory through a
    sequence of saddles shows one plateau per saddle, then one at the limit point.
    ``result`` is a :class:`FlowResult` or an :class:`~landscape.flow.EndToEndResult` (any
    result with ``t``, ``loss`` and ``gradient_norm`` records). The landscape comes first, as
    everywhere in the library; ``plateaus(result, land)`` is accepted for one release with a
    ``DeprecationWarning``.

    Examples
    --------
    A small start of a three-layer network learns its two modes one after the other:
    plateaus at the critical values ``1/2 (2^2 + 1^2)``, ``1/2 1^2`` and 0.

    >>> import numpy as np
    >>> from landscape import DataSpectrum, Landscape
    >>> land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0]), widths=(2, 2, 2, 2))
    >>> start = land.random_weights(scale=1e-3, seed=0)
    >>> from landscape import gradient_flow
    >>> found = plateaus(land, gradient_flow(land, start))
    >>> [round(p.loss, 6) for p in found]
    [2.5, 0.5, 0.0]
    """
    land, result = landscape_first(land, result, "plateaus")
    grad_tol = check_positive(grad_tol, "grad_tol")
    small = result.gradient_norm <= grad_tol * gradient_unit(land)
    out = []
    k = 0
    while k < small.size:
        if not small[k]:
            k += 1
            continue
        end = k
        while end + 1 < small.size and small[end + 1]:
            end += 1
        mid = (k + end) // 2
        out.append(Plateau(float(result.t[k]), float(result.t[end]), float(result.loss[mid]),
                           k, end))
        k = end + 1
    return out
