"""Faults for the tests and bench/faults.py: a disk that fills at a chosen write, and the one
check that matters afterwards: every file the manifest on disk names holds the bytes it says.

DiskFull replaces os.replace in this process. Every write of the build is a temp file and one
rename (audioguide/atomic.py; the publisher's renames of workers' files too), so each rename is
one write site: the first run records them, later runs fail at the n-th with ENOSPC, as a full
disk would (the temp file is written, its rename into place never happens). Builds must run in
this process (`--jobs 1`: no worker processes) for the patch to reach every write.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from audioguide.atomic import TEMP_PREFIX

_REAL_REPLACE = os.replace
ENOSPC_WORDS = os.strerror(errno.ENOSPC)  # "No space left on device"
SUMMARY_HEADER = re.compile(r"^stop +lang +status +engine", re.MULTILINE)  # cli/build.py's table


class DiskFull:
    """Records every rename target; the `fail_at`-th (0-based) raises ENOSPC instead."""

    def __init__(self, fail_at: int | None = None) -> None:
        self.fail_at = fail_at
        self.targets: list[Path] = []
        self.failed: Path | None = None

    def __call__(self, src: Any, dst: Any, *args: Any, **kwargs: Any) -> None:
        index = len(self.targets)
        self.targets.append(Path(os.fsdecode(dst)))
        if index == self.fail_at:
            self.failed = Path(os.fsdecode(dst))
            # What the kernel would raise: src and dst both named, as os.replace does.
            raise OSError(errno.ENOSPC, ENOSPC_WORDS, os.fsdecode(src), None, os.fsdecode(dst))
        _REAL_REPLACE(src, dst, *args, **kwargs)

    @contextmanager
    def installed(self) -> Iterator[DiskFull]:
        os.replace = self  # type: ignore[assignment]
        try:
            yield self
        finally:
            os.replace = _REAL_REPLACE


def write_site(path: Path, root: Path, stop_ids: Iterable[str]) -> str:
    """The kind of write, its path with stop ids and hashes as '*': 'audio/en/*.mp3',
    'qr/*.pdf' (a stop's poster), 'qr/posters.pdf' (the sheet), '.audioguide-cache/.../*.wav'."""
    try:
        parts = list(path.relative_to(root).parts)
    except ValueError:
        return str(path)
    ids = set(stop_ids)
    for index, part in enumerate(parts):
        if part.startswith(TEMP_PREFIX):  # a worker's staging name: stop, pid and a random tag
            parts[index] = f"{TEMP_PREFIX}*{Path(part).suffix}"
            continue
        stem, dot, rest = part.partition(".")
        if stem in ids or re.fullmatch(r"[0-9a-f]{2}|[0-9a-f]{16,}", stem):
            stem = "*"
        rest = re.sub(r"^[0-9a-f]{16,}\.", "*.", rest)  # content-addressed names: gate.<hash>.mp3
        parts[index] = stem + dot + rest
    return "/".join(parts)


def manifest_mismatches(audio_dir: Path) -> list[str]:
    """Every file the manifest on disk names that is missing or does not hold its sha256 and
    size (read with json and hashlib only, independent of the code under test)."""
    manifest = audio_dir / "manifest.json"
    if not manifest.is_file():
        return []
    data = json.loads(manifest.read_text(encoding="utf-8"))
    problems = []
    for stop_id, langs in data["stops"].items():
        for lang, entry in langs.items():
            for kind in ("audio", "captions"):
                record = entry[kind]
                path = audio_dir / record["path"]
                try:
                    body = path.read_bytes()
                except OSError as exc:
                    problems.append(f"{stop_id} ({lang}) {kind}: {record['path']}: {exc}")
                    continue
                if len(body) != record["bytes"] or hashlib.sha256(body).hexdigest() != record["sha256"]:
                    problems.append(f"{stop_id} ({lang}) {kind}: {record['path']} differs from the manifest")
    return problems


def visible_temp_files(root: Path) -> list[Path]:
    """Temp files left where a visitor's request could name them (they must all start with '.')."""
    return [p for p in root.rglob(f"{TEMP_PREFIX}*") if not p.name.startswith(".")]


def first_of_each_site(
    targets: list[Path], root: Path, stop_ids: Iterable[str], skip: Callable[[Path], bool]
) -> list[int]:
    """The index of the first write of each kind (the fast test runs one failure per kind)."""
    seen: set[str] = set()
    chosen = []
    ids = set(stop_ids)
    for index, target in enumerate(targets):
        site = write_site(target, root, ids)
        if site not in seen and not skip(target):
            seen.add(site)
            chosen.append(index)
    return chosen


@dataclass
class DiskFullRun:
    """One build with the disk full at one write, and a normal build after it."""

    site: str
    target: str  # the write that failed, relative to the project
    exit_code: int
    output: str  # stdout and stderr
    problems: list[str] = field(default_factory=list)  # what went wrong; empty: as it should be
    rebuild_exit: int | None = None


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def disk_full_run(
    project: Path, fail_at: int, stop_ids: Iterable[str], *, courtesy: Callable[[Path], bool], rebuild: bool
) -> DiskFullRun:
    """Build `project` (in this process, one job) with the `fail_at`-th write failing with ENOSPC;
    check what a person and a visitor get; then, with `rebuild`, that a normal build recovers.
    `courtesy(path)`: writes whose failure must not stop the build (the lock's holder note)."""
    from tests.helpers.audio_checks import invoke, separate_runner, stderr_of

    runner = separate_runner()
    args = ("build", "-p", project, "--offline", "--jobs", "1")
    with DiskFull(fail_at).installed() as disk:
        result = invoke(runner, *args)
    output = result.stdout + stderr_of(result)
    target = disk.failed
    if target is None:
        return DiskFullRun("(no such write)", "", result.exit_code, output, ["the build made fewer writes"])
    relative = _relative(target, project)
    run = DiskFullRun(write_site(target, project, stop_ids), relative, result.exit_code, output)
    problems = run.problems
    if "Traceback" in output or not isinstance(result.exception, (SystemExit, type(None))):
        problems.append(f"a traceback: {result.exception!r}")
    if courtesy(target):
        if result.exit_code != 0:
            problems.append(f"exit {result.exit_code} for a write that does not matter")
    else:
        if result.exit_code != 1:
            problems.append(f"exit {result.exit_code}, not 1")
        for expected in (relative, f"{ENOSPC_WORDS} (ENOSPC)", "free some disk space"):
            if expected not in output:
                problems.append(f"the message does not say {expected!r}")
    if not SUMMARY_HEADER.search(result.stdout):
        problems.append("no summary table")
    problems += manifest_mismatches(project / "audio")
    problems += [f"visible temp file {p}" for p in visible_temp_files(project)]
    if rebuild:
        again = invoke(runner, *args)
        run.rebuild_exit = again.exit_code
        if again.exit_code != 0:
            problems.append(f"the next build exits {again.exit_code}: {stderr_of(again)[-300:]}")
        problems += [f"after the next build: {p}" for p in manifest_mismatches(project / "audio")]
    return run
