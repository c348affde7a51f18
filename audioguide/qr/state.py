"""qr/posters.json: what the last poster build wrote, and every code that was ever put on a poster.

The file is written by audioguide, never by people. It serves two purposes: skipping posters
whose inputs did not change (a poster is printed once, so its files should not churn), and
remembering which ids are out in the world on printed posters, so `audioguide check` can refuse
a rename that would break one.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TypeVar

from audioguide.atomic import write_if_changed

T = TypeVar("T")
STATE_FILE = "posters.json"
FORMAT = 1
_NOTE = (
    "Written by audioguide; do not edit. 'stops' lists the posters of the last build;"
    " 'printed' lists every stop id a built poster has encoded, which 'audioguide check'"
    " keeps resolvable. Keep this file with the tour."
)


@dataclass
class PosterRecord:
    """One stop's poster as last built."""

    id: str
    number: int
    url: str  # exactly what the code encodes
    hash: str  # input hash of everything the poster shows
    files: list[str]  # names inside qr/
    symbol_mm: float = 0.0  # printed width of the code (the PNG and SVG print at this size)


@dataclass
class PrintedCode:
    """An id that a built poster encodes, and the number that poster shows."""

    id: str
    number: int
    url: str


@dataclass
class PosterState:
    paper: str | None = None
    sheet_hash: str | None = None  # input hash of qr/posters.pdf
    stops: dict[str, PosterRecord] = field(default_factory=dict)
    printed: dict[str, PrintedCode] = field(default_factory=dict)


def state_path(qr_dir: Path) -> Path:
    return qr_dir / STATE_FILE


def load_state(qr_dir: Path) -> tuple[PosterState, str | None]:
    """The saved state, or an empty one and the reason it could not be read (None if absent)."""
    path = state_path(qr_dir)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return PosterState(), None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return PosterState(), f"cannot read ({exc}); the next 'audioguide qr' rewrites it"
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return PosterState(), "not a poster state file; the next 'audioguide qr' rewrites it"
    # Entry by entry, so that one damaged entry costs a rebuild, not the record of what is
    # printed (which is what protects the posters on the monuments).
    state = PosterState(paper=data.get("paper"), sheet_hash=data.get("sheet_hash"))
    state.stops = _entries(data.get("stops"), PosterRecord)
    state.printed = _entries(data.get("printed"), PrintedCode)
    return state, None


def _entries(raw: object, kind: type[T]) -> dict[str, T]:
    known = {f.name for f in fields(kind)}  # type: ignore[arg-type]
    entries: dict[str, T] = {}
    for key, value in raw.items() if isinstance(raw, dict) else []:
        if not isinstance(value, dict):
            continue
        with contextlib.suppress(TypeError, ValueError):
            entries[str(key)] = kind(**{k: v for k, v in value.items() if k in known})
    return entries


def save_state(qr_dir: Path, state: PosterState) -> bool:
    """Write the state atomically, and only if it changed, so an idle build touches nothing."""
    data = {
        "format": FORMAT,
        "note": _NOTE,
        "paper": state.paper,
        "sheet_hash": state.sheet_hash,
        "stops": {key: asdict(record) for key, record in sorted(state.stops.items())},
        "printed": {key: asdict(code) for key, code in sorted(state.printed.items())},
    }
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    return write_if_changed(state_path(qr_dir), text.encode("utf-8"))
