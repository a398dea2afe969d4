"""Memory of a weight-space flow, estimated and refused before the first step.

:func:`~landscape.flow.integration.gradient_flow` holds the integrator's stages (about
:data:`WORKING_STATES` vectors of ``P`` parameters for DOP853), one state per recorded time
(every accepted step by default, so at least :data:`MIN_RECORDED_STATES`) and, for the
implicit methods, the dense ``P x P`` Jacobian with its factorisation (about three). The
end-to-end flow (:func:`~landscape.flow.end_to_end.end_to_end_flow`) holds ``d_y x d_x``
numbers per state whatever the widths: the way out for wide layers.
"""

from __future__ import annotations

from .._base.resources import check_memory
from ..problem.network import Landscape

__all__ = ["check_flow_memory", "narrow_widths"]

#: Vectors of ``P`` parameters an integrator holds while it steps (DOP853: 13 stages and a few
#: states).
WORKING_STATES = 20
#: Least number of states recorded at every accepted step (a flow across one plateau takes
#: hundreds of steps).
MIN_RECORDED_STATES = 100
#: Dense ``P x P`` matrices of an implicit method (the Jacobian, its iteration matrix and LU).
JACOBIAN_COPIES = 3


def narrow_widths(land: Landscape) -> tuple[int, ...]:
    """``land.narrow_widths``: the hidden widths cut to ``max(d_x, d_y)``, the same
    bottleneck, critical classes and values (docs/theory.md §2), and the same end-to-end flow.

    Examples
    --------
    >>> from landscape import DataSpectrum
    >>> spec = DataSpectrum.from_singular_values([1.0], d_x=3, d_y=4)
    >>> narrow_widths(Landscape(spec, (3, 10**6, 2, 4)))
    (3, 4, 2, 4)
    """
    return land.narrow_widths


def check_flow_memory(land: Landscape, method: str, n_records: int | None,
                      implicit: bool) -> None:
    """Refuse, with the figure and the way out, a weight-space flow of ``land`` whose
    estimated memory does not fit the machine (:func:`landscape._base.resources.check_memory`);
    ``n_records`` recorded times (``None``: every step), ``implicit``: a dense Jacobian.

    Examples
    --------
    >>> from landscape import DataSpectrum
    >>> land = Landscape(DataSpectrum.from_singular_values([3.0, 2.0, 1.0]), (3, 10**7, 3))
    >>> try:
    ...     check_flow_memory(land, "DOP853", None, False)
    ... except ValueError as exc:
    ...     print(str(exc)[:73])
    gradient_flow of 60,000,000 parameters (DOP853, 120 states of 8 bytes eac
    """
    P, narrow = land.n_params, narrow_widths(land)
    states = WORKING_STATES + (MIN_RECORDED_STATES if n_records is None else n_records)
    need = 8.0 * P * (states + (JACOBIAN_COPIES * P if implicit else 0))
    jacobian = f" and {JACOBIAN_COPIES} dense P x P matrices" if implicit else ""
    check_memory(need, f"gradient_flow of {P:,} parameters ({method}, {states} states of 8 "
                       f"bytes each{jacobian})",
                 "integrate the end-to-end map instead (end_to_end_flow, landscape flow "
                 "--end-to-end: d_y x d_x numbers whatever the widths) from balanced weights, "
                 f"{'use an explicit method (DOP853), ' if implicit else ''}record fewer "
                 f"times (record=[...]), or take widths {narrow} (the same critical classes "
                 f"and values)")
