"""The size of a saddle graph, said and bounded before any class is enumerated.

A graph probes every saddle class (``2^m`` of them for ``m`` distinct modes) and ``m^2``
blocks, each for a few hundredths of a second at least, so its time follows
:func:`landscape.count_classes` (exact, milliseconds). :func:`check_graph_size` refuses more
than ``max_classes`` classes (:data:`MAX_GRAPH_CLASSES` by default) with the figure and the way
out, and prints the class count and a first estimate of the time on standard error when the
run is long, before the catalog and the blocks; after the first class the graph prints an
estimate timed on it.
"""

from __future__ import annotations

import sys

from .._base.progress import format_duration
from .._base.validation import check_int
from ..critical import count_classes
from ..problem.network import Landscape
from ..problem.rules import problem_with_tie_tol

__all__ = ["MAX_GRAPH_CLASSES", "check_graph_size"]

#: Largest number of classes :func:`~landscape.connections.graph.saddle_graph` and
#: :func:`landscape.write_report` take by default (2^14 = 16,384: about 15 min serially at
#: the least per-class time below, hours for wide layers).
MAX_GRAPH_CLASSES = 2 ** 14
#: Least seconds one saddle class (four random probes) and one block take on one core
#: (measured 0.035 to 0.2 s a class, 0.04 to 0.08 s a block, for 5 to 9 modes); a report adds
#: the curvature and frustration of each class.
SECONDS_PER_CLASS = {"graph": 0.05, "block": 0.05, "report": 0.01}
#: Estimates longer than this (seconds) are printed.
SAY_AFTER = 30.0


def check_graph_size(land: Landscape, *, n_classes: int | None = None,
                     tie_tol: float | None = None,
                     max_classes: int = MAX_GRAPH_CLASSES, workers: int = 1,
                     report: bool = False, progress: bool | None = None) -> int:
    """Refuse a saddle graph (``report``: a report) of more than ``max_classes`` classes
    before any work, with the count and the way out; print the count and a first estimate of
    the time on standard error when it exceeds :data:`SAY_AFTER` (unless ``progress`` is
    False). Returns the class count (``n_classes`` where known, else
    :func:`landscape.count_classes`, with ``land.tie_tol``; a per-call ``tie_tol`` is
    deprecated, :func:`~landscape.problem.rules.problem_with_tie_tol`).

    Examples
    --------
    >>> from landscape import DataSpectrum
    >>> land = Landscape(DataSpectrum.from_singular_values([3.0 - 0.1 * i for i in range(16)]),
    ...                  (16, 16, 16))
    >>> try:
    ...     check_graph_size(land)
    ... except ValueError as exc:
    ...     print(str(exc).split(";")[0])
    saddle graph of 65,536 critical classes and 256 blocks: about 54.8 min
    """
    land = problem_with_tie_tol(land, tie_tol, "check_graph_size")
    max_classes = check_int(max_classes, "max_classes", minimum=1)
    workers = check_int(workers, "workers", minimum=1)
    n = count_classes(land) if n_classes is None else n_classes
    m = land.m
    per_class = SECONDS_PER_CLASS["graph"] + report * SECONDS_PER_CLASS["report"]
    seconds = (n * per_class + m * m * SECONDS_PER_CLASS["block"]) / workers
    what = "report" if report else "saddle graph"
    figure = (f"{what} of {n:,} critical classes and {m * m} blocks: about "
              f"{format_duration(seconds)}")
    if n > max_classes:
        raise ValueError(f"{figure}; max_classes must be at least the class count, got "
                         f"{max_classes:,}: ask for fewer modes (a shorter sigma; tied values "
                         f"within tie_tol are one class), or raise max_classes "
                         f"(--max-classes) to run it anyway")
    if progress is not False and seconds > SAY_AFTER:
        print(f"{figure}{'' if workers == 1 else f' on {workers} workers'}", file=sys.stderr)
    return n
