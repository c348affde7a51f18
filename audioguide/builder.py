"""The audio build: narration scripts -> MP3 + WebVTT + manifest, incremental and parallel.

`AudioBuilder.run()` is a generator of progress events; the finished report is on
`builder.report`. Every output is written atomically and the manifest
is saved after each narration, so a build killed at any moment leaves published files intact.
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing
import os
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ThreadPoolExecutor
from concurrent.futures.process import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from audioguide.atomic import remove_stale_temp_files
from audioguide.audio import Mp3Tags
from audioguide.cache import SentenceCache
from audioguide.config import VoiceChoice
from audioguide.content import Stop, Tour
from audioguide.engines import default_chain, get_engine
from audioguide.engines.base import Voice
from audioguide.errors import BuildError, EngineError
from audioguide.manifest import Manifest, file_record
from audioguide.plan import NarrationPlan, plan_narration
from audioguide.workers import (
    AssemblyJob,
    SynthesisJob,
    SynthesisOutcome,
    assemble,
    exit_with_parent,
    synthesize,
)

ONLINE_CONCURRENCY = 4  # polite to the online service, and enough to hide its latency

T = TypeVar("T")
R = TypeVar("R")


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
    engine_seconds: float = 0.0
    seconds: float = 0.0
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


@dataclass
class _Target:
    stop: Stop
    lang: str
    chain: list[VoiceChoice]
    report: NarrationReport
    position: int = 0
    plan: NarrationPlan | None = None


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
        self._voices: dict[tuple[str, str, str | None], Voice | EngineError] = {}
        self._pool: Executor | None = None
        self._synthesized: set[str] = set()  # sentence keys spoken in this build
        self._done = 0
        self._total = 0

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
        key = (choice.engine, lang, choice.voice)
        if key not in self._voices:
            try:
                self._voices[key] = get_engine(choice.engine).resolve(lang, choice.voice, self.tour.root)
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
            # forkserver: workers start clean, never inheriting ONNX Runtime threads or eSpeak state.
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["audioguide.workers"])
            self._pool = ProcessPoolExecutor(
                max_workers=self.jobs,
                mp_context=context,
                initializer=exit_with_parent,
                initargs=(os.getpid(),),
            )
        return self._pool

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

    def _map(self, function: Callable[[T], R], items: list[T]) -> Iterator[R]:
        """Results in order; small batches run in this process (starting a pool costs ~0.3 s)."""
        if len(items) <= 1 or self.jobs <= 1:
            yield from map(function, items)
        else:
            yield from self._executor().map(function, items)

    def _map_online(self, items: list[SynthesisJob]) -> Iterator[SynthesisOutcome]:
        with ThreadPoolExecutor(max_workers=ONLINE_CONCURRENCY) as threads:
            yield from threads.map(self._synthesize_online, items)

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
            while pending:
                yield from self._synthesize_missing(pending)
                ready: list[_Target] = []
                retry: list[_Target] = []
                for target in pending:
                    if target.plan is None:
                        continue  # failed
                    if self._up_to_date(target):
                        # Fell back to the same audio as last time (e.g. gTTS still unreachable):
                        # nothing to rewrite.
                        self._mark_unchanged(target)
                    elif self._sentences_ready(target):
                        ready.append(target)
                    else:
                        retry.append(target)
                yield from self._assemble(ready)
                pending = retry
        finally:
            if self._pool is not None:
                self._pool.shutdown()
        if not self.options.only and not self.options.langs:
            self._remove_stale_outputs()
        self.manifest.save()
        yield from self._fallback_notices()
        self.report.seconds = time.perf_counter() - started

    def _up_to_date(self, target: _Target) -> bool:
        """The published files are exactly what this plan would produce."""
        assert target.plan
        entry = self.manifest.entry(target.stop.id, target.lang)
        return (
            not self.options.force
            and entry is not None
            and entry.get("input_hash") == target.plan.input_hash
            and self.manifest.outputs_intact(target.stop.id, target.lang)
        )

    def _mark_unchanged(self, target: _Target) -> None:
        entry = self.manifest.entry(target.stop.id, target.lang) or {}
        target.report.status = "unchanged"
        target.report.duration = entry.get("duration")
        # The audio is the same, but whether it is a fallback depends on this build's chain.
        entry["preferred_engine"] = target.report.preferred_engine
        entry["fallback"] = target.report.fallback

    def _fail(self, target: _Target, error: str) -> None:
        target.report.status = "failed"
        target.report.error = error
        target.report.engine = target.report.voice = None
        target.plan = None

    def _sentences_ready(self, target: _Target) -> bool:
        assert target.plan
        return all(self.cache.has(key) for key in target.plan.keys)

    def _synthesize_missing(self, pending: list[_Target]) -> Iterator[Event]:
        jobs: dict[str, SynthesisJob] = {}
        for target in pending:
            assert target.plan
            for key, sentence in zip(target.plan.keys, target.plan.sentences, strict=True):
                # usable() rather than has(): a corrupt cache entry is deleted here and rebuilt.
                if key not in jobs and not self.cache.usable(key):
                    jobs[key] = SynthesisJob(
                        key,
                        sentence.spoken,
                        target.plan.voice,
                        self.tour.config.audio.sample_rate,
                        self.cache.folder,
                    )
        self._total += len(jobs) + len(pending)
        failures: dict[str, str] = {}
        online = [j for j in jobs.values() if get_engine(j.voice.engine).online]
        offline = [j for j in jobs.values() if not get_engine(j.voice.engine).online]
        announced = set(self._dead_engines)
        for outcome in itertools.chain(self._map_online(online), self._map(synthesize, offline)):
            self.report.engine_seconds += outcome.engine_seconds
            if outcome.error:
                failures[outcome.key] = outcome.error
                engine = jobs[outcome.key].voice.engine
                if outcome.unreachable:
                    self._dead_engines.setdefault(engine, outcome.error)
                    if engine not in announced:
                        announced.add(engine)
                        yield Notice("warning", f"{engine} is unavailable: {outcome.error}")
            else:
                self.report.sentences_synthesized += 1
                self._synthesized.add(outcome.key)
            yield self._tick(jobs[outcome.key].spoken[:40])
        for target in pending:
            assert target.plan
            errors = [failures[k] for k in target.plan.keys if k in failures]
            engine = target.plan.voice.engine
            if errors or engine in self._dead_engines:
                reason = errors[0] if errors else self._dead_engines[engine]
                if not self._fail_over(target, reason):
                    self._fail(target, f"every engine failed; last: {reason}")

    def _assemble(self, ready: list[_Target]) -> Iterator[Event]:
        jobs = []
        for target in ready:
            assert target.plan
            plan = target.plan
            lang_dir = self.audio_dir / target.lang
            jobs.append(
                AssemblyJob(
                    keys=plan.keys,
                    gaps_ms=plan.gaps,
                    texts=tuple(s.text for s in plan.sentences),
                    settings=plan.settings,
                    tags=plan.tags,
                    cache_dir=self.cache.folder,
                    mp3_path=lang_dir / f"{target.stop.id}.mp3",
                    vtt_path=lang_dir / f"{target.stop.id}.vtt",
                )
            )
        for target, job, outcome in zip(ready, jobs, self._map(assemble, jobs), strict=True):
            if outcome.error:
                self._fail(target, outcome.error)
            else:
                self._publish(target, job, outcome.duration)
            yield self._tick(f"{target.stop.id} ({target.lang})")

    def _publish(self, target: _Target, job: AssemblyJob, duration: float) -> None:
        assert target.plan
        report = target.report
        report.status, report.duration = "built", duration
        self.report.sentences_cached += len(set(target.plan.keys) - self._synthesized)
        self.manifest.set_entry(
            target.stop.id,
            target.lang,
            {
                "audio": file_record(self.audio_dir, job.mp3_path),
                "captions": file_record(self.audio_dir, job.vtt_path),
                "duration": round(duration, 3),
                "sentences": len(target.plan.keys),
                "engine": target.plan.voice.engine,
                "voice": target.plan.voice.name,
                "engine_version": target.plan.voice.fingerprint,
                "preferred_engine": report.preferred_engine,
                "fallback": report.fallback,
                "input_hash": target.plan.input_hash,
                "transcript": list(target.plan.transcript),
            },
        )
        self.manifest.save()  # after every narration: a kill later loses nothing published

    def _remove_stale_outputs(self) -> None:
        """Outputs of stops or languages that no longer exist in the tour."""
        current = {
            (s.id, lang) for s in self.tour.stops for lang in s.narrations if lang in self.tour.languages
        }
        for stop_id, langs in list(self.manifest.stops.items()):
            for lang in list(langs):
                if (stop_id, lang) not in current:
                    self.manifest.remove_entry(stop_id, lang)
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
            if all(reason.endswith("(--offline)") for reason in why.split("; ")):
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
