"""The layers of a framework's parameter names, in the order the network applies them.

A state dict names parameters ``<layer>.weight`` and ``<layer>.bias``; it does not say in which
order the layers run, nor what parameter-free modules sit between them. The order comes from
the user (``layer_order``), from the integers in the names (``layers.10`` after ``layers.2``),
from the source's own order where it has one and the shapes chain in it, or from the shapes
alone where they chain in exactly one order. A gap in a ``Sequential``'s indices (``0``, ``2``)
is a module without parameters between two layers, an activation most likely: refused unless
the user says it is linear (:func:`framework_layers`).
"""

from __future__ import annotations

import re

import numpy as np

from .._base.validation import as_vector

__all__ = ["PARAMETER_SUFFIXES", "framework_layers"]

#: Suffixes of a framework's parameter names that :func:`framework_layers` reads.
PARAMETER_SUFFIXES = ("weight", "bias")


def framework_layers(label: str, arrays: dict, *, ordered: bool, layer_order=None,
                     gaps_are_linear: bool = False):
    """``(names, weights, biases)`` of the linear layers named in ``arrays``, in layer order.

    Parameters
    ----------
    label : str
        How the source is named in messages.
    arrays : dict
        Parameter name -> array, every name ``<layer>.weight`` or ``<layer>.bias``.
    ordered : bool
        Whether the dict's order is the source's own (a torch ``state_dict``, an ``.npz``);
        ``False`` for a ``.safetensors`` file, whose keys come back sorted.
    layer_order : sequence of str, optional
        Layer-name prefixes in the order the network applies them: ``["encoder", "decoder"]``
        puts every ``encoder.*`` layer (ordered by the integers in their names) before every
        ``decoder.*`` layer.
    gaps_are_linear : bool
        Accept parameter-free modules between layers (a gap in a ``Sequential``'s indices),
        for a user who knows they are linear (``Dropout``, ``Identity``, ``Flatten``).

    Notes
    -----
    Without ``layer_order``: by the integers in the names when every layer has a distinct
    tuple of them; else in the source's order when it has one and the shapes chain
    (``W_{j+1}`` takes the ``d_j`` outputs of ``W_j``) in it; else in the one order in which
    the shapes chain, refused when there are several or none.
    """
    layers = _parse(label, arrays)
    prefixes = list(layers)
    shapes = {p: np.shape(layers[p]["weight"]) for p in prefixes}
    keys = {p: _integers(p) for p in prefixes}
    if layer_order is not None:
        prefixes = _user_order(label, prefixes, layer_order)
    elif all(keys.values()) and len(set(keys.values())) == len(keys):
        prefixes.sort(key=keys.__getitem__)
    elif not (ordered and _chains([shapes[p] for p in prefixes])):
        prefixes = _chain_order(label, prefixes, shapes)
    if not gaps_are_linear:
        _refuse_gaps(label, prefixes)
    names, weights, biases = [], [], []
    for p in prefixes:
        name = _name(p, "weight")
        weight = np.asarray(layers[p]["weight"])
        bias = layers[p].get("bias")
        if bias is not None:
            bias = as_vector(bias, f"{label}:{_name(p, 'bias')}")
            if weight.ndim == 2 and bias.size != weight.shape[0]:
                raise ValueError(f"{label}: the bias of {name!r} must have "
                                 f"{weight.shape[0]} entries, got {bias.size}")
        names.append(name)
        weights.append(weight)
        biases.append(bias)
    return tuple(names), weights, biases


def _name(prefix: str, suffix: str) -> str:
    return f"{prefix}.{suffix}" if prefix else suffix


