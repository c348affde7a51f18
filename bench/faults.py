#!/usr/bin/env python3
"""The fault suite of issue 11: never a wrong byte, never locked out.

    python bench/faults.py [--only kill,concurrent,disk,live,slow,soak] [--kills 20]
                           [--rebuilds 20] [--soak-minutes 10] [--seed 1]

Scenarios, each on a small tour built with eSpeak (offline) in a temporary folder; servers on
127.0.0.1 only; every wait bounded:
  kill        kill -9 of the build process (even runs) or of one of its workers (odd runs) at
              random moments of a build; after each, every file the manifest names holds its
              sha256, and the next build exits 0 and leaves them so.
  concurrent  two builds started at once, without --wait (one refuses, naming the other) and
              with it (one waits): both end well, the manifest matches the files, and one more
              build finds everything unchanged.
  disk        disk full (ENOSPC) at every write of a rebuild in turn (tests/helpers/faults.py):
              a clear error naming the file, the summary printed, nothing published harmed,
              and the next build exits 0.
  live        rebuilds that change and revert the audio while 12 threads fetch random ranges
              of the media URLs the pages name from `audioguide serve`; every body is compared
              with the bytes its hash names.
  slow        1,000 sockets dripping a request head while phones open pages.
  soak        pages, ranges and API calls for --soak-minutes with a rebuild every minute:
              errors, wrong bytes and the server's memory growth (VmRSS).
It prints one table: scenario, runs, failures, figures.
"""

from __future__ import annotations

import argparse
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.helpers.faults import (  # noqa: E402
    DiskFull,
    disk_full_run,
    manifest_mismatches,
    visible_temp_files,
)
from tests.helpers.processes import kill, run_build, start_build, workers_of  # noqa: E402
from tests.helpers.slow_clients import DripClients, visit  # noqa: E402
from tests.helpers.tours import write_tour  # noqa: E402
from tests.helpers.traffic import Traffic, Versions, rss_kib  # noqa: E402
from tests.helpers.web_fixtures import running_server  # noqa: E402

LANGS = ("en", "ru")
STOPS = ("gate", "wall", "garden")


def texts(version: int) -> dict[str, dict[str, str]]:
    """The tour's narrations in `version`: every version sounds different."""
    return {
        stop: {
            "en": f"Version {version}. The {stop} of the memorial stands in the steppe."
            " Visitors walk here in silence.",
            "ru": f"Версия {version}. Здесь стоит {stop} мемориала. Посетители идут здесь молча.",
        }
        for stop in STOPS
    }


def tour(root: Path, version: int, languages: tuple[str, ...] = LANGS) -> Path:
    return write_tour(root, languages=languages, stops=texts(version))


@dataclass
class Row:
    scenario: str
    runs: int
    failures: int
    figures: str
    notes: list[str]


def problems_of(root: Path) -> list[str]:
    return manifest_mismatches(root / "audio") + [f"visible temp {p}" for p in visible_temp_files(root)]


# ----- kill -9 ------------------------------------------------------------------------------


