"""Recorded narration, with real audio: a reading made here (another voice, slower and lower, its
own pauses, room noise) is built in place of synthesis; its captions are aligned to it, its MP3
meets the loudness targets, and it is rebuilt only when its file or its text changes."""

from __future__ import annotations

import itertools
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from audioguide.audio.pcm import Pcm, pcm_to_wav_bytes, resample, trim_silence
from audioguide.engines import get_engine
from tests.helpers.audio_checks import (
    assert_complete_mp3,
    build,
    current_times,
    decode,
    describe,
    invoke,
    manifest,
    mtimes,
    narration,
    output,
    read_cues,
    separate_runner,
    snapshot,
    statuses,
    stderr_of,
)
from tests.helpers.tours import write_tour

SENTENCES = (
    "The gate of the memorial stands open from morning until evening.",
    "Visitors enter here in silence, and many of them bring flowers.",
    "The names of the women are written on the wall beyond the gate.",
    "Please take your time.",
    "Every name was a life, a family and a home far away.",
    "When you are ready, walk on to the next stop.",
)
# As staff write it: two paragraphs and a [pause] the reader did not keep to.
TEXT = f"{' '.join(SENTENCES[:3])}\n\n[pause 2s]\n\n{' '.join(SENTENCES[3:])}"
# The reader's own pauses before each sentence (the first is the lead-in): not the text's.
GAPS_S = (0.25, 0.5, 0.9, 1.6, 0.45, 1.1)
TAIL_S = 0.6
SLOWER = 0.87  # played at 87 % of its rate: slower, and lower in pitch, than the guide
RATE = 16000  # the recorder's rate, not the build's: the build resamples


@dataclass
class Reading:
    path: Path
    spans: list[tuple[float, float]]  # where each sentence is in the file
    seconds: float


def make_reading(path: Path, root: Path, *, lead_s: float = 0.0, gaps: tuple[float, ...] = GAPS_S) -> Reading:
    """A WAV reading of SENTENCES in a voice unlike the guide's, with known sentence times."""
    engine = get_engine("espeak")
    voice = engine.resolve("en", "en-us", root)  # the guide speaks "en" (British)
    rng = np.random.default_rng(7)
    pieces: list[np.ndarray] = []
    spans = []
    position = 0
    for sentence, gap in zip(SENTENCES, gaps, strict=True):
        spoken = trim_silence(engine.synthesize(sentence, voice))
        # Reinterpreted at a lower rate: the same samples last longer and sound lower.
        slowed = resample(Pcm(spoken.samples, round(spoken.sample_rate * SLOWER)), RATE)
        silence = round((gap + (lead_s if not pieces else 0)) * RATE)
        pieces += [np.zeros(silence, np.int16), slowed.samples]
        spans.append(((position + silence) / RATE, (position + silence + len(slowed.samples)) / RATE))
        position += silence + len(slowed.samples)
    pieces.append(np.zeros(round(TAIL_S * RATE), np.int16))
    samples = np.concatenate(pieces).astype(np.float64)
    samples = samples * 0.5 + rng.normal(0, 25, len(samples))  # a quieter reader, room noise
    pcm = Pcm(np.clip(samples, -32768, 32767).astype(np.int16), RATE)
    path.write_bytes(pcm_to_wav_bytes(pcm))
    return Reading(path, spans, pcm.seconds)


def recorded_tour(root: Path, front_matter: str = "recording: en.wav\nnarrator: Aigul S.\n") -> Path:
    write_tour(
        root,
        languages=("en",),
        stops={"gate": {"en": TEXT}, "wall": {"en": "The wall of names. ALZHIR operated from 1937 to 1953."}},
    )
    md = root / "stops" / "gate" / "en.md"
    md.write_text(f"---\ntitle: The gate\n{front_matter}---\n{TEXT}\n", encoding="utf-8")
    return root


def errors(cues, spans: list[tuple[float, float]], shift: float = 0.0) -> np.ndarray:
    assert len(cues) == len(spans)
    return np.array(
        [abs(c.start - (s - shift)) for c, (s, _) in zip(cues, spans, strict=True)]
        + [abs(c.end - (e - shift)) for c, (_, e) in zip(cues, spans, strict=True)]
    )


@pytest.fixture
def cli() -> CliRunner:
    return separate_runner()


