"""export_site(): every URL of the visitor site, frozen into a folder that a static host serves.

Frozen-Flask drives it: URL generators name every page, file and document (no crawler), it
asks the app for each and removes what a previous export wrote and this one did not. Two things
are ours: each file is written through atomic.write_if_changed (a temp file and one rename, and
only when its bytes changed: rsync, `aws s3 sync` and nginx never see half a file, and an
unchanged file keeps its mtime), and each URL gets a file name a static host finds without a
rewrite rule (`/en/welcome` -> en/welcome.html, `/en/` -> en/index.html).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from unicodedata import normalize
from urllib.parse import urlsplit

from flask import Flask
from flask_frozen import Freezer, MissingURLGeneratorWarning

from audioguide.atomic import TEMP_PREFIX, write_if_changed
from audioguide.errors import AudioguideError
from audioguide.tour.load import format_problems, load_tour
from audioguide.web.state import state

from .app import export_app
from .hosts import HOST_FILES, MARKER
from .prefix import with_prefix


class ExportError(AudioguideError):
    """The export cannot run (a dangerous destination, no tour, a build changing files)."""


@dataclass(frozen=True)
class ExportOptions:
    project: Path
    destination: Path
    base_url: str | None = None  # default: tour.yaml base_url
    stats_url: str | None = None  # default: tour.yaml stats_url


@dataclass(frozen=True)
class ExportedFile:
    url: str
    path: str  # relative to the destination
    bytes: int
    changed: bool  # written now; False: the file already held these bytes


@dataclass(frozen=True)
class ExportDone:
    destination: Path
    base_url: str
    files: int
    bytes: int
    written: int
    removed: tuple[str, ...]


class SiteFreezer(Freezer):  # type: ignore[misc]  # Frozen-Flask has no type hints
    def __init__(self, app: Flask) -> None:
        # No static folder, no argument-less rules (they include routes a static site must not
        # hold), no url_for logging (the templates write paths): the generators name every URL.
        super().__init__(app, with_static_files=False, with_no_argument_rules=False, log_url_for=False)
        self.results: dict[str, tuple[int, bool]] = {}  # url -> (bytes, changed)

    def urlpath_to_filepath(self, path: str) -> str:
        if path.endswith("/"):
            return path[1:] + "index.html"
        name = path.rsplit("/", 1)[-1]
        if "." in name or name in HOST_FILES:
            return path[1:]
        return path[1:] + ".html"

    def _build_one(self, url: str, last_modified: object = None) -> Path:
        """Frozen-Flask's own writes in place; this one writes a temp file and renames it."""
        target = self.root / normalize("NFC", self.urlpath_to_filepath(url))
        response = self.app.test_client().get(url, base_url=self.app.config["FREEZER_BASE_URL"])
        try:
            if response.status_code != 200:
                raise ExportError(f"{url}: the app answered {response.status}; nothing of it was exported")
            if "no-store" in response.headers.get("Cache-Control", ""):
                # media.py sends a file that no longer holds its manifest hash as no-store.
                raise ExportError(f"{url}: the file changed since the build described it; export again")
            data = with_prefix(response.get_data(), response.mimetype, self.app.config["AUDIOGUIDE_PREFIX"])
        finally:
            response.close()
        self.results[url] = (len(data), write_if_changed(target, data))
        return target


def _urls(app: Flask) -> Iterator[tuple[str, dict[str, str]]]:
    """(endpoint, values) of every URL a visitor or an app can reach, for url_for."""
    site = state().site
    snap = site.current()
    assert snap is not None
    tour, assets = snap.tour, state().assets
    yield "pages.root", {}
    yield "pages.typed_number", {}
    yield "pages.service_worker", {}
    yield "export.not_found_file", {}
    for name in ("headers_file", "redirects_file", "nginx_file"):
        yield f"export.{name}", {}
    yield "api.openapi", {}
    for lang in tour.languages:
        yield "pages.home", {"lang": lang}
        yield "pages.manifest", {"lang": lang}
        yield "pages.offline", {"lang": lang}
        yield "api.tour_by_path", {"lang": lang}
        if tour.has_locations:
            yield "pages.plan", {"lang": lang}  # the site plan: only when a stop has a location
        for stop in tour.stops:
            yield "pages.stop_page", {"lang": lang, "stop_id": stop.id}
            for key in (stop.id, *stop.aliases):
                yield "api.stop_by_path", {"lang": lang, "stop_id": key}
    for stop in tour.stops:
        for key in (stop.id, *stop.aliases):
            yield "pages.scan", {"stop_id": key}
    for url in snap.media:
        kind, digest, name = url.split("/", 3)[1:]
        if kind == "media":
            yield "media.media_file", {"digest": digest, "name": name}
        else:
            stop_id, file_name = name.split("/", 1)
            yield "media.image", {"digest": digest, "stop_id": stop_id, "name": file_name}
    script_urls = app.extensions["audioguide-export"].script_urls
    for url in [*assets.urls.values(), *script_urls.values()]:
        _, _, digest, name = url.split("/", 3)
        yield "media.asset", {"digest": digest, "name": name}


