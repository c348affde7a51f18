"""Issue 12, "the visitor's phone": large text and narrow screens, loading and failure, layout
shift on a slow network, the highlight's contrast, the keyboard, the end of a narration, the 404
list, Kazakh time endings; axe-core audits each of these page states.

Headless Chromium and axe-core: see tests/helpers/browser.py. Screenshots: test-artifacts/browser/.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.browser import axe_violations, phone, shot
from tests.helpers.web_fixtures import running_server

pytestmark = pytest.mark.browser

NARROW = {"width": 320, "height": 740}

# Whatever sticks out to the right of the screen (the skip link waits off-screen to the left).
OVERFLOW = """() => {
    const width = document.documentElement.clientWidth;
    return [...document.querySelectorAll('body *')]
        .filter(e => e.getClientRects().length && e.getBoundingClientRect().right > width + 0.5)
        .map(e => e.outerHTML.slice(0, 80));
}"""

# Is the Play button whole: its icon and label inside it, the label not cut?
PLAY_WHOLE = """() => {
    const button = document.getElementById('play').getBoundingClientRect();
    const inside = r => r.left >= button.left - 0.5 && r.right <= button.right + 0.5
        && r.top >= button.top - 0.5 && r.bottom <= button.bottom + 0.5;
    const label = document.getElementById('play-label');
    return inside(label.getBoundingClientRect())
        && inside(document.querySelector('#play svg').getBoundingClientRect())
        && label.scrollWidth <= label.clientWidth + 1;
}"""


def _large_text(page, percent: int) -> None:
    """Android's font-size setting scales the root font size."""
    page.evaluate(f"document.documentElement.style.fontSize = '{percent}%'")
    page.evaluate("window.dispatchEvent(new Event('resize'))")


@pytest.mark.parametrize(("viewport", "percent"), [(NARROW, 200), ({"width": 360, "height": 740}, 150)])
def test_nothing_overflows_with_large_text_on_a_narrow_screen(
    browser, web_tour: Path, tmp_path: Path, viewport, percent
) -> None:
    with running_server(web_tour, tmp_path / "stats.sqlite3") as (base, _):
        context, page, errors = phone(browser, viewport=viewport)
        for path in ("/kk/gate", "/ru/wall", "/en/gate", "/kk/", "/kk/nowhere"):
            page.goto(base + path)
            _large_text(page, percent)
            assert page.evaluate("document.documentElement.clientWidth") == viewport["width"]
            assert page.evaluate(OVERFLOW) == [], path
            if path.endswith(("gate", "wall")):
                assert page.evaluate(PLAY_WHOLE), path
            if path == "/kk/gate":
                shot(page, f"10-stop-kk-{viewport['width']}px-{percent}pct")
        assert not [e for e in errors if "404" not in e], errors  # /kk/nowhere is a 404
        context.close()


def test_buffering_and_failure_are_said(browser, web_tour: Path, tmp_path: Path) -> None:
    with running_server(web_tour, tmp_path / "stats.sqlite3") as (base, _):
        context, page, errors = phone(browser, locale="en-GB", bypass_csp=True)
        held = []  # context.route: the service worker fetches the audio, not the page
        # The audio does not arrive yet: a weak signal.
        context.route("**/*.mp3", lambda route: held.append(route))
        page.goto(f"{base}/en/gate")
        assert page.get_attribute("#status", "role") == "status"  # a live region, there from the start
        page.click("#play")
        assert page.text_content("#status") == "Loading the audio…"
        assert page.evaluate("document.querySelector('.player').classList.contains('loading')")
        for _ in range(100):  # the request reaches the route (Playwright handles it while waiting)
            if held:
                break
            page.wait_for_timeout(50)
        for route in held:
            route.continue_()
        context.unroute("**/*.mp3")
        page.wait_for_function("() => document.getElementById('audio').currentTime > 0.3")
        assert page.text_content("#status") == ""
        assert page.text_content("#play-label") == "Pause"
        assert axe_violations(page) == []  # playing
        page.click("#play")
        assert not errors, errors
        context.close()

        # The audio cannot be fetched: a plain message with what to do, and Play again.
        context, page, _ = phone(browser, locale="en-GB", bypass_csp=True)  # expects a failed load
        context.route("**/*.mp3", lambda route: route.abort())
        page.goto(f"{base}/en/gate")
        page.click("#play")
        page.wait_for_function("() => document.getElementById('status').classList.contains('error')")
        message = page.text_content("#status")
        assert "could not be loaded" in message and "press Play to try again" in message
        assert page.text_content("#play-label") == "Play"
        shot(page, "11-stop-audio-failed")
        assert axe_violations(page) == []  # the error message shown
        # Pressing Play again tries again, and works once the audio arrives.
        context.unroute("**/*.mp3")
        page.click("#play")
        page.wait_for_function("() => document.getElementById('audio').currentTime > 0.3")
        assert page.text_content("#status") == ""
        page.click("#play")

        context.close()

        # Offline, with the tour not downloaded (nor the audio in the browser's cache): say so.
        context, page, _ = phone(browser, locale="en-GB")
        # Data saver: no first bytes fetched when the page is idle (else they would play offline).
        context.add_init_script("Object.defineProperty(navigator, 'connection', {value: {saveData: true}})")
        page.goto(f"{base}/en/gate")
        context.set_offline(True)
        page.click("#play")
        page.wait_for_function("() => document.getElementById('status').classList.contains('error')")
        assert "no connection" in page.text_content("#status")
        context.set_offline(False)
        context.close()


