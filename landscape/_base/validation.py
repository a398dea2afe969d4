"""Input validation at the library's boundary.

Every public entry point checks its arguments here before any work starts, and every
message has the form "NAME must be RULE, got VALUE".
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np

__all__ = [
    "as_matrix",
    "as_vector",
    "check_positive",
    "check_nonnegative",
    "check_int",
    "check_bool",
    "check_choice",
    "check_seed",
    "DEFAULT_SEED",
    "check_widths",
    "check_weights",
    "check_layers",
    "describe_value",
]


def describe_value(value) -> str:
    """``repr(value)`` cut to 80 characters, for error messages that quote what was given."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _real_array(value, name: str, kind: str) -> np.ndarray:
    """``value`` as a float array; masked entries and complex values are refused, not dropped."""
    if isinstance(value, np.ma.MaskedArray) and np.ma.count_masked(value):
        raise ValueError(f"{name} must not have masked entries, got {np.ma.count_masked(value)} "
                         f"masked: fill or drop them first")
    try:
        raw = np.asarray(value)
        array = None if np.iscomplexobj(raw) else np.asarray(raw, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a {kind} array of numbers, got "
                        f"{describe_value(value)}") from exc
    if array is None:
        raise TypeError(f"{name} must be real, got complex values (imaginary parts up to "
                        f"{float(np.max(np.abs(raw.imag))):.3g})")
    return array


def as_matrix(value, name: str, *, shape: tuple[int | None, int | None] | None = None,
              allow_empty: bool = False) -> np.ndarray:
    """Return ``value`` as a finite 2-D float array, or raise naming ``name``."""
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name} must be a 2-D array of numbers, got {describe_value(value)}")
    array = _real_array(value, name, "2-D")
    if array.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array, got an array with shape {array.shape}")
    if not allow_empty and array.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        bad = int(np.size(array) - np.count_nonzero(np.isfinite(array)))
        raise ValueError(f"{name} must hold finite values only, got {bad} NaN or infinite entries")
    if shape is not None:
        for axis, expected in enumerate(shape):
            if expected is not None and array.shape[axis] != expected:
                raise ValueError(
                    f"{name} must have shape {tuple('*' if s is None else s for s in shape)}, "
                    f"got {array.shape}")
    return array


def as_vector(value, name: str, *, length: int | None = None) -> np.ndarray:
    """Return ``value`` as a finite, non-empty 1-D float array, or raise naming ``name``."""
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name} must be a 1-D array of numbers, got {describe_value(value)}")
    array = _real_array(value, name, "1-D")
    if array.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array, got an array with shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name} must not be empty")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must hold finite values only, got "
                         f"{describe_value(array.tolist())}")
    if length is not None and array.size != length:
        raise ValueError(f"{name} must have length {length}, got {array.size}")
    return array