def check_destination(project: Path, destination: Path) -> None:
    """Refuse a folder whose cleaning could delete anything but an earlier export."""
    project, destination = project.resolve(), destination.resolve()
    if project == destination or project.is_relative_to(destination):
        raise ExportError(f"{destination} holds the project itself; export into a folder of its own")
    if destination.is_relative_to(project / "stops") or destination.is_relative_to(project / "audio"):
        raise ExportError(f"{destination} is inside the tour's own files; export elsewhere")
    if (destination / "tour.yaml").exists():
        raise ExportError(f"{destination} contains a tour.yaml; export into a folder of its own")
    if destination.is_dir() and any(destination.iterdir()) and not (destination / MARKER).exists():
        raise ExportError(
            f"{destination} is not empty and not an earlier export (no {MARKER} in it): the export"
            " deletes what it did not write, so it only writes into an empty folder or its own"
        )


def _files(root: Path) -> set[str]:
    found = set()
    for folder, _, names in os.walk(root):
        for name in names:
            found.add(Path(folder, name).relative_to(root).as_posix())
    return found


def _remove_empty_folders(root: Path) -> None:
    for folder, _, _ in sorted(os.walk(root), key=lambda entry: -len(entry[0])):
        if Path(folder) != root:
            with contextlib.suppress(OSError):
                os.rmdir(folder)  # only succeeds when empty


def export_site(options: ExportOptions) -> Iterator[ExportedFile | ExportDone]:
    """Write the visitor site into options.destination; yields each file, then a summary."""
    project, destination = options.project.resolve(), options.destination.resolve()
    check_destination(project, destination)
    tour, diags = load_tour(project)
    if tour is None:
        raise ExportError(format_problems(diags))
    base_url = (options.base_url or tour.config.base_url).rstrip("/")
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ExportError(f"--base-url must be an absolute http(s) URL without a query: {base_url!r}")
    prefix = parts.path.rstrip("/")
    stats_url = options.stats_url if options.stats_url is not None else tour.config.stats_url
    destination.mkdir(parents=True, exist_ok=True)
    if not (destination / MARKER).exists():
        (destination / MARKER).touch()  # once: its mtime stays, so a sync sees nothing new
    before = _files(destination)
    with tempfile.TemporaryDirectory(prefix="audioguide-export-") as temp:
        app = export_app(
            project, Path(temp) / "unused.sqlite3", base_url=base_url, prefix=prefix, stats_url=stats_url
        )
        app.config.update(
            FREEZER_DESTINATION=str(destination),
            FREEZER_BASE_URL=base_url + "/",
            FREEZER_REMOVE_EXTRA_FILES=True,
            # Never removed: the marker, and what a deployment keeps beside the files (.git).
            FREEZER_DESTINATION_IGNORE=[MARKER, ".git/", ".well-known/"],
            AUDIOGUIDE_PREFIX=prefix,
        )
        freezer = SiteFreezer(app)
        freezer.register_generator(lambda: _urls(app))  # runs in Frozen-Flask's request context
        total = written = 0
        with warnings.catch_warnings():
            # Studio routes and the query forms of the API are left out on purpose.
            warnings.simplefilter("ignore", MissingURLGeneratorWarning)
            with app.app_context():
                for page in freezer.freeze_yield():
                    size, changed = freezer.results[page.url]
                    total, written = total + size, written + changed
                    yield ExportedFile(page.url, page.path.as_posix(), size, changed)
    after = _files(destination)
    _remove_empty_folders(destination)
    removed = tuple(sorted(name for name in before - after if not name.startswith(TEMP_PREFIX)))
    yield ExportDone(destination, base_url, len(freezer.results), total, written, removed)
