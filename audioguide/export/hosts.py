"""The host files written beside the export: `_headers` and `_redirects` (Netlify, Cloudflare
Pages) and `nginx.conf` (a snippet for a server block).

They say what the live server says in its headers: the cache policy of each kind of URL
(media.IMMUTABLE, pages.PAGE_CACHE, api.API_CACHE), the content types of snapshot.MEDIA_TYPES
and assets.TYPES, the security headers of security.py (with the beacon's origin in
connect-src) and CORS for the same prefixes. They are generated from those very constants, so a
change on the live server reaches the next export and the two cannot drift apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from audioguide.tour.model import Tour
from audioguide.web.api import API_CACHE
from audioguide.web.assets import TYPES as ASSET_TYPES
from audioguide.web.media import IMMUTABLE
from audioguide.web.pages import PAGE_CACHE
from audioguide.web.security import CORS_HEADERS, CORS_PREFIXES, security_headers
from audioguide.web.snapshot import MEDIA_TYPES, Snapshot

HOST_FILES = ("_headers", "_redirects", "nginx.conf")
MARKER = ".audioguide-export"  # says "this folder is an export": only such a folder is ever cleaned
MANIFEST_TYPE = "application/manifest+json"
JSON = "application/json"
GZIP_TYPES = ("text/css", "text/javascript", JSON, MANIFEST_TYPE, "text/vtt", "image/svg+xml")
# Open files and their size and date kept between requests: without it nginx opens, stats and
# closes the file for every request, which costs more CPU than all the export's headers (nginx's
# CPU time per stop page: 40 us without it, 28 us with it, 36 us for plain nginx without the
# headers; `bench/serve.py --old-config` compares both configurations). A re-export renames new
# files into place; nginx sees them within `valid`.
OPEN_FILE_CACHE = ("open_file_cache max=10000 inactive=60s;", "open_file_cache_valid 5s;")


@dataclass(frozen=True)
class Section:
    """One kind of URL: where it is, how long it may be cached, which types it holds."""

    name: str
    folder: str  # URL path prefix under the site's prefix, "/" for the pages
    cache: str
    types: tuple[tuple[str, str], ...]  # (suffix without dot, Content-Type)

    @property
    def cors(self) -> bool:
        return self.folder != "/" and self.folder.startswith(CORS_PREFIXES)


def _without_charset(mimetype: str) -> str:
    return mimetype.split(";", 1)[0].strip()


def _types(table: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((suffix.lstrip("."), _without_charset(kind)) for suffix, kind in table.items()))


SECTIONS = (
    Section("audio and captions", "/media/", IMMUTABLE, _types(MEDIA_TYPES)),
    Section("images", "/img/", IMMUTABLE, _types(MEDIA_TYPES)),
    Section(
        "stylesheet, scripts, icons",
        "/a/",
        IMMUTABLE,
        _types({**ASSET_TYPES, ".svg": "image/svg+xml", ".png": "image/png"}),
    ),
    Section("API documents", "/api/", API_CACHE, (("json", JSON),)),
    Section(
        "pages, offline lists, service worker",
        "/",
        PAGE_CACHE,
        (("html", "text/html"), ("js", "text/javascript"), ("json", JSON), ("webmanifest", MANIFEST_TYPE)),
    ),
)


def origin(url: str) -> str:
    """scheme://host[:port] of an absolute URL."""
    match = re.match(r"^(https?://[^/?#]+)", url)
    return match.group(1) if match else ""


def site_headers(stats_url: str) -> tuple[tuple[str, str], ...]:
    return security_headers((origin(stats_url),) if stats_url else ())


def redirects(snap: Snapshot) -> list[tuple[str, str]]:
    """The live server's permanent redirects that a static host answers instead of a page:
    an old id (alias) of a stop leads to the stop's page in each language."""
    tour: Tour = snap.tour
    found = []
    for stop in tour.stops:
        for alias in stop.aliases:
            if snap.find(alias) is stop:  # an alias another stop's id shadows is no redirect
                found += [(f"/{lang}/{alias}", f"/{lang}/{stop.id}") for lang in tour.languages]
    return found


def netlify_redirects(snap: Snapshot, prefix: str) -> str:
    lines = ["# audioguide export: old stop ids (aliases) -> the stop's page. Netlify / Cloudflare Pages."]
    if prefix:
        lines.append(f"{prefix} {prefix}/ 301")
    lines += [f"{prefix}{source} {prefix}{target} 301" for source, target in redirects(snap)]
    return "\n".join(lines) + "\n"


