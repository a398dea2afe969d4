"""Plots of the landscape: matplotlib functions that take ``ax=None`` and return the Axes.

Compute and draw are separate: every function here draws results computed elsewhere in the
library, and nothing calls ``plt.show()``. One module per topic; all names are re-exported
here and from :mod:`landscape`.
"""

from .flow import plot_loss_curve, plot_singular_value_curve

__all__ = ["plot_loss_curve", "plot_singular_value_curve"]
