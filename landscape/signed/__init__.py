"""The signed-graph analysis: frustration of a network's signed graph, exact and heuristic.

The block-shift adjacency matrix of ``W_h ... W_1`` is a signed graph; its frustration is the
least weight that no switching of node signs makes positive (docs/theory.md §6; J. Wendin,
E. G. Larsson, C. Altafini, arXiv:2510.05286).

Public modules:

- :mod:`~landscape.signed.minimum`: ``frustration`` (method dispatch), ``FRUSTRATION_METHODS``.
- :mod:`~landscape.signed.results`: ``FrustrationResult``, ``NullComparison``,
  ``IOMonotonicity``, ``FrustrationTrajectory`` (and the internal ``result_of_signs``, with
  which :mod:`landscape.critical` rebuilds a stored catalog column).
- :mod:`~landscape.signed.nulls`: ``NULL_MODELS``, ``null_network``, ``frustration_vs_null``.
- :mod:`~landscape.signed.monotonicity`: ``io_monotonicity``.
- :mod:`~landscape.signed.network`: ``SignedNetwork``, ``signed_network`` (any feed-forward
  network as a signed graph; torch and ONNX readers in the internal modules ``torch_reader``,
  ``onnx_reader``, ``reader_graph``, ``convolution``).
- :mod:`~landscape.signed.active`: ``active_subnetwork`` (the linear graph of the units active
  at an input).
- :mod:`~landscape.signed.near_monotone`: ``near_monotonicity``, ``NearMonotonicity``.
- :mod:`~landscape.signed.along_flow`: ``frustration_along_flow``.

Internal modules: :mod:`~landscape.signed.signed_graph` (the graph and input validation),
:mod:`~landscape.signed.exact` (balance test, lower bound, enumeration),
:mod:`~landscape.signed.milp` (mixed-integer program), :mod:`~landscape.signed.greedy`
(flip descent and polish).
"""

from . import active, along_flow, minimum, monotonicity, near_monotone, network, nulls, results
from .active import *  # noqa: F403
from .along_flow import *  # noqa: F403
from .minimum import *  # noqa: F403
from .monotonicity import *  # noqa: F403
from .near_monotone import *  # noqa: F403
from .network import *  # noqa: F403
from .nulls import *  # noqa: F403
from .results import *  # noqa: F403

__all__ = sorted({name for module in (active, along_flow, minimum, monotonicity, near_monotone,
                                      network, nulls, results)
                   for name in module.__all__})
