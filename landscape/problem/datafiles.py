"""Reading a user's data and weights files: CSV, ``.npz`` or ``.safetensors``, validated on load,
never pickled. Weights files hold ``W1..Wh`` or a framework's parameter names in layer order
(:func:`load_network_file`)."""

from __future__ import annotations

import csv
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .._base.files import atomic_write
from .._base.validation import as_matrix, as_vector

__all__ = ["NetworkFile", "PARAMETER_SUFFIXES", "load_data_file", "load_network_file",
           "load_weights_file", "save_weights_file"]


def _load_npz(path: Path, names) -> dict:
    if not zipfile.is_zipfile(path):
        with open(path, "rb") as fh:
            magic = fh.read(6)
        kind = "a single .npy array" if magic == b"\x93NUMPY" else "not a zip archive"
        raise ValueError(f"{path} must be a .npz archive of numeric arrays ({', '.join(names)}), "
                         f"got {kind}")
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {k: archive[k] for k in archive.files}
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise ValueError(f"{path} must be a readable .npz archive of numeric arrays "
                         f"({', '.join(names)}): {exc}") from exc


def load_data_file(path, *, x_cols=None, y_cols=None) -> tuple[np.ndarray, np.ndarray]:
    """Read samples ``(X, Y)`` from a ``.npz`` (arrays ``X`` and ``Y``) or a ``.csv`` file.

    Parameters
    ----------
    path : str or Path
        ``.npz`` with 2-D arrays ``X`` (N x d_x) and ``Y`` (N x d_y; 1-D is taken as one
        column), or ``.csv`` with a header row of column names.
    x_cols, y_cols : sequence of str, optional
        For CSV: the input and target columns. ``y_cols`` is required; ``x_cols`` defaults to
        every other column.

    Raises
    ------
    ValueError
        For a missing file, an unknown suffix, missing arrays or columns, non-numeric cells
        or NaN values, each naming the file and the place.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> path = Path(tempfile.mkdtemp()) / "samples.csv"
    >>> _ = path.write_text("x1,x2,y\\n1,0,2\\n0,1,3\\n1,1,5\\n")
    >>> X, Y = load_data_file(path, y_cols=["y"])
    >>> X.shape, Y.ravel().tolist()
    ((3, 2), [2.0, 3.0, 5.0])
    >>> load_data_file(path, y_cols=["z"])
    Traceback (most recent call last):
    ...
    ValueError: samples.csv has no column(s) ['z']; columns are ['x1', 'x2', 'y']
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"data file must exist, got {str(path)!r}")
    if path.suffix == ".npz":
        arrays = _load_npz(path, ("X", "Y"))
        missing = [k for k in ("X", "Y") if k not in arrays]
        if missing:
            raise ValueError(f"{path} must hold arrays 'X' and 'Y', missing {missing}; "
                             f"found {sorted(arrays)}")
        Y = arrays["Y"]
        if Y.ndim == 1:
            Y = Y.reshape(-1, 1)
        return as_matrix(arrays["X"], f"{path.name}:X"), as_matrix(Y, f"{path.name}:Y")
    if path.suffix == ".csv":
        return _load_csv(path, x_cols, y_cols)
    raise ValueError(f"data file must end in .npz or .csv, got {str(path)!r}")


def _load_csv(path: Path, x_cols, y_cols):
    if not y_cols:
        raise ValueError(f"y_cols must name the target columns of {path.name}, got {y_cols!r}")
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path.name} must be UTF-8 text, got a byte {exc.object[exc.start]:#04x} "
                         f"at offset {exc.start} that is not") from None
    if len(rows) < 2:
        raise ValueError(f"{path.name} must have a header row and at least one data row, "
                         f"got {len(rows)} rows")
    header = [name.strip() for name in rows[0]]
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise ValueError(f"{path.name} must name each column once in its header, got "
                         f"{repeated} more than once")
    y_cols = list(y_cols)
    x_cols = [c for c in header if c not in y_cols] if not x_cols else list(x_cols)
    both = [c for c in x_cols if c in y_cols]
    if both:
        raise ValueError(f"x_cols and y_cols must not share columns, got {both} in both")
    missing = [c for c in x_cols + y_cols if c not in header]
    if missing:
        raise ValueError(f"{path.name} has no column(s) {missing}; columns are {header}")
    index = {name: k for k, name in enumerate(header)}
    data = np.empty((len(rows) - 1, len(x_cols) + len(y_cols)))
    for r, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise ValueError(f"{path.name} line {r} must have {len(header)} cells, got {len(row)}")
        for c, name in enumerate(x_cols + y_cols):
            cell = row[index[name]].strip()
            try:
                value = float(cell)
            except ValueError:
                raise ValueError(f"{path.name} line {r}, column {name!r} must be numeric, "
                                 f"got {cell!r}") from None
            if not np.isfinite(value):
                raise ValueError(f"{path.name} line {r}, column {name!r} must be finite, "
                                 f"got {cell!r}")
            data[r - 2, c] = value
    return data[:, :len(x_cols)], data[:, len(x_cols):]


#: Suffixes of a framework's parameter names that :func:`load_network_file` reads.
PARAMETER_SUFFIXES = ("weight", "bias")


@dataclass(frozen=True, eq=False)
class NetworkFile:
    """A network read from a file: its layers in order, their biases and where they came from.

    Attributes
    ----------
    weights : list of ndarray
        ``W_1..W_h``, ``W_j`` of shape ``(d_j, d_{j-1})`` (a torch ``Linear``'s ``weight``).
    biases : list of ndarray or None
        ``b_1..b_h`` (``None`` for a layer without one).
    names : tuple of str
        The file's name of each ``W_j``, in layer order.
    path : Path

    Notes
    -----
    An affine network ``f(x) = W_h(...(W_1 x + b_1)...) + b_h`` computes
    ``W_{1:h} x + c``; on centred data (the default of
    :meth:`~landscape.DataSpectrum.from_data`) its weights are judged as the bias-free network
    ``W_{1:h} x`` plus a constant. At the best constant ``c = y_mean - W_{1:h} x_mean`` (where
    training with a free output bias brings it: its gradient is the mean residual) the affine
    loss on the raw data equals the bias-free loss on the centred data, and so do the
    gradients in every ``W_j``: the layers' class, value and kind are those of the bias-free
    network. The biases are kept here, never used by the landscape.
    """

    weights: list = field(repr=False)
    biases: list = field(repr=False)
    names: tuple[str, ...]
    path: Path

    @property
    def widths(self) -> tuple[int, ...]:
        """``(d_0, ..., d_h)`` from the shapes."""
        return (self.weights[0].shape[1], *(w.shape[0] for w in self.weights))

    @property
    def has_biases(self) -> bool:
        return any(b is not None for b in self.biases)

    def __repr__(self) -> str:
        return (f"NetworkFile(path={str(self.path)!r}, widths={self.widths}, names={self.names}, "
                f"biases={[None if b is None else b.shape[0] for b in self.biases]})")


def load_network_file(path) -> NetworkFile:
    """Read a network's layers (and biases) from ``.npz`` or ``.safetensors``.

    The file holds either arrays ``W1..Wh`` (what :func:`save_weights_file` writes), or a
    framework's parameters by name: ``<layer>.weight`` (2-D, ``(d_out, d_in)`` as in torch's
    ``Linear``) with an optional ``<layer>.bias`` (1-D), e.g. a torch ``state_dict``
    (``0.weight``, ``0.bias``, ``2.weight``, ``layers.4.weight``, ``fc1.weight``...). Layers are
    ordered by the integers in their names (``layers.10`` after ``layers.2``) when every layer
    has a distinct tuple of them, else in the file's order. Any other array (batch-norm
    statistics...) is refused: only linear layers make a deep linear network. The widths
    come from the shapes, which must chain (``W_{j+1}`` takes the ``d_j`` outputs of ``W_j``).

    ``.npz`` is read with ``allow_pickle=False``; ``.safetensors`` through the optional
    ``safetensors`` package (``pip install 'landscape[safetensors]'``,
    ``safetensors.numpy.load_file``). Nothing is ever unpickled. Biases: see
    :class:`NetworkFile`.

    Raises
    ------
    ValueError
        For a missing file, another suffix, unreadable or non-numeric arrays, names that are
        neither ``W1..Wh`` nor ``.weight``/``.bias`` parameters, or shapes that do not chain.
    ImportError
        For a ``.safetensors`` file without the ``safetensors`` package.

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np
    >>> from pathlib import Path
    >>> path = Path(tempfile.mkdtemp()) / "state_dict.npz"
    >>> np.savez(path, **{"0.weight": np.ones((4, 3)), "0.bias": np.zeros(4),
    ...                   "2.weight": np.ones((2, 4)), "2.bias": np.zeros(2)})
    >>> net = load_network_file(path)
    >>> net.widths, net.names, net.has_biases
    ((3, 4, 2), ('0.weight', '2.weight'), True)
    """
    path = Path(path)
    if not path.is_file() or path.suffix not in (".npz", ".safetensors"):
        raise ValueError(f"weights file must be an existing .npz or .safetensors file, "
                         f"got {str(path)!r}")
    arrays = (_load_npz(path, ("W1", "W2", "...")) if path.suffix == ".npz"
              else _load_safetensors(path))
    if not arrays:
        raise ValueError(f"{path} must hold at least one layer, got no arrays")
    if all(re.fullmatch(r"W\d+", k) for k in arrays):
        h = len(arrays)
        expected = [f"W{j}" for j in range(1, h + 1)]
        if sorted(arrays) != sorted(expected):
            raise ValueError(f"{path} must hold arrays named W1..Wh and nothing else, "
                             f"got {sorted(arrays)}")
        names, weights, biases = tuple(expected), [arrays[k] for k in expected], [None] * h
    else:
        names, weights, biases = _framework_layers(path, arrays)
    weights = [as_matrix(w, f"{path.name}:{n}") for n, w in zip(names, weights)]
    for j in range(1, len(weights)):
        if weights[j].shape[1] != weights[j - 1].shape[0]:
            raise ValueError(
                f"{path.name}: layer {names[j]!r} must take the {weights[j - 1].shape[0]} "
                f"outputs of {names[j - 1]!r} (shape {weights[j - 1].shape}), got shape "
                f"{weights[j].shape}; layers in order: {list(names)}")
    return NetworkFile(weights=weights, biases=biases, names=names, path=path)


def _load_safetensors(path: Path) -> dict:
    try:
        from safetensors.numpy import load_file
    except ImportError:
        raise ImportError(f"reading {path.name} needs the optional package 'safetensors': "
                          f"pip install 'landscape[safetensors]' (or save the weights as .npz)"
                          ) from None
    try:
        return dict(load_file(str(path)))
    except Exception as exc:  # the package raises its own error types for bad files
        raise ValueError(f"{path} must be a readable .safetensors file of numeric arrays: "
                         f"{exc}") from exc


def _framework_layers(path: Path, arrays: dict):
    """Layers of a framework's parameter names, ordered as :func:`load_network_file` says."""
    layers: dict[str, dict] = {}
    bad = []
    for key, value in arrays.items():
        prefix, _, suffix = key.rpartition(".")
        if suffix not in PARAMETER_SUFFIXES:
            bad.append(key)
            continue
        layers.setdefault(prefix, {})[suffix] = value
    if bad:
        raise ValueError(f"{path.name} must hold arrays W1..Wh or linear layers' parameters "
                         f"named '<layer>.weight' and '<layer>.bias', got {bad} (a deep linear "
                         f"network has no other parameters)")
    missing = [f"{p}.weight" if p else "weight" for p, d in layers.items() if "weight" not in d]
    if missing:
        raise ValueError(f"{path.name} has biases without weights: missing {missing}")
    keys = {p: tuple(int(x) for x in re.findall(r"\d+", p)) for p in layers}
    prefixes = list(layers)
    if all(keys.values()) and len(set(keys.values())) == len(keys):
        prefixes.sort(key=keys.__getitem__)
    names, weights, biases = [], [], []
    for p in prefixes:
        name = f"{p}.weight" if p else "weight"
        weight = np.asarray(layers[p]["weight"])
        names.append(name)
        weights.append(weight)
        bias = layers[p].get("bias")
        if bias is not None:
            bias = as_vector(bias, f"{path.name}:{name[:-6]}bias")
            if weight.ndim == 2 and bias.size != weight.shape[0]:
                raise ValueError(f"{path.name}: the bias of {name!r} must have "
                                 f"{weight.shape[0]} entries, got {bias.size}")
        biases.append(bias)
    return tuple(names), weights, biases


