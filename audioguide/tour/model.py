"""A tour in memory: the tour, its stops and their narrations, as read by tour.load."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from audioguide.tour.lexicon import Lexicon
from audioguide.tour.recording import Recording
from audioguide.tour.schema import StopConfig, TourConfig, VoiceChoice
from audioguide.tour.script import Script

# What a QR code encodes is {base_url}{SCAN_PREFIX}{id}: posters, `audioguide check` and the web
# app's route all read this one definition, because a printed code must keep resolving.
SCAN_PREFIX = "/s/"


def scan_path(stop_id: str) -> str:
    """The path a stop's QR code opens: the stable id, nothing else."""
    return f"{SCAN_PREFIX}{stop_id}"


def scan_base(url: str) -> str:
    """The base URL a scan URL was made from (the part before /s/<id>)."""
    return url.rsplit(SCAN_PREFIX, 1)[0]


@dataclass
class Narration:
    """One stop's narration in one language."""

    lang: str
    path: Path
    title: str
    script: Script
    needs_review: bool = False
    notes: str | None = None
    recording: Recording | None = None  # a person's reading, spoken instead of a voice engine


@dataclass
class Stop:
    id: str
    path: Path  # the stop's folder
    config: StopConfig
    narrations: dict[str, Narration] = field(default_factory=dict)

    @property
    def number(self) -> int:
        return self.config.number or 0

    @property
    def aliases(self) -> list[str]:
        return self.config.aliases

    def title(self, lang: str, fallback: str) -> str:
        narration = self.narrations.get(lang) or self.narrations.get(fallback)
        return narration.title if narration else self.id


@dataclass
class Tour:
    root: Path
    config: TourConfig
    stops: list[Stop]  # in number order
    lexicons: dict[str, Lexicon]

    @property
    def languages(self) -> list[str]:
        return self.config.languages

    @property
    def default_language(self) -> str:
        return self.config.languages[0]

    @property
    def base_url(self) -> str:
        return self.config.base_url

    @property
    def audio_dir(self) -> Path:
        return self.root / "audio"

    @property
    def qr_dir(self) -> Path:
        return self.root / "qr"

    @property
    def has_locations(self) -> bool:
        """Whether a stop has a location: the site has a plan (web/plan.py)."""
        return any(stop.config.location is not None for stop in self.stops)

    def stop_url(self, stop_id: str) -> str:
        """What a QR code encodes: the stable id, nothing else."""
        return self.base_url + scan_path(stop_id)

    def stop(self, stop_id: str) -> Stop | None:
        """Find a stop by its id or by one of its old ids (aliases)."""
        for stop in self.stops:
            if stop.id == stop_id or stop_id in stop.aliases:
                return stop
        return None

    def voices_for(self, stop: Stop, lang: str) -> list[VoiceChoice] | None:
        """The engines configured for a stop and language; None means the built-in defaults."""
        return stop.config.voices.get(lang) or self.config.voices.get(lang)
