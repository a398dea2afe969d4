"""The problem: data and its spectrum, the network's loss and exact derivatives, the one rule
for numerically zero and tied singular values, criticality, and the user's files.

Modules: :mod:`~landscape.problem.spectrum` (``DataSpectrum``, bundled data sets),
:mod:`~landscape.problem.network` (``Landscape``), :mod:`~landscape.problem.rules` (the
rules ``Landscape`` owns: zero and tied modes, coordinate maps, units), :mod:`~landscape.problem.adjacency` (the
dense adjacency oracle), :mod:`~landscape.problem.ties` (zeros and ties),
:mod:`~landscape.problem.criticality`, :mod:`~landscape.problem.learnt`,
:mod:`~landscape.problem.nearby` (``locate``: the class any network is near),
:mod:`~landscape.problem.moments` (second moments of data without overflow),
:mod:`~landscape.problem.records`, :mod:`~landscape.problem.datafiles` and
:mod:`~landscape.problem.network_files` (networks from files, checkpoints, state dicts
and modules, with :mod:`~landscape.problem.layer_order` and
:mod:`~landscape.problem.torch_modules`).
"""

from . import (adjacency, criticality, datafiles, learnt, moments, nearby, network,
               network_files, records, rules, spectrum, ties)
from .adjacency import *  # noqa: F403
from .criticality import *  # noqa: F403
from .datafiles import *  # noqa: F403
from .learnt import *  # noqa: F403
from .moments import *  # noqa: F403
from .nearby import *  # noqa: F403
from .network import *  # noqa: F403
from .network_files import *  # noqa: F403
from .spectrum import *  # noqa: F403
from .ties import *  # noqa: F403

__all__ = sorted({name for module in (adjacency, criticality, datafiles, learnt, moments, nearby,
                                      network, network_files, spectrum, ties) for name in module.__all__})
