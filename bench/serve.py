#!/usr/bin/env python3
"""Load test of `audioguide serve` against nginx serving the same bytes as static files.

    python bench/serve.py [--duration 10] [--runs 3] [--connections 50] [--gunicorn]
                           [--publishing] [--no-export] [--old-config] [--json FILE]

Needs (this script installs nothing):
  - wrk     (Debian: apt-get install wrk)       the load generator
  - nginx   (Debian: apt-get install nginx)     the "physical best" reference; --no-nginx skips it
  - the audioguide dependencies (ffmpeg comes with imageio-ffmpeg)
  - gunicorn, only for --gunicorn               (pip install gunicorn)

It copies the tour (default: the repository's demo tour) into a temporary folder, gives every
stop and language a synthetic ~1 MB MP3 and captions (no speech engine, nothing from the
network), starts the server(s) on 127.0.0.1 only, and measures with wrk:
  - stop pages: GET rotating over every stop page of every language;
  - ranges: GET with Range: a random 64 KiB slice of the 1 MB MP3 (what seeking asks for).
  - with --publishing: the stop pages again while a staff member publishes one narration after
    another through the server's own studio (bench/publish_loop.py; eSpeak voices in the copy),
    against the idle figure (target: at least 80 %).
With nginx it also measures the two ways nginx serves the guide itself (docs/scaling.md):
  - the static export (`audioguide export`) served by nginx with the nginx.conf it generates;
  - `audioguide serve --accel-redirect` behind nginx with the configuration that
    `audioguide serve --print-nginx-config` prints (docs/serving.md): nginx sends the published
    audio and captions itself, pages are proxied to the app. "--accel-redirect only" is nginx
    without that media location: every range request passes through the app, which answers
    with an X-Accel-Redirect that nginx then sends. --old-config adds the configurations of
    before: the export's nginx.conf without open_file_cache, and the live server's as the docs
    gave it, with those answers kept in a proxy_cache.
Each figure is the median of --runs runs. Every request loop is bounded by --duration.
Note that wrk runs on the same 2 cores as the server: both servers pay that equally.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from audioguide.tour.load import load_tour  # noqa: E402
from bench.publish_loop import PublishLoop, add_editor, espeak_voices  # noqa: E402
from tests.helpers.nginx import nginx_config as test_nginx_config  # noqa: E402
from tests.helpers.web_fixtures import MediaMaker  # noqa: E402

MP3_SECONDS = 62.5  # at 128 kbit/s: 1,000,000 bytes
RANGE_BYTES = 65_536
TARGET_PAGES_PER_SECOND = 800
TARGET_P99_MS = 100.0
TARGET_WHILE_PUBLISHING = 0.80  # of the idle stop pages per second
TARGET_EXPORT_RATIO = 0.95  # the export is nginx serving files: as fast as nginx
TARGET_ACCEL_RANGE_RATIO = 0.7  # ranges with serve behind the generated nginx config, against nginx alone


def need(tool: str, hint: str) -> str:
    path = shutil.which(tool) or (f"/usr/sbin/{tool}" if Path(f"/usr/sbin/{tool}").exists() else None)
    if not path:
        sys.exit(f"bench/serve.py needs {tool}: {hint}")
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(url: str, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"server exited early (code {process.returncode})")
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError:
            time.sleep(0.1)
    sys.exit(f"server not ready: {url}")


def make_project(
    source: Path, work: Path, *, publishing: bool = False, bitrate: str = "128k"
) -> tuple[Path, list[str]]:
    """A copy of the tour with synthetic audio; returns (project, stop page paths)."""
    project = work / "tour"
    project.mkdir()
    for name in ("tour.yaml", "stops", "lexicon"):
        if (source / name).is_dir():
            shutil.copytree(source / name, project / name)
        elif (source / name).exists():
            shutil.copy(source / name, project / name)
    tour, _ = load_tour(project)
    if tour is None:
        sys.exit(f"no usable tour in {source}")
    # The test suite's publisher: the same typed manifest records the build writes.
    MediaMaker(work / "tones").publish(project, seconds=MP3_SECONDS, engine="piper", bitrate=bitrate)
    if publishing:
        espeak_voices(project, tour.languages)
        add_editor(project)
    pages = [f"/{lang}/{stop.id}" for stop in tour.stops for lang in tour.languages]
    return project, pages


@contextlib.contextmanager
def process(
    command: list[str], ready_url: str, log: Path, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen]:
    # Output goes to a file: an unread pipe fills up and blocks the server mid-benchmark.
    handle = log.open("ab")
    proc = subprocess.Popen(
        command, env={**os.environ, **(env or {})}, stdout=handle, stderr=subprocess.STDOUT
    )
    try:
        wait_ready(ready_url, proc)
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        handle.close()


def lua_pages(paths: list[str], folder: Path) -> Path:
    script = folder / "pages.lua"
    items = ", ".join(json.dumps(p) for p in paths)
    script.write_text(
        f"local paths = {{{items}}}\nlocal i = 0\n"
        "request = function()\n  i = i % #paths + 1\n  return wrk.format('GET', paths[i])\nend\n"
    )
    return script


def lua_ranges(path: str, size: int, folder: Path) -> Path:
    script = folder / "ranges.lua"
    script.write_text(
        f"local size = {size}\n"
        "request = function()\n"
        f"  local s = math.random(0, size - {RANGE_BYTES})\n"
        f"  local range = 'bytes=' .. s .. '-' .. (s + {RANGE_BYTES - 1})\n"
        f"  return wrk.format('GET', {json.dumps(path)}, {{Range = range}})\n"
        "end\n"
    )
    return script


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(wrk: str, url: str, script: Path, args: argparse.Namespace) -> dict[str, float]:
    command = [wrk, f"-t{args.wrk_threads}", f"-c{args.connections}", f"-d{args.duration}s"]
    command += ["--latency", "--timeout", "5s", "-s", str(script), url]
    output = subprocess.run(
        command, capture_output=True, text=True, check=True, timeout=args.duration + 60
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p99 = re.search(r"\s99%\s+([\d.]+)(us|ms|s)\b", output)
    total = int(re.search(r"(\d+) requests in", output).group(1))
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors += int(non2xx.group(1)) if non2xx else 0
    transfer = re.search(r"Transfer/sec:\s+([\d.]+)(B|KB|MB|GB)", output)
    mbps = (
        float(transfer.group(1)) * {"B": 1e-6, "KB": 1e-3, "MB": 1, "GB": 1e3}[transfer.group(2)] * 1.048576
    )
    return {
        "rps": rps,
        "p99_ms": _ms(*p99.groups()),
        "errors": errors,
        "requests": total,
        "mb_s": mbps,
    }


def load_average() -> float:
    """Other work on the machine skews every figure: it is printed with them."""
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return -1.0


# The processes that answer at a base URL (an nginx master and its workers, the app): their CPU
# time per request is printed beside req/s. On a machine shared with other work req/s swings
# with the neighbours' load; the CPU a server spends per request hardly does.
SERVER_PIDS: dict[str, list[int]] = {}
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    """User + system time of these processes (all threads) and of their children (workers)."""
    total = 0
    for pid in pids:
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            children = []
        for one in [pid, *map(int, children)]:
            try:
                fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])
    return total / CLOCK_TICKS


def measure(name: str, wrk: str, base: str, scripts: dict[str, Path], args: argparse.Namespace) -> dict:
    return measure_together({name: base}, wrk, scripts, args)[name]


def measure_together(
    servers: dict[str, str], wrk: str, scripts: dict[str, Path], args: argparse.Namespace
) -> dict[str, dict]:
    """Runs take turns between the servers (A, B, C, A, B, C, ...): on a shared machine the load
    drifts during minutes, and servers measured one after the other would each meet another."""
    results: dict[str, dict] = {name: {} for name in servers}
    for kind, script in scripts.items():
        load = load_average()
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in servers}
        for _ in range(args.runs):
            for name, base in servers.items():
                pids = SERVER_PIDS.get(base, [])
                before = cpu_seconds(pids)
                run = run_wrk(wrk, base, script, args)
                run["cpu_us"] = (cpu_seconds(pids) - before) / max(run["requests"], 1) * 1e6
                runs[name].append(run)
        for name, done in runs.items():
            median = {key: statistics.median(run[key] for run in done) for key in done[0]}
            median["errors"] = sum(run["errors"] for run in done)  # every error of every run counts
            median["runs"] = [round(run["rps"]) for run in done]
            median["load_before"] = load
            results[name][kind] = median
            print(
                f"  {name:<27} {kind:<6} {median['rps']:>8.0f} req/s   p99 {median['p99_ms']:>7.1f} ms"
                f"   errors {median['errors']:>3}   {median['mb_s']:>7.1f} MB/s"
                f"   CPU {median['cpu_us']:>5.0f} us/req"
                f"   runs {median['runs']}   load before {load:.2f}",
                flush=True,
            )
    return results


def measure_publishing(
    base: str, project: Path, pages: list[str], wrk: str, scripts: dict[str, Path], args: argparse.Namespace
) -> dict:
    """The stop pages measured while the studio publishes one narration after another."""
    stop_id, lang = pages[0].strip("/").split("/")[1], pages[0].strip("/").split("/")[0]
    loop = PublishLoop(base, project, stop_id, lang)
    loop.start()
    try:
        result = measure("while publishing", wrk, base, {"pages": scripts["pages"]}, args)["pages"]
    finally:
        loop.stop()
    result["publishes"] = loop.done
    result["publish_seconds"] = statistics.median(loop.seconds) if loop.seconds else float("nan")
    result["publish_errors"] = loop.errors[:3]
    if loop.errors:
        print(f"  publish errors: {loop.errors[:3]}", flush=True)
    return {"pages": result, **{k: result[k] for k in ("publishes", "publish_seconds", "publish_errors")}}


def static_copy(base: str, paths: list[str], extra: list[str], root: Path) -> None:
    """What nginx serves: the very bytes audioguide answers, at the same URL paths."""
    for path in paths + extra:
        target = root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(urllib.request.urlopen(base + path, timeout=10).read())


def nginx_config(
    folder: Path, root: Path, port: int, server: str | None = None, name: str = "nginx", http: str = ""
) -> Path:
    """One nginx.conf for every nginx variant: only the server's directives (and `http`) differ."""
    server = server or f"root {root};\n        location / {{ try_files $uri =404; }}"
    # The static copy's pages have no suffix: text/html by default.
    types = "types { audio/mpeg mp3; text/vtt vtt; text/css css; text/javascript js; image/svg+xml svg; }"
    extra = f"default_type text/html;\n    {types}\n    {http}"
    return test_nginx_config(folder, port, server, workers=2, http=extra, name=name)


