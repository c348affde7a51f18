"""First sound on a weak signal: scan -> first paint, tap -> sound, scan -> sound.

    python bench/first_sound.py [--runs 3] [--stop welcome] [--repo OTHER --repo .]
                                [--profile "Slow 3G"] [--link shared|per-connection] [--trace]

Serves a copy of the demo tour (synthetic audio at the tour's bitrate, 64 kbit/s; --kbps) with
`audioguide serve` of each --repo checkout (its own package, by PYTHONPATH; same tour, same
audio bytes), warms each server (a live server has rendered its pages), and puts a small asyncio
TCP proxy on 127.0.0.1 in front of it that delays and rate-limits both directions, like a
phone's network (DevTools' presets):
- Slow 3G: 400 ms round trip, 400 kbit/s each way;
- Fast 3G: 150 ms round trip, 1.6 Mbit/s each way;
- and the loopback unthrottled, for reference.
The rate is one link shared by all connections (the page, its script, the service worker, the
audio compete, as on a phone's radio and in DevTools); --link per-connection gives each
connection its own rate, as this bench did before. The TCP handshake with the proxy is not
delayed: a new connection costs one round trip less than on a phone.
Each run is a fresh Chromium context (nothing cached, no service worker), as a first scan is:
- scan -> paint: the QR code's /s/<id> to first-contentful-paint;
- tap -> sound: Play pressed as soon as the script has run, to the audio's "playing" event;
- scan -> sound: the same "playing" event from the start of the scan (no reaction time);
- read,tap -> sound: another run, Play pressed --reading seconds (3) after the script has run,
  as a visitor who reads the title first;
- KB: bytes the phone received until the sound (tap at once).
Runs of the checkouts are interleaved. Prints the medians of --runs runs. Nothing is asserted.

Measured 2026-11-30 (quiet machine, load < 1), --runs 3, shared link, 64 kbit/s audio: the main
of before (44bd3e6: the scan answered with the page, CSS and app.js inline for a new phone, the
audio's first bytes by the browser's preload="metadata") against fast start (app.js streams the
audio to the player through Media Source Extensions, in ranges; captions and the service worker
wait for its first bytes), `--repo /work/main --repo .`:

    network  checkout  scan->paint tap->sound scan->sound read,tap->sound   KB
    loopback before           200         15         296               5  519
    loopback now              204         19         275               9  516
    Fast 3G  before           364        270         696               3   55
    Fast 3G  now              416        165         598               4   21
    Slow 3G  before           628       1115        1793               3   51
    Slow 3G  now              608        552        1246               6   22

With the browser's own loading, Play pressed the instant the script has run waited about 1.1 s
on Slow 3G, whatever was preloaded: Chromium plays nothing before it holds its first 32 KiB block
(--trace: its request leaves about 60 ms after the page's first 4 KB, then a round trip, 0.4 s,
and 0.66 s at 400 kbit/s; it plays with the ninth 4 KB chunk). Fed through MSE, the audio plays
from its first few KB: 0.55 s, and 22 KB received before the sound instead of 51. The Fast 3G
scan->paint figures move by ±50 ms from run to run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from serve import free_port, make_project, process  # noqa: E402  (bench/serve.py)

from audioguide.tour.load import load_tour  # noqa: E402
from tests.helpers.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

PROFILES = {  # name: (round trip in seconds, bits per second each way; 0 = unlimited)
    "loopback": (0.0, 0),
    "Fast 3G": (0.150, 1_600_000),
    "Slow 3G": (0.400, 400_000),
}

MEASURE = """async () => {
    const audio = document.getElementById('audio');
    const tap = performance.now();
    const playing = new Promise(done =>
        audio.addEventListener('playing', () => done(performance.now()), {once: true}));
    document.getElementById('play').click();
    const sound = await playing;
    const paint = performance.getEntriesByName('first-contentful-paint')[0];
    return {paint: paint ? paint.startTime : null, tap: sound - tap, sound: sound};
}"""


class Throttle:
    """A TCP proxy on a loopback port: every chunk arrives half a round trip late, and each
    direction sends no faster than its rate (one queue per direction, in order)."""

    def __init__(self, upstream_port: int, rtt: float, bps: int, shared: bool = True) -> None:
        self.upstream_port, self.delay, self.bps, self.shared = upstream_port, rtt / 2, bps, shared
        # When each direction of the one link is next free: all connections share it, as a
        # phone's radio does (the page, its script, the service worker and the audio compete).
        self.free = {"up": 0.0, "down": 0.0}
        self.sent = {"up": 0, "down": 0}  # bytes, for what a page costs on a data plan
        self.port = free_port()
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()
        self.ready.wait()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.server = self.loop.run_until_complete(asyncio.start_server(self._client, "127.0.0.1", self.port))
        self.ready.set()
        self.loop.run_forever()

    def stop(self) -> None:
        # The loop runs on in its daemon thread: open keep-alive connections end with the process.
        self.loop.call_soon_threadsafe(self.server.close)

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            writer.close()
            return
        await asyncio.gather(self._pipe(reader, up_writer, "up"), self._pipe(up_reader, writer, "down"))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, way: str) -> None:
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()
        free = self.free if self.shared else {way: 0.0}  # --link per-connection: a link each

        async def send() -> None:
            while True:
                due, data = await queue.get()
                if not data:
                    break
                now = time.monotonic()
                start = max(due, free[way], now)
                done = free[way] = start + (len(data) * 8 / self.bps if self.bps else 0)
                self.sent[way] += len(data)
                await asyncio.sleep(done - now)  # the chunk's last byte has arrived
                writer.write(data)
                await writer.drain()

        sender = asyncio.ensure_future(send())
        try:
            while True:
                data = await reader.read(4096)
                queue.put_nowait((time.monotonic() + self.delay, data))
                if not data:
                    break
            await sender
        except (ConnectionError, asyncio.CancelledError):
            sender.cancel()
        finally:
            with contextlib.suppress(RuntimeError):
                writer.close()


def one_run(browser, proxy: Throttle, stop: str, reading: float, trace: bool) -> dict[str, float]:
    base = f"http://127.0.0.1:{proxy.port}"
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(120_000)
    started = time.monotonic()
    seen: list[str] = []
    if trace:

        def note(event: str, r) -> None:
            size = ""
            with contextlib.suppress(Exception):  # the context may be closing
                size = f" {r.sizes()['responseBodySize']} B" if event == "done" else ""
            at = (time.monotonic() - started) * 1000
            seen.append(
                f"    {at:6.0f} ms {event:<5} {r.url[len(base) :]} {r.headers.get('range', '')}{size}"
            )

        context.on("request", lambda r: note("start", r))
        context.on("requestfinished", lambda r: note("done", r))
    page.goto(f"{base}/s/{stop}", wait_until="commit")
    page.wait_for_function(
        "() => document.documentElement.classList.contains('js') && document.getElementById('play')"
    )
    if reading:  # the visitor reads the title first; the page may use the time
        page.wait_for_timeout(reading * 1000)
    result = page.evaluate(MEASURE)
    result["url"] = page.url[len(base) :]
    result["kb"] = proxy.sent["down"] / 1000
    context.close()
    if trace:
        print("\n".join(["  run:", *seen]), flush=True)
    return result


def checkout(path: str) -> tuple[str, Path]:
    """A name for a checkout (its folder and commit) and its path."""
    repo = Path(path).resolve()
    head = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    return f"{repo.name}@{head}" if head else repo.name, repo


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--stop", default="welcome", help="the stop whose QR code is scanned")
    parser.add_argument(
        "--repo",
        action="append",
        help="a checkout to serve (repeatable: measured side by side, runs interleaved); default: this one",
    )
    parser.add_argument("--profile", action="append", choices=list(PROFILES), help="default: all")
    parser.add_argument(
        "--reading",
        type=float,
        default=3.0,
        help="seconds a visitor reads before pressing Play, for read,tap->sound (default 3)",
    )
    parser.add_argument(
        "--link",
        choices=("shared", "per-connection"),
        default="shared",
        help="one rate for all connections (default, as DevTools and a phone's radio), or one each",
    )
    parser.add_argument("--trace", action="store_true", help="print every request of every run")
    parser.add_argument(
        "--kbps",
        type=int,
        default=load_tour(REPO)[0].config.audio.bitrate_kbps,
        help="the synthetic narration's bitrate (default: the demo tour's audio.bitrate, as its build)",
    )
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    checkouts = [checkout(path) for path in args.repo or [str(REPO)]]
    profiles = args.profile or list(PROFILES)
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        work = Path(tmp)
        # One tour, the same bytes for every checkout, encoded at the bitrate its build uses.
        project, _ = make_project(REPO, work, bitrate=f"{args.kbps}k")
        ports = {}
        for number, (name, repo) in enumerate(checkouts):
            port = ports[name] = free_port()
            command = [sys.executable, "-P", "-m", "audioguide", "serve", "--project", str(project)]
            command += ["--port", str(port), "--stats-db", str(work / f"stats{number}.sqlite3")]
            # The checkout's own package first (-P: not the current folder's): its pages, its
            # assets, its service worker.
            env = {"PYTHONPATH": str(repo)}
            stack.enter_context(
                process(command, f"http://127.0.0.1:{port}/api/v1/tour", work / "serve.log", env)
            )
        for port in ports.values():  # a live server has rendered its pages before the first scan
            for lang in load_tour(project)[0].languages:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/{lang}/{args.stop}") as answer:
                    answer.read()
        p = stack.enter_context(sync_playwright())
        args_ = [*CHROMIUM_ARGS, "--autoplay-policy=no-user-gesture-required"]
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=args_)
        rows = []
        for profile in profiles:
            rtt, bps = PROFILES[profile]
            results: dict[str, list[dict[str, float]]] = {name: [] for name, _ in checkouts}
            read: dict[str, list[dict[str, float]]] = {name: [] for name, _ in checkouts}
            for _ in range(args.runs):
                for name, _ in checkouts:  # interleaved: a busy moment of the machine hits all alike
                    for reading, into in ((0.0, results), (args.reading, read)):
                        proxy = Throttle(ports[name], rtt, bps, shared=args.link == "shared")
                        if args.trace:
                            print(f"{profile} {name}, tap after {reading} s", flush=True)
                        into[name].append(one_run(browser, proxy, args.stop, reading, args.trace))
                        proxy.stop()
            for name, runs in results.items():
                medians = [
                    statistics.median(r[key] or 0 for r in runs) for key in ("paint", "tap", "sound", "kb")
                ]
                medians.insert(3, statistics.median(r["tap"] for r in read[name]))
                rows.append((profile, name, *medians, runs[-1]["url"]))
        browser.close()
    print(
        f"\nFirst sound, /s/{args.stop} on a fresh phone, {args.link} link, {args.kbps} kbit/s audio,"
        f" median of {args.runs} runs"
    )
    print("(ms; KB received until the sound, tap at once):\n")
    width = max(len(name) for name, _ in checkouts)
    head = f"{'scan->paint':>11} {'tap->sound':>10} {'scan->sound':>11} {'read,tap->sound':>15}"
    head += f" {'KB':>5}  address"
    print(f"{'network':<8} {'checkout':<{width}} {head}")
    for profile, name, paint, tap, sound, tap_read, kb, url in rows:
        figures = f"{paint:>11.0f} {tap:>10.0f} {sound:>11.0f} {tap_read:>15.0f} {kb:>5.0f}"
        print(f"{profile:<8} {name:<{width}} {figures}  {url}")


if __name__ == "__main__":
    main()
