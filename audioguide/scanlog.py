"""QR scans counted from web server access logs (nginx, Apache, most CDNs' "combined" export).

When the guide is served as static files (`audioguide export`) no Python sees the scans; the
server's access log does. A scan is a GET of `/s/<id>` (the address every QR code holds) that
was answered (2xx or 3xx). Its language is the `lang=` of that request when given, else the
language of the stop page the same phone opened next (the scan page sends it to `/<lang>/<id>`
within seconds), else "und" (undetermined, BCP 47).

Nothing about the visitor is kept: the address and user agent only pair a scan with the page
that follows it, in memory, while the log is read. A log is known by a digest of its first line
and how many of its lines were counted, so importing it again (grown since, or a rotated and
gzipped copy) counts only the lines after those: each scan once.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

# Common Log Format, optionally followed by "referer" "user agent" (combined).
_LINE = re.compile(
    r'^(?P<addr>\S+) \S+ \S+ \[(?P<time>[^\]]+)\] "(?P<method>[A-Z]+) (?P<target>\S+)(?: [^"]*)?" '
    r'(?P<status>\d{3}) \S+(?: "[^"]*" "(?P<agent>[^"]*)")?'
)
PAIRING_WINDOW = dt.timedelta(seconds=120)  # scan -> stop page: a redirect or a script, seconds
UNDETERMINED = "und"


@dataclass(frozen=True)
class LoggedScan:
    line: int  # its line in the log, from 0: a re-import skips the lines counted before
    day: str  # YYYY-MM-DD, the date in the log's own time zone (as the live counter uses)
    stop: str  # the stop's current id (an alias is counted under it)
    lang: str


def read_lines(path: Path) -> Iterator[str]:
    """A log's lines; `.gz` files (rotated logs) are read as they are."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as handle:  # type: ignore[operator]
        for line in handle:
            yield line.rstrip("\r\n")


def _when(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(text, "%d/%b/%Y:%H:%M:%S %z")
    except ValueError:
        return None


def scans_in(
    lines: Iterable[str],
    *,
    stops: dict[str, str],
    languages: list[str],
    prefix: str = "",
) -> Iterator[LoggedScan]:
    """The scans in `lines`, in log order of their resolution.

    `stops` maps every id and alias to the current id; `prefix` is the path the site is served
    under ("" at the root, "/guide" for https://example.org/guide).
    """
    scan_path = re.compile(re.escape(prefix) + r"/s/([^/?#]+)/?$")
    page_path = re.compile(re.escape(prefix) + r"/([a-z]{2,3}(?:-[A-Za-z0-9]+)*)/([^/?#]+)/?$")
    # Scans still looking for their stop page: (address, user agent, stop) -> (time, line).
    waiting: dict[tuple[str, str, str], tuple[dt.datetime, int]] = {}

    def undetermined(key: tuple[str, str, str], when: dt.datetime, number: int) -> LoggedScan:
        return LoggedScan(number, when.date().isoformat(), key[2], UNDETERMINED)

    def expire(now: dt.datetime) -> Iterator[LoggedScan]:
        for key, (when, number) in list(waiting.items()):
            if now - when > PAIRING_WINDOW:
                del waiting[key]
                yield undetermined(key, when, number)

    for number, line in enumerate(lines):
        match = _LINE.match(line)
        if not match or match["method"] != "GET" or not match["status"].startswith(("2", "3")):
            continue
        when = _when(match["time"])
        if when is None:
            continue
        yield from expire(when)
        target = urlsplit(match["target"])
        path = unquote(target.path)
        addr, agent = match["addr"], match["agent"] or ""
        scanned = scan_path.match(path)
        if scanned:
            stop = stops.get(scanned.group(1)) or stops.get(scanned.group(1).lower())
            if stop is None:
                continue
            lang = (parse_qs(target.query).get("lang") or [""])[0]
            if lang in languages:
                yield LoggedScan(number, when.date().isoformat(), stop, lang)
            else:
                waiting[addr, agent, stop] = (when, number)
            continue
        page = page_path.match(path)
        if page and page.group(1) in languages:
            stop = stops.get(page.group(2))
            pending = waiting.pop((addr, agent, stop), None) if stop else None
            if pending is not None:
                scanned_at, scan_line = pending
                yield LoggedScan(scan_line, scanned_at.date().isoformat(), stop, page.group(1))  # type: ignore[arg-type]
    for key, (when, number) in waiting.items():
        yield undetermined(key, when, number)


def log_identity(path: Path) -> bytes | None:
    """A digest of the log's first line: the same log, grown or rotated and gzipped, has the
    same one. None for an empty log."""
    first = next(iter(read_lines(path)), None)
    return None if first is None else hashlib.blake2b(first.encode(), digest_size=16).digest()
