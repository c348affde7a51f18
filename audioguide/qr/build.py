"""Building the posters: per stop qr/<id>.svg, .png and .pdf, all pages in qr/posters.pdf.

Only posters whose inputs changed are drawn again (see state.py), each file is written
atomically and only when its bytes differ, and outputs of deleted stops are removed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from audioguide.atomic import remove_stale_temp_files, write_if_changed
from audioguide.errors import AudioguideError, PaperSizeError
from audioguide.i18n import translate
from audioguide.qr import typeface
from audioguide.qr.address import is_local, short_address
from audioguide.qr.check import (
    old_base_urls,
    reserved_id_message,
    unresolved_codes,
    unresolved_message,
)
from audioguide.qr.codes import make_code, to_png, to_svg
from audioguide.qr.layout import (
    DEFAULT_PAPER,
    LAYOUT_VERSION,
    PAPER_MM,
    PosterContent,
    add_poster_page,
    new_document,
    render_pdf,
)
from audioguide.qr.state import PosterRecord, PosterState, PrintedCode, load_state, save_state

if TYPE_CHECKING:
    from audioguide.tour.model import Stop, Tour

SHEET = "posters.pdf"
Status = Literal["built", "unchanged"]


@dataclass(frozen=True)
class PosterResult:
    stop_id: str
    number: int
    status: Status
    url: str
    version: int  # QR version: 1 (21 modules) ... 40; lower means bigger modules
    symbol_mm: float  # printed width of the code, quiet zone excluded
    files: tuple[Path, ...]


class PosterReport(list[PosterResult]):
    """The per-stop results (a list, in number order) plus what concerns the whole set."""

    def __init__(self, paper: str, qr_dir: Path) -> None:
        super().__init__()
        self.paper = paper
        self.qr_dir = qr_dir
        self.sheet_status: Status | None = None  # None: no stops, no posters.pdf
        self.removed: list[Path] = []
        self.warnings: list[str] = []

    @property
    def sheet(self) -> Path:
        return self.qr_dir / SHEET


@dataclass
class _Plan:
    stop: Stop
    content: PosterContent
    hash: str
    files: dict[str, Path] = field(default_factory=dict)
    symbol_mm: float = 0.0


def build_posters(
    tour: Tour,
    *,
    paper: str | None = None,
    force: bool = False,
    reprint: bool = False,
    progress: Callable[[PosterResult], None] | None = None,
) -> PosterReport:
    """Make every stop's poster files and qr/posters.pdf; return one result per stop.

    `force` redraws everything. `reprint` (audioguide qr --force) also starts a new print run:
    codes of stops that no longer exist are forgotten instead of guarded by `audioguide check`.
    Warnings are kept in the report's `warnings`, for the caller to show.
    """
    chosen = (paper or tour.config.qr.paper or DEFAULT_PAPER).upper()
    if chosen not in PAPER_MM:
        choices = ", ".join(PAPER_MM)
        raise PaperSizeError(f"paper must be one of {choices}")
    reserved = reserved_id_message(tour)
    if reserved:
        raise AudioguideError(reserved)
    report = PosterReport(chosen, tour.qr_dir)
    for result in _iter_posters(tour, report, force=force, reprint=reprint):
        report.append(result)
        if progress:
            progress(result)
    return report


def _iter_posters(tour: Tour, report: PosterReport, *, force: bool, reprint: bool) -> Iterator[PosterResult]:
    """Yield each stop's result as soon as its files are written (progress for long tours)."""
    qr_dir, paper = tour.qr_dir, report.paper
    qr_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_temp_files(qr_dir)
    state, problem = load_state(qr_dir)
    if problem:
        report.warnings.append(f"qr/posters.json: {problem}")
    if is_local(tour.base_url):
        report.warnings.append(
            f"tour.yaml: base_url is {tour.base_url}: visitors' phones cannot reach this address,"
            " so these posters will not work for visitors (fine for testing); set base_url to the"
            " guide's public address before printing"
        )
    moved = old_base_urls(tour, state)
    if moved:
        report.warnings.append(
            f"tour.yaml: base_url changed from {', '.join(moved)} to {tour.base_url}: posters"
            " already printed keep leading to the old address; reprint them or redirect it"
        )

    plans = [_plan(tour, stop, paper, report.warnings) for stop in tour.stops]
    for plan in plans:
        record = state.stops.get(plan.stop.id)
        fresh = (
            not force
            and record is not None
            and record.hash == plan.hash
            and record.url == plan.content.code.url
            and record.symbol_mm > 0
            and all(path.is_file() for path in plan.files.values())
        )
        plan.symbol_mm = record.symbol_mm if fresh and record else _write_stop_files(plan, paper)
        yield PosterResult(
            plan.stop.id,
            plan.stop.number,
            "unchanged" if fresh else "built",
            plan.content.code.url,
            plan.content.code.version,
            plan.symbol_mm,
            tuple(plan.files.values()),
        )

    # Outputs of stops that no longer exist: a stale poster file must not be printed by mistake.
    current = {plan.stop.id for plan in plans}
    for stop_id, record in state.stops.items():
        if stop_id in current:
            continue
        for name in record.files:
            path = qr_dir / Path(name).name  # never outside qr/, whatever the file says
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                report.removed.append(path)

    report.sheet_status = _write_sheet(tour, plans, paper, state, force)
    state.paper = paper
    state.stops = {
        plan.stop.id: PosterRecord(
            plan.stop.id,
            plan.stop.number,
            plan.content.code.url,
            plan.hash,
            [path.name for path in plan.files.values()],
            plan.symbol_mm,
        )
        for plan in plans
    }
    codes = {p.stop.id: PrintedCode(p.stop.id, p.stop.number, p.content.code.url) for p in plans}
    state.printed = codes if reprint else {**state.printed, **codes}
    for code in unresolved_codes(tour, state):
        report.warnings.append(f"stops/{code.id}: {unresolved_message(tour, code)}")
    # Last, so that a build killed half-way leaves a state that makes the next one redo the work.
    save_state(qr_dir, state)


