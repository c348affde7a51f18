"""The project's build lock: one holder at a time, across processes; a killed holder frees it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from audioguide.build.lock import BuildLocked, build_lock

REPO = Path(__file__).resolve().parents[2]

HOLD = """
import sys, time
from pathlib import Path
from audioguide.build.lock import build_lock
with build_lock(Path(sys.argv[1]), "audioguide build"):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def hold_in_subprocess(root: Path, seconds: float) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(root), str(seconds)], stdout=subprocess.PIPE, env=env, text=True
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "held"
    return process


def test_a_second_holder_is_refused_with_who_and_what_to_do(tmp_path: Path) -> None:
    holder = hold_in_subprocess(tmp_path, 30)
    try:
        with pytest.raises(BuildLocked) as caught, build_lock(tmp_path, "audioguide qr"):
            pass
        message = caught.value.message
        assert "audioguide build" in message and f"pid {holder.pid}" in message and "--wait" in message
    finally:
        holder.kill()
        holder.wait()


def test_waiting_says_so_once_then_gets_the_lock(tmp_path: Path) -> None:
    holder = hold_in_subprocess(tmp_path, 1.0)
    said: list[str] = []
    started = time.monotonic()
    with build_lock(tmp_path, "audioguide build", wait=True, on_wait=said.append):
        waited = time.monotonic() - started
    holder.wait()
    assert len(said) == 1 and "audioguide build" in said[0]
    assert waited > 0.3  # it really waited for the other process


def test_a_killed_holder_frees_the_lock(tmp_path: Path) -> None:
    holder = hold_in_subprocess(tmp_path, 60)
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    with build_lock(tmp_path, "audioguide build"):  # no stale lock after kill -9
        pass


def test_threads_in_one_process_exclude_each_other(tmp_path: Path) -> None:
    """The studio builds in a background thread while the server runs: the lock is per project,
    not per thread."""
    inside = threading.Event()
    leave = threading.Event()

    def hold() -> None:
        with build_lock(tmp_path, "studio publish"):
            inside.set()
            leave.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    assert inside.wait(10)
    try:
        with pytest.raises(BuildLocked, match="studio publish"), build_lock(tmp_path, "audioguide build"):
            pass
    finally:
        leave.set()
        thread.join()
    with build_lock(tmp_path, "audioguide build"):
        pass


def run_build(root: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [
        sys.executable,
        "-m",
        "audioguide",
        "build",
        "--project",
        str(root),
        "--offline",
        "--jobs",
        "1",
    ]
    return subprocess.Popen(
        [*command, "--no-posters", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_a_build_while_another_runs_refuses_or_waits(tour_dir: Path) -> None:
    holder = hold_in_subprocess(tour_dir, 120)
    try:
        refused = run_build(tour_dir)
        _, err = refused.communicate(timeout=60)
        assert refused.returncode == 1
        assert "audioguide build" in err and "--wait" in err and "Traceback" not in err
        assert not (tour_dir / "audio" / "manifest.json").exists()  # it did nothing at all
        waited = run_build(tour_dir, "--wait")
        assert waited.stderr is not None
        said = waited.stderr.readline()  # blocks until the build says it waits
        assert "waiting for it to finish" in said and waited.poll() is None
    finally:
        holder.kill()  # the other build ends (even by kill -9): the waiting one goes on
        holder.wait()
    _, err = waited.communicate(timeout=120)
    assert waited.returncode == 0, err
    assert (tour_dir / "audio" / "manifest.json").exists()


def test_two_language_builds_at_once_both_land_in_the_manifest(tour_dir: Path) -> None:
    """Issue 11: `--lang en` and `--lang ru` together used to leave an old entry behind, so a page
    showed the old transcript with the new audio. With the lock one waits for the other."""
    from tests.helpers.audio_checks import manifest

    for lang, new in (("en", "The new gate of the memorial."), ("ru", "Новые ворота мемориала.")):
        path = tour_dir / "stops" / "gate" / f"{lang}.md"
        text = path.read_text(encoding="utf-8")
        front_matter = text[: text.index("---\n", 4) + 4]
        path.write_text(front_matter + new + "\n", encoding="utf-8")
    builds = [run_build(tour_dir, "--lang", lang, "--wait") for lang in ("en", "ru")]
    for process in builds:
        _, err = process.communicate(timeout=180)
        assert process.returncode == 0, err
    stops = manifest(tour_dir)["stops"]
    assert stops["gate"]["en"]["transcript"][0]["text"] == ["The new gate of the memorial."]
    assert stops["gate"]["ru"]["transcript"][0]["text"] == ["Новые ворота мемориала."]
    assert {"en", "ru"} <= set(stops["wall"])
