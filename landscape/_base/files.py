"""Files that are never half-written: write beside the target, then rename into place."""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import re
import secrets
import shutil
import stat
import sys
import tempfile
from pathlib import Path

try:  # POSIX: a writer holds an advisory lock on its temporary file while it lives
    import fcntl
except ImportError:  # pragma: no cover - Windows: no lock, every temporary counts as abandoned
    fcntl = None

__all__ = ["atomic_directory", "atomic_write", "atomic_write_text", "check_directory_target",
           "check_file_target", "remove_stale_temporaries", "temporary_file",
           "written_in_place"]

#: How the library's temporaries of ``NAME`` end: mkstemp's 8 random characters, then
#: ``.tmp`` (files, before ``NAME``'s own suffix), ``.tmpdir`` (a directory being written) or
#: ``.old`` (a directory being replaced).
TEMPORARY_TAIL = r"\.[a-z0-9_]{8}\.(?:tmp(?:\.[A-Za-z0-9]+)?|tmpdir|old)"


def atomic_write(path, write) -> Path:
    """Call ``write(tmp_path)`` on a temporary file beside ``path``, then rename it into place.

    An interrupted or failed write leaves ``path`` as it was. The file gets the mode a plain
    ``open(path, "w")`` would give it, ``0o666 & ~umask`` (the temporary file is created
    ``0o600``; its mode is set from the process umask before the rename). The temporary file,
    ``.NAME.XXXXXXXX.tmp.SUFFIX``, is locked while it is written; those of a killed writer are
    removed on the next write of ``path`` (:func:`remove_stale_temporaries`). A target that
    cannot be replaced (:func:`written_in_place`: ``/dev/stdout``, a FIFO, a device) is
    written directly instead, and is left the node it is.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> target = Path(tempfile.mkdtemp()) / "notes.txt"
    >>> _ = atomic_write(target, lambda tmp: Path(tmp).write_text("done"))
    >>> target.read_text(), sorted(p.name for p in target.parent.iterdir())
    ('done', ['notes.txt'])
    """
    path = Path(path)
    if written_in_place(path):
        return _write_through(path, write)
    remove_stale_temporaries(path)
    with temporary_file(path) as tmp:
        write(tmp)
        os.chmod(tmp, default_file_mode())
        os.replace(tmp, path)
    return path


#: Names of the process's own open files: ``/dev/stdout``, ``/dev/fd/3``, ``/proc/self/fd/3``.
_DESCRIPTOR = re.compile(
    r"/dev/std(?P<std>out|err)|/dev/fd/(?P<fd>\d+)|/proc/self/fd/(?P<proc>\d+)")


def _descriptor(path: Path) -> int | None:
    """The file descriptor ``path`` names (``/dev/stdout``: 1), or ``None``."""
    match = _DESCRIPTOR.fullmatch(os.path.abspath(path))
    if match is None:
        return None
    if match["std"]:
        return 1 if match["std"] == "out" else 2
    return int(match["fd"] or match["proc"])


def written_in_place(path) -> bool:
    """Whether ``path`` is written directly rather than replaced: one of the process's open
    files (``/dev/stdout``, ``/dev/fd/N``) or an existing file that is not a regular file or
    a directory (a FIFO, a character device such as ``/dev/null`` or ``/dev/full``)."""
    path = Path(path)
    if _descriptor(path) is not None:
        return True
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def _write_through(path: Path, write) -> Path:
    """:func:`atomic_write` to a target that is not replaced: ``write`` fills a private
    temporary file, whose bytes are then written to ``path`` in order; a full device
    (``ENOSPC``) or a closed pipe (``EPIPE``) raises ``OSError``."""
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder) / f"output{path.suffix}"
        write(tmp)
        data = tmp.read_bytes()
    fd = _descriptor(path)
    if fd is not None:
        for stream in (sys.stdout, sys.stderr):  # what was printed before comes first
            if stream is not None:
                stream.flush()
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        return path
    with open(path, "wb") as handle:  # no truncation or rename of a FIFO or a device
        handle.write(data)
    return path


def atomic_write_text(path, text: str) -> Path:
    """Write ``text`` to ``path`` through :func:`atomic_write`; the path written."""
    return atomic_write(path, lambda tmp: Path(tmp).write_text(text))


