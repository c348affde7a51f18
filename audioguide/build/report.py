"""What a build is asked to do, what it tells while it runs, and what it reports at the end."""

from __future__ import annotations

import errno
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audioguide.atomic import describe_cause
from audioguide.engines.registry import is_not_downloaded
from audioguide.errors import BuildError

if TYPE_CHECKING:
    from audioguide.qr import PosterReport


@dataclass
class BuildOptions:
    offline: bool = False
    only: list[str] = field(default_factory=list)
    langs: list[str] = field(default_factory=list)
    force: bool = False
    jobs: int | None = None
    cache_dir: Path | None = None
    posters: bool = True  # made only by a whole build: without `only` and `langs`
    wait: bool = False  # another build of the project is running: wait for it (else BuildLocked)
    who: str = "audioguide build"  # shown to the next build while this one holds the lock

    @property
    def whole_tour(self) -> bool:
        """Every stop in every language: only then may outputs be removed or posters redrawn."""
        return not self.only and not self.langs


@dataclass
class NarrationReport:
    stop_id: str
    lang: str
    status: str = "pending"  # built | unchanged | failed
    engine: str | None = None
    voice: str | None = None
    preferred_engine: str | None = None
    duration: float | None = None
    error: str | None = None
    tried: list[str] = field(default_factory=list)  # "engine: why it was not used"

    @property
    def fallback(self) -> bool:
        return bool(self.engine and self.preferred_engine and self.engine != self.preferred_engine)

    def as_dict(self) -> dict[str, Any]:
        return {
            "stop": self.stop_id,
            "lang": self.lang,
            "status": self.status,
            "engine": self.engine,
            "voice": self.voice,
            "preferred_engine": self.preferred_engine,
            "fallback": self.fallback,
            "duration": None if self.duration is None else round(self.duration, 3),
            "error": self.error,
            "fallback_reasons": self.tried,
        }


@dataclass
class BuildReport:
    narrations: list[NarrationReport] = field(default_factory=list)
    sentences_synthesized: int = 0
    sentences_cached: int = 0
    engine_seconds: float = 0.0  # summed over workers: with N workers, up to N times the wall time
    seconds: float = 0.0  # the audio build, posters excluded
    workers: int = 1  # processes that synthesized and encoded (1: the build's own)
    removed: list[str] = field(default_factory=list)
    images_built: list[str] = field(default_factory=list)  # stops whose photo variants were made

    @property
    def failed(self) -> list[NarrationReport]:
        return [n for n in self.narrations if n.status == "failed"]

    @property
    def fallbacks(self) -> list[NarrationReport]:
        return [n for n in self.narrations if n.status != "failed" and n.fallback]


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    label: str


@dataclass(frozen=True)
class Notice:
    level: str  # "warning" or "info"
    text: str


@dataclass(frozen=True)
class Finished:
    """The last event: the build's report, and the posters' when this build made them."""

    report: BuildReport
    posters: PosterReport | None = None


Event = Progress | Notice | Finished


def fallback_notices(report: BuildReport) -> Iterator[Notice]:
    """One line per (preferred engine, engine used, reason): which narrations fell back."""
    groups: dict[tuple[str, str, str], list[str]] = {}
    for narration in report.fallbacks:
        if narration.status != "built":
            continue
        key = (
            narration.preferred_engine or "",
            f"{narration.engine} ({narration.voice})",
            "; ".join(narration.tried),
        )
        groups.setdefault(key, []).append(f"{narration.stop_id} ({narration.lang})")
    for (preferred, used, why), narrations in groups.items():
        names = ", ".join(narrations)
        reasons = why.split("; ")
        to_get = [reason.split(": ", 1)[-1] for reason in reasons if is_not_downloaded(reason)]
        if to_get and all(is_not_downloaded(r) or r.endswith("(--offline)") for r in reasons):
            # A voice not downloaded yet is the site's choice too: calm, with the command.
            yield Notice(
                "info",
                f"{len(narrations)} narration(s) used {used} instead of {preferred}: {names}."
                f" {'; '.join(to_get)}.",
            )
        elif all(reason.endswith("(--offline)") for reason in reasons):
            # Asked for: say it once, plainly, without alarm.
            yield Notice(
                "info",
                f"offline: {len(narrations)} narration(s) used {used} instead of {preferred}: {names}."
                f" A build with internet access replaces them with {preferred}.",
            )
        else:
            yield Notice(
                "warning",
                f"FALLBACK: {len(narrations)} narration(s) used {used} instead of {preferred}"
                f" [{why}]: {names}. A later build with {preferred} reachable replaces them.",
            )


class BuildStopped(BuildError):
    """The build stopped before its end (a write failed, a worker died); `report` is what it had
    done by then, for the summary that the person still needs to see."""

    def __init__(self, message: str, report: BuildReport) -> None:
        super().__init__(message)
        self.report = report


_WRITE_HINTS = {
    errno.ENOSPC: "free some disk space",
    errno.EDQUOT: "free some space (the disk quota is full)",
    errno.EROFS: "the disk is mounted read-only; make it writable",
    errno.EACCES: "make it writable for this user",
    errno.EPERM: "make it writable for this user",
}


def write_failure_message(exc: OSError, root: Path, again: str = "the build") -> str:
    """'could not write audio/manifest.json: No space left on device (ENOSPC); free some disk
    space and run the build again; every published file is intact'. Every write is atomic and
    the manifest names a file only once it is whole, so what visitors are served is unharmed."""
    name = exc.filename2 or exc.filename  # a rename names its destination second
    where = None
    if name:
        path = Path(name)
        where = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    what = f"could not write {where}" if where else "a write failed"
    hint = _WRITE_HINTS.get(exc.errno or 0, "fix that")
    return f"{what}: {describe_cause(exc)}; {hint} and run {again} again; every published file is intact"
