"""Visitors' traffic against a running `audioguide serve`, checking every media byte it gets.

Traffic runs threads that open stop pages, pick the media URLs the pages name (and keep them:
an old page's URLs are fetched again after rebuilds, as a phone that loaded the page earlier
would), fetch them whole or in random ranges, and call the JSON API. Every 200 or 206 body of a
media URL is compared with the bytes of the version its hash names (`Versions`, filled from the
manifest after each build); a body whose version is not known yet is kept and checked at the
end. Bounded: every request has a timeout and the threads stop when asked.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import random
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

MEDIA_URL = re.compile(r'"(/media/([0-9a-f]{16})/[^"\s]+)"')
CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")


class Versions:
    """Every version of every published file the builds produced: URL hash -> bytes."""

    def __init__(self) -> None:
        self._by_digest: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def record(self, audio_dir: Path) -> int:
        """Read the files the manifest names (after a build); returns how many are new."""
        data = json.loads((audio_dir / "manifest.json").read_text(encoding="utf-8"))
        new = 0
        for langs in data["stops"].values():
            for entry in langs.values():
                for kind in ("audio", "captions"):
                    body = (audio_dir / entry[kind]["path"]).read_bytes()
                    digest = hashlib.sha256(body).hexdigest()
                    assert digest == entry[kind]["sha256"], f"{entry[kind]['path']} differs from the manifest"
                    with self._lock:
                        new += digest[:16] not in self._by_digest
                        self._by_digest[digest[:16]] = body
        return new

    def get(self, digest: str) -> bytes | None:
        with self._lock:
            return self._by_digest.get(digest)

    def __len__(self) -> int:
        return len(self._by_digest)


@dataclass
class _Body:
    digest: str
    start: int
    total: int | None  # from Content-Range; None for a 200
    body: bytes


@dataclass
class Tally:
    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    checked_bytes: int = 0
    wrong: list[str] = field(default_factory=list)  # media bodies that differ from their version
    errors: list[str] = field(default_factory=list)  # unexpected statuses, timeouts, resets
    unverified: list[_Body] = field(default_factory=list)


class Traffic:
    """`threads` visitors; `mix`: weights of 'media', 'page' and 'api' requests."""

    def __init__(
        self,
        host: str,
        port: int,
        pages: list[str],
        versions: Versions,
        *,
        threads: int = 12,
        mix: dict[str, int] | None = None,
        seed: int = 0,
        api_paths: list[str] | None = None,
    ) -> None:
        self.host, self.port = host, port
        self.pages = pages
        self.versions = versions
        self.threads = threads
        self.mix = mix or {"media": 9, "page": 1}
        self.api_paths = api_paths or ["/api/v1/tour"]
        self.seed = seed
        self.tally = Tally()
        self._urls: dict[str, str] = {}  # url -> its digest
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._workers: list[threading.Thread] = []

    def __enter__(self) -> Traffic:
        for index in range(self.threads):
            thread = threading.Thread(target=self._visitor, args=(index,), name=f"visitor-{index}")
            thread.daemon = True
            self._workers.append(thread)
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._workers:
            thread.join(timeout=30)
        self._check_unverified()

    # ----- one visitor --------------------------------------------------------------------

    def _visitor(self, index: int) -> None:
        rng = random.Random(self.seed * 1000 + index)
        kinds, weights = zip(*self.mix.items(), strict=True)
        connection = self._connect()
        while not self._stop.is_set():
            kind = rng.choices(kinds, weights)[0]
            if kind == "media" and not self._urls:
                kind = "page"
            try:
                if kind == "page":
                    self._page(connection, rng)
                elif kind == "api":
                    self._get(connection, rng.choice(self.api_paths), {}, expect=(200,))
                else:
                    self._media(connection, rng)
            except (OSError, http.client.HTTPException) as exc:
                self._note_error(f"{kind}: {type(exc).__name__}: {exc}")
                connection.close()
                connection = self._connect()
        connection.close()

    def _connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.port, timeout=10)

    def _get(
        self, connection: http.client.HTTPConnection, path: str, headers: dict[str, str], expect: tuple
    ) -> tuple[int, dict[str, str], bytes]:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read()
        with self._lock:
            self.tally.requests += 1
            self.tally.statuses[response.status] += 1
            if response.status not in expect:
                self.tally.errors.append(f"GET {path} {headers}: HTTP {response.status}")
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body

    def _page(self, connection: http.client.HTTPConnection, rng: random.Random) -> None:
        status, _, body = self._get(connection, rng.choice(self.pages), {}, expect=(200,))
        if status == 200:
            found = {url: digest for url, digest in MEDIA_URL.findall(body.decode(errors="replace"))}
            with self._lock:
                self._urls.update(found)

    def _media(self, connection: http.client.HTTPConnection, rng: random.Random) -> None:
        with self._lock:
            url, digest = rng.choice(list(self._urls.items()))
        known = self.versions.get(digest)
        size = len(known) if known is not None else 64  # its build has not finished: small ranges
        headers = {}
        shape = rng.random()
        if shape < 0.25:
            pass  # the whole file
        elif shape < 0.5:
            headers["Range"] = "bytes=0-1"  # Safari's probe
        elif shape < 0.75:
            start = rng.randrange(size)
            headers["Range"] = f"bytes={start}-{start + rng.randrange(1, 65536)}"
        else:
            headers["Range"] = f"bytes=-{rng.randrange(1, size + 1)}"
        # 302: an old hash pointing at today's file; 404: a version no longer kept.
        status, head, body = self._get(connection, url, headers, expect=(200, 206, 302, 404))
        if status == 200:
            self._check(_Body(digest, 0, None, body))
        elif status == 206:
            match = CONTENT_RANGE.fullmatch(head.get("content-range", ""))
            if match is None:
                self._note_error(f"206 without a valid Content-Range: {head.get('content-range')!r}")
                return
            start, end, total = (int(g) for g in match.groups())
            if end - start + 1 != len(body):
                self._note_wrong(f"{url} {headers}: {len(body)} bytes for {start}-{end}")
                return
            self._check(_Body(digest, start, total, body))

    # ----- checking -------------------------------------------------------------------------

    def _check(self, got: _Body) -> None:
        expected = self.versions.get(got.digest)
        if expected is None:
            with self._lock:
                self.tally.unverified.append(got)  # its build has not finished: checked at the end
            return
        with self._lock:
            self.tally.checked_bytes += len(got.body)
        total_ok = got.total is None or got.total == len(expected)
        if (
            not total_ok
            or expected[got.start : got.start + len(got.body)] != got.body
            or (got.total is None and len(got.body) != len(expected))
        ):
            self._note_wrong(f"/media/{got.digest}/... from {got.start}: {len(got.body)} bytes differ")

    def _check_unverified(self) -> None:
        pending, self.tally.unverified = self.tally.unverified, []
        for got in pending:
            if self.versions.get(got.digest) is None:
                self._note_wrong(f"/media/{got.digest}/...: no build produced this hash")
            else:
                self._check(got)

    def _note_wrong(self, what: str) -> None:
        with self._lock:
            self.tally.wrong.append(what)

    def _note_error(self, what: str) -> None:
        with self._lock:
            self.tally.errors.append(what)


def rss_kib(pid: int) -> int:
    """Resident memory of a process, from /proc/<pid>/status (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise ValueError(f"no VmRSS for {pid}")
