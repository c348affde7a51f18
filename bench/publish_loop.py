"""A staff member publishing again and again through the running server's studio, for
bench/serve.py --publishing: the build runs where it runs in production (a thread of the
server process, under the build lock), while wrk measures the visitors' stop pages.

Each publish changes one sentence of one narration (alternating between two texts, so after
the first two only the assembly is redone: join, loudness, MP3 encode, captions, manifest),
waits for its build to finish, and starts the next.
"""

from __future__ import annotations

import http.cookiejar
import re
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

from audioguide.studio.accounts import Accounts, Role
from audioguide.studio.texts import split

NAME, PASSWORD = "bench-editor", "bench publishing loop password"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
_BASE = re.compile(r'name="base" value="([0-9a-f]*)"')


def add_editor(project: Path) -> None:
    """The account the loop signs in with (before the server starts)."""
    Accounts(project / "studio.sqlite3").add(NAME, PASSWORD, Role.EDITOR)


def espeak_voices(project: Path, languages: list[str]) -> None:
    """Offline voices for the copy, so the loop measures the studio, not the network."""
    tour_yaml = project / "tour.yaml"
    text = tour_yaml.read_text(encoding="utf-8")
    if re.search(r"^voices\s*:", text, re.MULTILINE):
        raise SystemExit("--publishing: the copied tour.yaml already sets voices; use a tour without them")
    voices = "".join(f"  {lang}: [{{espeak: {lang}}}]\n" for lang in languages)
    tour_yaml.write_text(text.rstrip("\n") + "\nvoices:\n" + voices, encoding="utf-8")


class PublishLoop:
    def __init__(self, base: str, project: Path, stop: str, lang: str) -> None:
        self.base, self.stop_id, self.lang = base, stop, lang
        self.original = split((project / "stops" / stop / f"{lang}.md").read_text(encoding="utf-8"))
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        self.done = 0
        self.seconds: list[float] = []
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="publish loop", daemon=True)

    def _get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=60) as response:
            return response.read().decode()

    def _post(self, path: str, data: dict[str, str]) -> str:
        body = urllib.parse.urlencode(data).encode()
        with self.opener.open(self.base + path, data=body, timeout=60) as response:
            return response.geturl()

    def sign_in(self) -> None:
        token = _TOKEN.search(self._get("/studio/sign-in")).group(1)  # type: ignore[union-attr]
        self._post("/studio/sign-in", {"csrf_token": token, "name": NAME, "password": PASSWORD})

    def publish_once(self, number: int) -> None:
        page = self._get(f"/studio/edit/{self.stop_id}/{self.lang}")
        token, base = _TOKEN.search(page).group(1), _BASE.search(page).group(1)  # type: ignore[union-attr]
        first, dot, rest = self.original.body.partition(". ")
        body = f"{first} {'снова' if number % 2 else 'теперь'}{dot}{rest}"
        started = time.perf_counter()
        data = {"csrf_token": token, "base": base, "title": self.original.title, "body": body}
        status_page = self._post(f"/studio/edit/{self.stop_id}/{self.lang}", {**data, "action": "publish"})
        job = status_page.rstrip("/").rsplit("/", 1)[1]
        while not self._stop.is_set():
            status = self._get(f"/studio/publish/{job}/status.json")
            if '"finished":true' in status.replace(" ", ""):
                if '"state":"failed"' in status.replace(" ", ""):
                    self.errors.append(status)
                break
            time.sleep(0.2)
        self.seconds.append(time.perf_counter() - started)
        self.done += 1

    def _run(self) -> None:
        number = 0
        while not self._stop.is_set():
            try:
                self.publish_once(number)
            except OSError as exc:
                self.errors.append(str(exc))
                time.sleep(1)
            number += 1

    def start(self) -> None:
        self.sign_in()
        self.publish_once(0)  # the first build speaks the changed sentence; later ones reuse it
        self.publish_once(1)
        self.done, self.seconds = 0, []
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=120)
