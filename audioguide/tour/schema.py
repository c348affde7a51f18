"""The typed schema of tour.yaml and stop.yaml. Unknown keys warn and suggest the nearest key."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from audioguide.tour.diagnostics import Diagnostics
from audioguide.tour.images import check_image
from audioguide.tour.sections import (
    AudioSettings,
    OldAudioSettings,
    QrSettings,
    expect_mapping,
    parse_audio,
    parse_old_audio,
    parse_qr,
    warn_unknown_keys,
)
from audioguide.tour.yamlfile import LineDict

STOP_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# Pages of the visitor site at /<lang>/<name>, beside the stop pages /<lang>/<id>.
RESERVED_IDS = ("plan",)
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")

TOUR_KEYS = (
    "title",
    "intro",
    "base_url",
    "stats_url",
    "languages",
    "voices",
    "audio",
    "qr",
    "old_audio",
    "stats_origin",
)
STOP_KEYS = ("number", "aliases", "image", "image_alt", "location", "voices")
LOCATION_KEYS = ("lat", "lon")
FRONT_MATTER_KEYS = ("title", "needs_review", "notes", "recording", "narrator")


@dataclass(frozen=True)
class VoiceChoice:
    """One engine to try, with an optional voice (engine default when None)."""

    engine: str
    voice: str | None = None
    speaker: str | None = None  # piper: a speaker of a multi-speaker voice, by name or number

    def __str__(self) -> str:
        named = f"{self.engine}:{self.voice}" if self.voice else self.engine
        return f"{named} (speaker {self.speaker})" if self.speaker is not None else named


@dataclass(frozen=True)
class Location:
    lat: float
    lon: float


@dataclass
class TourConfig:
    title: dict[str, str] = field(default_factory=dict)
    intro: dict[str, str] = field(default_factory=dict)  # per language, paragraphs split by blank lines
    base_url: str = ""
    stats_url: str = ""  # where an exported (static) site sends its scan beacons; "" for none
    languages: list[str] = field(default_factory=list)
    voices: dict[str, list[VoiceChoice]] = field(default_factory=dict)
    audio: AudioSettings = field(default_factory=AudioSettings)
    qr: QrSettings = field(default_factory=QrSettings)
    old_audio: OldAudioSettings = field(default_factory=OldAudioSettings)
    # The site whose pages may POST scans to /api/v1/scans (the static export), e.g.
    # https://static.example.org; empty: no other site may.
    stats_origin: str = ""
    voice_lines: dict[str, int] = field(default_factory=dict)


@dataclass
class StopConfig:
    number: int | None = None
    aliases: list[str] = field(default_factory=list)
    image: str | None = None  # set only when check_image accepted it
    image_type: str = ""  # its Content-Type, as Pillow read it
    image_alt: dict[str, str] = field(default_factory=dict)  # language -> what the image shows
    location: Location | None = None
    voices: dict[str, list[VoiceChoice]] = field(default_factory=dict)
    number_line: int = 1
    alias_lines: list[int] = field(default_factory=list)
    voice_lines: dict[str, int] = field(default_factory=dict)


def parse_voices(value: Any, path: Path, line: int, diags: Diagnostics) -> dict[str, list[VoiceChoice]]:
    """`voices: {en: [gtts, {piper: en_US-joe-medium}], kk: [{espeak: kk}]}`. Only the shape is
    checked here: which engine names exist is the engines' business (build.voices checks it)."""
    voices: dict[str, list[VoiceChoice]] = {}
    mapping = expect_mapping(value, path, line, diags, "voices")
    for lang, chain in mapping.items():
        lang_line = mapping.line_of(lang)
        entries = chain if isinstance(chain, list) else [chain]
        choices: list[VoiceChoice] = []
        for entry in entries:
            speaker = None
            if isinstance(entry, str):
                engine, voice = entry, None
            elif isinstance(entry, dict) and len(named := [k for k in entry if k != "speaker"]) == 1:
                engine, voice, speaker = named[0], entry[named[0]], entry.get("speaker")
                voice = None if voice is None else str(voice)
            else:
                diags.error(
                    path,
                    lang_line,
                    f"voices.{lang}: each engine is a name like 'gtts' or a map like"
                    " '{piper: en_US-joe-medium}' (with 'speaker: NAME' for a multi-speaker Piper voice)",
                )
                continue
            if speaker is not None and isinstance(speaker, bool | dict | list):
                diags.error(
                    path,
                    lang_line,
                    f"voices.{lang}: 'speaker' is a name or number of a Piper voice's speaker,"
                    " e.g. {piper: kk_KZ-issai-high, speaker: ISSAI_KazakhTTS2_F1}",
                )
                continue
            choices.append(VoiceChoice(str(engine), voice, None if speaker is None else str(speaker)))
        if not choices:
            diags.error(path, lang_line, f"voices.{lang}: list at least one engine")
        voices[str(lang)] = choices
    return voices


