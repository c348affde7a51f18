"""What the views share: the tour snapshot, what is rendered from it, the scan counter and the
static assets."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, current_app

from audioguide.stats import ScanCounter
from audioguide.web.assets import Assets
from audioguide.web.cache import PageCache, SiteCache
from audioguide.web.snapshot import Site, Snapshot

EXTENSION = "audioguide"


@dataclass
class WebState:
    site: Site
    counter: ScanCounter
    assets: Assets
    caches: SiteCache
    # --stats-origin; when None, tour.yaml's stats_origin (read again after every edit).
    stats_origin: str | None = None


def state() -> WebState:
    return current_app.extensions[EXTENSION]


def snapshot() -> Snapshot:
    """The current tour; 503 while no tour could be loaded (e.g. before the first build)."""
    current = state().site.current()
    if current is None:
        abort(503)
    return current


def page_cache() -> PageCache:
    """What is rendered from the current tour (its snapshot is `.snapshot`); 503 as snapshot()."""
    return state().caches.of(snapshot())
