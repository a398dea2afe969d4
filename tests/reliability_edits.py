"""Field-by-field edits of JSON documents, for the fuzz tests of saved files.

An edit picks one place in the document (a key of an object or an index of a list, at any
depth) and deletes it, replaces its value with one of another JSON type, or changes the
number there (a non-number becomes a number). The tests assert that every edited file is
refused with a message or loads to the same result.
"""

from __future__ import annotations

import copy
import math

#: Replacements of another type (one is picked that differs from the current value's type).
OTHER_TYPES = (None, True, "abc", 1.5, 3, [], {}, [1, 2])


def paths(document, prefix=()) -> list[tuple]:
    """Every place in a JSON document: tuples of keys and indices from the root."""
    if isinstance(document, dict):
        items = list(document.items())
    elif isinstance(document, list):
        items = list(enumerate(document))
    else:
        return []
    out = []
    for key, value in items:
        out.append((*prefix, key))
        out.extend(paths(value, (*prefix, key)))
    return out


def _json_type(value) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return type(value).__name__


def other_types(value) -> list:
    """Replacements whose JSON type differs from ``value``'s."""
    return [v for v in OTHER_TYPES if _json_type(v) != _json_type(value)]


def changed_numbers(value) -> list:
    """Numbers that differ from ``value`` (any number when it is not one)."""
    if _json_type(value) != "number":
        return [7]
    candidates = [value + 1, value - 1, 2 * value + 1, -value - 0.5]
    return [v for v in candidates if math.isfinite(v) and v != value]


def edited(document, path: tuple, action: str, replacement=None):
    """A deep copy of ``document`` with the edit ``action`` at ``path``: ``"delete"``, or
    ``"replace"`` with ``replacement``."""
    out = copy.deepcopy(document)
    parent = out
    for key in path[:-1]:
        parent = parent[key]
    if action == "delete":
        del parent[path[-1]]
    else:
        parent[path[-1]] = replacement
    return out


def value_at(document, path: tuple):
    for key in path:
        document = document[key]
    return document
