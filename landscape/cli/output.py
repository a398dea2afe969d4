"""What the subcommands print and write: aligned text tables and JSON."""

from __future__ import annotations

import json
import sys

from .._base.files import atomic_write_text

__all__ = ["emit", "print_table", "write_json"]


def write_json(target: str, payload: dict) -> None:
    """Write ``payload`` as JSON to ``target`` (``-``: standard output), atomically."""
    text = json.dumps(payload, indent=2, allow_nan=False)
    if target == "-":
        print(text)
        return
    atomic_write_text(target, text + "\n")


def print_table(rows: list[dict], *, file=None) -> None:
    """Print dict rows as an aligned text table."""
    file = file or sys.stdout
    if not rows:
        print("(no rows)", file=file)
        return
    columns = list(rows[0])
    cells = [[_cell(row[c]) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[k]) for r in cells)) for k, c in enumerate(columns)]
    print("  ".join(c.rjust(w) for c, w in zip(columns, widths)), file=file)
    for r in cells:
        print("  ".join(v.rjust(w) for v, w in zip(r, widths)), file=file)


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value)


def emit(args, rows: list[dict], payload: dict) -> None:
    """The table on standard output (unless JSON goes there), and the JSON if asked for."""
    if args.json != "-":
        print_table(rows)
    if args.json:
        write_json(args.json, payload)
