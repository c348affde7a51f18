"""The stop's photo in Chromium at 320 px on a slow network (issue 12): its room is kept before
it arrives (no layout shift), the phone picks a WebP of its width, the lock screen gets PNG/JPEG
artwork, and axe-core finds nothing. Screenshots: test-artifacts/browser/."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.browser import airplane_mode, axe_violations, download_offline, phone, shot
from tests.helpers.web_fixtures import running_server
from tests.web.test_browser_visitor import CLS_OBSERVER, NARROW

pytestmark = pytest.mark.browser

PHOTO_BOX = (
    "() => { const r = document.querySelector('.photo').getBoundingClientRect();"
    " return [r.width, r.height]; }"
)


@pytest.mark.parametrize("lang", ["kk", "en"])
def test_photo_keeps_its_room_and_passes_axe_at_320_px(browser, photo_tour: Path, tmp_path, lang) -> None:
    with running_server(photo_tour, tmp_path / "stats.sqlite3") as (base, _):
        context, page, errors = phone(browser, NARROW, bypass_csp=True)
        page.add_init_script(CLS_OBSERVER)
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        # DevTools' "Slow 3G": the photo arrives well after the page is shown.
        conditions = {"latency": 2000, "downloadThroughput": 50_000, "uploadThroughput": 50_000}
        cdp.send("Network.emulateNetworkConditions", {"offline": False, **conditions})
        page.goto(f"{base}/{lang}/gate", wait_until="commit", timeout=60_000)
        page.wait_for_function("() => performance.getEntriesByType('paint').length > 0", timeout=60_000)
        before = page.evaluate(PHOTO_BOX)
        assert page.evaluate("() => !document.querySelector('.photo').complete")  # still on its way
        page.wait_for_function(
            "() => { const i = document.querySelector('.photo'); return i.complete && i.naturalWidth > 0; }",
            polling=100,
            timeout=90_000,
        )
        assert page.evaluate(PHOTO_BOX) == before
        assert before[0] > 280 and abs(before[1] - before[0] * 640 / 960) < 1  # the photo's proportions
        assert page.evaluate("window.__cls") < 0.001
        # 320 CSS px at twice as many pixels: the 960 px WebP, not the 1440 one.
        assert page.evaluate("document.querySelector('.photo').currentSrc").endswith("/gate/960.webp")
        page.wait_for_function("() => document.documentElement.classList.contains('js')", timeout=60_000)
        # The lock screen is set once the audio plays (its artwork must not slow the first sound).
        page.click("#play")
        page.wait_for_function("() => navigator.mediaSession.metadata !== null", timeout=90_000)
        page.evaluate("document.getElementById('audio').pause()")
        artwork = page.evaluate("navigator.mediaSession.metadata.artwork.map(a => a.src)")
        assert artwork[0].endswith("/gate/960.jpg") and artwork[1].endswith("/icon-512.png")
        shot(page, f"photo-320-{lang}")
        assert axe_violations(page) == []
        assert errors == []
        context.close()


def test_offline_the_kept_width_stands_in_for_another(browser, photo_tour: Path, tmp_path) -> None:
    """A tablet wants the 1440 px WebP; the offline tour keeps only the 960 one (a third of the
    bytes): in airplane mode the service worker shows that one instead of a broken image."""
    with running_server(photo_tour, tmp_path / "stats.sqlite3") as (base, server):
        context, page, errors = phone(browser, {"width": 700, "height": 900})
        page.goto(f"{base}/en/")
        page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=10_000)
        download_offline(page)
        airplane_mode(context, server)
        page.goto(f"{base}/en/gate")
        page.wait_for_function(
            "() => { const i = document.querySelector('.photo'); return i.complete && i.naturalWidth > 0; }",
            timeout=20_000,
        )
        assert page.evaluate("document.querySelector('.photo').currentSrc").endswith("/gate/1440.webp")
        # Its pixels are the 960 px file's: the browser scales them by 1440 w for a 672 px slot.
        assert page.evaluate("document.querySelector('.photo').naturalWidth") == round(960 * 672 / 1440)
        shot(page, "photo-offline-700")
        context.close()
        assert not [e for e in errors if "ERR_INTERNET_DISCONNECTED" not in e]
