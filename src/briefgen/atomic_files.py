"""Atomic file writes: readers see the old content or the new one, never half of either.

The same holds for whole folders (`replace_folder`, the built site) and across crashes: a run
killed at any moment leaves every file and folder it writes either as it was or complete.
"""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

_LEFTOVER = re.compile(r"\..+\.[A-Za-z0-9_]{8}\.tmp")
"""The name of `atomic_write`'s temporary file: `.<target name>.<8 random characters>.tmp`."""


def atomic_write(target: Path, content: str | bytes) -> None:
    """Write `content` to a temporary file beside `target`, then rename it over `target`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    data = content.encode("utf-8") if isinstance(content, str) else content
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o644)  # mkstemp makes 0600; outputs are meant to be read
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def remove_leftovers(folder: Path, *, depth: int = 0) -> list[Path]:
    """Delete the temporary files of `atomic_write`s that a killed run left in `folder` (and
    its subfolders down to `depth`). Only safe while no other run writes there."""
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    patterns = ["/".join(["*"] * level + [".*.tmp"]) for level in range(depth + 1)]
    for pattern in patterns:
        for path in sorted(folder.glob(pattern)):
            if _LEFTOVER.fullmatch(path.name) and path.is_file():
                path.unlink(missing_ok=True)
                removed.append(path)
    return removed


def replace_folder(staging: Path, target: Path, retired: Path) -> None:
    """Put the complete folder `staging` in the place of `target`, so that at every moment,
    killed or not, `target` names a complete folder: the old one or the new one.

    On Linux the two are swapped in one atomic step (`renameat2(RENAME_EXCHANGE)`) and the old
    one, now at `staging`, is deleted. Elsewhere (or on a file system without it) `target` is
    renamed to `retired` and `staging` to `target`: a run killed between those two renames
    leaves no `target`, only `retired`, which `recover_folder` puts back at the start of the
    next run.
    """
    if not target.exists() and not target.is_symlink():
        staging.rename(target)
    elif _exchange(staging, target):
        shutil.rmtree(staging, ignore_errors=True)
    else:
        target.rename(retired)
        staging.rename(target)
        shutil.rmtree(retired, ignore_errors=True)


def recover_folder(target: Path, retired: Path) -> bool:
    """Undo half of an interrupted `replace_folder`: when `target` is missing and `retired`
    holds the previous complete folder, put it back. True when it did."""
    if target.exists() or target.is_symlink() or not retired.is_dir():
        return False
    retired.rename(target)
    return True


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one atomic step (Linux 3.15+); False when that is not possible."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # no libc symbol (glibc < 2.28, other C libraries)
        return False
    renameat2.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    renameat2.restype = ctypes.c_int
    status = renameat2(
        _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
    )
    return bool(status == 0)  # ENOSYS, EINVAL (file system without it)...: the two-rename fallback
