"""`recording:` and `narrator:` in a narration's front matter, and the words-a-minute check."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from audioguide.audio.align import words_per_minute_plausible
from audioguide.tour.load import load_tour


def narration_with(tour: Path, front_matter: str) -> Path:
    """Rewrite stops/gate/en.md with extra front matter lines (from line 3 on)."""
    md = tour / "stops" / "gate" / "en.md"
    md.write_text(f"---\ntitle: The gate\n{front_matter}---\nThe gate of the memorial.\n", encoding="utf-8")
    return md


def problems(tour: Path) -> list[str]:
    _, diags = load_tour(tour)
    return [str(d) for d in diags.sorted() if d.severity.value != "note"]


def test_recording_and_narrator_are_read(tour_dir: Path) -> None:
    (tour_dir / "stops" / "gate" / "en.M4A").write_bytes(b"not decoded here")
    narration_with(tour_dir, "recording: en.M4A\nnarrator: '  Aigul   S. '\n")
    tour, diags = load_tour(tour_dir)
    assert tour is not None and not diags.errors and not diags.warnings
    recording = tour.stop("gate").narrations["en"].recording
    assert recording is not None
    assert recording.path == (tour_dir / "stops" / "gate" / "en.M4A").resolve()
    assert recording.narrator == "Aigul S."
    assert tour.stop("wall").narrations["en"].recording is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("en.txt", "recording 'en.txt': not an audio file"),
        ("missing.wav", "recording 'missing.wav' not found next to en.md"),
        ("../wall/en.wav", "recording '../wall/en.wav' must be inside the stop's folder gate/"),
        ("/tmp/en.wav", "must be inside the stop's folder"),
        ("''", "'recording' must be a file name"),
        ("[a, b]", "'recording' must be a file name"),
    ],
)
def test_bad_recordings_are_errors_at_their_line(tour_dir: Path, value: str, message: str) -> None:
    (tour_dir / "stops" / "wall" / "en.wav").write_bytes(b"")
    narration_with(tour_dir, f"notes: fine\nrecording: {value}\n")
    found = problems(tour_dir)
    assert any(line.startswith("stops/gate/en.md:4: error:") and message in line for line in found), found


def test_a_symlink_out_of_the_stop_folder_is_refused(tour_dir: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.wav"
    outside.write_bytes(b"")
    (tour_dir / "stops" / "gate" / "en.wav").symlink_to(outside)
    narration_with(tour_dir, "recording: en.wav\n")
    assert any("must be inside the stop's folder" in line for line in problems(tour_dir))


def test_narrator_without_recording_warns(tour_dir: Path) -> None:
    narration_with(tour_dir, "narrator: Aigul S.\n")
    assert problems(tour_dir) == [
        "stops/gate/en.md:3: warning: 'narrator' is only shown with a 'recording'; add one"
    ]


def test_empty_narrator_is_an_error(make_tour: Callable[..., Path]) -> None:
    tour = make_tour()
    (tour / "stops" / "gate" / "en.wav").write_bytes(b"")
    narration_with(tour, "recording: en.wav\nnarrator: ''\n")
    assert any("stops/gate/en.md:4: error: 'narrator' must be" in line for line in problems(tour))


@pytest.mark.parametrize(
    ("words", "seconds", "plausible"),
    [
        (150, 60.0, True),  # a calm reading
        (100, 60.0, True),
        (200, 60.0, True),
        (150, 20.0, False),  # 450 wpm: a cut-off file
        (150, 180.0, False),  # 50 wpm: minutes of silence or another take
        (0, 10.0, False),
        (10, 0.0, False),
    ],
)
def test_words_per_minute_plausible(words: int, seconds: float, plausible: bool) -> None:
    assert words_per_minute_plausible(words, seconds) is plausible
