"""Labels of critical classes: the class key ``S`` (a tuple of mode indices) as text.

A class of critical points of the deep linear network is keyed by its learnt set ``S``
(docs/theory.md §2); the saddle graph writes it ``"{0,2}"`` in tables, node labels and the node ids
of its files, and reads it back with :func:`parse_subset_label`.
"""

from __future__ import annotations

__all__ = ["subset_label"]


def subset_label(subset) -> str:
    """``"{0,2}"`` for the class key ``(0, 2)``; ``"{}"`` for the empty set.

    Examples
    --------
    >>> subset_label((0, 2)), subset_label(())
    ('{0,2}', '{}')
    """
    return "{" + ",".join(str(int(i)) for i in subset) + "}"


def parse_subset_label(label: str) -> tuple[int, ...]:
    """The class key of a label written by :func:`subset_label` (internal to the subpackage).

    Examples
    --------
    >>> parse_subset_label("{0,2}"), parse_subset_label("{}")
    ((0, 2), ())
    """
    inner = label.strip()[1:-1]
    return tuple(int(i) for i in inner.split(",")) if inner else ()
