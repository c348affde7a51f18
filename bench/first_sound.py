"""First sound on a weak signal: scan -> first paint, tap -> sound, scan -> sound.

    python bench/first_sound.py [--runs 3] [--stop welcome]

Serves a copy of the demo tour (synthetic 128 kbit/s audio, as bench/serve.py) with
`audioguide serve`, and puts a small asyncio TCP proxy on 127.0.0.1 in front of it that delays
and rate-limits both directions, like a phone's network (DevTools' presets):
- Slow 3G: 400 ms round trip, 400 kbit/s each way;
- Fast 3G: 150 ms round trip, 1.6 Mbit/s each way;
- and the loopback unthrottled, for reference.
(The TCP handshake with the proxy is not delayed: a new connection costs one round trip less
than on a phone.)
Each run is a fresh Chromium context (nothing cached, no service worker), as a first scan is:
- scan -> first paint: the QR code's /s/<id> (a redirect) to first-contentful-paint;
- tap -> sound: Play pressed as soon as the script has run, to the audio's "playing" event;
- scan -> sound: the same "playing" event from the start of the scan (no reaction time).
Prints the medians of --runs runs as a table. Nothing is asserted; no optimisation is made.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from serve import free_port, make_project, process  # noqa: E402  (bench/serve.py)

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

    def __init__(self, upstream_port: int, rtt: float, bps: int) -> None:
        self.upstream_port, self.delay, self.bps = upstream_port, rtt / 2, bps
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
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def send() -> None:
            free = 0.0  # when the link is next free to send
            while True:
                due, data = await queue.get()
                if not data:
                    break
                now = time.monotonic()
                start = max(due, free, now)
                free = start + (len(data) * 8 / self.bps if self.bps else 0)
                await asyncio.sleep(free - now)  # the chunk's last byte has arrived
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


def one_run(browser, base: str, stop: str) -> dict[str, float]:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(120_000)
    page.goto(f"{base}/s/{stop}", wait_until="commit")
    page.wait_for_function(
        "() => document.documentElement.classList.contains('js') && document.getElementById('play')"
    )
    result = page.evaluate(MEASURE)
    context.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--stop", default="welcome", help="the stop whose QR code is scanned")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        project, _ = make_project(REPO, work)
        port = free_port()
        command = [sys.executable, "-m", "audioguide", "serve", "--project", str(project)]
        command += ["--port", str(port), "--stats-db", str(work / "stats.sqlite3")]
        rows = []
        with (
            process(command, f"http://127.0.0.1:{port}/api/v1/tour", work / "serve.log"),
            sync_playwright() as p,
        ):
            args_ = [*CHROMIUM_ARGS, "--autoplay-policy=no-user-gesture-required"]
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=args_)
            for name, (rtt, bps) in PROFILES.items():
                proxy = Throttle(port, rtt, bps)
                runs = [
                    one_run(browser, f"http://127.0.0.1:{proxy.port}", args.stop) for _ in range(args.runs)
                ]
                proxy.stop()
                rows.append(
                    (
                        name,
                        *(statistics.median(r[key] or 0 for r in runs) for key in ("paint", "tap", "sound")),
                    )
                )
            browser.close()
    print(f"\nFirst sound, /s/{args.stop} on a fresh phone, median of {args.runs} runs (ms):\n")
    print(f"{'network':<10} {'scan->paint':>12} {'tap->sound':>11} {'scan->sound':>12}")
    for name, paint, tap, sound in rows:
        print(f"{name:<10} {paint:>12.0f} {tap:>11.0f} {sound:>12.0f}")


if __name__ == "__main__":
    main()
