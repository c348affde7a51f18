"""Which narrations a build makes, and with which voice: the one rule `check` and `build` share.

Each narration has a chain of engines (configured in tour.yaml or stop.yaml, or the default
order); the first usable one speaks it, and a failing engine hands it to the next.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from audioguide.build.narration import NarrationJob
from audioguide.build.recordings import guide_chain
from audioguide.build.report import BuildOptions, NarrationReport
from audioguide.engines import default_chain
from audioguide.engines.base import Voice
from audioguide.engines.registry import ENGINE_NAMES, ENGINES, get_engine
from audioguide.errors import BuildError, ContentError, EngineError
from audioguide.published import RECORDING_ENGINE
from audioguide.tour.diagnostics import Diagnostics
from audioguide.tour.load import format_problems
from audioguide.tour.model import Tour
from audioguide.tour.schema import VoiceChoice

Chains = list[tuple[Path, dict[str, int], dict[str, list[VoiceChoice]]]]


def configured_chains(tour: Tour) -> Chains:
    """(file, line of each language, voice chain of each language) of every `voices:` setting."""
    chains: Chains = [(tour.root / "tour.yaml", tour.config.voice_lines, tour.config.voices)]
    chains += [(s.path / "stop.yaml", s.config.voice_lines, s.config.voices) for s in tour.stops]
    return chains


def check_engine_names(tour: Tour, diags: Diagnostics) -> None:
    """Every engine named in a `voices:` chain must be one audioguide knows."""
    for path, lines, voices in configured_chains(tour):
        for lang, chain in voices.items():
            line = lines.get(lang, 0)
            unknown = [choice.engine for choice in chain if choice.engine not in ENGINE_NAMES]
            for choice in chain:
                if (
                    choice.speaker is not None
                    and choice.engine in ENGINES
                    and not ENGINES[choice.engine].speakers
                ):
                    diags.error(
                        path,
                        line,
                        f"voices.{lang}: {choice.engine} has no speakers to choose from; 'speaker'"
                        " names a speaker of a multi-speaker voice, e.g."
                        " {piper: kk_KZ-issai-high, speaker: ISSAI_KazakhTTS2_F1}",
                    )
            for engine in unknown:
                close = difflib.get_close_matches(engine, ENGINE_NAMES, n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                diags.error(
                    path,
                    line,
                    f"voices.{lang}: unknown engine '{engine}' (choose from {', '.join(ENGINE_NAMES)}){hint}",
                )
            if chain and len(unknown) == len(chain):
                diags.error(path, line, f"voices.{lang}: list at least one engine")


def refuse_unknown_engines(tour: Tour) -> None:
    """Raise ContentError, listing each as path:line, when a chain names an unknown engine."""
    diags = Diagnostics(tour.root)
    check_engine_names(tour, diags)
    if diags.errors:
        raise ContentError(format_problems(diags))


def check_voices(tour: Tour, diags: Diagnostics) -> None:
    """Every configured voice must exist (an uninstalled Piper voice, a typo in an eSpeak voice);
    only a chain with no usable engine at all is an error, since the build falls back."""
    check_engine_names(tour, diags)
    picker = VoicePicker(tour)
    for path, lines, voices in configured_chains(tour):
        for lang, configured in voices.items():
            chain = [choice for choice in configured if choice.engine in ENGINE_NAMES]
            if not chain:
                continue  # reported above
            problems = []
            line = lines.get(lang, 0)
            for choice in chain:
                try:
                    picker.resolve(choice, lang)
                except EngineError as exc:
                    if exc.unreachable:
                        problems.append(f"{choice}: {exc}")
                    else:  # the voice is there but misconfigured: a speaker it does not have
                        diags.error(path, line, f"voices.{lang}: {choice}: {exc}")
            if len(problems) == len(chain):
                diags.error(path, line, f"no voice for '{lang}' can be used: {'; '.join(problems)}")
            for problem in problems if len(problems) < len(chain) else []:
                diags.warning(path, line, f"voices.{lang}: {problem} (the build will fall back)")


def select_narrations(tour: Tour, options: BuildOptions) -> list[NarrationJob]:
    """The narrations `--only` and `--lang` ask for (all when neither), with their voice chains."""
    unknown_ids = [i for i in options.only if tour.stop(i) is None]
    if unknown_ids:
        known = ", ".join(s.id for s in tour.stops)
        raise BuildError(f"no stop with id {', '.join(unknown_ids)} (stops: {known})")
    unknown_langs = [lang for lang in options.langs if lang not in tour.languages]
    if unknown_langs:
        raise BuildError(
            f"language {', '.join(unknown_langs)} is not in tour.yaml ({', '.join(tour.languages)})"
        )
    wanted_ids = {tour.stop(i).id for i in options.only}  # type: ignore[union-attr]
    jobs = []
    for stop in tour.stops:
        if wanted_ids and stop.id not in wanted_ids:
            continue
        for lang in tour.languages:
            if (options.langs and lang not in options.langs) or lang not in stop.narrations:
                continue
            if stop.narrations[lang].recording is not None:
                chain, preferred = guide_chain(tour.voices_for(stop, lang)), RECORDING_ENGINE
            else:
                chain = list(tour.voices_for(stop, lang) or default_chain(lang, tour.root))
                preferred = chain[0].engine
            report = NarrationReport(stop.id, lang, preferred_engine=preferred)
            jobs.append(NarrationJob(stop, lang, chain, report))
    return jobs


class VoicePicker:
    """Moves narrations along their chains. Resolving a voice is cached for the build, and an
    engine found unreachable (`dead`) is skipped by every narration from then on."""

    def __init__(self, tour: Tour, *, offline: bool = False) -> None:
        self.tour = tour
        self.offline = offline
        self.dead: dict[str, str] = {}  # engine -> why it cannot be used in this build
        self._resolved: dict[tuple[str, str, str | None], Voice | EngineError] = {}

    def resolve(self, choice: VoiceChoice, lang: str) -> Voice:
        key = (choice, lang)
        if key not in self._resolved:
            try:
                engine = get_engine(choice.engine)
                self._resolved[key] = engine.resolve(lang, choice.voice, self.tour.root, choice.speaker)
            except EngineError as exc:
                self._resolved[key] = exc
        found = self._resolved[key]
        if isinstance(found, EngineError):
            raise found
        return found

    def mark_dead(self, engine: str, reason: str) -> None:
        self.dead.setdefault(engine, reason)

    def choose(self, job: NarrationJob) -> bool:
        """Plan `job` with the first usable engine from its position; False when none is left."""
        if job.recording is not None:
            job.use_recording(self._guide(job), self.tour)
            return True  # the recording is the audio: only its captions' guide can fail
        while job.position < len(job.chain):
            choice = job.choice
            if ENGINES[choice.engine].online and self.offline:
                job.pass_over(f"{choice.engine}: skipped (--offline)")
            elif choice.engine in self.dead:
                job.pass_over(f"{choice.engine}: {self.dead[choice.engine]}")
            else:
                try:
                    voice = self.resolve(choice, job.lang)
                except EngineError as exc:
                    job.pass_over(f"{choice}: {exc}")
                else:
                    job.use(voice, self.tour)
                    return True
        job.plan = None
        return False

    def _guide(self, job: NarrationJob) -> Voice | None:
        """The voice that speaks a recorded narration's text for aligning the captions."""
        while job.position < len(job.chain):
            choice = job.choice
            if choice.engine in self.dead:
                job.pass_over(f"{choice.engine} (caption guide): {self.dead[choice.engine]}")
                continue
            try:
                return self.resolve(choice, job.lang)
            except EngineError as exc:
                job.pass_over(f"{choice} (caption guide): {exc}")
        return None

    def fail_over(self, job: NarrationJob, reason: str) -> bool:
        """`job`'s engine failed it: plan it with the next usable engine; False when none is left."""
        job.fail_over(reason)
        return self.choose(job)


def no_voice_message(job: NarrationJob) -> str:
    reasons = "; ".join(job.report.tried) or "no engine is configured"
    return (
        f"no voice could speak '{job.lang}' ({reasons}); fix 'voices' in tour.yaml"
        f" or stops/{job.stop.id}/stop.yaml (audioguide check lists the problem)"
    )
