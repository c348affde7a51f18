"""Assembling a recorded narration (in a worker process): decode the person's recording, time its
captions to it, and write the MP3 and WebVTT the same way a synthetic narration is written.

The captions come from forced alignment (audio/align.py): the narration's sentences, spoken by
eSpeak into the sentence cache (the "guide"), are warped onto the recording. Without a guide
(eSpeak cannot speak the language) the sentences share the recording by their length instead.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from audioguide.atomic import atomic_open, atomic_path
from audioguide.audio.align import AlignmentError, align_sentences, join_sentences
from audioguide.audio.captions import Cue, render_vtt
from audioguide.audio.mp3 import Mp3Tags, decode_to_pcm, encode_to_targets
from audioguide.audio.pcm import Pcm, trim_silence
from audioguide.build.cache import SentenceCache
from audioguide.build.workers import AssemblyOutcome
from audioguide.tour.schema import AudioSettings

# Of the recording's silence before the first sentence and after the last, this much is kept
# (a phone recording often starts with seconds of room noise before the reader begins): as
# much as a listener expects before speech, and room for the last word's fading.
LEAD_S = 0.4
TAIL_S = 0.8


@dataclass(frozen=True)
class RecordingJob:
    recording: Path
    name: str  # the recording as staff know it, e.g. stops/gate/en.m4a: every error names it
    keys: tuple[str, ...]  # the guide's sentences in the cache; empty: no guide
    gaps_ms: tuple[int, ...]  # the guide's silence before each sentence
    texts: tuple[str, ...]  # caption text per sentence
    weights: tuple[int, ...]  # per sentence, its share of the recording when there is no guide
    settings: AudioSettings
    tags: Mp3Tags
    cache_dir: Path
    mp3_path: Path
    vtt_path: Path


def assemble_recording(job: RecordingJob) -> AssemblyOutcome:
    """The recording, loudness-normalized and encoded as MP3, with one caption cue per sentence;
    every failure comes back as this narration's error, naming the file."""
    try:
        return _assemble(job)
    except AlignmentError as exc:
        return AssemblyOutcome(error=f"recording {job.name} does not match the text: {exc}")
    except Exception as exc:  # reported per stop; the other stops go on
        return AssemblyOutcome(error=f"recording {job.name}: {type(exc).__name__}: {exc}")


def _assemble(job: RecordingJob) -> AssemblyOutcome:
    rate = job.settings.sample_rate
    try:
        recording = decode_to_pcm(job.recording, rate)
    except (ValueError, RuntimeError, OSError) as exc:
        return AssemblyOutcome(error=f"recording {job.name} cannot be decoded: {exc}")
    if not len(recording.samples):
        return AssemblyOutcome(error=f"recording {job.name} has no audio")
    if job.keys:
        spans = _aligned(recording, job)
        # Cut the silence around the reading; the cues move with the cut.
        first = max(0, round((spans[0][0] - LEAD_S) * rate))
        last = min(len(recording.samples), round((spans[-1][1] + TAIL_S) * rate))
        samples = recording.samples[first:last]
        shift = first / rate
        cues = [Cue(start - shift, end - shift, text) for (start, end), text in _with(spans, job)]
    else:
        trimmed = trim_silence(recording)
        if not len(trimmed.samples):
            return AssemblyOutcome(error=f"recording {job.name} is silent")
        samples = trimmed.samples
        cues = [Cue(start, end, text) for (start, end), text in _with(_by_length(trimmed, job.weights), job)]
    with atomic_path(job.mp3_path) as temp:
        length = encode_to_targets(samples, rate, job.settings, job.tags, temp)
    with atomic_open(job.vtt_path, "w") as handle:
        handle.write(render_vtt(cues, job.tags.language))
    return AssemblyOutcome(duration=length / rate)


def _with(spans: list[tuple[float, float]], job: RecordingJob) -> zip[tuple[tuple[float, float], str]]:
    return zip(spans, job.texts, strict=True)


def _aligned(recording: Pcm, job: RecordingJob) -> list[tuple[float, float]]:
    """Each sentence's (start, end) in the recording, carried over from the guide's."""
    cache = SentenceCache(job.cache_dir)
    sentences = []
    for key in job.keys:
        pcm = cache.load(key)
        if pcm is None or pcm.sample_rate != recording.sample_rate:
            raise RuntimeError("a cached sentence vanished during the build; run the build again")
        sentences.append(pcm)
    guide, spans = join_sentences(sentences, [gap / 1000 for gap in job.gaps_ms])
    return align_sentences(recording, guide, spans)


def _by_length(recording: Pcm, weights: tuple[int, ...]) -> list[tuple[float, float]]:
    """Consecutive spans over the whole recording, each as long as its share of the text."""
    edges = np.concatenate(([0.0], np.cumsum(np.maximum(weights, 1), dtype=float)))
    edges *= recording.seconds / edges[-1]
    return [(float(a), float(b)) for a, b in itertools.pairwise(edges)]
