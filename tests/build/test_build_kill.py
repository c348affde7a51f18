"""A build killed at any moment leaves every published file whole: old or complete new."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import subprocess
import time
from pathlib import Path

from tests.helpers.audio_checks import (
    assert_complete_mp3,
    assert_complete_vtt,
    build,
    is_temp,
    output,
    published,
    separate_runner,
    statuses,
)
from tests.helpers.processes import kill, start_build, wait_for_group_to_end
from tests.helpers.tours import write_tour

REPO = Path(__file__).resolve().parents[2]
LANGS = ("en", "ru", "kk")
BODIES = {
    "en": "Round {n}. The {stop} of the memorial stands in the steppe. Visitors walk here in silence.\n\n"
    "Thousands of women were held in this camp. Their names are remembered.",
    "ru": "Круг {n}. Здесь стоит {stop} мемориала. Посетители идут здесь молча.\n\n"
    "Тысячи женщин были в этом лагере. Их имена помнят.",
    "kk": "{n} айналым. Мұнда мемориалдың {stop} тұр. Келушілер мұнда үнсіз жүреді.\n\n"
    "Бұл лагерьде мыңдаған әйел болды. Олардың есімдері есте.",
}
STOPS = ("gate", "wall", "garden")


def stops_for_round(n: int) -> dict[str, dict[str, str]]:
    return {stop: {lang: BODIES[lang].format(n=n, stop=stop) for lang in LANGS} for stop in STOPS}


def rewrite_all(root: Path, n: int) -> None:
    for stop, bodies in stops_for_round(n).items():
        for lang, body in bodies.items():
            path = root / "stops" / stop / f"{lang}.md"
            front_matter = path.read_text(encoding="utf-8").split("---\n")[1]
            path.write_text(f"---\n{front_matter}---\n{body}\n", encoding="utf-8")


def on_disk(audio: Path) -> dict[str, bytes]:
    """Every published file's bytes by its path: each version, not only the current ones."""
    return {path.relative_to(audio).as_posix(): path.read_bytes() for path in published(audio)}


def assert_whole(root: Path, old: dict[str, bytes]) -> int:
    """Every published file is its old bytes or a complete new file; returns how many are new."""
    audio = root / "audio"
    new = 0
    for path in published(audio):
        name = path.relative_to(audio).as_posix()
        data = path.read_bytes()
        if data == old.get(name):
            continue
        new += 1
        if path.suffix == ".mp3":
            assert_complete_mp3(path)
        else:
            assert_complete_vtt(path)
    for leftover in audio.rglob("*"):
        if is_temp(leftover):
            assert leftover.name.startswith("."), f"a temp file is visible: {leftover}"
    data = json.loads((audio / "manifest.json").read_text(encoding="utf-8"))
    for langs in data["stops"].values():
        for entry in langs.values():
            for kind in ("audio", "captions"):
                target = audio / entry[kind]["path"]
                assert target.is_file(), f"the manifest names a missing file: {target}"
                assert not is_temp(target)
                # Issue 11: what the manifest names is exactly what is on disk, after any kill.
                assert hashlib.sha256(target.read_bytes()).hexdigest() == entry[kind]["sha256"], target
    return new


def wait_for_new_output(root: Path, old: dict[str, bytes], process: subprocess.Popen, timeout: float) -> bool:
    audio = root / "audio"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        for path in published(audio):
            with contextlib.suppress(OSError):
                if path.read_bytes() != old.get(path.relative_to(audio).as_posix()):
                    return True
        time.sleep(0.01)
    return False


def test_killed_builds_leave_published_files_whole(tmp_path: Path) -> None:
    root = write_tour(tmp_path / "tour", stops=stops_for_round(0))
    runner = separate_runner()
    report = build(runner, root)
    assert set(statuses(report).values()) == {"built"}
    assert len(published(root / "audio")) == 2 * len(STOPS) * len(LANGS)

    new_files_seen = 0
    for round_number, delay in enumerate((0.3, 0.8, 1.5, None), start=1):
        rewrite_all(root, round_number)
        old = on_disk(root / "audio")
        process = start_build(root)
        if delay is None:
            assert wait_for_new_output(root, old, process, timeout=60), "the build never published a file"
        else:
            time.sleep(delay)
        kill(process)
        new_files_seen += assert_whole(root, old)
    assert new_files_seen > 0, "no kill landed after the first published file"

    report = build(runner, root)
    assert not [n for n in report["narrations"] if n["status"] == "failed"]
    assert len(report["narrations"]) == len(STOPS) * len(LANGS)
    assert_whole(root, {})
    data = json.loads((root / "audio/manifest.json").read_text(encoding="utf-8"))
    for stop in STOPS:
        for lang in LANGS:
            entry = data["stops"][stop][lang]
            for kind in ("audio", "captions"):
                path = root / "audio" / entry[kind]["path"]
                assert hashlib.sha256(path.read_bytes()).hexdigest() == entry[kind]["sha256"]
                assert path.stat().st_size == entry[kind]["bytes"]
            cues = assert_complete_vtt(output(root / "audio", f"{lang}/{stop}.vtt"))
            assert cues[0].text.startswith(("Round 4.", "Круг 4.", "4 айналым.")), cues[0].text
    assert not [p for p in (root / "audio").rglob("*") if is_temp(p)]
    # And the tour is now up to date.
    report = build(runner, root)
    assert set(statuses(report).values()) == {"unchanged"}


def test_killed_build_leaves_no_worker_processes(tmp_path: Path) -> None:
    """SIGKILL reaches only the build process; its workers (and forkserver) must notice that it
    is gone and exit, not idle forever holding loaded voices - or finish a stale write later."""
    root = write_tour(tmp_path / "tour", stops=stops_for_round(0))
    runner = separate_runner()
    build(runner, root)
    rewrite_all(root, 1)
    old = on_disk(root / "audio")
    process = start_build(root)
    try:
        assert wait_for_new_output(root, old, process, timeout=60), "the build never published a file"
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        assert wait_for_group_to_end(process.pid, timeout=3), subprocess.run(
            ["ps", "-o", "pid,etimes,cmd", "-g", str(process.pid)],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        wait_for_group_to_end(process.pid, timeout=5)
