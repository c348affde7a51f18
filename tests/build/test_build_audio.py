"""The MP3s, captions and manifest a build publishes, measured from the real files (eSpeak NG)."""

from __future__ import annotations

import hashlib
import html
import json
import re
from pathlib import Path

import mutagen.mp3
import pytest

from audioguide.build.cache import SentenceCache, sentence_key
from audioguide.engines import get_engine
from tests.helpers.audio_checks import (
    build,
    decode,
    edge_silences,
    inner_silences,
    manifest,
    output,
    plan_for,
    read_cues,
    separate_runner,
)
from tests.helpers.tours import TINY_STOPS, write_tour

LANGS = ("en", "ru", "kk")
STOPS = {
    "gate": TINY_STOPS["gate"],  # en: two paragraphs around a [pause 1s]
    "wall": {
        "en": (
            "ALZHIR operated [[1937–1953|from 1937 to 1953]]. Thousands of women were held here.\n\n"
            "They are remembered. [pause 3s] Their names are written on the wall."
        ),
        "ru": TINY_STOPS["wall"]["ru"],
        "kk": TINY_STOPS["wall"]["kk"],
    },
}
WALL_EN_CAPTIONS = [
    "ALZHIR operated 1937–1953.",
    "Thousands of women were held here.",
    "They are remembered.",
    "Their names are written on the wall.",
]
LONGEST_PAUSE_S = 3.0  # [pause 3s]; the default paragraph and sentence gaps are shorter
NARRATION_TITLES = {
    "gate": {"en": "The gate", "ru": "Ворота", "kk": "Қақпа"},
    "wall": {"en": "The wall", "ru": "Стена", "kk": "Қабырға"},
}
TITLES = {"en": "Test Memorial", "ru": "Тестовый мемориал", "kk": "Сынақ мемориалы"}
NARRATIONS = [(stop, lang) for stop in STOPS for lang in LANGS]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    root = write_tour(tmp_path_factory.mktemp("audio") / "tour", stops=STOPS)
    (root / "lexicon").mkdir()
    (root / "lexicon" / "en.yaml").write_text("ALZHIR: Alzheer\n", encoding="utf-8")
    report = build(separate_runner(), root)
    return root, report


def mp3(root: Path, stop: str, lang: str) -> Path:
    return output(root / "audio", f"{lang}/{stop}.mp3")


def vtt(root: Path, stop: str, lang: str) -> Path:
    return output(root / "audio", f"{lang}/{stop}.vtt")


def test_every_narration_is_built(built) -> None:
    root, report = built
    assert sorted((n["stop"], n["lang"]) for n in report["narrations"]) == sorted(NARRATIONS)
    for n in report["narrations"]:
        assert n["status"] == "built" and n["engine"] == "espeak" and not n["fallback"], n
        assert mp3(root, n["stop"], n["lang"]).is_file() and vtt(root, n["stop"], n["lang"]).is_file()


@pytest.mark.parametrize(("stop", "lang"), NARRATIONS)
def test_duration_is_the_sentences_plus_the_pauses(built, stop: str, lang: str) -> None:
    root, report = built
    plan = plan_for(root, stop, lang)
    assert manifest(root)["stops"][stop][lang]["input_hash"] == plan.input_hash
    cache = SentenceCache(root / ".audioguide-cache")
    sentences = [cache.load(key) for key in plan.keys]
    assert all(s is not None for s in sentences)
    speech = sum(s.seconds for s in sentences)  # type: ignore[union-attr]
    pauses = sum(plan.gaps[1:]) / 1000
    expected = speech + pauses
    decoded = decode(mp3(root, stop, lang))
    assert decoded.seconds == pytest.approx(expected, rel=0.05)
    reported = next(n for n in report["narrations"] if (n["stop"], n["lang"]) == (stop, lang))
    assert reported["duration"] == pytest.approx(decoded.seconds, abs=0.05)


@pytest.mark.parametrize(("stop", "lang"), NARRATIONS)
def test_loudness_and_true_peak(built, stop: str, lang: str) -> None:
    root, _ = built
    decoded = decode(mp3(root, stop, lang))
    assert decoded.loudness == pytest.approx(-16.0, abs=1.0)
    decoded.assert_under_ceiling(-1.5)


@pytest.mark.parametrize(("stop", "lang"), NARRATIONS)
def test_no_long_silences(built, stop: str, lang: str) -> None:
    root, _ = built
    decoded = decode(mp3(root, stop, lang))
    lead, trail = edge_silences(decoded)
    assert lead < 0.3 and trail < 0.3, (lead, trail)
    for start, length in inner_silences(decoded):
        assert length <= LONGEST_PAUSE_S + 0.3, f"{length:.2f} s of silence at {start:.2f} s"


def test_explicit_pauses_are_heard(built) -> None:
    root, _ = built
    longest = max(length for _, length in inner_silences(decode(mp3(root, "wall", "en"))))
    assert longest == pytest.approx(3.0, abs=0.3)
    # gate (en) has [pause 1s] between its paragraphs, and nothing longer.
    longest = max(length for _, length in inner_silences(decode(mp3(root, "gate", "en"))))
    assert longest == pytest.approx(1.0, abs=0.3)


