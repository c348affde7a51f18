"""Build benchmark on the demo tour: full build, engine time, overhead, no-op and one-edit rebuilds.

    python bench/build.py [--runs 5]

Runs `audioguide build --offline --json` in a fresh copy of the demo tour (tour.yaml, stops/,
lexicon/) in a temp folder, as a user would, and prints:
- the full build with the default worker count: wall time, time inside engines summed over the
  workers, and overhead = the share of the workers' time not spent inside engines,
  1 - engine / (workers x wall). (Engine time summed over two workers can exceed the wall
  time, so "wall - engine" means nothing there.)
- the same with --jobs 1, where overhead is simply (wall - engine) / wall;
- the floor: what no build meeting the issue can avoid: starting and reading the tour (the
  no-op rebuild) and one MP3 encode per narration (LAME through ffmpeg, as built), as a share
  of a --jobs 1 build made only of them and the engines; and how much time that leaves, under
  the 25 % target, for everything else (loudness normalization, limiting, captions, posters),
  beside what one BS.1770 loudness measurement per narration takes;
- no-op rebuild (median of --runs), target < 1 s;
- one-sentence-edit rebuild (median of --runs), target < 2 s plus that sentence's synthesis.
Targets are printed beside the figures; nothing here is asserted, the figures are the result.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def build(project: Path, *extra: str) -> tuple[float, dict]:
    command = [sys.executable, "-m", "audioguide", "build", "--offline", "--json", "-p", str(project), *extra]
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"build failed:\n{result.stderr}")
    return wall, json.loads(result.stdout)


def fresh_copy(parent: Path, name: str) -> Path:
    project = parent / name
    project.mkdir()
    shutil.copy2(REPO / "tour.yaml", project / "tour.yaml")
    for folder in ("stops", "lexicon"):
        shutil.copytree(REPO / folder, project / folder)
    return project


def floor_seconds(project: Path) -> tuple[float, float]:
    """Seconds to MP3-encode every built narration once, and to measure its loudness once."""
    from audioguide.audio.dsp import gated_loudness, k_weighted
    from audioguide.audio.mp3 import Mp3Tags, decode_to_pcm, export_mp3
    from audioguide.audio.pcm import to_float

    encode = measure = 0.0
    tags = Mp3Tags("title", "album", 1, "en")
    with tempfile.TemporaryDirectory() as temp:
        for path in sorted((project / "audio").rglob("*.mp3")):
            pcm = decode_to_pcm(path)
            started = time.perf_counter()
            export_mp3(pcm.samples, pcm.sample_rate, 64, tags, Path(temp) / "floor.mp3")
            encode += time.perf_counter() - started
            started = time.perf_counter()
            gated_loudness(k_weighted(to_float(pcm.samples), pcm.sample_rate), pcm.sample_rate)
            measure += time.perf_counter() - started
    return encode, measure


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="audioguide-bench-") as temp:
        parent = Path(temp)
        serial = fresh_copy(parent, "serial")
        wall_serial, report_serial = build(serial, "--jobs", "1")
        engine_serial = report_serial["engine_seconds"]
        encode_floor, measure_floor = floor_seconds(serial)
        parallel = fresh_copy(parent, "parallel")
        wall_parallel, report_parallel = build(parallel)

        noop = []
        for _ in range(args.runs):
            wall, report = build(parallel)
            assert report["sentences_synthesized"] == 0, report
            noop.append(wall)

        english = parallel / "stops" / "welcome" / "en.md"
        original = english.read_text(encoding="utf-8")
        edits = []
        for run in range(args.runs):
            # A different new sentence each run, so the cache cannot answer it.
            english.write_text(
                original.rstrip() + f"\n\nThank you for listening, visitor {run + 1}.\n", encoding="utf-8"
            )
            wall, report = build(parallel)
            assert report["sentences_synthesized"] == 1, report
            edits.append((wall, report["engine_seconds"]))
        english.write_text(original, encoding="utf-8")

    sentences = report_serial["sentences_synthesized"]
    workers = report_parallel["workers"]
    engine_parallel = report_parallel["engine_seconds"]
    share_parallel = 1 - engine_parallel / (workers * wall_parallel)
    overhead_serial = wall_serial - engine_serial
    share_serial = overhead_serial / wall_serial
    noop_median = statistics.median(noop)
    floor = noop_median + encode_floor
    left = engine_serial / 3 - floor  # overhead < 25 % of the build <=> overhead < engine / 3
    edit_wall = statistics.median(w for w, _ in edits)
    edit_engine = statistics.median(e for _, e in edits)
    print(f"demo tour: {len(report_serial['narrations'])} narrations, {sentences} sentences")
    print(f"full build, default ({workers} workers): {wall_parallel:7.2f} s wall")
    per_worker = engine_parallel / workers
    print(f"  inside engines, summed:        {engine_parallel:7.2f} s = {per_worker:.2f} s per worker")
    print(
        f"  overhead:                      {wall_parallel - per_worker:7.2f} s per worker"
        f" = {share_parallel:.0%} of the build (target < 25%)"
    )
    print(f"full build, --jobs 1:            {wall_serial:7.2f} s wall")
    print(f"  inside engines:                {engine_serial:7.2f} s")
    print(
        f"  overhead:                      {overhead_serial:7.2f} s"
        f" = {share_serial:.0%} of the build (target < 25%)"
    )
    print(
        f"floor: start-up {noop_median:.2f} s + one MP3 encode per narration {encode_floor:.2f} s"
        f" = {floor:.2f} s = {floor / (engine_serial + floor):.0%} of a build of only them and the engines"
    )
    print(
        f"  under 25% that leaves {left:.2f} s for all else; one loudness measurement per"
        f" narration alone takes {measure_floor:.2f} s"
    )
    runs = ", ".join(f"{w:.3f}" for w in noop)
    print(f"no-op rebuild, median of {args.runs}:     {noop_median:7.3f} s (target < 1 s)  runs: {runs}")
    print(
        f"one-sentence edit, median of {args.runs}: {edit_wall:7.3f} s,"
        f" of which synthesis {edit_engine:.3f} s;"
        f" rest {edit_wall - edit_engine:.3f} s (target < 2 s)"
    )


if __name__ == "__main__":
    main()
