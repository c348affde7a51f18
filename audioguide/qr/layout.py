"""The poster page, drawn with fpdf2: calm, black and grey on white, sized for reading at 1–2 m.

The design is made for A5 and scaled by page width for A4 and A6: the A series shares one
aspect ratio, so the proportions hold. Top: tour title, stop number, stop titles. Middle: the
code with its quiet zone. Bottom: the call to action in every language and the short address.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from fpdf import FPDF
from fpdf.drawing_primitives import DeviceGray
from fpdf.enums import PathPaintRule

from audioguide.errors import AudioguideError
from audioguide.qr import typeface
from audioguide.qr.codes import QrCode, quiet_zone_mm

# Bump when the drawing changes: every poster's input hash includes it, so all are rebuilt.
LAYOUT_VERSION = 1

PAPER_MM: dict[str, tuple[float, float]] = {"A4": (210, 297), "A5": (148, 210), "A6": (105, 148)}
DEFAULT_PAPER = "A5"
_DESIGN_WIDTH = 148.0  # A5: every length below is in A5 millimetres or points, then scaled
SYMBOL_MM_A5 = 90.0  # ~9 cm scans from 1–2 m with ordinary phone cameras
MIN_SYMBOL_MM = 55.0  # never below 5 cm, with a margin for printers that shrink to fit
PT = 25.4 / 72  # millimetres per point

# A fixed date keeps the PDF bytes identical for identical inputs (fpdf2 writes it into the
# file and into its /ID). SOURCE_DATE_EPOCH is the reproducible-builds convention to override it.
_FIXED_DATE = datetime(2024, 1, 1, tzinfo=UTC)

# Grey levels, 0 = black. Dark enough for older eyes in daylight; the code itself is pure black.
_INK = 0
_SOFT = 70
_QUIET = 100


class PosterLayoutError(AudioguideError):
    """The text of a poster does not fit the page even at the smallest readable size."""


@dataclass(frozen=True)
class PosterContent:
    """Everything one poster shows: the input hash of a poster is a hash of this."""

    stop_id: str
    lang: str  # the document language (the tour's default), for screen readers
    tour_title: str
    number: int
    titles: tuple[str, ...]  # the stop title per language, duplicates removed
    calls: tuple[str, ...]  # "Scan to listen" per language, duplicates removed
    address: str  # the short address to type
    code: QrCode


@dataclass(frozen=True)
class _Style:
    pt: float  # size on A5
    min_pt: float  # smallest size on any paper
    bold: bool
    grey: int
    leading: float = 1.3  # line height / font size


_TOUR_TITLE = _Style(9, 7, False, _QUIET)
_NUMBER = _Style(48, 28, True, _INK)
_TITLE = _Style(14, 9.5, False, _INK, 1.28)
_CALL = _Style(10, 7.5, False, _SOFT, 1.32)
_ADDRESS = _Style(11, 8, True, _INK)
_STYLES = (_TOUR_TITLE, _NUMBER, _TITLE, _CALL, _ADDRESS)


@dataclass
class _Text:
    lines: list[str]
    size_pt: float
    style: _Style

    @property
    def height(self) -> float:
        return len(self.lines) * self.size_pt * PT * self.style.leading


@dataclass(frozen=True)
class Geometry:
    """Where the code sits on the page, in millimetres: what tests and the report measure."""

    paper: str
    page_w: float
    page_h: float
    symbol_x: float
    symbol_y: float
    symbol_mm: float
    quiet_mm: float


def symbol_target_mm(paper: str) -> float:
    return round(SYMBOL_MM_A5 * PAPER_MM[paper][0] / _DESIGN_WIDTH)


def creation_date() -> datetime:
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    return datetime.fromtimestamp(int(epoch), UTC) if epoch.isdigit() else _FIXED_DATE


def new_document(title: str, lang: str) -> FPDF:
    pdf = FPDF(unit="mm")
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.add_font(typeface.FAMILY, "", str(typeface.REGULAR))
    pdf.add_font(typeface.FAMILY, "B", str(typeface.BOLD))
    pdf.set_title(title)
    pdf.set_lang(lang)
    pdf.set_creator("audioguide")
    pdf.set_creation_date(creation_date())
    return pdf


def render_pdf(contents: Sequence[PosterContent], paper: str, title: str) -> tuple[bytes, list[Geometry]]:
    """One poster per page, in the order given; and where each page's code sits."""
    pdf = new_document(title, contents[0].lang if contents else "en")
    geometries = [add_poster_page(pdf, content, paper) for content in contents]
    return bytes(pdf.output()), geometries


