"""The ``landscape`` console command, clean on Ctrl-C from its first instant.

The console script imports its entry point before it runs it, and importing
:mod:`landscape` (numpy, scipy, the package's modules) takes a noticeable fraction of a
second: with the entry point inside the package, a Ctrl-C in that time printed a raw
``KeyboardInterrupt`` traceback. This module lies outside the package and imports nothing
heavy; :func:`main` imports the command line inside the same guard that
:func:`landscape.cli.main` puts around the work, with the same message and exit status.
"""

import sys

__all__ = ["INTERRUPTED", "main"]

#: What ``landscape`` prints on Ctrl-C (or SIGTERM), before or during the work.
INTERRUPTED = "landscape: interrupted; no partial file was written\n"


def main() -> int:
    """Import :mod:`landscape.cli` and run its ``main``; the exit status (130 when
    interrupted before the command line took over)."""
    try:
        from landscape.cli import main as run

        return run()
    except KeyboardInterrupt:
        sys.stderr.write(INTERRUPTED)
        return 130
