"""A malformed audio/manifest.json never crashes the server or gives a 500 (issue 11, defect 6):
the bad entries are logged with what to do and served as "not built yet"."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from audioguide.web import create_app


def rewrite_manifest(root: Path, change) -> None:
    path = root / "audio" / "manifest.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data), encoding="utf-8")


@pytest.mark.parametrize(
    "change",
    [
        lambda data: data.update(stops={"gate": "x"}),
        lambda data: data["stops"]["gate"]["en"]["transcript"][0]["text"].__setitem__(0, 7),
        lambda data: data["stops"]["gate"]["en"].update(duration="long"),
        lambda data: data.update(stops=[1, 2]),
    ],
    ids=["stop-not-object", "transcript-not-text", "duration-not-number", "stops-not-object"],
)
def test_bad_manifest_serves_pages_and_api(web_tour: Path, tmp_path: Path, change, caplog) -> None:
    rewrite_manifest(web_tour, change)
    with caplog.at_level(logging.WARNING):
        client = create_app(web_tour, stats_db=tmp_path / "s.db", testing=True).test_client()
        page = client.get("/en/gate")
        api = client.get("/api/v1/stops/gate?lang=en")
        tour = client.get("/api/v1/tour?lang=en")
    assert page.status_code == 200 and api.status_code == 200 and tour.status_code == 200
    assert api.get_json()["audio_url"] is None  # the broken entry counts as not built
    assert client.get("/en/wall").status_code == 200
    assert "audioguide build" in caplog.text
