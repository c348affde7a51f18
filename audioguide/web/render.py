"""Rendering the visitor pages from a snapshot. Each result is cached in the snapshot."""

from __future__ import annotations

import json
import math
from functools import partial
from typing import Any

from flask import render_template
from markupsafe import Markup

from audioguide.i18n import translate
from audioguide.published import TranscriptBlock
from audioguide.tour.model import Stop
from audioguide.tour.script import Script, Sentence
from audioguide.web.bodies import Body
from audioguide.web.snapshot import MediaFile, Narrated, Snapshot
from audioguide.web.state import state

HTML = "text/html; charset=utf-8"
ENGINE_NAMES = {"gtts": "Google Text-to-Speech", "piper": "Piper", "espeak": "eSpeak NG"}


def format_time(seconds: float | None) -> str:
    """1:05 or 1:02:05, as media players show it."""
    total = max(0, math.ceil(seconds or 0))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def format_megabytes(size: int, lang: str) -> str:
    number = f"{max(size, 1) / 1_000_000:.1f}"
    if lang != "en":
        number = number.replace(".", ",")  # ru and kk write a decimal comma
    return translate(lang, "megabytes").format(size=number)


def stop_title(snap: Snapshot, stop: Stop, lang: str) -> str:
    return stop.title(lang, snap.tour.default_language)


def content_language(snap: Snapshot, stop: Stop, lang: str) -> str:
    """The language a stop is shown in: the visitor's if written, else the first that is."""
    if lang in stop.narrations:
        return lang
    return next((code for code in snap.tour.languages if code in stop.narrations), lang)


def _common(snap: Snapshot, lang: str, page: str, switch_path: str) -> dict[str, Any]:
    tour = snap.tour
    assets = state().assets
    return {
        "lang": lang,
        "page": page,
        "tour_title": tour.config.title.get(lang) or tour.config.title.get(tour.default_language, ""),
        "t": partial(translate, lang),
        "asset": assets.urls.__getitem__,
        "switch": [
            {
                "code": code,
                "name": translate(code, "language_name"),
                "href": f"/{code}/{switch_path}",
            }
            for code in tour.languages
        ],
    }


def _blocks(script: Script, narrated: Narrated | None) -> list[dict[str, Any]]:
    """Transcript blocks; sentence n is VTT cue "s<n>" of the captions (1-based, in order).

    Taken from the manifest when the audio is built, so that a text edited since the last build
    never puts the highlight on the wrong sentence; from the narration file otherwise.
    """
    if narrated is not None and narrated.transcript is not None:
        return _built_blocks(narrated.transcript)
    number = 0
    blocks: list[dict[str, Any]] = []
    for block in script.blocks:
        sentences = []
        for item in block.items:
            if isinstance(item, Sentence):
                number += 1
                # Sentence.html was sanitized with nh3 when the Markdown was parsed (markup.py),
                # so it is inserted as markup; every other value in the templates is autoescaped.
                sentences.append({"n": number, "html": Markup(item.html)})
        if sentences:
            blocks.append({"heading": block.kind == "heading", "sentences": sentences})
    return blocks


def _built_blocks(transcript: tuple[TranscriptBlock, ...]) -> list[dict[str, Any]]:
    number = 0
    blocks = []
    for block in transcript:
        sentences = []
        for html in block.html:
            number += 1
            # Sanitized with nh3 by the build (markup.py) before it reached the manifest.
            sentences.append({"n": number, "html": Markup(html)})
        if sentences:
            blocks.append({"heading": block.kind == "heading", "sentences": sentences})
    return blocks


def render_stop(snap: Snapshot, stop: Stop, lang: str) -> Body:
    content_lang = content_language(snap, stop, lang)
    narration = stop.narrations.get(content_lang)
    narrated = snap.narrated.get((stop.id, content_lang))
    previous, following = snap.neighbours(stop)

    def link(other: Stop | None) -> dict[str, Any] | None:
        if other is None:
            return None
        return {"id": other.id, "number": other.number, "title": stop_title(snap, other, lang)}

    html = render_template(
        "stop.html",
        **_common(snap, lang, "stop", stop.id),
        stop=stop,
        title=narration.title if narration else stop.id,
        content_lang=content_lang,
        image=snap.images.get(stop.id),
        narrated=narrated,
        duration=narrated.duration if narrated else None,
        duration_text=format_time(narrated.duration if narrated else None),
        engine_name=ENGINE_NAMES.get(narrated.engine or "", narrated.engine) if narrated else "",
        needs_review=bool(narration and narration.needs_review),
        blocks=_blocks(narration.script, narrated) if narration else [],
        prev=link(previous),
        next=link(following),
    )
    return Body.of(html, HTML)


