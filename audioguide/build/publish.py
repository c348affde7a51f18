"""Publishing a build's results: what is up to date, the manifest's records, stale outputs.

The manifest is saved after every narration, so a build killed at any moment leaves every
published file listed and intact.
"""

from __future__ import annotations

import contextlib
from dataclasses import replace
from pathlib import Path

from audioguide.build.narration import Assembly, NarrationJob
from audioguide.published import FileRecord, Manifest, PublishedNarration
from audioguide.tour.model import Tour


class Publisher:
    def __init__(self, audio_dir: Path, *, force: bool = False) -> None:
        self.audio_dir = audio_dir
        self.force = force  # nothing counts as up to date
        self.manifest = Manifest.load(audio_dir)

    def up_to_date(self, narration: NarrationJob) -> bool:
        """The published files are exactly what `narration`'s plan would produce."""
        assert narration.plan
        published = self.manifest.get(narration.stop.id, narration.lang)
        return (
            not self.force
            and published is not None
            and published.input_hash == narration.plan.input_hash
            and self.manifest.intact(narration.stop.id, narration.lang)
        )

    def settle_if_published(self, narration: NarrationJob) -> bool:
        """Mark `narration` unchanged when its files are up to date; True if they were."""
        if not self.up_to_date(narration):
            return False
        published = self.manifest.get(narration.stop.id, narration.lang)
        assert published is not None
        report = narration.report
        report.status = "unchanged"
        report.duration = published.duration
        # The audio is the same, but whether it is a fallback depends on this build's chain.
        self.manifest.put(
            narration.stop.id,
            narration.lang,
            replace(published, preferred_engine=report.preferred_engine, fallback=report.fallback),
        )
        return True

    def publish(self, narration: NarrationJob, job: Assembly, duration: float) -> None:
        """Record the files `job` wrote, and save the manifest at once."""
        plan = narration.plan
        assert plan
        report = narration.report
        report.status, report.duration = "built", duration
        engine, voice, engine_version = plan.source
        self.manifest.put(
            narration.stop.id,
            narration.lang,
            PublishedNarration(
                audio=FileRecord.of(self.audio_dir, job.mp3_path),
                captions=FileRecord.of(self.audio_dir, job.vtt_path),
                duration=round(duration, 3),
                sentences=len(plan.sentences),
                engine=engine,
                voice=voice,
                engine_version=engine_version,
                preferred_engine=report.preferred_engine,
                fallback=report.fallback,
                input_hash=plan.input_hash,
                transcript=plan.transcript,
            ),
        )
        self.manifest.save()  # after every narration: a kill later loses nothing published

    def prune(self, tour: Tour) -> list[str]:
        """Remove the outputs of stops or languages that no longer exist in the tour (only a
        build of the whole tour may: a partial one does not know the rest is stale)."""
        removed = []
        current = {(s.id, lang) for s in tour.stops for lang in s.narrations if lang in tour.languages}
        for stop_id, lang in self.manifest:
            if (stop_id, lang) not in current:
                self.manifest.remove(stop_id, lang)
                removed.append(f"{stop_id} ({lang})")
        if not self.audio_dir.is_dir():
            return removed
        for folder in self.audio_dir.iterdir():
            if not folder.is_dir():
                continue
            for file in folder.iterdir():
                if file.suffix in (".mp3", ".vtt") and (file.stem, folder.name) not in current:
                    with contextlib.suppress(OSError):
                        file.unlink()
            with contextlib.suppress(OSError):
                folder.rmdir()  # only when empty: a removed language
        return removed

    def save(self) -> None:
        self.manifest.save()
