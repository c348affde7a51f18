"""Alignment benchmark: captions aligned to a "recording" whose sentence times are known.

    python bench/align.py [--keep DIR]

Builds the demo's English stops (`audioguide build --offline --lang en`, Piper) in a temp copy of
the project; each MP3 plays the part of a person's recording, its captions (exact for synthetic
audio) are the truth. The guide is eSpeak NG reading the same spoken sentences, trimmed and
joined with the same pauses, as the build would make it. Each recording is aligned to its guide
(audioguide.audio.align.align_sentences) in three conditions:
- as is;
- time-stretched to 85 % and 115 % of its length (ffmpeg atempo; the truth scaled alike);
- room noise (white noise, low-passed to 4 kHz) mixed in at 20 dB SNR over the speech;
and the same four on all stops joined into one long narration (about 5.5 min), to show time and
memory growing no faster than the length (the warping runs window by window past 4M frame
pairs, which each 36-55 s stop already is).
It prints the median and 95th percentile of |aligned cue start - true cue start| per condition,
beside the targets (median <= 0.25 s, p95 <= 0.6 s), and the alignment time per narration with its
length in seconds, the peak memory allocated while aligning (tracemalloc), and the first,
cold alignment in the process apart (target: a 60 s narration in under 5 s on one core).
Nothing is asserted; the figures are the result.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

# One core, as the target says: numpy's BLAS would otherwise use every core for cdist/MFCC.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from audioguide.audio.align import align_sentences, join_sentences  # noqa: E402
from audioguide.audio.captions import parse_vtt  # noqa: E402
from audioguide.audio.mp3 import decode_to_pcm, ffmpeg_path  # noqa: E402
from audioguide.audio.pcm import Pcm, resample, trim_silence  # noqa: E402

RATE = 22050
TARGET_MEDIAN_S, TARGET_P95_S, TARGET_SECONDS_PER_60 = 0.25, 0.6, 5.0


@dataclass
class Case:
    stop: str
    recording: Pcm
    truth: list[tuple[float, float]]
    guide: Pcm
    guide_spans: list[tuple[float, float]]


def build_demo(project: Path) -> None:
    project.mkdir(parents=True, exist_ok=True)
    shutil.copy2(REPO / "tour.yaml", project / "tour.yaml")
    for folder in ("stops", "lexicon"):
        shutil.copytree(REPO / folder, project / folder, dirs_exist_ok=True)
    command = [sys.executable, "-m", "audioguide", "build", "--offline", "--lang", "en", "--no-posters"]
    result = subprocess.run([*command, "-p", str(project)], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"build failed:\n{result.stderr}")


def espeak_guide(project: Path, stop_id: str) -> tuple[Pcm, list[tuple[float, float]]]:
    """eSpeak reading of the stop's spoken sentences, joined with the build's pauses."""
    from audioguide.build.plan import gaps_ms, spoken_sentences
    from audioguide.engines.registry import get_engine
    from audioguide.tour.load import require_tour

    tour, _ = require_tour(project)
    stop = tour.stop(stop_id)
    assert stop is not None
    narration = stop.narrations["en"]
    engine = get_engine("espeak")
    voice = engine.resolve("en", None, project)
    spoken = spoken_sentences(narration.script, tour.lexicons["en"])
    sentences = [trim_silence(resample(engine.synthesize(s.spoken, voice), RATE)) for s in spoken]
    gaps = [ms / 1000 for ms in gaps_ms(narration.script, tour.config.audio)]
    return join_sentences(sentences, gaps)


def load_cases(project: Path) -> list[Case]:
    cases = []
    for vtt in sorted((project / "audio" / "en").glob("*.vtt")):
        cues = parse_vtt(vtt.read_text(encoding="utf-8"))
        recording = decode_to_pcm(vtt.with_suffix(".mp3"), RATE)
        guide, spans = espeak_guide(project, vtt.stem)
        cases.append(Case(vtt.stem, recording, [(c.start, c.end) for c in cues], guide, spans))
    return cases


def stretched(pcm: Pcm, factor: float) -> Pcm:
    """The recording played in `factor` times its length, pitch kept (ffmpeg atempo)."""
    command = [ffmpeg_path(), "-nostdin", "-loglevel", "error", "-f", "s16le", "-ar", str(pcm.sample_rate)]
    command += ["-ac", "1", "-i", "pipe:0", "-filter:a", f"atempo={1 / factor:.6f}", "-f", "s16le", "pipe:1"]
    result = subprocess.run(command, input=pcm.samples.tobytes(), capture_output=True, check=True)
    return Pcm(np.frombuffer(result.stdout, np.int16).copy(), pcm.sample_rate)


def noisy(pcm: Pcm, snr_db: float, seed: int) -> Pcm:
    """Low-passed white noise (a room's hum and hiss) at `snr_db` below the speech's power."""
    from scipy.signal import butter, sosfilt

    signal = pcm.samples.astype(np.float64)
    speech = signal[np.abs(signal) > 0.005 * 32768]
    white = np.random.default_rng(seed).standard_normal(len(signal))
    noise = sosfilt(butter(4, 4000, fs=pcm.sample_rate, output="sos"), white)
    noise *= np.sqrt(np.mean(speech**2) / np.mean(noise**2) / 10 ** (snr_db / 10))
    return Pcm(np.clip(np.round(signal + noise), -32768, 32767).astype(np.int16), pcm.sample_rate)


def conditions(case: Case, seed: int) -> dict[str, tuple[Pcm, list[tuple[float, float]]]]:
    def scaled(factor: float) -> list[tuple[float, float]]:
        return [(start * factor, end * factor) for start, end in case.truth]

    return {
        "as is": (case.recording, case.truth),
        "stretched 0.85x": (stretched(case.recording, 0.85), scaled(0.85)),
        "stretched 1.15x": (stretched(case.recording, 1.15), scaled(1.15)),
        "noise 20 dB SNR": (noisy(case.recording, 20.0, seed), case.truth),
    }


def joined(cases: list[Case]) -> Case:
    """Every narration one after another with a second of silence: the long-input case."""
    gap = np.zeros(RATE, np.int16)

    def concatenate(parts: list[tuple[Pcm, list[tuple[float, float]]]]) -> tuple[Pcm, list]:
        samples: list[np.ndarray] = []
        spans: list[tuple[float, float]] = []
        offset = 0.0
        for pcm, times in parts:
            spans += [(start + offset, end + offset) for start, end in times]
            samples += [pcm.samples, gap]
            offset += pcm.seconds + 1.0
        return Pcm(np.concatenate(samples), RATE), spans

    recording, truth = concatenate([(c.recording, c.truth) for c in cases])
    guide, spans = concatenate([(c.guide, c.guide_spans) for c in cases])
    return Case("all stops joined", recording, truth, guide, spans)


def timed(case: Case, recording: Pcm) -> tuple[list[tuple[float, float]], float, float]:
    """Aligned spans, CPU seconds, and the peak of memory allocated meanwhile (MB)."""
    tracemalloc.start()
    started = time.process_time()
    aligned = align_sentences(recording, case.guide, case.guide_spans)
    spent = time.process_time() - started
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return aligned, spent, peak


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--keep", type=Path, help="build into (and reuse) this folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        project = args.keep or Path(temp) / "demo"
        if not (project / "audio" / "en").is_dir():
            print("building the demo's English stops with Piper ...", flush=True)
            build_demo(project)
        cases = load_cases(project)

    started, cpu = time.perf_counter(), time.process_time()
    align_sentences(cases[0].recording, cases[0].guide, cases[0].guide_spans)
    print(
        f"first alignment in this process ({cases[0].recording.seconds:.1f} s of audio; imports librosa,"
        f" scipy, numba's cached code): {time.process_time() - cpu:.2f} s CPU,"
        f" {time.perf_counter() - started:.2f} s wall; the rest below are warm"
    )
    errors: dict[str, list[float]] = {}
    rows: list[tuple[str, str, float, float, float]] = []
    for seed, case in enumerate([*cases, joined(cases)]):
        for name, (recording, truth) in conditions(case, seed).items():
            aligned, spent, peak = timed(case, recording)
            rows.append((case.stop, name, recording.seconds, spent, peak))
            if case.stop != "all stops joined":
                errors.setdefault(name, []).extend(
                    abs(a[0] - t[0]) for a, t in zip(aligned, truth, strict=True)
                )
            else:
                errors.setdefault(f"{name}, joined", []).extend(
                    abs(a[0] - t[0]) for a, t in zip(aligned, truth, strict=True)
                )

    sentences = sorted(len(c.truth) for c in cases)
    print(
        f"\ncue-start error, {len(cases)} English stops ({sentences[0]}-{sentences[-1]} sentences each),"
        f" Piper recording vs eSpeak guide; target median <= {TARGET_MEDIAN_S} s, p95 <= {TARGET_P95_S} s"
    )
    print(f"{'condition':<26} {'cues':>5} {'median s':>9} {'p95 s':>7} {'max s':>7}")
    for name, values in errors.items():
        median, p95 = np.median(values), np.percentile(values, 95)
        verdict = "ok" if median <= TARGET_MEDIAN_S and p95 <= TARGET_P95_S else "MISSED"
        print(f"{name:<26} {len(values):>5} {median:>9.3f} {p95:>7.3f} {max(values):>7.3f}  {verdict}")
    print(f"\n{'narration':<20} {'condition':<16} {'audio s':>8} {'CPU s':>6} {'per 60 s':>9} {'peak MB':>8}")
    for stop, name, seconds, spent, peak in rows:
        print(
            f"{stop:<20} {name:<16} {seconds:>8.1f} {spent:>6.2f} {spent * 60 / seconds:>9.2f} {peak:>8.0f}"
        )
    worst = max(spent * 60 / seconds for _, _, seconds, spent, _ in rows)
    print(f"\nslowest: {worst:.2f} s of CPU per 60 s of audio (target < {TARGET_SECONDS_PER_60} s)")


if __name__ == "__main__":
    main()
