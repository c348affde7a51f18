"""The audio build: narration scripts -> MP3 + WebVTT + manifest, incremental and parallel.

`AudioBuilder.run()` is a generator of progress events; the finished report is on
`builder.report`. Every output is written atomically and the manifest
is saved after each narration, so a build killed at any moment leaves published files intact.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ThreadPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from audioguide.atomic import remove_stale_temp_files
from audioguide.audio.mp3 import Mp3Tags
from audioguide.build.cache import SentenceCache
from audioguide.build.plan import NarrationPlan, plan_narration
from audioguide.build.pools import InlineExecutor, worker_pool
from audioguide.build.workers import (
    AssemblyJob,
    AssemblyOutcome,
    SynthesisJob,
    SynthesisOutcome,
    assemble,
    synthesize,
)
from audioguide.engines import default_chain, get_engine
from audioguide.engines.base import Voice
from audioguide.engines.registry import is_not_downloaded
from audioguide.errors import BuildError, EngineError
from audioguide.published import FileRecord, Manifest, PublishedNarration
from audioguide.tour.model import Stop, Tour
from audioguide.tour.schema import VoiceChoice

ONLINE_CONCURRENCY = 4  # polite to the online service, and enough to hide its latency
# Tasks handed to each worker ahead of time, so that none idles while results travel back.
TASKS_PER_WORKER = 2


@dataclass
class BuildOptions:
    offline: bool = False
    only: list[str] = field(default_factory=list)
    langs: list[str] = field(default_factory=list)
    force: bool = False
    jobs: int | None = None
    cache_dir: Path | None = None


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
    seconds: float = 0.0
    workers: int = 1  # processes that synthesized and encoded (1: the build's own)
    removed: list[str] = field(default_factory=list)

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


Event = Progress | Notice


@dataclass(eq=False)  # compared by identity: two narrations are never "equal"
class _Target:
    stop: Stop
    lang: str
    chain: list[VoiceChoice]
    report: NarrationReport
    position: int = 0
    plan: NarrationPlan | None = None
    missing: set[str] = field(default_factory=set)  # sentence keys still being synthesized


@dataclass(frozen=True)
class _Task:
    """Work in flight: one sentence to synthesize, or one narration to assemble."""

    synthesis: SynthesisJob | None = None
    assembly: tuple[_Target, AssemblyJob] | None = None
    online: bool = False


class AudioBuilder:
    def __init__(self, tour: Tour, options: BuildOptions) -> None:
        self.tour = tour
        self.options = options
        self.audio_dir = tour.audio_dir
        self.cache = SentenceCache(options.cache_dir or tour.root / ".audioguide-cache")
        self.jobs = options.jobs or os.cpu_count() or 1
        self.report = BuildReport()
        self.manifest = Manifest.load(self.audio_dir)
        self._dead_engines: dict[str, str] = {}
        self._voices: dict[tuple[VoiceChoice, str], Voice | EngineError] = {}
        self._pool: Executor | None = None
        self._online_pool: ThreadPoolExecutor | None = None
        self._pooled = False  # worker processes, or this process for small builds
        self._synthesized: set[str] = set()  # sentence keys spoken in this build
        self._failed_keys: dict[str, str] = {}  # sentence key -> why its engine failed it
        # Sentence key -> narrations that need it, for every sentence queued or being spoken.
        self._waiting: dict[str, list[_Target]] = {}
        self._active: list[_Target] = []  # narrations not yet built, unchanged or failed
        self._offline_queue: deque[SynthesisJob] = deque()
        self._online_queue: deque[SynthesisJob] = deque()
        self._assembly_queue: deque[_Target] = deque()
        self._announced: set[str] = set()  # engines already reported unavailable
        self._done = 0
        self._total = 0
        self._settled_quietly: list[str] = []  # work that ended without a task: one tick each

    # ----- selection ---------------------------------------------------------------------

    def _targets(self) -> list[_Target]:
        unknown_ids = [i for i in self.options.only if self.tour.stop(i) is None]
        if unknown_ids:
            known = ", ".join(s.id for s in self.tour.stops)
            raise BuildError(f"no stop with id {', '.join(unknown_ids)} (stops: {known})")
        unknown_langs = [lang for lang in self.options.langs if lang not in self.tour.languages]
        if unknown_langs:
            raise BuildError(
                f"language {', '.join(unknown_langs)} is not in tour.yaml ({', '.join(self.tour.languages)})"
            )
        wanted_ids = {self.tour.stop(i).id for i in self.options.only}  # type: ignore[union-attr]
        targets = []
        for stop in self.tour.stops:
            if wanted_ids and stop.id not in wanted_ids:
                continue
            for lang in self.tour.languages:
                if (self.options.langs and lang not in self.options.langs) or lang not in stop.narrations:
                    continue
                configured = self.tour.voices_for(stop, lang)
                chain = list(configured or default_chain(lang, self.tour.root))
                report = NarrationReport(stop.id, lang, preferred_engine=chain[0].engine)
                targets.append(_Target(stop, lang, chain, report))
        return targets

    def _resolve(self, choice: VoiceChoice, lang: str) -> Voice:
        key = (choice, lang)
        if key not in self._voices:
            try:
                engine = get_engine(choice.engine)
                self._voices[key] = engine.resolve(lang, choice.voice, self.tour.root, choice.speaker)
            except EngineError as exc:
                self._voices[key] = exc
        found = self._voices[key]
        if isinstance(found, EngineError):
            raise found
        return found

    def _plan_next_engine(self, target: _Target) -> bool:
        """Move `target` to the first usable engine from its position; False when none is left."""
        stop, lang = target.stop, target.lang
        while target.position < len(target.chain):
            choice = target.chain[target.position]
            if choice.engine == "gtts" and self.options.offline:
                target.report.tried.append("gtts: skipped (--offline)")
            elif choice.engine in self._dead_engines:
                target.report.tried.append(f"{choice.engine}: {self._dead_engines[choice.engine]}")
            else:
                try:
                    voice = self._resolve(choice, lang)
                except EngineError as exc:
                    target.report.tried.append(f"{choice}: {exc}")
                else:
                    narration = stop.narrations[lang]
                    tags = Mp3Tags(
                        title=narration.title,
                        album=self.tour.config.title.get(lang, ""),
                        track=stop.number,
                        language=lang,
                    )
                    target.plan = plan_narration(
                        narration.script, self.tour.lexicons[lang], voice, self.tour.config.audio, tags
                    )
                    target.report.engine, target.report.voice = voice.engine, voice.name
                    return True
            target.position += 1
        target.plan = None
        return False

    def _fail_over(self, target: _Target, reason: str) -> bool:
        target.report.tried.append(f"{target.chain[target.position]}: {reason}")
        target.position += 1
        return self._plan_next_engine(target)

    # ----- execution ---------------------------------------------------------------------

    def _executor(self) -> Executor:
        if self._pool is None:
            self._pool = worker_pool(self.jobs) if self._pooled else InlineExecutor()
        return self._pool

    def _online_executor(self) -> ThreadPoolExecutor:
        if self._online_pool is None:
            self._online_pool = ThreadPoolExecutor(max_workers=ONLINE_CONCURRENCY)
        return self._online_pool

    def _synthesize_online(self, job: SynthesisJob) -> SynthesisOutcome:
        """A circuit breaker: once the service is known unreachable, the queued sentences fail
        at once instead of each waiting for its own connection timeout."""
        dead = self._dead_engines.get(job.voice.engine)
        if dead:
            return SynthesisOutcome(job.key, 0.0, dead, unreachable=True)
        outcome = synthesize(job)
        if outcome.unreachable and outcome.error:
            self._dead_engines.setdefault(job.voice.engine, outcome.error)
        return outcome

    def _tick(self, label: str) -> Progress:
        self._done += 1
        return Progress(self._done, self._total, label)

    def _require_writable(self) -> None:
        """Fail before any work, with what to do, rather than with a traceback halfway."""
        for folder, fix in (
            (self.cache.folder, "pass --cache-dir or set AUDIOGUIDE_CACHE_DIR to a writable folder"),
            (self.audio_dir, "make the project's audio/ folder writable"),
        ):
            try:
                folder.mkdir(parents=True, exist_ok=True)
                with tempfile.NamedTemporaryFile(dir=folder, prefix=".audioguide-probe-"):
                    pass
            except OSError as exc:
                raise BuildError(f"cannot write to {folder} ({exc.strerror or exc}): {fix}") from exc

    def run(self) -> Iterator[Event]:
        started = time.perf_counter()
        self._require_writable()
        remove_stale_temp_files(self.audio_dir)
        targets = self._targets()
        pending: list[_Target] = []
        for target in targets:
            self.report.narrations.append(target.report)
            if not self._plan_next_engine(target):
                reasons = "; ".join(target.report.tried) or "no engine is configured"
                self._fail(
                    target,
                    f"no voice could speak '{target.lang}' ({reasons}); fix 'voices' in tour.yaml"
                    f" or stops/{target.stop.id}/stop.yaml (audioguide check lists the problem)",
                )
            elif self._up_to_date(target):
                self._mark_unchanged(target)
            else:
                pending.append(target)
        try:
            yield from self._execute(pending)
        finally:
            # Ctrl-C: queued work is dropped; what a worker is writing stays a temp file.
            for pool in (self._pool, self._online_pool):
                if pool is not None:
                    pool.shutdown(cancel_futures=True)
        if not self.options.only and not self.options.langs:
            self._remove_stale_outputs()
        self.manifest.save()
        yield from self._fallback_notices()
        self.report.seconds = time.perf_counter() - started

    def _up_to_date(self, target: _Target) -> bool:
        """The published files are exactly what this plan would produce."""
        assert target.plan
        published = self.manifest.get(target.stop.id, target.lang)
        return (
            not self.options.force
            and published is not None
            and published.input_hash == target.plan.input_hash
            and self.manifest.intact(target.stop.id, target.lang)
        )

    def _mark_unchanged(self, target: _Target) -> None:
        published = self.manifest.get(target.stop.id, target.lang)
        assert published is not None
        target.report.status = "unchanged"
        target.report.duration = published.duration
        # The audio is the same, but whether it is a fallback depends on this build's chain.
        self.manifest.put(
            target.stop.id,
            target.lang,
            replace(
                published, preferred_engine=target.report.preferred_engine, fallback=target.report.fallback
            ),
        )

    def _fail(self, target: _Target, error: str) -> None:
        target.report.status = "failed"
        target.report.error = error
        target.report.engine = target.report.voice = None
        target.plan = None

    def _execute(self, pending: list[_Target]) -> Iterator[Event]:
        """Synthesize and assemble as one stream of tasks: a narration is assembled as soon as
        its last sentence is spoken, while the other workers go on speaking, so encoding never
        waits for the whole tour and a killed build has published what it finished."""
        for target in pending:
            self._active.append(target)
            self._total += 1  # its assembly
            self._enqueue(target)
        # A pool pays off only when there is more than a sentence and a narration to do.
        self._pooled = (
            self.jobs > 1 and len(self._offline_queue) + len(self._assembly_queue) + len(pending) > 2
        )
        self.report.workers = self.jobs if self._pooled else 1
        in_flight: dict[Future[Any], _Task] = {}
        while True:
            self._submit_more(in_flight)
            yield from self._quiet_ticks()
            if not in_flight:
                return
            finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in finished:
                task = in_flight.pop(future)
                try:
                    result = future.result()
                except BrokenProcessPool as exc:
                    raise BuildError(
                        "a build worker stopped unexpectedly (killed, or out of memory?);"
                        " every published file is intact: run the build again"
                    ) from exc
                if task.synthesis:
                    yield from self._synthesis_finished(task.synthesis, result)
                else:
                    assert task.assembly
                    yield self._assembly_finished(*task.assembly, result)
                yield from self._quiet_ticks()

    def _quiet_ticks(self) -> Iterator[Progress]:
        """One progress step for each sentence dropped or narration settled without a task,
        so that the bar ends full."""
        while self._settled_quietly:
            yield self._tick(self._settled_quietly.pop(0))

    def _submit_more(self, in_flight: dict[Future[Any], _Task]) -> None:
        """Keep every worker busy: finished narrations first (their sentences are ready and
        publishing them early is what survives a kill), then sentences in narration order."""
        online = sum(1 for task in in_flight.values() if task.online)
        while online < ONLINE_CONCURRENCY * TASKS_PER_WORKER and self._online_queue:
            job = self._online_queue.popleft()
            if self._still_needed(job):
                future = self._online_executor().submit(self._synthesize_online, job)
                in_flight[future] = _Task(synthesis=job, online=True)
                online += 1
        window = self.jobs * TASKS_PER_WORKER if self._pooled else 1
        local = len(in_flight) - online
        while local < window:
            if self._assembly_queue:
                target = self._assembly_queue.popleft()
                job = self._assembly_job(target)
                in_flight[self._executor().submit(assemble, job)] = _Task(assembly=(target, job))
            elif self._offline_queue:
                synthesis = self._offline_queue.popleft()
                if not self._still_needed(synthesis):
                    continue
                in_flight[self._executor().submit(synthesize, synthesis)] = _Task(synthesis=synthesis)
            else:
                break
            local += 1

    def _still_needed(self, job: SynthesisJob) -> bool:
        """A queued sentence whose narrations all moved to another engine is dropped (and
        forgotten, so that a narration falling over to its voice later queues it again)."""
        if self._waiting.get(job.key):
            return True
        self._waiting.pop(job.key, None)
        self._settled_quietly.append(job.spoken[:40])
        return False

    def _enqueue(self, target: _Target) -> None:
        """Queue the sentences `target`'s plan lacks, or its assembly when it lacks none."""
        assert target.plan
        target.missing = set()
        for key, sentence in zip(target.plan.keys, target.plan.sentences, strict=True):
            if key in self._failed_keys:
                self._reroute(target, self._failed_keys[key])
                return
            if key in self._synthesized or key in target.missing:
                continue  # spoken already, or said twice in this narration
            # usable() rather than has(): a corrupt cache entry is deleted here and rebuilt.
            queued = key in self._waiting
            if not queued and self.cache.usable(key):
                continue
            if not queued:
                job = SynthesisJob(
                    key,
                    sentence.spoken,
                    target.plan.voice,
                    self.tour.config.audio.sample_rate,
                    self.cache.folder,
                )
                online = get_engine(job.voice.engine).online
                (self._online_queue if online else self._offline_queue).append(job)
                self._total += 1
            target.missing.add(key)
            self._waiting.setdefault(key, []).append(target)
        if not target.missing:
            self._assembly_queue.append(target)

    def _reroute(self, target: _Target, reason: str) -> None:
        """Move a narration whose engine failed to the next engine in its chain, or fail it."""
        for key in target.missing:
            with contextlib.suppress(KeyError, ValueError):
                self._waiting[key].remove(target)
        target.missing = set()
        if not self._fail_over(target, reason):
            self._fail(target, f"every engine failed; last: {reason}")
            self._finish(target)
        elif self._up_to_date(target):
            # Fell back to the same audio as last time (e.g. gTTS still unreachable):
            # nothing to rewrite.
            self._mark_unchanged(target)
            self._finish(target)
        else:
            self._enqueue(target)

    def _finish(self, target: _Target) -> None:
        """`target` ends (failed or unchanged) without its assembly task."""
        self._active.remove(target)
        self._settled_quietly.append(f"{target.stop.id} ({target.lang})")

    def _synthesis_finished(self, job: SynthesisJob, outcome: SynthesisOutcome) -> Iterator[Event]:
        self.report.engine_seconds += outcome.engine_seconds
        waiting = self._waiting.pop(job.key, [])
        if outcome.error:
            self._failed_keys[job.key] = outcome.error
            engine = job.voice.engine
            if outcome.unreachable:
                self._dead_engines.setdefault(engine, outcome.error)
            if engine in self._dead_engines and engine not in self._announced:
                self._announced.add(engine)
                yield Notice("warning", f"{engine} is unavailable: {outcome.error}")
            dead = engine in self._dead_engines
            affected = list(waiting)
            if dead:  # every narration still waiting for this engine moves on now
                affected += [t for t in self._active if t.missing and t not in affected]
            for target in affected:
                plan = target.plan
                if not plan or not target.missing:
                    continue  # already moved on
                if job.key in target.missing or (dead and plan.voice.engine == engine):
                    self._reroute(target, outcome.error)
        else:
            self.report.sentences_synthesized += 1
            self._synthesized.add(job.key)
            for target in waiting:
                target.missing.discard(job.key)
                if not target.missing:
                    self._assembly_queue.append(target)
        yield self._tick(job.spoken[:40])

    def _assembly_job(self, target: _Target) -> AssemblyJob:
        assert target.plan
        plan = target.plan
        lang_dir = self.audio_dir / target.lang
        return AssemblyJob(
            keys=plan.keys,
            gaps_ms=plan.gaps,
            texts=tuple(s.text for s in plan.sentences),
            settings=plan.settings,
            tags=plan.tags,
            cache_dir=self.cache.folder,
            mp3_path=lang_dir / f"{target.stop.id}.mp3",
            vtt_path=lang_dir / f"{target.stop.id}.vtt",
        )

    def _assembly_finished(self, target: _Target, job: AssemblyJob, outcome: AssemblyOutcome) -> Progress:
        if outcome.error:
            self._fail(target, outcome.error)
        else:
            self._publish(target, job, outcome.duration)
        self._active.remove(target)
        return self._tick(f"{target.stop.id} ({target.lang})")

    def _publish(self, target: _Target, job: AssemblyJob, duration: float) -> None:
        assert target.plan
        report = target.report
        report.status, report.duration = "built", duration
        self.report.sentences_cached += len(set(target.plan.keys) - self._synthesized)
        self.manifest.put(
            target.stop.id,
            target.lang,
            PublishedNarration(
                audio=FileRecord.of(self.audio_dir, job.mp3_path),
                captions=FileRecord.of(self.audio_dir, job.vtt_path),
                duration=round(duration, 3),
                sentences=len(target.plan.keys),
                engine=target.plan.voice.engine,
                voice=target.plan.voice.name,
                engine_version=target.plan.voice.fingerprint,
                preferred_engine=report.preferred_engine,
                fallback=report.fallback,
                input_hash=target.plan.input_hash,
                transcript=target.plan.transcript,
            ),
        )
        self.manifest.save()  # after every narration: a kill later loses nothing published

    def _remove_stale_outputs(self) -> None:
        """Outputs of stops or languages that no longer exist in the tour."""
        current = {
            (s.id, lang) for s in self.tour.stops for lang in s.narrations if lang in self.tour.languages
        }
        for stop_id, lang in self.manifest:
            if (stop_id, lang) not in current:
                self.manifest.remove(stop_id, lang)
                self.report.removed.append(f"{stop_id} ({lang})")
        if not self.audio_dir.is_dir():
            return
        for folder in self.audio_dir.iterdir():
            if not folder.is_dir():
                continue
            for file in folder.iterdir():
                if file.suffix in (".mp3", ".vtt") and (file.stem, folder.name) not in current:
                    with contextlib.suppress(OSError):
                        file.unlink()
            with contextlib.suppress(OSError):
                folder.rmdir()  # only when empty: a removed language

    def _fallback_notices(self) -> Iterable[Notice]:
        """One line per (preferred engine, engine used, reason): which narrations fell back."""
        groups: dict[tuple[str, str, str], list[str]] = {}
        for report in self.report.fallbacks:
            if report.status != "built":
                continue
            key = (
                report.preferred_engine or "",
                f"{report.engine} ({report.voice})",
                "; ".join(report.tried),
            )
            groups.setdefault(key, []).append(f"{report.stop_id} ({report.lang})")
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
