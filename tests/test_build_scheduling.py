"""How the build spreads its work: worker processes or this process, narrations assembled as
soon as their sentences are spoken, shared sentences spoken once, cores shared by Piper."""

from __future__ import annotations

from pathlib import Path

import pytest
from audio_checks import build, separate_runner, statuses

from audioguide.builder import AudioBuilder, BuildOptions, Progress
from audioguide.content import require_tour

STOPS = {
    f"stop-{n}": {"en": f"This is stop {n}. It has two sentences, the second about stop {n}."}
    for n in range(1, 5)
}


def progress_labels(root: Path, jobs: int) -> list[str]:
    tour, _ = require_tour(root)
    builder = AudioBuilder(tour, BuildOptions(offline=True, jobs=jobs))
    labels = [event.label for event in builder.run() if isinstance(event, Progress)]
    assert builder.report.workers == jobs
    assert {n.status for n in builder.report.narrations} == {"built"}
    return labels


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


@pytest.mark.slow
def test_each_worker_gets_its_share_of_the_cores_for_piper() -> None:
    from audioguide.engines.piper import PiperEngine, _load, set_thread_budget

    voice = PiperEngine().resolve("en", None, Path("."))
    try:
        set_thread_budget(1)
        options = _load(voice.model_path).session.get_session_options()
        assert options.intra_op_num_threads == 1
    finally:
        set_thread_budget(0)
    assert _load(voice.model_path).session.get_session_options().intra_op_num_threads == 0
