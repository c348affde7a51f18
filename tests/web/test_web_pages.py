"""Visitor pages: home, scans, keypad, stop pages, language negotiation, 404s, reloads."""

from __future__ import annotations

import gzip
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from audioguide.web import create_app
from audioguide.web.assets import STATIC_DIR, Assets, minify
from audioguide.web.negotiation import choose_language
from tests.helpers.web_fixtures import published_file

LANGS = ["kk", "ru", "en"]


# --- language negotiation: ?lang=, then the earlier choice (cookie), then Accept-Language ---


@pytest.mark.parametrize(
    ("query", "cookie", "accept", "expected"),
    [
        ("ru", "en", "kk", "ru"),  # the query wins over everything
        (None, "en", "ru", "en"),  # then the visitor's earlier choice
        (None, None, "ru-RU,ru;q=0.9,en;q=0.8", "ru"),  # then the browser
        (None, None, "en-GB,en;q=0.9", "en"),  # region subtags fall back to the language
        (None, None, "de-DE,de;q=0.9,en;q=0.5", "en"),  # first the browser accepts that we have
        (None, None, "de", "kk"),  # nothing in common: the tour's default
        (None, None, None, "kk"),
        ("xx", "yy", None, "kk"),  # unknown codes are ignored, not errors
        ("RU", None, None, "ru"),
        (None, None, "ru;q=0, en;q=0.1", "en"),  # q=0 means "not this one"
    ],
)
def test_language_negotiation_order(query, cookie, accept, expected) -> None:
    assert choose_language(LANGS, "kk", query=query, cookie=cookie, accept_language=accept) == expected


def _lang_tour(make_tour, media_maker) -> Path:
    root = make_tour("kk-first", languages=("kk", "ru", "en"))
    media_maker.publish(root)
    return root


def scanned(response) -> str:
    """Where a scan's page says it lives: its canonical address (/<lang>/<id>)."""
    assert response.status_code == 200
    return re.search(r'<link rel="canonical" href="([^"]+)">', response.get_data(as_text=True)).group(1)


