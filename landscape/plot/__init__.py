"""Plots of the landscape: matplotlib functions that take ``ax=None`` and return the Axes.

Compute and draw are separate: every function here draws results computed elsewhere in the
library, and nothing calls ``plt.show()``. One module per layer it draws:
:mod:`~landscape.plot.flow` (loss and singular-value curves), :mod:`~landscape.plot.geometry`
(Hessian spectra), :mod:`~landscape.plot.graph_layout` and
:mod:`~landscape.plot.connections` (placing and drawing the saddle graph) and
:mod:`~landscape.plot.transitions` (transition probabilities as a heat map),
:mod:`~landscape.plot.figures` (the saddle graph's whole figure, ``saddle_graph_figure``) and
:mod:`~landscape.plot.signed` (frustration). All names are re-exported here and reachable
from :mod:`landscape`; the main plots are in its ``__all__``.
"""

from . import connections, figures, flow, forecast, geometry, graph_layout, signed, transitions
from .connections import *  # noqa: F403
from .figures import *  # noqa: F403
from .flow import *  # noqa: F403
from .forecast import *  # noqa: F403
from .geometry import *  # noqa: F403
from .graph_layout import *  # noqa: F403
from .signed import *  # noqa: F403
from .transitions import *  # noqa: F403

__all__ = [*connections.__all__, *figures.__all__, *flow.__all__, *forecast.__all__, *geometry.__all__,
           *graph_layout.__all__, *signed.__all__,
           *transitions.__all__]
