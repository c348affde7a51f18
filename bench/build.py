"""Build benchmark on the demo tour: full build, engine time, overhead, no-op and one-edit rebuilds.

    python bench/build.py [--runs 5]

Runs `audioguide build --offline --json` in a fresh copy of the demo tour (tour.yaml, stops/,
lexicon/) in a temp folder, as a user would, and prints:
- full build wall time with the default worker count, and with --jobs 1;
- time inside engines (the report's engine_seconds; with --jobs 1 it is wall-comparable);
- overhead ratio = (wall - engine) / wall of the --jobs 1 build: everything but synthesis;
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
        parallel = fresh_copy(parent, "parallel")
        wall_parallel, _ = build(parallel)

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
    overhead = wall_serial - engine_serial
    edit_wall = statistics.median(w for w, _ in edits)
    edit_engine = statistics.median(e for _, e in edits)
    print(f"demo tour: {len(report_serial['narrations'])} narrations, {sentences} sentences")
    print(f"full build, default jobs:        {wall_parallel:7.2f} s wall")
    print(f"full build, --jobs 1:            {wall_serial:7.2f} s wall")
    print(f"  time inside engines:           {engine_serial:7.2f} s")
    share = overhead / wall_serial
    print(f"  everything else (overhead):    {overhead:7.2f} s = {share:.0%} of the build (target < 25%)")
    runs = ", ".join(f"{w:.3f}" for w in noop)
    noop_median = statistics.median(noop)
    print(f"no-op rebuild, median of {args.runs}:     {noop_median:7.3f} s (target < 1 s)  runs: {runs}")
    print(
        f"one-sentence edit, median of {args.runs}: {edit_wall:7.3f} s,"
        f" of which synthesis {edit_engine:.3f} s;"
        f" rest {edit_wall - edit_engine:.3f} s (target < 2 s)"
    )


if __name__ == "__main__":
    main()
