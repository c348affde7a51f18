"""Committing a publish to git, with the staff member as the author (setting `git_commit`).

The files are the source of truth; a team that keeps its tour in git sees each studio publish
as an ordinary commit of `stops/<id>/<lang>.md`. Only the named paths are committed, whatever
else is staged or changed in the working tree.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

GIT_TIMEOUT_S = 30


class GitError(Exception):
    pass


def _git(root: Path, *args: str, author: str | None = None) -> str:
    command = ["git", "-C", str(root)]
    if author is not None:
        # -c sets the author and the committer of this one command; nothing is configured.
        email = (
            re.sub(r"[^A-Za-z0-9._-]+", "-", author).strip("-") or "staff"
        ) + "@audioguide-studio.invalid"
        command += ["-c", f"user.name={author}", "-c", f"user.email={email}"]
    try:
        done = subprocess.run(
            [*command, *args], capture_output=True, text=True, timeout=GIT_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GitError(f"git could not run: {exc}") from exc
    if done.returncode != 0:
        raise GitError((done.stderr or done.stdout).strip() or f"git {args[0]} failed")
    return done.stdout.strip()


def is_repository(root: Path) -> bool:
    try:
        return _git(root, "rev-parse", "--is-inside-work-tree") == "true"
    except GitError:
        return False


def commit(root: Path, paths: list[Path], author: str, message: str) -> str | None:
    """Commit `paths` (added, changed or removed) as `author`; the new commit's short hash, or
    None when they hold no change. Raises GitError with git's own message."""
    relative = [str(path.relative_to(root)) if path.is_absolute() else str(path) for path in paths]
    _git(root, "add", "-A", "--", *relative)
    if not _git(root, "status", "--porcelain", "--", *relative):
        return None
    _git(root, "commit", "--quiet", "-m", message, "--", *relative, author=author)
    return _git(root, "rev-parse", "--short", "HEAD")
