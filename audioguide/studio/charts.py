"""Scan counts as chart geometry, drawn by small SVG templates on the server (no script, no CDN).

The numbers come from audioguide.stats; each chart is paired with a table of the same numbers
in the page, so a screen reader (or a copy into a spreadsheet) gets them exactly.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from audioguide.stats import ScanRow

DAYS = 90


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: tuple[Bar, ...]
    peak: int
    total: int
    axis: tuple[tuple[float, str], ...]  # (x or y, label) of the few labelled ticks


def per_day(rows: list[ScanRow], today: dt.date, days: int = DAYS) -> list[tuple[str, int]]:
    """(day, scans) for each of the last `days` days, oldest first, zero where none."""
    counts: Counter[str] = Counter()
    for row in rows:
        counts[row.day] += row.count
    first = today - dt.timedelta(days=days - 1)
    return [
        ((first + dt.timedelta(n)).isoformat(), counts[(first + dt.timedelta(n)).isoformat()])
        for n in range(days)
    ]


def per_stop(
    rows: list[ScanRow], stops: list[str], languages: list[str]
) -> tuple[list[str], list[str], dict[tuple[str, str], int]]:
    """Stops and languages in the tour's order (then any others counted), and scans per pair."""
    cells: Counter[tuple[str, str]] = Counter()
    for row in rows:
        cells[row.stop, row.lang] += row.count
    stop_order = stops + sorted({stop for stop, _ in cells} - set(stops))
    lang_order = languages + sorted({lang for _, lang in cells} - set(languages))
    return stop_order, lang_order, dict(cells)


def columns(series: list[tuple[str, int]], *, width: int = 720, height: int = 160) -> Chart:
    """Vertical bars, one per day, with the first day of each month labelled."""
    peak = max((value for _, value in series), default=0)
    step = width / max(len(series), 1)
    bars = []
    axis = []
    for index, (label, value) in enumerate(series):
        h = height * value / peak if peak else 0.0
        bars.append(
            Bar(label, value, round(index * step, 2), round(height - h, 2), round(step * 0.8, 2), round(h, 2))
        )
        if label.endswith("-01") or index == 0:
            axis.append((round(index * step, 2), label))
    return Chart(width, height, tuple(bars), peak, sum(v for _, v in series), tuple(axis))


def rows_of_bars(series: list[tuple[str, int]], *, width: int = 480, bar: int = 22) -> Chart:
    """Horizontal bars, one per stop, longest for the most scanned."""
    peak = max((value for _, value in series), default=0)
    bars = tuple(
        Bar(
            label,
            value,
            0.0,
            float(index * (bar + 6)),
            round(width * value / peak, 2) if peak else 0.0,
            float(bar),
        )
        for index, (label, value) in enumerate(series)
    )
    return Chart(width, max(len(series), 1) * (bar + 6), bars, peak, sum(v for _, v in series), ())
