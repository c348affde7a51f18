"""One narration (a stop in one language) on its way through a build: its voice chain, where it
stands in it, its plan, the sentences it still waits for, and its report."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from audioguide.atomic import TEMP_PREFIX
from audioguide.audio.mp3 import Mp3Tags
from audioguide.build.plan import NarrationPlan, plan_narration
from audioguide.build.report import NarrationReport
from audioguide.build.workers import AssemblyJob
from audioguide.engines.base import Voice
from audioguide.tour.model import Stop, Tour
from audioguide.tour.schema import VoiceChoice


def staging_paths(audio_dir: Path, stop_id: str, lang: str) -> tuple[Path, Path]:
    """Where a worker leaves a narration's MP3 and captions for the build to publish.

    Workers never publish: they write these temp names, and only the build's own process gives
    them their published (content-addressed) names and records them in the manifest
    (build/publish.py). A worker orphaned by a kill -9 of the build can only leave a temp file,
    which the next build removes, never a published file that disagrees with the manifest.
    """
    lang_dir = audio_dir / lang
    unique = f"{stop_id}-{os.getpid()}-{secrets.token_hex(4)}"
    return lang_dir / f"{TEMP_PREFIX}{unique}.mp3", lang_dir / f"{TEMP_PREFIX}{unique}.vtt"


@dataclass(eq=False)  # compared by identity: two narrations are never "equal"
class NarrationJob:
    stop: Stop
    lang: str
    chain: list[VoiceChoice]
    report: NarrationReport
    position: int = 0  # the chain's entry tried now
    plan: NarrationPlan | None = None
    missing: set[str] = field(default_factory=set)  # sentence keys still being synthesized

    @property
    def label(self) -> str:
        return f"{self.stop.id} ({self.lang})"

    @property
    def choice(self) -> VoiceChoice:
        return self.chain[self.position]

    def pass_over(self, reason: str) -> None:
        """The current entry of the chain cannot be used: say why, and go to the next."""
        self.report.tried.append(reason)
        self.position += 1

    def use(self, voice: Voice, tour: Tour) -> None:
        """Plan the narration with `voice`."""
        narration = self.stop.narrations[self.lang]
        tags = Mp3Tags(
            title=narration.title,
            album=tour.config.title.get(self.lang, ""),
            track=self.stop.number,
            language=self.lang,
        )
        self.plan = plan_narration(narration.script, tour.lexicons[self.lang], voice, tour.config.audio, tags)
        self.report.engine, self.report.voice = voice.engine, voice.name

    def fail_over(self, reason: str) -> None:
        """The engine in use failed: record why and leave it; a voice picker plans the next."""
        self.pass_over(f"{self.choice}: {reason}")
        self.plan = None

    def fail(self, error: str) -> None:
        self.report.status = "failed"
        self.report.error = error
        self.report.engine = self.report.voice = None
        self.plan = None

    def assembly(self, cache_dir: Path, audio_dir: Path) -> AssemblyJob:
        assert self.plan
        plan = self.plan
        mp3_path, vtt_path = staging_paths(audio_dir, self.stop.id, self.lang)
        return AssemblyJob(
            keys=plan.keys,
            gaps_ms=plan.gaps,
            texts=tuple(s.text for s in plan.sentences),
            settings=plan.settings,
            tags=plan.tags,
            cache_dir=cache_dir,
            mp3_path=mp3_path,
            vtt_path=vtt_path,
        )
