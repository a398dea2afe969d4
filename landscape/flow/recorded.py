"""One recorded flow from any start, by the cheapest exact route (the report's flows).

From a 0-balanced start (``h >= 2``) the end-to-end flow (docs/theory.md §7) is exact, and its
cost does not grow with the hidden widths: it is recorded with balanced weights of the same
product. From any other start the weight-space
:func:`~landscape.flow.integration.gradient_flow` runs, recorded with its weights and, with
``progress``, showing the flow time reached of ``t_max`` and the loss
(:mod:`~landscape.flow.flow_progress`), to the relative tolerance :data:`RECORDED_RTOL`.

Its cost, at the widths (64, 16, 16, 10) of digits (1,440 weights): the flow is stiff on the
plateaus (an explicit method uses up a million evaluations by ``t ~ 8e3``), so LSODA runs with
the exact ``-Hessian`` as Jacobian, and three quarters of its time is the LU factorisation of
the dense ``1440 x 1440`` iteration matrix that follows each new Jacobian (about 50 ms each;
the Hessian itself about 7 ms). At the default ``rtol = 1e-10`` a small start takes 1,236 of
them (102 s of CPU), at ``1e-8`` 777 (61 s), with the same saddles visited, the same final
loss to ten digits and the same convergence time to four.
"""

from __future__ import annotations

from ..problem.network import Landscape
from .balance import BALANCE_TOL, imbalance
from .end_to_end import end_to_end_flow
from .integration import FlowResult, gradient_flow

__all__: list[str] = []

#: Relative tolerance of the recorded flows (module notes: what a tighter one costs).
RECORDED_RTOL = 1e-8


def recorded_flow(land: Landscape, start, t_max: float,
                  progress: bool | None = None) -> FlowResult:
    """The flow from ``start`` up to ``t_max``, with its weights recorded (module docstring)."""
    if land.h >= 2 and imbalance(start) <= BALANCE_TOL:
        return end_to_end_flow(land, start, t_max=t_max).as_flow_result(seed=0)
    return gradient_flow(land, start, t_max=t_max, rtol=RECORDED_RTOL, record_weights=True,
                         progress=progress)
