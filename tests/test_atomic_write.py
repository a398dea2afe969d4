"""Atomic writes leave a complete file with the mode a plain open() gives under the umask."""

import os
import stat

import pytest
from pathlib import Path

from landscape._base.files import atomic_write


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002, 0o000])
def test_atomic_write_keeps_the_users_umask(tmp_path, umask):
    old = os.umask(umask)
    try:
        target = atomic_write(tmp_path / "out.txt", lambda tmp: Path(tmp).write_text("x"))
        with open(tmp_path / "plain.txt", "w") as fh:     # what the user expects
            fh.write("x")
    finally:
        os.umask(old)
    mode = stat.S_IMODE(os.stat(target).st_mode)
    assert mode == 0o666 & ~umask == stat.S_IMODE(os.stat(tmp_path / "plain.txt").st_mode)
    assert target.read_text() == "x"