def _http_url(value: object) -> bool:
    parts = urlsplit(value) if isinstance(value, str) else None
    return parts is not None and parts.scheme in ("http", "https") and bool(parts.netloc)


def _per_language(
    tour: LineDict, key: str, languages: list[str], path: Path, diags: Diagnostics, *, required: bool
) -> dict[str, str]:
    """A text per language (title, intro): one string for all, or a map; errors at their line."""
    value, texts = tour.get(key), {}
    if value is None and not required:
        return texts
    if isinstance(value, str) and value.strip():
        return {lang: value.strip() for lang in languages}
    if not isinstance(value, dict):
        diags.error(path, tour.line_of(key), f"'{key}' is missing: give the tour's {key} per language")
        return texts
    for lang, text in value.items():
        line = value.line_of(lang) if isinstance(value, LineDict) else tour.line_of(key)
        if lang not in languages:
            diags.error(path, line, f"{key}.{lang}: '{lang}' is not in 'languages'")
        elif not isinstance(text, str) or not text.strip():
            diags.error(path, line, f"{key}.{lang} is empty")
        else:
            texts[lang] = text.strip()
    for lang in languages if required else ():
        if lang not in texts:
            diags.error(path, tour.line_of(key), f"{key} has no '{lang}' text")
    return texts


def parse_tour(data: Any, path: Path, diags: Diagnostics) -> TourConfig:
    config = TourConfig()
    tour = expect_mapping(data, path, 1, diags, "tour.yaml")
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

    config.title = _per_language(tour, "title", config.languages, path, diags, required=True)
    # The home page's welcome: plain text, blank lines between paragraphs; optional.
    config.intro = _per_language(tour, "intro", config.languages, path, diags, required=False)

    base_url = tour.get("base_url")
    if not _http_url(base_url):
        diags.error(
            path,
            tour.line_of("base_url"),
            "'base_url' must be an absolute http(s) URL such as https://guide.example.org",
        )
    elif urlsplit(base_url).query or urlsplit(base_url).fragment:
        diags.error(path, tour.line_of("base_url"), "'base_url' must not have a query or fragment")
    else:
        config.base_url = base_url.rstrip("/")

    stats_url = tour.get("stats_url")  # optional: where an exported site counts its scans
    if stats_url is not None and not _http_url(stats_url):
        message = "'stats_url' must be an absolute http(s) URL such as https://guide.example.org/api/v1/scans"
        diags.error(path, tour.line_of("stats_url"), message)
    elif stats_url:
        config.stats_url = stats_url

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
        config.audio = parse_audio(tour["audio"], path, tour.line_of("audio"), diags)
    if "qr" in tour:
        config.qr = parse_qr(tour["qr"], path, tour.line_of("qr"), diags)
    if "old_audio" in tour:
        config.old_audio = parse_old_audio(tour["old_audio"], path, tour.line_of("old_audio"), diags)
    if tour.get("stats_origin"):
        origin = web_origin(tour["stats_origin"])
        if origin is None:
            diags.error(path, tour.line_of("stats_origin"), ORIGIN_HINT.format(key="stats_origin"))
        else:
            config.stats_origin = origin
    return config


ORIGIN_HINT = "'{key}' must be a site's origin such as https://static.example.org (no path)"


def web_origin(value: Any) -> str | None:
    """`value` as a browser sends it in the Origin header (scheme://host[:port], lower case, no
    trailing slash), or None when it is not an http(s) origin."""
    if not isinstance(value, str):
        return None
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    default = 443 if parts.scheme == "https" else 80
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def parse_stop(data: Any, path: Path, diags: Diagnostics) -> StopConfig:
    config = StopConfig()
    stop = expect_mapping(data if data is not None else LineDict(), path, 1, diags, "stop.yaml")
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
        if alias in RESERVED_IDS:
            diags.error(path, line, f"alias '{alias}' is the address of a page of the guide; drop it")
            continue
        config.aliases.append(alias)
        config.alias_lines.append(line)
    if "image" in stop:
        if not isinstance(stop["image"], str) or not stop["image"].strip():
            diags.error(path, stop.line_of("image"), "'image' must be a file name next to stop.yaml")
        else:
            checked = check_image(path.parent, stop["image"].strip())
            if isinstance(checked, str):
                diags.error(path, stop.line_of("image"), checked)
            else:  # only a checked image is ever published
                config.image, config.image_type = stop["image"].strip(), checked.mimetype
    if "image_alt" in stop:
        alt = expect_mapping(stop["image_alt"], path, stop.line_of("image_alt"), diags, "image_alt")
        for lang, text in alt.items():
            if not isinstance(text, str):
                diags.error(path, alt.line_of(lang), f"image_alt.{lang}: describe the image in words")
            elif text.strip():
                config.image_alt[str(lang)] = " ".join(text.split())
    if "location" in stop:
        location = expect_mapping(stop["location"], path, stop.line_of("location"), diags, "location")
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
