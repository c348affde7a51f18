"""Recorded narration: a person's reading (front matter `recording:`) published instead of a voice.

The recording is the audio; no voice engine speaks for it. eSpeak still speaks every sentence
into the sentence cache, as a "guide" whose sentence times are known, and the worker aligns the
guide to the recording for the captions (build/recording_assembly.py). When eSpeak cannot speak
the language the captions are spaced by sentence length instead, with a warning. The input hash
covers the recording's bytes and the text, so the narration is made again only when either
changes. `check_recordings` is what `audioguide check` says about the files.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from audioguide.audio.align import PLAUSIBLE_WPM, words_per_minute_plausible
from audioguide.audio.mp3 import Mp3Tags, probe_duration
from audioguide.build.cache import CACHE_FORMAT, sentence_key
from audioguide.build.plan import OUTPUT_FORMAT, PlannedText, SpokenSentence, gaps_ms, spoken_sentences
from audioguide.build.recording_assembly import RecordingJob
from audioguide.build.report import Notice
from audioguide.engines.base import Voice
from audioguide.engines.registry import get_engine
from audioguide.errors import EngineError
from audioguide.published import RECORDING_ENGINE, sha256_file, transcript_of
from audioguide.tour.diagnostics import Diagnostics
from audioguide.tour.lexicon import Lexicon
from audioguide.tour.model import Narration, Tour
from audioguide.tour.recording import Recording
from audioguide.tour.schema import AudioSettings, VoiceChoice

if TYPE_CHECKING:
    from audioguide.build.narration import NarrationJob

GUIDE_ENGINE = "espeak"  # every language, offline, and steady enough to align against
RECORDING_FORMAT = 1  # bump when the recording's assembly (alignment, trimming) changes


def guide_chain(configured: list[VoiceChoice] | None) -> list[VoiceChoice]:
    """The guide's voice: the eSpeak voice the tour configures for the language, else eSpeak's."""
    return [next((c for c in configured or [] if c.engine == GUIDE_ENGINE), VoiceChoice(GUIDE_ENGINE))]


@dataclass(frozen=True)
class RecordingPlan(PlannedText):
    """A recorded narration before its assembly, read by the scheduler and the publisher like a
    NarrationPlan; its `keys` are the guide's sentences."""

    recording: Recording
    recording_sha256: str
    voice: Voice | None  # the guide's; None: captions spaced by sentence length

    @property
    def speech(self) -> tuple[tuple[str, SpokenSentence], ...]:
        return super().speech if self.voice else ()  # no guide: nothing to speak

    @property
    def source(self) -> tuple[str, str, str]:
        """(engine, voice, engine version), as the manifest records them."""
        reader = self.recording.narrator or self.recording.path.name
        return RECORDING_ENGINE, reader, f"recording sha256:{self.recording_sha256[:12]}"

    @property
    def input_hash(self) -> str:
        return self._digest(
            {
                "format": [RECORDING_FORMAT, OUTPUT_FORMAT, CACHE_FORMAT],
                "recording": self.recording_sha256,
                "reader": self.source[1],
                # The guide's keys hold its voice and the spoken text: a new text aligns again.
                "guide": self.keys if self.voice else [s.spoken for s in self.sentences],
            }
        )

    def assembly(self, cache_dir: Path, mp3_path: Path, vtt_path: Path, name: str) -> RecordingJob:
        return RecordingJob(
            recording=self.recording.path,
            name=name,
            keys=self.keys,
            gaps_ms=self.gaps,
            texts=tuple(s.text for s in self.sentences),
            weights=tuple(len(s.spoken) for s in self.sentences),
            settings=self.settings,
            tags=self.tags,
            cache_dir=cache_dir,
            mp3_path=mp3_path,
            vtt_path=vtt_path,
        )


def plan_recording(
    narration: Narration, lexicon: Lexicon, guide: Voice | None, settings: AudioSettings, tags: Mp3Tags
) -> RecordingPlan:
    recording = narration.recording
    assert recording is not None
    sentences = tuple(spoken_sentences(narration.script, lexicon))
    keys = tuple(sentence_key(guide, s.spoken, settings.sample_rate) for s in sentences) if guide else ()
    try:
        digest = sha256_file(recording.path)
    except OSError:
        # Gone or unreadable since the tour was read: never up to date, and the worker's attempt
        # to decode it fails this narration alone, with the reason.
        digest = ""
    return RecordingPlan(
        recording=recording,
        recording_sha256=digest,
        voice=guide,
        sentences=sentences,
        keys=keys,
        # A [pause] in the text marks nothing in a recording: the reader paused or did not.
        gaps=tuple(gaps_ms(narration.script, settings, pauses=False)),
        tags=tags,
        settings=settings,
        transcript=transcript_of(narration.script),
    )


def unaligned_notices(narrations: list[NarrationJob]) -> Iterator[Notice]:
    """A warning for each recording built with captions spaced by length, not aligned."""
    for job in narrations:
        plan = job.plan
        if isinstance(plan, RecordingPlan) and plan.voice is None and job.report.status == "built":
            why = "; ".join(job.report.tried) or "no guide voice"
            yield Notice(
                "warning",
                f"{job.label}: the captions of {plan.recording.path.name} are spaced by sentence length,"
                f" not aligned to the reading ({why}); the highlighted sentence may run ahead or behind",
            )


def check_recordings(tour: Tour, diags: Diagnostics) -> None:
    """Each recording must decode, and last about as long as a reading of its text takes."""
    for stop in tour.stops:
        for lang, narration in stop.narrations.items():
            recording = narration.recording
            if recording is None:
                continue
            name = recording.path.name
            try:
                seconds = probe_duration(recording.path)
            except ValueError as exc:
                diags.error(narration.path, recording.line, f"recording '{name}' cannot be read: {exc}")
                continue
            words = sum(len(s.spoken.split()) for s in narration.script.sentences())
            if not words_per_minute_plausible(words, seconds):
                low, high = PLAUSIBLE_WPM
                rate = f"{words * 60 / seconds:.0f}" if seconds > 0 else "no"
                shortest, longest = _clock(words * 60 / high), _clock(words * 60 / low)
                diags.warning(
                    narration.path,
                    recording.line,
                    f"recording '{name}' lasts {_clock(seconds)} for {words} words ({rate} words a minute):"
                    f" a reading of this text takes {shortest} to {longest}; is it the right file,"
                    " and all of it?",
                )
            guide = guide_chain(tour.voices_for(stop, lang))[0]
            try:
                get_engine(GUIDE_ENGINE).resolve(lang, guide.voice, tour.root)
            except EngineError as exc:
                diags.warning(
                    narration.path,
                    recording.line,
                    f"the captions of '{name}' will be spaced by sentence length, not aligned ({exc})",
                )


def _clock(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"
