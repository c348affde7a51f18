"""The settings sections of tour.yaml (`audio`, `qr`, `old_audio`) and the checks every section
of the schema shares: unknown keys (with the nearest known one), mappings, durations."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audioguide.tour.diagnostics import Diagnostics
from audioguide.tour.yamlfile import LineDict

PAPER_SIZES = ("A4", "A5", "A6")


ERROR_CORRECTION = ("L", "M", "Q", "H")


OLD_AUDIO_KEYS = ("keep_versions", "keep_days")


AUDIO_KEYS = (
    "bitrate",
    "sample_rate",
    "loudness",
    "true_peak",
    "sentence_pause",
    "paragraph_pause",
    "max_minutes",
)


QR_KEYS = ("error_correction", "paper")


@dataclass(frozen=True)
class AudioSettings:
    bitrate_kbps: int = 64
    sample_rate: int = 22050
    loudness_lufs: float = -16.0
    true_peak_dbtp: float = -1.5
    sentence_pause_ms: int = 450
    paragraph_pause_ms: int = 900
    max_minutes: float = 20.0  # `check` warns about longer narrations: visitors rarely listen that long


@dataclass(frozen=True)
class QrSettings:
    error_correction: str = "M"
    paper: str = "A5"


@dataclass(frozen=True)
class OldAudioSettings:
    """How long audio replaced by a rebuild keeps playing under its old address: for a page
    loaded before the rebuild, or yesterday's offline download. A version is kept while it is
    one of the newest `keep_versions` or younger than `keep_days`."""

    keep_versions: int = 3
    keep_days: float = 7.0


def warn_unknown_keys(
    mapping: LineDict, known: tuple[str, ...], path: Path, diags: Diagnostics, where: str
) -> None:
    for key in mapping:
        if key in known:
            continue
        close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.5)
        hint = f"; did you mean '{close[0]}'?" if close else f"; known keys: {', '.join(known)}"
        diags.warning(path, mapping.line_of(key), f"unknown key '{key}' in {where}{hint}")


def expect_mapping(value: Any, path: Path, line: int, diags: Diagnostics, what: str) -> LineDict:
    if isinstance(value, LineDict):
        return value
    diags.error(path, line, f"{what} must be a mapping of 'key: value' lines")
    empty = LineDict()
    empty.key_lines = {}
    empty.line = line
    return empty


def parse_duration_ms(value: Any) -> int | None:
    """'450ms', '1.5s' or a bare number of milliseconds."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value)
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(ms|s)\s*", str(value), re.IGNORECASE)
    if not match:
        return None
    number = float(match.group(1))
    return round(number * 1000 if match.group(2).lower() == "s" else number)


def parse_old_audio(value: Any, path: Path, line: int, diags: Diagnostics) -> OldAudioSettings:
    section = expect_mapping(value, path, line, diags, "old_audio")
    warn_unknown_keys(section, OLD_AUDIO_KEYS, path, diags, "old_audio")
    defaults = OldAudioSettings()
    versions, days = (
        section.get("keep_versions", defaults.keep_versions),
        section.get("keep_days", defaults.keep_days),
    )
    if isinstance(versions, bool) or not isinstance(versions, int) or not 1 <= versions <= 100:
        diags.error(
            path,
            section.line_of("keep_versions"),
            "old_audio.keep_versions must be a whole number from 1 to 100",
        )
        versions = defaults.keep_versions
    if isinstance(days, bool) or not isinstance(days, int | float) or not 0 <= days <= 3650:
        diags.error(
            path, section.line_of("keep_days"), "old_audio.keep_days must be a number of days from 0 to 3650"
        )
        days = defaults.keep_days
    return OldAudioSettings(versions, float(days))


def parse_audio(value: Any, path: Path, line: int, diags: Diagnostics) -> AudioSettings:
    audio = expect_mapping(value, path, line, diags, "audio")
    warn_unknown_keys(audio, AUDIO_KEYS, path, diags, "audio")
    defaults = AudioSettings()
    settings: dict[str, Any] = {}

    def number(key: str, low: float, high: float, unit: str) -> float | None:
        if key not in audio:
            return None
        raw = str(audio[key]).lower().removesuffix(unit).strip()
        try:
            parsed = float(raw)
        except ValueError:
            parsed = None
        if parsed is None or not low <= parsed <= high:
            diags.error(path, audio.line_of(key), f"audio.{key} must be a number from {low} to {high}")
            return None
        return parsed

    if (kbps := number("bitrate", 16, 320, "k")) is not None:
        settings["bitrate_kbps"] = int(kbps)
    if (rate := number("sample_rate", 8000, 48000, "hz")) is not None:
        settings["sample_rate"] = int(rate)
    if (lufs := number("loudness", -40, -5, "lufs")) is not None:
        settings["loudness_lufs"] = lufs
    if (peak := number("true_peak", -10, 0, "dbtp")) is not None:
        settings["true_peak_dbtp"] = peak
    if (minutes := number("max_minutes", 1, 1440, "min")) is not None:
        settings["max_minutes"] = minutes
    for key in ("sentence_pause", "paragraph_pause"):
        if key in audio:
            milliseconds = parse_duration_ms(audio[key])
            if milliseconds is None or not 0 <= milliseconds <= 10_000:
                diags.error(path, audio.line_of(key), f"audio.{key} must be a duration such as 450ms or 1s")
            else:
                settings[f"{key}_ms"] = milliseconds
    return AudioSettings(**{**defaults.__dict__, **settings})


def parse_qr(value: Any, path: Path, line: int, diags: Diagnostics) -> QrSettings:
    qr = expect_mapping(value, path, line, diags, "qr")
    warn_unknown_keys(qr, QR_KEYS, path, diags, "qr")
    level = str(qr.get("error_correction", "M")).upper()
    if level not in ERROR_CORRECTION:
        diags.error(path, qr.line_of("error_correction"), "qr.error_correction must be L, M, Q or H")
        level = "M"
    paper = str(qr.get("paper", "A5")).upper()
    if paper not in PAPER_SIZES:
        diags.error(path, qr.line_of("paper"), "qr.paper must be A4, A5 or A6")
        paper = "A5"
    return QrSettings(level, paper)
