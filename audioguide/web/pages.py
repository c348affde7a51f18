"""Visitor pages: home, QR scans (/s/<id>: the stop page itself), the typed stop number, stop
pages, the site plan, offline lists."""

from __future__ import annotations

from flask import Blueprint, Response, redirect, request

from audioguide.i18n import translate
from audioguide.tour.model import scan_path
from audioguide.web.bodies import Body, body_headers, respond
from audioguide.web.cache import FastPage, PageCache
from audioguide.web.fastpath import language_cookie
from audioguide.web.negotiation import LANG_COOKIE, choose_language
from audioguide.web.render import ScanPage
from audioguide.web.security import SECURITY_HEADERS
from audioguide.web.snapshot import Snapshot
from audioguide.web.state import page_cache, snapshot, state

bp = Blueprint("pages", __name__)

# Pages may change with a rebuild: the phone keeps them but asks again (a cheap 304 on ETag).
PAGE_CACHE = "no-cache"
SCAN_CACHE = "private, no-cache"


def negotiated_language(snap: Snapshot) -> str:
    tour = snap.tour
    return choose_language(
        tour.languages,
        tour.default_language,
        query=request.args.get("lang"),
        cookie=request.cookies.get(LANG_COOKIE),
        accept_language=request.headers.get("Accept-Language"),
    )


def language_of_path(snap: Snapshot) -> str:
    """The language a page should speak: the one in its URL, else the negotiated one."""
    first = request.path.strip("/").split("/", 1)[0]
    return first if first in snap.tour.languages else negotiated_language(snap)


def remember_language(response: Response, lang: str) -> Response:
    """The visitor's choice, for the next scan: only the language code, nothing else."""
    if request.cookies.get(LANG_COOKIE) != lang:
        response.headers.add("Set-Cookie", language_cookie(lang, request.is_secure))
    return response


def page_response(cache: PageCache, body: Body, lang: str) -> Response:
    """A page for everyone alike; from now on the fast path may answer it without Flask."""
    if cache.fast_page(request.path) is None:
        headers = {"Content-Type": body.mimetype, **body_headers(body, PAGE_CACHE)}
        cache.keep_for_fast_path(request.path, FastPage(body, lang, (*headers.items(), *SECURITY_HEADERS)))
    return remember_language(respond(body, request, PAGE_CACHE), lang)


def temporary_redirect(location: str) -> Response:
    response = redirect(location, 302)
    # The target depends on the cookie and Accept-Language: no cache may keep it for others.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Vary"] = "Cookie, Accept-Language"
    return response


def not_found_page(message: str | None = None) -> Response:
    cache = page_cache()
    lang = language_of_path(cache.snapshot)
    return respond(cache.not_found(lang, message), request, "no-store", status=404)


@bp.get("/")
def root() -> Response:
    snap = snapshot()
    return temporary_redirect(f"/{negotiated_language(snap)}/")


@bp.get("/<lang>/")
def home(lang: str) -> Response:
    cache = page_cache()
    if lang not in cache.snapshot.tour.languages:
        return not_found_page()
    return page_response(cache, cache.home(lang), lang)


@bp.get(scan_path("<stop_id>"))
def scan(stop_id: str) -> Response:
    """What every QR code points at: count the scan and answer with the stop's page itself, in
    the negotiated language. A redirect to /<lang>/<id> would cost the phone a round trip (0.4 s
    on a weak signal) before anything shows; app.js puts the canonical address in the address
    bar (history.replaceState), so reload, share and back use /<lang>/<id>."""
    cache = page_cache()
    stop = cache.snapshot.find(stop_id)
    if stop is None:
        return not_found_page()
    lang = negotiated_language(cache.snapshot)
    if request.method == "GET":  # a HEAD probe (link checkers) is no visitor
        state().counter.record(stop.id, lang)
    # A phone that has never been here (no language remembered) has no stylesheet or script
    # cached either: it gets both inline, a round trip less before the first paint and before
    # Play works, and app.js fetches the files once the page is idle, for the next pages. A
    # returning phone has them (immutable, cached for a year), so its page stays about 7.7 KB
    # lighter (gzipped: 2.0 KB of CSS, 5.7 KB of script) with the ordinary links.
    # "Save-Data: on" (the phone's data saver): no audio before Play.
    scan = ScanPage(
        first_visit=LANG_COOKIE not in request.cookies,
        save_data=request.headers.get("Save-Data", "").strip().lower() == "on",
    )
    response = respond(cache.stop(stop, lang, scan), request, SCAN_CACHE)
    # The bytes depend on the cookie and Accept-Language: private (no shared cache keeps them),
    # and the phone's own cache keys them by both. Counted scans still reach the server: no-cache.
    response.headers["Vary"] = "Accept-Encoding, Cookie, Accept-Language, Save-Data"
    return remember_language(response, lang)


@bp.get("/go")
def typed_number() -> Response:
    """The keypad: a visitor who cannot scan types the number on the sign (or the stop's code)."""
    snap = snapshot()
    lang = negotiated_language(snap)
    typed = request.args.get("n", "").strip()[:40]
    stop = snap.stops_by_number.get(int(typed)) if typed.isdecimal() and typed.isascii() else None
    stop = stop or (snap.find(typed) if typed else None)
    if stop is None:
        message = translate(lang, "no_such_stop").format(number=typed) if typed else None
        return not_found_page(message)
    if request.method == "GET":
        state().counter.record(stop.id, lang)
    return temporary_redirect(f"/{lang}/{stop.id}")


@bp.get("/<lang>/plan")
def plan(lang: str) -> Response:
    """The site plan: only when a stop has a location (a stop cannot be called "plan")."""
    cache = page_cache()
    body = cache.plan_page(lang) if lang in cache.snapshot.tour.languages else None
    if body is None:
        return not_found_page()
    return page_response(cache, body, lang)


@bp.get("/<lang>/<stop_id>")
def stop_page(lang: str, stop_id: str) -> Response:
    cache = page_cache()
    stop = cache.snapshot.find(stop_id)
    if lang not in cache.snapshot.tour.languages or stop is None:
        return not_found_page()
    if stop.id != stop_id:  # an old id (alias) or capitals: the one address of this page
        return redirect(f"/{lang}/{stop.id}", 301)
    return page_response(cache, cache.stop(stop, lang), lang)


@bp.get("/<lang>/manifest.webmanifest")
def manifest(lang: str) -> Response:
    cache = page_cache()
    if lang not in cache.snapshot.tour.languages:
        return not_found_page()
    return respond(cache.web_manifest(lang), request, PAGE_CACHE)


@bp.get("/offline/<lang>.json")
def offline(lang: str) -> Response:
    cache = page_cache()
    if lang not in cache.snapshot.tour.languages:
        return not_found_page()
    return respond(cache.offline_list(lang), request, PAGE_CACHE)


@bp.get("/sw.js")
def service_worker() -> Response:
    # Browsers check this file for updates themselves; it must never be cached for long.
    return respond(state().assets.service_worker, request, "no-cache")
