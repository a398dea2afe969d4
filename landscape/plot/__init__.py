"""Plots of the landscape: matplotlib functions that take ``ax=None`` and return the Axes.

Compute and draw are separate: every function here draws results computed elsewhere in the
library, and nothing calls ``plt.show()``. One module per topic; all names are re-exported
here and from :mod:`landscape`.
"""

from . import curvature, flow, frustration, graph
from .curvature import *  # noqa: F403
from .flow import *  # noqa: F403
from .frustration import *  # noqa: F403
from .graph import *  # noqa: F403

__all__ = [*curvature.__all__, *flow.__all__, *frustration.__all__, *graph.__all__]
