"""Fast start in headless Chromium: app.js streams the narration to the player (Media Source
Extensions) in ranges, the first 96 KiB before Play and then pieces of 1 MiB at most 4 MiB ahead
of the playback, and hands over to the browser's own loading on a seek beyond the bytes on their
way, on an answer that is not the audio, or when the bytes streamed run out on a broken network."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.browser import phone
from tests.helpers.web_fixtures import running_server

pytestmark = pytest.mark.browser

AUDIO = "document.getElementById('audio')"
WARM, PIECE, AHEAD = 98304, 1 << 20, 4 << 20  # app.js: before Play, then each request, ahead
SECONDS = 40  # at 64 kbit/s, 320 KB: more than the first range


@pytest.fixture
def long_tour(make_tour, media_maker) -> Path:
    root = make_tour("fast")
    media_maker.publish(root, seconds=SECONDS)
    return root


def _audio_requests(context) -> list[tuple[str, str, str]]:
    """(resource type, Range header, file name) of every audio and captions request, in order."""
    seen: list[tuple[str, str, str]] = []

    def note(request) -> None:
        # The page's requests; a service worker's fetch of one of them is the same request.
        if request.url.endswith((".mp3", ".vtt")) and request.service_worker is None:
            kind = request.url.rsplit(".", 1)[1]
            seen.append((request.resource_type, request.headers.get("range", ""), kind))

    context.on("request", note)
    return seen


@contextmanager
def _phone_at(browser, tour: Path, tmp_path: Path) -> Iterator[tuple[Any, Any, list[str], list, str]]:
    """A server of `tour` and a new phone: (context, page, script errors, its audio and captions
    requests, the address of the QR code of 'gate')."""
    with running_server(tour, tmp_path / "stats.sqlite3") as (base, _):
        context, page, errors = phone(browser, locale="en-GB")
        try:
            yield context, page, errors, _audio_requests(context), f"{base}/s/gate"
        finally:
            context.close()


def _scan(page, qr: str) -> None:
    """The QR code scanned; back once the audio's first bytes are in the player."""
    page.goto(qr)
    page.wait_for_function(f"() => {AUDIO}.readyState >= 2")


def _by_app_js(request) -> bool:
    """app.js's own fetch (not the browser's media requests, nor the service worker's)."""
    return request.resource_type == "fetch" and request.service_worker is None


def _seek(page, seconds: int) -> None:
    """The seek bar moved to `seconds`, as a finger or the arrow keys do."""
    page.evaluate(
        "s => { const bar = document.getElementById('seek'); bar.value = s;"
        " bar.dispatchEvent(new Event('change')); }",
        seconds,
    )


def test_a_scan_streams_the_first_bytes_then_the_rest_on_play(browser, long_tour, tmp_path) -> None:
    with _phone_at(browser, long_tour, tmp_path) as (_context, page, errors, seen, qr):
        _scan(page, qr)
        assert page.evaluate(f"{AUDIO}.src").startswith("blob:")  # fed by app.js
        assert page.evaluate(f"{AUDIO}.paused && {AUDIO}.currentTime === 0")  # nothing plays
        # The seek bar has the narration's length before its bytes (data-duration).
        assert page.evaluate(f"{AUDIO}.duration") == pytest.approx(SECONDS, abs=0.5)
        page.wait_for_timeout(500)
        mp3 = [r for r in seen if r[2] == "mp3"]
        assert mp3 == [("fetch", f"bytes=0-{WARM - 1}", "mp3")]  # no request of the browser's own
        # The captions wait for the audio's first bytes (they would share a weak signal).
        assert [r[2] for r in seen][:2] == ["mp3", "vtt"]

        page.click("#play")
        page.wait_for_function(f"() => {AUDIO}.currentTime > 1", timeout=10_000)
        assert ("fetch", f"bytes={WARM}-{WARM + PIECE - 1}", "mp3") in seen
        assert not [r for r in seen if r[0] == "media"]
        # Every byte arrives: the stream ends and the whole narration is buffered.
        page.wait_for_function(f"() => {AUDIO}.buffered.length && {AUDIO}.buffered.end(0) > {SECONDS - 1}")
        page.click("#play")
        assert not errors, errors


def test_a_seek_beyond_the_streamed_bytes_hands_over_to_the_browser(browser, long_tour, tmp_path) -> None:
    with _phone_at(browser, long_tour, tmp_path) as (_context, page, errors, seen, qr):
        _scan(page, qr)
        # Before Play: about 12 s streamed (96 KiB at 64 kbit/s). The seek bar to 0:30.
        _seek(page, 30)
        page.wait_for_function(f"() => {AUDIO}.src.endsWith('.mp3') && {AUDIO}.readyState >= 1")
        page.click("#play")
        page.wait_for_function(f"() => {AUDIO}.currentTime > 30.5", timeout=10_000)
        assert page.evaluate(f"{AUDIO}.currentTime") < 35  # from 0:30, not from the start
        assert any(r[0] == "media" for r in seen)  # the browser's own ranges
        assert not errors, errors


