"""Rendering the visitor pages: views in, bodies out (cache.py keeps them per snapshot).

Everything a page shows comes in as an argument (the tour, its views, the app's assets): a
render function reads no request and no application state, only Flask's template engine.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from flask import render_template
from markupsafe import Markup

from audioguide.i18n import translate
from audioguide.published import TranscriptBlock
from audioguide.tour.model import Tour
from audioguide.web.assets import TEXT_SIZE_SCRIPT, Assets
from audioguide.web.bodies import Body
from audioguide.web.plan import Plan, format_distance
from audioguide.web.snapshot import Snapshot
from audioguide.web.views import StopLink, StopView

HTML = "text/html; charset=utf-8"


@dataclass(frozen=True)
class ScanPage:
    """A stop page as the QR code's address (/s/<id>) answers it: it names its canonical address
    (/<lang>/<id>); a phone new to the site gets the stylesheet and the script inline, and the
    audio starts loading with the page unless the phone asks to save data (see pages.scan)."""

    first_visit: bool
    save_data: bool = False


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


def format_minutes(seconds: float, lang: str) -> str:
    """ "4 min": whole minutes, never 0 for a stop that has audio."""
    return translate(lang, "minutes").format(minutes=max(1, round(seconds / 60)))


def intro_of(tour: Tour, lang: str) -> tuple[str, list[str]]:
    """The tour's introduction as paragraphs, and its language (the default's when lang has none)."""
    intro = tour.config.intro
    code = lang if lang in intro else tour.default_language
    text = intro.get(code, "")
    paragraphs = [" ".join(p.split()) for p in text.split("\n\n")]
    return code, [p for p in paragraphs if p]


def tour_title(tour: Tour, lang: str) -> str:
    return tour.config.title.get(lang) or tour.config.title.get(tour.default_language, "")


def _common(
    tour: Tour, assets: Assets, lang: str, page: str, switch_path: str, *, inline: bool = False
) -> dict[str, Any]:
    return {
        "lang": lang,
        "page": page,
        # Markup: the bytes must stay exactly those whose hash the CSP allows (security.py).
        "inline_style": Markup(assets.style) if inline else None,
        "inline_script": Markup(assets.script) if inline else None,
        "tour_title": tour_title(tour, lang),
        "t": partial(translate, lang),
        "minutes": partial(format_minutes, lang=lang),
        "asset": assets.urls.__getitem__,
        # The site plan (/<lang>/plan) exists when a stop has a location; pages link to it.
        "has_plan": tour.has_locations,
        "switch": [
            {
                "code": code,
                "name": translate(code, "language_name"),
                "href": f"/{code}/{switch_path}",
            }
            for code in tour.languages
        ],
    }


def transcript_blocks(transcript: Iterable[TranscriptBlock]) -> list[dict[str, Any]]:
    """The transcript as the template shows it; sentence n is VTT cue "s<n>" (1-based, in order)."""
    number = 0
    blocks = []
    for block in transcript:
        sentences = []
        for html in block.html:
            number += 1
            # Sanitized with nh3 when the script was parsed (tour.script), so it is inserted as
            # markup; every other value in the templates is autoescaped.
            sentences.append({"n": number, "html": Markup(html)})
        if sentences:
            blocks.append({"heading": block.kind == "heading", "sentences": sentences})
    return blocks


def render_stop(
    view: StopView, tour: Tour, assets: Assets, offline_bytes: int, scan: ScanPage | None = None
) -> Body:
    """The stop's page; `scan`: the variant answered at its QR code's address (pages.scan)."""
    html = render_template(
        "stop.html",
        **_common(tour, assets, view.lang, "stop", view.stop.id, inline=bool(scan and scan.first_visit)),
        canonical=f"/{view.lang}/{view.stop.id}" if scan else None,
        # A scanned page is where a visitor presses Play within seconds: app.js fetches the
        # audio's first bytes as soon as it runs (nothing plays before Play); other pages' once
        # idle. Not the browser's preload: app.js streams them itself (fast start), and an
        # aborted request of the browser's own would spend the weak signal on bytes thrown away.
        warm=bool(scan and not scan.save_data),
        offline_size=format_megabytes(offline_bytes, view.lang),
        stop=view.stop,
        title=view.title,
        content_lang=view.content_lang,
        image=view.image,
        narrated=view.narrated,
        duration=view.duration,
        duration_text=format_time(view.duration),
        recorded=view.recorded,
        narrator=view.narrator,
        needs_review=view.needs_review,
        blocks=transcript_blocks(view.blocks),
        prev=view.previous,
        next=view.next,
        text_size_script=Markup(TEXT_SIZE_SCRIPT),  # a constant, allowed by its hash in the CSP
    )
    return Body.of(html, HTML)


def render_home(tour: Tour, assets: Assets, lang: str, stops: list[StopLink], offline_bytes: int) -> Body:
    intro_lang, intro = intro_of(tour, lang)
    heard = [link.duration for link in stops if link.duration]
    html = render_template(
        "home.html",
        **_common(tour, assets, lang, "home", ""),
        intro=intro,
        intro_lang=intro_lang,
        # "about 42 min": the sum of the published narrations, in whole minutes
        total_minutes=max(1, round(sum(heard) / 60)) if heard else None,
        stops=stops,
        offline_size=format_megabytes(offline_bytes, lang),
        message=None,
    )
    return Body.of(html, HTML)


def render_not_found(
    tour: Tour, assets: Assets, lang: str, stops: list[StopLink], message: str | None = None
) -> Body:
    html = render_template(
        "not_found.html",
        **_common(tour, assets, lang, "error", ""),
        message=message,
        stops=stops,  # "choose a stop from the list": the list is on the page
    )
    return Body.of(html, HTML)


def render_plan(plan: Plan, tour: Tour, assets: Assets, lang: str) -> Body:
    html = render_template(
        "plan.html",
        **_common(tour, assets, lang, "plan", "plan"),
        plan=plan,
        scale_text=format_distance(plan.scale_m, lang),
        projection=" ".join(f"{value:.9g}" for value in plan.projection),
    )
    return Body.of(html, HTML)


def offline_list(snap: Snapshot, lang: str, files: list[dict[str, Any]]) -> Body:
    """The offline tour of one language: every file it needs, and how scans resolve offline."""
    document = {
        "lang": lang,
        "version": snap.version,
        "bytes": sum(f["bytes"] for f in files),
        "files": files,
        # The service worker resolves /s/<id> and typed numbers from this while offline.
        "stops": [{"id": s.id, "number": s.number, "aliases": s.aliases} for s in snap.tour.stops],
    }
    return Body.of(json.dumps(document, ensure_ascii=False), "application/json")


def web_manifest(tour: Tour, assets: Assets, lang: str) -> Body:
    title = tour_title(tour, lang)
    document = {
        "name": title,
        "short_name": title if len(title) <= 24 else title[:23] + "…",
        "lang": lang,
        "start_url": f"/{lang}/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#151515",
        "theme_color": "#151515",
        # PNG first: iOS and older Androids ignore an SVG icon; the maskable one fills the
        # shape a launcher crops to (a circle, a squircle) without cutting the drawing.
        "icons": [
            {"src": assets.urls["icon-192.png"], "sizes": "192x192", "type": "image/png"},
            {"src": assets.urls["icon-512.png"], "sizes": "512x512", "type": "image/png"},
            {
                "src": assets.urls["icon-maskable-512.png"],
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
            {"src": assets.urls["icon.svg"], "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    return Body.of(json.dumps(document, ensure_ascii=False), "application/manifest+json")