def load_weights_file(path) -> list[np.ndarray]:
    """Read layer matrices ``W_1..W_h`` from an ``.npz`` or ``.safetensors`` file.

    Arrays ``W1, W2, ...`` or a framework's parameter names (``0.weight``,
    ``layers.2.weight``...; order and rules in :func:`load_network_file`). Biases are dropped:
    on centred data an affine network is the bias-free network plus a constant
    (:class:`NetworkFile`); :func:`load_network_file` returns them too.

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np
    >>> from pathlib import Path
    >>> path = save_weights_file(Path(tempfile.mkdtemp()) / "net.npz",
    ...                          [np.ones((2, 3)), np.ones((1, 2))])
    >>> [w.shape for w in load_weights_file(path)]
    [(2, 3), (1, 2)]
    """
    return load_network_file(path).weights


def save_weights_file(path, weights) -> Path:
    """Write ``W_1..W_h`` as arrays ``W1, W2, ...`` of an ``.npz`` (atomically).

    Returns the path written; :func:`load_weights_file` reads it back (example there).
    """
    arrays = {f"W{j}": np.asarray(w, dtype=float) for j, w in enumerate(weights, start=1)}

    def write(tmp):
        with open(tmp, "wb") as fh:
            np.savez(fh, **arrays)

    return atomic_write(path, write)
