"""Alignment on real speech: an eSpeak guide against another voice, pace, noise and padding.

The "recording" is spoken by an engine too, so its sentence times are known exactly: eSpeak's
en-us voice at another pace with longer pauses (fast tests), or Piper (slow).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from audioguide.audio.align import AlignmentError, align_sentences, join_sentences
from audioguide.audio.pcm import Pcm, resample, trim_silence
from audioguide.engines import espeak
from audioguide.engines.registry import get_engine

RATE = 22050
SENTENCES = [
    "The camp was opened in the winter of nineteen thirty eight.",
    "Thousands of women were sent here because of their husbands.",
    "Many of them never saw their children again.",
    "Today a memorial stands on the site of the former camp.",
    "Please take a moment of silence before you go on.",
]
MEDIAN_S, WORST_S = 0.25, 0.6

Reading = tuple[Pcm, list[tuple[float, float]]]


def read(engine: str, voice: str | None, gaps_s: list[float], sentences: list[str] = SENTENCES) -> Reading:
    speaker = get_engine(engine)
    resolved = speaker.resolve("en", voice, Path("."))
    pieces = [trim_silence(resample(speaker.synthesize(text, resolved), RATE)) for text in sentences]
    return join_sentences(pieces, gaps_s)


def gaps(seconds: float, count: int = len(SENTENCES)) -> list[float]:
    return [0.0] + [seconds] * (count - 1)


@pytest.fixture(scope="module")
def guide() -> Reading:
    return read("espeak", None, gaps(0.45))


@pytest.fixture(scope="module")
def paced() -> Callable[[int], Reading]:
    """eSpeak's en-us voice at `wpm` words a minute with 0.7 s pauses: another voice and pace."""
    readings: dict[int, Reading] = {}

    def reading(wpm: int) -> Reading:
        if wpm not in readings:
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(espeak, "WORDS_PER_MINUTE", wpm)
                readings[wpm] = read("espeak", "en-us", gaps(0.7))
        return readings[wpm]

    return reading


def start_errors(aligned: list[tuple[float, float]], truth: list[tuple[float, float]]) -> np.ndarray:
    assert len(aligned) == len(truth)
    return np.array([abs(a[0] - t[0]) for a, t in zip(aligned, truth, strict=True)])


def assert_well_formed(aligned: list[tuple[float, float]], seconds: float) -> None:
    previous = 0.0
    for start, end in aligned:
        assert previous <= start < end <= seconds
        previous = end


def assert_close(aligned: list[tuple[float, float]], truth: list[tuple[float, float]]) -> None:
    errors = start_errors(aligned, truth)
    assert np.median(errors) <= MEDIAN_S, errors
    assert errors.max() <= WORST_S, errors


def with_noise(pcm: Pcm, snr_db: float, lead_s: float = 0.0) -> Pcm:
    """White noise `snr_db` below the speech, over the whole file and `lead_s` of it in front."""
    signal = np.concatenate([np.zeros(int(lead_s * pcm.sample_rate)), pcm.samples.astype(np.float64)])
    speech_power = np.mean(pcm.samples[np.abs(pcm.samples) > 160].astype(np.float64) ** 2)
    noise = np.random.default_rng(7).standard_normal(len(signal)) * np.sqrt(
        speech_power / 10 ** (snr_db / 10)
    )
    return Pcm(np.clip(np.round(signal + noise), -32768, 32767).astype(np.int16), pcm.sample_rate)


@pytest.mark.parametrize("wpm", [130, 175])  # about 15 % slower and faster than the guide's 150
def test_another_voice_at_another_pace(guide: Reading, paced: Callable[[int], Reading], wpm: int) -> None:
    recording, truth = paced(wpm)
    aligned = align_sentences(recording, *guide)
    assert_well_formed(aligned, recording.seconds)
    assert_close(aligned, truth)


def test_no_pauses_to_snap_to(guide: Reading) -> None:
    """Sentences run together: the warping path alone has to place them."""
    recording, truth = read("espeak", "en-us", gaps(0.0))
    assert_close(align_sentences(recording, *guide), truth)


def test_noise_at_20_db_snr(guide: Reading, paced: Callable[[int], Reading]) -> None:
    recording, truth = paced(150)
    noisy = with_noise(recording, 20.0)
    aligned = align_sentences(noisy, *guide)
    assert_well_formed(aligned, noisy.seconds)
    assert_close(aligned, truth)


def test_room_noise_before_the_first_word(guide: Reading, paced: Callable[[int], Reading]) -> None:
    """2.5 s of hiss before the narrator starts must not be taken for the first sentence."""
    recording, truth = paced(150)
    padded = with_noise(recording, 30.0, lead_s=2.5)
    aligned = align_sentences(padded, *guide)
    assert_close(aligned, [(start + 2.5, end + 2.5) for start, end in truth])
    assert aligned[0][0] > 2.2


def test_one_sentence_is_the_speech_in_the_recording(paced: Callable[[int], Reading]) -> None:
    guide = read("espeak", None, [0.0], SENTENCES[:1])
    speech, _ = read("espeak", "en-us", [0.0], SENTENCES[:1])
    recording = Pcm(
        np.concatenate([np.zeros(RATE, np.int16), speech.samples, np.zeros(RATE, np.int16)]), RATE
    )
    [(start, end)] = align_sentences(recording, *guide)
    assert abs(start - 1.0) <= 0.1
    assert abs(end - (1.0 + speech.seconds)) <= 0.1


def test_a_recording_far_too_short_is_refused(guide: Reading) -> None:
    short, _ = read("espeak", "en-us", [0.0], SENTENCES[:1])
    with pytest.raises(AlignmentError, match="does not look like a reading of this text"):
        align_sentences(short, *guide)


def test_a_silent_recording_is_refused(guide: Reading) -> None:
    hiss = np.random.default_rng(3).standard_normal(10 * RATE) * 300  # room noise only, no speech
    silent = Pcm(hiss.astype(np.int16), RATE)
    with pytest.raises(AlignmentError):
        align_sentences(silent, *guide)


def test_impossible_guide_times_are_refused(guide: Reading) -> None:
    pcm, spans = guide
    with pytest.raises(AlignmentError, match="no sentences"):
        align_sentences(pcm, pcm, [])
    with pytest.raises(AlignmentError, match="sentence 2"):
        align_sentences(pcm, pcm, [spans[1], spans[0]])


def test_long_input_is_warped_window_by_window(
    guide: Reading, paced: Callable[[int], Reading], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past MAX_CELLS the path is found in windows; here forced on a short pair."""
    from audioguide.audio import align

    monkeypatch.setattr(align, "MAX_CELLS", 0)
    monkeypatch.setattr(align, "WINDOW_S", 4.0)
    recording, truth = paced(175)
    assert_close(align_sentences(recording, *guide), truth)


@pytest.mark.slow
def test_piper_recording(guide: Reading) -> None:
    recording, truth = read("piper", None, gaps(0.6))
    aligned = align_sentences(recording, *guide)
    assert_well_formed(aligned, recording.seconds)
    assert_close(aligned, truth)
