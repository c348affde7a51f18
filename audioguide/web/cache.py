"""Everything rendered from one snapshot: views, page bodies, and the pages the fast path answers.

A stop page is the same bytes for every visitor, so it is rendered once per snapshot and
language. One PageCache belongs to one snapshot and goes away with it: a rebuild never serves a
page rendered from the previous files. Pages fill it (pages.py); fastpath.py only reads it.
Racing threads may both render the same entry: same bytes, harmless.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from audioguide.tour.model import Stop
from audioguide.web.assets import Assets
from audioguide.web.bodies import Body
from audioguide.web.icons import INSTALL_ONLY
from audioguide.web.plan import Plan, site_plan
from audioguide.web.render import (
    ScanPage,
    offline_list,
    render_home,
    render_not_found,
    render_plan,
    render_stop,
    web_manifest,
)
from audioguide.web.snapshot import Site, Snapshot
from audioguide.web.views import StopLink, StopView, stop_views

T = TypeVar("T")


@dataclass(frozen=True)
class FastPage:
    """A page the fast path may answer without Flask: its body, and the headers Flask sent."""

    body: Body
    lang: str  # the language cookie the page sets
    headers: tuple[tuple[str, str], ...]  # without Date, Content-Length and Set-Cookie


class PageCache:
    def __init__(self, snapshot: Snapshot, assets: Assets) -> None:
        self.snapshot = snapshot
        self.assets = assets
        self._made: dict[Hashable, Any] = {}
        self._fast: dict[str, FastPage] = {}  # URL path -> page

    def _once(self, key: Hashable, make: Callable[[], T]) -> T:
        try:
            return self._made[key]
        except KeyError:
            value = self._made[key] = make()
            return value

    def views(self, lang: str) -> dict[str, StopView]:
        """Every stop as seen in `lang`, by id, in tour order; the page and the API share them."""
        return self._once(("views", lang), lambda: stop_views(self.snapshot, lang))

    def view(self, stop: Stop, lang: str) -> StopView:
        return self.views(lang)[stop.id]

    def stop(self, stop: Stop, lang: str, scan: ScanPage | None = None) -> Body:
        def make() -> Body:
            size = self.offline_size(lang)
            return render_stop(self.view(stop, lang), self.snapshot.tour, self.assets, size, scan)

        return self._once(("stop", lang, stop.id, scan), make)

    def home(self, lang: str) -> Body:
        def make() -> Body:
            size = self.offline_size(lang)
            return render_home(self.snapshot.tour, self.assets, lang, self.stop_links(lang), size)

        return self._once(("home", lang), make)

    def plan(self, lang: str) -> Plan | None:
        """The site plan in `lang`; None when no stop has a location (then there is no page)."""
        return self._once(("plan", lang), lambda: site_plan(self.views(lang).values()))

    def plan_page(self, lang: str) -> Body | None:
        plan = self.plan(lang)
        if plan is None:
            return None
        return self._once(
            ("plan-page", lang), lambda: render_plan(plan, self.snapshot.tour, self.assets, lang)
        )

    def offline_size(self, lang: str) -> int:
        """The size the home and stop pages announce for the offline tour: its media and assets.
        The pages' own few KB are left out: a page cannot contain its own size."""

        def make() -> int:
            files = [len(body.data) for _, body in self._offline_assets()]
            files += [f.bytes for view in self.views(lang).values() for f in view.files()]
            return sum(files)

        return self._once(("offline-size", lang), make)

    def _offline_assets(self) -> list[tuple[str, Body]]:
        """The stylesheets, scripts and icons an offline tour keeps (not the install-only icons)."""
        return [(name, body) for name, body in self.assets.bodies.items() if name not in INSTALL_ONLY]

    def stop_links(self, lang: str) -> list[StopLink]:
        """Every stop as the home page and the 404 page list it."""
        return [view.link for view in self.views(lang).values()]

    def not_found(self, lang: str, message: str | None = None) -> Body:
        def make() -> Body:
            return render_not_found(self.snapshot.tour, self.assets, lang, self.stop_links(lang), message)

        return make() if message else self._once(("404", lang), make)

    def web_manifest(self, lang: str) -> Body:
        return self._once(("manifest", lang), lambda: web_manifest(self.snapshot.tour, self.assets, lang))

    def offline_list(self, lang: str) -> Body:
        """What the "download for offline" button fetches first; the service worker keeps it too."""
        snap = self.snapshot
        return self._once(("offline", lang), lambda: offline_list(snap, lang, self.offline_files(lang)))

    def offline_files(self, lang: str, *, include_home: bool = True) -> list[dict[str, Any]]:
        """Every URL the offline tour of one language needs, with its size in bytes."""
        stops, assets = self.snapshot.tour.stops, self.assets
        files: list[dict[str, Any]] = []
        if include_home:
            files.append({"url": f"/{lang}/", "bytes": len(self.home(lang).data)})
        files += [{"url": f"/{lang}/{stop.id}", "bytes": len(self.stop(stop, lang).data)} for stop in stops]
        plan = self.plan_page(lang)
        if plan is not None:  # the plan works offline too (nothing in it comes from elsewhere)
            files.append({"url": f"/{lang}/plan", "bytes": len(plan.data)})
        files += [
            {"url": assets.urls[name], "bytes": len(body.data)} for name, body in self._offline_assets()
        ]
        files.append({"url": f"/{lang}/manifest.webmanifest", "bytes": len(self.web_manifest(lang).data)})
        for view in self.views(lang).values():
            files += [{"url": f.url, "bytes": f.bytes} for f in view.files()]
        return files

    def fast_page(self, path: str) -> FastPage | None:
        return self._fast.get(path)

    def keep_for_fast_path(self, path: str, page: FastPage) -> None:
        """From now on fastpath.py answers `path` with this page, until the snapshot changes."""
        self._fast.setdefault(path, page)


class SiteCache:
    """The PageCache of the snapshot the site serves; a new snapshot starts with an empty one."""

    def __init__(self, site: Site, assets: Assets) -> None:
        self.site = site
        self.assets = assets
        self._current: PageCache | None = None

    def of(self, snapshot: Snapshot) -> PageCache:
        current = self._current
        if current is not None and current.snapshot is snapshot:
            return current
        cache = PageCache(snapshot, self.assets)
        # A request that began before a reload still renders from its own snapshot, but must not
        # push the newer snapshot's cache out.
        if snapshot is self.site.latest:
            self._current = cache
        return cache
