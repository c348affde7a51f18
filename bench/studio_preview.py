#!/usr/bin/env python3
"""How long "Listen" takes in the studio after a one-sentence edit, against the synthesis of
that one sentence.

    python bench/studio_preview.py [--stop welcome] [--lang ru] [--runs 5]

It copies the demo tour into a temporary folder with eSpeak NG for every language (offline,
nothing from the network), previews the narration once (cold: every sentence is spoken into
the sentence cache), then `--runs` times changes one word of the first sentence and previews
again through the studio's own code (audioguide.studio.preview). For each run it prints the
preview's seconds (from the request to a playable MP3 + captions) and, separately, the time
to synthesize the changed sentence alone (the same engine, voice and post-processing, into an
empty cache). The difference is planning plus assembly (join, loudness, MP3, WebVTT).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from audioguide.build.plan import spoken_sentences  # noqa: E402
from audioguide.build.workers import AssemblyJob, SynthesisJob, assemble, synthesize  # noqa: E402
from audioguide.engines import get_engine  # noqa: E402
from audioguide.studio.preview import Previews  # noqa: E402
from audioguide.studio.texts import compose, split  # noqa: E402
from audioguide.tour.load import load_tour  # noqa: E402

WORDS = ["сегодня", "всегда", "здесь", "теперь", "снова", "тихо", "вместе", "долго", "рядом"]


def copy_tour(work: Path) -> Path:
    project = work / "tour"
    project.mkdir()
    for name in ("stops", "lexicon"):
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, project / name)
    text = (REPO / "tour.yaml").read_text(encoding="utf-8")
    tour, _ = load_tour(REPO)
    assert tour is not None
    voices = "voices:\n" + "".join(f"  {lang}: [{{espeak: {lang}}}]\n" for lang in tour.languages)
    (project / "tour.yaml").write_text(text + "\n" + voices, encoding="utf-8")
    return project


def sentence_and_assembly_alone(
    project: Path, stop_id: str, lang: str, text: str, scratch: Path
) -> tuple[float, float]:
    """Seconds to synthesize the first sentence of `text` into an empty cache, and to assemble
    the whole narration from the (warm) sentence cache, each on its own."""
    tour, _ = load_tour(project)
    assert tour is not None
    previews = Previews(project)
    job, _ = previews._plan(stop_id, lang, text)
    assert job.plan is not None
    first = spoken_sentences(job.stop.narrations[lang].script, tour.lexicons[lang])[0]
    started = time.perf_counter()
    outcome = synthesize(
        SynthesisJob(job.plan.keys[0], first.spoken, job.plan.voice, job.plan.settings.sample_rate, scratch)
    )
    sentence = time.perf_counter() - started
    assert outcome.error is None, outcome.error
    plan = job.plan
    started = time.perf_counter()
    assembled = assemble(
        AssemblyJob(
            plan.keys,
            plan.gaps,
            tuple(s.text for s in plan.sentences),
            plan.settings,
            plan.tags,
            project / ".audioguide-cache",
            scratch / "alone.mp3",
            scratch / "alone.vtt",
        )
    )
    assert assembled.error is None, assembled.error
    return sentence, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--stop", default="welcome")
    parser.add_argument("--lang", default="ru")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-preview-") as folder:
        work = Path(folder)
        project = copy_tour(work)
        path = project / "stops" / args.stop / f"{args.lang}.md"
        original = path.read_text(encoding="utf-8")
        editor = split(original)
        previews = Previews(project)
        get_engine("espeak")  # the engine's one-off loading is not what a staff member waits for
        cold = previews.start(args.stop, args.lang, original, wait=True)
        assert cold.state == "ready", cold.error
        print(f"{args.stop} ({args.lang}): {cold.sentences} sentences, espeak {cold.voice}")
        print(f"cold preview (every sentence spoken): {cold.seconds:.2f} s")
        totals, sentences, assemblies = [], [], []
        for run in range(args.runs):
            first, dot, rest = editor.body.partition(". ")
            body = f"{first} {WORDS[run % len(WORDS)]}{run}{dot}{rest}"
            text = compose(original, editor.title, body)
            started = time.perf_counter()
            preview = previews.start(args.stop, args.lang, text, wait=True)
            total = time.perf_counter() - started  # from the click: planning included
            assert preview.state == "ready", preview.error
            assert preview.synthesized == 1, preview.synthesized
            sentence, assembly = sentence_and_assembly_alone(
                project, args.stop, args.lang, text, work / f"alone-{run}"
            )
            totals.append(total)
            sentences.append(sentence)
            assemblies.append(assembly)
            print(
                f"run {run + 1}: preview after a one-sentence edit {total:.3f} s;"
                f" alone: that sentence's synthesis {sentence:.3f} s, assembly {assembly:.3f} s"
            )
        median = statistics.median
        rest = median(totals) - median(sentences) - median(assemblies)
        print(
            f"median: preview {median(totals):.3f} s; sentence {median(sentences):.3f} s"
            f" + assembly {median(assemblies):.3f} s = {median(sentences) + median(assemblies):.3f} s;"
            f" planning and the rest {rest:.3f} s"
        )


if __name__ == "__main__":
    main()
