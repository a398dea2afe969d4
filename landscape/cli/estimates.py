"""What a subcommand will cost, said before the work: the class count, memory and time.

``catalog`` keeps every class in memory three times over (the catalog's columns, one record
and one table row per class; one more JSON record with ``--json``), so its memory and time
grow with the class count of :func:`landscape.count_classes` (exact, milliseconds) at the
per-class costs below, measured on the command (Python 3.11, one core): an estimate above the
machine's memory (``--max-memory`` to override) is refused before any work, with the figure
and the way out, and a long one is printed on standard error first.
"""

from __future__ import annotations

import sys

from .._base.progress import format_duration
from .._base.resources import check_memory, format_bytes
from ..connections import MAX_GRAPH_CLASSES
from ..critical import count_classes

__all__ = ["add_max_classes_option", "add_memory_option", "check_catalog_size"]

#: Bytes per class of ``landscape catalog``: catalog columns, record and table row; the extra
#: of ``-o`` (the file's record) and of ``--json`` (the JSON record and its text).
CATALOG_BYTES = {"base": 1200, "output": 300, "json": 2500}
#: Seconds per class of ``landscape catalog`` on one core, likewise; ``curvature`` is the
#: least a class's Hessian inertia takes (more for wide layers).
CATALOG_SECONDS = {"base": 25e-6, "output": 25e-6, "json": 40e-6, "curvature": 5e-3}
#: Estimates longer than this (seconds) or larger than this (bytes) are printed first.
SAY_AFTER = (10.0, 2 ** 30)


def add_memory_option(parser) -> None:
    """``--max-memory GIB``: the memory a run may plan to take (default: 3/4 of the machine's)."""
    parser.add_argument("--max-memory", type=float, metavar="GIB",
                        help="refuse a run estimated above this many GiB (default: 3/4 of "
                             "this machine's memory)")


def add_max_classes_option(parser) -> None:
    """``--max-classes N`` of ``graph`` and ``report`` (:data:`MAX_GRAPH_CLASSES` by default)."""
    parser.add_argument("--max-classes", type=int, default=MAX_GRAPH_CLASSES, metavar="N",
                        help="refuse a problem of more critical classes, before any work "
                             "(default: %(default)s; the class count and a first time "
                             "estimate are printed first)")


def _limit(args) -> float | None:
    gib = getattr(args, "max_memory", None)
    if gib is None:
        return None
    if not gib > 0:
        raise ValueError(f"--max-memory must be a positive number of GiB, got {gib!r}")
    return gib * 2 ** 30


def check_catalog_size(args, land) -> int:
    """Estimate ``landscape catalog``'s memory and time from the class count; refuse what does
    not fit (``ValueError`` with the figure and the way out), print a long estimate on
    standard error; return the class count."""
    n = count_classes(land)
    parts = ["base"] + [p for p in ("output", "json") if getattr(args, p, None) is not None]
    need = n * sum(CATALOG_BYTES[p] for p in parts)
    seconds = n * sum(CATALOG_SECONDS[p] for p in parts + ["curvature"] * args.curvature)
    ways = "fewer modes (a shorter --sigma; tied values within tie_tol are one class)"
    if args.json is not None:
        ways += ", no --json (the table alone takes less)"
    check_memory(need, f"landscape catalog of {n:,} critical classes ("
                       f"{' + '.join(f'{CATALOG_BYTES[p]} B' for p in parts)} a class)",
                 f"ask for {ways}, or raise --max-memory", limit=_limit(args))
    if not args.quiet and (seconds > SAY_AFTER[0] or need > SAY_AFTER[1]):
        print(f"catalog: {n:,} critical classes: about {format_bytes(need)} of memory and "
              f"{'at least ' if args.curvature else ''}{format_duration(seconds)}",
              file=sys.stderr)
    return n