def scenario_kill(work: Path, args: argparse.Namespace, rng: random.Random) -> Row:
    root = tour(work / "kill", 0)
    started = time.monotonic()
    code, output = run_build(root)
    full = time.monotonic() - started
    assert code == 0, output
    failures, notes, moments = 0, [], []
    landed = {"build": 0, "worker": 0, "finished first": 0}
    for run in range(args.kills):
        tour(root, run + 1)
        target = "build" if run % 2 == 0 else "worker"
        moment = rng.uniform(0.1, full)
        moments.append(moment)
        process = start_build(root)
        time.sleep(moment)
        if process.poll() is not None:
            landed["finished first"] += 1
        elif target == "build":
            kill(process)
            landed["build"] += 1
        else:
            workers = workers_of(process.pid)
            deadline = time.monotonic() + 30
            while not workers and process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)  # the pool starts on demand: the first worker, soon
                workers = workers_of(process.pid)
            if workers:
                subprocess.run(["kill", "-9", str(rng.choice(workers))], check=False)
                landed["worker"] += 1
            else:
                landed["finished first"] += 1
            try:  # the build notices its broken pool and stops by itself
                process.wait(timeout=120)
            except subprocess.TimeoutExpired:
                notes.append(f"run {run}: the build hung after a worker was killed")
                failures += 1
            kill(process)
        found = problems_of(root)
        code, output = run_build(root)
        if code != 0:
            found.append(f"the next build exited {code}: {output[-300:]}")
        found += [f"after the next build: {p}" for p in problems_of(root)]
        if found:
            failures += 1
            notes.append(f"run {run} ({target} at {moment:.2f} s): {found[:3]}")
    figures = (
        f"full build {full:.1f} s; kills at {min(moments):.2f}-{max(moments):.2f} s: "
        f"{landed['build']} build, {landed['worker']} worker, {landed['finished first']} after the end"
    )
    return Row("kill -9 build / worker", args.kills, failures, figures, notes)


# ----- two builds at once -------------------------------------------------------------------


def scenario_concurrent(work: Path, args: argparse.Namespace, rng: random.Random) -> Row:
    root = tour(work / "concurrent", 0)
    assert run_build(root)[0] == 0
    failures, notes, outcomes = 0, [], []
    for run in range(args.pairs * 2):
        wait = run % 2 == 1
        tour(root, 100 + run)
        flags = ("--wait",) if wait else ()
        first = start_build(root, *flags, output=subprocess.PIPE)
        second = start_build(root, *flags, output=subprocess.PIPE)
        results = []
        for process in (first, second):
            try:
                output, _ = process.communicate(timeout=600)
                results.append((process.returncode, output.decode(errors="replace")))
            except subprocess.TimeoutExpired:
                kill(process)
                results.append((-1, "timed out"))
        codes = sorted(code for code, _ in results)
        found = []
        if wait:
            ok = codes == [0, 0] and any("waiting for it to finish" in out for _, out in results)
            outcomes.append("waited" if ok else f"exits {codes}")
        else:
            refused = [out for code, out in results if code != 0]
            named = bool(refused) and "is building this project now" in refused[0]
            ok = codes == [0, 0] or (codes[0] == 0 and named)
            outcomes.append("refused" if codes != [0, 0] else "no overlap")
        if not ok:
            found.append(f"exits {codes}: {[out[-200:] for _, out in results]}")
        found += problems_of(root)
        code, output = run_build(root, "--json")
        if code != 0 or '"status": "built"' in output or '"status": "failed"' in output:
            found.append(f"one more build is not all unchanged (exit {code})")
        if found:
            failures += 1
            notes.append(f"run {run} ({'--wait' if wait else 'no --wait'}): {found[:3]}")
    figures = ", ".join(f"{outcomes.count(o)} {o}" for o in sorted(set(outcomes)))
    return Row("two builds at once", len(outcomes), failures, figures, notes)


# ----- disk full ----------------------------------------------------------------------------


def scenario_disk(work: Path, args: argparse.Namespace, rng: random.Random) -> Row:
    from tests.helpers.audio_checks import invoke, separate_runner

    base = write_tour(work / "disk" / "base", languages=("en",), stops={s: t for s, t in texts(0).items()})
    runner = separate_runner()
    assert invoke(runner, "build", "-p", base, "--offline", "--jobs", "1").exit_code == 0
    write_tour(base, languages=("en",), stops=texts(1))
    for stop in STOPS:  # new titles too: the posters are redrawn
        path = base / "stops" / stop / "en.md"
        path.write_text(path.read_text(encoding="utf-8").replace("title: ", "title: New "), encoding="utf-8")
    probe = work / "disk" / "probe"
    shutil.copytree(base, probe)
    with DiskFull().installed() as disk:
        assert invoke(runner, "build", "-p", probe, "--offline", "--jobs", "1").exit_code == 0
    failures, notes, sites = 0, [], {}
    for index in range(len(disk.targets)):
        project = work / "disk" / f"run-{index}"
        shutil.copytree(base, project)
        run = disk_full_run(
            project, index, STOPS, courtesy=lambda p: p.name.startswith(".audioguide-build"), rebuild=True
        )
        sites[run.site] = sites.get(run.site, 0) + 1
        if run.problems:
            failures += 1
            notes.append(f"write {index} {run.target}: {run.problems[:3]}")
        shutil.rmtree(project, ignore_errors=True)
    figures = f"{len(disk.targets)} writes: " + ", ".join(f"{site} x{n}" for site, n in sites.items())
    return Row("disk full at each write", len(disk.targets), failures, figures, notes)


