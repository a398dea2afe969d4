"""Reading a user's data and weights files: CSV or ``.npz``, validated on load, never pickled."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from .._base.files import atomic_write
from .._base.validation import as_matrix

__all__ = ["load_data_file", "load_weights_file", "save_weights_file"]


def _load_npz(path: Path, names) -> dict:
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {k: archive[k] for k in archive.files}
    except (ValueError, OSError, EOFError) as exc:
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
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    if len(rows) < 2:
        raise ValueError(f"{path.name} must have a header row and at least one data row, "
                         f"got {len(rows)} rows")
    header = [name.strip() for name in rows[0]]
    y_cols = list(y_cols)
    x_cols = [c for c in header if c not in y_cols] if not x_cols else list(x_cols)
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


def load_weights_file(path) -> list[np.ndarray]:
    """Read layer matrices ``W_1..W_h`` from an ``.npz`` with arrays ``W1, W2, ...``.

    The file is read with ``allow_pickle=False`` and must hold exactly ``W1..Wh``.

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
    path = Path(path)
    if not path.is_file() or path.suffix != ".npz":
        raise ValueError(f"weights file must be an existing .npz file, got {str(path)!r}")
    arrays = _load_npz(path, ("W1", "W2", "..."))
    h = len(arrays)
    expected = [f"W{j}" for j in range(1, h + 1)]
    if h == 0 or sorted(arrays) != sorted(expected):
        raise ValueError(f"{path} must hold arrays named W1..Wh and nothing else, "
                         f"got {sorted(arrays)}")
    return [as_matrix(arrays[name], f"{path.name}:{name}") for name in expected]


def save_weights_file(path, weights) -> Path:
    """Write ``W_1..W_h`` as arrays ``W1, W2, ...`` of an ``.npz`` (atomically).

    Returns the path written; :func:`load_weights_file` reads it back (example there).
    """
    arrays = {f"W{j}": np.asarray(w, dtype=float) for j, w in enumerate(weights, start=1)}

    def write(tmp):
        with open(tmp, "wb") as fh:
            np.savez(fh, **arrays)

    return atomic_write(path, write)
