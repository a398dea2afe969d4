"""The saddle connection graph: heteroclinic connections between critical classes, found by
integrating the gradient flow (docs/theory.md §5).

Modules
-------
:mod:`~landscape.connections.labels`
    ``subset_label`` (the class key ``(0, 2)`` as ``"{0,2}"``) and its inverse.
:mod:`~landscape.connections.blocks`
    Invariant blocks of an aligned critical point: the sub-networks where probes run, their
    embedding into the full network and their combination (internal).
:mod:`~landscape.connections.probes`
    Escapes of a block with their exact (one-hop) probes, and the integration of random
    probes to their first arrival (internal).
:mod:`~landscape.connections.graph`
    ``saddle_graph``, ``GraphOptions``, ``example_start``: blocks and classes probed through
    the executor and assembled into a ``networkx.DiGraph``.
:mod:`~landscape.connections.checkpoints`
    Reading and writing the checkpoint of a run (internal).
:mod:`~landscape.connections.checks`
    ``GraphChecks``, ``check_saddle_graph``: decreasing, acyclic, minima sinks, saddles escape.
:mod:`~landscape.connections.readwrite`
    ``save_saddle_graph``, ``load_saddle_graph``: GraphML and node-link JSON round trips.
:mod:`~landscape.connections.graph_file`
    The schema of a graph file and what reading one verifies and trusts (internal).
:mod:`~landscape.connections.size`
    ``MAX_GRAPH_CLASSES``, ``check_graph_size``: the class count and a first estimate of the
    time, and the refusal of a graph too large, before any work.
:mod:`~landscape.connections.visits`
    ``Visit``, ``trajectory_visits``: the classes a recorded trajectory rests near, in order.
"""

from . import checks, graph, labels, readwrite, size, visits
from .checks import *  # noqa: F403
from .graph import *  # noqa: F403
from .labels import *  # noqa: F403
from .readwrite import *  # noqa: F403
from .size import *  # noqa: F403
from .visits import *  # noqa: F403

__all__ = sorted({name for module in (checks, graph, labels, readwrite, size, visits)
                  for name in module.__all__})
