""" "Listen": a narration's draft spoken into a scratch folder, never into audio/.

It is the build's own path, narrowed to one narration and nothing published: the same voice
chain and planning (build/voices.py, build/plan.py), the same sentence cache (so after a
one-sentence edit only that sentence is synthesized), the same assembly (build/workers.py),
into `<project>/.audioguide-cache/preview/`. No build lock is taken: a preview writes neither
audio/ nor the manifest, and the sentence cache is written atomically, key by key, so a build
running at the same time can share it.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from audioguide.audio.mp3 import Mp3Tags
from audioguide.build.cache import SentenceCache
from audioguide.build.narration import NarrationJob
from audioguide.build.report import NarrationReport
from audioguide.build.voices import VoicePicker, no_voice_message
from audioguide.build.workers import AssemblyJob, SynthesisJob, assemble, synthesize
from audioguide.engines import default_chain
from audioguide.tour.diagnostics import Diagnostics
from audioguide.tour.load import load_tour, read_narration

log = logging.getLogger(__name__)

PREVIEW_FOLDER = Path(".audioguide-cache") / "preview"
KEEP = 40  # previews kept in the scratch folder; older ones are removed
KEY_LENGTH = 24


@dataclass
class Preview:
    key: str
    stop: str
    lang: str
    mp3: Path
    vtt: Path
    state: str = "working"  # working | ready | failed
    error: str | None = None
    engine: str | None = None
    voice: str | None = None
    sentences: int = 0
    synthesized: int = 0  # sentences that were not in the cache
    seconds: float = 0.0  # from the click to a playable file
    started: float = field(default_factory=time.perf_counter)

    def as_json(self) -> dict[str, object]:
        return {
            "key": self.key,
            "state": self.state,
            "error": self.error,
            "engine": self.engine,
            "voice": self.voice,
            "sentences": self.sentences,
            "synthesized": self.synthesized,
            "seconds": round(self.seconds, 3),
        }


class Previews:
    """The previews of one project: started on request, each worked in its own thread."""

    def __init__(self, project: Path, *, cache_dir: Path | None = None, offline: bool = False) -> None:
        self.project = project
        self.cache_dir = cache_dir or project / ".audioguide-cache"
        self.folder = project / PREVIEW_FOLDER
        self.offline = offline
        self._lock = threading.Lock()
        self._previews: dict[str, Preview] = {}

    def get(self, key: str) -> Preview | None:
        with self._lock:
            preview = self._previews.get(key)
        if preview is None and key.isalnum() and len(key) == KEY_LENGTH:
            # Made before a restart: the files are still there.
            for mp3 in self.folder.glob(f"*-{key}.mp3"):
                stop, _, rest = mp3.stem.rpartition("-")[0].partition("~")
                preview = Preview(key, stop, rest, mp3, mp3.with_suffix(".vtt"), state="ready")
        return preview

    def start(self, stop_id: str, lang: str, text: str, *, wait: bool = False) -> Preview:
        """Plan `text` (a whole narration file) as stop `stop_id` in `lang` and speak it in the
        background; a preview of the same plan is answered at once."""
        job, voices = self._plan(stop_id, lang, text)
        if job.plan is None:
            failed = Preview("0" * KEY_LENGTH, stop_id, lang, Path(), Path(), state="failed")
            failed.error = job.report.error or no_voice_message(job)
            return failed
        key = job.plan.input_hash[:KEY_LENGTH]
        name = f"{stop_id}~{lang}-{key}"
        with self._lock:
            known = self._previews.get(key)
            if known is not None and known.state != "failed":
                return known
            preview = Preview(key, stop_id, lang, self.folder / f"{name}.mp3", self.folder / f"{name}.vtt")
            preview.engine, preview.voice = job.plan.voice.engine, job.plan.voice.name
            preview.sentences = len(job.plan.sentences)
            self._previews[key] = preview
        if preview.mp3.is_file() and preview.vtt.is_file():
            preview.state = "ready"
            preview.seconds = time.perf_counter() - preview.started
            return preview
        worker = threading.Thread(
            target=self._work, args=(preview, job, voices), name=f"preview {name}", daemon=True
        )
        worker.start()
        if wait:
            worker.join()
        return preview

    def _plan(self, stop_id: str, lang: str, text: str) -> tuple[NarrationJob, VoicePicker]:
        tour, _ = load_tour(self.project)
        stop = tour.stop(stop_id) if tour else None
        if tour is None or stop is None:
            raise LookupError(f"no stop '{stop_id}' in the tour")
        with tempfile.TemporaryDirectory(prefix="audioguide-preview-") as folder:
            path = Path(folder) / f"{lang}.md"
            path.write_text(text, encoding="utf-8")
            narration = read_narration(path, lang, Diagnostics(Path(folder)))
        if narration is None or not narration.script.sentences():
            raise ValueError("the text has nothing to speak; fix the problems shown beside the lines")
        # The draft in place of the published file: the rest of the stop (voices) as it is.
        stop = replace(stop, narrations={**stop.narrations, lang: narration})
        chain = list(tour.voices_for(stop, lang) or default_chain(lang, tour.root))
        job = NarrationJob(
            stop, lang, chain, NarrationReport(stop.id, lang, preferred_engine=chain[0].engine)
        )
        voices = VoicePicker(tour, offline=self.offline)
        if not voices.choose(job):
            job.fail(no_voice_message(job))
        return job, voices

    def _work(self, preview: Preview, job: NarrationJob, voices: VoicePicker) -> None:
        try:
            self._speak(preview, job, SentenceCache(self.cache_dir), voices)
        except Exception as exc:  # a thread's error must reach the page, not vanish in a log
            log.exception("preview %s failed", preview.key)
            preview.state, preview.error = "failed", f"{type(exc).__name__}: {exc}"
        preview.seconds = time.perf_counter() - preview.started
        self._prune()

    def _speak(self, preview: Preview, job: NarrationJob, cache: SentenceCache, voices: VoicePicker) -> None:
        while job.plan is not None:
            plan = job.plan
            missing = [(k, s) for k, s in zip(plan.keys, plan.sentences, strict=True) if not cache.usable(k)]
            failure = None
            for key, sentence in missing:
                outcome = synthesize(
                    SynthesisJob(key, sentence.spoken, plan.voice, plan.settings.sample_rate, cache.folder)
                )
                if outcome.error:
                    if outcome.unreachable:
                        voices.mark_dead(plan.voice.engine, outcome.error)
                    failure = outcome.error
                    break
                preview.synthesized += 1
            if failure is not None:
                if not voices.fail_over(job, failure):
                    preview.state, preview.error = "failed", no_voice_message(job)
                    return
                preview.engine, preview.voice = job.plan.voice.engine, job.plan.voice.name  # type: ignore[union-attr]
                continue
            outcome = assemble(
                AssemblyJob(
                    keys=plan.keys,
                    gaps_ms=plan.gaps,
                    texts=tuple(s.text for s in plan.sentences),
                    settings=plan.settings,
                    tags=Mp3Tags(title=plan.tags.title, album="preview", track=0, language=job.lang),
                    cache_dir=cache.folder,
                    mp3_path=preview.mp3,
                    vtt_path=preview.vtt,
                )
            )
            if outcome.error:
                preview.state, preview.error = "failed", outcome.error
            else:
                preview.state = "ready"
            return

    def _prune(self) -> None:
        files = sorted(self.folder.glob("*.mp3"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in files[KEEP:]:
            for path in (old, old.with_suffix(".vtt")):
                with contextlib.suppress(OSError):
                    path.unlink()