def add_poster_page(pdf: FPDF, content: PosterContent, paper: str) -> Geometry:
    page_w, page_h = PAPER_MM[paper]
    pdf.add_page(format=(page_w, page_h))
    scale = page_w / _DESIGN_WIDTH
    margin_x, margin_top, margin_bottom = 14 * scale, 11 * scale, 10 * scale
    width = page_w - 2 * margin_x
    symbol_mm = symbol_target_mm(paper)

    # Shrink the code first (down to MIN_SYMBOL_MM), then the text, until everything fits
    # with the quiet zone kept clear; only very long titles on A6 ever get this far.
    for shrink in (1.0, 0.92, 0.85, 0.78, 0.7, 0.62, 0.55):
        sizes = {style: max(style.pt * scale, style.min_pt) * shrink for style in _STYLES}
        tour_title = _fit(pdf, content.tour_title, _TOUR_TITLE, sizes, width, max_lines=2)
        number = _fit(pdf, str(content.number), _NUMBER, sizes, width, max_lines=1)
        titles = [_fit(pdf, t, _TITLE, sizes, width, max_lines=3) for t in content.titles]
        calls = [_fit(pdf, c, _CALL, sizes, width, max_lines=2) for c in content.calls]
        address = _fit(pdf, content.address, _ADDRESS, sizes, width, max_lines=2, url=True)
        gap_after_tour_title, gap_after_number = 5 * scale * shrink, 4 * scale * shrink
        gap_before_address = 3 * scale * shrink
        top_h = (
            tour_title.height
            + gap_after_tour_title
            + _number_box(number)
            + gap_after_number
            + sum(t.height for t in titles)
        )
        bottom_h = sum(c.height for c in calls) + gap_before_address + address.height
        room = page_h - margin_top - margin_bottom - top_h - bottom_h
        # The code needs its own quiet zone above and below, plus a little air beyond it.
        fits = room - 2 * (quiet_zone_mm(content.code, symbol_mm) + scale)
        if fits < symbol_mm:
            symbol_mm = max(MIN_SYMBOL_MM, min(symbol_mm, fits))
            fits = room - 2 * (quiet_zone_mm(content.code, symbol_mm) + scale)
        if fits >= symbol_mm:
            break
    else:
        raise PosterLayoutError(
            f"stops/{content.stop_id}: the poster text does not fit on {paper}; shorten the stop"
            " titles or choose a larger paper (qr.paper in tour.yaml or --paper)"
        )

    y = _draw(pdf, tour_title, page_w, margin_top) + gap_after_tour_title
    y = _draw_number(pdf, number, page_w, y) + gap_after_number
    for title in titles:
        y = _draw(pdf, title, page_w, y)
    top_end = y
    bottom_start = y = page_h - margin_bottom - bottom_h
    for call in calls:
        y = _draw(pdf, call, page_w, y)
    _draw(pdf, address, page_w, y + gap_before_address)

    # The code goes in the middle of the space left, so the white space above and below it
    # is equal and never less than the quiet zone.
    symbol_x = (page_w - symbol_mm) / 2
    symbol_y = top_end + (bottom_start - top_end - symbol_mm) / 2
    _draw_code(pdf, content.code, symbol_x, symbol_y, symbol_mm)
    quiet = quiet_zone_mm(content.code, symbol_mm)
    return Geometry(paper, page_w, page_h, symbol_x, symbol_y, symbol_mm, quiet)


