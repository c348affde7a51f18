"""The typed schema of tour.yaml and stop.yaml. Unknown keys warn and suggest the nearest key."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from audioguide.tour.diagnostics import Diagnostics
from audioguide.tour.yamlfile import LineDict

STOP_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
ENGINES = ("gtts", "piper", "espeak")
PAPER_SIZES = ("A4", "A5", "A6")
ERROR_CORRECTION = ("L", "M", "Q", "H")

TOUR_KEYS = ("title", "base_url", "languages", "voices", "audio", "qr")
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
STOP_KEYS = ("number", "aliases", "image", "location", "voices")
LOCATION_KEYS = ("lat", "lon")
FRONT_MATTER_KEYS = ("title", "needs_review", "notes")


@dataclass(frozen=True)
class VoiceChoice:
    """One engine to try, with an optional voice (engine default when None)."""

    engine: str
    voice: str | None = None

    def __str__(self) -> str:
        return f"{self.engine}:{self.voice}" if self.voice else self.engine


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
class Location:
    lat: float
    lon: float


@dataclass
class TourConfig:
    title: dict[str, str] = field(default_factory=dict)
    base_url: str = ""
    languages: list[str] = field(default_factory=list)
    voices: dict[str, list[VoiceChoice]] = field(default_factory=dict)
    audio: AudioSettings = field(default_factory=AudioSettings)
    qr: QrSettings = field(default_factory=QrSettings)
    voice_lines: dict[str, int] = field(default_factory=dict)


@dataclass
class StopConfig:
    number: int | None = None
    aliases: list[str] = field(default_factory=list)
    image: str | None = None
    location: Location | None = None
    voices: dict[str, list[VoiceChoice]] = field(default_factory=dict)
    number_line: int = 1
    alias_lines: list[int] = field(default_factory=list)
    voice_lines: dict[str, int] = field(default_factory=dict)


def warn_unknown_keys(
    mapping: LineDict, known: tuple[str, ...], path: Path, diags: Diagnostics, where: str
) -> None:
    for key in mapping:
        if key in known:
            continue
        close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.5)
        hint = f"; did you mean '{close[0]}'?" if close else f"; known keys: {', '.join(known)}"
        diags.warning(path, mapping.line_of(key), f"unknown key '{key}' in {where}{hint}")


def _expect_mapping(value: Any, path: Path, line: int, diags: Diagnostics, what: str) -> LineDict:
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


def parse_voices(value: Any, path: Path, line: int, diags: Diagnostics) -> dict[str, list[VoiceChoice]]:
    """`voices: {en: [gtts, {piper: en_US-joe-medium}], kk: [{espeak: kk}]}`."""
    voices: dict[str, list[VoiceChoice]] = {}
    mapping = _expect_mapping(value, path, line, diags, "voices")
    for lang, chain in mapping.items():
        lang_line = mapping.line_of(lang)
        entries = chain if isinstance(chain, list) else [chain]
        choices: list[VoiceChoice] = []
        for entry in entries:
            if isinstance(entry, str):
                engine, voice = entry, None
            elif isinstance(entry, dict) and len(entry) == 1:
                engine, voice = next(iter(entry.items()))
                voice = None if voice is None else str(voice)
            else:
                diags.error(
                    path,
                    lang_line,
                    f"voices.{lang}: each engine is a name like 'gtts' or a map like"
                    " '{piper: en_US-joe-medium}'",
                )
                continue
            if engine not in ENGINES:
                close = difflib.get_close_matches(str(engine), ENGINES, n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                diags.error(
                    path,
                    lang_line,
                    f"voices.{lang}: unknown engine '{engine}' (choose from {', '.join(ENGINES)}){hint}",
                )
                continue
            choices.append(VoiceChoice(str(engine), voice))
        if not choices:
            diags.error(path, lang_line, f"voices.{lang}: list at least one engine")
        voices[str(lang)] = choices
    return voices


def parse_tour(data: Any, path: Path, diags: Diagnostics) -> TourConfig:
    config = TourConfig()
    tour = _expect_mapping(data, path, 1, diags, "tour.yaml")
    warn_unknown_keys(tour, TOUR_KEYS, path, diags, "tour.yaml")

    languages = tour.get("languages")
    if not isinstance(languages, list) or not languages:
        diags.error(
            path, tour.line_of("languages"), "'languages' must list at least one code, e.g. [kk, ru, en]"
        )
    else:
        item_lines = getattr(languages, "item_lines", [tour.line_of("languages")] * len(languages))
        for lang, line in zip(languages, item_lines, strict=False):
            if not isinstance(lang, str) or not LANGUAGE_CODE.match(lang):
                diags.error(path, line, f"'{lang}' is not a language code such as 'kk', 'ru' or 'en'")
            elif lang in config.languages:
                diags.error(path, line, f"language '{lang}' is listed twice")
            else:
                config.languages.append(lang)

    title = tour.get("title")
    if isinstance(title, str) and title.strip():
        config.title = {lang: title for lang in config.languages}
    elif isinstance(title, dict):
        for lang, text in title.items():
            line = title.line_of(lang) if isinstance(title, LineDict) else tour.line_of("title")
            if lang not in config.languages:
                diags.error(path, line, f"title.{lang}: '{lang}' is not in 'languages'")
            elif not isinstance(text, str) or not text.strip():
                diags.error(path, line, f"title.{lang} is empty")
            else:
                config.title[lang] = text.strip()
        for lang in config.languages:
            if lang not in config.title:
                diags.error(path, tour.line_of("title"), f"title has no '{lang}' text")
    else:
        diags.error(path, tour.line_of("title"), "'title' is missing: give the tour's title per language")

    base_url = tour.get("base_url")
    parts = urlsplit(base_url) if isinstance(base_url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        diags.error(
            path,
            tour.line_of("base_url"),
            "'base_url' must be an absolute http(s) URL such as https://guide.example.org",
        )
    elif parts.query or parts.fragment:
        diags.error(path, tour.line_of("base_url"), "'base_url' must not have a query or fragment")
    else:
        config.base_url = base_url.rstrip("/")

    if "voices" in tour:
        config.voices = parse_voices(tour["voices"], path, tour.line_of("voices"), diags)
        if isinstance(tour["voices"], LineDict):
            config.voice_lines = {str(lang): tour["voices"].line_of(lang) for lang in tour["voices"]}
        for lang in config.voices:
            if config.languages and lang not in config.languages:
                diags.error(
                    path, tour["voices"].line_of(lang), f"voices.{lang}: '{lang}' is not in 'languages'"
                )

    if "audio" in tour:
        config.audio = _parse_audio(tour["audio"], path, tour.line_of("audio"), diags)
    if "qr" in tour:
        config.qr = _parse_qr(tour["qr"], path, tour.line_of("qr"), diags)
    return config


def _parse_audio(value: Any, path: Path, line: int, diags: Diagnostics) -> AudioSettings:
    audio = _expect_mapping(value, path, line, diags, "audio")
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


def _parse_qr(value: Any, path: Path, line: int, diags: Diagnostics) -> QrSettings:
    qr = _expect_mapping(value, path, line, diags, "qr")
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


def parse_stop(data: Any, path: Path, diags: Diagnostics) -> StopConfig:
    config = StopConfig()
    stop = _expect_mapping(data if data is not None else LineDict(), path, 1, diags, "stop.yaml")
    if not hasattr(stop, "key_lines"):
        stop.key_lines = {}
        stop.line = 1
    warn_unknown_keys(stop, STOP_KEYS, path, diags, "stop.yaml")
    number = stop.get("number")
    config.number_line = stop.line_of("number")
    if isinstance(number, bool) or not isinstance(number, int) or number < 1:
        diags.error(path, config.number_line, "'number' must be a positive whole number, e.g. number: 3")
    else:
        config.number = number
    aliases = stop.get("aliases", [])
    if not isinstance(aliases, list):
        diags.error(path, stop.line_of("aliases"), "'aliases' must be a list of old ids, e.g. [old-name]")
        aliases = []
    lines = getattr(aliases, "item_lines", [stop.line_of("aliases")] * len(aliases))
    for alias, line in zip(aliases, lines, strict=False):
        if not isinstance(alias, str) or not STOP_ID.match(alias):
            diags.error(path, line, f"alias '{alias}' must match [a-z0-9][a-z0-9-]*")
            continue
        config.aliases.append(alias)
        config.alias_lines.append(line)
    if "image" in stop:
        if not isinstance(stop["image"], str) or not stop["image"].strip():
            diags.error(path, stop.line_of("image"), "'image' must be a file name next to stop.yaml")
        else:
            config.image = stop["image"].strip()
            if not (path.parent / config.image).is_file():
                diags.error(
                    path, stop.line_of("image"), f"image '{config.image}' not found next to stop.yaml"
                )
    if "location" in stop:
        location = _expect_mapping(stop["location"], path, stop.line_of("location"), diags, "location")
        warn_unknown_keys(location, LOCATION_KEYS, path, diags, "location")
        try:
            lat, lon = float(location["lat"]), float(location["lon"])
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise ValueError
            config.location = Location(lat, lon)
        except (KeyError, TypeError, ValueError):
            diags.error(path, stop.line_of("location"), "'location' needs lat (-90..90) and lon (-180..180)")
    if "voices" in stop:
        config.voices = parse_voices(stop["voices"], path, stop.line_of("voices"), diags)
        voices = stop["voices"]
        if isinstance(voices, LineDict):
            config.voice_lines = {str(lang): voices.line_of(lang) for lang in voices}
    return config