def _integers(prefix: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", prefix))


def _parse(label: str, arrays: dict) -> dict[str, dict]:
    layers: dict[str, dict] = {}
    bad = []
    for key, value in arrays.items():
        prefix, _, suffix = key.rpartition(".")
        if suffix not in PARAMETER_SUFFIXES:
            bad.append(key)
            continue
        layers.setdefault(prefix, {})[suffix] = value
    if bad:
        raise ValueError(f"{label} must hold arrays W1..Wh or linear layers' parameters "
                         f"named '<layer>.weight' and '<layer>.bias', got {bad} (a deep linear "
                         f"network has no other parameters)")
    missing = [_name(p, "weight") for p, d in layers.items() if "weight" not in d]
    if missing:
        raise ValueError(f"{label} has biases without weights: missing {missing}")
    return layers


def _chains(shapes) -> bool:
    return all(len(a) == 2 and len(b) == 2 and b[1] == a[0] for a, b in zip(shapes, shapes[1:]))


def _chain_order(label: str, prefixes: list, shapes: dict) -> list:
    """The one order of ``prefixes`` in which the weights' shapes chain, or a clear refusal."""
    found: list[list] = []

    def extend(order: list, left: list) -> None:
        if len(found) > 1:
            return
        if not left:
            found.append(order)
            return
        for k, p in enumerate(left):
            if not order or shapes[p][1] == shapes[order[-1]][0]:
                extend(order + [p], left[:k] + left[k + 1:])

    if all(len(s) == 2 for s in shapes.values()):
        extend([], prefixes)
    listed = ", ".join(f"{_name(p, 'weight')} {tuple(shapes[p])}" for p in prefixes)
    if len(found) == 1:
        return found[0]
    if not found:
        raise ValueError(f"{label}: the layers' shapes (d_out, d_in) must chain in some order, "
                         f"got {listed}")
    raise ValueError(f"{label}: the layers' order is ambiguous: their names carry no order and "
                     f"their shapes (d_out, d_in) chain in more than one, e.g. "
                     f"{[_name(p, 'weight') for p in found[0]]} and "
                     f"{[_name(p, 'weight') for p in found[1]]}; give it with layer_order= "
                     f"(--layer-order), layer names in the order the network applies them: "
                     f"{listed}")


def _user_order(label: str, prefixes: list, layer_order) -> list:
    if isinstance(layer_order, str) or not all(isinstance(e, str) for e in layer_order):
        raise TypeError(f"layer_order must be a sequence of layer names, got {layer_order!r}")
    entries = [e.removesuffix(".weight") for e in layer_order]
    if len(set(entries)) != len(entries) or not entries:
        raise ValueError(f"layer_order must name each layer once, got {list(layer_order)}")
    groups: dict[str, list] = {e: [] for e in entries}
    unmatched, several = [], []
    for p in prefixes:
        hits = [e for e in entries if p == e or p.startswith(e + ".")]
        if len(hits) == 1:
            groups[hits[0]].append(p)
        else:
            (several if hits else unmatched).append(_name(p, "weight"))
    names = [_name(p, "weight") for p in prefixes]
    if unmatched or several:
        raise ValueError(f"layer_order must match each layer of {label} exactly once, got "
                         f"{unmatched or several} matched by {'none' if unmatched else 'several'} "
                         f"of {list(layer_order)}; layers are {names}")
    empty = [e for e, group in groups.items() if not group]
    if empty:
        raise ValueError(f"layer_order must name layers of {label}, got {empty} matching none; "
                         f"layers are {names}")
    order = []
    for e, group in groups.items():
        keys = {p: _integers(p[len(e):]) for p in group}
        if len(group) > 1 and (not all(keys.values()) or len(set(keys.values())) < len(group)):
            raise ValueError(f"layer_order entry {e!r} matches layers "
                             f"{[_name(p, 'weight') for p in group]} whose names carry no "
                             f"order; name each of them in layer_order")
        order.extend(sorted(group, key=keys.__getitem__))
    return order


def _refuse_gaps(label: str, prefixes: list) -> None:
    """Refuse a module without parameters between consecutive layers of one ``Sequential``."""
    for a, b in zip(prefixes, prefixes[1:]):
        group_a, _, i = a.rpartition(".")
        group_b, _, k = b.rpartition(".")
        if group_a != group_b or not (i.isdigit() and k.isdigit()):
            continue
        between = [f"{group_a}.{m}" if group_a else str(m) for m in range(int(i) + 1, int(k))]
        free = [m for m in between
                if not any(p == m or p.startswith(m + ".") for p in prefixes)]
        if free:
            plural = len(free) > 1
            raise ValueError(
                f"{label}: parameters {a} and {b} have module{'s' * plural} {', '.join(free)} "
                f"between them, which hold{'s' * (not plural)} no parameters: an activation "
                f"such as ReLU makes the network nonlinear, and a deep linear network has none; "
                f"pass gaps_are_linear=True (--gaps-are-linear) only if "
                f"{'they are' if plural else 'it is'} linear (Dropout, Identity, Flatten)")
