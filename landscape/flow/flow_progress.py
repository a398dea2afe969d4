"""Progress of one long flow: the flow time reached against ``t_max``, and the loss there.

A flow's work is not a count of tasks: its steps shorten on plateaus and lengthen between
them, and it ends at convergence long before ``t_max``. What says how far it is, is the time
it reached and the loss there (each plateau of a small start is one top-k value, docs/theory.md
§5). :class:`FlowProgress` shows them as :class:`landscape._base.progress.Progress` shows a
count: a tqdm bar on a terminal, a plain line on standard error every :data:`LINE_EVERY`
seconds elsewhere, nothing with ``progress=False``. The integrators call it with each accepted
step's time and its loss above the convergence threshold (the value their stopping event
computes anyway), so watching costs no extra evaluation.
"""

from __future__ import annotations

import sys
import time

from .._base.progress import format_duration
from .._base.validation import check_bool

__all__: list[str] = []

#: Seconds between two lines off a terminal.
LINE_EVERY = 10.0
#: Seconds between two refreshes of the bar on a terminal.
BAR_EVERY = 0.5


class FlowProgress:
    """Report ``t`` of ``t_max`` and the loss while a flow runs; a context manager.

    Parameters
    ----------
    t_max : float
        The flow's horizon.
    threshold : float
        The loss at which the flow stops (it is called with the loss minus this).
    progress : bool or None
        ``True``: a bar; ``False``: nothing; ``None``: a bar on a terminal, a line on
        standard error every :data:`LINE_EVERY` seconds otherwise.
    desc : str
        What runs ("gradient flow").
    stream : file, optional
        Where to write (default: standard error).
    """

    def __init__(self, t_max: float, threshold: float, progress: bool | None = False, *,
                 desc: str = "gradient flow", stream=None):
        progress = progress if progress is None else check_bool(progress, "progress")
        self.t_max, self.threshold, self.desc = t_max, threshold, desc
        self.stream = sys.stderr if stream is None else stream
        terminal = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.bar = None
        if progress or (progress is None and terminal):
            from tqdm import tqdm  # imported where used: ``import landscape`` stays light

            self.bar = tqdm(total=None, desc=desc, bar_format="{desc}: {postfix} [{elapsed}]",
                            leave=False, file=self.stream)
        self.lines = progress is None and not terminal
        self.every = BAR_EVERY if self.bar is not None else LINE_EVERY
        self.start = self.last = time.monotonic()
        self.active = self.bar is not None or self.lines

    def __call__(self, t: float, gap: float) -> float:
        """Note the flow at time ``t`` with loss ``threshold + gap``; ``gap`` unchanged (the
        integrators' stopping event passes through)."""
        if self.active:
            now = time.monotonic()
            if now - self.last >= self.every:
                self.last = now
                self.show(t, self.threshold + gap, now)
        return gap

    def text(self, t: float, loss: float) -> str:
        """``t = 1.2e+03 of t_max = 1e+09, loss 0.154011``."""
        return f"t = {t:.3g} of t_max = {self.t_max:.3g}, loss {loss:.6g}"

    def show(self, t: float, loss: float, now: float) -> None:
        if self.bar is not None:
            self.bar.set_postfix_str(self.text(t, loss))
        if self.lines:
            self.stream.write(f"{self.desc}: {self.text(t, loss)} "
                              f"({format_duration(now - self.start)})\n")
            self.stream.flush()

    def __enter__(self) -> FlowProgress:
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.close()
