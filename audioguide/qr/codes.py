"""The QR symbol of one stop: its module matrix, and the SVG and PNG files print shops get.

The matrix is made once and drawn three ways (SVG, PNG, PDF page), so all three always agree.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

import qrcode
import qrcode.constants
from PIL import Image

# ISO/IEC 18004 asks for a 4-module quiet zone; phones fail first on codes printed without it.
QUIET_ZONE = 4
MM_PER_INCH = 25.4
# The PNG must stay sharp when a print shop places it at its printed size.
MIN_PNG_DPI = 300

_LEVELS = {
    "L": qrcode.constants.ERROR_CORRECT_L,
    "M": qrcode.constants.ERROR_CORRECT_M,
    "Q": qrcode.constants.ERROR_CORRECT_Q,
    "H": qrcode.constants.ERROR_CORRECT_H,
}


@dataclass(frozen=True)
class QrCode:
    """A QR symbol without its quiet zone: `modules[row][col]` is True for a dark module."""

    url: str
    error_correction: str
    version: int
    modules: tuple[tuple[bool, ...], ...]

    @property
    def size(self) -> int:
        """Modules per side of the symbol, quiet zone excluded."""
        return len(self.modules)

    def runs(self) -> list[tuple[int, int, int]]:
        """Horizontal runs of dark modules as (row, first column, length).

        Drawing runs instead of single modules keeps the SVG and PDF small and leaves no
        hairline seams between neighbouring modules of the same row.
        """
        found: list[tuple[int, int, int]] = []
        for row, line in enumerate(self.modules):
            col = 0
            while col < len(line):
                if line[col]:
                    start = col
                    while col < len(line) and line[col]:
                        col += 1
                    found.append((row, start, col - start))
                else:
                    col += 1
        return found


def make_code(url: str, error_correction: str = "M") -> QrCode:
    """The smallest QR version that holds `url`: fewer modules means bigger modules on paper."""
    qr = qrcode.QRCode(version=None, error_correction=_LEVELS[error_correction], border=0)
    qr.add_data(url)
    qr.make(fit=True)
    matrix = tuple(tuple(bool(cell) for cell in row) for row in qr.get_matrix())
    return QrCode(url, error_correction, int(qr.version), matrix)


def quiet_zone_mm(code: QrCode, symbol_mm: float) -> float:
    return QUIET_ZONE * symbol_mm / code.size


def to_svg(code: QrCode, symbol_mm: float) -> bytes:
    """A vector code, quiet zone included, that prints at `symbol_mm` (without the quiet zone).

    The white background is part of the file so that a print shop placing it on a coloured
    sheet keeps the quiet zone.
    """
    side = code.size + 2 * QUIET_ZONE
    total_mm = symbol_mm * side / code.size
    path = "".join(
        f"M{col + QUIET_ZONE} {row + QUIET_ZONE}h{length}v1h-{length}z" for row, col, length in code.runs()
    )
    about = f"QR version {code.version}, error correction {code.error_correction}"
    svg = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<svg xmlns="http://www.w3.org/2000/svg"'
        f' width="{total_mm:.2f}mm" height="{total_mm:.2f}mm"'
        f' viewBox="0 0 {side} {side}" shape-rendering="crispEdges">\n'
        f"<title>{escape(code.url)}</title>\n"
        f"<desc>{escape(about)}</desc>\n"
        f'<rect width="{side}" height="{side}" fill="#ffffff"/>\n'
        f'<path fill="#000000" d={quoteattr(path)}/>\n'
        "</svg>\n"
    )
    return svg.encode("utf-8")


def png_scale(code: QrCode, symbol_mm: float, min_dpi: float = MIN_PNG_DPI) -> tuple[int, float]:
    """Whole pixels per module reaching `min_dpi`, and the dpi at which that prints `symbol_mm`.

    Whole pixels per module keep every module edge sharp; the dpi written into the PNG is what
    makes layout programs place it at the poster's size without anyone measuring.
    """
    module_mm = symbol_mm / code.size
    pixels = max(1, math.ceil(module_mm / MM_PER_INCH * min_dpi))
    return pixels, pixels * MM_PER_INCH / module_mm


def to_png(code: QrCode, symbol_mm: float, min_dpi: float = MIN_PNG_DPI) -> bytes:
    """A 1-bit PNG, quiet zone included, whose dpi metadata prints it at `symbol_mm` wide."""
    pixels, dpi = png_scale(code, symbol_mm, min_dpi)
    side = code.size + 2 * QUIET_ZONE
    small = Image.new("1", (side, side), 1)
    for row, col, length in code.runs():
        for offset in range(length):
            small.putpixel((col + QUIET_ZONE + offset, row + QUIET_ZONE), 0)
    # Nearest-neighbour scaling: every module becomes an exact square of pixels, no grey edges.
    image = small.resize((side * pixels, side * pixels), Image.Resampling.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", dpi=(dpi, dpi), optimize=True)
    return buffer.getvalue()
