"""The shipped demo tour (ALZHIR): it builds offline with the right voices and loudness."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from audioguide.tour.diagnostics import Diagnostics
from audioguide.tour.load import read_narration
from tests.helpers.audio_checks import build, decode, manifest, output, published, read_cues, separate_runner

REPO = Path(__file__).resolve().parents[2]
DEMO_STOPS = sorted(p.name for p in (REPO / "stops").iterdir() if p.is_dir())


def copy_demo(target: Path) -> Path:
    target.mkdir()
    shutil.copy(REPO / "tour.yaml", target / "tour.yaml")
    shutil.copytree(REPO / "stops", target / "stops")
    shutil.copytree(REPO / "lexicon", target / "lexicon")
    return target


@pytest.mark.slow
def test_demo_builds_offline(tmp_path: Path) -> None:
    root = copy_demo(tmp_path / "demo")
    runner = separate_runner()
    report = build(runner, root)

    narrations = report["narrations"]
    assert len(DEMO_STOPS) == 7
    assert len(narrations) == 21
    assert sorted((n["stop"], n["lang"]) for n in narrations) == sorted(
        (stop, lang) for stop in DEMO_STOPS for lang in ("kk", "ru", "en")
    )
    for n in narrations:
        assert n["status"] == "built", n
        if n["lang"] == "en":
            assert (n["engine"], n["voice"]) == ("piper", "en_US-joe-medium"), n
        else:
            assert (n["engine"], n["voice"]) == ("espeak", n["lang"]), n
    assert report["sentences_synthesized"] > 0

    data = manifest(root)
    assert sum(len(langs) for langs in data["stops"].values()) == 21
    for path in published(root / "audio"):
        if path.suffix == ".mp3":
            decoded = decode(path)
            assert decoded.loudness == pytest.approx(-16.0, abs=1.0), path
            decoded.assert_under_ceiling(-1.5)
        else:
            assert read_cues(path), path
    # The lexicon speaks "Alzheer", the captions keep "ALZHIR".
    assert "ALZHIR" in output(root / "audio", "en/welcome.vtt").read_text(encoding="utf-8")

    again = build(runner, root)
    assert again["sentences_synthesized"] == 0
    assert {n["status"] for n in again["narrations"]} == {"unchanged"}


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_demo_translations_await_review(lang: str) -> None:
    for stop in DEMO_STOPS:
        path = REPO / "stops" / stop / f"{lang}.md"
        diags = Diagnostics(REPO)
        narration = read_narration(path, lang, diags)
        assert narration is not None and not diags.errors, [str(d) for d in diags.items]
        assert narration.needs_review is True, f"{path} lacks needs_review: true"
