"""One narration (a stop in one language) on its way through a build: its voice chain, where it
stands in it, its plan, the sentences it still waits for, and its report. A recorded narration
(build/recordings.py) goes the same way; its chain is only the caption guide's voice."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from audioguide.atomic import TEMP_PREFIX
from audioguide.audio.mp3 import Mp3Tags
from audioguide.build.plan import NarrationPlan, plan_narration
from audioguide.build.recording_assembly import RecordingJob
from audioguide.build.recordings import RecordingPlan, plan_recording
from audioguide.build.report import NarrationReport
from audioguide.build.workers import AssemblyJob
from audioguide.engines.base import Voice
from audioguide.published import RECORDING_ENGINE
from audioguide.tour.model import Stop, Tour
from audioguide.tour.recording import Recording
from audioguide.tour.schema import VoiceChoice

Assembly = AssemblyJob | RecordingJob  # what a worker makes a narration's files from


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
    plan: NarrationPlan | RecordingPlan | None = None
    missing: set[str] = field(default_factory=set)  # sentence keys still being synthesized

    @property
    def label(self) -> str:
        return f"{self.stop.id} ({self.lang})"

    @property
    def recording(self) -> Recording | None:
        return self.stop.narrations[self.lang].recording

    @property
    def choice(self) -> VoiceChoice:
        return self.chain[self.position]

    def pass_over(self, reason: str) -> None:
        """The current entry of the chain cannot be used: say why, and go to the next."""
        self.report.tried.append(reason)
        self.position += 1

    def _tags(self, tour: Tour) -> Mp3Tags:
        return Mp3Tags(
            title=self.stop.narrations[self.lang].title,
            album=tour.config.title.get(self.lang, ""),
            track=self.stop.number,
            language=self.lang,
        )

    def use(self, voice: Voice, tour: Tour) -> None:
        """Plan the narration with `voice`."""
        script = self.stop.narrations[self.lang].script
        lexicon = tour.lexicons[self.lang]
        self.plan = plan_narration(script, lexicon, voice, tour.config.audio, self._tags(tour))
        self.report.engine, self.report.voice = voice.engine, voice.name

    def use_recording(self, guide: Voice | None, tour: Tour) -> None:
        """Plan the narration as its recording, with `guide` for the captions (None: by length)."""
        narration = self.stop.narrations[self.lang]
        plan = plan_recording(narration, tour.lexicons[self.lang], guide, tour.config.audio, self._tags(tour))
        self.plan = plan
        self.report.engine, self.report.voice = RECORDING_ENGINE, plan.source[1]

    def fail_over(self, reason: str) -> None:
        """The engine in use failed: record why and leave it; a voice picker plans the next."""
        self.pass_over(f"{self.choice}: {reason}")
        self.plan = None

    def fail(self, error: str) -> None:
        self.report.status = "failed"
        self.report.error = error
        self.report.engine = self.report.voice = None
        self.plan = None

    def assembly(self, cache_dir: Path, audio_dir: Path) -> Assembly:
        assert self.plan
        plan = self.plan
        mp3_path, vtt_path = staging_paths(audio_dir, self.stop.id, self.lang)
        if isinstance(plan, RecordingPlan):
            path, folder = plan.recording.path, self.stop.path
            inside = path.relative_to(folder).as_posix() if path.is_relative_to(folder) else path.name
            return plan.assembly(cache_dir, mp3_path, vtt_path, f"stops/{self.stop.id}/{inside}")
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
