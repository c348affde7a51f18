"""Publishing a build's results: what is up to date, the manifest's records, stale outputs.

Only the build's own process publishes. A worker leaves its MP3 and captions under temp names;
here they get their content-addressed names (audio/<lang>/<stop>.<hash>.mp3, a new name for new
bytes: a published file is never replaced in place), then the manifest names them and is saved,
after every narration. A build killed at any moment leaves every published file listed and
intact. Superseded versions stay for a while (tour.yaml `old_audio`) so that pages and offline
downloads made before the rebuild still play exactly what they showed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from dataclasses import replace
from pathlib import Path

from audioguide.atomic import atomic_path
from audioguide.build.narration import Assembly, NarrationJob
from audioguide.published import (
    VERSIONED_NAME,
    FileRecord,
    FileVerifier,
    Manifest,
    PublishedNarration,
    sha256_file,
    versioned_name,
)
from audioguide.tour.model import Tour
from audioguide.tour.schema import OldAudioSettings


class Publisher:
    def __init__(
        self, audio_dir: Path, *, force: bool = False, old_audio: OldAudioSettings | None = None
    ) -> None:
        self.audio_dir = audio_dir
        self.force = force  # nothing counts as up to date
        self.old_audio = old_audio or OldAudioSettings()
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
        """Give the files `job` wrote their published names, record them and save the manifest
        at once; then let go of versions older than `old_audio` keeps."""
        plan = narration.plan
        assert plan
        stop_id, lang = narration.stop.id, narration.lang
        previous = self.manifest.get(stop_id, lang)
        audio = self._place(job.mp3_path, stop_id)
        captions = self._place(job.vtt_path, stop_id)
        if previous is not None:
            self._keep_under_versioned_names(previous, stop_id)
        report = narration.report
        report.status, report.duration = "built", duration
        engine, voice, engine_version = plan.source
        self.manifest.put(
            stop_id,
            lang,
            PublishedNarration(
                audio=audio,
                captions=captions,
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
        self._forget_old_versions(lang, stop_id)

    def _place(self, staged: Path, stop_id: str) -> FileRecord:
        """Move a worker's temp file to its content-addressed name beside it."""
        digest = sha256_file(staged)
        final = staged.with_name(versioned_name(stop_id, digest, staged.suffix))
        record = FileRecord(final.relative_to(self.audio_dir).as_posix(), staged.stat().st_size, digest)
        if final.exists() and FileVerifier(self.audio_dir).holds(record, final):
            staged.unlink()  # the same bytes were published before (a reverted edit): keep those
        else:
            os.replace(staged, final)  # a damaged file under that name is replaced, not trusted
        return record

    def _keep_under_versioned_names(self, previous: PublishedNarration, stop_id: str) -> None:
        """Audio published before content-addressed names (audio/<lang>/<stop>.mp3) gets its
        versioned name too, as a hard link: the old manifest keeps naming a whole file until the
        new one is saved, and the old bytes stay available as a superseded version."""
        for record in previous.files():
            path = self.audio_dir / record.path
            if VERSIONED_NAME.match(path.name):
                continue
            target = path.with_name(versioned_name(stop_id, record.sha256, path.suffix))
            try:
                os.link(path, target)
            except (FileNotFoundError, FileExistsError):
                pass  # gone, or kept already: nothing to do
            except OSError:  # a file system without hard links: keep a copy instead
                with contextlib.suppress(OSError), atomic_path(target) as temp:
                    shutil.copyfile(path, temp)

    def _forget_old_versions(self, lang: str, stop_id: str) -> None:
        """Remove versions of this narration that are neither in the manifest, nor among the
        newest `keep_versions` of their kind, nor younger than `keep_days`."""
        folder = self.audio_dir / lang
        current = self.manifest.get(stop_id, lang)
        named = {folder / record.path.rpartition("/")[2] for record in current.files()} if current else set()
        by_kind: dict[str, list[tuple[float, Path]]] = {}
        with contextlib.suppress(OSError):
            for entry in os.scandir(folder):
                match = VERSIONED_NAME.match(entry.name)
                legacy = entry.name in (f"{stop_id}.mp3", f"{stop_id}.vtt")
                if legacy or (match and match["stop"] == stop_id):
                    by_kind.setdefault(Path(entry.name).suffix, []).append(
                        (entry.stat().st_mtime, Path(entry.path))
                    )
        cutoff = time.time() - self.old_audio.keep_days * 86400
        for versions in by_kind.values():
            versions.sort(reverse=True)
            for index, (mtime, path) in enumerate(versions):
                kept = index < self.old_audio.keep_versions or mtime >= cutoff
                legacy = not VERSIONED_NAME.match(path.name)  # its versioned link holds it now
                if path not in named and (legacy or not kept):
                    with contextlib.suppress(OSError):
                        path.unlink()

    def prune(self, tour: Tour) -> list[str]:
        """Remove the outputs of stops or languages that no longer exist in the tour (only a
        build of the whole tour may: a partial one does not know the rest is stale)."""
        removed = []
        current = {(s.id, lang) for s in tour.stops for lang in s.narrations if lang in tour.languages}
        for stop_id, lang in self.manifest:
            if (stop_id, lang) not in current:
                self.manifest.remove(stop_id, lang)
                removed.append(f"{stop_id} ({lang})")
        if removed:
            self.manifest.save()  # before deleting: a kill in between leaves no entry naming a lost file
        if not self.audio_dir.is_dir():
            return removed
        for folder in self.audio_dir.iterdir():
            if not folder.is_dir():
                continue
            for file in folder.iterdir():
                stop_id = file.name.split(".", 1)[0]  # ids have no dots: gate.<hash>.mp3, gate.mp3
                if file.suffix in (".mp3", ".vtt") and (stop_id, folder.name) not in current:
                    with contextlib.suppress(OSError):
                        file.unlink()
            with contextlib.suppress(OSError):
                folder.rmdir()  # only when empty: a removed language
        return removed

    def save(self) -> None:
        self.manifest.save()