def netlify_headers(snap: Snapshot, prefix: str, stats_url: str) -> str:
    """`_headers`: each header name is set by one rule per URL, since both hosts join the
    values of several matching rules with commas (no-cache, immutable would be nonsense)."""
    tour = snap.tour
    blocks: list[tuple[str, list[tuple[str, str]]]] = [(f"{prefix}/*", list(site_headers(stats_url)))]
    for section in SECTIONS:
        headers = [("Cache-Control", section.cache)]
        if section.cors:
            headers += list(CORS_HEADERS)
        if section.folder == "/":
            paths = ["/", "/go", "/sw.js", "/404.html", "/s/:id", "/offline/*"]
            paths += [f"/{lang}/*" for lang in tour.languages]
        elif section.cache == IMMUTABLE:
            # Not `/a/*`: Netlify makes the slash before a lone `*` optional, so that also
            # matched /api/... (and `/s/*` matched /sw.js), joining two Cache-Control values.
            paths = [f"{section.folder}:hash/*"]
        else:
            paths = [f"{section.folder}*"]
        blocks += [(prefix + path, headers) for path in paths]
    # Content types a host may not know by the suffix, by pattern (`*` inside a path segment:
    # Netlify and Cloudflare Pages both read it), so the file does not grow with the tour:
    # Cloudflare Pages reads at most 100 rules, and listing captions one by one passed that at
    # 28 stops in 3 languages.
    blocks.append((f"{prefix}/*/manifest.webmanifest", [("Content-Type", MANIFEST_TYPE)]))
    for suffix, kind in sorted(MEDIA_TYPES.items()):
        if kind.startswith("text/"):
            blocks.append((f"{prefix}/media/*{suffix}", [("Content-Type", f"{kind}; charset=utf-8")]))
    lines = [
        "# audioguide export: the live server's caching and security headers. Netlify / Cloudflare Pages."
    ]
    for path, headers in blocks:
        lines.append(path)
        lines += [f"  {name}: {value}" for name, value in headers]
    return "\n".join(lines) + "\n"


def _add_headers(headers: list[tuple[str, str]], indent: str) -> list[str]:
    return [f'{indent}add_header {name} "{value}" always;' for name, value in headers]


def nginx_snippet(snap: Snapshot, prefix: str, stats_url: str) -> str:
    """Server-level directives: `include` it in the server {} whose `root` holds the export
    (with a path prefix /guide, the root's guide/ folder is the export)."""
    security = list(site_headers(stats_url))
    where = f" in its {prefix[1:]}/ subfolder" if prefix else ""
    out = [
        "# audioguide export for nginx: include this file inside a server { } block whose root is",
        f"# the folder that holds the export{where}.",
        "# Generated by `audioguide export`; it is rewritten by the next export.",
        "index index.html;",
        "charset utf-8;",
        "charset_types text/html text/css text/javascript text/vtt;",
        "gzip on;",
        "gzip_vary on;",
        f"gzip_types {' '.join(GZIP_TYPES)};",
        *OPEN_FILE_CACHE,
        f"error_page 404 {prefix}/404.html;",
        "",
        "# The export's own bookkeeping is not for visitors.",
        rf"location ~ ^{re.escape(prefix)}/(_headers|_redirects|nginx\.conf)$|/\.audioguide- "
        "{ return 404; }",
    ]
    if prefix:
        out.append(f"location = {prefix} {{ return 301 {prefix}/; }}")
    for source, target in redirects(snap):
        out.append(f"location = {prefix}{source} {{ return 301 {prefix}{target}; }}")
    for section in SECTIONS:
        headers = [("Cache-Control", section.cache), *security]
        if section.cors:
            headers += list(CORS_HEADERS)
        kinds = " ".join(f"{kind} {suffix};" for suffix, kind in section.types)
        out.append("")
        out.append(f"# {section.name}")
        if section.folder == "/":
            # The web manifests, like the pages, but with their own type.
            out.append(rf"location ~ ^{re.escape(prefix)}/[^/]+/manifest\.webmanifest$ {{")
            out.append(f"    types {{ }}\n    default_type {MANIFEST_TYPE};")
            out += _add_headers(headers, "    ")
            out.append("}")
            out.append(f"location {prefix}/ {{")
            # /en/welcome is en/welcome.html, /en/ is en/index.html, /s/gate is s/gate.html; the
            # .html first: stop pages are what visitors ask for most (one stat() less each).
            out.append("    try_files $uri.html $uri $uri/ =404;")
        else:
            out.append(f"location ^~ {prefix}{section.folder} {{")
            out.append("    try_files $uri =404;")
        out.append(f"    types {{ {kinds} }}")
        out.append("    default_type application/octet-stream;")
        out += _add_headers(headers, "    ")
        out.append("}")
    return "\n".join(out) + "\n"
