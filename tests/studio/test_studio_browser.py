"""The staff journey in headless Chromium against a real server: sign in, edit a Russian
sentence, listen to the preview, publish, find the new sentence and audio on the visitor page;
a Kazakh reviewer marks the narration reviewed and the visitor note goes away.

Screenshots of each studio page go to test-artifacts/studio/. Chromium is the `browser` fixture
of tests/web/test_browser.py (tests/studio/conftest.py shares it).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from audioguide.studio.accounts import Accounts
from tests.helpers.studio import PASSWORD
from tests.helpers.web_fixtures import running_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "studio"
NEW_SENTENCE = "Здесь выбиты имена тысяч женщин."
KK_NOTE = "Бұл аударма әлі ана тілінде сөйлейтін маманның тексеруін күтуде."


def _desk(browser, locale: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale=locale)
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    return context, page, errors


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _sign_in(page, base: str, name: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/studio/")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{base}/studio/")


def test_edit_listen_publish_and_review(browser, studio_tour: Path, staff: Accounts, tmp_path: Path) -> None:
    with running_server(studio_tour, tmp_path / "stats.sqlite3") as (base, _):
        context, page, errors = _desk(browser, "en-GB")
        page.goto(f"{base}/studio/")
        _shot(page, "01-sign-in")
        _sign_in(page, base, "edna")
        _shot(page, "02-overview")

        visitor_before = page.request.get(f"{base}/ru/wall").text()
        old_audio = re.search(r'<audio id="audio"[^>]* src="([^"]+)"', visitor_before).group(1)

        page.click("a[href='/studio/edit/wall/ru']")
        page.wait_for_url(f"{base}/studio/edit/wall/ru")
        assert page.locator("#gutter li").first.inner_text() == "5"
        _shot(page, "03-editor")
        body = page.input_value("#body")
        page.fill("#body", body.replace("Стена памяти.", f"Стена памяти. {NEW_SENTENCE}"))
        assert page.locator("#gutter li").count() == 1

        # Listen: the preview appears when ready, plays, and its captions follow the sound.
        page.click("button[value=listen]")
        page.wait_for_selector("#preview-audio", timeout=60_000)
        page.wait_for_function("() => document.querySelectorAll('#captions li').length === 3")
        assert NEW_SENTENCE in page.locator("#captions").inner_text()
        page.click("#captions li >> nth=0")  # a click on a sentence plays from there
        page.wait_for_function("() => document.getElementById('preview-audio').currentTime > 0.5")
        page.wait_for_selector("#captions li.now")
        _shot(page, "04-editor-listening")
        page.evaluate("document.getElementById('preview-audio').pause()")
        assert NEW_SENTENCE not in page.request.get(f"{base}/ru/wall").text()  # nothing published

        # Publish: the status page follows the build, then the visitor page has it.
        page.click("button[value=publish]")
        page.wait_for_url(re.compile(r".*/studio/publish/[0-9a-f]+$"))
        page.wait_for_selector("text=visitors now hear the new audio", timeout=90_000)
        _shot(page, "05-published")
        visitor = page.request.get(f"{base}/ru/wall").text()
        for _ in range(50):  # the server notices changed files within a second
            if NEW_SENTENCE in visitor:
                break
            page.wait_for_timeout(200)
            visitor = page.request.get(f"{base}/ru/wall").text()
        assert NEW_SENTENCE in visitor
        new_audio = re.search(r'<audio id="audio"[^>]* src="([^"]+)"', visitor).group(1)
        assert new_audio != old_audio
        assert page.request.get(base + new_audio).status == 200

        page.click("text=History")
        page.wait_for_selector("pre.diff .add")
        assert NEW_SENTENCE in page.locator("pre.diff .add").first.inner_text()
        _shot(page, "06-history")
        assert not errors, errors
        context.close()

        # A Kazakh reviewer marks the kk narration reviewed; the visitor note goes away.
        context, page, errors = _desk(browser, "kk-KZ")
        assert KK_NOTE in page.request.get(f"{base}/kk/wall").text()
        _sign_in(page, base, "kim")
        page.click("#n-wall-kk button[type=submit]")
        page.wait_for_selector("#n-wall-kk >> text=Тексерген: kim")
        _shot(page, "07-overview-reviewed-kk")
        for _ in range(50):
            if KK_NOTE not in page.request.get(f"{base}/kk/wall").text():
                break
            page.wait_for_timeout(200)
        assert KK_NOTE not in page.request.get(f"{base}/kk/wall").text()
        page.goto(f"{base}/kk/wall")
        _shot(page, "08-visitor-kk-reviewed")
        assert not errors, errors
        context.close()

        # The administrator's pages, for the record.
        context, page, errors = _desk(browser, "ru-RU")
        _sign_in(page, base, "ada")
        page.goto(f"{base}/studio/stops")
        _shot(page, "09-stops")
        page.goto(f"{base}/studio/audit")
        assert page.locator("code", has_text="publish").count() >= 1
        _shot(page, "10-audit")
        assert not errors, errors
        context.close()
