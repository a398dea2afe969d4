"""Progress of long work: a bar on a terminal, timed lines on standard error elsewhere.

On a terminal :mod:`tqdm` draws a bar. Off a terminal (a batch job, a notebook's log, CI) a
line ``desc: done/total (rate/s, about T left)`` goes to standard error every ``every``
seconds, so a long run that nobody watches still says how far it is; short runs print
nothing.
"""

from __future__ import annotations

import sys
import time

__all__ = ["Progress", "format_duration"]


def format_duration(seconds: float) -> str:
    """``"42 s"``, ``"3.5 min"`` or ``"1.2 h"``.

    Examples
    --------
    >>> format_duration(42.0), format_duration(210.0), format_duration(7200.0)
    ('42 s', '3.5 min', '2.0 h')
    """
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


class Progress:
    """Count finished tasks out of ``total``.

    Parameters
    ----------
    total : int
    desc : str
        What is counted ("saddle classes").
    progress : bool or None
        ``True``: a bar; ``False``: silent; ``None``: a bar on a terminal, timed lines on
        standard error otherwise.
    every : float
        Seconds between two lines (off a terminal).
    """

    def __init__(self, total: int, desc: str, progress: bool | None = None, *,
                 every: float = 10.0, stream=None):
        self.total, self.desc, self.every = total, desc, every
        self.stream = sys.stderr if stream is None else stream
        terminal = hasattr(self.stream, "isatty") and self.stream.isatty()
        from tqdm import tqdm  # imported where used: ``import landscape`` stays light

        self.bar = tqdm(total=total, desc=desc, leave=False, file=self.stream,
                        disable=not (progress or (progress is None and terminal)))
        self.lines = progress is None and not terminal
        self.done = 0
        self.start = self.last = time.monotonic()

    def update(self, count: int = 1) -> None:
        self.done += count
        self.bar.update(count)
        now = time.monotonic()
        if self.lines and now - self.last >= self.every:
            self.last = now
            self.stream.write(self.line(now) + "\n")
            self.stream.flush()

    def line(self, now: float | None = None) -> str:
        """``desc: done/total (rate/s, about T left)``."""
        elapsed = max((time.monotonic() if now is None else now) - self.start, 1e-9)
        rate = self.done / elapsed
        left = (self.total - self.done) / rate if rate > 0 else float("inf")
        eta = format_duration(left) if rate > 0 else "unknown"
        return f"{self.desc}: {self.done}/{self.total} ({rate:.3g}/s, about {eta} left)"

    def close(self) -> None:
        self.bar.close()