def test_scan_follows_negotiation_order(make_tour, media_maker, tmp_path) -> None:
    app = create_app(_lang_tour(make_tour, media_maker), stats_db=tmp_path / "s.db", testing=True)
    fresh, client = app.test_client(use_cookies=False), app.test_client()  # a new phone each time
    assert scanned(fresh.get("/s/gate")) == "/kk/gate"  # the tour's default
    response = fresh.get("/s/gate", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert scanned(response) == "/en/gate" and '<html lang="en"' in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert {"Cookie", "Accept-Language", "Accept-Encoding"} <= {
        v.strip() for v in response.headers["Vary"].split(",")
    }
    # Visiting a page in Russian is remembered for the next scan, over Accept-Language...
    client.get("/ru/wall")
    assert scanned(client.get("/s/gate", headers={"Accept-Language": "en"})) == "/ru/gate"
    # ...and ?lang= on a scan beats the remembered choice.
    assert scanned(client.get("/s/gate?lang=en")) == "/en/gate"


def test_language_cookie_holds_only_the_code(client) -> None:
    response = client.get("/ru/gate")
    cookies = response.headers.getlist("Set-Cookie")
    assert len(cookies) == 1
    assert cookies[0].startswith("lang=ru;")
    assert "HttpOnly" in cookies[0] and "SameSite=Lax" in cookies[0]
    # Already remembered: no new cookie.
    assert not client.get("/ru/wall").headers.getlist("Set-Cookie")


def test_root_redirects_to_home_in_the_visitors_language(client) -> None:
    response = client.get("/", headers={"Accept-Language": "ru"})
    assert response.status_code == 302 and response.headers["Location"] == "/ru/"


def test_home_lists_stops_keypad_languages_and_offline_size(client) -> None:
    response = client.get("/en/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="en"' in html
    assert "<h1>Test Memorial</h1>" in html
    assert re.search(r'href="/en/gate"><span class="num">1</span> <span class="t">The gate</span>', html)
    assert re.search(r'href="/en/wall"><span class="num">2</span> <span class="t">The wall</span>', html)
    assert 'action="/go"' in html and 'inputmode="numeric"' in html
    assert 'href="/ru/" hreflang="ru" lang="ru"' in html and "Русский" in html
    assert re.search(r"Download this tour for offline use \(\d+\.\d MB\)", html)


def test_home_welcomes_intro_listening_time_durations_and_ticks(make_tour, media_maker, tmp_path) -> None:
    root = make_tour("intro", languages=("kk", "ru", "en"))
    tour_yaml = root / "tour.yaml"
    intro = "intro:\n  en: |\n    First <b>line</b>\n    goes on.\n\n    Second.\n  ru: Только по-русски.\n"
    tour_yaml.write_text(tour_yaml.read_text(encoding="utf-8") + intro, encoding="utf-8")
    media_maker.publish(root)
    client = create_app(root, stats_db=tmp_path / "s.db", testing=True).test_client()
    html = client.get("/en/").get_data(as_text=True)
    # The intro: paragraphs, escaped, lines joined; the title once (no header link on the home page).
    assert '<div class="intro">\n<p>First &lt;b&gt;line&lt;/b&gt; goes on.</p>\n<p>Second.</p>' in html
    assert html.split("<body")[1].count("Test Memorial") == 1 and '<a class="tour"' not in html
    # The listening time of the tour and of each stop, in whole minutes.
    assert "Listening time: about 1 min" in html
    assert html.count('<span class="dur">1 min</span>') == 2
    # A tick per stop, hidden until app.js finds it heard; its words are for screen readers.
    tick = '<span class="tick" data-stop="gate" hidden><span aria-hidden="true">✓</span>'
    assert tick + '<span class="sr">heard</span>' in html
    # The stop number: a one-line form that works without JS, no big keypad on the home page.
    assert 'id="pad"' not in html and 'action="/go"' in html and 'name="n"' in html
    assert client.get("/go?lang=en&n=2").headers["Location"] == "/en/wall"
    ru = client.get("/ru/").get_data(as_text=True)
    assert "<p>Только по-русски.</p>" in ru and "Время прослушивания: около 1 мин" in ru
    kk = client.get("/kk/").get_data(as_text=True)  # no kk intro: the default language's (kk) has none
    assert 'class="intro"' not in kk and "Тыңдау уақыты: шамамен 1 мин" in kk and "тыңдалды" in kk
    # Stop pages keep the header link and offer the offline tour in one calm line.
    stop = client.get("/en/gate").get_data(as_text=True)
    assert '<a class="tour" href="/en/">Test Memorial</a>' in stop
    assert re.search(r'<p class="offer" id="offline" data-list="/offline/en.json"[^>]* hidden>', stop)
    assert re.search(
        r"for places without a signal \(\d+\.\d MB\)\. <button[^>]*id=\"download\">Download", stop
    )
    assert 'id="dismiss">Not now</button>' in stop


def test_intro_is_validated_at_its_line(make_tour, tmp_path) -> None:
    from audioguide.tour.load import load_tour

    root = make_tour("bad-intro", languages=("kk", "en"))
    tour_yaml = root / "tour.yaml"
    tour_yaml.write_text(
        tour_yaml.read_text(encoding="utf-8") + "intro:\n  en: ''\n  de: Hallo\n", encoding="utf-8"
    )
    lines = tour_yaml.read_text(encoding="utf-8").splitlines()
    _, diags = load_tour(root)
    errors = [str(problem) for problem in diags.errors]
    empty, other = lines.index("  en: ''") + 1, lines.index("  de: Hallo") + 1
    assert any(f"tour.yaml:{empty}" in e and "intro.en is empty" in e for e in errors), errors
    assert any(f"tour.yaml:{other}" in e and "intro.de: 'de' is not in 'languages'" in e for e in errors), (
        errors
    )


def test_stop_page_content(client) -> None:
    html = client.get("/en/gate").get_data(as_text=True)
    assert "<title>1. The gate · Test Memorial</title>" in html
    assert '<h1><span class="num">1</span> The gate</h1>' in html
    assert re.search(r'<audio id="audio" controls preload="none" src="/media/[0-9a-f]{16}/en/gate.mp3"', html)
    assert re.search(r'<track kind="captions" src="/media/[0-9a-f]{16}/en/gate.vtt" srclang="en"', html)
    assert "autoplay" not in html
    assert re.search(r'<img class="photo" src="/img/[0-9a-f]{16}/gate/photo.png"', html)
    # Sentence n is VTT cue sn.
    assert '<span id="s1">The gate of the memorial.</span>' in html
    assert '<span id="s3">Please walk slowly.</span>' in html
    assert '<p class="note">Computer-generated voice.</p>' in html
    assert "eSpeak" not in html  # an engine's name means nothing to a visitor
    assert "awaiting review" not in html
    # Language switch keeps the stop; next stop; no previous for the first stop.
    assert 'href="/ru/gate" hreflang="ru" lang="ru"' in html
    assert 'rel="next" href="/en/wall"' in html and 'rel="prev"' not in html


def test_stop_page_says_when_a_translation_awaits_review(client) -> None:
    html = client.get("/ru/wall").get_data(as_text=True)
    assert '<html lang="ru"' in html
    assert "ожидает проверки носителем языка" in html
    assert 'rel="prev" href="/ru/gate"' in html and 'rel="next"' not in html
    assert "последняя точка маршрута" in html  # the end of the tour is offered instead of a next stop


def test_stop_without_audio_still_shows_the_transcript(make_tour, tmp_path) -> None:
    app = create_app(make_tour("silent"), stats_db=tmp_path / "s.db", testing=True)
    html = app.test_client().get("/en/gate").get_data(as_text=True)
    assert "not available yet" in html and "<audio" not in html
    assert "Visitors enter here in silence." in html


def test_missing_translation_falls_back_with_a_lang_attribute(make_tour, media_maker, tmp_path) -> None:
    stops = {"gate": {"en": "English only here."}}
    root = make_tour("partial", stops=stops)
    media_maker.publish(root)
    client = create_app(root, stats_db=tmp_path / "s.db", testing=True).test_client()
    html = client.get("/kk/gate").get_data(as_text=True)
    assert '<html lang="kk"' in html and '<article lang="en">' in html
    assert "English only here." in html and "/en/gate.mp3" in html


def test_aliases_resolve_to_the_current_id(client) -> None:
    assert scanned(client.get("/s/entrance?lang=en")) == "/en/gate"
    response = client.get("/en/entrance")
    assert response.status_code == 301 and response.headers["Location"] == "/en/gate"
    assert scanned(client.get("/s/GATE?lang=en")) == "/en/gate"


@pytest.mark.parametrize(
    ("url", "lang", "text"),
    [
        ("/s/nowhere", "kk", "Нысан табылмады"),
        ("/ru/nowhere", "ru", "Точка маршрута не найдена"),
        ("/en/nowhere", "en", "Stop not found"),
        ("/xx/gate", "kk", "Нысан табылмады"),
        ("/no/such/page/here", "kk", "Нысан табылмады"),
    ],
)
def test_friendly_404_in_the_visitors_language(make_tour, media_maker, tmp_path, url, lang, text) -> None:
    client = create_app(
        _lang_tour(make_tour, media_maker), stats_db=tmp_path / "s.db", testing=True
    ).test_client()
    response = client.get(url)
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert f'<html lang="{lang}"' in html and text in html
    assert f'href="/{lang}/"' in html  # a way back to the tour home
    assert 'action="/go"' in html


def test_404_language_follows_accept_language(client) -> None:
    html = client.get("/s/nowhere", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert '<html lang="ru"' in html and "Точка маршрута не найдена" in html


def test_keypad_number_and_code(client) -> None:
    assert client.get("/go?n=2&lang=ru").headers["Location"] == "/ru/wall"
    assert client.get("/go?n=%20gate%20&lang=en").headers["Location"] == "/en/gate"
    assert client.get("/go?n=entrance&lang=en").headers["Location"] == "/en/gate"
    response = client.get("/go?n=42&lang=en")
    assert response.status_code == 404
    assert "There is no stop 42." in response.get_data(as_text=True)


def test_keypad_echo_is_escaped(client) -> None:
    html = client.get("/go?n=<script>alert(1)</script>&lang=en").get_data(as_text=True)
    assert "<script>alert" not in html and "&lt;script&gt;" in html


def test_narration_markup_is_sanitized(make_tour, media_maker, tmp_path) -> None:
    link = '<a href="javascript:x()" onclick="y()">this</a>'
    body = f"A *calm* <script>alert(1)</script> place. See {link}."
    root = make_tour("xss", stops={"gate": {"en": body}}, languages=("en",))
    client = create_app(root, stats_db=tmp_path / "s.db", testing=True).test_client()
    html = client.get("/en/gate").get_data(as_text=True)
    assert "<em>calm</em>" in html
    assert "<script>alert" not in html and "onclick" not in html and "javascript:" not in html


def test_pages_are_cached_with_etag_and_gzip(client) -> None:
    first = client.get("/en/gate")
    assert first.headers["Cache-Control"] == "no-cache"
    etag = first.headers["ETag"]
    again = client.get("/en/gate", headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.data
    packed = client.get("/en/gate", headers={"Accept-Encoding": "gzip, br"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.data) == first.data


def test_head_requests(client) -> None:
    response = client.head("/en/gate")
    assert response.status_code == 200 and not response.data
    assert int(response.headers["Content-Length"]) > 1000


def test_stop_page_weight_under_30_kb(client) -> None:
    """HTML + CSS + JS of a stop page, uncompressed (audio and images excluded)."""
    html = client.get("/en/gate").data
    total = len(html)
    for url in re.findall(rb'(?:href|src)="(/a/[^"]+\.(?:css|js))"', html):
        total += len(client.get(url.decode()).data)
    assert total < 30_000, total


@pytest.mark.skipif(shutil.which("node") is None, reason="node is needed to parse the scripts")
def test_minified_scripts_still_parse(tmp_path) -> None:
    """assets.minify prints every script again (calmjs.parse, local names shortened): node must
    still read it as the browser gets it (a syntax error would silently disable app.js)."""
    assets = Assets.load()
    bodies = {name: body.data for name, body in assets.bodies.items() if name.endswith(".js")}
    bodies["sw.js"] = assets.service_worker.data
    for name, data in bodies.items():
        script = tmp_path / name
        script.write_bytes(data)
        checked = subprocess.run(["node", "--check", str(script)], capture_output=True, text=True)
        assert checked.returncode == 0, (name, checked.stderr)
        assert len(data) < len((STATIC_DIR / name).read_bytes()) * 0.75, name


def test_a_script_that_does_not_parse_is_named_with_its_line() -> None:
    with pytest.raises(ValueError, match=r"^static/broken\.js: Unexpected '=' at 2:5"):
        minify("broken.js", b"var a = 1;\nvar = 2;")


def test_demo_tour_stop_pages_under_30_kb(tmp_path, media_maker) -> None:
    """Every page of the real demo tour (ALZHIR), with its player, in every language."""
    repo = Path(__file__).resolve().parents[2]
    if not (repo / "tour.yaml").is_file():
        pytest.skip("no demo tour in this checkout")
    root = tmp_path / "demo"
    shutil.copytree(repo / "stops", root / "stops")
    shutil.copy(repo / "tour.yaml", root / "tour.yaml")
    media_maker.publish(root)
    client = create_app(root, stats_db=tmp_path / "s.db", testing=True).test_client()
    tour = client.get("/api/v1/tour").get_json()
    first = client.get(f"/{tour['lang']}/{tour['stops'][0]['id']}").data
    assets = sum(
        len(client.get(url.decode()).data)
        for url in re.findall(rb'(?:href|src)="(/a/[^"]+\.(?:css|js))"', first)
    )
    # A new phone's scan: the stylesheet and the script inline, each counted once.
    fresh = client.application.test_client(use_cookies=False)
    for lang in (item["code"] for item in tour["languages"]):
        for stop in tour["stops"]:
            html = client.get(f"/{lang}/{stop['id']}").data
            assert b"<audio" in html
            assert len(html) + assets < 30_000, (lang, stop["id"], len(html), assets)
            scan = fresh.get(f"/s/{stop['id']}?lang={lang}").data
            assert b"<style" in scan and b"<script data-js" in scan, (lang, stop["id"])
            assert len(scan) < 30_000, (lang, stop["id"], len(scan))


def test_rebuild_is_seen_without_restart(web_tour: Path, media_maker, tmp_path) -> None:
    app = create_app(web_tour, stats_db=tmp_path / "s.db", testing=True)
    client = app.test_client()
    before = re.search(r"/media/[0-9a-f]{16}/en/gate.mp3", client.get("/en/gate").get_data(as_text=True))
    assert before
    old_file = published_file(web_tour, "gate", "en")
    old_bytes = old_file.read_bytes()
    time.sleep(0.01)  # a new mtime, even on coarse clocks
    media_maker.publish(web_tour, frequency=330)  # new audio: new hashes
    after = re.search(r"/media/[0-9a-f]{16}/en/gate.mp3", client.get("/en/gate").get_data(as_text=True))
    assert after and after.group(0) != before.group(0)
    # A page loaded before the rebuild still plays exactly what it showed (issue 11)...
    old = client.get(before.group(0))
    assert old.status_code == 200 and old.data == old_bytes
    # ...until that version is let go: then the old URL points at today's file.
    old_file.unlink()
    moved = client.get(before.group(0))
    assert moved.status_code == 302 and moved.headers["Location"] == after.group(0)
    # A text change shows once it is built: until then the page shows what the audio says.
    md = web_tour / "stops" / "gate" / "en.md"
    md.write_text(md.read_text(encoding="utf-8").replace("walk slowly", "walk softly"), encoding="utf-8")
    assert "walk slowly" in client.get("/en/gate").get_data(as_text=True)
    media_maker.publish(web_tour, frequency=440)
    assert "walk softly" in client.get("/en/gate").get_data(as_text=True)


def test_unloadable_tour_is_503(tmp_path) -> None:
    client = create_app(tmp_path, stats_db=tmp_path / "s.db", testing=True).test_client()
    response = client.get("/s/gate")
    assert response.status_code == 503
    assert "Retry-After" in response.headers
    assert client.get("/api/v1/tour").get_json()["status"] == 503


def test_web_manifest_and_service_worker(client) -> None:
    manifest = client.get("/ru/manifest.webmanifest")
    assert manifest.headers["Content-Type"] == "application/manifest+json"
    data = manifest.get_json(force=True)
    assert data["start_url"] == "/ru/" and data["name"] == "Тестовый мемориал"
    assert {icon["type"] for icon in data["icons"]} == {"image/png", "image/svg+xml"}  # PNG for iOS
    worker = client.get("/sw.js")
    assert worker.status_code == 200 and "javascript" in worker.headers["Content-Type"]
    assert worker.headers["Cache-Control"] == "no-cache"


def test_offline_list_covers_pages_audio_and_captions(client) -> None:
    data = client.get("/offline/en.json").get_json()
    urls = [f["url"] for f in data["files"]]
    assert "/en/" in urls and "/en/gate" in urls and "/en/wall" in urls
    assert any(u.endswith("/en/gate.mp3") for u in urls) and any(u.endswith("/en/wall.vtt") for u in urls)
    assert any(u.startswith("/img/") for u in urls)
    assert not any("/ru/" in u for u in urls)  # only the chosen language
    assert data["bytes"] == sum(f["bytes"] for f in data["files"])
    assert {"id": "gate", "number": 1, "aliases": ["entrance"]} in data["stops"]
    for url in urls:  # every listed URL is really there
        assert client.get(url).status_code == 200, url
    assert client.get("/offline/xx.json").status_code == 404


@pytest.mark.parametrize(
    "headers",
    [{}, {"Accept-Encoding": "gzip"}, {"Cookie": "lang=en"}, {"Cookie": "lang=ru; other=1"}],
)
@pytest.mark.parametrize("path", ["/en/gate", "/en/", "/en/plan"])
def test_fast_path_answers_exactly_like_flask(web_app, path, headers) -> None:
    """Rendered pages are answered by fastpath.py without Flask; the answer must not differ."""
    client = web_app.test_client()
    assert client.get(path).status_code == 200  # Flask renders it once
    flask_answer = client.get(path + "?via=flask", headers=headers)  # a query string: Flask
    flask_app = web_app.wsgi_app.wsgi_app
    web_app.wsgi_app.wsgi_app = lambda environ, start_response: pytest.fail("not the fast path")
    try:
        fast_answer = client.get(path, headers=headers)
    finally:
        web_app.wsgi_app.wsgi_app = flask_app

    def comparable(response) -> list[tuple[str, str]]:
        return sorted((k.lower(), v) for k, v in response.headers.items() if k.lower() != "date")

    assert fast_answer.status_code == flask_answer.status_code == 200
    assert comparable(fast_answer) == comparable(flask_answer)
    assert fast_answer.data == flask_answer.data
