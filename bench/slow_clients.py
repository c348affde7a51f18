#!/usr/bin/env python3
"""Do slow clients lock visitors out? Normal requests while N sockets drip a request head.

    python bench/slow_clients.py [--counts 0,520,1000] [--duration 20] [--drip-addresses N]
                                 [--repo DIR] [-- serve flags]

For each count it starts `audioguide serve` afresh on a copy of the demo tour (synthetic audio,
see bench/serve.py) on 127.0.0.1, opens that many sockets from 127.0.0.2 that each send one byte
of a never-ending request head every 4 s (reopened whenever the server closes or refuses them),
waits until they are all in place, and then for --duration seconds lets 4 "phones" on 127.0.0.3
open stop pages, each on a new connection with a 5 s timeout. It prints the phones' p50 and p99
(failures count at their elapsed time) and the errors.

--repo runs another checkout's code, e.g. the previous behaviour: --repo /work/prev. Flags after
`--` go to `audioguide serve`. Everything stays on 127.0.0.0/8 and is bounded in time.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from serve import free_port, make_project, process  # noqa: E402  (bench/serve.py)

from tests.helpers.slow_clients import DripClients, visit  # noqa: E402

DRIP_SOURCE = "127.0.0.2"
VISITOR_SOURCE = "127.0.0.3"


def drip_sources(args: argparse.Namespace) -> list[str]:
    """127.0.0.2, or with --drip-addresses N: 127.0.1.1 ... 127.0.1.N (a flood from many places)."""
    if args.drip_addresses <= 1:
        return [DRIP_SOURCE]
    return [f"127.0.{1 + n // 250}.{1 + n % 250}" for n in range(args.drip_addresses)]


def scenario(args: argparse.Namespace, project: Path, pages: list[str], count: int, work: Path) -> str:
    port = free_port()
    # -P: the current folder must not shadow --repo (python -m puts it first on the path).
    command = [sys.executable, "-P", "-m", "audioguide", "serve", "--project", str(project)]
    command += ["--port", str(port)]
    command += ["--stats-db", str(work / f"stats-{count}.sqlite3"), *args.serve_args]
    env = {"PYTHONPATH": str(args.repo)}
    log = work / f"serve-{count}.log"
    with (
        process(command, f"http://127.0.0.1:{port}/api/v1/tour", log, env),
        DripClients("127.0.0.1", port, count, source=drip_sources(args), interval=args.interval) as drips,
    ):
        time.sleep(args.interval + 1 if count else 0)  # every socket has sent its first bytes
        visits = visit("127.0.0.1", port, pages, source=VISITOR_SOURCE, seconds=args.duration)
        reopened = drips.closed_by_server
    line = f"{count:>5} drip sockets: {visits.summary()}, {len(visits.errors)} errors"
    line += f"; drip sockets closed or refused by the server: {reopened}"
    if visits.errors:
        line += f"\n        first error: {visits.errors[0]}"
    return line


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--counts", default="0,520,1000", help="drip socket counts, comma-separated")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of visitor requests per count")
    parser.add_argument("--interval", type=float, default=4.0, help="seconds between a drip socket's bytes")
    parser.add_argument(
        "--drip-addresses", type=int, default=1, help="spread the drip sockets over this many addresses"
    )
    parser.add_argument("--repo", type=Path, default=REPO, help="the checkout whose audioguide to run")
    parser.add_argument("--tour", type=Path, default=REPO, help="the tour to copy (default: the demo)")
    parser.add_argument("serve_args", nargs="*", help="flags for audioguide serve (after --)")
    args = parser.parse_args()
    counts = [int(c) for c in args.counts.split(",")]
    # 1,000 client sockets plus the server's own need more descriptors than a default 1024.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < 4096:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(4096, hard), hard))
    probe = [sys.executable, "-P", "-c", "import audioguide; print(audioguide.__file__)"]
    found = subprocess.run(probe, env={**os.environ, "PYTHONPATH": str(args.repo)}, capture_output=True)
    print(f"audioguide from {found.stdout.decode().strip()}, serve flags {args.serve_args or '(defaults)'}")
    print(f"drip sockets from {', '.join(drip_sources(args)[:3])}{' ...' if args.drip_addresses > 3 else ''}")
    with tempfile.TemporaryDirectory(prefix="ag-slow-") as folder:
        work = Path(folder)
        project, pages = make_project(args.tour, work)
        for count in counts:
            print(scenario(args, project, pages, count, work), flush=True)


if __name__ == "__main__":
    main()
