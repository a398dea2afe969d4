"""Second-order geometry of critical points: witness test, symmetry orbit, Hessian inertia and
spectrum, escapes through the centre, classification (docs/theory.md §4, §4.1, §4.2).

Modules:

- :mod:`~landscape.geometry.balancing` -- moving a point along its symmetry orbit to a
  well-conditioned, balanced one (``balance_layers``, ``balance_hidden_layers``);
- :mod:`~landscape.geometry.frame` -- reduced coordinates, the balanced point and the zero
  threshold every test shares (``curvature_scale``, ``ZERO_TOL``);
- :mod:`~landscape.geometry.witness` -- the Hessian-free witness test (``Witness``,
  ``witness_strengths``, ``witness_test``, ``witness_kind``);
- :mod:`~landscape.geometry.orbit` -- the tangent of the hidden-layer symmetry orbit and its
  dimension (``orbit_tangent``, ``orbit_dimension``);
- :mod:`~landscape.geometry.eigensolver` -- the randomized range-finder eigensolver on
  Hessian-vector products (internal);
- :mod:`~landscape.geometry.structure` -- the core network and the blocks of idle units,
  inputs and outputs known in closed form, and the dropped input space (internal);
- :mod:`~landscape.geometry.inertia` -- Hessian inertia, dense or matrix-free (``Inertia``,
  ``hessian_inertia``, ``DENSE_HESSIAN_LIMIT``);
- :mod:`~landscape.geometry.spectral_parts` -- the spectrum split into negative, orbit,
  centre and positive parts (``HessianSpectrum``, ``hessian_spectrum``);
- :mod:`~landscape.geometry.centre` -- the centre basis, level-set tangent and sector
  objectives behind the escapes (internal);
- :mod:`~landscape.geometry.escapes` -- escape directions of order 2 and higher (``Escape``,
  ``escape_directions``, ``DENSE_ESCAPE_LIMIT``; ``escape_step`` for the connections);
- :mod:`~landscape.geometry.continuation` -- the flow from a network near a class to a
  critical point of it (``continue_to_critical``, ``Continuation``);
- :mod:`~landscape.geometry.classification` -- ``Classification`` and ``classify`` (of
  critical points, and of the class a network is near).
"""

from . import (balancing, centre, classification, continuation, eigensolver, escapes, frame,
               inertia, orbit, spectral_parts, witness)
from .balancing import *  # noqa: F403
from .classification import *  # noqa: F403
from .continuation import *  # noqa: F403
from .escapes import *  # noqa: F403
from .frame import *  # noqa: F403
from .inertia import *  # noqa: F403
from .orbit import *  # noqa: F403
from .spectral_parts import *  # noqa: F403
from .witness import *  # noqa: F403

__all__ = sorted({name for module in (balancing, centre, classification, continuation,
                                      eigensolver, escapes, frame, inertia, orbit,
                                      spectral_parts, witness)
                  for name in module.__all__})
