"""The flow's units: time, weight and gradient scales set by ``sigma_1`` and the inputs' scale.

Rescaling the data, ``X -> a X`` and ``Y -> b Y``, multiplies ``sigma_1`` by ``b`` and the
inputs' scale ``s_x = ||Sxx||_2^{1/2}`` (:attr:`~.spectrum.DataSpectrum.input_scale`) by ``a``, and maps
gradient flows onto gradient flows: with ``c = (b / a)^{1/h}``,
``L_{aX,bY}(c W) = b^2 L_{X,Y}(W)``, so ``W(t)`` is a flow of ``(X, Y)`` exactly when
``c W(t / (b^{2 - 2/h} a^{2/h}))`` is a flow of ``(aX, bY)`` (every layer scaled alike; the
conserved ``C_j`` scale by ``c^2``). Measured in the units below, weights, gradients and times
are the same numbers for every rescaling of the data: the integrators' tolerances, the
resolvable time and the plateau threshold use them, and so do the estimator's start, ``t_max``
and learning rate. Their one home is the problem (:mod:`landscape.problem.rules`:
``land.weight_unit``, ``land.gradient_unit``, ``land.time_unit``; in reduced coordinates,
``s_x = 1``, ``land.weight_scale``, ``land.gradient_scale`` and ``1 / sigma_1^{2 - 2/h}``);
the functions below read them there.
"""

from __future__ import annotations

import numpy as np

from .._base.validation import check_positive
from ..problem.network import Landscape

__all__ = ["RESOLVABLE_TIME", "flow_time", "gradient_unit", "time_unit", "weight_unit"]

#: The shortest time accepted, in units of :func:`time_unit`: a shorter flow moves the weights
#: by less than about this fraction of their scale (and drives the integrators' step-size
#: control below the resolution of floating point).
RESOLVABLE_TIME = 1e-12


def weight_unit(land: Landscape) -> float:
    """``(sigma_1 / s_x)^{1/h}``: the size of a learnt layer of a balanced network, whose
    end-to-end map has size ``sigma_1 / s_x`` in the data's coordinates (``land.weight_unit``).

    Examples
    --------
    >>> import numpy as np
    >>> from landscape import DataSpectrum, Landscape
    >>> X = np.random.default_rng(0).standard_normal((50, 2))
    >>> plain = Landscape(DataSpectrum.from_data(X, X @ [[1.0], [2.0]]), widths=(2, 2, 1))
    >>> scaled = Landscape(DataSpectrum.from_data(1e6 * X, X @ [[1.0], [2.0]]), (2, 2, 1))
    >>> round(weight_unit(scaled) / weight_unit(plain), 12)
    0.001
    """
    return land.weight_unit


def gradient_unit(land: Landscape) -> float:
    """``sigma_1^{2 - 1/h} s_x^{1/h}``: the size of ``grad L`` when the residual
    ``(P - P*) Sxx`` is of size ``sigma_1 s_x`` and the other layers of :func:`weight_unit`
    (``land.gradient_unit``)."""
    return land.gradient_unit


def time_unit(land: Landscape) -> float:
    """``1 / (sigma_1^{2 - 2/h} s_x^{2/h})``: the time in which the flow moves a learnt mode's
    weights by their own size (the inverse of the curvature ``~ h sigma_1^{2(h-1)/h} s_x^{2/h}``
    along it); ``1 / sigma_1^{2 - 2/h}`` in reduced coordinates (``land.time_unit``).

    Examples
    --------
    >>> from landscape import DataSpectrum, Landscape
    >>> time_unit(Landscape(DataSpectrum.from_singular_values([4.0]), widths=(1, 1, 1)))
    0.25
    """
    return land.time_unit


def flow_time(land: Landscape, value, name: str) -> float:
    """``value`` time units (:func:`time_unit`) as a flow time, for arguments given in units.

    Refuses, naming ``name``, a value below :data:`RESOLVABLE_TIME` units; a flow time beyond
    the largest float becomes the largest float (a bound that large is no bound).

    Examples
    --------
    >>> from landscape import DataSpectrum, Landscape
    >>> land = Landscape(DataSpectrum.from_singular_values([4.0]), widths=(1, 1, 1))
    >>> flow_time(land, 10.0, "t_max")
    2.5
    >>> flow_time(land, 1e-13, "t_max")
    Traceback (most recent call last):
    ...
    ValueError: t_max must be at least 1e-12 time units (a shorter time does not move the \
weights), got 1e-13
    """
    value = check_positive(value, name)
    if value < RESOLVABLE_TIME:
        raise ValueError(f"{name} must be at least {RESOLVABLE_TIME:g} time units (a shorter "
                         f"time does not move the weights), got {value:g}")
    return min(value * time_unit(land), float(np.finfo(float).max))
