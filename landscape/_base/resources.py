"""Memory of big requests: estimated before the work, refused when it does not fit.

Every entry point whose memory grows with the problem (the number of classes, the widths)
estimates it from closed forms first and calls :func:`check_memory`, which refuses, before
any allocation, an estimate above :data:`MEMORY_FRACTION` of the machine's physical memory
(:func:`physical_memory`), with the figure and the way out.
"""

from __future__ import annotations

import os

__all__ = ["MEMORY_FRACTION", "check_memory", "format_bytes", "memory_limit", "physical_memory"]

#: Share of the physical memory one request may plan to take (the rest: the system, the
#: interpreter and the estimate's slack).
MEMORY_FRACTION = 0.75


def physical_memory() -> int:
    """The machine's physical memory in bytes (``SC_PHYS_PAGES x SC_PAGE_SIZE``; 16 GiB where
    the system does not say)."""
    try:
        return int(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):
        return 16 * 2 ** 30


def format_bytes(size: float) -> str:
    """``"512 MiB"``, ``"3.2 GiB"``.

    Examples
    --------
    >>> format_bytes(3 * 2 ** 29), format_bytes(2.5 * 2 ** 30)
    ('1.5 GiB', '2.5 GiB')
    """
    if size < 1000 * 2 ** 20:
        return f"{size / 2 ** 20:.3g} MiB"
    return f"{size / 2 ** 30:.3g} GiB"


def memory_limit(limit: float | None = None) -> float:
    """``limit`` bytes, or by default :data:`MEMORY_FRACTION` of :func:`physical_memory`."""
    return MEMORY_FRACTION * physical_memory() if limit is None else float(limit)


def check_memory(need: float, what: str, way_out: str, *, limit: float | None = None) -> None:
    """Refuse, with a ``ValueError`` giving the figure and ``way_out``, a request whose
    estimated memory ``need`` (bytes) exceeds ``limit`` (default :func:`memory_limit`).

    Examples
    --------
    >>> try:
    ...     check_memory(2 ** 40, "the table", "ask for less", limit=2 ** 30)
    ... except ValueError as exc:
    ...     print(exc)
    the table needs about 1.02e+03 GiB of memory, more than the 1 GiB allowed; ask for less
    """
    cap = memory_limit(limit)
    if need > cap:
        source = "allowed" if limit is not None else (
            f"available to one request ({MEMORY_FRACTION:g} of this machine's "
            f"{format_bytes(physical_memory())})")
        raise ValueError(f"{what} needs about {format_bytes(need)} of memory, more than the "
                         f"{format_bytes(cap)} {source}; {way_out}")
