"""Shared fixtures: tiny tours written into tmp_path, so tests stay fast and independent."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

TINY_STOPS: dict[str, dict[str, str]] = {
    "gate": {
        "en": (
            "The gate of the memorial. Visitors enter here in silence.\n\n[pause 1s]\n\nPlease walk slowly."
        ),
        "ru": "Ворота мемориала. Посетители входят сюда в тишине.",
        "kk": "Мемориалдың қақпасы. Келушілер мұнда үнсіз кіреді.",
    },
    "wall": {
        "en": "The wall of names. ALZHIR operated from 1937 to 1953.",
        "ru": "Стена памяти. АЛЖИР действовал с 1937 по 1953 год.",
        "kk": "Естелік қабырғасы. АЛЖИР 1937 жылдан 1953 жылға дейін жұмыс істеді.",
    },
}
TITLES = {
    "gate": {"en": "The gate", "ru": "Ворота", "kk": "Қақпа"},
    "wall": {"en": "The wall", "ru": "Стена", "kk": "Қабырға"},
}


def write_tour(
    root: Path,
    *,
    languages: tuple[str, ...] = ("en", "ru", "kk"),
    stops: dict[str, dict[str, str]] | None = None,
    base_url: str = "http://127.0.0.1:8000",
    extra_tour_yaml: str = "",
    voices: str | None = "espeak",
) -> Path:
    """Write a small valid tour. `voices='espeak'` pins every language to espeak (fast, offline)."""
    stops = TINY_STOPS if stops is None else stops
    root.mkdir(parents=True, exist_ok=True)
    titles = {"en": "Test Memorial", "ru": "Тестовый мемориал", "kk": "Сынақ мемориалы"}
    lines = ["title:"]
    lines += [f"  {lang}: {titles.get(lang, 'Test')}" for lang in languages]
    lines.append(f"base_url: {base_url}")
    lines.append(f"languages: [{', '.join(languages)}]")
    if voices == "espeak":
        lines.append("voices:")
        lines += [f"  {lang}: [{{espeak: {lang}}}]" for lang in languages]
    (root / "tour.yaml").write_text("\n".join(lines) + "\n" + extra_tour_yaml, encoding="utf-8")
    for number, (stop_id, bodies) in enumerate(stops.items(), start=1):
        folder = root / "stops" / stop_id
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "stop.yaml").write_text(f"number: {number}\n", encoding="utf-8")
        for lang, body in bodies.items():
            if lang not in languages:
                continue
            title = TITLES.get(stop_id, {}).get(lang, stop_id.title())
            (folder / f"{lang}.md").write_text(
                f"---\ntitle: {title}\n---\n{textwrap.dedent(body).strip()}\n", encoding="utf-8"
            )
    return root


@pytest.fixture
def make_tour(tmp_path: Path) -> Callable[..., Path]:
    def factory(name: str = "tour", **kwargs) -> Path:
        return write_tour(tmp_path / name, **kwargs)

    return factory


@pytest.fixture
def tour_dir(make_tour: Callable[..., Path]) -> Path:
    return make_tour()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


# --- Web app (issue 4): a tour with built audio, captions and manifest, and its Flask app. ---


@pytest.fixture(scope="session")
def media_maker(tmp_path_factory: pytest.TempPathFactory):
    from web_fixtures import MediaMaker

    return MediaMaker(tmp_path_factory.mktemp("media"))


@pytest.fixture
def web_tour(make_tour: Callable[..., Path], media_maker) -> Path:
    """The tiny tour with audio for every narration; 'gate' has an image, a location and an
    alias ('entrance'), and the ru narration of 'wall' awaits review."""
    from web_fixtures import decorate_stop, tiny_png

    root = make_tour("web")
    tiny_png(root / "stops" / "gate" / "photo.png")
    decorate_stop(root, "gate", "image: photo.png\nlocation: {lat: 51.0, lon: 71.2}\naliases: [entrance]\n")
    ru = root / "stops" / "wall" / "ru.md"
    text = ru.read_text(encoding="utf-8")
    ru.write_text(text.replace("---\n", "---\nneeds_review: true\n", 1), encoding="utf-8")
    media_maker.publish(root)
    return root


@pytest.fixture
def web_app(web_tour: Path, tmp_path: Path):
    from audioguide.web import create_app

    return create_app(web_tour, stats_db=tmp_path / "stats.sqlite3", testing=True)


@pytest.fixture
def client(web_app):
    return web_app.test_client()
