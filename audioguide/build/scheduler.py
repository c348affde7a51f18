"""The build's task stream: sentences to speak and narrations to assemble, spread over workers.

Synthesis and assembly are one stream of tasks: a narration is assembled as soon as its last
sentence is spoken, while the other workers go on speaking, so encoding never waits for the
whole tour and a killed build has published what it finished. Finished narrations go back to
the caller through the `publish` callback; nothing here writes the manifest.
"""

from __future__ import annotations

import contextlib
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ThreadPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audioguide.build.cache import SentenceCache
from audioguide.build.narration import Assembly, NarrationJob
from audioguide.build.pools import InlineExecutor, worker_pool
from audioguide.build.recording_assembly import RecordingJob, assemble_recording
from audioguide.build.report import BuildReport, Event, Notice, Progress
from audioguide.build.voices import VoicePicker
from audioguide.build.workers import (
    AssemblyOutcome,
    SynthesisJob,
    SynthesisOutcome,
    assemble,
    synthesize,
)
from audioguide.engines.registry import ENGINES
from audioguide.errors import BuildError

ONLINE_CONCURRENCY = 4  # polite to the online service, and enough to hide its latency
# Tasks handed to each worker ahead of time, so that none idles while results travel back.
TASKS_PER_WORKER = 2

# After a fail-over: True when the new plan's files are published already (the narration
# is then settled as unchanged, with no task).
Settle = Callable[[NarrationJob], bool]
# A narration's files are written: record them.
Publish = Callable[[NarrationJob, Assembly, float], None]


@dataclass(frozen=True)
class _Task:
    """Work in flight: one sentence to synthesize, or one narration to assemble."""

    synthesis: SynthesisJob | None = None
    assembly: tuple[NarrationJob, Assembly] | None = None
    online: bool = False


