"""A QR scan in headless Chromium: the page at the scan's address, its canonical address in the
address bar, the inline stylesheet under the CSP, the audio warmed when idle (never played)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.browser import phone
from tests.helpers.web_fixtures import running_server

pytestmark = pytest.mark.browser

AUDIO = "document.getElementById('audio')"


def test_scan_shows_the_stop_at_its_canonical_address(browser, web_tour: Path, tmp_path: Path) -> None:
    with running_server(web_tour, tmp_path / "stats.sqlite3") as (base, _):
        context, page, errors = phone(browser, locale="ru-RU", color_scheme="dark")
        fetched: list[str] = []
        context.on("request", lambda r: fetched.append(r.url))
        page.goto(f"{base}/s/gate")
        assert page.url == f"{base}/ru/gate"  # replaceState: reload, share and back use it
        assert page.evaluate("document.documentElement.lang") == "ru"
        assert page.evaluate("!!document.querySelector('style[data-css]')")
        # The inline stylesheet applies (a CSP violation would leave the page unstyled).
        assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(21, 21, 21)"
        assert page.is_visible("#play") and not page.is_visible("audio")
        # At once: the audio's first bytes (app.js streams them), nothing plays; then, idle, the
        # stylesheet file.
        page.wait_for_function(f"() => {AUDIO}.readyState >= 1")
        assert page.evaluate(f"{AUDIO}.paused && {AUDIO}.currentTime === 0")
        page.wait_for_function(
            "() => performance.getEntriesByType('resource').some(e => /style[.]css$/.test(e.name))"
        )
        assert not any(url.endswith("/s/gate") for url in fetched[1:])  # one scan, one request

        page.click("#play")
        page.wait_for_function(f"() => {AUDIO}.currentTime > 0.5", timeout=10_000)
        page.click("#play")

        page.reload()  # the canonical address: no second scan, the same page
        assert page.url == f"{base}/ru/gate" and f"{base}/s/gate" not in fetched[1:]
        page.click("a[rel=next]")
        page.wait_for_url(f"{base}/ru/wall")
        page.go_back()
        page.wait_for_url(f"{base}/ru/gate")

        # The next scan from this phone: the stylesheet by its link (cached), styled all the same.
        page.goto(f"{base}/s/wall")
        assert page.url == f"{base}/ru/wall"
        assert page.evaluate(
            "!document.querySelector('style') && !!document.querySelector('link[rel=stylesheet]')"
        )
        assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(21, 21, 21)"
        assert not errors, errors
        context.close()


def test_data_saver_keeps_the_audio_unloaded(browser, web_tour: Path, tmp_path: Path) -> None:
    with running_server(web_tour, tmp_path / "stats.sqlite3") as (base, _):
        context, page, errors = phone(browser, locale="en-GB")
        # Chromium's data saver: navigator.connection.saveData, and "Save-Data: on" on requests.
        context.add_init_script("Object.defineProperty(navigator, 'connection', {value: {saveData: true}})")
        context.set_extra_http_headers({"Save-Data": "on"})
        media: list[str] = []
        context.on("request", lambda r: media.append(r.url) if r.url.endswith(".mp3") else None)
        page.goto(f"{base}/s/gate")
        page.wait_for_load_state("load")
        page.wait_for_timeout(1500)  # well past the idle moment
        assert page.evaluate(f"{AUDIO}.preload") == "none" and not media
        page.click("#play")  # pressing Play still plays, of course
        page.wait_for_function(f"() => {AUDIO}.currentTime > 0.5", timeout=10_000)
        assert not errors, errors
        context.close()


def test_a_failed_warm_up_says_nothing_until_play(browser, web_tour: Path, tmp_path: Path) -> None:
    with running_server(web_tour, tmp_path / "stats.sqlite3") as (base, _):
        context, page, _ = phone(browser, locale="en-GB")  # expects failed loads
        context.route("**/*.mp3", lambda route: route.abort())  # the signal drops
        page.goto(f"{base}/s/gate")
        page.wait_for_function(f"() => {AUDIO}.preload === 'metadata' && !!{AUDIO}.error")
        assert page.text_content("#status") == "" and page.text_content("#play-label") == "Play"
        page.click("#play")  # now it is said, and Play tries again
        page.wait_for_function("() => document.getElementById('status').classList.contains('error')")
        context.unroute("**/*.mp3")
        page.click("#play")
        page.wait_for_function(f"() => {AUDIO}.currentTime > 0.3", timeout=10_000)
        context.close()
