"""WebVTT captions: one cue per sentence, timed to the real audio, showing what visitors read."""

from __future__ import annotations

import html
from dataclasses import dataclass


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    text: str


def _timestamp(seconds: float) -> str:
    milliseconds = round(seconds * 1000)
    hours, rest = divmod(milliseconds, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def _escape(text: str) -> str:
    # A cue payload must not contain raw markup characters (escaping ">" also rules out "-->").
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_vtt(cues: list[Cue], language: str) -> str:
    """Cue identifiers s1, s2, … match the transcript's sentence numbers on the stop page."""
    lines = ["WEBVTT", f"Language: {language}", ""]
    for index, cue in enumerate(cues, start=1):
        lines += [f"s{index}", f"{_timestamp(cue.start)} --> {_timestamp(cue.end)}", _escape(cue.text), ""]
    return "\n".join(lines)


def parse_vtt(text: str) -> list[Cue]:
    """The inverse of render_vtt (used by tests to read the captions back)."""
    cues: list[Cue] = []
    for block in text.strip().split("\n\n")[1:]:
        lines = block.splitlines()
        timing = next((i for i, line in enumerate(lines) if "-->" in line), None)
        if timing is None:
            continue
        start, end = (_seconds(part.strip().split()[0]) for part in lines[timing].split("-->"))
        cues.append(Cue(start, end, html.unescape("\n".join(lines[timing + 1 :]))))
    return cues


def _seconds(stamp: str) -> float:
    parts = [float(p) for p in stamp.split(":")]
    while len(parts) < 3:
        parts.insert(0, 0.0)
    return parts[0] * 3600 + parts[1] * 60 + parts[2]
