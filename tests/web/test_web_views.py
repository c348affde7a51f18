"""The per-snapshot layer: one StopView feeds the page and the API; one PageCache per snapshot."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from audioguide.published import transcript_of
from audioguide.tour.load import load_tour
from audioguide.web.assets import Assets
from audioguide.web.cache import PageCache, SiteCache
from audioguide.web.snapshot import Site
from audioguide.web.views import stop_views


def test_stop_view_decides_once_for_page_and_api(web_tour: Path, client) -> None:
    snap = Site(web_tour).current()
    assert snap is not None
    gate, wall = stop_views(snap, "ru").values()
    assert (gate.title, gate.content_lang, gate.engine_name) == ("Ворота", "ru", "eSpeak NG")
    assert gate.previous is None and gate.next is not None and gate.next.title == "Стена"
    assert wall.needs_review and wall.previous is not None and wall.previous.id == "gate"
    assert [f.url for f in gate.files()] == [
        gate.narrated.audio.url,
        gate.narrated.captions.url,
        gate.image.src.url,  # not built: the photo as it is (its variants: test_web_photos.py)
    ]
    # The API document and the page show what the view decided.
    document = client.get("/api/v1/stops/gate?lang=ru").get_json()
    assert (document["title"], document["lang"], document["transcript"]) == (
        gate.title,
        gate.content_lang,
        gate.transcript,
    )
    assert document["voice"]["engine_name"] == gate.engine_name
    assert document["next"]["title"] == gate.next.title
    page = client.get("/ru/gate").get_data(as_text=True)
    assert "Голос сгенерирован компьютером." in page and gate.next.title in page
    assert gate.engine_name not in page  # the API names the engine; the page does not


def test_unbuilt_stop_shows_the_transcript_of_its_script(make_tour) -> None:
    root = make_tour("unbuilt")
    tour, _ = load_tour(root)
    snap = Site(root).current()
    assert tour is not None and snap is not None
    view = stop_views(snap, "en")["gate"]
    assert view.narrated is None and view.engine_name is None and view.files() == []
    assert view.blocks == transcript_of(tour.stops[0].narrations["en"].script)
    assert view.transcript == tour.stops[0].narrations["en"].script.plain_text()


def test_a_new_snapshot_starts_an_empty_page_cache(web_tour: Path) -> None:
    site = Site(web_tour, check_interval=0)
    caches = SiteCache(site, Assets.load())
    old = site.current()
    assert old is not None
    cache = caches.of(old)
    assert caches.of(old) is cache and cache.views("en") is cache.views("en")
    tour_yaml = web_tour / "tour.yaml"
    tour_yaml.write_text(tour_yaml.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    os.utime(tour_yaml, ns=(1, 1))  # a different mtime even on coarse clocks
    new = site.current()
    assert new is not None and new is not old
    fresh = caches.of(new)
    assert isinstance(fresh, PageCache) and fresh is not cache and fresh.snapshot is new
    # A request still on the old snapshot renders from it, without pushing the new cache out.
    assert caches.of(old).snapshot is old
    assert caches.of(new) is fresh


def test_every_poster_url_is_a_route_of_the_app(web_tour: Path, client) -> None:
    tour, _ = load_tour(web_tour)
    assert tour is not None
    for stop in tour.stops:
        response = client.get(urlsplit(tour.stop_url(stop.id)).path + "?lang=en")
        assert response.status_code == 200  # the stop page itself, which names its own address
        assert f'<link rel="canonical" href="/en/{stop.id}">' in response.get_data(as_text=True)
