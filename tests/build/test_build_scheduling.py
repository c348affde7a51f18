"""How the build spreads its work: worker processes or this process, narrations assembled as
soon as their sentences are spoken, shared sentences spoken once, cores shared by Piper."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from audioguide.build import pipeline
from audioguide.build.pipeline import BuildOptions, BuildReport, Finished, Progress
from audioguide.engines.espeak import EspeakEngine
from audioguide.errors import EngineError
from audioguide.tour.load import require_tour
from tests.helpers.audio_checks import build, published, separate_runner, statuses

REPO = Path(__file__).resolve().parents[2]

STOPS = {
    f"stop-{n}": {"en": f"This is stop {n}. It has two sentences, the second about stop {n}."}
    for n in range(1, 5)
}


def run_builder(root: Path, **options) -> tuple[BuildReport, list[Progress]]:
    tour, _ = require_tour(root)
    events = list(pipeline.build(tour, BuildOptions(**{"posters": False, **options})))
    progress = [event for event in events if isinstance(event, Progress)]
    # Every unit of work is one step, and the bar ends full.
    assert [p.done for p in progress] == list(range(1, len(progress) + 1))
    assert not progress or progress[-1].done == progress[-1].total
    assert isinstance(events[-1], Finished)
    return events[-1].report, progress


def progress_labels(root: Path, jobs: int) -> list[str]:
    report, progress = run_builder(root, offline=True, jobs=jobs)
    assert report.workers == jobs
    assert {n.status for n in report.narrations} == {"built"}
    return [p.label for p in progress]


def set_voices(root: Path, stop: str, chain: str) -> None:
    path = root / "stops" / stop / "stop.yaml"
    path.write_text(path.read_text(encoding="utf-8") + f"voices:\n  en: {chain}\n", encoding="utf-8")


def fail_sentences(monkeypatch: pytest.MonkeyPatch, rules: dict[str, str]) -> None:
    """eSpeak voice name -> a phrase it fails on (in this process, so with --jobs 1)."""
    speak = EspeakEngine.synthesize

    def failing(self: EspeakEngine, text: str, voice):
        if rules.get(voice.name, "\0") in text:
            raise EngineError(f"{voice.name} cannot say this")
        return speak(self, text, voice)

    monkeypatch.setattr(EspeakEngine, "synthesize", failing)


def test_one_job_builds_in_this_process_narration_after_narration(make_tour) -> None:
    root = make_tour(languages=("en",), stops=STOPS)
    labels = progress_labels(root, jobs=1)
    # Each narration is encoded right after its own two sentences, before the next is spoken.
    expected = []
    for n in range(1, 5):
        second = f"It has two sentences, the second about stop {n}."
        expected += [f"This is stop {n}.", second[:40], f"stop-{n} (en)"]
    assert labels == expected


def test_workers_encode_early_narrations_while_later_ones_are_spoken(make_tour) -> None:
    root = make_tour(languages=("en",), stops=STOPS)
    labels = progress_labels(root, jobs=2)
    assert len(labels) == 12
    first_assembled = labels.index("stop-1 (en)")
    last_spoken = max(i for i, label in enumerate(labels) if not label.endswith("(en)"))
    assert first_assembled < last_spoken, labels


def test_worker_count_is_reported_and_small_rebuilds_stay_in_process(make_tour) -> None:
    root = make_tour(languages=("en",), stops=STOPS)
    report = build(separate_runner(), root, "--jobs", "2")
    assert report["workers"] == 2
    assert set(statuses(report).values()) == {"built"}
    text = root / "stops" / "stop-3" / "en.md"
    text.write_text(text.read_text(encoding="utf-8").replace("second", "last"), encoding="utf-8")
    report = build(separate_runner(), root, "--jobs", "2")
    # One sentence and one narration: starting worker processes would cost more than the work.
    assert report["workers"] == 1 and report["sentences_synthesized"] == 1


def test_a_sentence_shared_by_two_narrations_is_spoken_once(make_tour) -> None:
    shared = "Please keep silence in this place of mourning."
    stops = {"first": {"en": f"The first stop. {shared}"}, "second": {"en": f"{shared} The second stop."}}
    root = make_tour(languages=("en",), stops=stops)
    report = build(separate_runner(), root, "--jobs", "2")
    assert report["sentences_synthesized"] == 3
    assert set(statuses(report).values()) == {"built"}


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_sentence_said_twice_in_one_narration(make_tour, jobs: int) -> None:
    stops = {f"stop-{n}": {"en": f"Stop {n}. Silence, please. Silence, please."} for n in range(3)}
    report, _ = run_builder(make_tour(languages=("en",), stops=stops), offline=True, jobs=jobs)
    assert {n.status for n in report.narrations} == {"built"}
    assert report.sentences_synthesized == 4


def test_a_voice_failing_one_sentence_moves_only_its_narrations_on(make_tour, monkeypatch) -> None:
    """Stop a falls from en-us to en; stop b falls from en-029 to en-us, whose copy of the
    shared sentence was dropped when a moved on: it must be queued again, not awaited forever."""
    stops = {
        "a": {"en": "Bad for the first. Shared words."},
        "b": {"en": "Bad for the second. Shared words."},
    }
    root = make_tour(languages=("en",), stops=stops)
    set_voices(root, "a", "[{espeak: en-us}, {espeak: en}]")
    set_voices(root, "b", "[{espeak: en-029}, {espeak: en-us}]")
    fail_sentences(monkeypatch, {"en-US": "the first", "en-029": "the second"})
    report, _ = run_builder(root, offline=True, jobs=1)
    reports = {n.stop_id: n for n in report.narrations}
    assert {stop: n.status for stop, n in reports.items()} == {"a": "built", "b": "built"}
    assert (reports["a"].voice, reports["b"].voice) == ("en", "en-US")
    assert reports["a"].tried == ["espeak:en-us: en-US cannot say this"]


def test_a_narration_whose_voices_all_fail_fails_alone(make_tour, monkeypatch) -> None:
    stops = {"a": {"en": "Bad for the first. Other words."}, "b": {"en": "Fine words. More fine words."}}
    root = make_tour(languages=("en",), stops=stops)
    fail_sentences(monkeypatch, {"en": "the first"})
    report, _ = run_builder(root, offline=True, jobs=1)
    reports = {n.stop_id: n for n in report.narrations}
    assert {stop: n.status for stop, n in reports.items()} == {"a": "failed", "b": "built"}
    assert "en cannot say this" in (reports["a"].error or "")


def worker_pids(build_pid: int) -> list[int]:
    """The pool's workers: children of the forkserver, which is a child of the build."""
    listing = subprocess.run(["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True, check=True)
    children: dict[int, list[int]] = {}
    for line in listing.stdout.splitlines():
        pid, parent = map(int, line.split())
        children.setdefault(parent, []).append(pid)
    return [worker for child in children.get(build_pid, []) for worker in children.get(child, [])]


def test_a_worker_killed_mid_build_is_a_clear_error_and_the_next_build_completes(make_tour) -> None:
    stops = {
        f"stop-{n}": {"en": " ".join(f"Stop {n}, sentence {k}, stands here." for k in range(12))}
        for n in range(8)
    }
    root = make_tour(languages=("en",), stops=stops)
    command = [sys.executable, "-m", "audioguide", "build", "--offline", "--no-posters", "--jobs", "2"]
    process = subprocess.Popen(
        [*command, "-p", str(root)],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: reaped below whatever happens
    )
    try:
        deadline = time.monotonic() + 30
        while not (workers := worker_pids(process.pid)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert workers, "no worker process appeared"
        os.kill(workers[0], signal.SIGKILL)
        _, stderr = process.communicate(timeout=120)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 1, stderr
    assert "a build worker stopped unexpectedly" in stderr and "Traceback" not in stderr
    report = build(separate_runner(), root, "--jobs", "2")
    assert set(statuses(report).values()) <= {"built", "unchanged"}
    assert len([p for p in published(root / "audio") if p.suffix == ".mp3"]) == 8


@pytest.mark.slow
def test_each_worker_gets_its_share_of_the_cores_for_piper() -> None:
    from audioguide.engines.piper import PiperEngine, _load
    from audioguide.engines.registry import set_thread_budget  # what each worker's initializer calls

    voice = PiperEngine().resolve("en", None, Path("."))
    try:
        set_thread_budget(1)
        options = _load(voice.model_path).session.get_session_options()
        assert options.intra_op_num_threads == 1
    finally:
        set_thread_budget(0)
    assert _load(voice.model_path).session.get_session_options().intra_op_num_threads == 0
