"""The stylesheets, scripts and icons: read (or drawn) once, served from memory under
content-hashed URLs; the stop page's one inline script, and the CSP hashes of what is inline."""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from calmjs.parse import es5
from calmjs.parse.exceptions import ECMASyntaxError
from calmjs.parse.unparsers.es5 import minify_print

from audioguide.web.bodies import Body
from audioguide.web.icons import png_icons
from audioguide.web.snapshot import media_type

STATIC_DIR = Path(__file__).parent / "static"
# Served under /a/<hash>/<name>, cacheable for a year. sw.js is served at /sw.js instead: a
# service worker's URL must stay the same, and its scope is the folder it is served from.
# lists.css: every page but the stop pages; plan.*: the site plan only.
HASHED = ("style.css", "app.js", "icon.svg", "lists.css", "plan.css", "plan.js")
TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}


# The only inline script: in the stop page's <head>, it applies the transcript text size the
# visitor chose (app.js keeps it in localStorage "ts") before the first paint, so the text does
# not jump when the deferred app.js arrives. Allowed by its hash, not by 'unsafe-inline'; a
# custom property set through the CSSOM is no inline style to the CSP.
TEXT_SIZE_SCRIPT = (
    'try{var s=localStorage.ts;if(s)document.documentElement.style.setProperty("--ts",s)}catch(e){}'
)


_BLOCK_COMMENT = re.compile(rb"/\*.*?\*/", re.DOTALL)


@lru_cache(maxsize=16)  # every create_app() loads the assets; parsing app.js takes ~0.3 s
def minify(name: str, data: bytes) -> bytes:
    """Smaller static files: the stop page must stay under 30 KB with its CSS and JS.

    Scripts: parsed and printed again by calmjs.parse, local names shortened (each script is one
    function scope or plain declarations, so no global name changes). Stylesheets: comments and
    spaces go (the rules for static/*.css: comments are /* */ only, no string holds "/*").
    """
    if name.endswith(".js"):
        try:
            program = es5(data.decode())
        except ECMASyntaxError as error:  # names the line and column
            raise ValueError(f"static/{name}: {error}") from None
        return minify_print(program, obfuscate=True, obfuscate_globals=False).encode() + b"\n"
    if name.endswith(".css"):
        data = _BLOCK_COMMENT.sub(b"", data)
        data = re.sub(rb"\s+", b" ", data)
        data = re.sub(rb" ?([{};,>]) ?", rb"\1", data).strip()
        data = data.replace(b";}", b"}")  # the last declaration needs no semicolon
        data = re.sub(rb"(?<![\w.])0\.(\d)", rb".\1", data)  # 0.5rem -> .5rem
        # "name: value" -> "name:value" inside declaration blocks only; selectors keep spaces.
        return re.sub(rb"\{[^{}]*\}", lambda block: block.group(0).replace(b": ", b":"), data)
    return data


def csp_hash(source: bytes) -> str:
    """A Content-Security-Policy source that allows exactly this inline <style> or <script>."""
    return f"'sha256-{base64.b64encode(hashlib.sha256(source).digest()).decode()}'"


def packaged(name: str, folder: Path = STATIC_DIR) -> bytes:
    """A static file as served: the same bytes whether it is linked or inlined in a page, so the
    CSP hashes (security.py) and the pages agree."""
    data = minify(name, (folder / name).read_bytes())
    closing = {".js": b"</script", ".css": b"</style"}.get(Path(name).suffix)
    if closing and (closing in data.lower() or b"<!--" in data):
        raise ValueError(f"static/{name} holds '{closing.decode()}' or '<!--': it could not go inline")
    return data


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

    @property
    def script(self) -> str:
        """app.js as text, for the pages that carry it inline (security.py allows its hash)."""
        return self.bodies["app.js"].data.decode()

    @classmethod
    def load(cls, folder: Path = STATIC_DIR) -> Assets:
        bodies: dict[str, Body] = {}
        urls: dict[str, str] = {}
        for name in HASHED:
            data = packaged(name, folder)
            suffix = Path(name).suffix
            bodies[name] = Body.of(data, TYPES.get(suffix) or media_type(name))
            urls[name] = f"/a/{hashlib.sha256(data).hexdigest()[:12]}/{name}"
        for name, data in png_icons().items():  # home screens and lock screens want PNG (icons.py)
            bodies[name] = Body.of(data, "image/png")
            urls[name] = f"/a/{hashlib.sha256(data).hexdigest()[:12]}/{name}"
        worker = Body.of(packaged("sw.js", folder), TYPES[".js"])
        return cls(bodies, urls, {urls[name]: bodies[name] for name in urls}, worker)
