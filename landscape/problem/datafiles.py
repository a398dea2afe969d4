"""Reading a user's data files: CSV or ``.npz``, validated on load, never pickled. Network
files are read by :mod:`~landscape.problem.network_files`."""

from __future__ import annotations

import csv
import zipfile
from collections import Counter
from pathlib import Path

import numpy as np

from .._base.validation import as_matrix

__all__ = ["load_data_file"]

#: Largest array a data file may hold once read (8 GiB would be a billion float64 cells):
#: ``.npz`` arrays are measured from their headers, before anything is decompressed.
MAX_ARRAY_BYTES = 4 * 2 ** 30


def _check_npz_sizes(path: Path) -> None:
    """Refuse an ``.npz`` member whose array, by the shape and dtype of its ``.npy`` header
    (read alone: a few hundred bytes are decompressed), exceeds ``MAX_ARRAY_BYTES``."""
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if not info.filename.endswith(".npy"):
                continue
            with archive.open(info) as member:
                version = np.lib.format.read_magic(member)
                read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                               else np.lib.format.read_array_header_2_0)
                shape, _, dtype = read_header(member, max_header_size=10_000)
            size = int(np.prod(shape, dtype=object)) * dtype.itemsize
            if size > MAX_ARRAY_BYTES:
                raise ValueError(
                    f"{path.name}:{info.filename[:-4]} must hold at most MAX_ARRAY_BYTES = "
                    f"{MAX_ARRAY_BYTES / 2**30:g} GiB once decompressed, got shape {shape} of "
                    f"{dtype} ({size / 2**30:.3g} GiB from {info.compress_size:,} compressed "
                    f"bytes); nothing was decompressed")


def _load_npz(path: Path, names) -> dict:
    if not zipfile.is_zipfile(path):
        with open(path, "rb") as fh:
            magic = fh.read(6)
        kind = "a single .npy array" if magic == b"\x93NUMPY" else "not a zip archive"
        raise ValueError(f"{path} must be a .npz archive of numeric arrays ({', '.join(names)}), "
                         f"got {kind}")
    try:
        _check_npz_sizes(path)
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
            reader = csv.reader(fh)
            rows = list(reader)
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path.name} must be UTF-8 text, got a byte {exc.object[exc.start]:#04x} "
                         f"at offset {exc.start} that is not") from None
    except csv.Error as exc:  # a field beyond csv.field_size_limit(), a stray NUL, ...
        raise ValueError(f"{path.name} line {reader.line_num} must be a CSV row of fields of "
                         f"at most {csv.field_size_limit():,} characters: {exc}") from None
    if len(rows) < 2:
        raise ValueError(f"{path.name} must have a header row and at least one data row, "
                         f"got {len(rows)} rows")
    header = [name.strip() for name in rows[0]]
    repeated = sorted(name for name, count in Counter(header).items() if count > 1)
    if repeated:
        raise ValueError(f"{path.name} must name each column once in its header, got "
                         f"{_shown(repeated)} more than once")
    y_cols = list(y_cols)
    targets = set(y_cols)
    x_cols = [c for c in header if c not in targets] if not x_cols else list(x_cols)
    both = [c for c in x_cols if c in targets]
    if both:
        raise ValueError(f"x_cols and y_cols must not share columns, got {both} in both")
    index = {name: k for k, name in enumerate(header)}
    missing = [c for c in x_cols + y_cols if c not in index]
    if missing:
        raise ValueError(f"{path.name} has no column(s) {_shown(missing)}; columns are "
                         f"{_shown(header)}")
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


def _shown(names: list[str], count: int = 20, width: int = 40) -> str:
    """``names`` for a message: the first ``count``, each cut to ``width`` characters."""
    cut = [n if len(n) <= width else n[:width] + "..." for n in names[:count]]
    more = f" and {len(names) - count:,} more" if len(names) > count else ""
    return f"{cut}{more}"
