"""The shipped poster font draws every character a poster prints: no missing-glyph boxes."""

from __future__ import annotations

from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from audioguide.i18n import STRINGS
from audioguide.qr import typeface
from audioguide.tour.load import load_tour

KAZAKH = "әғқңөұүһіӘҒҚҢӨҰҮҺІ"
RUSSIAN = "".join(chr(c) for c in range(ord("А"), ord("я") + 1)) + "Ёё"
PUNCTUATION = "«»—–…:/.-0123456789"
DEMO = Path(__file__).resolve().parents[2]


def cmap(path: Path) -> set[int]:
    with TTFont(path) as font:
        return set(font.getBestCmap())


def uncovered(text: str, path: Path) -> set[str]:
    covered = cmap(path)
    return {ch for ch in text if not ch.isspace() and ord(ch) not in covered}


@pytest.mark.parametrize("path", [typeface.REGULAR, typeface.BOLD])
def test_font_covers_kazakh_russian_and_ui_strings(path: Path) -> None:
    assert len(RUSSIAN) == 66
    ui = "".join(text for strings in STRINGS.values() for text in strings.values())
    assert uncovered(KAZAKH + RUSSIAN + PUNCTUATION + ui, path) == set()


@pytest.mark.parametrize("path", [typeface.REGULAR, typeface.BOLD])
def test_font_covers_demo_tour_titles(path: Path) -> None:
    tour, _ = load_tour(DEMO)
    assert tour is not None and tour.stops
    texts = list(tour.config.title.values())
    texts += [n.title for stop in tour.stops for n in stop.narrations.values()]
    assert uncovered("".join(texts), path) == set()


def test_font_files_are_small_and_licensed() -> None:
    for path in (typeface.REGULAR, typeface.BOLD):
        assert path.stat().st_size < 1024 * 1024
    license_text = (typeface.FONT_DIR / "LICENSE").read_text(encoding="utf-8")
    assert "Bitstream Vera" in license_text and "Arev" in license_text


def test_missing_glyphs_helper() -> None:
    assert typeface.missing_glyphs("Қош келдіңіз · Добро пожаловать") == []
    assert typeface.missing_glyphs("門 Қақпа") == ["門"]