# ----- rebuilds under traffic ---------------------------------------------------------------


def pages_of(languages: tuple[str, ...] = LANGS) -> list[str]:
    return [f"/{lang}/{stop}" for lang in languages for stop in STOPS]


def host_port(base: str) -> tuple[str, int]:
    host, port = re.fullmatch(r"http://([\d.]+):(\d+)", base).groups()  # type: ignore[union-attr]
    return host, int(port)


def rebuild(root: Path, version: int, versions: Versions, notes: list[str]) -> bool:
    tour(root, version)
    code, output = run_build(root)
    if code != 0:
        notes.append(f"rebuild to version {version} exited {code}: {output[-300:]}")
        return False
    versions.record(root / "audio")
    return True


def describe_traffic(traffic: Traffic) -> str:
    tally = traffic.tally
    statuses = "/".join(f"{code}:{n}" for code, n in sorted(tally.statuses.items()))
    return (
        f"{tally.requests} requests ({statuses}), {tally.checked_bytes / 1e6:.1f} MB compared, "
        f"{len(tally.wrong)} wrong, {len(tally.errors)} errors"
    )


def scenario_live(work: Path, args: argparse.Namespace, rng: random.Random) -> Row:
    root = tour(work / "live", 0)
    versions = Versions()
    notes: list[str] = []
    assert rebuild(root, 0, versions, notes), notes
    failed_builds = 0
    with running_server(root, work / "live-stats.sqlite3", ready_seconds=120) as (base, _):
        host, port = host_port(base)
        with Traffic(host, port, pages_of(), versions, threads=12, seed=args.seed) as traffic:
            time.sleep(1)
            for run in range(args.rebuilds):
                # Change, then revert: versions 1 and 0 alternate, so old hashes come back.
                failed_builds += not rebuild(root, (run + 1) % 2, versions, notes)
                time.sleep(rng.uniform(0.2, 1.5))
            time.sleep(2)
    tally = traffic.tally
    notes += tally.wrong[:5] + tally.errors[:5]
    failures = len(tally.wrong) + len(tally.errors) + failed_builds
    figures = f"{describe_traffic(traffic)}; {len(versions)} file versions"
    return Row("rebuilds while fetching", args.rebuilds, failures, figures, notes)


# ----- slow clients -------------------------------------------------------------------------


def scenario_slow(work: Path, args: argparse.Namespace, rng: random.Random) -> Row:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < 4096:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(4096, hard), hard))
    root = tour(work / "slow", 0)
    assert run_build(root)[0] == 0
    with (
        running_server(root, work / "slow-stats.sqlite3", ready_seconds=120) as (base, _),
        DripClients(*host_port(base), args.drip, source="127.0.0.2", interval=4.0) as drips,
    ):
        time.sleep(5)  # every socket has sent its first bytes
        visits = visit(*host_port(base), pages_of(), source="127.0.0.3", seconds=args.slow_seconds)
        closed = drips.closed_by_server
    figures = f"{args.drip} drip sockets: {visits.summary()}; drips closed or refused: {closed}"
    return Row("slow sockets", len(visits.latencies), len(visits.errors), figures, visits.errors[:5])


# ----- soak ---------------------------------------------------------------------------------


