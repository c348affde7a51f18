"""nginx in front of `audioguide serve`: the locations `audioguide serve --print-nginx-config`
prints for the server { } block that faces visitors.

Published audio and captions have immutable, content-addressed URLs that name their file:
/media/<hash>/<lang>/<stop>.mp3 is audio/<lang>/<stop>.<hash>.mp3 (published.versioned_name,
public_path), and the photos the build resized likewise (published_images.image_name).
nginx serves those itself, with the headers the app would send (media.IMMUTABLE,
snapshot.MEDIA_TYPES, security.py), so seeking costs no Python at all. Whatever the pattern does
not map, or maps to no file, goes to the app, which answers exactly as without nginx: legacy
names, a superseded hash that now redirects (302), an unknown one (404), photos not built yet,
assets, pages, scans, negotiation. Statistics are unaffected: they count scans (/s/<id>, the keypad, the
beacon), never media requests.

What nginx can reach is only what the pattern allows: lowercase stop ids, language codes and a
16-digit hex hash, so no dot-dot, no dotfile (temp files are .audioguide-tmp-*), no manifest.json,
nothing outside the audio folder; symlinks are refused below it, as the app refuses a path that
resolves outside it.
"""

from __future__ import annotations

import re
from pathlib import Path

from audioguide.errors import AudioguideError
from audioguide.export.hosts import OPEN_FILE_CACHE
from audioguide.published import HASH_LENGTH
from audioguide.published_images import IMAGE_FOLDER
from audioguide.web.media import IMMUTABLE
from audioguide.web.security import CORS_HEADERS, SECURITY_HEADERS
from audioguide.web.snapshot import MEDIA_TYPES

# The URL of a versioned file, in the grammar of tour/schema.py (LANGUAGE_CODE, STOP_ID) and
# published.VERSIONED_NAME; nginx's captures $1..$4 rebuild the file name.
MEDIA_PATTERN = (
    rf"^/media/([0-9a-f]{{{HASH_LENGTH}}})/([a-z]{{2,3}}(?:-[A-Za-z0-9]{{2,8}})*)"
    r"/([a-z0-9][a-z0-9-]*)\.(mp3|vtt)$"
)
# Photos the build resized: /img/<hash>/<stop>/<width>.<ext> is
# audio/images/<stop>.<hash>.<width>.<ext> (published_images.image_name, IMAGE_NAME).
IMAGE_PATTERN = (
    rf"^/img/([0-9a-f]{{{HASH_LENGTH}}})/([a-z0-9][a-z0-9-]*)/([1-9][0-9]{{0,4}})\.(webp|jpg|png)$"
)
APP_LOCATION = "@audioguide"
# Set only on the files nginx sends from the audio folder: which path answered shows in a
# browser's network panel (and the tests prove with it that the app was not asked).
SERVED_BY_HEADER = ("X-Audioguide-Sent-By", "nginx")


def _quote(path: Path | str) -> str:
    text = str(path)
    # nginx would read `$` as a variable and the others as the end of a directive or string.
    if any(char in text for char in "\"'\\;{}$#\n\r\t") or text != text.strip():
        raise AudioguideError(
            f"cannot write this path into an nginx configuration: {text!r}; move the project to a"
            " folder whose path has none of \" ' \\ ; { } $ # or line breaks"
        )
    return f'"{text}"' if " " in text else text


def _types(suffixes: tuple[str, ...]) -> str:
    kinds = {suffix: MEDIA_TYPES[f".{suffix}"] for suffix in suffixes}
    return " ".join(f"{kind} {suffix};" for suffix, kind in sorted(kinds.items()))


def _mapped(pattern: str, root: str, target: str, suffixes: tuple[str, ...]) -> list[str]:
    """A location that sends the file a published URL names, with the app's headers."""
    headers = [("Cache-Control", IMMUTABLE), *SECURITY_HEADERS, *CORS_HEADERS, SERVED_BY_HEADER]
    return [
        f'location ~ "{pattern}" {{',
        f"    root {root};",
        f"    try_files {target} {APP_LOCATION};",
        "    disable_symlinks on from=$document_root;  # as the app: nothing that leads outside",
        *(f"    {line}" for line in OPEN_FILE_CACHE),
        f"    error_page 405 = {APP_LOCATION};  # OPTIONS (CORS preflight): the app answers it",
        f"    types {{ {_types(suffixes)} }}",
        "    charset utf-8;",
        "    charset_types text/vtt;",
        *(f'    add_header {name} "{value}" always;' for name, value in headers),
        "}",
    ]


# Server-level, inherited by both locations that pass requests on (none sets its own).
PROXY_SETTINGS = (
    "proxy_http_version 1.1;",
    'proxy_set_header Connection "";',
    "proxy_set_header Host $host;",
    "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
    "proxy_set_header X-Forwarded-Proto $scheme;",
    "proxy_set_header X-Forwarded-Host $host;",
    "proxy_set_header X-Forwarded-Port $server_port;",
    "proxy_buffering on;  # nginx takes slow phones off the app server",
)


def live_nginx_config(audio_dir: Path, app_url: str, accel_prefix: str | None = None) -> str:
    """Directives for a server { } block: nginx sends published audio and captions from
    `audio_dir` and passes everything else to the app at `app_url` (http://127.0.0.1:8000)."""
    audio = _quote(audio_dir.resolve())
    out = [
        "# nginx in front of `audioguide serve`: include this file inside the server { } block",
        "# that faces visitors (listen, server_name, TLS). Generated by",
        "# `audioguide serve --print-nginx-config`; print it again after moving the project.",
        "",
        "# Published audio and captions: immutable URLs that name their file, sent by nginx itself",
        "# (ranges, HEAD, sendfile). A URL the pattern does not map, or whose file is gone (a",
        "# superseded version: the app redirects it), goes to the app.",
        *_mapped(MEDIA_PATTERN, audio, "/$2/$3.$1.$4", ("mp3", "vtt")),
        "# Photos the build resized (audio/images/); one not built yet comes from the app.",
        *_mapped(IMAGE_PATTERN, audio, f"/{IMAGE_FOLDER}/$2.$1.$3.$4", ("jpg", "png", "webp")),
    ]
    if accel_prefix:
        prefix = accel_prefix.rstrip("/")
        # Under "/_": an internal location at /en or /media would hide the site's own pages.
        if not re.fullmatch(r"/_[A-Za-z0-9._~/-]*", prefix):
            raise AudioguideError(
                f"--accel-redirect {accel_prefix!r}: a path that starts with /_ such as /_audio"
                " (nginx would hide the site's own addresses under any other)"
            )
        out += [
            "",
            "# --accel-redirect: what the app decides to send from audio/ (legacy names), nginx sends.",
            f"location {prefix}/ {{",
            "    internal;  # reachable only through the app's X-Accel-Redirect",
            f"    alias {_quote(str(audio_dir.resolve()) + '/')};",
            "    disable_symlinks on from=$document_root;",
            "}",
        ]
    out += [
        "",
        "# Everything else: pages, scans, the API, images, assets, the studio.",
        *PROXY_SETTINGS,
        f"location {APP_LOCATION} {{ proxy_pass {app_url}; }}",
        f"location / {{ proxy_pass {app_url}; }}",
    ]
    return "\n".join(out) + "\n"
