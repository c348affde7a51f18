"""Assembling one narration from the sentence cache in bounded memory.

The sentences are read from the cache one at a time, with their pauses generated as silence,
each time the normalizer and the encoder make a pass; the narration itself is never held whole
(a 3-hour narration would be 476 MB of int16, four times that as the float arrays processing
it needs), only a chunk at a time and per-block summaries.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from audioguide.atomic import atomic_open, atomic_path
from audioguide.audio.captions import Cue, render_vtt
from audioguide.audio.mp3 import encode_to_targets
from audioguide.audio.stream import chunk_samples
from audioguide.build.cache import SentenceCache

if TYPE_CHECKING:
    from audioguide.build.workers import AssemblyJob


class CachedNarration:
    """The sentences of a narration joined with their pauses, as int16 chunks read afresh from
    the cache on each call; the caption cues are timed on the way."""

    def __init__(
        self, cache_dir: Path, keys: tuple[str, ...], gaps_ms: tuple[int, ...], sample_rate: int
    ) -> None:
        self.cache = SentenceCache(cache_dir)
        self.keys = keys
        self.gaps_ms = gaps_ms
        self.sample_rate = sample_rate
        self.spans: list[tuple[int, int]] = []  # each sentence's first and last sample + 1
        self.length: int | None = None

    def __call__(self) -> Iterator[np.ndarray]:
        size = chunk_samples(self.sample_rate)
        spans: list[tuple[int, int]] = []
        position = 0
        for index, (key, gap_ms) in enumerate(zip(self.keys, self.gaps_ms, strict=True)):
            pcm = self.cache.load(key)
            if pcm is None or pcm.sample_rate != self.sample_rate:
                raise RuntimeError("a cached sentence vanished during the build; run the build again")
            if index:
                silence = int(gap_ms * self.sample_rate / 1000)
                for start in range(0, silence, size):
                    yield np.zeros(min(size, silence - start), dtype=np.int16)
                position += silence
            yield pcm.samples
            spans.append((position, position + len(pcm.samples)))
            position += len(pcm.samples)
        if self.length is not None and (position, spans) != (self.length, self.spans):
            raise RuntimeError("a cached sentence changed during the build; run the build again")
        self.length, self.spans = position, spans

    def cues(self, texts: tuple[str, ...]) -> list[Cue]:
        rate = self.sample_rate
        return [
            Cue(start / rate, end / rate, text) for (start, end), text in zip(self.spans, texts, strict=True)
        ]


def assemble_narration(job: AssemblyJob) -> float:
    """Join sentences with their pauses, normalize the whole file, write MP3 and VTT atomically;
    returns the narration's duration in seconds."""
    rate = job.settings.sample_rate
    narration = CachedNarration(job.cache_dir, job.keys, job.gaps_ms, rate)
    with atomic_path(job.mp3_path) as temp:
        length = encode_to_targets(narration, rate, job.settings, job.tags, temp)
    with atomic_open(job.vtt_path, "w") as handle:
        handle.write(render_vtt(narration.cues(job.texts), job.tags.language))
    return length / rate
