"""Issue 12, "beyond the anchors", in headless Chromium at phone size: the site plan's "Where am
I?" (Chromium's geolocation override: granted, refused, far away), the plan without a script,
at 320 px with 200 % text and in dark mode, and the stop page's remembered text size under the
real CSP. axe-core audits each plan state. Screenshots: test-artifacts/browser/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.helpers.browser import airplane_mode, axe_violations, download_offline, phone, shot
from tests.helpers.web_fixtures import decorate_stop, running_server

pytestmark = pytest.mark.browser

NARROW = {"width": 320, "height": 740}
GATE = {"latitude": 51.0, "longitude": 71.2}
WALL = {"latitude": 51.002, "longitude": 71.2}  # about 222 m north of the gate
OVERFLOW = """() => {
    const width = document.documentElement.clientWidth;
    return [...document.querySelectorAll('body *')]
        .filter(e => e.getClientRects().length && e.getBoundingClientRect().right > width + 0.5)
        .map(e => e.outerHTML.slice(0, 80));
}"""


@pytest.fixture
def plan_tour(make_tour, media_maker) -> Path:
    root = make_tour("plan")
    for stop, place in (("gate", GATE), ("wall", WALL)):
        decorate_stop(root, stop, f"location: {{lat: {place['latitude']}, lon: {place['longitude']}}}\n")
    media_maker.publish(root)
    return root


def _locate(page, expected: str) -> str:
    page.click("#locate")
    page.wait_for_function(
        "text => document.getElementById('locate-status').textContent.includes(text)", arg=expected
    )
    return page.text_content("#locate-status")


def test_where_am_i_shows_distances_and_the_nearest_stop(browser, plan_tour: Path, tmp_path: Path) -> None:
    near_wall = {"latitude": 51.0018, "longitude": 71.2}  # 22 m south of the wall
    with running_server(plan_tour, tmp_path / "stats.sqlite3") as (base, _):
        context, page, errors = phone(
            browser, locale="en-GB", permissions=["geolocation"], geolocation=near_wall, bypass_csp=True
        )
        asked = []  # the position is asked for only after the tap
        page.add_init_script(
            "const g = navigator.geolocation.getCurrentPosition.bind(navigator.geolocation);"
            "navigator.geolocation.getCurrentPosition = (...a) => { window.asked = 1; return g(...a); };"
        )
        page.goto(f"{base}/en/plan")
        assert page.evaluate("!!window.asked") is False
        assert page.get_attribute("#me", "hidden") is not None and not page.is_visible("#me-legend")
        assert page.get_attribute("#locate-status", "role") == "status"
        assert axe_violations(page) == []  # at rest
        status = _locate(page, "nearest stop")
        asked.append(page.evaluate("!!window.asked"))
        assert asked == [True]
        assert status == "The nearest stop is 2. The wall."
        assert page.text_content('li[data-stop="wall"] .dist') == "20 m away · nearest"
        assert page.text_content('li[data-stop="gate"] .dist') == "200 m away"
        assert page.get_attribute('li[data-stop="wall"]', "class") == "near"
        assert page.get_attribute('li[data-stop="gate"]', "class") in ("", None)
        assert "near" in page.get_attribute("#m-wall", "class")
        # "You are here" drawn between the two markers, just below the wall.
        assert page.get_attribute("#me", "hidden") is None and page.is_visible("#me-legend")
        me = page.locator("#me .dot").bounding_box()
        wall = page.locator("#m-wall circle:not(.halo)").bounding_box()
        gate = page.locator("#m-gate circle:not(.halo)").bounding_box()
        assert abs((me["x"] + me["width"] / 2) - (wall["x"] + wall["width"] / 2)) < 2
        assert wall["y"] < me["y"] < gate["y"]
        shot(page, "30-plan-located-en")
        assert axe_violations(page) == []  # located, nearest highlighted
        assert not errors, errors
        context.close()

        # Kazakh words, and a decimal comma.
        context, page, errors = phone(browser, permissions=["geolocation"], geolocation=GATE)
        page.goto(f"{base}/kk/plan")
        assert _locate(page, "Ең жақын нысан") == "Ең жақын нысан: 1. Қақпа."
        assert page.text_content('li[data-stop="gate"] .dist') == "10 м қашықтықта · ең жақын"
        assert page.text_content('li[data-stop="wall"] .dist') == "220 м қашықтықта"
        assert not errors, errors
        context.close()


def test_far_away_the_plan_says_so_in_kilometres(browser, plan_tour: Path, tmp_path: Path) -> None:
    moscow = {"latitude": 55.756, "longitude": 37.617}  # about 2 300 km away
    with running_server(plan_tour, tmp_path / "stats.sqlite3") as (base, _):
        context, page, errors = phone(browser, permissions=["geolocation"], geolocation=moscow)
        page.goto(f"{base}/ru/plan")
        status = _locate(page, "Ближайшая")
        assert status.startswith("Вы находитесь за пределами этого плана.")
        assert page.get_attribute("#me", "hidden") is not None  # not drawn off the plan
        for stop in ("gate", "wall"):  # thousands grouped by a no-break space, as Russian writes them
            distance = page.text_content(f'li[data-stop="{stop}"] .dist')
            assert re.fullmatch("в 2\u00a0[0-9]{3} км от вас( · ближайшая)?", distance), distance
        assert not errors, errors
        context.close()


def test_a_refused_position_gets_a_calm_message(browser, plan_tour: Path, tmp_path: Path) -> None:
    with running_server(plan_tour, tmp_path / "stats.sqlite3") as (base, _):
        context, page, errors = phone(browser, locale="en-GB", bypass_csp=True)
        page.goto(f"{base}/en/plan")
        status = _locate(page, "position")
        assert status == (
            "The phone did not share your position. The plan and the numbers on the signs work without it."
        )
        assert page.is_enabled("#locate")  # the visitor may try again
        assert page.get_attribute("#me", "hidden") is not None
        assert page.evaluate("document.querySelectorAll('.plan-list .near').length") == 0
        assert axe_violations(page) == []
        assert not errors, errors
        context.close()


def test_the_plan_without_a_script_narrow_large_text_and_dark(
    browser, plan_tour: Path, tmp_path: Path
) -> None:
    with running_server(plan_tour, tmp_path / "stats.sqlite3") as (base, _):
        context, page, _ = phone(browser, java_script_enabled=False)
        page.goto(f"{base}/kk/plan")
        assert not page.is_visible("#locate")  # it needs the script
        assert page.locator(".plan-list a").count() == 2 and page.is_visible("#m-gate")
        context.close()

        context, page, errors = phone(browser, viewport=NARROW, color_scheme="dark", bypass_csp=True)
        for path in ("/kk/plan", "/ru/plan", "/kk/gate"):
            page.goto(base + path)
            page.evaluate("document.documentElement.style.fontSize = '200%'")
            assert page.evaluate(OVERFLOW) == [], path
            if path == "/kk/gate":  # the largest transcript text too
                for _ in range(2):
                    page.click('#tsize button[value="1"]')
                assert page.evaluate(OVERFLOW) == [], path
        page.goto(f"{base}/kk/plan")
        page.evaluate("document.documentElement.style.fontSize = '200%'")
        # The drawing fits the screen's width, and its colours follow the dark theme.
        box = page.locator("#plan svg").bounding_box()
        assert box["width"] <= NARROW["width"]
        ground = page.evaluate("getComputedStyle(document.querySelector('#plan .ground')).fill")
        assert ground == "rgb(35, 35, 33)"  # --surface of the dark theme
        shot(page, "31-plan-kk-320px-200pct-dark")
        assert axe_violations(page) == []
        assert not errors, errors
        context.close()


def test_text_size_is_remembered_and_applied_before_the_script(
    browser, web_tour: Path, tmp_path: Path
) -> None:
    """Under the real CSP (no bypass): the hashed inline script in the head must run."""
    size = "parseFloat(getComputedStyle(document.getElementById('transcript')).fontSize)"
    with running_server(web_tour, tmp_path / "stats.sqlite3") as (base, _):
        context, page, errors = phone(browser, locale="en-GB")
        page.goto(f"{base}/en/gate")
        normal = page.evaluate(size)
        smaller, larger = page.locator('#tsize button[value="-1"]'), page.locator('#tsize button[value="1"]')
        assert smaller.get_attribute("aria-label") == "A− Smaller text" and larger.is_visible()
        larger.click()
        larger.click()
        assert page.evaluate(size) == pytest.approx(normal * 1.56, abs=0.1)
        assert larger.get_attribute("aria-disabled") == "true"
        larger.click(force=True)  # aria-disabled: the largest step stays the largest
        assert page.evaluate(size) == pytest.approx(normal * 1.56, abs=0.1)
        # Reloaded without app.js: the head's inline script alone applies the remembered size.
        context.route("**/app.js", lambda route: route.abort())
        page.reload()
        assert page.evaluate(size) == pytest.approx(normal * 1.56, abs=0.1)
        context.unroute("**/app.js")
        page.reload()
        assert page.evaluate(size) == pytest.approx(normal * 1.56, abs=0.1)
        for _ in range(3):
            smaller.click()
        smaller.click(force=True)
        assert page.evaluate(size) == pytest.approx(normal * 0.89, abs=0.1)
        assert smaller.get_attribute("aria-disabled") == "true"
        assert larger.get_attribute("aria-disabled") == "false"
        page.goto(f"{base}/ru/wall")  # remembered on every stop page
        assert page.evaluate(size) == pytest.approx(normal * 0.89, abs=0.1)
        # No CSP report: the inline script ran by its hash (a refused one logs an error).
        assert not [e for e in errors if "app.js" not in e and "ERR_FAILED" not in e], errors
        context.close()


def test_the_plan_works_offline_after_the_download(browser, plan_tour: Path, tmp_path: Path) -> None:
    """Airplane mode: the plan page, its stylesheet and script come from the downloaded tour."""
    with running_server(plan_tour, tmp_path / "stats.sqlite3") as (base, server):
        context, page, errors = phone(browser, locale="en-GB", permissions=["geolocation"], geolocation=WALL)
        page.goto(f"{base}/en/")
        page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=10_000)
        download_offline(page)
        airplane_mode(context, server)
        page.goto(f"{base}/en/plan")
        assert page.locator(".plan-list a").count() == 2
        fill = page.evaluate("getComputedStyle(document.querySelector('.marker circle:not(.halo)')).fill")
        assert fill != "rgb(0, 0, 0)"  # plan.css is there (an unstyled circle is black)
        assert _locate(page, "nearest stop") == "The nearest stop is 2. The wall."  # plan.js too
        assert not [e for e in errors if "ERR_INTERNET_DISCONNECTED" not in e], errors
        context.close()
