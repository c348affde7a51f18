"""What a narration will sound like, before any synthesis: sentences, gaps, and the input hash."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Any

from audioguide.audio.mp3 import Mp3Tags
from audioguide.build.cache import CACHE_FORMAT, sentence_key
from audioguide.engines import Voice
from audioguide.published import TranscriptBlock, transcript_of
from audioguide.tour.lexicon import Lexicon
from audioguide.tour.schema import AudioSettings
from audioguide.tour.script import Pause, Script

OUTPUT_FORMAT = 1  # bump when assembly (joining, loudness, encoding) changes


@dataclass(frozen=True)
class SpokenSentence:
    text: str  # caption text, as visitors read it
    spoken: str  # after the lexicon


def spoken_sentences(script: Script, lexicon: Lexicon) -> list[SpokenSentence]:
    return [SpokenSentence(s.text, lexicon.apply(s.spoken)) for s in script.sentences()]


def gaps_ms(script: Script, settings: AudioSettings, *, pauses: bool = True) -> list[int]:
    """Silence before each sentence. An explicit [pause] sets the gap at its place (unless
    `pauses` is false); otherwise a sentence gap inside a paragraph and a paragraph gap between
    paragraphs. The first is 0."""
    gaps: list[int] = []
    explicit: int | None = None
    after_paragraph = False
    for block in script.blocks:
        for item in block.items:
            if isinstance(item, Pause):
                if pauses:
                    explicit = (explicit or 0) + item.milliseconds
                continue
            if not gaps:
                gaps.append(0)
            elif explicit is not None:
                gaps.append(explicit)
            else:
                gaps.append(settings.paragraph_pause_ms if after_paragraph else settings.sentence_pause_ms)
            explicit = None
            after_paragraph = False
        after_paragraph = after_paragraph or bool(gaps)
    return gaps


@dataclass(frozen=True, kw_only=True)
class PlannedText:
    """What every narration is made from, whoever speaks it (a voice, or a person's recording:
    build/recordings.py): its sentences, their cache keys, the gaps, the tags and the settings."""

    sentences: tuple[SpokenSentence, ...]
    keys: tuple[str, ...]
    gaps: tuple[int, ...]
    tags: Mp3Tags
    settings: AudioSettings
    transcript: tuple[TranscriptBlock, ...] = ()

    @property
    def speech(self) -> tuple[tuple[str, SpokenSentence], ...]:
        """(cache key, sentence) of every sentence a voice speaks for this plan."""
        return tuple(zip(self.keys, self.sentences, strict=True))

    def _digest(self, material: dict[str, Any]) -> str:
        """The input hash of `material` and of what every plan is made from."""
        material = {
            **material,
            "gaps": self.gaps,
            "captions": [s.text for s in self.sentences],
            "transcript": [block.to_json() for block in self.transcript],
            "tags": asdict(self.tags),
            # max_minutes only tunes a `check` warning: raising it must not rebuild every narration.
            "settings": {k: v for k, v in asdict(self.settings).items() if k != "max_minutes"},
        }
        return hashlib.sha256(json.dumps(material, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class NarrationPlan(PlannedText):
    voice: Voice

    @property
    def source(self) -> tuple[str, str, str]:
        """(engine, voice, engine version), as the manifest records them."""
        return self.voice.engine, self.voice.name, self.voice.fingerprint

    @property
    def input_hash(self) -> str:
        return self._digest({"format": [OUTPUT_FORMAT, CACHE_FORMAT], "keys": self.keys})


def plan_narration(
    script: Script, lexicon: Lexicon, voice: Voice, settings: AudioSettings, tags: Mp3Tags
) -> NarrationPlan:
    sentences = tuple(spoken_sentences(script, lexicon))
    keys = tuple(sentence_key(voice, s.spoken, settings.sample_rate) for s in sentences)
    return NarrationPlan(
        voice,
        sentences=sentences,
        keys=keys,
        gaps=tuple(gaps_ms(script, settings)),
        tags=tags,
        settings=settings,
        transcript=transcript_of(script),
    )
