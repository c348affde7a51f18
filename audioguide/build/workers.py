"""Work that runs in worker processes: synthesizing sentences and assembling narration files.

Each function takes and returns plain picklable data; engines are created once per process and
keep their loaded models between calls.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from audioguide.audio.mp3 import Mp3Tags
from audioguide.audio.pcm import resample, trim_silence
from audioguide.build.assembly import assemble_narration
from audioguide.build.cache import SentenceCache
from audioguide.engines import Voice, get_engine
from audioguide.engines.registry import set_thread_budget
from audioguide.errors import EngineError
from audioguide.tour.schema import AudioSettings

WATCH_INTERVAL_S = 1.0


def init_worker(build_pid: int, engine_threads: int) -> None:
    """Pool initializer: share the cores between the workers, and leave with the build."""
    set_thread_budget(engine_threads)
    exit_with_parent(build_pid)


def exit_with_parent(build_pid: int) -> None:
    """A worker whose build was killed (kill -9 runs no clean-up) exits by itself instead of
    holding loaded voices in memory or finishing a stale write later."""

    def watch() -> None:
        while True:
            time.sleep(WATCH_INTERVAL_S)
            try:
                os.kill(build_pid, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:
                pass  # the pid exists (as another user): the build still runs

    threading.Thread(target=watch, name="exit-with-build", daemon=True).start()


@dataclass(frozen=True)
class SynthesisJob:
    key: str
    spoken: str
    voice: Voice
    sample_rate: int
    cache_dir: Path


@dataclass(frozen=True)
class SynthesisOutcome:
    key: str
    engine_seconds: float
    error: str | None = None
    unreachable: bool = False


def synthesize(job: SynthesisJob) -> SynthesisOutcome:
    """Speak one sentence into the cache; engine failures come back as data, not exceptions."""
    started = time.perf_counter()
    try:
        pcm = get_engine(job.voice.engine).synthesize(job.spoken, job.voice)
    except EngineError as exc:
        return SynthesisOutcome(job.key, time.perf_counter() - started, str(exc), exc.unreachable)
    except Exception as exc:  # an engine bug must not stop the other stops
        return SynthesisOutcome(job.key, time.perf_counter() - started, f"{type(exc).__name__}: {exc}")
    engine_seconds = time.perf_counter() - started
    pcm = trim_silence(resample(pcm, job.sample_rate))
    if len(pcm.samples) == 0:
        return SynthesisOutcome(
            job.key, engine_seconds, f"the voice produced only silence for: {job.spoken[:60]}"
        )
    SentenceCache(job.cache_dir).store(job.key, pcm)
    return SynthesisOutcome(job.key, engine_seconds)


@dataclass(frozen=True)
class AssemblyJob:
    keys: tuple[str, ...]
    gaps_ms: tuple[int, ...]  # silence before each sentence; the first is ignored
    texts: tuple[str, ...]  # caption text per sentence
    settings: AudioSettings
    tags: Mp3Tags
    cache_dir: Path
    mp3_path: Path
    vtt_path: Path


@dataclass(frozen=True)
class AssemblyOutcome:
    duration: float = 0.0
    error: str | None = None


def assemble(job: AssemblyJob) -> AssemblyOutcome:
    """Join sentences with their pauses, normalize the whole file, write MP3 and VTT atomically."""
    try:
        return _assemble(job)
    except OSError:  # the disk (full, read-only), not this stop: the build stops and says so
        raise
    except Exception as exc:  # reported per stop; the other stops go on
        return AssemblyOutcome(error=f"{type(exc).__name__}: {exc}")


def _assemble(job: AssemblyJob) -> AssemblyOutcome:
    # In build/assembly.py: streamed from the cache, so memory does not grow with the narration.
    return AssemblyOutcome(duration=assemble_narration(job))
