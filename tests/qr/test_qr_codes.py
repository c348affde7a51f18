"""The QR symbol files: decodable by a real decoder, quiet zone, size and resolution for print."""

from __future__ import annotations

import io
import re

import pytest
import zxingcpp
from fpdf import FPDF
from PIL import Image

from audioguide.qr.address import is_local, short_address
from audioguide.qr.codes import MIN_PNG_DPI, QUIET_ZONE, make_code, to_png, to_svg

URLS = [
    "http://127.0.0.1:8000/s/welcome",
    "https://guide.example.org/s/visitor-information",
    "https://alzhir.kz/audioguide/s/what-was-alzhir",
]


def dark_bbox(image: Image.Image, threshold: int = 128) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of the dark pixels, right/bottom exclusive."""
    mask = image.convert("L").point(lambda v: 255 if v < threshold else 0)
    box = mask.getbbox()
    assert box, "no dark pixels"
    return box


def finder_module_px(image: Image.Image, left: int, top: int) -> float:
    """Module size from the top-left finder pattern, whose first row is 7 dark modules."""
    gray = image.convert("L")
    y = top + 1
    x = left
    while x < gray.width and gray.getpixel((x, y)) < 128:
        x += 1
    return (x - left) / 7


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("level", ["L", "M", "Q", "H"])
def test_png_decodes_to_exactly_the_url(url: str, level: str) -> None:
    code = make_code(url, level)
    image = Image.open(io.BytesIO(to_png(code, 90)))
    results = zxingcpp.read_barcodes(image)
    assert [r.text for r in results] == [url]
    assert results[0].ec_level == level


@pytest.mark.parametrize("symbol_mm", [64.0, 90.0, 128.0])
def test_png_quiet_zone_dpi_and_printed_size(symbol_mm: float) -> None:
    code = make_code(URLS[0], "M")
    image = Image.open(io.BytesIO(to_png(code, symbol_mm)))
    dpi_x, dpi_y = image.info["dpi"]
    assert dpi_x == pytest.approx(dpi_y)
    assert dpi_x >= MIN_PNG_DPI - 0.5  # pHYs stores whole pixels per metre

    left, top, right, bottom = dark_bbox(image)
    module = finder_module_px(image, left, top)
    assert module == pytest.approx((right - left) / code.size)
    # The quiet zone, measured in the pixels on every side.
    assert min(left, top, image.width - right, image.height - bottom) >= QUIET_ZONE * module
    # Printed at its dpi, the symbol is as wide as the poster's and at least 5 cm.
    printed_cm = (right - left) / dpi_x * 2.54
    assert printed_cm == pytest.approx(symbol_mm / 10, abs=0.02)
    assert printed_cm >= 5


def test_shorter_url_gives_lower_version_and_bigger_modules() -> None:
    short = make_code("https://a.kz/s/gate")
    long = make_code("https://memorial-complex-alzhir.example.org/audioguide/s/visitor-information")
    assert short.version < long.version
    assert 90 / short.size > 90 / long.size


def test_svg_is_vector_with_quiet_zone_and_decodes(tmp_path) -> None:
    url = URLS[1]
    code = make_code(url, "M")
    svg = to_svg(code, 90).decode()
    side = code.size + 2 * QUIET_ZONE
    assert f'viewBox="0 0 {side} {side}"' in svg
    width_mm = float(re.search(r'width="([\d.]+)mm"', svg).group(1))
    assert width_mm == pytest.approx(90 * side / code.size, abs=0.01)
    assert "<image" not in svg  # no embedded bitmap
    # Place the SVG the way layout software would (fpdf2's SVG importer), then decode it.
    path = tmp_path / "code.svg"
    path.write_text(svg, encoding="utf-8")
    pdf = FPDF(unit="mm", format=(150, 150))
    pdf.add_page()
    pdf.image(str(path), x=10, y=10, w=width_mm)
    import pypdfium2

    page = pypdfium2.PdfDocument(bytes(pdf.output()))[0]
    image = page.render(scale=150 / 72).to_pil()
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [url]


def test_identical_inputs_give_identical_bytes() -> None:
    one, two = make_code(URLS[0]), make_code(URLS[0])
    assert to_png(one, 90) == to_png(two, 90)
    assert to_svg(one, 90) == to_svg(two, 90)


def test_short_address_and_local_hosts() -> None:
    assert short_address("http://127.0.0.1:8000/s/welcome") == "127.0.0.1:8000/s/welcome"
    assert short_address("https://guide.example.org/s/gate") == "guide.example.org/s/gate"
    for url in (
        "http://127.0.0.1:8000",
        "http://localhost:5000",
        "http://[::1]:8000",
        "http://0.0.0.0",
    ):
        assert is_local(url), url
    for url in ("https://guide.example.org", "http://192.168.1.10:8000", "https://alzhir.kz"):
        assert not is_local(url), url
