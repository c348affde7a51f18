"""One build at a time per project: `audioguide build`, `audioguide qr` and the staff studio's
publishes all take this lock before they write audio/, qr/ or the manifest.

Two builds at once used to interleave: one deleted the other's temp files as "stale", and two
`--lang` builds each saved a manifest missing the other's entries, so a page showed the old
transcript with new audio. The lock is an OS file lock (filelock: flock on POSIX, LockFileEx on
Windows), so a build killed with kill -9 releases it with its process: nobody is ever locked out
by a dead build. Beside it, a small note says who holds it, for the message the next one shows.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from filelock import FileLock, Timeout

from audioguide.atomic import write_if_changed
from audioguide.errors import AudioguideError

LOCK_NAME = ".audioguide-build.lock"
HOLDER_NAME = ".audioguide-build.holder"


class BuildLocked(AudioguideError):
    """Another build of the same project is running."""


def _holder_path(root: Path) -> Path:
    return root / HOLDER_NAME


def describe_holder(root: Path) -> str:
    """Who holds the lock, as far as its note says: "pid 123 on host, 'audioguide build', since 10:02"."""
    try:
        note = json.loads(_holder_path(root).read_text(encoding="utf-8"))
        since = time.strftime("%H:%M:%S", time.localtime(float(note["since"])))
        return f"{note['what']} (pid {note['pid']} on {note['host']}, since {since})"
    except (OSError, ValueError, KeyError, TypeError):
        return "another build"


class BuildLock:
    """The lock of one project; `try_acquire` for callers that say something before waiting."""

    def __init__(self, root: Path, what: str) -> None:
        self.root = root
        self.what = what
        self._lock = FileLock(root / LOCK_NAME, thread_local=False, fallback_to_soft=False)

    def try_acquire(self) -> bool:
        try:
            self._lock.acquire(blocking=False)
        except Timeout:
            return False
        self._leave_note()
        return True

    def acquire(self) -> None:
        """Block until the other build ends."""
        self._lock.acquire()
        self._leave_note()

    def refuse(self) -> BuildLocked:
        return BuildLocked(
            f"{describe_holder(self.root)} is building this project now; wait for it to finish,"
            " or run the command again with --wait to wait for it"
        )

    def release(self) -> None:
        with contextlib.suppress(OSError):
            _holder_path(self.root).unlink()
        self._lock.release()

    def _leave_note(self) -> None:
        note = {"what": self.what, "pid": os.getpid(), "host": socket.gethostname(), "since": time.time()}
        with contextlib.suppress(OSError):  # the note is a courtesy; the lock is what counts
            write_if_changed(_holder_path(self.root), json.dumps(note).encode())


@contextlib.contextmanager
def build_lock(
    root: Path,
    what: str,
    *,
    wait: bool = False,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold the project's build lock for the `with` block.

    Busy: with `wait`, `on_wait(holder)` is called once (say so to the person) and the call
    blocks until the other build ends; without it, BuildLocked says who holds it and what to do.
    """
    lock = BuildLock(root, what)
    if not lock.try_acquire():
        if not wait:
            raise lock.refuse()
        if on_wait is not None:
            on_wait(describe_holder(root))
        lock.acquire()
    try:
        yield
    finally:
        lock.release()
