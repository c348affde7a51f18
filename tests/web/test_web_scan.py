"""A QR scan (/s/<id>) answers with the stop page itself: language, canonical address, caching,
the inline stylesheet and script of a new phone and the policy hashes that allow them, the audio
loading with the page unless the phone saves data."""

from __future__ import annotations

import base64
import hashlib
import re
import sqlite3

from audioguide.web import create_app
from audioguide.web.assets import TEXT_SIZE_SCRIPT, csp_hash
from audioguide.web.state import page_cache

STYLE = re.compile(r'<style data-css="(/a/[^"]+/style\.css)">(.*?)</style>', re.DOTALL)
SCRIPT = re.compile(r'<script data-js="(/a/[^"]+/app\.js)">(.*?)</script>\s*</body>', re.DOTALL)


def _vary(response) -> set[str]:
    return {value.strip() for value in response.headers["Vary"].split(",")}


def test_new_phone_gets_the_page_with_its_stylesheet_inline(client) -> None:
    response = client.get("/s/gate", headers={"Accept-Language": "ru-RU,ru;q=0.9"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and '<html lang="ru"' in html
    assert '<link rel="canonical" href="/ru/gate">' in html
    assert 'rel="stylesheet"' not in html  # no render-blocking request before the first paint
    href, css = STYLE.search(html).groups()
    # The style is the stylesheet byte for byte, and the policy allows exactly it.
    assert css.encode() == client.get(href).data
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    policy = response.headers["Content-Security-Policy"]
    style_src = next(d for d in policy.split(";") if d.strip().startswith("style-src"))
    assert style_src.split() == ["style-src", "'self'", f"'sha256-{digest}'"]
    # The script too, last in the page: app.js byte for byte, allowed by its hash (beside the
    # text-size line's, test_web_security); no other script is loaded.
    src, script = SCRIPT.search(html).groups()
    assert script.encode() == client.get(src).data and "app.js" not in html.replace(src, "")
    script_src = next(d for d in policy.split(";") if d.strip().startswith("script-src"))
    assert script_src.split() == [
        "script-src",
        "'self'",
        csp_hash(TEXT_SIZE_SCRIPT.encode()),
        csp_hash(script.encode()),
    ]
    # Its audio loads with the page: app.js fetches the first bytes itself (fast start), so the
    # browser's own preload stays off (no request of its own, aborted when app.js takes over).
    assert '<audio id="audio" controls preload="none" data-warm src=' in html
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert {"Accept-Encoding", "Cookie", "Accept-Language", "Save-Data"} <= _vary(response)
    assert response.headers.getlist("Set-Cookie")[0].startswith("lang=ru;")


def test_data_saver_gets_no_audio_before_play(client) -> None:
    html = client.get("/s/gate", headers={"Save-Data": "on"}).get_data(as_text=True)
    assert '<audio id="audio" controls preload="none" src=' in html  # no data-warm


def test_returning_phone_gets_the_stylesheet_link_it_has_cached(client) -> None:
    client.get("/en/wall")  # the phone has been here: lang=en remembered, style.css cached
    html = client.get("/s/gate", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert '<html lang="en"' in html and '<link rel="canonical" href="/en/gate">' in html
    assert "<style" not in html and 'rel="stylesheet"' in html
    assert "<script data-js" not in html and re.search(r'<script src="/a/[^"]+/app\.js" defer>', html)


def test_the_canonical_page_is_unchanged(client) -> None:
    html = client.get("/en/gate").get_data(as_text=True)
    assert "<style" not in html and 'rel="canonical"' not in html and 'rel="stylesheet"' in html
    assert "<script data-js" not in html and "data-warm" not in html  # warmed when idle (app.js)


def test_no_cache_answers_a_scan_in_another_language(web_tour, tmp_path) -> None:
    """The fast path keeps pages by address; a scan's page depends on the phone, so it is never
    kept there, and every scan reaches the counter."""
    app = create_app(web_tour, stats_db=tmp_path / "s.db", testing=True)
    phone = app.test_client(use_cookies=False)
    for _ in range(2):
        for lang in ("ru", "en", "kk"):
            html = phone.get("/s/gate", headers={"Accept-Language": lang}).get_data(as_text=True)
            assert f'<html lang="{lang}"' in html
    with app.app_context():
        assert page_cache().fast_page("/s/gate") is None
    with sqlite3.connect(tmp_path / "s.db") as db:
        rows = db.execute("SELECT stop, lang, count FROM scans ORDER BY lang").fetchall()
    assert rows == [("gate", "en", 2), ("gate", "kk", 2), ("gate", "ru", 2)]


def test_scan_revalidates_with_its_etag(web_app) -> None:
    client = web_app.test_client(use_cookies=False)
    first = client.get("/s/gate?lang=en")
    again = client.get("/s/gate?lang=en", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and not again.data
    # The same stop in another language is other bytes: no 304 for an ETag of the first.
    other = client.get("/s/gate?lang=ru", headers={"If-None-Match": first.headers["ETag"]})
    assert other.status_code == 200 and '<html lang="ru"' in other.get_data(as_text=True)
    # A phone that remembers a language has the stylesheet: other bytes again (the link).
    linked = client.get(
        "/s/gate?lang=en", headers={"Cookie": "lang=en", "If-None-Match": first.headers["ETag"]}
    )
    assert linked.status_code == 200 and linked.headers["ETag"] != first.headers["ETag"]


def test_scan_page_weight_counts_the_stylesheet_once(client) -> None:
    """The page a new phone gets at a QR code, its CSS and JS inline: < 30,000 bytes, and it
    loads no other stylesheet or script (data-css and data-js only name the files to cache)."""
    html = client.get("/s/gate?lang=en").data
    assert b"<style" in html and b"<script data-js" in html
    assert not re.findall(rb' (?:href|src)="(/a/[^"]+\.(?:css|js))"', html)
    assert len(html) < 30_000, len(html)
