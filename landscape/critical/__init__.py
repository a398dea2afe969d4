"""Critical points: the quotient by the end-to-end map, fibers, enumeration and catalogs.

Modules:

- :mod:`~landscape.critical.points`: the records ``CriticalPoint`` (a class: key, value,
  kind, canonical representative) and ``FiberCoordinates``;
- :mod:`~landscape.critical.representatives`: admissible learnt sets, the canonical
  representative (``canonical_representative``) and the class record (``critical_point``);
- :mod:`~landscape.critical.quotient`: any critical point to its class and fiber
  coordinates (``canonicalize``, ``same_class``, ``fiber_coordinates``);
- :mod:`~landscape.critical.fibers`: random critical points of a class (``sample_fiber``,
  ``FiberSample``, ``FiberConstruction``);
- :mod:`~landscape.critical.enumeration`: every class of a problem (``count_classes``,
  ``iter_classes``, ``iter_critical_points``, ``enumerate_critical_points``,
  ``CriticalClass``) and the catalog's frustration column (``representative_frustration``);
- :mod:`~landscape.critical.catalog`: the ``Catalog`` container;
- :mod:`~landscape.critical.catalog_files` (``SCHEMA_VERSION``, the file format, saving and
  loading) and :mod:`~landscape.critical.catalog_checks` (the checks of a file on load).
"""

from . import catalog, catalog_files, enumeration, fibers, points, quotient, representatives
from .catalog import *  # noqa: F403
from .catalog_files import *  # noqa: F403
from .enumeration import *  # noqa: F403
from .fibers import *  # noqa: F403
from .points import *  # noqa: F403
from .quotient import *  # noqa: F403
from .representatives import *  # noqa: F403

__all__ = sorted({name for module in (catalog, catalog_files, enumeration, fibers, points,
                                      quotient, representatives) for name in module.__all__})