def _current_umask() -> int:
    """The process umask: from ``/proc/self/status`` where there is one (no race with other
    threads), else by setting and restoring it (``os.umask`` can only be read that way)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def default_file_mode() -> int:
    """The mode a plain ``open(path, "w")`` gives a new file: ``0o666 & ~umask``."""
    return 0o666 & ~_current_umask()


def _lock(fd: int, *, wait: bool) -> bool:
    """Take the exclusive advisory lock of an open file or directory; ``False`` if held."""
    if fcntl is None:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except BlockingIOError:
        return False
    except OSError:  # a file system without locks: nobody can be seen holding one
        return True
    return True


def _abandoned(path: Path) -> bool:
    """Whether no live writer holds the lock of ``path`` (a killed process releases it)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        return _lock(fd, wait=False)
    finally:
        os.close(fd)


def _temporaries(path: Path) -> list[Path]:
    """The library's temporaries of ``path`` in its directory (names as in TEMPORARY_TAIL)."""
    pattern = re.compile(re.escape(f".{path.name}") + TEMPORARY_TAIL)
    try:
        names = os.listdir(path.parent)
    except OSError:
        return []
    return [path.parent / name for name in sorted(names) if pattern.fullmatch(name)]


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def remove_stale_temporaries(path) -> list[Path]:
    """Remove the temporaries a killed writer of ``path`` left beside it; return them.

    A temporary is a file or directory of the library's naming (``.NAME.XXXXXXXX.tmp...``,
    ``.NAME.XXXXXXXX.tmpdir``, ``.NAME.XXXXXXXX.old``) that no live writer holds locked.
    Nothing else is touched. A directory replaced by :func:`atomic_directory` whose writer
    was killed between its two renames (where the exchange of the two names is not
    available) is renamed back to ``path`` first.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> for name in (".notes.txt.abcd1234.tmp.txt", ".notes.txt.backup", "notes.txt"):
    ...     _ = (folder / name).write_text("")
    >>> [p.name for p in remove_stale_temporaries(folder / "notes.txt")]
    ['.notes.txt.abcd1234.tmp.txt']
    >>> sorted(p.name for p in folder.iterdir())
    ['.notes.txt.backup', 'notes.txt']
    """
    path = Path(path)
    stale = [p for p in _temporaries(path) if _abandoned(p)]
    if not os.path.lexists(path):
        aside = [p for p in stale if p.name.endswith(".old") and p.is_dir()]
        if aside:  # the old complete directory, moved aside when the writer was killed
            os.rename(aside[-1], path)
            stale.remove(aside[-1])
    for item in stale:
        _remove(item)
    return stale


