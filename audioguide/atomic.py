"""Atomic file writes: a reader sees the old file or the new one, never half of either.

A write that fails (disk full, read-only, no permission) raises WriteFailed, an OSError that
names the file it was writing, not the temp file, and leaves that file as it was.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

TEMP_PREFIX = ".audioguide-tmp-"


class WriteFailed(OSError):
    """Writing `filename` failed with `errno`/`strerror`. Its three arguments are OSError's own,
    so it pickles back from a worker process and `except OSError` still catches it."""

    def __str__(self) -> str:
        return f"could not write {self.filename}: {describe_cause(self)}"


def describe_cause(exc: OSError) -> str:
    """'No space left on device (ENOSPC)': the words for a person, the code for a search."""
    code = errno.errorcode.get(exc.errno or 0)
    words = exc.strerror or str(exc)
    return f"{words} ({code})" if code else words


def _failed(path: Path, exc: OSError) -> WriteFailed:
    return WriteFailed(exc.errno, exc.strerror or str(exc), str(path))


def _about_this_write(exc: BaseException, temp_name: str, path: Path) -> bool:
    if not isinstance(exc, OSError) or isinstance(exc, WriteFailed):
        return False
    return exc.filename is None or exc.filename in (temp_name, str(path))


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temp path beside `path` for a writer that wants a file name (ffmpeg, PDF libraries);
    on success the finished file replaces `path` in one rename, on failure it is removed."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=path.suffix, dir=path.parent)
        os.close(fd)
    except OSError as exc:
        raise _failed(path, exc) from exc
    temp = Path(temp_name)
    try:
        yield temp
        with temp.open("rb+") as handle:
            os.fsync(handle.fileno())
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        # Only errors of this write: a writer's own OSError about another file (a font it reads,
        # a nested atomic write) keeps its own name.
        if _about_this_write(exc, temp_name, path):
            raise _failed(path, exc) from exc
        raise


@contextlib.contextmanager
def atomic_open(path: Path, mode: str = "wb") -> Iterator[IO]:
    """Open a temp file beside `path`; on success it replaces `path` in one rename."""
    with atomic_path(path) as temp, temp.open(mode, encoding=None if "b" in mode else "utf-8") as handle:
        yield handle
        handle.flush()


def write_if_changed(path: Path, data: bytes) -> bool:
    """Atomically write `data` unless the file already holds exactly these bytes."""
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    with atomic_open(path, "wb") as handle:
        handle.write(data)
    return True


def remove_stale_temp_files(folder: Path) -> None:
    """Temp files left by a build that was killed mid-write."""
    if folder.is_dir():
        for leftover in folder.rglob(f"{TEMP_PREFIX}*"):
            with contextlib.suppress(OSError):
                leftover.unlink()
