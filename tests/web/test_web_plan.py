"""The site plan (/<lang>/plan, issue 12) drawn from the stops' locations, and the stop page's
transcript text size control: Flask test client on tiny real tours."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from audioguide.tour.load import load_tour
from audioguide.web import create_app
from audioguide.web.assets import TEXT_SIZE_SCRIPT
from audioguide.web.icons import INSTALL_ONLY
from audioguide.web.plan import format_distance, nice_length
from tests.helpers.web_fixtures import decorate_stop

MARKER = re.compile(
    r'<a class="marker" id="m-([a-z0-9-]+)" href="([^"]+)">.*?<circle cx="([\d.]+)" cy="([\d.]+)"'
)


def _client(root: Path, tmp_path: Path):
    return create_app(root, stats_db=tmp_path / "stats.sqlite3", testing=True).test_client()


def _markers(html: str) -> dict[str, tuple[str, float, float]]:
    return {stop: (href, float(x), float(y)) for stop, href, x, y in MARKER.findall(html)}


def test_plan_page_draws_each_located_stop_where_it_is(make_tour, media_maker, tmp_path) -> None:
    """'wall' 100 m north and 'tower' 100 m east of 'gate': one metre is as long both ways."""
    root = make_tour(
        stops={"gate": {"en": "A."}, "wall": {"en": "B."}, "tower": {"en": "C."}, "far": {"en": "D."}}
    )
    lat, lon = 51.0, 71.2
    north = 100 / 111_195  # degrees of latitude in 100 m
    east = 100 / (111_195 * math.cos(math.radians(lat + north / 2)))
    decorate_stop(root, "gate", f"location: {{lat: {lat}, lon: {lon}}}\n")
    decorate_stop(root, "wall", f"location: {{lat: {lat + north}, lon: {lon}}}\n")
    decorate_stop(root, "tower", f"location: {{lat: {lat}, lon: {lon + east}}}\n")
    media_maker.publish(root)
    html = _client(root, tmp_path).get("/en/plan").get_data(as_text=True)
    markers = _markers(html)
    assert set(markers) == {"gate", "wall", "tower"}  # 'far' has no location: not on the plan
    (_, gx, gy), (_, wx, wy), (_, tx, ty) = markers["gate"], markers["wall"], markers["tower"]
    assert wx == pytest.approx(gx, abs=0.2) and wy < gy  # north is up
    assert ty == pytest.approx(gy, abs=0.2) and tx > gx  # east is to the right
    assert (gy - wy) == pytest.approx(tx - gx, rel=0.01)  # the same 100 m, both ways
    width, height = map(float, re.search(r'<svg viewBox="0 0 ([\d.]+) ([\d.]+)"', html).groups())
    for _, x, y in markers.values():  # every marker whole inside the drawing
        assert 16 <= x <= width - 16 and 16 <= y <= height - 16
    # Numbered links to the stop pages, and the same stops as an ordered list, in tour order.
    assert markers["wall"][0] == "/en/wall"
    assert re.search(r'id="m-wall" href="/en/wall"><title>2\. The wall</title>', html)
    listed = re.findall(r'<li data-stop="([^"]+)" data-lat="[^"]+" data-lon="[^"]+"><a href="([^"]+)">', html)
    assert listed == [("gate", "/en/gate"), ("wall", "/en/wall"), ("tower", "/en/tower")]
    assert re.search(
        r'<svg [^>]*aria-labelledby="plan-svg-t">\s*<title id="plan-svg-t">Plan of the stops', html
    )
    assert re.search(r'<text class="bar-t"[^>]*>(20|50) m</text>', html)  # the scale bar
    assert 'id="locate"' in html and "https://" not in html  # nothing from another server


def test_one_located_stop_sits_in_the_middle(make_tour, media_maker, tmp_path) -> None:
    root = make_tour()
    decorate_stop(root, "wall", "location: {lat: 51.0, lon: 71.2}\n")
    media_maker.publish(root)
    html = _client(root, tmp_path).get("/ru/plan").get_data(as_text=True)
    width, height = map(float, re.search(r'<svg viewBox="0 0 ([\d.]+) ([\d.]+)"', html).groups())
    (_, x, y) = _markers(html)["wall"]
    assert x == pytest.approx(width / 2) and 16 < y < height - 16
    assert "План территории" in html and "Где я?" in html


def test_stops_a_few_centimetres_apart_stay_together(make_tour, media_maker, tmp_path) -> None:
    """Copied or rounded coordinates: the drawing still spans 200 m, not 11 cm edge to edge."""
    root = make_tour()
    decorate_stop(root, "gate", "location: {lat: 51.0, lon: 71.2}\n")
    decorate_stop(root, "wall", "location: {lat: 51.000001, lon: 71.2}\n")
    media_maker.publish(root)
    html = _client(root, tmp_path).get("/en/plan").get_data(as_text=True)
    (_, gx, gy), (_, wx, wy) = _markers(html)["gate"], _markers(html)["wall"]
    assert gx == wx and abs(gy - wy) < 1  # 11 cm on a 200 m drawing
    assert re.search(r'<text class="bar-t"[^>]*>50 m</text>', html)


def test_titles_are_escaped_on_the_plan(make_tour, media_maker, tmp_path) -> None:
    root = make_tour()
    decorate_stop(root, "gate", "location: {lat: 51.0, lon: 71.2}\n")
    md = root / "stops" / "gate" / "en.md"
    md.write_text(
        md.read_text().replace("title: The gate", "title: '<b>Gate</b> & \"co\"'"), encoding="utf-8"
    )
    media_maker.publish(root)
    html = _client(root, tmp_path).get("/en/plan").get_data(as_text=True)
    assert "<b>Gate" not in html
    assert "<title>1. &lt;b&gt;Gate&lt;/b&gt; &amp; &#34;co&#34;</title>" in html


def test_no_plan_without_locations(make_tour, media_maker, tmp_path) -> None:
    root = make_tour()
    media_maker.publish(root)
    client = _client(root, tmp_path)
    for lang in ("en", "ru", "kk"):
        assert client.get(f"/{lang}/plan").status_code == 404
        for page in (f"/{lang}/", f"/{lang}/gate"):
            assert f"/{lang}/plan" not in client.get(page).get_data(as_text=True)
        listed = [f["url"] for f in client.get(f"/offline/{lang}.json").get_json()["files"]]
        assert not any(url.endswith("/plan") for url in listed)
    assert client.get("/xx/plan").status_code == 404


def test_plan_is_linked_and_in_the_offline_tour(client) -> None:
    """web_tour: 'gate' has a location."""
    for lang in ("en", "ru", "kk"):
        for page in (f"/{lang}/", f"/{lang}/wall"):
            assert f'<a href="/{lang}/plan">' in client.get(page).get_data(as_text=True)
        files = client.get(f"/offline/{lang}.json").get_json()["files"]
        plan = next(f for f in files if f["url"] == f"/{lang}/plan")
        assert plan["bytes"] == len(client.get(f"/{lang}/plan").data)
        html = client.get(f"/{lang}/plan").get_data(as_text=True)
        # plan.css, plan.js: offline too (the home-screen icons are fetched only when installing)
        for asset in re.findall(r'(?:href|src)="(/a/[^"]+)"', html):
            if asset.rsplit("/", 1)[1] not in INSTALL_ONLY:
                assert any(f["url"] == asset for f in files), asset
    assert client.get("/kk/plan").headers["Cache-Control"] == "no-cache"


def test_plan_is_a_reserved_stop_id(make_tour) -> None:
    root = make_tour(stops={"gate": {"en": "A."}, "plan": {"en": "B."}})
    decorate_stop(root, "gate", "aliases: [plan]\n")
    _, diagnostics = load_tour(root)
    problems = [str(problem) for problem in diagnostics.errors]
    assert any("stop id 'plan' is the address of a page" in p for p in problems), problems
    assert any("alias 'plan' is the address of a page" in p for p in problems), problems


@pytest.mark.parametrize(
    ("metres", "lang", "text"),
    [
        (120, "en", "120 m"),
        (999.6, "ru", "1000 м"),
        (1500, "en", "1.5 km"),
        (1500, "kk", "1,5 км"),
        (2000, "ru", "2 км"),
        (1_234_000, "en", "1,234 km"),
        (1_234_000, "ru", "1\u00a0234 км"),
    ],
)
def test_distances_are_written_per_language(metres, lang, text) -> None:
    assert format_distance(metres, lang) == text


@pytest.mark.parametrize(("metres", "nice"), [(0.3, 1), (7, 5), (35, 20), (99, 50), (100, 100), (2600, 2000)])
def test_scale_bar_lengths_are_round(metres, nice) -> None:
    assert nice_length(metres) == nice


def test_text_size_control_on_stop_pages(client) -> None:
    names = {"en": ("Smaller text", "Larger text"), "ru": ("Уменьшить текст", "Увеличить текст")}
    names["kk"] = ("Мәтінді кішірейту", "Мәтінді үлкейту")
    for lang, (smaller, larger) in names.items():
        html = client.get(f"/{lang}/gate").get_data(as_text=True)
        control = re.search(
            r'<p class="tsize js-only" id="tsize" role="group" aria-label="[^"]+">.*?</p>', html
        )
        assert control, lang
        # The visible "A−" and "A+" begin the names (WCAG 2.5.3: speech users say what they see).
        assert f'value="-1" aria-label="A− {smaller}">A−</button>' in control.group(0)
        assert f'value="1" aria-label="A+ {larger}">A+</button>' in control.group(0)
        # Applied in the head, before the transcript is drawn (no jump when app.js arrives).
        head = html.split("</head>")[0]
        assert f"<script>{TEXT_SIZE_SCRIPT}</script>" in head
    assert "tsize" not in client.get("/en/").get_data(as_text=True)