def scenario_soak(work: Path, args: argparse.Namespace, rng: random.Random) -> Row:
    root = tour(work / "soak", 0)
    versions = Versions()
    notes: list[str] = []
    assert rebuild(root, 0, versions, notes), notes
    api = [f"/api/v1/tour?lang={lang}" for lang in LANGS] + [
        f"/api/v1/stops/{stop}?lang={lang}" for stop in STOPS for lang in LANGS
    ]
    seconds = args.soak_minutes * 60
    failed_builds, rebuilds = 0, 0
    with running_server(root, work / "soak-stats.sqlite3", ready_seconds=120) as (base, server):
        host, port = host_port(base)
        mix = {"page": 3, "media": 5, "api": 2}
        with Traffic(
            host, port, pages_of(), versions, threads=6, mix=mix, seed=args.seed, api_paths=api
        ) as traffic:
            started = time.monotonic()
            time.sleep(min(20.0, seconds / 4))  # warm-up: every page rendered, every thread running
            baseline = peak = rss_kib(server.pid)
            next_build = started + 60
            while time.monotonic() - started < seconds:
                time.sleep(1)
                peak = max(peak, rss_kib(server.pid))
                if time.monotonic() >= next_build:
                    rebuilds += 1
                    failed_builds += not rebuild(root, rebuilds % 2, versions, notes)
                    next_build += 60
            end = rss_kib(server.pid)
    growth_mb = (end - baseline) / 1024
    tally = traffic.tally
    notes += tally.wrong[:5] + tally.errors[:5]
    failures = len(tally.wrong) + len(tally.errors) + failed_builds + (growth_mb >= 20)
    if growth_mb >= 20:
        notes.append(f"server memory grew {growth_mb:.1f} MB")
    figures = (
        f"{args.soak_minutes:g} min, {rebuilds} rebuilds; {describe_traffic(traffic)}; RSS "
        f"{baseline / 1024:.0f} -> {end / 1024:.0f} MB (growth {growth_mb:+.1f} MB, peak {peak / 1024:.0f})"
    )
    return Row("soak", rebuilds, failures, figures, notes)


SCENARIOS: dict[str, Callable[[Path, argparse.Namespace, random.Random], Row]] = {
    "kill": scenario_kill,
    "concurrent": scenario_concurrent,
    "disk": scenario_disk,
    "live": scenario_live,
    "slow": scenario_slow,
    "soak": scenario_soak,
}


def print_table(rows: list[Row]) -> None:
    header = ("scenario", "runs", "failures", "figures")
    cells = [header] + [(r.scenario, str(r.runs), str(r.failures), r.figures) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(3)]
    for index, row in enumerate(cells):
        padded = [cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)]
        print(" | ".join([*padded, row[3]]))
        if index == 0:
            print("-+-".join("-" * width for width in widths) + "-+-" + "-" * 20)
    for row in rows:
        for note in row.notes[:5]:
            print(f"  {row.scenario}: {note}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", default=",".join(SCENARIOS), help="scenarios, comma-separated")
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--pairs", type=int, default=3, help="pairs of builds per mode (--wait or not)")
    parser.add_argument("--rebuilds", type=int, default=20)
    parser.add_argument("--drip", type=int, default=1000, help="slow sockets")
    parser.add_argument("--slow-seconds", type=float, default=20.0, help="seconds of phones among them")
    parser.add_argument("--soak-minutes", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = set(chosen) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    rows = []
    with tempfile.TemporaryDirectory(prefix="ag-faults-") as folder:
        for name in chosen:
            started = time.monotonic()
            row = SCENARIOS[name](Path(folder) / name, args, random.Random(args.seed))
            row.figures += f"; {time.monotonic() - started:.0f} s"
            print(f"{name}: {row.failures} failure(s) in {row.runs} run(s)", file=sys.stderr, flush=True)
            rows.append(row)
    print_table(rows)
    sys.exit(1 if any(row.failures for row in rows) else 0)


if __name__ == "__main__":
    main()
