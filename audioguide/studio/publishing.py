"""Publishing a narration from the studio: the file, its history, git, then the build.

`publish_text` does the part a staff member waits for (it is quick and its errors are theirs to
fix): the previous text into the history, the new file written atomically (a plain change of
`stops/<id>/<lang>.md`, as if edited by hand), an optional git commit. `PublishJobs.start` then
rebuilds that one narration in a background thread with the build library, under the project's
build lock like any `audioguide build`, and keeps its progress for the status page. A failed
build publishes nothing: the previous audio stays what visitors hear.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from audioguide.atomic import atomic_open
from audioguide.build.lock import build_lock
from audioguide.build.pipeline import BuildOptions, Finished, Notice, Progress, build
from audioguide.errors import AudioguideError
from audioguide.studio import gitcommit
from audioguide.studio.store import History
from audioguide.tour.load import load_tour

log = logging.getLogger(__name__)
KEEP_JOBS = 200  # finished jobs remembered for their status pages


@dataclass
class PublishJob:
    id: str
    stop: str
    lang: str
    author: str
    action: str  # publish | restore
    title_changed: bool
    state: str = "waiting"  # waiting | building | done | failed
    done: int = 0
    total: int = 0
    status: str | None = None  # the narration's: built | unchanged | failed
    messages: list[str] = field(default_factory=list)
    error: str | None = None
    engine: str | None = None
    voice: str | None = None
    commit: str | None = None
    started: float = field(default_factory=time.time)
    seconds: float = 0.0

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")

    @property
    def who(self) -> str:
        """What the build lock's note says, for a CLI build that meets it."""
        return f"studio: {self.author} publishing {self.stop} ({self.lang})"

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "stop": self.stop,
            "lang": self.lang,
            "author": self.author,
            "action": self.action,
            "state": self.state,
            "finished": self.finished,
            "done": self.done,
            "total": self.total,
            "status": self.status,
            "engine": self.engine,
            "voice": self.voice,
            "error": self.error,
            "messages": self.messages,
            "commit": self.commit,
            "seconds": round(self.seconds, 3),
        }


def read_current(path: Path) -> str | None:
    try:
        return path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return None


def publish_text(
    project: Path,
    history: History,
    stop_id: str,
    lang: str,
    text: str,
    author: str,
    *,
    action: str = "publish",
    git_commit: bool = False,
) -> str | None:
    """Write the narration file and record the version; the git commit's hash when one was made.
    Raises gitcommit.GitError after the file is written (the publish stands; git says why)."""
    path = project / "stops" / stop_id / f"{lang}.md"
    current = read_current(path)
    history.remember_current(stop_id, lang, current)
    with atomic_open(path, "wb") as handle:
        handle.write(text.encode("utf-8"))
    if text != current:  # publishing the same text again (to rebuild) is no new version
        history.add(stop_id, lang, text, author, action)
    if not git_commit:
        return None
    if not gitcommit.is_repository(project):
        raise gitcommit.GitError("the tour's folder is not a git repository; nothing was committed")
    verb = "Restore" if action == "restore" else "Publish"
    message = f"{verb} {stop_id} ({lang}) from the studio\n\nBy {author} in the audioguide studio."
    return gitcommit.commit(project, [path], author, message)


class PublishJobs:
    """The builds the studio started, by id; one thread each (the build lock orders them)."""

    def __init__(self, project: Path, *, offline: bool = False, cache_dir: Path | None = None) -> None:
        self.project = project
        self.offline = offline
        self.cache_dir = cache_dir
        self._lock = threading.Lock()
        self._jobs: dict[str, PublishJob] = {}

    def get(self, job_id: str) -> PublishJob | None:
        with self._lock:
            return self._jobs.get(job_id)

    def latest(self, stop_id: str, lang: str) -> PublishJob | None:
        with self._lock:
            jobs = [j for j in self._jobs.values() if j.stop == stop_id and j.lang == lang]
        return max(jobs, key=lambda j: j.started) if jobs else None

    def start(
        self, stop_id: str, lang: str, author: str, *, action: str, title_changed: bool, wait: bool = False
    ) -> PublishJob:
        job = PublishJob(uuid.uuid4().hex, stop_id, lang, author, action, title_changed)
        with self._lock:
            self._jobs[job.id] = job
            for old in sorted(self._jobs.values(), key=lambda j: j.started)[:-KEEP_JOBS]:
                del self._jobs[old.id]
        worker = threading.Thread(target=self._run, args=(job,), name=f"publish {job.id[:8]}", daemon=True)
        worker.start()
        if wait:
            worker.join()
        return job

    def _run(self, job: PublishJob) -> None:
        started = time.perf_counter()
        try:
            self._build(job)
        except AudioguideError as exc:  # BuildError, ContentError (with path:line), BuildLocked
            job.state, job.error = "failed", str(exc)
        except Exception as exc:  # the page must say it; the server goes on
            log.exception("publish %s failed", job.id)
            job.state, job.error = "failed", f"{type(exc).__name__}: {exc}"
        job.seconds = time.perf_counter() - started

    def _build(self, job: PublishJob) -> None:
        tour, diags = load_tour(self.project)
        if tour is None:
            raise AudioguideError("; ".join(str(d) for d in diags.errors) or "the tour cannot be read")
        options = BuildOptions(
            offline=self.offline,
            only=[job.stop],
            langs=[job.lang],
            cache_dir=self.cache_dir,
            jobs=1,  # one narration: in this process, without worker processes to start
            wait=True,
            who=job.who,
        )
        for event in build(tour, options):
            if isinstance(event, Progress):
                job.state, job.done, job.total = "building", event.done, event.total
            elif isinstance(event, Notice):
                if event.level == "info" and "waiting" in event.text:
                    job.state = "waiting"
                job.messages.append(event.text)
            elif isinstance(event, Finished):
                narration = event.report.narrations[0] if event.report.narrations else None
                if narration is None:
                    raise AudioguideError(f"{job.stop} ({job.lang}) has no narration to build")
                job.status, job.engine, job.voice = narration.status, narration.engine, narration.voice
                if narration.status == "failed":
                    job.state = "failed"
                    job.error = narration.error or "the build failed; the previous audio is kept"
                    return
        if job.title_changed:
            self._posters(job)
        job.state = "done"

    def _posters(self, job: PublishJob) -> None:
        """Posters show the title; only a whole-tour build draws them, so redraw them here, under
        the same lock (only the changed ones are redrawn)."""
        from audioguide.qr import build_posters  # fpdf2 is slow to import: only when needed

        try:
            with build_lock(self.project, job.who + " (posters)", wait=True):
                fresh, _ = load_tour(self.project)
                if fresh is not None:
                    build_posters(fresh)
        except AudioguideError as exc:
            job.messages.append(f"posters: {exc}")