CLS_OBSERVER = """
    window.__cls = 0;
    new PerformanceObserver(list => {
        for (const shift of list.getEntries()) if (!shift.hadRecentInput) window.__cls += shift.value;
    }).observe({type: 'layout-shift', buffered: true});
"""


def test_no_layout_shift_on_a_slow_network(browser, web_tour: Path, tmp_path: Path) -> None:
    held: list = []
    with running_server(web_tour, tmp_path / "stats.sqlite3") as (base, _):
        for path in ("/kk/", "/kk/wall", "/en/gate"):
            held.clear()
            context, page, _ = phone(browser, locale="kk-KZ")
            page.add_init_script(CLS_OBSERVER)
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            # DevTools' "Slow 3G": 2 s round trips, 50 KB/s.
            conditions = {"latency": 2000, "downloadThroughput": 50_000, "uploadThroughput": 50_000}
            cdp.send("Network.emulateNetworkConditions", {"offline": False, **conditions})
            # And the script, deferred, arrives only after the page is shown (as on a weak signal).
            context.route("**/app.js", lambda route: held.append(route))
            page.goto(base + path, wait_until="commit", timeout=60_000)
            page.wait_for_function(
                "() => performance.getEntriesByType('paint').length > 0", polling=100, timeout=60_000
            )
            page.wait_for_timeout(300)
            assert held, "app.js was not requested"
            for route in held:
                route.continue_()
            page.wait_for_function(
                "() => document.documentElement.classList.contains('js')", polling=100, timeout=60_000
            )
            page.wait_for_timeout(500)
            cls = page.evaluate("window.__cls")
            assert cls < 0.02, (path, cls)
            context.close()