@pytest.mark.parametrize("answer", ["abort", "captive portal"])
def test_a_failed_stream_hands_over_without_a_word(browser, long_tour, tmp_path, answer) -> None:
    """app.js's fetches fail (or a hotspot's login page answers them); the browser's own
    requests go through: it plays, and nothing is said."""
    with _phone_at(browser, long_tour, tmp_path) as (context, page, errors, _seen, qr):

        def handle(route) -> None:
            if not _by_app_js(route.request):
                route.continue_()
            elif answer == "abort":
                route.abort()
            else:
                route.fulfill(status=200, content_type="text/html", body="<h1>Log in to the Wi-Fi</h1>")

        context.route("**/*.mp3", handle)
        page.goto(qr)
        page.wait_for_function(f"() => {AUDIO}.src.endsWith('.mp3')")
        assert page.text_content("#status") == ""
        page.click("#play")
        page.wait_for_function(f"() => {AUDIO}.currentTime > 1", timeout=10_000)
        assert page.text_content("#status") == ""
        assert not [e for e in errors if "Failed to load resource" not in e], errors


def test_a_seek_to_the_start_before_the_first_bytes_keeps_the_stream(browser, long_tour, tmp_path) -> None:
    """ "Back 15 s" at 0:00 while the first range is on its way: the stream goes on."""
    with _phone_at(browser, long_tour, tmp_path) as (context, page, errors, _seen, qr):
        held: list = []
        # The first request waits (the weak signal, at its worst); the others go through.
        context.route("**/*.mp3", lambda route: route.continue_() if held else held.append(route))
        page.goto(qr)
        page.wait_for_function("() => document.documentElement.classList.contains('js')")
        page.wait_for_timeout(200)
        assert len(held) == 1 and held[0].request.resource_type == "fetch"
        page.click("#back")
        page.click("#play")
        assert page.evaluate(f"{AUDIO}.src").startswith("blob:")
        held[0].continue_()
        page.wait_for_function(f"() => {AUDIO}.currentTime > 1", timeout=10_000)
        assert page.evaluate(f"{AUDIO}.src").startswith("blob:")
        assert not errors, errors


def test_the_streamed_bytes_play_on_when_the_signal_is_lost(browser, long_tour, tmp_path) -> None:
    """The first 96 KiB (12 s) are in, then the signal is gone: they play to their end, and only
    then is the visitor told (by the browser's own loading, which fails too), at that place."""
    with _phone_at(browser, long_tour, tmp_path) as (context, page, _, _seen, qr):  # expects failed loads
        _scan(page, qr)
        context.set_offline(True)
        page.evaluate(f"{AUDIO}.playbackRate = {AUDIO}.defaultPlaybackRate = 4")  # 12 s in 3
        page.click("#play")
        page.wait_for_function(f"() => {AUDIO}.currentTime > 8", timeout=10_000)
        assert page.evaluate(f"{AUDIO}.src").startswith("blob:")  # still the stream's bytes
        assert page.text_content("#status") in ("", "Loading…")
        # (The browser may first play the last bytes it has in its cache: a blink of "playing".)
        page.wait_for_function(
            "() => document.getElementById('status').textContent.startsWith('There is no connection')"
        )
        # Where the bytes ran out (12.3 s of audio, less the decoder's last buffer); Play goes on
        # from there.
        assert page.text_content("#cur") in ("0:11", "0:12")


def test_a_long_narration_streams_at_most_four_mib_ahead(browser, make_tour, media_maker, tmp_path) -> None:
    """11 minutes at 64 kbit/s (5.3 MB): Chromium holds about 12 MB of audio, so app.js fetches
    pieces while they are at most 4 MiB ahead of the playback, never the whole file at once."""
    root = make_tour("long")
    media_maker.publish(root, seconds=660)
    with _phone_at(browser, root, tmp_path) as (_context, page, errors, seen, qr):
        _scan(page, qr)
        page.click("#play")
        page.wait_for_function(f"() => {AUDIO}.currentTime > 1", timeout=10_000)
        page.wait_for_timeout(1500)  # the loopback is fast: every piece allowed is in
        ranges = [r[1] for r in seen if r[2] == "mp3"]
        ends = [int(r.rsplit("-", 1)[1]) + 1 for r in ranges]
        assert ranges[0] == f"bytes=0-{WARM - 1}" and all(b - a == PIECE for a, b in pairwise(ends)), ranges
        assert AHEAD <= ends[-1] < AHEAD + 2 * PIECE, ranges  # then it waits for the playback
        assert page.evaluate(f"{AUDIO}.buffered.end(0)") < 600
        # A seek to 10:20, within the next piece: the stream fetches on, from where it was.
        _seek(page, 620)
        page.wait_for_function(f"() => {AUDIO}.currentTime > 620.5", timeout=10_000)
        assert page.evaluate(f"{AUDIO}.src").startswith("blob:")
        assert not errors, errors
