"""Poster pages and the incremental poster build, seen the way a print shop and a phone see them."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp
from click.testing import CliRunner
from PIL import Image

from audioguide.cli import cli
from audioguide.errors import AudioguideError, PaperSizeError
from audioguide.i18n import translate
from audioguide.qr import PosterResult, build_posters
from audioguide.qr.codes import QUIET_ZONE, make_code
from audioguide.tour.load import require_tour

PUBLIC = "https://guide.example.org"
DPI = 150
TARGET_CM = {"A4": 12.8, "A5": 9.0, "A6": 6.4}
PAGE_MM = {"A4": (210, 297), "A5": (148, 210), "A6": (105, 148)}


def render(pdf: Path, index: int = 0, dpi: int = DPI) -> Image.Image:
    page = pypdfium2.PdfDocument(pdf)[index]
    return page.render(scale=dpi / 72).to_pil().convert("L")


def page_count(pdf: Path) -> int:
    return len(pypdfium2.PdfDocument(pdf))


def page_text(pdf: Path, index: int = 0) -> str:
    return pypdfium2.PdfDocument(pdf)[index].get_textpage().get_text_range()


def snapshot(folder: Path) -> dict[str, tuple[int, bytes]]:
    return {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in sorted(folder.iterdir())}


def age(folder: Path) -> None:
    """Backdate every file, so any rewrite shows in its mtime whatever the clock resolution."""
    for path in folder.iterdir():
        os.utime(path, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))


def qr(runner: CliRunner, root: Path, *args: str) -> str:
    result = runner.invoke(cli, ["qr", "-p", str(root), *args])
    assert result.exit_code == 0, result.output
    return result.output


def statuses(output: str) -> dict[str, str]:
    """The per-stop progress lines of `audioguide qr`: '  1  gate   built'."""
    found = {}
    for line in output.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0].isdigit():
            found[parts[1]] = parts[2]
    return found


def measure_page(image: Image.Image, url: str) -> tuple[float, float]:
    """Decode one rasterized page; return (code width in cm, quiet zone in modules)."""
    results = zxingcpp.read_barcodes(image)
    assert [r.text for r in results] == [url]
    pos = results[0].position
    left, top = pos.top_left.x, pos.top_left.y
    right, bottom = pos.bottom_right.x, pos.bottom_right.y
    width_px = right - left
    modules = make_code(url).size
    module_px = width_px / modules
    # Nothing printed within the quiet zone: the band around the symbol is white.
    quiet = QUIET_ZONE * module_px
    box = (
        int(left - quiet) + 1,
        int(top - quiet) + 1,
        int(right + quiet) - 1,
        int(bottom + quiet) - 1,
    )
    assert box[0] >= 0 and box[1] >= 0 and box[2] <= image.width and box[3] <= image.height
    band = image.crop(box).copy()
    # Blank the symbol itself (1 px of anti-aliasing allowed), keep only the band.
    inner = (
        int(left - box[0]) - 1,
        int(top - box[1]) - 1,
        int(right - box[0]) + 2,
        int(bottom - box[1]) + 2,
    )
    band.paste(255, inner)
    assert band.getextrema()[0] > 200, "something is printed inside the quiet zone"
    return width_px / DPI * 2.54, quiet / module_px


@pytest.fixture
def public_tour(make_tour: Callable[..., Path]) -> Path:
    return make_tour("public", base_url=PUBLIC)


@pytest.mark.parametrize("paper", ["A5", "A4", "A6"])
def test_every_page_and_png_decodes_with_size_and_quiet_zone(
    public_tour: Path, runner: CliRunner, paper: str
) -> None:
    qr(runner, public_tour, "--paper", paper)
    qr_dir = public_tour / "qr"
    sheet = qr_dir / "posters.pdf"
    assert page_count(sheet) == 2
    for index, stop_id in enumerate(["gate", "wall"]):  # number order
        url = f"{PUBLIC}/s/{stop_id}"
        for pdf, page in ((sheet, index), (qr_dir / f"{stop_id}.pdf", 0)):
            width_pt, height_pt = pypdfium2.PdfDocument(pdf)[page].get_size()
            assert (round(width_pt / 72 * 25.4), round(height_pt / 72 * 25.4)) == PAGE_MM[paper]
            width_cm, quiet_modules = measure_page(render(pdf, page), url)
            assert width_cm >= 5
            assert width_cm == pytest.approx(TARGET_CM[paper], abs=0.15)
            assert quiet_modules >= QUIET_ZONE
        png = Image.open(qr_dir / f"{stop_id}.png")
        assert [r.text for r in zxingcpp.read_barcodes(png)] == [url]
        dpi = png.info["dpi"][0]
        assert dpi >= 299.5
        symbol_px = png.width * make_code(url).size / (make_code(url).size + 2 * QUIET_ZONE)
        assert symbol_px / dpi * 2.54 == pytest.approx(TARGET_CM[paper], abs=0.05)
        assert (qr_dir / f"{stop_id}.svg").read_text().startswith("<?xml")


def test_poster_shows_titles_calls_number_and_short_address(public_tour: Path, runner: CliRunner) -> None:
    qr(runner, public_tour)
    text = page_text(public_tour / "qr" / "gate.pdf")
    # The tour title in the tour's first language (en in the conftest tour).
    for expected in (
        "Test Memorial",
        "1",
        "The gate",
        "Ворота",
        "Қақпа",
        "guide.example.org/s/gate",
    ):
        assert expected in text
    for lang in ("en", "ru", "kk"):
        assert translate(lang, "scan_to_listen") in text
    assert "https://" not in text  # the address to type has no scheme


def test_tour_paper_and_error_correction_settings(make_tour: Callable[..., Path], runner: CliRunner) -> None:
    root = make_tour(base_url=PUBLIC, extra_tour_yaml="qr:\n  error_correction: H\n  paper: A6\n")
    qr(runner, root)
    pdf = root / "qr" / "gate.pdf"
    width_pt, _ = pypdfium2.PdfDocument(pdf)[0].get_size()
    assert round(width_pt / 72 * 25.4) == 105
    results = zxingcpp.read_barcodes(render(pdf))
    assert results[0].ec_level == "H"
    assert zxingcpp.read_barcodes(Image.open(root / "qr" / "gate.png"))[0].ec_level == "H"


def test_second_run_rewrites_nothing(public_tour: Path, runner: CliRunner) -> None:
    first = qr(runner, public_tour)
    assert statuses(first) == {"gate": "built", "wall": "built"}
    qr_dir = public_tour / "qr"
    assert {p.name for p in qr_dir.iterdir()} == {
        "gate.svg",
        "gate.png",
        "gate.pdf",
        "wall.svg",
        "wall.png",
        "wall.pdf",
        "posters.pdf",
        "posters.json",
    }
    age(qr_dir)
    before = snapshot(qr_dir)
    second = qr(runner, public_tour)
    assert statuses(second) == {"gate": "unchanged", "wall": "unchanged"}
    assert snapshot(qr_dir) == before


def test_title_change_rebuilds_only_that_poster_and_the_sheet(public_tour: Path) -> None:
    tour, _ = require_tour(public_tour)
    build_posters(tour)
    qr_dir = public_tour / "qr"
    age(qr_dir)
    before = snapshot(qr_dir)
    md = public_tour / "stops" / "gate" / "ru.md"
    md.write_text(md.read_text(encoding="utf-8").replace("Ворота", "Главные ворота"), encoding="utf-8")
    tour, _ = require_tour(public_tour)
    results = build_posters(tour)
    assert all(isinstance(r, PosterResult) for r in results)
    assert {r.stop_id: r.status for r in results} == {"gate": "built", "wall": "unchanged"}
    after = snapshot(qr_dir)
    changed = {name for name in before if before[name] != after[name]}
    # The code itself did not change, so gate.svg and gate.png keep their bytes and mtimes.
    assert changed == {"gate.pdf", "posters.pdf", "posters.json"}
    assert "Главные ворота" in page_text(qr_dir / "posters.pdf", 0)


def test_identical_inputs_give_identical_pdf_bytes(make_tour: Callable[..., Path], runner: CliRunner) -> None:
    one, two = make_tour("one", base_url=PUBLIC), make_tour("two", base_url=PUBLIC)
    qr(runner, one)
    qr(runner, two)
    for name in ("posters.pdf", "gate.pdf", "gate.png", "gate.svg", "posters.json"):
        assert (one / "qr" / name).read_bytes() == (two / "qr" / name).read_bytes(), name
    # --force redraws, yet the bytes stay the same.
    before = (one / "qr" / "posters.pdf").read_bytes()
    assert "built" in qr(runner, one, "--force")
    assert (one / "qr" / "posters.pdf").read_bytes() == before


def test_paper_change_rebuilds_everything(public_tour: Path, runner: CliRunner) -> None:
    qr(runner, public_tour)
    output = qr(runner, public_tour, "--paper", "A4")
    assert statuses(output) == {"gate": "built", "wall": "built"}
    state = json.loads((public_tour / "qr" / "posters.json").read_text(encoding="utf-8"))
    assert state["paper"] == "A4"


def test_deleted_stop_outputs_are_removed(public_tour: Path, runner: CliRunner) -> None:
    qr(runner, public_tour)
    (public_tour / "qr" / "notes.txt").write_text("staff file", encoding="utf-8")
    for path in (public_tour / "stops" / "wall").iterdir():
        path.unlink()
    (public_tour / "stops" / "wall").rmdir()
    output = qr(runner, public_tour, "--force")
    names = {p.name for p in (public_tour / "qr").iterdir()}
    assert not any(name.startswith("wall.") for name in names)
    assert "notes.txt" in names  # only files the build wrote are removed
    assert "removed qr/wall.pdf" in output
    assert page_count(public_tour / "qr" / "posters.pdf") == 1


def test_state_file_records_hash_url_id_and_files(public_tour: Path, runner: CliRunner) -> None:
    qr(runner, public_tour)
    state = json.loads((public_tour / "qr" / "posters.json").read_text(encoding="utf-8"))
    gate = state["stops"]["gate"]
    assert gate["id"] == "gate"
    assert gate["url"] == f"{PUBLIC}/s/gate"
    assert gate["files"] == ["gate.svg", "gate.png", "gate.pdf"]
    assert len(gate["hash"]) >= 32
    assert state["printed"]["gate"] == {"id": "gate", "number": 1, "url": f"{PUBLIC}/s/gate"}


def test_missing_files_are_rebuilt(public_tour: Path, runner: CliRunner) -> None:
    qr(runner, public_tour)
    (public_tour / "qr" / "wall.png").unlink()
    (public_tour / "qr" / "posters.pdf").unlink()
    tour, _ = require_tour(public_tour)
    results = build_posters(tour)
    assert {r.stop_id: r.status for r in results} == {"gate": "unchanged", "wall": "built"}
    assert results.sheet_status == "built"
    assert (public_tour / "qr" / "wall.png").is_file()


def test_corrupt_state_file_is_replaced(public_tour: Path, runner: CliRunner) -> None:
    (public_tour / "qr").mkdir()
    (public_tour / "qr" / "posters.json").write_text("{not json", encoding="utf-8")
    output = qr(runner, public_tour)
    assert "posters.json" in output
    assert json.loads((public_tour / "qr" / "posters.json").read_text(encoding="utf-8"))["format"] == 1


def test_localhost_warning(tour_dir: Path, public_tour: Path, runner: CliRunner) -> None:
    assert "will not work for visitors" in qr(runner, tour_dir)  # conftest default: 127.0.0.1
    assert "will not work for visitors" not in qr(runner, public_tour)


def test_missing_glyph_warning(make_tour: Callable[..., Path], runner: CliRunner) -> None:
    root = make_tour(base_url=PUBLIC)
    md = root / "stops" / "gate" / "en.md"
    md.write_text(md.read_text(encoding="utf-8").replace("The gate", "The gate 門"), encoding="utf-8")
    output = qr(runner, root)
    assert "stops/gate" in output and "門" in output and "empty boxes" in output


def test_long_titles_still_fit_on_a6(make_tour: Callable[..., Path], runner: CliRunner) -> None:
    root = make_tour(base_url=PUBLIC)
    long_title = "Келушілерге арналған ақпарат және мемориалдық кешеннің тарихы туралы толық әңгіме"
    md = root / "stops" / "gate" / "kk.md"
    md.write_text(md.read_text(encoding="utf-8").replace("Қақпа", long_title), encoding="utf-8")
    qr(runner, root, "--paper", "A6")
    image = render(root / "qr" / "gate.pdf")
    width_cm, _ = measure_page(image, f"{PUBLIC}/s/gate")
    assert width_cm >= 5
    text = " ".join(page_text(root / "qr" / "gate.pdf").split())
    assert "мемориалдық кешеннің" in text


def test_build_api_signature(public_tour: Path) -> None:
    tour, _ = require_tour(public_tour)
    results = build_posters(tour, paper=None, force=False)
    assert [(r.stop_id, r.status) for r in results] == [("gate", "built"), ("wall", "built")]
    results = build_posters(tour, paper="a5", force=True)
    assert [r.status for r in results] == ["built", "built"]
    assert results.paper == "A5"


@pytest.mark.parametrize(("paper", "metres"), [("A4", 2.0), ("A5", 2.0), ("A6", 1.0)])
def test_decodes_from_a_simulated_distance(
    public_tour: Path, runner: CliRunner, paper: str, metres: float
) -> None:
    """A phone's 1080p preview frame (1920 px over a ~66° field of view) at a distance, slightly
    out of focus: a proxy for the visitor standing back, not a field test."""
    import math

    from PIL import ImageFilter

    qr(runner, public_tour, "--paper", paper)
    field_mm = 2 * metres * 1000 * math.tan(math.radians(33))
    dpi = 1920 / field_mm * 25.4
    page = pypdfium2.PdfDocument(public_tour / "qr" / "wall.pdf")[0]
    image = page.render(scale=dpi / 72).to_pil().convert("L").filter(ImageFilter.GaussianBlur(0.6))
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [f"{PUBLIC}/s/wall"]


def test_an_unknown_paper_size_is_an_audioguide_error_not_a_click_one(public_tour: Path) -> None:
    tour, _ = require_tour(public_tour)
    with pytest.raises(PaperSizeError, match="paper must be one of A4, A5, A6") as raised:
        build_posters(tour, paper="B5")
    assert isinstance(raised.value, AudioguideError)
    assert not (public_tour / "qr").exists()
