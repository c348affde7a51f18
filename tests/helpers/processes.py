"""Builds as separate processes that can be killed with SIGKILL, with their worker processes:
for tests/build/test_build_kill.py and bench/faults.py."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def start_build(root: Path, *args: str, output: int | None = subprocess.DEVNULL) -> subprocess.Popen:
    """`audioguide build --offline --no-posters` of `root` (more flags: `args`), in its own
    process group. `output`: where stdout and stderr go (subprocess.PIPE to read them)."""
    return subprocess.Popen(
        [sys.executable, "-m", "audioguide", "build", "--offline", "--no-posters", "-p", str(root), *args],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=output,
        stderr=subprocess.STDOUT if output == subprocess.PIPE else output,
        start_new_session=True,  # its own process group: the pool workers can be reaped with it
    )


def group_members(pgid: int) -> list[int]:
    """Live (not zombie) processes of a process group, from /proc."""
    if not Path("/proc/self/stat").exists():  # not Linux: ask the kernel about the group as a whole
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return []
        return [pgid]
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if fields[0] != "Z" and int(fields[2]) == pgid:
                members.append(int(stat.parent.name))
    return members


def group_alive(pgid: int) -> bool:
    return bool(group_members(pgid))


def kill(process: subprocess.Popen) -> None:
    """SIGKILL the build process, then reap whatever it started (its pool workers)."""
    pgid = process.pid  # start_new_session: the group id is the leader's pid
    with contextlib.suppress(ProcessLookupError):
        os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)
    wait_for_group_to_end(pgid, timeout=5)


def wait_for_group_to_end(pgid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while group_alive(pgid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def workers_of(pgid: int) -> list[int]:
    """The build's worker processes (and its forkserver): its group, less the build itself."""
    return [pid for pid in group_members(pgid) if pid != pgid]


def run_build(root: Path, *args: str, timeout: float = 600) -> tuple[int, str]:
    """A build to its end: (exit code, stdout and stderr)."""
    process = start_build(root, *args, output=subprocess.PIPE)
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill(process)
        return -1, f"timed out after {timeout:.0f} s"
    return process.returncode, output.decode(errors="replace")