@pytest.mark.parametrize(("stop", "lang"), NARRATIONS)
def test_mp3_format_and_tags(built, stop: str, lang: str) -> None:
    root, _ = built
    audio = mutagen.mp3.MP3(mp3(root, stop, lang))
    assert audio.info.channels == 1
    assert audio.info.sample_rate == 22050
    assert round(audio.info.bitrate / 1000) == 64
    tags = audio.tags
    assert tags is not None
    assert str(tags["TIT2"]) == NARRATION_TITLES[stop][lang]
    assert str(tags["TALB"]) == TITLES[lang]
    assert str(tags["TRCK"]) == {"gate": "1", "wall": "2"}[stop]
    assert str(tags["TLAN"]) == lang


@pytest.mark.parametrize(("stop", "lang"), NARRATIONS)
def test_captions_follow_the_audio(built, stop: str, lang: str) -> None:
    root, _ = built
    plan = plan_for(root, stop, lang)
    cues = read_cues(vtt(root, stop, lang))
    duration = decode(mp3(root, stop, lang)).seconds
    assert len(cues) == len(plan.sentences)
    assert [c.text for c in cues] == [s.text for s in plan.sentences]
    cache = SentenceCache(root / ".audioguide-cache")
    for index, cue in enumerate(cues):
        assert 0 <= cue.start < cue.end <= duration + 0.002
        if index:
            assert cue.start >= cues[index - 1].end
            # The silence between cues is the planned gap.
            assert cue.start - cues[index - 1].end == pytest.approx(plan.gaps[index] / 1000, abs=0.002)
        sentence = cache.load(plan.keys[index])
        assert sentence is not None
        assert cue.end - cue.start == pytest.approx(sentence.seconds, abs=0.002)
    assert cues[0].start == 0


def test_captions_show_the_written_text(built) -> None:
    root, _ = built
    text = vtt(root, "wall", "en").read_text(encoding="utf-8")
    assert text.startswith("WEBVTT")
    assert [c.text for c in read_cues(vtt(root, "wall", "en"))] == WALL_EN_CAPTIONS
    assert "Alzheer" not in text and "from 1937 to 1953" not in text
    # ... while the voice said the lexicon's and the substitution's spoken form.
    voice = get_engine("espeak").resolve("en", "en", root)
    spoken = sentence_key(voice, "Alzheer operated from 1937 to 1953.", 22050)
    assert SentenceCache(root / ".audioguide-cache").has(spoken)
    assert spoken == plan_for(root, "wall", "en").keys[0]


def test_manifest_describes_every_file(built) -> None:
    root, _ = built
    data = manifest(root)
    assert sorted((s, lang) for s, langs in data["stops"].items() for lang in langs) == sorted(NARRATIONS)
    for stop, lang in NARRATIONS:
        entry = data["stops"][stop][lang]
        for kind, path in (("audio", mp3(root, stop, lang)), ("captions", vtt(root, stop, lang))):
            record = entry[kind]
            assert record["path"] == f"{lang}/{path.name}"
            assert (root / "audio" / record["path"]).resolve() == path.resolve()
            assert record["bytes"] == path.stat().st_size
            assert record["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert entry["duration"] == pytest.approx(decode(mp3(root, stop, lang)).seconds, abs=0.05)
        assert entry["engine"] == "espeak"
        assert entry["voice"] == lang
        assert entry["fallback"] is False
        assert len(entry["input_hash"]) == 64 and int(entry["input_hash"], 16) >= 0
        assert entry["sentences"] == len(read_cues(vtt(root, stop, lang)))


def test_custom_loudness_bitrate_and_sample_rate(make_tour) -> None:
    root = make_tour(
        languages=("en",),
        stops={"gate": {"en": TINY_STOPS["gate"]["en"]}},
        extra_tour_yaml="audio:\n  loudness: -20\n  bitrate: 32\n  sample_rate: 16000\n",
    )
    build(separate_runner(), root)
    path = mp3(root, "gate", "en")
    decoded = decode(path)
    assert decoded.sample_rate == 16000
    assert decoded.loudness == pytest.approx(-20.0, abs=1.0)
    decoded.assert_under_ceiling(-1.5)
    info = mutagen.mp3.MP3(path).info
    assert info.sample_rate == 16000 and info.channels == 1
    assert round(info.bitrate / 1000) == 32
    assert json.loads((root / "audio" / "manifest.json").read_text())["stops"]["gate"]["en"]["duration"] > 1


def test_captions_escape_markup_characters(make_tour) -> None:
    """Cue text is WebVTT, not plain text: '<' and '&' are escaped and '-->' never appears in it,
    yet a player shows exactly what visitors read in the transcript."""
    root = make_tour(
        languages=("en",),
        stops={"gate": {"en": "Rooms 3 < 4 & 5 > 2 were cold. Then --> the yard."}},
    )
    build(separate_runner(), root)
    text = vtt(root, "gate", "en").read_text(encoding="utf-8")
    payloads = [
        line for line in text.splitlines()[3:] if line and not line.startswith("s") and "-->" not in line
    ]
    timing_lines = [line for line in text.splitlines() if "-->" in line]
    assert len(timing_lines) == 2
    assert all(line.count(" --> ") == 1 and line[:2].isdigit() for line in timing_lines), timing_lines
    assert len(payloads) == 2, text
    for payload in payloads:
        assert "<" not in payload and not re.search(r"&(?!amp;|lt;|gt;)", payload), payload
    shown = [html.unescape(cue.text) for cue in read_cues(vtt(root, "gate", "en"))]
    assert shown == ["Rooms 3 < 4 & 5 > 2 were cold.", "Then --> the yard."]