def _contrast(page, a: str, b: str) -> float:
    return page.evaluate(
        """([a, b]) => {
            const lum = c => {
                const [r, g, b] = c.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(v => {
                    v = v / 255;
                    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
                });
                return 0.2126 * r + 0.7152 * g + 0.0722 * b;
            };
            const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
            return (hi + 0.05) / (lo + 0.05);
        }""",
        [a, b],
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_keyboard_sentences_and_a_visible_highlight(browser, web_tour: Path, tmp_path: Path, scheme) -> None:
    with running_server(web_tour, tmp_path / "stats.sqlite3") as (base, _):
        context, page, errors = phone(browser, locale="en-GB", color_scheme=scheme, bypass_csp=True)
        page.goto(f"{base}/en/gate")
        assert page.is_visible("#hint .by-touch") and not page.is_visible("#hint .by-keys")
        assert axe_violations(page) == []  # the stop page at rest
        page.wait_for_selector('#s1[role="button"]')
        # Keyboard only: Tab to the transcript (one tab stop), an arrow to the next, Enter.
        for _ in range(30):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.id") == "s1":
                break
        assert page.evaluate("document.activeElement.id") == "s1"
        # The hint speaks of keys now, not of tapping.
        assert page.is_visible("#hint .by-keys") and not page.is_visible("#hint .by-touch")
        assert "Press Enter" in page.inner_text("#hint")
        page.keyboard.press("ArrowDown")
        assert page.evaluate("document.activeElement.id") == "s2"
        page.keyboard.press("Enter")
        page.wait_for_function("() => document.getElementById('audio').currentTime > 2.8")
        assert not page.evaluate("document.getElementById('audio').paused")
        assert page.evaluate("(document.querySelector('#transcript .now') || {}).id") == "s2"
        # The highlight stands out from the page (3:1) and its text from the highlight (4.5:1).
        now = page.evaluate("getComputedStyle(document.querySelector('#transcript .now')).backgroundColor")
        text = page.evaluate("getComputedStyle(document.querySelector('#transcript .now')).color")
        page_bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert _contrast(page, now, page_bg) >= 3, (now, page_bg)
        assert _contrast(page, text, now) >= 4.5, (text, now)
        shot(page, f"12-stop-keyboard-{scheme}")
        page.keyboard.press("Space")  # Space on the focused sentence: from there again
        assert not page.evaluate("document.getElementById('audio').paused")
        assert axe_violations(page) == []  # playing, a sentence focused
        page.click("#play")
        assert not errors, errors
        context.close()


def test_end_of_narration_and_continuing_automatically(browser, web_tour: Path, tmp_path: Path) -> None:
    with running_server(web_tour, tmp_path / "stats.sqlite3") as (base, _):
        context, page, errors = phone(browser, locale="en-GB")
        page.goto(f"{base}/en/gate")
        assert not page.is_checked("#autonext")  # off by default
        page.check("#autonext")
        page.reload()
        assert page.is_checked("#autonext")  # remembered
        # "Stay here" cancels the move on.
        page.evaluate("document.getElementById('audio').currentTime = 7.5")
        page.click("#play")
        page.wait_for_function("() => !document.getElementById('stay').hidden")
        assert page.text_content("#status") == "The next stop, 2. The wall, starts in a few seconds."
        assert page.evaluate("document.activeElement.id") == "stay"
        page.click("#stay")
        page.wait_for_timeout(6500)
        assert page.url == f"{base}/en/gate"
        # Left alone, it goes on to the next stop and plays it.
        page.evaluate("document.getElementById('audio').currentTime = 7.5")
        page.click("#play")
        page.wait_for_url(f"{base}/en/wall", timeout=15_000)
        page.wait_for_function("() => document.getElementById('audio').currentTime > 0.3")
        page.click("#play")
        # The last stop has nothing to continue to.
        assert page.query_selector("#autonext") is None
        assert not errors, errors
        context.close()


def test_404_lists_the_stops_and_kazakh_time_endings(browser, web_tour: Path, tmp_path: Path) -> None:
    with running_server(web_tour, tmp_path / "stats.sqlite3") as (base, _):
        context, page, errors = phone(browser, locale="kk-KZ", bypass_csp=True)
        page.goto(f"{base}/kk/nowhere")
        assert page.text_content("h1") == "Нысан табылмады"
        assert page.locator(".stops a").count() == 2
        assert axe_violations(page) == []
        page.goto(f"{base}/kk/")
        assert axe_violations(page) == []
        shot(page, "13-home-kk")
        # The resume note: "0:23-тен бастап", the ending of the last number said aloud.
        for seconds, expected in [(23, "0:23-тен"), (6, "0:06-дан"), (10, "0:10-нан"), (40, "0:40-тан")]:
            page.goto(f"{base}/kk/")  # leaving a stop page saves its own position
            page.evaluate(f"localStorage.setItem('pos:kk/gate', '{seconds}')")
            page.goto(f"{base}/kk/gate")
            assert page.text_content("#resume") == f"{expected} бастап жалғасады"
        assert not [e for e in errors if "404" not in e], errors  # /kk/nowhere is a 404
        context.close()


def test_home_ticks_a_heard_stop_and_passes_axe_with_large_text(
    browser, web_tour: Path, tmp_path: Path
) -> None:
    with running_server(web_tour, tmp_path / "stats.sqlite3") as (base, _):
        context, page, errors = phone(browser, viewport=NARROW, locale="en-GB", bypass_csp=True)
        page.goto(f"{base}/en/")
        assert page.locator(".tick:visible").count() == 0
        # Played to the end: heard.
        page.goto(f"{base}/en/gate")
        page.evaluate("document.getElementById('audio').currentTime = 7.5")
        page.click("#play")
        page.wait_for_function("() => document.getElementById('status').textContent.includes('ended')")
        page.goto(f"{base}/en/")
        assert page.is_visible('.tick[data-stop="gate"]') and not page.is_visible('.tick[data-stop="wall"]')
        assert page.text_content('.tick[data-stop="gate"] .sr') == "heard"
        _large_text(page, 200)
        assert page.evaluate(OVERFLOW) == []
        assert axe_violations(page) == []
        shot(page, "14-home-en-320px-200pct")
        assert not errors, errors
        context.close()


def test_stop_page_offline_offer_is_dismissed_once_per_phone(browser, web_tour: Path, tmp_path: Path) -> None:
    with running_server(web_tour, tmp_path / "stats.sqlite3") as (base, _):
        context, page, errors = phone(browser, viewport=NARROW, locale="en-GB", bypass_csp=True)
        page.goto(f"{base}/en/gate")
        page.wait_for_selector("#offline:not([hidden])")
        _large_text(page, 200)
        assert axe_violations(page) == []
        page.click("#dismiss")
        assert not page.is_visible("#offline")
        page.goto(f"{base}/en/wall")
        page.wait_for_timeout(300)
        assert not page.is_visible("#offline")  # remembered
        page.evaluate("localStorage.removeItem('offline-no')")
        page.reload()
        page.wait_for_selector("#offline:not([hidden])")
        page.click("#download")
        page.wait_for_function(
            "() => document.getElementById('download-status').textContent.includes('on your phone')"
        )
        assert not page.is_visible("#offer")  # the downloaded state replaces the offer
        assert not errors, errors
        context.close()