@contextlib.contextmanager
def temporary_file(path, *, suffix: str | None = None):
    """A new, locked, empty temporary file beside ``path``: ``.NAME.XXXXXXXX.tmp.SUFFIX``.

    Yields its path; the lock is held until the block ends (rename the file into place inside
    the block), and the file is removed if the block raises. ``suffix`` defaults to ``path``'s.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = path.suffix if suffix is None else suffix
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=f".tmp{suffix}")
    try:
        _lock(fd, wait=True)
        yield Path(tmp)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        os.close(fd)


def _exchange(a: Path, b: Path) -> bool:
    """Swap the names ``a`` and ``b`` in one step (Linux ``renameat2(RENAME_EXCHANGE)``);
    ``False`` where the system or file system cannot."""
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError, TypeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if function(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _swap_in(stage: Path, path: Path) -> None:
    """Put the directory ``stage`` at ``path``, the old one (if any) removed."""
    if not os.path.lexists(path):
        os.rename(stage, path)
        return
    if _exchange(stage, path):
        shutil.rmtree(stage, ignore_errors=True)  # the old directory, now under stage's name
        return
    aside = path.parent / f".{path.name}.{secrets.token_hex(4)}.old"
    fd = os.open(path, os.O_RDONLY)
    try:
        _lock(fd, wait=True)  # held while aside: a cleanup in between renames it back
        os.rename(path, aside)
        try:
            os.rename(stage, path)
        except BaseException:
            os.rename(aside, path)
            raise
    finally:
        os.close(fd)
    shutil.rmtree(aside, ignore_errors=True)


def atomic_directory(path, write) -> Path:
    """Call ``write(tmp_dir)`` on a fresh directory beside ``path``, then swap it in whole.

    The directory is written as ``.NAME.XXXXXXXX.tmpdir`` (locked while written), then
    exchanged with ``path`` in one rename where the system can (Linux), else by renaming the
    old directory aside and the new one in; the old one is then removed. A failure or a kill
    at any instant leaves ``path`` as the old complete directory or the new one (a kill between
    the two renames is undone by the next call, :func:`remove_stale_temporaries`), never a
    mix. The new directory keeps the old one's permissions (``0o777 & ~umask`` when new).
    ``path`` is used as resolved (a symbolic link to a directory: the directory it names).

    Examples
    --------
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "report"
    >>> _ = atomic_directory(out, lambda tmp: (Path(tmp) / "a.txt").write_text("1"))
    >>> _ = atomic_directory(out, lambda tmp: (Path(tmp) / "b.txt").write_text("2"))
    >>> sorted(p.name for p in out.iterdir()), sorted(p.name for p in out.parent.iterdir())
    (['b.txt'], ['report'])
    """
    path = Path(os.path.realpath(path))
    if path.parent == path:
        raise ValueError(f"path must not be a file system root, got {str(path)!r}")
    if os.path.lexists(path) and not path.is_dir():
        raise ValueError(f"path must be a directory, got the file {str(path)!r}")
    remove_stale_temporaries(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmpdir"))
    fd = os.open(stage, os.O_RDONLY)
    try:
        _lock(fd, wait=True)
        os.chmod(stage, (path.stat().st_mode & 0o7777) if path.is_dir()
                 else 0o777 & ~_current_umask())
        write(stage)
        _swap_in(stage, path)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    finally:
        os.close(fd)
    return path


def _check_can_create_in(path: Path, name: str) -> None:
    """Raise ``ValueError`` naming ``path`` unless a file can be created beside it (in its
    nearest existing ancestor directory): tried by creating and removing an empty one."""
    folder = path.parent
    while not folder.is_dir():
        if os.path.lexists(folder) or folder.parent == folder:
            raise ValueError(f"{name} must be a path whose directories can be created, but "
                             f"{str(folder)!r} is not a directory")
        folder = folder.parent
    try:
        fd, probe = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise ValueError(f"{name} must be in a directory this process can write, but "
                         f"{str(path)!r} cannot be written ({exc.strerror} in "
                         f"{str(folder)!r})") from None
    os.close(fd)
    os.unlink(probe)


def check_file_target(path, name: str) -> Path:
    """``path`` checked, before any work, as a file :func:`atomic_write` can write: not a
    directory, in a directory this process can write (or one it can create), unless it is
    written in place (:func:`written_in_place`). Raises ``ValueError`` naming ``name``."""
    path = Path(path)
    if written_in_place(path):
        return path
    if path.is_dir():
        raise ValueError(f"{name} must name a file, but {str(path)!r} is a directory")
    _check_can_create_in(path, name)
    return path


def check_directory_target(path, owned: re.Pattern, name: str) -> Path:
    """``path`` checked, before any work, as a directory :func:`atomic_directory` may replace:
    new, empty, or holding only names that ``owned`` matches (an earlier output of the same
    kind: the library's temporaries of those are allowed too), in a directory this process
    can write. Returns it resolved; raises ``ValueError`` naming ``name`` and the file."""
    path = Path(os.path.realpath(path))
    if path.parent == path:
        raise ValueError(f"{name} must not be a file system root, got {str(path)!r}")
    if os.path.lexists(path) and not path.is_dir():
        raise ValueError(f"{name} must be a directory, got the file {str(path)!r}")
    if path.is_dir():
        temporary = re.compile(r"\..+" + TEMPORARY_TAIL)
        foreign = sorted(entry for entry in os.listdir(path)
                         if not (owned.fullmatch(entry) or temporary.fullmatch(entry)))
        if foreign:
            raise ValueError(f"{name} must be a new or empty directory or an earlier output "
                             f"of this kind (it is replaced as a whole), but {str(path)!r} "
                             f"also holds {', '.join(foreign[:5])}")
    _check_can_create_in(path, name)
    return path
