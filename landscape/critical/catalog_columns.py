"""The columns of a catalog file's ``classes`` list, read and type-checked all rows at once.

A catalog file lists one JSON record per class (:mod:`~landscape.critical.catalog_files`);
hundreds of thousands of them must load at about the speed the JSON parses. Each reader here
takes one field of every record (a column) and checks it with one pass of a builtin over the
column -- exact types (``true`` is not ``1``, ``1.0`` is not ``1``), ranges before any
conversion (so nothing overflows) -- and turns it into an array; the first row that breaks a
rule raises ``ValueError`` naming ``classes[i]``, the field, the rule and the value found, as
a record-by-record check would.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np

from .points import KINDS

__all__: list[str] = []


def require(condition: bool, message: str) -> None:
    """Raise ``ValueError(message)`` unless ``condition``."""
    if not condition:
        raise ValueError(message)


def require_rows(ok: np.ndarray, message: Callable[[int], str]) -> None:
    """Raise ``ValueError(message(i))`` for the first row ``i`` where ``ok`` is false."""
    bad = np.flatnonzero(~ok)
    if bad.size:
        raise ValueError(message(int(bad[0])))


def flags(values, n: int) -> np.ndarray:
    """The booleans of an iterable of ``n`` of them, as an array."""
    return np.fromiter(values, dtype=bool, count=n)


def _row_of(lengths: np.ndarray, element: int) -> int:
    """The row holding element ``element`` of the concatenated lists of ``lengths``."""
    return int(np.searchsorted(np.cumsum(lengths), element, side="right"))


def int_lists(column: list, name: str, upper: int) -> tuple[np.ndarray, np.ndarray]:
    """``(lengths, flat)`` of a column of lists of integers in ``[0, upper)``: each row's
    length and all entries concatenated (``np.intp``)."""
    n = len(column)
    if set(map(type, column)) - {list}:
        require_rows(flags((type(v) is list for v in column), n),
                     lambda i: f"classes[{i}].{name} must be a list of integers, got "
                               f"{column[i]!r}")
    lengths = np.fromiter(map(len, column), dtype=np.intp, count=n)
    flat = list(itertools.chain.from_iterable(column))
    if set(map(type, flat)) - {int} or (flat and not 0 <= min(flat) <= max(flat) < upper):
        ok = flags((type(x) is int and 0 <= x < upper for x in flat), len(flat))
        require_rows(ok, lambda k: f"classes[{_row_of(lengths, k)}].{name} must hold integers "
                                   f"in [0, {upper}), got {column[_row_of(lengths, k)]!r}")
    return lengths, np.fromiter(flat, dtype=np.intp, count=len(flat))


def number_column(column: list, name: str) -> np.ndarray:
    """A column of JSON numbers (integers or floats, not booleans) as floats."""
    n = len(column)
    if set(map(type, column)) - {int, float}:
        require_rows(flags((type(v) is float or type(v) is int for v in column), n),
                     lambda i: f"classes[{i}].{name} must be a number, got {column[i]!r}")
    try:
        return np.fromiter(column, dtype=float, count=n)
    except OverflowError:  # an integer beyond every float
        require_rows(flags((type(v) is float or abs(v) < 2 ** 1024 for v in column), n),
                     lambda i: f"classes[{i}].{name} must be a finite number, got "
                               f"{column[i]!r}")
        raise


def kind_codes(column: list, name: str) -> np.ndarray:
    """A column of kind names as codes into :data:`~landscape.critical.points.KINDS`."""
    codes = {kind.value: code for code, kind in enumerate(KINDS)}
    names = [v if type(v) is str else None for v in column] \
        if set(map(type, column)) - {str} else column  # None (no code) for other types
    found = np.fromiter(map(codes.get, names, itertools.repeat(-1)), dtype=np.int64,
                        count=len(column))
    require_rows(found >= 0, lambda i: f"classes[{i}].{name} must be one of "
                                       f"{', '.join(k.value for k in KINDS)}, got "
                                       f"{column[i]!r}")
    return found.astype(np.uint8)


def subset_masks(column: list, width: int, n_modes: int, sizes: range, bottleneck: int,
                 groups) -> np.ndarray:
    """The membership masks ``(n, width)`` of a column of learnt sets, each checked
    ascending, distinct, of an admissible size (``sizes``) and canonical within the tie
    ``groups`` (within a group, the lowest indices: each group's row is a prefix)."""
    n = len(column)
    lengths, flat = int_lists(column, "subset", n_modes)
    rows = np.repeat(np.arange(n), lengths)
    ascending = np.ones(n, dtype=bool)
    ascending[rows[1:][(rows[1:] == rows[:-1]) & (flat[1:] <= flat[:-1])]] = False
    require_rows(ascending & (lengths >= sizes.start) & (lengths < sizes.stop),
                 lambda i: f"classes[{i}].subset must be ascending distinct indices of "
                           f"positive singular values (0..{n_modes - 1}), {sizes.start} to "
                           f"{sizes.stop - 1} of them (r = {bottleneck}), got "
                           f"{tuple(column[i])}")
    masks = np.zeros((n, width), dtype=bool)
    masks[rows, flat] = True
    for group in groups:
        if len(group) > 1:
            first, last = group[0], group[-1]
            gaps = masks[:, first + 1:last + 1] & ~masks[:, first:last]
            require_rows(~np.any(gaps, axis=1),
                         lambda i: f"classes[{i}].subset must take the lowest indices within "
                                   f"each tie group, got {tuple(column[i])}")
    return masks


def row_keys(masks: np.ndarray) -> np.ndarray:
    """One sortable key per row of a boolean matrix (its bits packed, as raw bytes)."""
    packed = np.ascontiguousarray(np.packbits(masks, axis=1))
    return packed.view(f"V{packed.shape[1]}").reshape(masks.shape[0])