def _plan(tour: Tour, stop: Stop, paper: str, warnings: list[str]) -> _Plan:
    languages = tour.languages
    titles = [stop.narrations[lang].title for lang in languages if lang in stop.narrations]
    url = tour.stop_url(stop.id)
    content = PosterContent(
        stop_id=stop.id,
        lang=tour.default_language,
        tour_title=tour.config.title.get(tour.default_language, ""),
        number=stop.number,
        # Kazakh and Russian titles are sometimes the same word (Мемориал): print it once.
        titles=_unique(titles or [stop.id]),
        calls=_unique([translate(lang, "scan_to_listen") for lang in languages]),
        address=short_address(url),
        code=make_code(url, tour.config.qr.error_correction),
    )
    shown = " ".join([content.tour_title, *content.titles, *content.calls, content.address])
    missing = typeface.missing_glyphs(shown) + typeface.missing_glyphs(content.address, bold=True)
    if missing:
        warnings.append(
            f"stops/{stop.id}: the poster font has no glyph for {' '.join(sorted(set(missing)))};"
            " these characters would print as empty boxes"
        )
    inputs = {
        "layout": LAYOUT_VERSION,
        "font": typeface.font_digest(),
        "paper": paper,
        "error_correction": content.code.error_correction,
        "url": url,
        "lang": content.lang,
        "tour_title": content.tour_title,
        "number": content.number,
        "titles": content.titles,
        "calls": content.calls,
        "address": content.address,
    }
    files = {suffix: tour.qr_dir / f"{stop.id}.{suffix}" for suffix in ("svg", "png", "pdf")}
    return _Plan(stop, content, _hash(inputs), files)


def _write_stop_files(plan: _Plan, paper: str) -> float:
    """Write the stop's PDF, SVG and PNG; return the code's printed width in millimetres."""
    title = f"{plan.content.tour_title} — {plan.stop.number}. {plan.content.titles[0]}"
    pdf, (geometry,) = render_pdf([plan.content], paper, title)
    # The standalone code files print exactly as large as the code on the poster (normally
    # the paper's target size; smaller only if very long titles made the page shrink it).
    code, symbol_mm = plan.content.code, geometry.symbol_mm
    write_if_changed(plan.files["svg"], to_svg(code, symbol_mm))
    write_if_changed(plan.files["png"], to_png(code, symbol_mm))
    write_if_changed(plan.files["pdf"], pdf)
    return symbol_mm


def _write_sheet(
    tour: Tour, plans: list[_Plan], paper: str, state: PosterState, force: bool
) -> Status | None:
    """qr/posters.pdf, every poster in number order: redrawn only when some page changed."""
    sheet = tour.qr_dir / SHEET
    if not plans:
        with contextlib.suppress(FileNotFoundError):
            sheet.unlink()
        state.sheet_hash = None
        return None
    sheet_hash = _hash({"paper": paper, "pages": [[plan.stop.id, plan.hash] for plan in plans]})
    if not force and state.sheet_hash == sheet_hash and sheet.is_file():
        return "unchanged"
    title = f"{plans[0].content.tour_title} — QR posters"
    pdf = new_document(title, plans[0].content.lang)
    for plan in plans:
        add_poster_page(pdf, plan.content, paper)
    write_if_changed(sheet, bytes(pdf.output()))
    state.sheet_hash = sheet_hash
    return "built"


def _unique(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(item for item in items if item))


def _hash(inputs: object) -> str:
    text = json.dumps(inputs, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
