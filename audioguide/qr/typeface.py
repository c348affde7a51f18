"""The poster font shipped with the package (DejaVu Sans, see fonts/LICENSE) and what it covers."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

FONT_DIR = Path(__file__).parent / "fonts"
REGULAR = FONT_DIR / "DejaVuSans.ttf"
BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"
FAMILY = "DejaVuSans"


@cache
def font_digest() -> str:
    """A hash of the font files: a new font version must rebuild every poster."""
    digest = hashlib.sha256()
    for path in (REGULAR, BOLD):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@cache
def _covered(path: Path) -> frozenset[int]:
    # fontTools ships with fpdf2, so reading the cmap costs no new dependency.
    from fontTools.ttLib import TTFont

    with TTFont(path, lazy=True) as font:
        cmap = font.getBestCmap() or {}
    return frozenset(cmap)


def missing_glyphs(text: str, *, bold: bool = False) -> list[str]:
    """Characters of `text` the font cannot draw (they would print as empty boxes)."""
    covered = _covered(BOLD if bold else REGULAR)
    return sorted({ch for ch in text if not ch.isspace() and ord(ch) not in covered})
