"""build() used as a library (the staff studio and the static export call it, not the CLI):
progress as events, the report and the posters in the last event, nothing printed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from audioguide.build.pipeline import BuildOptions, Finished, Notice, Progress, build
from audioguide.errors import ContentError
from audioguide.published import Manifest
from audioguide.tour.load import load_tour, require_tour

STOPS = {"gate": {"en": "The gate. Enter in silence."}, "wall": {"en": "The wall of names."}}


def events_of(root: Path, **options) -> list[Progress | Notice | Finished]:
    tour, _ = require_tour(root)
    return list(build(tour, BuildOptions(offline=True, jobs=1, **options)))


def test_a_whole_build_yields_progress_then_the_report_and_the_posters(
    make_tour: Callable[..., Path], capfd: pytest.CaptureFixture[str]
) -> None:
    root = make_tour(languages=("en",), stops=STOPS, base_url="https://guide.example.org")
    events = events_of(root)
    progress = [e for e in events if isinstance(e, Progress)]
    # Three sentences and two narrations, one step each; the bar ends full.
    assert [p.done for p in progress] == list(range(1, 6)) and progress[-1].total == 5
    assert {p.label for p in progress} >= {"gate (en)", "wall (en)"}
    finished = events[-1]
    assert isinstance(finished, Finished) and sum(isinstance(e, Finished) for e in events) == 1
    report = finished.report
    assert {(n.stop_id, n.status) for n in report.narrations} == {("gate", "built"), ("wall", "built")}
    assert report.sentences_synthesized == 3 and report.seconds > 0
    assert set(Manifest.load(root / "audio").narrations) == {("gate", "en"), ("wall", "en")}
    posters = finished.posters
    assert posters is not None and [(p.stop_id, p.status) for p in posters] == [
        ("gate", "built"),
        ("wall", "built"),
    ]
    assert posters.sheet.is_file() and all(path.is_file() for p in posters for path in p.files)
    assert posters.warnings == []
    # Library code never prints: what staff should know travels in the events.
    assert capfd.readouterr() == ("", "")

    again = events_of(root)
    assert {n.status for n in again[-1].report.narrations} == {"unchanged"}
    assert {p.status for p in again[-1].posters} == {"unchanged"}


def test_poster_warnings_come_back_in_the_report_not_on_stderr(
    make_tour: Callable[..., Path], capfd: pytest.CaptureFixture[str]
) -> None:
    root = make_tour(languages=("en",), stops=STOPS)  # base_url on 127.0.0.1: phones cannot reach it
    finished = events_of(root)[-1]
    assert any("visitors' phones cannot reach this address" in w for w in finished.posters.warnings)
    assert capfd.readouterr() == ("", "")


@pytest.mark.parametrize("selection", [{"only": ["gate"]}, {"langs": ["en"]}, {"posters": False}])
def test_a_partial_build_or_posters_off_makes_no_posters(
    make_tour: Callable[..., Path], selection: dict
) -> None:
    root = make_tour(languages=("en",), stops=STOPS, base_url="https://guide.example.org")
    finished = events_of(root, **selection)[-1]
    assert isinstance(finished, Finished) and finished.posters is None
    assert not (root / "qr").exists()
    assert "built" in {n.status for n in finished.report.narrations}


def test_an_unknown_engine_is_refused_before_any_work(make_tour: Callable[..., Path]) -> None:
    root = make_tour(languages=("en",), stops=STOPS, voices=None, extra_tour_yaml="voices:\n  en: [gtss]\n")
    tour, diags = load_tour(root)  # the tour layer checks the shape only; engine names are the build's
    assert tour is not None and not diags.errors
    with pytest.raises(ContentError) as raised:
        next(build(tour, BuildOptions(offline=True)))
    assert "tour.yaml:6: error: voices.en: unknown engine 'gtss'" in raised.value.message
    assert "did you mean 'gtts'?" in raised.value.message
    assert not (root / "audio").exists() and not (root / ".audioguide-cache").exists()
