"""Peak memory of assembling one narration, by narration length (issue 11, defect 4).

    python bench/memory.py [--minutes 1 15 180] [--tree /work/prev] [--limit-mb 8000]

A few sentences are spoken once with eSpeak NG and written into a temporary sentence cache;
each narration repeats them (with the default 450/900 ms pauses) up to the wanted length, and
is assembled (join, normalize, limit, encode, verify, captions) by the tree's own `assemble`
in a fresh Python process, which reports its peak resident memory (VmHWM in /proc/self/status:
not ru_maxrss, which Linux carries over from the parent through fork and exec, so that a child
of a parent that measured a long file would report the parent's peak; ffmpeg runs as a
separate process and streams). The published MP3 is then measured here:
integrated loudness and true peak with this tree's streamed meters (the file is never held
whole), and with pyloudnorm too up to 15 minutes.

`--tree` runs the assembly of another checkout (e.g. the previous main at /work/prev, whose
modules sat at audioguide/workers.py); `--limit-mb` caps the child's address space so that a
path whose memory grows with length fails with MemoryError instead of exhausting the machine.
Target: <= 300 MB per worker at 3 hours. Nothing is asserted; the figures are the result.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

SENTENCES = [
    "The camp held women whose husbands had been declared traitors to the Motherland.",
    "Many of them never learned what had happened to their families.",
    "They worked in the fields and in the sewing workshop, in heat and in frost.",
    "Local people threw food over the fence, at great risk to themselves.",
    "Today their names are written on the wall of memory.",
    "Please take a moment of silence before you walk on.",
]
GAPS_MS = (450, 450, 900)  # two sentence pauses, then a paragraph pause
RATE = 22050


def write_cache(folder: Path) -> list[tuple[str, int]]:
    """The sentences spoken into `folder` as a sentence cache; returns (key, frames) each."""
    from audioguide.audio.pcm import resample, trim_silence
    from audioguide.engines import Voice, get_engine

    engine = get_engine("espeak")
    voice = engine.resolve("en", None, REPO)
    assert isinstance(voice, Voice)
    entries = []
    for text in SENTENCES:
        pcm = trim_silence(resample(engine.synthesize(text, voice), RATE))
        key = hashlib.sha256(text.encode()).hexdigest()
        path = folder / "sentences" / key[:2] / f"{key}.wav"
        path.parent.mkdir(parents=True, exist_ok=True)
        with wave.open(str(path), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(RATE)
            out.writeframes(pcm.samples.tobytes())
        entries.append((key, len(pcm.samples)))
    return entries


def narration_spec(entries: list[tuple[str, int]], seconds: float, cache: Path, out: Path) -> dict:
    keys: list[str] = []
    gaps: list[int] = []
    total = 0.0
    while total < seconds:
        key, frames = entries[len(keys) % len(entries)]
        gap = GAPS_MS[len(keys) % len(GAPS_MS)] if keys else 0
        keys.append(key)
        gaps.append(gap)
        total += frames / RATE + gap / 1000
    return {
        "keys": keys,
        "gaps": gaps,
        "cache": str(cache),
        "mp3": str(out / "narration.mp3"),
        "vtt": str(out / "narration.vtt"),
    }


def peak_mb() -> float:
    """This process's own peak resident memory."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # elsewhere: the closest


def child(spec_path: str, limit_mb: int) -> None:
    """Runs in the fresh process: one assembly, then its own and its children's peak memory."""
    if limit_mb:
        limit = limit_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    spec = json.loads(Path(spec_path).read_text())
    try:
        from audioguide.audio.mp3 import Mp3Tags
        from audioguide.build.workers import AssemblyJob, assemble
        from audioguide.tour.schema import AudioSettings
    except ImportError:  # the previous layout (before the subpackages)
        from audioguide.config import AudioSettings  # type: ignore[no-redef]
        from audioguide.workers import AssemblyJob, assemble  # type: ignore[no-redef]

        from audioguide.audio import Mp3Tags  # type: ignore[no-redef]
    job = AssemblyJob(
        keys=tuple(spec["keys"]),
        gaps_ms=tuple(spec["gaps"]),
        texts=tuple(f"Sentence {i}." for i in range(len(spec["keys"]))),
        settings=AudioSettings(),
        tags=Mp3Tags("Bench", "Memory", 1, "en"),
        cache_dir=Path(spec["cache"]),
        mp3_path=Path(spec["mp3"]),
        vtt_path=Path(spec["vtt"]),
    )
    started = time.perf_counter()
    outcome = assemble(job)
    seconds = time.perf_counter() - started
    report = {
        "seconds": seconds,
        "duration": outcome.duration,
        "error": outcome.error,
        "peak_mb": peak_mb(),
    }
    print(json.dumps(report))


def measure(mp3: Path, minutes: float) -> tuple[float, float, float | None]:
    """(loudness, true peak) of the file by the streamed meters; pyloudnorm's up to 15 min."""
    from audioguide.audio.mp3 import decode_to_pcm, measure_file
    from audioguide.audio.pcm import to_float

    loudness, peak = measure_file(mp3, RATE)
    reference = None
    if minutes <= 15:
        from audioguide.audio.loudness import integrated_loudness

        reference = integrated_loudness(to_float(decode_to_pcm(mp3, RATE).samples), RATE)
    return loudness, peak, reference


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, nargs="+", default=[1, 15, 180])
    parser.add_argument("--tree", type=Path, default=REPO, help="the checkout whose assembly runs")
    parser.add_argument("--limit-mb", type=int, default=0, help="address-space cap for the assembly")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sys.path.remove(str(REPO))  # the tree comes from PYTHONPATH
        child(args.child, args.limit_mb)
        return
    environment = {**os.environ, "PYTHONPATH": str(args.tree.resolve())}
    print(f"assembly from {args.tree.resolve()}")
    columns = ("narration", "peak MB", "seconds", "LUFS", "pyloudnorm", "dBTP")
    print(" ".join(f"{name:>{width}}" for name, width in zip(columns, (10, 8, 8, 7, 10, 6), strict=True)))
    with tempfile.TemporaryDirectory() as temp:
        cache = Path(temp) / "cache"
        entries = write_cache(cache)
        for minutes in args.minutes:
            out = Path(temp) / f"out-{minutes}"
            out.mkdir()
            spec_path = out / "spec.json"
            spec_path.write_text(json.dumps(narration_spec(entries, minutes * 60, cache, out)))
            command = [sys.executable, __file__, "--child", str(spec_path), "--limit-mb", str(args.limit_mb)]
            result = subprocess.run(command, capture_output=True, text=True, env=environment, check=False)
            if result.returncode != 0 or not result.stdout.strip():
                print(f"{minutes:>8g} m failed: {result.stderr.strip().splitlines()[-1:]}")
                continue
            report = json.loads(result.stdout.strip().splitlines()[-1])
            if report["error"]:
                print(f"{minutes:>8g} m {report['peak_mb']:>8.0f} failed: {report['error'][:80]}")
                continue
            loudness, peak, reference = measure(Path(out / "narration.mp3"), minutes)
            shown = f"{reference:>10.2f}" if reference is not None else f"{'-':>10}"
            print(
                f"{report['duration'] / 60:>8.1f} m {report['peak_mb']:>8.0f} {report['seconds']:>8.1f}"
                f" {loudness:>7.2f} {shown} {peak:>6.2f}",
                flush=True,
            )
            for leftover in out.iterdir():
                leftover.unlink()


if __name__ == "__main__":
    main()
