"""The stylesheet, script and icon: read once, served from memory under content-hashed URLs."""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from audioguide.web.bodies import Body
from audioguide.web.snapshot import media_type

STATIC_DIR = Path(__file__).parent / "static"
# Served under /a/<hash>/<name>, cacheable for a year. sw.js is served at /sw.js instead: a
# service worker's URL must stay the same, and its scope is the folder it is served from.
HASHED = ("style.css", "app.js", "icon.svg")
TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}


_BLOCK_COMMENT = re.compile(rb"/\*.*?\*/", re.DOTALL)
# A quoted JS string, kept as it is; between strings, spaces around punctuation go.
_JS_STRING = re.compile(rb"""("(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')""")
_JS_SPACE = re.compile(rb" *([-+*/%=,;{}():?<>|&!\[\]]) *")


def minify(name: str, data: bytes) -> bytes:
    """Drop comments and indentation: the stop page must stay under 30 KB with its CSS and JS.

    Deliberately simple, hence the rules for static/*.css and *.js: comments are /* */ only,
    and no string or regular expression contains "/*" or spans lines; a regular expression
    literal holds no space and no quote (spaces around punctuation go outside quoted strings),
    and no "a + +b" or "a / /re/" (tests/web/test_web_scan.py checks that the scripts parse).
    """
    if name.endswith(".css"):
        data = _BLOCK_COMMENT.sub(b"", data)
        data = re.sub(rb"\s+", b" ", data)
        data = re.sub(rb" ?([{};,]) ?", rb"\1", data).strip()
        # "name: value" -> "name:value" inside declaration blocks only; selectors keep spaces.
        data = re.sub(rb"\{[^{}]*\}", lambda block: block.group(0).replace(b": ", b":"), data)
        # No ";" before "}", and "0.5rem" is ".5rem": the page a first scan gets carries all this.
        return re.sub(rb"([:\s,(])0\.(\d)", rb"\1.\2", data.replace(b";}", b"}"))
    if name.endswith(".js"):
        data = _BLOCK_COMMENT.sub(b"", data)
        lines = (line.strip() for line in data.splitlines())
        code = b"\n".join(line for line in lines if line) + b"\n"
        # A line break after ";", "{" or "," ends nothing (no semicolon is inserted there).
        code = re.sub(rb"([;{,])\n", rb"\1", code)
        parts = _JS_STRING.split(code)  # odd items are the strings
        return b"".join(part if i % 2 else _JS_SPACE.sub(rb"\1", part) for i, part in enumerate(parts))
    return data


def csp_hash(source: bytes) -> str:
    """A Content-Security-Policy source that allows exactly this inline <style> (CSP3)."""
    return f"'sha256-{base64.b64encode(hashlib.sha256(source).digest()).decode()}'"


def packaged_style() -> bytes:
    """The stylesheet as served, the same bytes whether it is linked or inlined in a page."""
    return minify("style.css", (STATIC_DIR / "style.css").read_bytes())


@dataclass(frozen=True)
class Assets:
    bodies: dict[str, Body]  # name -> body
    urls: dict[str, str]  # name -> /a/<hash>/<name>
    by_url: dict[str, Body]
    service_worker: Body

    @property
    def style(self) -> str:
        """The stylesheet's text, for the pages that carry it inline (security.py allows its hash)."""
        return self.bodies["style.css"].data.decode()

    @classmethod
    def load(cls, folder: Path = STATIC_DIR) -> Assets:
        bodies: dict[str, Body] = {}
        urls: dict[str, str] = {}
        for name in HASHED:
            data = minify(name, (folder / name).read_bytes())
            suffix = Path(name).suffix
            bodies[name] = Body.of(data, TYPES.get(suffix) or media_type(name))
            urls[name] = f"/a/{hashlib.sha256(data).hexdigest()[:12]}/{name}"
        worker = Body.of(minify("sw.js", (folder / "sw.js").read_bytes()), TYPES[".js"])
        return cls(bodies, urls, {urls[name]: bodies[name] for name in HASHED}, worker)