EXPORT = "export, served by nginx"
ACCEL = "serve + nginx (generated)"
ACCEL_ONLY = "--accel-redirect only"
ACCEL_CACHE = "--accel-redirect + cache"  # the configuration docs/serving.md gave before
EXPORT_BEFORE = "export, no open_file_cache"  # its nginx.conf as `audioguide export` wrote it before


def accel_config(app_base: str, audio: Path, cache: Path | None) -> tuple[str, str]:
    """nginx in front of `audioguide serve --accel-redirect /_audio` without the generated
    media location: every range asks the app, which answers with an X-Accel-Redirect that nginx
    sends. (server directives, http directives). With `cache`, /media/ goes through a second server
    that keeps the app's answers (headers only, immutable URLs); nginx honours an
    X-Accel-Redirect from its cache but never stores one it acts on, hence the two hops."""
    proxy = """proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;"""
    media = f"http://unix:{cache}/inner.sock" if cache else app_base
    server = f"""location /_audio/ {{ internal; alias {audio}/; }}
        location /media/ {{ proxy_pass {media}; {proxy} }}
        location / {{ proxy_pass {app_base}; {proxy} }}"""
    if cache is None:
        return server, ""
    http = f"""proxy_cache_path {cache}/zone keys_zone=audioguide_accel:1m max_size=10m;
    server {{
        listen unix:{cache}/inner.sock;
        location /media/ {{
            proxy_pass {app_base};
            {proxy}
            proxy_cache audioguide_accel;
            proxy_ignore_headers X-Accel-Redirect;  # store it; the front server acts on it
            proxy_pass_header X-Accel-Redirect;
        }}
    }}"""
    return server, http


