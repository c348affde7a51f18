"""The command line: help, version, the build's JSON report, its table and its progress bar."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from audioguide import __version__
from tests.helpers.audio_checks import build, describe, invoke, separate_runner, stderr_of

REPO = Path(__file__).resolve().parents[2]
COMMANDS = ("check", "build", "qr", "serve", "export", "stats", "users", "voices")
# Groups of subcommands: each subcommand takes --project.
SUBCOMMANDS = {"users": ("add", "passwd", "remove", "list"), "voices": ("list", "get")}
NARRATION_FIELDS = {
    "stop",
    "lang",
    "status",
    "engine",
    "voice",
    "preferred_engine",
    "fallback",
    "duration",
    "error",
    "fallback_reasons",
}
REPORT_FIELDS = {
    "narrations",
    "sentences_synthesized",
    "sentences_cached",
    "engine_seconds",
    "seconds",
    "workers",
    "removed",
    "posters",
}


def test_help_lists_every_command_on_one_line(runner: CliRunner) -> None:
    result = invoke(runner, "--help")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    start = lines.index("Commands:")
    listed = {}
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        name, _, summary = line.strip().partition(" ")
        listed[name] = summary.strip()
    assert set(listed) == set(COMMANDS)
    for name, summary in listed.items():
        assert len(summary) > 10, f"{name} has no description"
    for command in COMMANDS:
        for path in (
            [(command, sub) for sub in SUBCOMMANDS[command]] if command in SUBCOMMANDS else [(command,)]
        ):
            sub = invoke(runner, *path, "--help")
            assert sub.exit_code == 0 and "--project" in sub.output, sub.output


def test_version(runner: CliRunner) -> None:
    result = invoke(runner, "--version")
    assert result.exit_code == 0
    assert re.fullmatch(rf"audioguide, version {re.escape(__version__)}\s*", result.output)


def test_build_json_report(tour_dir: Path) -> None:
    report = build(separate_runner(), tour_dir)
    assert set(report) >= REPORT_FIELDS
    assert len(report["narrations"]) == 6
    for n in report["narrations"]:
        assert set(n) >= NARRATION_FIELDS
        assert n["status"] == "built"
        assert n["engine"] == "espeak" and n["voice"] == n["lang"]
        assert n["preferred_engine"] == "espeak" and n["fallback"] is False
        assert isinstance(n["duration"], float) and n["duration"] > 1
        assert n["error"] is None and n["fallback_reasons"] == []
    assert report["sentences_synthesized"] == 13 and report["sentences_cached"] == 0
    assert report["seconds"] > 0 and report["engine_seconds"] > 0
    assert report["removed"] == [] and report["posters"] == []
    again = build(separate_runner(), tour_dir)
    assert {n["status"] for n in again["narrations"]} == {"unchanged"}
    assert all(
        n["duration"] == m["duration"] for n, m in zip(report["narrations"], again["narrations"], strict=True)
    )


def test_summary_table_without_progress_bar(tour_dir: Path) -> None:
    runner = separate_runner()
    result = invoke(runner, "build", "-p", tour_dir, "--offline", "--no-posters")
    assert result.exit_code == 0, describe(result)
    out = result.stdout
    lines = out.splitlines()
    assert lines[0].split() == ["stop", "lang", "status", "engine", "voice", "duration"]
    assert set(lines[1].replace(" ", "")) == {"-"}
    rows = [line.split() for line in lines[2:8]]
    assert sorted((r[0], r[1]) for r in rows) == sorted(
        (s, lang) for s in ("gate", "wall") for lang in ("en", "ru", "kk")
    )
    for row in rows:
        assert row[2] == "built" and row[3] == "espeak" and re.fullmatch(r"\d+\.\d+s", row[5]), row
    assert re.search(r"^6 built, 0 unchanged, 0 failed; 13 sentences synthesized", out, re.MULTILINE), out
    # Not a terminal: no progress bar, and nothing that looks like one.
    assert "Building" not in out + stderr_of(result)
    assert "\r" not in out and "\x1b[" not in out
    assert "{" not in out  # no JSON either


def test_progress_bar_on_a_terminal(tour_dir: Path) -> None:
    """The other half of the rule: on a terminal the bar is shown (and JSON mode never shows it)."""
    primary, secondary = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "audioguide", "build", "--offline", "--no-posters", "-p", str(tour_dir)],
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        stdout=secondary,
        stderr=subprocess.PIPE,
    )
    os.close(secondary)
    chunks = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([primary], [], [], 0.2)
        if ready:
            try:
                data = os.read(primary, 4096)
            except OSError:  # the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        elif process.poll() is not None:
            break
    os.close(primary)
    process.wait(timeout=30)
    assert process.returncode == 0, process.stderr.read() if process.stderr else ""
    shown = b"".join(chunks).decode(errors="replace")
    assert "Building" in shown
    assert "6 built" in shown


def test_missing_tour_yaml_is_a_clear_error(tmp_path: Path) -> None:
    runner = separate_runner()
    for command in ("build", "check"):
        result = invoke(runner, command, "-p", tmp_path)
        assert result.exit_code == 1, describe(result)
        message = stderr_of(result) + result.stdout
        assert "tour.yaml" in message
        assert "Traceback" not in message
        assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not (tmp_path / "audio").exists()


def test_build_json_reports_failures_and_exits_1(tour_dir: Path) -> None:
    runner = separate_runner()
    stop_yaml = tour_dir / "stops/wall/stop.yaml"
    stop_yaml.write_text(stop_yaml.read_text() + "voices: {kk: [gtts]}\n", encoding="utf-8")
    result = invoke(runner, "build", "-p", tour_dir, "--offline", "--no-posters", "--json")
    assert result.exit_code == 1, describe(result)
    report = json.loads(result.stdout)
    failed = [n for n in report["narrations"] if n["status"] == "failed"]
    assert [(n["stop"], n["lang"]) for n in failed] == [("wall", "kk")]
    assert failed[0]["error"] and failed[0]["engine"] is None and failed[0]["duration"] is None
    assert "wall (kk)" in stderr_of(result)
