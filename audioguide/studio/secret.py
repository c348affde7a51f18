"""The key that signs the studio's session cookies: made once, kept in the project.

`.audioguide-secret` holds 32 random bytes, readable by the server's user only (mode 0600), and
never in tour.yaml (which is shared, e.g. in git). It is written to a private temp file first and
then linked into place, so no other process ever sees it half-written or with a wider mode, and
two servers starting at once agree on one key. Deleting the file signs everyone out.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from audioguide.errors import AudioguideError

SECRET_NAME = ".audioguide-secret"
SECRET_BYTES = 32


def load_or_create_secret(project: Path) -> bytes:
    path = project / SECRET_NAME
    with contextlib.suppress(FileNotFoundError):
        return _read(path)
    temp = path.with_name(f"{SECRET_NAME}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    # O_EXCL: never write through a file (or link) someone else put there.
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o600)  # the umask can only narrow the mode; make it exact anyway
        os.write(fd, secrets.token_bytes(SECRET_BYTES))
        os.fsync(fd)
        os.close(fd)
        fd = -1
        # A hard link fails if the name exists: the first server to get here wins, the others read it.
        with contextlib.suppress(FileExistsError):
            os.link(temp, path)
    finally:
        if fd >= 0:
            os.close(fd)
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    return _read(path)


def _read(path: Path) -> bytes:
    data = path.read_bytes()
    if len(data) < SECRET_BYTES:
        raise AudioguideError(
            f"{path} is shorter than {SECRET_BYTES} bytes: delete it and start the server again"
            " (everyone will have to sign in again)"
        )
    return data