def nginx_ways(
    stack: contextlib.ExitStack,
    nginx: str,
    project: Path,
    work: Path,
    pages: list[str],
    serve: list[str],
    env: dict[str, str],
    old_config: bool = False,
) -> dict[str, str]:
    """Starts the export served by nginx, and --accel-redirect behind nginx (with and without
    the answer cache), on the same tour and MP3; returns their base URLs."""
    servers = {}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    export = work / "export"
    command = [sys.executable, "-m", "audioguide", "export", "--project", str(project), str(export)]
    subprocess.run([*command, "--base-url", base], check=True, env={**os.environ, **env}, capture_output=True)
    for item in [work, *export.rglob("*"), *project.rglob("*")]:
        item.chmod(0o755 if item.is_dir() else 0o644)
    server = f"root {export};\n        include {export / 'nginx.conf'};"
    config = nginx_config(work, export, port, server, "nginx-export")
    master = stack.enter_context(
        process([nginx, "-p", str(work), "-c", str(config)], base + pages[0], work / "nginx.log")
    )
    SERVER_PIDS[base] = [master.pid]
    servers[EXPORT] = base
    if old_config:
        before = work / "export-nginx-before.conf"
        lines = (export / "nginx.conf").read_text().splitlines(keepends=True)
        before.write_text("".join(line for line in lines if not line.startswith("open_file_cache")))
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        config = nginx_config(
            work, export, port, f"root {export};\n        include {before};", "nginx-before"
        )
        master = stack.enter_context(
            process([nginx, "-p", str(work), "-c", str(config)], base + pages[0], work / "nginx.log")
        )
        SERVER_PIDS[base] = [master.pid]
        servers[EXPORT_BEFORE] = base

    app_port = free_port()
    accel = list(serve)
    accel[accel.index("--port") + 1] = str(app_port)
    accel += ["--accel-redirect", "/_audio"]
    app_base = f"http://127.0.0.1:{app_port}"
    app = stack.enter_context(process(accel, app_base + "/api/v1/tour", work / "serve-accel.log", env))
    # The operator's configuration, printed by the command docs/serving.md gives.
    printed = [*accel[:4], "--project", str(project), "--port", str(app_port), "--accel-redirect", "/_audio"]
    snippet = work / "audioguide-nginx.conf"
    snippet.write_text(
        subprocess.run(
            [*printed, "--print-nginx-config"],
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, **env},
        ).stdout
    )
    ways = [
        (ACCEL, (f"include {snippet};", "")),
        (ACCEL_ONLY, accel_config(app_base, project / "audio", None)),
    ]
    if old_config:
        cache = work / "accel-cache"
        cache.mkdir()
        ways.append((ACCEL_CACHE, accel_config(app_base, project / "audio", cache)))
    for name, (server, http) in ways:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        config = nginx_config(work, export, port, server, f"nginx-{port}", http)
        master = stack.enter_context(
            process([nginx, "-p", str(work), "-c", str(config)], base + pages[0], work / "nginx.log")
        )
        SERVER_PIDS[base] = [master.pid, app.pid]
        for path in pages:  # warm the app's page cache
            urllib.request.urlopen(base + path, timeout=10).read()
        servers[name] = base
    return servers


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--project", type=Path, default=REPO, help="tour to copy [the demo tour]")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run [10]")
    parser.add_argument("--runs", type=int, default=3, help="runs per figure; the median is reported [3]")
    parser.add_argument("--connections", type=int, default=50, help="concurrent clients [50]")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--server-threads", type=int, default=16, help="audioguide serve --threads [16]")
    parser.add_argument("--gunicorn", action="store_true", help="also measure gunicorn (gthread, 2 workers)")
    parser.add_argument("--no-nginx", action="store_true")
    parser.add_argument(
        "--publishing", action="store_true", help="also measure the stop pages while the studio publishes"
    )
    parser.add_argument("--no-export", action="store_true", help="skip the export and --accel-redirect")
    parser.add_argument(
        "--old-config",
        action="store_true",
        help="also measure the configurations of before: the export's nginx.conf without"
        " open_file_cache, and the one docs/serving.md gave before --print-nginx-config"
        " (a proxy_cache of the app's X-Accel-Redirect answers)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    if not 1 <= args.duration <= 120 or not 1 <= args.runs <= 10:
        sys.exit("--duration must be 1..120 s and --runs 1..10")

    wrk = need("wrk", "apt-get install wrk")
    nginx = None if args.no_nginx else need("nginx", "apt-get install nginx (or pass --no-nginx)")
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="audioguide-bench-") as temp:
        work = Path(temp)
        work.chmod(0o755)  # nginx workers run as an unprivileged user and must read the copy
        project, pages = make_project(args.project, work, publishing=args.publishing)
        print(f"tour: {len(pages)} stop pages; MP3 for ranges: 1 MB; {args.connections} clients, "
              f"{args.runs} x {args.duration} s per figure (median)", flush=True)  # fmt: skip
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        serve = [
            sys.executable,
            "-m",
            "audioguide",
            "serve",
            "--project",
            str(project),
            "--port",
            str(port),
        ]
        serve += ["--threads", str(args.server_threads), "--stats-db", str(work / "stats.sqlite3")]
        env = {"PYTHONPATH": str(REPO)}
        with process(serve, base + "/api/v1/tour", work / "serve.log", env) as app:
            SERVER_PIDS[base] = [app.pid]
            html = urllib.request.urlopen(base + pages[0], timeout=10).read().decode()
            mp3 = re.search(r'src="(/media/[^"]+\.mp3)"', html).group(1)
            assets = re.findall(r'(?:href|src)="(/a/[^"]+\.(?:css|js))"', html)  # not the icons
            size = int(urllib.request.urlopen(base + mp3, timeout=10).headers["Content-Length"])
            probe = urllib.request.Request(base + mp3, headers={"Range": "bytes=0-1"})
            assert urllib.request.urlopen(probe, timeout=10).status == 206
            weight = len(html.encode()) + sum(len(urllib.request.urlopen(base + a).read()) for a in assets)
            print(
                f"stop page {pages[0]}: HTML+CSS+JS {weight / 1000:.1f} KB; MP3 {size} bytes",
                flush=True,
            )
            for path in pages:  # warm the page cache, as after the first visitors
                urllib.request.urlopen(base + path, timeout=10).read()
            scripts = {"pages": lua_pages(pages, work), "ranges": lua_ranges(mp3, size, work)}
            results["audioguide (waitress)"] = measure("audioguide (waitress)", wrk, base, scripts, args)
            if args.publishing:
                results["while publishing"] = measure_publishing(base, project, pages, wrk, scripts, args)
            www = work / "www"
            static_copy(base, pages, [mp3, *assets], www)

        if args.gunicorn:
            port = free_port()
            gbase = f"http://127.0.0.1:{port}"
            command = [sys.executable, "-m", "gunicorn", "-w", "2", "-k", "gthread"]
            command += ["--threads", "8", "-b", f"127.0.0.1:{port}", "--log-level", "warning"]
            command.append("audioguide.web.wsgi:app")
            genv = {
                **env,
                "AUDIOGUIDE_PROJECT": str(project),
                "AUDIOGUIDE_STATS_DB": str(work / "g.sqlite3"),
            }
            with process(command, gbase + "/api/v1/tour", work / "gunicorn.log", genv) as master:
                SERVER_PIDS[gbase] = [master.pid]
                for path in pages:
                    urllib.request.urlopen(gbase + path, timeout=10).read()
                results["audioguide (gunicorn)"] = measure("audioguide (gunicorn)", wrk, gbase, scripts, args)

        if nginx:
            port = free_port()
            for folder in [www, *www.rglob("*")]:
                folder.chmod(0o755 if folder.is_dir() else 0o644)
            config = nginx_config(work, www, port)
            nbase = f"http://127.0.0.1:{port}"
            with contextlib.ExitStack() as stack:
                master = stack.enter_context(
                    process([nginx, "-p", str(work), "-c", str(config)], nbase + pages[0], work / "nginx.log")
                )
                SERVER_PIDS[nbase] = [master.pid]
                servers = {"nginx (static copy)": nbase}
                if not args.no_export:
                    servers.update(
                        nginx_ways(stack, nginx, project, work, pages, serve, env, args.old_config)
                    )
                results.update(measure_together(servers, wrk, scripts, args))

    ours = results["audioguide (waitress)"]
    print()
    pages_result = ours["pages"]
    print(
        f"audioguide stop pages: {pages_result['rps']:.0f}/s, p99 {pages_result['p99_ms']:.1f} ms,"
        f" errors {pages_result['errors']} (targets: >= {TARGET_PAGES_PER_SECOND}/s,"
        f" p99 < {TARGET_P99_MS:.0f} ms, 0 errors)"
    )
    if "nginx (static copy)" in results:
        best = results["nginx (static copy)"]
        for name, figures in results.items():
            if name == "nginx (static copy)":
                continue
            for kind in ("pages", "ranges"):
                ratio = figures[kind]["rps"] / best[kind]["rps"]
                # Runs of servers measured together took turns: run i of each met the same load.
                paired = zip(figures[kind]["runs"], best[kind]["runs"], strict=False)
                rounds = [ours / theirs for ours, theirs in paired if theirs]
                per_round = f", median of per-round ratios {statistics.median(rounds):.2f}" if rounds else ""
                print(
                    f"ratio to nginx, {name}, {kind}: {ratio:.2f}"
                    f" ({figures[kind]['rps']:.0f} vs {best[kind]['rps']:.0f} req/s{per_round};"
                    f" CPU {figures[kind]['cpu_us']:.0f} vs {best[kind]['cpu_us']:.0f} us/req)"
                )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    # Each target by name, so that a miss says which one (the app's p99 is the first to go on a
    # machine busy with other work).
    checks = {
        f"audioguide stop pages >= {TARGET_PAGES_PER_SECOND}/s": ours["pages"]["rps"]
        >= TARGET_PAGES_PER_SECOND,
        f"audioguide stop pages p99 < {TARGET_P99_MS:.0f} ms": ours["pages"]["p99_ms"] < TARGET_P99_MS,
        "audioguide 0 errors": ours["pages"]["errors"] == 0 and ours["ranges"]["errors"] == 0,
    }
    if args.publishing:
        busy = results["while publishing"]
        ratio = busy["pages"]["rps"] / pages_result["rps"]
        print(
            f"stop pages while publishing: {busy['pages']['rps']:.0f}/s = {ratio:.0%} of idle"
            f" (target >= {TARGET_WHILE_PUBLISHING:.0%}); p99 {busy['pages']['p99_ms']:.1f} ms;"
            f" {busy['publishes']} publishes, {busy['publish_seconds']:.2f} s each (median)"
        )
        checks[f"pages while publishing >= {TARGET_WHILE_PUBLISHING:.0%} of idle"] = (
            ratio >= TARGET_WHILE_PUBLISHING and not busy["publish_errors"]
        )
    if EXPORT in results and ACCEL in results:
        best = results["nginx (static copy)"]
        export, accel = results[EXPORT], results[ACCEL]
        for kind in ("pages", "ranges"):
            checks[f"export {kind} >= {TARGET_EXPORT_RATIO} of nginx"] = (
                export[kind]["rps"] >= TARGET_EXPORT_RATIO * best[kind]["rps"]
            )
        checks[f"{ACCEL} ranges >= {TARGET_ACCEL_RANGE_RATIO} of nginx"] = (
            accel["ranges"]["rps"] >= TARGET_ACCEL_RANGE_RATIO * best["ranges"]["rps"]
        )
        checks["export and serve + nginx: 0 errors"] = all(
            figures[kind]["errors"] == 0 for figures in (export, accel) for kind in ("pages", "ranges")
        )
    missed = [name for name, ok in checks.items() if not ok]
    met = not missed
    print("targets met" if met else f"TARGETS NOT MET: {'; '.join(missed)}")
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
