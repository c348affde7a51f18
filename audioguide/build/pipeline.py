"""The build: narration scripts -> MP3 + WebVTT + manifest, then QR posters; incremental, parallel.

`build()` is the one entry point (the command line, the staff studio and the static export all
call it). It is a generator of events, like Frozen-Flask's freeze_yield: Progress while it
works, Notice for what staff should know, and a last Finished with the report. Every output is
written atomically and the manifest is saved after each narration, so a build killed at any
moment leaves published files intact.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from audioguide.atomic import remove_stale_temp_files
from audioguide.build.cache import SentenceCache
from audioguide.build.images import ImagePublisher
from audioguide.build.lock import BuildLock, describe_holder
from audioguide.build.narration import NarrationJob
from audioguide.build.publish import Publisher
from audioguide.build.recordings import unaligned_notices
from audioguide.build.report import (
    BuildOptions,
    BuildReport,
    BuildStopped,
    Event,
    Finished,
    NarrationReport,
    Notice,
    Progress,
    fallback_notices,
    write_failure_message,
)
from audioguide.build.scheduler import Scheduler
from audioguide.build.voices import VoicePicker, no_voice_message, refuse_unknown_engines, select_narrations
from audioguide.errors import BuildError
from audioguide.published import Manifest
from audioguide.tour.model import Tour

if TYPE_CHECKING:
    from audioguide.qr import PosterReport

__all__ = [
    "BuildOptions",
    "BuildReport",
    "BuildStopped",
    "Event",
    "Finished",
    "NarrationReport",
    "Notice",
    "Progress",
    "build",
]


def build(tour: Tour, options: BuildOptions) -> Iterator[Event]:
    """Build what changed in `tour`; the last event is Finished, with the report.

    One build at a time per project (build/lock.py): a second one waits (`options.wait`, with a
    Notice saying for whom) or raises BuildLocked; it never interleaves its writes with another's.
    """
    refuse_unknown_engines(tour)  # like any content error: before any work
    lock = BuildLock(tour.root, options.who)
    if not lock.try_acquire():
        if not options.wait:
            raise lock.refuse()
        yield Notice(
            "info", f"{describe_holder(tour.root)} is building this project; waiting for it to finish"
        )
        lock.acquire()
    try:
        yield from _build_locked(tour, options)
    finally:
        lock.release()


def _build_locked(tour: Tour, options: BuildOptions) -> Iterator[Event]:
    started = time.perf_counter()
    cache = SentenceCache(options.cache_dir or tour.root / ".audioguide-cache")
    publisher = Publisher(tour.audio_dir, force=options.force, old_audio=tour.config.old_audio)
    require_writable(cache.folder, tour.audio_dir)
    remove_stale_temp_files(tour.audio_dir)

    narrations = select_narrations(tour, options)
    voices = VoicePicker(tour, offline=options.offline)
    report = BuildReport(narrations=[n.report for n in narrations])
    pending = plan_and_skip_up_to_date(narrations, voices, publisher)

    try:
        scheduler = Scheduler(
            cache=cache,
            audio_dir=tour.audio_dir,
            sample_rate=tour.config.audio.sample_rate,
            jobs=options.jobs or os.cpu_count() or 1,
            voices=voices,
            report=report,
            settle=publisher.settle_if_published,
            publish=publisher.publish,
        )
        yield from scheduler.run(pending)  # synthesize and assemble; publishes as narrations finish
        # Photos share the manifest (and its saves) with the audio; `--only` limits them too.
        photos = ImagePublisher(publisher.manifest, force=options.force, old=tour.config.old_audio)
        wanted = {s.id for s in (tour.stop(key) for key in options.only) if s}
        yield from photos.run([s for s in tour.stops if not wanted or s.id in wanted], report)

        if options.whole_tour:
            report.removed = publisher.prune(tour)
            photos.prune(tour)
        publisher.save()
        # Notices before the posters: a poster error (a reserved stop id) must not hide them.
        yield from fallback_notices(report)
        yield from unaligned_notices(narrations)
        report.seconds = time.perf_counter() - started  # the audio build; posters excluded
        posters = make_posters(tour, options)
    except (OSError, BuildError) as exc:  # disk full, a worker died, ...: say so, with the summary
        message = write_failure_message(exc, tour.root) if isinstance(exc, OSError) else exc.message
        report.seconds = report.seconds or time.perf_counter() - started
        unsaved_as_failed(report, publisher, message)
        raise BuildStopped(message, report) from exc
    yield Finished(report, posters)


def unsaved_as_failed(report: BuildReport, publisher: Publisher, why: str) -> None:
    """A narration counts as built only once the manifest on disk names it: when saving the
    manifest failed, its new files are not published (visitors keep the previous audio)."""
    try:
        saved = Manifest.load(publisher.audio_dir)
    except OSError:  # the disk fails reads too: the report stays as it is
        return
    for narration in report.narrations:
        if narration.status != "built":
            continue
        ours, on_disk = (m.get(narration.stop_id, narration.lang) for m in (publisher.manifest, saved))
        if on_disk is None or on_disk != ours:
            narration.status = "failed"
            narration.error = f"not published, the previous audio stays: {why}"


def require_writable(cache_dir: Path, audio_dir: Path) -> None:
    """Fail before any work, with what to do, rather than with a traceback halfway."""
    for folder, fix in (
        (cache_dir, "pass --cache-dir or set AUDIOGUIDE_CACHE_DIR to a writable folder"),
        (audio_dir, "make the project's audio/ folder writable"),
    ):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=folder, prefix=".audioguide-probe-"):
                pass
        except OSError as exc:
            raise BuildError(f"cannot write to {folder} ({exc.strerror or exc}): {fix}") from exc


def plan_and_skip_up_to_date(
    narrations: list[NarrationJob], voices: VoicePicker, publisher: Publisher
) -> list[NarrationJob]:
    """Give each narration its first usable voice; return those whose files must be made."""
    pending = []
    for narration in narrations:
        if not voices.choose(narration):
            narration.fail(no_voice_message(narration))
        elif not publisher.settle_if_published(narration):
            pending.append(narration)
    return pending


def make_posters(tour: Tour, options: BuildOptions) -> PosterReport | None:
    """The QR posters, redrawn where they changed; only by a build of the whole tour."""
    if not options.posters or not options.whole_tour:
        return None
    from audioguide.qr import build_posters  # ~0.5 s of imports (fpdf2): only when posters are made

    return build_posters(tour, force=options.force)
