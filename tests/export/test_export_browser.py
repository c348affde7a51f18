"""The export served by nginx, in headless Chromium, as a visitor meets it: a QR scan opens the
stop in the remembered or the phone's language and sends the scan beacon, the audio plays and
seeks, the offline tour downloads and answers scans in airplane mode; at the root of a host and
under a path prefix. Skipped without Chromium, Playwright or nginx, except under CI."""

from __future__ import annotations

import contextlib
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from audioguide.export import ExportOptions, export_site
from audioguide.i18n import translate
from tests.helpers.browser import CHROMIUM, CHROMIUM_ARGS, download_offline, require_browser
from tests.helpers.browser import phone as _phone
from tests.helpers.nginx import export_server, require_nginx, running_nginx

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def chromium():
    require_browser()
    require_nginx()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@contextlib.contextmanager
def beacon_receiver() -> Iterator[tuple[str, list[dict]]]:
    """Stands in for the live server's POST /api/v1/scans: records what the pages send."""
    received: list[dict] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            received.append(
                {"body": json.loads(self.rfile.read(length)), "cookie": self.headers.get("Cookie")}
            )
            self.send_response(204)
            self.send_header("Access-Control-Allow-Origin", "*")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/v1/scans", received
    finally:
        server.shutdown()
        server.server_close()


def _play_and_seek(page) -> None:
    page.click("#play")
    page.wait_for_function("() => document.getElementById('audio').currentTime > 0.5", timeout=10_000)
    page.evaluate("document.getElementById('audio').currentTime = 6")  # a range request to nginx
    page.wait_for_function("() => document.getElementById('audio').currentTime > 6.3", timeout=10_000)
    page.click("#play")


def _wait_for(condition, seconds: float = 5.0) -> None:
    import time

    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)


def test_scan_language_beacon_audio_and_offline(chromium, web_tour: Path, tmp_path: Path) -> None:
    with beacon_receiver() as (stats_url, received):
        site = tmp_path / "site"
        list(export_site(ExportOptions(web_tour, site, base_url="http://127.0.0.1/", stats_url=stats_url)))
        with running_nginx(tmp_path / "nginx", export_server(site, site / "nginx.conf")) as base:
            context, page, errors = _phone(chromium, locale="kk-KZ")
            # A cookie of the stats server's host (say from its own pages): the beacon omits it.
            context.add_cookies([{"name": "lang", "value": "en", "url": stats_url}])
            page.goto(f"{base}/s/gate")  # the phone's language
            page.wait_for_url(f"{base}/kk/gate")
            _wait_for(lambda: len(received) == 1)
            assert received == [{"body": {"stop": "gate", "lang": "kk"}, "cookie": None}]
            page.click("nav.langs >> text=Русский")
            page.wait_for_url(f"{base}/ru/gate")
            _play_and_seek(page)
            page.goto(f"{base}/s/entrance")  # an old id's QR code, in the remembered language
            page.wait_for_url(f"{base}/ru/gate")
            _wait_for(lambda: len(received) == 2)
            assert received[1]["body"] == {"stop": "gate", "lang": "ru"}

            page.goto(f"{base}/ru/")
            page.fill("#stop-number", "2")
            page.click("#keypad-form button")
            page.wait_for_url(f"{base}/ru/wall")  # the keypad, through go.html
            _wait_for(lambda: len(received) == 3)
            assert received[2]["body"] == {"stop": "wall", "lang": "ru"}
            page.goto(f"{base}/go?lang=ru&n=99")  # no such stop: said in the visitor's language
            page.wait_for_selector("p.message[lang=ru]")
            assert page.text_content("p.message") == translate("ru", "no_such_stop").format(number=99)
            assert len(received) == 3  # nothing counted
            assert not errors, errors  # no CSP violation (the beacon's origin is in connect-src)
            context.close()

            context, page, errors = _phone(chromium, locale="en-GB")
            page.goto(f"{base}/en/")
            page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=10_000)
            download_offline(page)
            context.set_offline(True)
            page.goto(f"{base}/s/wall")  # a QR code in airplane mode
            page.wait_for_url(f"{base}/en/wall")
            _play_and_seek(page)
            assert not errors, errors
            context.close()


def test_under_a_path_prefix(chromium, web_tour: Path, tmp_path: Path) -> None:
    www = tmp_path / "www"
    site = www / "guide"
    list(export_site(ExportOptions(web_tour, site, base_url="http://127.0.0.1/guide/")))
    with running_nginx(tmp_path / "nginx", export_server(www, site / "nginx.conf")) as base:
        context, page, errors = _phone(chromium, locale="en-GB")
        page.goto(f"{base}/guide/s/gate")
        page.wait_for_url(f"{base}/guide/en/gate")
        _play_and_seek(page)
        page.click("a.tour")
        page.wait_for_url(f"{base}/guide/en/")
        scope = page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
        assert scope == f"{base}/guide/"
        page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=10_000)
        download_offline(page)
        cached = page.evaluate(
            "caches.open('audioguide-en').then(c => c.keys()).then(k => k.map(r => new URL(r.url).pathname))"
        )
        assert "/guide/en/wall" in cached and all(path.startswith("/guide/") for path in cached)
        context.set_offline(True)
        page.goto(f"{base}/guide/s/wall")
        page.wait_for_url(f"{base}/guide/en/wall")
        _play_and_seek(page)
        page.goto(f"{base}/guide/go?lang=en&n=1")  # the keypad offline
        page.wait_for_url(f"{base}/guide/en/gate")
        assert not errors, errors
        context.close()
