"""The overview: the state of every narration, staff notes, problems, scans; all escaped."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from flask import Flask

from audioguide.stats import ScanCounter, ScanRow
from audioguide.studio import charts


def _narration(root: Path, stop: str, lang: str) -> Path:
    return root / "stops" / stop / f"{lang}.md"


def row_of(page: str, stop: str, lang: str) -> str:
    match = re.search(rf'<tr id="n-{stop}-{lang}">(.*?)</tr>', page, re.DOTALL)
    assert match, f"no row for {stop}/{lang}"
    return match.group(1)


def test_html_in_titles_and_notes_is_shown_as_text(signed_in, studio_tour: Path) -> None:
    path = _narration(studio_tour, "gate", "en")
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace(
            "title: The gate",
            'title: "<script>alert(1)</script> Gate"\nnotes: "<img src=x onerror=alert(2)> check the date"',
        ),
        encoding="utf-8",
    )
    page = signed_in("ada").get("/studio/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Gate" in page
    assert "&lt;img src=x onerror=alert(2)&gt; check the date" in page


def test_every_narration_has_its_state(signed_in, studio_tour: Path) -> None:
    # A changed text, a missing translation, a narration never built.
    gate_ru = _narration(studio_tour, "gate", "ru")
    gate_ru.write_text(gate_ru.read_text(encoding="utf-8") + "\nНовое предложение.\n", encoding="utf-8")
    _narration(studio_tour, "wall", "en").unlink()
    page = signed_in("ada").get("/studio/").get_data(as_text=True)

    published = row_of(page, "gate", "en")
    assert "Published" in published and "changed" not in published
    assert "espeak" in published and "0:08" in published
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT', published)
    assert "Text changed since the last build" in row_of(page, "gate", "ru")
    assert "Translation missing" in row_of(page, "wall", "en")
    assert "Awaiting native-speaker review" in row_of(page, "wall", "kk")
    assert "Awaiting native-speaker review" not in row_of(page, "gate", "kk")


def test_fallback_and_unbuilt_narrations(app: Flask, signed_in, studio_tour: Path, studio_media) -> None:
    from audioguide.published import Manifest

    manifest = Manifest.load(studio_tour / "audio")
    gate_kk = manifest.get("gate", "kk")
    assert gate_kk is not None
    from dataclasses import replace

    manifest.put("gate", "kk", replace(gate_kk, fallback=True, preferred_engine="piper"))
    manifest.remove("wall", "ru")
    manifest.save()
    page = signed_in("ada").get("/studio/").get_data(as_text=True)
    assert "Built with a fallback voice (preferred: piper)" in row_of(page, "gate", "kk")
    assert "Not built yet: run audioguide build" in row_of(page, "wall", "ru")


def test_problems_and_notes_name_their_file_and_line(signed_in, studio_tour: Path) -> None:
    path = _narration(studio_tour, "wall", "en")
    path.write_text(
        "---\ntitle: The wall\nnotes: Add the opening hours.\ncolour: red\n---\nText.\n", encoding="utf-8"
    )
    (studio_tour / "stops" / "gate" / "stop.yaml").write_text("number: 2\n", encoding="utf-8")
    page = signed_in("ada").get("/studio/").get_data(as_text=True)
    assert "<code>stops/wall/en.md:3</code> Add the opening hours." in page
    assert "<code>stops/wall/en.md:4</code>" in page  # the unknown key
    assert re.search(
        r"<code>stops/\w+/stop.yaml:1</code> <strong>error</strong>: number 2 is already used", page
    )


def test_an_unreadable_tour_still_shows_its_problems(signed_in, studio_tour: Path) -> None:
    (studio_tour / "tour.yaml").write_text("title: [unclosed\n", encoding="utf-8")
    response = signed_in("ada").get("/studio/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "The tour cannot be read" in page and "<code>tour.yaml:" in page


def test_scans_are_charted_and_tabled_with_the_same_numbers(app: Flask, signed_in, tmp_path: Path) -> None:
    today = dt.date.today()
    counter = ScanCounter(tmp_path / "stats.sqlite3", flush_interval=0)
    for _ in range(3):
        counter.record("gate", "kk", today)
    counter.record("gate", "en", today - dt.timedelta(days=1))
    counter.record("wall", "ru", today - dt.timedelta(days=100))  # older than 90 days
    page = signed_in("ada").get("/studio/").get_data(as_text=True)
    assert page.count('<svg class="chart"') == 2
    assert f"<title>{today.isoformat()}: 3</title>" in page
    assert f'<tr><th scope="row">{today.isoformat()}</th><td class="n">3</td></tr>' in page
    cells = "".join(f'<td class="n">{n}</td>' for n in (1, 0, 3, 4))  # en, ru, kk, total
    assert f'<tr><th scope="row">gate</th>{cells}</tr>' in page
    assert "<title>gate: 4</title>" in page
    assert "4 scans in 90 days" in page


def test_no_scans_yet(signed_in) -> None:
    page = signed_in("ada").get("/studio/").get_data(as_text=True)
    assert "No scans counted in the last 90 days." in page and "<svg" not in page


def test_chart_geometry() -> None:
    today = dt.date(2025, 3, 3)
    rows = [ScanRow("2025-03-03", "gate", "en", 4), ScanRow("2025-03-01", "gate", "kk", 2)]
    series = charts.per_day(rows, today, days=5)
    assert series == [
        ("2025-02-27", 0),
        ("2025-02-28", 0),
        ("2025-03-01", 2),
        ("2025-03-02", 0),
        ("2025-03-03", 4),
    ]
    chart = charts.columns(series, width=500, height=100)
    assert chart.peak == 4 and chart.total == 6
    assert [bar.height for bar in chart.bars] == [0, 0, 50, 0, 100]
    assert chart.axis == ((0.0, "2025-02-27"), (200.0, "2025-03-01"))
    assert charts.columns([]).total == 0