class Scheduler:
    def __init__(
        self,
        *,
        cache: SentenceCache,
        audio_dir: Path,
        sample_rate: int,
        jobs: int,
        voices: VoicePicker,
        report: BuildReport,
        settle: Settle,
        publish: Publish,
    ) -> None:
        self.cache = cache
        self.audio_dir = audio_dir
        self.sample_rate = sample_rate
        self.jobs = jobs
        self.voices = voices
        self.report = report
        self._settle = settle
        self._publish = publish
        self._pool: Executor | None = None
        self._online_pool: ThreadPoolExecutor | None = None
        self._pooled = False  # worker processes, or this process for small builds
        self._synthesized: set[str] = set()  # sentence keys spoken in this build
        self._failed_keys: dict[str, str] = {}  # sentence key -> why its engine failed it
        # Sentence key -> narrations that need it, for every sentence queued or being spoken.
        self._waiting: dict[str, list[NarrationJob]] = {}
        self._active: list[NarrationJob] = []  # narrations not yet built, unchanged or failed
        self._offline_queue: deque[SynthesisJob] = deque()
        self._online_queue: deque[SynthesisJob] = deque()
        self._assembly_queue: deque[NarrationJob] = deque()
        self._announced: set[str] = set()  # engines already reported unavailable
        self._done = 0
        self._total = 0
        self._settled_quietly: list[str] = []  # work that ended without a task: one tick each

    def run(self, pending: list[NarrationJob]) -> Iterator[Event]:
        """Speak and assemble every narration in `pending`; one Progress per finished task."""
        try:
            yield from self._execute(pending)
        finally:
            # Ctrl-C: queued work is dropped; what a worker is writing stays a temp file.
            for pool in (self._pool, self._online_pool):
                if pool is not None:
                    pool.shutdown(cancel_futures=True)

    # ----- executors ---------------------------------------------------------------------

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
        dead = self.voices.dead.get(job.voice.engine)
        if dead:
            return SynthesisOutcome(job.key, 0.0, dead, unreachable=True)
        outcome = synthesize(job)
        if outcome.unreachable and outcome.error:
            self.voices.mark_dead(job.voice.engine, outcome.error)
        return outcome

    # ----- the stream --------------------------------------------------------------------

    def _tick(self, label: str) -> Progress:
        self._done += 1
        return Progress(self._done, self._total, label)

    def _execute(self, pending: list[NarrationJob]) -> Iterator[Event]:
        for narration in pending:
            self._active.append(narration)
            self._total += 1  # its assembly
            self._enqueue(narration)
        # A pool pays off only when there is more than a sentence and a narration to do. Aligning
        # a recording always runs in a worker: it loads librosa (~3.4 s, ~100 MB), which must not
        # stay in the process that asked for the build (the studio's server).
        self._pooled = any(n.recording is not None for n in pending) or (
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
                narration = self._assembly_queue.popleft()
                assembly = narration.assembly(self.cache.folder, self.audio_dir)
                work = assemble_recording if isinstance(assembly, RecordingJob) else assemble
                in_flight[self._executor().submit(work, assembly)] = _Task(assembly=(narration, assembly))
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

    def _enqueue(self, narration: NarrationJob) -> None:
        """Queue the sentences `narration`'s plan lacks, or its assembly when it lacks none."""
        assert narration.plan
        narration.missing = set()
        for key, sentence in narration.plan.speech:
            if key in self._failed_keys:
                self._reroute(narration, self._failed_keys[key])
                return
            if key in self._synthesized or key in narration.missing:
                continue  # spoken already, or said twice in this narration
            # usable() rather than has(): a corrupt cache entry is deleted here and rebuilt.
            queued = key in self._waiting
            if not queued and self.cache.usable(key):
                continue
            if not queued:
                voice = narration.plan.voice
                job = SynthesisJob(key, sentence.spoken, voice, self.sample_rate, self.cache.folder)
                online = ENGINES[voice.engine].online
                (self._online_queue if online else self._offline_queue).append(job)
                self._total += 1
            narration.missing.add(key)
            self._waiting.setdefault(key, []).append(narration)
        if not narration.missing:
            self._assembly_queue.append(narration)

    def _reroute(self, narration: NarrationJob, reason: str) -> None:
        """Move a narration whose engine failed to the next engine in its chain, or fail it."""
        for key in narration.missing:
            with contextlib.suppress(KeyError, ValueError):
                self._waiting[key].remove(narration)
        narration.missing = set()
        if not self.voices.fail_over(narration, reason):
            narration.fail(f"every engine failed; last: {reason}")
            self._finish(narration)
        elif self._settle(narration):
            # Fell back to the same audio as last time (e.g. gTTS still unreachable):
            # nothing to rewrite.
            self._finish(narration)
        else:
            self._enqueue(narration)

    def _finish(self, narration: NarrationJob) -> None:
        """`narration` ends (failed or unchanged) without its assembly task."""
        self._active.remove(narration)
        self._settled_quietly.append(narration.label)

    def _synthesis_finished(self, job: SynthesisJob, outcome: SynthesisOutcome) -> Iterator[Event]:
        self.report.engine_seconds += outcome.engine_seconds
        waiting = self._waiting.pop(job.key, [])
        if outcome.error:
            self._failed_keys[job.key] = outcome.error
            engine = job.voice.engine
            if outcome.unreachable:
                self.voices.mark_dead(engine, outcome.error)
            if engine in self.voices.dead and engine not in self._announced:
                self._announced.add(engine)
                yield Notice("warning", f"{engine} is unavailable: {outcome.error}")
            dead = engine in self.voices.dead
            affected = list(waiting)
            if dead:  # every narration still waiting for this engine moves on now
                affected += [n for n in self._active if n.missing and n not in affected]
            for narration in affected:
                plan = narration.plan
                if not plan or not narration.missing:
                    continue  # already moved on
                if job.key in narration.missing or (dead and plan.voice.engine == engine):
                    self._reroute(narration, outcome.error)
        else:
            self.report.sentences_synthesized += 1
            self._synthesized.add(job.key)
            for narration in waiting:
                narration.missing.discard(job.key)
                if not narration.missing:
                    self._assembly_queue.append(narration)
        yield self._tick(job.spoken[:40])

    def _assembly_finished(
        self, narration: NarrationJob, job: Assembly, outcome: AssemblyOutcome
    ) -> Progress:
        if outcome.error:
            narration.fail(outcome.error)
        else:
            assert narration.plan
            self.report.sentences_cached += len(set(narration.plan.keys) - self._synthesized)
            self._publish(narration, job, outcome.duration)
        self._active.remove(narration)
        return self._tick(narration.label)