@pytest.fixture
def recorded(tmp_path: Path, cli: CliRunner) -> tuple[Path, Reading, dict]:
    root = recorded_tour(tmp_path / "tour")
    reading = make_reading(root / "stops" / "gate" / "en.wav", root)
    report = build(cli, root)
    return root, reading, report


def test_the_recording_is_published_with_aligned_captions(recorded) -> None:
    root, reading, report = recorded
    assert statuses(report) == {("gate", "en"): "built", ("wall", "en"): "built"}
    gate = narration(report, "gate", "en")
    assert (gate["engine"], gate["voice"], gate["fallback"]) == ("recording", "Aigul S.", False)
    entry = manifest(root)["stops"]["gate"]["en"]
    assert entry["engine"] == entry["preferred_engine"] == "recording" and entry["fallback"] is False
    assert entry["voice"] == "Aigul S." and entry["sentences"] == len(SENTENCES)
    assert entry["engine_version"].startswith("recording sha256:") and len(entry["engine_version"]) == 29

    cues = read_cues(output(root / "audio", "en/gate.vtt"))
    assert [c.text for c in cues] == list(SENTENCES)
    error = errors(cues, reading.spans)  # the lead-in is under LEAD_S: nothing is cut
    assert np.median(error) <= 0.25 and np.percentile(error, 95) <= 0.6, error.round(2)

    mp3 = output(root / "audio", "en/gate.mp3")
    seconds = assert_complete_mp3(mp3)
    # The text's [pause 2s] is not inserted: the audio is the reading, no longer.
    assert seconds <= reading.seconds + 0.1, (seconds, reading.seconds)
    assert seconds >= reading.spans[-1][1]
    decoded = decode(mp3)
    assert abs(decoded.loudness - -16.0) <= 1.0, decoded.loudness
    decoded.assert_under_ceiling(-1.5)
    import mutagen.mp3

    tags = mutagen.mp3.MP3(mp3).tags
    assert str(tags["TIT2"]) == "The gate" and str(tags["TALB"]) == "Test Memorial"


def test_room_noise_before_the_reading_is_cut_and_the_captions_move_with_it(
    tmp_path: Path, cli: CliRunner
) -> None:
    root = recorded_tour(tmp_path / "tour", "recording: en.wav\n")
    reading = make_reading(root / "stops" / "gate" / "en.wav", root, lead_s=3.0)
    report = build(cli, root)
    assert narration(report, "gate", "en")["voice"] == "en.wav"  # no narrator named: the file
    cues = read_cues(output(root / "audio", "en/gate.vtt"))
    seconds = assert_complete_mp3(output(root / "audio", "en/gate.mp3"))
    assert 0.2 <= cues[0].start <= 0.7, cues[0]
    assert reading.seconds - seconds > 2.5
    cut = reading.spans[0][0] - cues[0].start  # what was cut before the first sentence
    error = errors(cues, reading.spans, shift=cut)
    assert np.median(error) <= 0.25 and np.percentile(error, 95) <= 0.6, error.round(2)


def test_only_what_changed_is_made_again(recorded, cli: CliRunner) -> None:
    root, _, _ = recorded
    audio = root / "audio"
    before, times, current = snapshot(audio), mtimes(audio), current_times(audio)
    report = build(cli, root)
    assert set(statuses(report).values()) == {"unchanged"}
    assert snapshot(audio) == before and mtimes(audio) == times

    # A corrected word re-aligns the recording; the other narration is not touched.
    md = root / "stops" / "gate" / "en.md"
    md.write_text(md.read_text(encoding="utf-8").replace("many of them", "many"), encoding="utf-8")
    report = build(cli, root)
    assert statuses(report) == {("gate", "en"): "built", ("wall", "en"): "unchanged"}
    after = current_times(audio)
    assert after["en/wall.mp3"] == current["en/wall.mp3"] and after["en/wall.vtt"] == current["en/wall.vtt"]
    cues = read_cues(output(audio, "en/gate.vtt"))
    assert cues[1].text == "Visitors enter here in silence, and many bring flowers."

    # A new take of the recording is published; again nothing else is.
    current = current_times(audio)
    old_version = manifest(root)["stops"]["gate"]["en"]["engine_version"]
    make_reading(root / "stops" / "gate" / "en.wav", root, gaps=(0.3, 0.7, 0.7, 1.2, 0.6, 0.8))
    report = build(cli, root)
    assert statuses(report) == {("gate", "en"): "built", ("wall", "en"): "unchanged"}
    assert manifest(root)["stops"]["gate"]["en"]["engine_version"] != old_version
    assert current_times(audio)["en/wall.mp3"] == current["en/wall.mp3"]