def _check_real(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {describe_value(value)}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value


def check_positive(value, name: str) -> float:
    """Return ``value`` as a float if it is a finite number > 0."""
    value = _check_real(value, name)
    if value <= 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    return value


def check_nonnegative(value, name: str) -> float:
    """Return ``value`` as a float if it is a finite number >= 0."""
    value = _check_real(value, name)
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return value


def check_bool(value, name: str) -> bool:
    """Return ``value`` as a bool if it is ``True`` or ``False`` (numpy's included)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def check_int(value, name: str, *, minimum: int | None = None) -> int:
    """Return ``value`` as an int if it is an integer (not a bool) >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {describe_value(value)}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


def check_choice(value, name: str, choices: Sequence[str]) -> str:
    """Return ``value`` if it is one of ``choices``."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, got "
                         f"{describe_value(value)}")
    return value


def check_widths(widths, d_x: int | None = None, d_y: int | None = None) -> tuple[int, ...]:
    """Validate layer widths ``(d_0, ..., d_h)``, against the data dimensions where given."""
    if isinstance(widths, (str, bytes)) or not isinstance(widths, Sequence | np.ndarray):
        raise TypeError(f"widths must be a sequence of integers, got {describe_value(widths)}")
    widths = tuple(check_int(w, f"widths[{i}]", minimum=1) for i, w in enumerate(widths))
    if len(widths) < 2:
        raise ValueError(f"widths must hold at least 2 entries (d_x and d_y), got {widths}")
    if d_x is not None and widths[0] != d_x:
        raise ValueError(f"widths[0] must equal d_x = {d_x}, got {widths[0]}")
    if d_y is not None and widths[-1] != d_y:
        raise ValueError(f"widths[-1] must equal d_y = {d_y}, got {widths[-1]}")
    return widths


def check_chained(layers: list[np.ndarray], name: str,
                  labels: Sequence[str] | None = None) -> list[np.ndarray]:
    """``layers`` if each has as many columns as the one before has rows, else a ValueError
    naming the first that does not (as ``labels[j]``, default ``name[j]``)."""
    labels = [f"{name}[{j}]" for j in range(len(layers))] if labels is None else labels
    for j in range(1, len(layers)):
        if layers[j].shape[1] != layers[j - 1].shape[0]:
            raise ValueError(f"{labels[j]} must have {layers[j - 1].shape[0]} columns (the "
                             f"outputs of {labels[j - 1]}, shape {layers[j - 1].shape}), got "
                             f"shape {layers[j].shape}")
    return layers


def check_layers(layers, name: str = "weights", *, labels: Sequence[str] | None = None,
                 allow_empty: bool = False) -> list[np.ndarray]:
    """Validate a layer list ``W_1..W_h`` whose widths are read off the layers.

    A non-empty sequence (not an array) of finite real matrices, each with as many columns as
    the one before has rows (:func:`check_chained`); the one check of a layer list of unknown
    widths (:func:`check_weights` checks one against known widths). ``labels`` name the
    layers in messages (default ``name[j]``); ``allow_empty`` admits zero-sized matrices.

    >>> [w.shape for w in check_layers([np.ones((3, 2)), np.ones((1, 3))])]
    [(3, 2), (1, 3)]
    >>> check_layers([np.ones((3, 2)), np.ones((1, 2))])
    Traceback (most recent call last):
    ...
    ValueError: weights[1] must have 3 columns (the outputs of weights[0], shape (3, 2)), got shape (1, 2)
    """
    if isinstance(layers, (np.ndarray, str, bytes)) or not isinstance(layers, Sequence):
        raise TypeError(f"{name} must be a sequence of matrices W_1..W_h, "
                        f"got {type(layers).__name__}")
    if len(layers) == 0:
        raise ValueError(f"{name} must hold at least one matrix, got an empty sequence")
    labels = [f"{name}[{j}]" for j in range(len(layers))] if labels is None else list(labels)
    return check_chained([as_matrix(w, label, allow_empty=allow_empty)
                          for label, w in zip(labels, layers)], name, labels)


def block_shift_layers(A: np.ndarray, widths: tuple[int, ...], name: str) -> list[np.ndarray]:
    """The blocks ``W_j = A[(j), (j-1)]`` of a validated square matrix ``A`` with node layers of
    ``widths``; a ValueError names the first nonzero entry off the block-shift pattern."""
    offsets = np.concatenate([[0], np.cumsum(widths)]).astype(int)
    mask = np.zeros(A.shape, dtype=bool)
    for j in range(1, len(widths)):
        mask[offsets[j]:offsets[j + 1], offsets[j - 1]:offsets[j]] = True
    off = (A != 0) & ~mask
    if np.any(off):
        i, k = np.argwhere(off)[0]
        raise ValueError(f"{name} must be zero off the block-shift pattern (blocks (j, j-1)), "
                         f"got {name}[{i}, {k}] = {A[i, k]:.3g}")
    return [A[offsets[j]:offsets[j + 1], offsets[j - 1]:offsets[j]].copy()
            for j in range(1, len(widths))]


def check_weights(weights, widths: tuple[int, ...], name: str = "weights") -> list[np.ndarray]:
    """Validate a sequence ``W_1..W_h`` of layer matrices, ``W_j`` of shape ``(d_j, d_{j-1})``."""
    if isinstance(weights, np.ndarray) or isinstance(weights, (str, bytes)) \
            or not isinstance(weights, Sequence):
        raise TypeError(f"{name} must be a sequence of {len(widths) - 1} matrices W_1..W_h, "
                        f"got {type(weights).__name__}")
    h = len(widths) - 1
    if len(weights) != h:
        raise ValueError(f"{name} must hold h = {h} matrices, got {len(weights)}")
    return [as_matrix(w, f"{name}[{j}]", shape=(widths[j + 1], widths[j]))
            for j, w in enumerate(weights)]


#: The library's one default seed: every function that draws takes ``seed=DEFAULT_SEED``, so a
#: call without a seed gives the same result on every machine; ``seed=None`` asks for fresh
#: entropy. (Where ``seed=None`` is documented as canonical -- balanced factorisations'
#: hidden frames -- nothing is drawn by default.)
DEFAULT_SEED = 0


def check_seed(seed, name: str = "seed") -> np.random.Generator:
    """A numpy ``Generator`` from ``seed``: an integer ``>= 0``, a ``Generator`` or ``None``.

    The one normaliser of seeds: every ``seed`` the library takes goes through it (default
    :data:`DEFAULT_SEED`). A ``Generator`` is returned as is (its state is shared); ``None``
    draws fresh entropy.

    Examples
    --------
    >>> int(check_seed(3).integers(100)) == int(check_seed(3).integers(100))
    True
    >>> check_seed(-1)
    Traceback (most recent call last):
    ...
    ValueError: seed must be >= 0, got -1
    """
    if isinstance(seed, np.random.Generator) or seed is None:
        return np.random.default_rng(seed)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"{name} must be an integer, a numpy Generator or None, got {seed!r}")
    if seed < 0:
        raise ValueError(f"{name} must be >= 0, got {int(seed)}")
    return np.random.default_rng(int(seed))
