"""What the studio's overview shows, read from the project's files (no Flask here).

For every stop and language: is it published (audio/manifest.json), has the text changed since
the build, was it built with a fallback voice, does it await review or who reviewed it, is the
translation missing; the staff notes as a to-do list; and the problems `audioguide check` finds.

"Changed since the build" compares the transcript the build recorded in the manifest with the
transcript of the current text: cheap (no voice has to be resolved) and exact for every word a
visitor reads or hears. It does not see changes that alter only the sound (a lexicon entry, a
pause length, another voice in tour.yaml); `audioguide build` redoes those anyway. The title is
not compared: the page shows the current title without a build.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from audioguide.published import Manifest, PublishedNarration, transcript_of
from audioguide.qr.check import check_printed_ids
from audioguide.studio.reviews import Review, file_sha256
from audioguide.tour.diagnostics import Diagnostic, Severity
from audioguide.tour.load import load_tour
from audioguide.tour.model import Narration, Stop

_NOTE_PREFIX = "staff note: "


@dataclass(frozen=True)
class Cell:
    """One stop in one language."""

    stop_id: str
    lang: str
    path: str  # stops/<id>/<lang>.md, relative to the project
    file_exists: bool
    narration: Narration | None  # None: missing, or unreadable (see the problems)
    published: PublishedNarration | None
    changed: bool | None  # None: the manifest has no transcript to compare with
    review: Review | None
    reviewed_text_changed: bool
    built_at: dt.datetime | None  # when the published audio file was written

    @property
    def needs_review(self) -> bool:
        return bool(self.narration and self.narration.needs_review)

    @property
    def missing(self) -> bool:
        return not self.file_exists


@dataclass(frozen=True)
class StopRow:
    id: str
    number: int
    title: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Note:
    path: str
    line: int
    text: str


@dataclass
class Overview:
    loaded: bool  # False: tour.yaml could not be read; only the problems are known
    languages: list[str] = field(default_factory=list)
    stops: list[StopRow] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)
    manifest_problems: list[str] = field(default_factory=list)


def build_overview(project: Path, reviews: dict[tuple[str, str], Review]) -> Overview:
    tour, diags = load_tour(project)
    if tour is not None:
        check_printed_ids(tour, diags)
    items = diags.sorted()
    problems = [d for d in items if d.severity is not Severity.NOTE]
    notes = [
        Note(d.path, d.line, d.message.removeprefix(_NOTE_PREFIX))
        for d in items
        if d.severity is Severity.NOTE and d.message.startswith(_NOTE_PREFIX)
    ]
    if tour is None:
        return Overview(False, problems=problems, notes=notes)
    manifest = Manifest.load(tour.audio_dir)
    rows = [
        StopRow(
            stop.id,
            stop.number,
            stop.title(tour.default_language, tour.default_language),
            tuple(
                _cell(project, stop, lang, manifest, reviews.get((stop.id, lang))) for lang in tour.languages
            ),
        )
        for stop in tour.stops
    ]
    return Overview(True, list(tour.languages), rows, notes, problems, list(manifest.problems))


def _cell(project: Path, stop: Stop, lang: str, manifest: Manifest, review: Review | None) -> Cell:
    path = stop.path / f"{lang}.md"
    narration = stop.narrations.get(lang)
    published = manifest.get(stop.id, lang)
    changed: bool | None = None
    if published is not None and narration is not None and published.transcript is not None:
        changed = transcript_of(narration.script) != published.transcript
    built_at = None
    if published is not None:
        try:
            stamp = os.stat(manifest.audio_dir / published.audio.path).st_mtime
            built_at = dt.datetime.fromtimestamp(stamp).replace(microsecond=0)
        except OSError:
            published = None  # listed but gone: not published
    exists = path.is_file()
    reviewed_changed = bool(review and exists and file_sha256(path) != review.text_sha256)
    return Cell(
        stop.id,
        lang,
        path.relative_to(project.resolve()).as_posix()
        if path.is_relative_to(project.resolve())
        else str(path),
        exists,
        narration,
        published,
        changed,
        review,
        reviewed_changed,
        built_at,
    )
