"""Alignment benchmark: captions aligned to a "recording" whose sentence times are known.

    python bench/align.py [--keep DIR]

Builds the demo's English stops (`audioguide build --offline --lang en`, Piper) in a temp copy of
the project; each MP3 plays the part of a person's recording, its captions (exact for synthetic
audio) are the truth. The guide is eSpeak NG reading the same spoken sentences, trimmed and
joined with the same pauses, as the build would make it. Each recording is aligned to its guide
(audioguide.audio.align.align_sentences) in three conditions:
- as is;
- time-stretched to 85 % and 115 % of its length (ffmpeg atempo; the truth scaled alike);
- room noise (white noise, low-passed to 4 kHz) mixed in at 20 dB SNR over the speech.
It prints the median and 95th percentile of |aligned cue start - true cue start| per condition,
beside the targets (median <= 0.25 s, p95 <= 0.6 s), and the alignment time per narration with its
length in seconds (target: a 60 s narration in under 5 s on one core). Nothing is asserted; the
figures are the result.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

# One core, as the target says: numpy's BLAS would otherwise use every core for cdist/MFCC.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from audioguide.audio.align import align_sentences  # noqa: E402
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
    pieces: list[np.ndarray] = []
    spans: list[tuple[float, float]] = []
    position = 0
    gaps = gaps_ms(narration.script, tour.config.audio)
    for sentence, gap in zip(spoken_sentences(narration.script, tour.lexicons["en"]), gaps, strict=True):
        pcm = trim_silence(resample(engine.synthesize(sentence.spoken, voice), RATE))
        pieces.append(np.zeros(int(gap * RATE / 1000), np.int16))
        position += len(pieces[-1])
        spans.append((position / RATE, (position + len(pcm.samples)) / RATE))
        pieces.append(pcm.samples)
        position += len(pcm.samples)
    return Pcm(np.concatenate(pieces), RATE), spans


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
    result = subprocess.run(
        [ffmpeg_path(), "-nostdin", "-loglevel", "error", "-f", "s16le", "-ar", str(pcm.sample_rate)]
        + ["-ac", "1", "-i", "pipe:0", "-filter:a", f"atempo={1 / factor:.6f}", "-f", "s16le", "pipe:1"],
        input=pcm.samples.tobytes(),
        capture_output=True,
        check=True,
    )
    return Pcm(np.frombuffer(result.stdout, np.int16).copy(), pcm.sample_rate)


def noisy(pcm: Pcm, snr_db: float, seed: int) -> Pcm:
    """Low-passed white noise (a room's hum and hiss) at `snr_db` below the speech's power."""
    from scipy.signal import butter, sosfilt

    signal = pcm.samples.astype(np.float64)
    speech = signal[np.abs(signal) > 0.005 * 32768]
    noise = sosfilt(
        butter(4, 4000, fs=pcm.sample_rate, output="sos"),
        np.random.default_rng(seed).standard_normal(len(signal)),
    )
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

    align_sentences(cases[0].recording, cases[0].guide, cases[0].guide_spans)  # imports, JIT
    errors: dict[str, list[float]] = {}
    timings: list[tuple[str, str, float, float]] = []
    for seed, case in enumerate(cases):
        for name, (recording, truth) in conditions(case, seed).items():
            started = time.process_time()
            aligned = align_sentences(recording, case.guide, case.guide_spans)
            timings.append((case.stop, name, recording.seconds, time.process_time() - started))
            errors.setdefault(name, []).extend(abs(a[0] - t[0]) for a, t in zip(aligned, truth, strict=True))

    print(
        f"\n{len(cases)} English stops, {len(cases[0].truth)}-{max(len(c.truth) for c in cases)} sentences each"
    )
    print(
        f"{'condition':<18} {'cues':>5} {'median s':>9} {'p95 s':>7} {'max s':>7}  target median <= {TARGET_MEDIAN_S}, p95 <= {TARGET_P95_S}"
    )
    for name, values in errors.items():
        median, p95 = np.median(values), np.percentile(values, 95)
        ok = "ok" if median <= TARGET_MEDIAN_S and p95 <= TARGET_P95_S else "MISSED"
        print(f"{name:<18} {len(values):>5} {median:>9.3f} {p95:>7.3f} {max(values):>7.3f}  {ok}")
    print(f"\n{'stop':<20} {'condition':<18} {'audio s':>8} {'align s':>8} {'per 60 s':>9}")
    for stop, name, seconds, spent in timings:
        print(f"{stop:<20} {name:<18} {seconds:>8.1f} {spent:>8.2f} {spent * 60 / seconds:>9.2f}")
    worst = max(spent * 60 / seconds for _, _, seconds, spent in timings)
    print(f"\nslowest: {worst:.2f} s of CPU per 60 s of audio (target < {TARGET_SECONDS_PER_60} s)")


if __name__ == "__main__":
    main()