def test_a_corrupt_recording_fails_alone_and_keeps_the_published_audio(recorded, cli: CliRunner) -> None:
    root, _, _ = recorded
    audio = root / "audio"
    published_gate = (output(audio, "en/gate.mp3")).read_bytes(), (output(audio, "en/gate.vtt")).read_bytes()
    entry = manifest(root)["stops"]["gate"]["en"]
    (root / "stops" / "gate" / "en.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEnot really audio" * 20)
    md = root / "stops" / "wall" / "en.md"
    md.write_text(md.read_text(encoding="utf-8").replace("wall of names", "wall of the names"), "utf-8")
    report = build(cli, root, exit_code=1)
    assert statuses(report) == {("gate", "en"): "failed", ("wall", "en"): "built"}
    error = narration(report, "gate", "en")["error"]
    assert error.startswith("recording stops/gate/en.wav cannot be decoded"), error
    assert ((output(audio, "en/gate.mp3")).read_bytes(), (output(audio, "en/gate.vtt")).read_bytes()) == (
        published_gate
    )
    assert manifest(root)["stops"]["gate"]["en"] == entry


def test_a_recording_unlike_its_text_fails_with_the_reason(recorded, cli: CliRunner) -> None:
    root, _, _ = recorded
    wav = root / "stops" / "gate" / "en.wav"
    rng = np.random.default_rng(1)
    tone = np.sin(np.arange(RATE * 2) * 2 * np.pi * 300 / RATE) * 8000 + rng.normal(0, 20, RATE * 2)
    wav.write_bytes(pcm_to_wav_bytes(Pcm(tone.astype(np.int16), RATE)))
    report = build(cli, root, exit_code=1)
    error = narration(report, "gate", "en")["error"]
    assert error.startswith("recording stops/gate/en.wav does not match the text:"), error
    assert narration(report, "wall", "en")["status"] == "unchanged"


def test_without_a_guide_voice_the_captions_are_spaced_by_length(tmp_path: Path, cli: CliRunner) -> None:
    root = recorded_tour(tmp_path / "tour")
    tour_yaml = root / "tour.yaml"
    tour_yaml.write_text(tour_yaml.read_text().replace("{espeak: en}", "{espeak: no-such-voice}"), "utf-8")
    shutil.rmtree(root / "stops" / "wall")  # its synthetic voice is gone too
    reading = make_reading(root / "stops" / "gate" / "en.wav", root)
    result = invoke(cli, "build", "-p", root, "--offline", "--no-posters")
    assert result.exit_code == 0, describe(result)
    assert "captions of en.wav are spaced by sentence length" in stderr_of(result) + result.stdout
    cues = read_cues(output(root / "audio", "en/gate.vtt"))
    assert len(cues) == len(SENTENCES) and cues[0].start == 0
    assert all(a.end == b.start for a, b in itertools.pairwise(cues))
    assert cues[-1].end <= reading.seconds


def test_check_reads_the_recording_and_its_pace(tmp_path: Path, cli: CliRunner) -> None:
    root = recorded_tour(tmp_path / "tour")
    wav = root / "stops" / "gate" / "en.wav"
    make_reading(wav, root)
    result = invoke(cli, "check", "-p", root)
    assert result.exit_code == 0 and "recording" not in result.output, describe(result)

    # 61 words in 4 seconds: not a reading of this text.
    wav.write_bytes(pcm_to_wav_bytes(Pcm(np.zeros(RATE * 4, np.int16), RATE)))
    result = invoke(cli, "check", "-p", root)
    assert result.exit_code == 0, describe(result)
    warning = "stops/gate/en.md:3: warning: recording 'en.wav' lasts 0:04 for 61 words (915 words a minute)"
    assert warning in result.output

    wav.write_bytes(b"not audio at all" * 100)
    result = invoke(cli, "check", "-p", root)
    assert result.exit_code == 1, describe(result)
    assert "stops/gate/en.md:3: error: recording 'en.wav' cannot be read: no audio found" in (
        stderr_of(result) + result.stdout
    )