def _fit(
    pdf: FPDF,
    text: str,
    style: _Style,
    sizes: dict[_Style, float],
    width: float,
    *,
    max_lines: int,
    url: bool = False,
) -> _Text:
    """The largest size, down to 80 % of the style's, at which `text` is one line; else wrap."""
    nominal = sizes[style]
    pdf.set_font(typeface.FAMILY, "B" if style.bold else "", nominal)
    size = nominal
    while pdf.get_string_width(text) > width and size > nominal * 0.8:
        size *= 0.95
        pdf.set_font_size(size)
    if pdf.get_string_width(text) <= width:
        return _Text([text], size, style)
    lines = _wrap(pdf, text, width, url=url)
    while len(lines) > max_lines and size > nominal * 0.6:
        size *= 0.95
        pdf.set_font_size(size)
        lines = _wrap(pdf, text, width, url=url)
    return _Text(lines, size, style)


def _wrap(pdf: FPDF, text: str, width: float, *, url: bool) -> list[str]:
    """Greedy line breaking at spaces (or after '/' in an address, never inside an id)."""
    tokens = re.findall(r"[^/]*/?", text) if url else re.findall(r"\S+\s*", text)
    lines: list[str] = []
    current = ""
    for token in (t for t in tokens if t):
        candidate = current + token
        if current and pdf.get_string_width(candidate.rstrip()) > width:
            lines.append(current.rstrip())
            current = token
        else:
            current = candidate
    if current.strip():
        lines.append(current.rstrip())
    # A single word wider than the page is cut by characters rather than run off the edge.
    fitted: list[str] = []
    for line in lines:
        while pdf.get_string_width(line) > width and len(line) > 1:
            cut = len(line) - 1
            while cut > 1 and pdf.get_string_width(line[:cut]) > width:
                cut -= 1
            fitted.append(line[:cut])
            line = line[cut:]
        fitted.append(line)
    return fitted


def _use(pdf: FPDF, text: _Text) -> None:
    pdf.set_font(typeface.FAMILY, "B" if text.style.bold else "", text.size_pt)
    pdf.set_text_color(text.style.grey)


def _draw(pdf: FPDF, text: _Text, page_w: float, top: float) -> float:
    """Centered lines from `top`; returns the bottom of the block."""
    _use(pdf, text)
    line_h = text.size_pt * PT * text.style.leading
    for i, line in enumerate(text.lines):
        # Baseline a little below the middle of the line box: room for Cyrillic ascents
        # (Й, Ё) above and descenders (у, р, ф) below.
        baseline = top + i * line_h + line_h / 2 + 0.36 * text.size_pt * PT
        pdf.text((page_w - pdf.get_string_width(line)) / 2, baseline, line)
    return top + text.height


def _number_box(text: _Text) -> float:
    # Digits have no descenders and reach 0.73 em: a box of that height keeps the space
    # around the big numeral optically equal to the space around the lines of text.
    return 0.73 * text.size_pt * PT


def _draw_number(pdf: FPDF, text: _Text, page_w: float, top: float) -> float:
    _use(pdf, text)
    baseline = top + _number_box(text)
    pdf.text((page_w - pdf.get_string_width(text.lines[0])) / 2, baseline, text.lines[0])
    return baseline


def _draw_code(pdf: FPDF, code: QrCode, x: float, y: float, symbol_mm: float) -> None:
    """Vector modules in pure grey-black (no rich black from RGB conversion at the print shop).

    All runs form one path filled with the nonzero rule: touching rectangles merge into one
    shape, so no renderer shows hairline gaps between rows.
    """
    module = symbol_mm / code.size
    with pdf.new_path() as path:
        path.style.fill_color = DeviceGray(0)
        path.style.stroke_color = None
        path.style.paint_rule = PathPaintRule.FILL_NONZERO
        for row, col, length in code.runs():
            path.rectangle(x + col * module, y + row * module, length * module, module)