# issue 12 (h6-visitor): the stop list is shared by the home page and the 404 page.
def stop_links(snap: Snapshot, lang: str) -> list[dict[str, Any]]:
    return [
        {
            "id": stop.id,
            "number": stop.number,
            "title": stop_title(snap, stop, lang),
            "lang": content_language(snap, stop, lang),
        }
        for stop in snap.tour.stops
    ]


def render_home(snap: Snapshot, lang: str) -> Body:
    stops = stop_links(snap, lang)
    # The home page's own few KB are left out of the size it announces: it cannot contain itself.
    size = sum(item["bytes"] for item in offline_files(snap, lang, include_home=False))
    html = render_template(
        "home.html",
        **_common(snap, lang, "home", ""),
        stops=stops,
        offline_size=format_megabytes(size, lang),
        message=None,
    )
    return Body.of(html, HTML)


def render_not_found(snap: Snapshot, lang: str, message: str | None = None) -> Body:
    html = render_template(
        "not_found.html",
        **_common(snap, lang, "error", ""),
        message=message,
        stops=stop_links(snap, lang),  # issue 12 (h6-visitor): "choose a stop from the list"
    )
    return Body.of(html, HTML)


def stop_media(snap: Snapshot, stop: Stop, lang: str) -> list[MediaFile]:
    narrated = snap.narrated.get((stop.id, content_language(snap, stop, lang)))
    files = [narrated.audio, narrated.captions] if narrated else []
    files.append(snap.images.get(stop.id))
    return [f for f in files if f is not None]


def offline_files(snap: Snapshot, lang: str, *, include_home: bool = True) -> list[dict[str, Any]]:
    """Every URL the offline tour of one language needs, with its size in bytes."""
    assets = state().assets
    files: list[dict[str, Any]] = []
    if include_home:
        files.append({"url": f"/{lang}/", "bytes": len(home_body(snap, lang).data)})
    for stop in snap.tour.stops:
        files.append({"url": f"/{lang}/{stop.id}", "bytes": len(stop_body(snap, stop, lang).data)})
    files += [{"url": assets.urls[name], "bytes": len(body.data)} for name, body in assets.bodies.items()]
    files.append({"url": f"/{lang}/manifest.webmanifest", "bytes": len(web_manifest(snap, lang).data)})
    for stop in snap.tour.stops:
        files += [{"url": f.url, "bytes": f.bytes} for f in stop_media(snap, stop, lang)]
    return files


def offline_list(snap: Snapshot, lang: str) -> Body:
    """What the "download for offline" button fetches first; the service worker keeps it too."""
    files = offline_files(snap, lang)
    document = {
        "lang": lang,
        "version": snap.version,
        "bytes": sum(f["bytes"] for f in files),
        "files": files,
        # The service worker resolves /s/<id> and typed numbers from this while offline.
        "stops": [{"id": s.id, "number": s.number, "aliases": s.aliases} for s in snap.tour.stops],
    }
    return Body.of(json.dumps(document, ensure_ascii=False), "application/json")


def web_manifest(snap: Snapshot, lang: str) -> Body:
    def make() -> Body:
        title = snap.tour.config.title.get(lang) or snap.tour.config.title.get(snap.tour.default_language, "")
        document = {
            "name": title,
            "short_name": title if len(title) <= 24 else title[:23] + "…",
            "lang": lang,
            "start_url": f"/{lang}/",
            "scope": "/",
            "display": "standalone",
            "background_color": "#151515",
            "theme_color": "#151515",
            "icons": [{"src": state().assets.urls["icon.svg"], "sizes": "any", "type": "image/svg+xml"}],
        }
        return Body.of(json.dumps(document, ensure_ascii=False), "application/manifest+json")

    return snap.cached(("manifest", lang), make)


def stop_body(snap: Snapshot, stop: Stop, lang: str) -> Body:
    return snap.cached(("stop", lang, stop.id), lambda: render_stop(snap, stop, lang))


def home_body(snap: Snapshot, lang: str) -> Body:
    return snap.cached(("home", lang), lambda: render_home(snap, lang))


def not_found_body(snap: Snapshot, lang: str) -> Body:
    return snap.cached(("404", lang), lambda: render_not_found(snap, lang))
