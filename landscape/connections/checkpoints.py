"""Checkpoints of a saddle-graph run: every finished class, so that a rerun resumes.

A checkpoint is one JSON file (``allow_nan=False``, written atomically) holding
``{"format", "schema_version", "problem", "options", "escapes", "classes"}``: the problem
as :func:`landscape.problem.records.problem_record` (widths, spectrum, a SHA-256 of the
bases), the probe settings, the escapes of the invariant blocks, and one record per finished
class keyed by its label. A checkpoint of
another problem or other settings is refused rather than mixed in. Internal to
:mod:`landscape.connections`.
"""

from __future__ import annotations

import json
from pathlib import Path

from .._base.files import atomic_write

__all__: list[str] = []

#: Version of the checkpoint and graph file schemas.
SCHEMA_VERSION = 2
CHECKPOINT_FORMAT = "landscape.saddle_graph_checkpoint"


def read_checkpoint(path: Path, problem: dict, options: dict) -> dict:
    """``{"escapes", "classes"}`` stored at ``path`` (``{}`` when there is no file yet).

    Raises
    ------
    ValueError
        For a file that is not JSON, not a checkpoint of this schema version, or was written
        for another problem or other options.
    """
    if not path.exists():
        return {}
    try:
        document = json.loads(path.read_text())
    except (ValueError, OSError) as exc:
        raise ValueError(f"checkpoint {path} must be a readable JSON file: {exc}") from exc
    if not isinstance(document, dict) or document.get("format") != CHECKPOINT_FORMAT \
            or document.get("schema_version") != SCHEMA_VERSION:
        raise ValueError(f"checkpoint {path} must be a saddle-graph checkpoint with "
                         f"schema_version {SCHEMA_VERSION}, got format "
                         f"{document.get('format') if isinstance(document, dict) else None!r}")
    for name, expected in (("problem", problem), ("options", options)):
        if document.get(name) != expected:
            raise ValueError(f"checkpoint {path} was written for other {name}: "
                             f"{document.get(name)!r}, expected {expected!r}; remove it or "
                             f"pass another path")
    classes, escapes = document.get("classes"), document.get("escapes")
    if not isinstance(classes, dict) or not isinstance(escapes, list):
        raise ValueError(f"checkpoint {path} must hold an 'escapes' list and a 'classes' "
                         f"object")
    return {"escapes": escapes, "classes": classes}


def write_checkpoint(path: Path, problem: dict, options: dict, state: dict) -> None:
    """Write ``state`` (``{"escapes", "classes"}``) to ``path`` atomically."""
    text = json.dumps({"format": CHECKPOINT_FORMAT, "schema_version": SCHEMA_VERSION,
                       "problem": problem, "options": options, **state}, allow_nan=False)
    atomic_write(path, lambda tmp: Path(tmp).write_text(text))
