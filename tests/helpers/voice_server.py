"""A local stand-in for the piper-voices repository: voices.json and voice files over HTTP on
127.0.0.1, with Range requests, and faults on demand (a cut connection, a damaged file)."""

from __future__ import annotations

import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from audioguide.engines.piper import installed_voices

JOE = "en_US-joe-medium"
JOE_FOLDER = "en/en_US/joe/medium"


@cache
def _md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()


def _entry(key: str, files: dict[str, tuple[int, str]], speakers: list[str] | None = None) -> dict:
    """A catalog entry shaped as in the repository's voices.json."""
    code, name, quality = key.split("-")
    family, region = code.split("_")
    names = {"en": ("English", "English"), "kk": ("Kazakh", "қазақша"), "ru": ("Russian", "Русский")}
    english, native = names[family]
    return {
        "key": key,
        "name": name,
        "language": {
            "code": code,
            "family": family,
            "region": region,
            "name_native": native,
            "name_english": english,
            "country_english": region,
        },
        "quality": quality,
        "num_speakers": len(speakers) if speakers else 1,
        "speaker_id_map": {speaker: i for i, speaker in enumerate(speakers or [])},
        "files": {path: {"size_bytes": size, "md5_digest": md5} for path, (size, md5) in files.items()},
        "aliases": [],
    }


@dataclass
class VoiceServer:
    """Serves `files` (repository path -> local file) and a matching voices.json."""

    files: dict[str, Path]
    catalog: dict = field(default_factory=dict)
    cut_after: int | None = None  # close every file response after this many body bytes
    ignore_range: bool = False  # answer every request with the whole file (200)
    damaged: set[str] = field(default_factory=set)  # paths served with one byte flipped
    ranges: list[str | None] = field(default_factory=list)  # the Range header of each file request
    url: str = ""

    def __enter__(self) -> VoiceServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: object) -> None:
                pass

            def do_GET(self) -> None:
                path = self.path.lstrip("/").split("?")[0]
                if path == "voices.json":
                    self._send(200, json.dumps(server.catalog).encode(), {})
                    return
                if path not in server.files:
                    self._send(404, b"not found", {})
                    return
                server.ranges.append(self.headers.get("Range"))
                body = server.files[path].read_bytes()
                if path in server.damaged:
                    body = body[:100] + bytes([body[100] ^ 0xFF]) + body[101:]
                match = re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range") or "")
                if match and not server.ignore_range:
                    start = int(match.group(1))
                    if start >= len(body):
                        self._send(416, b"", {"Content-Range": f"bytes */{len(body)}"})
                        return
                    content_range = f"bytes {start}-{len(body) - 1}/{len(body)}"
                    self._send(206, body[start:], {"Content-Range": content_range})
                else:
                    self._send(200, body, {})

            def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Accept-Ranges", "bytes")
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                if server.cut_after is not None and len(body) > server.cut_after and status != 404:
                    self.wfile.write(body[: server.cut_after])
                    self.wfile.flush()
                    self.close_connection = True
                    return  # the rest never comes: the client sees a cut transfer
                self.wfile.write(body)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/"
        return self

    def __exit__(self, *_exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def joe_files() -> dict[str, Path]:
    """The installed en_US-joe-medium files in the repository's folder layout."""
    model = installed_voices()[JOE]
    return {
        f"{JOE_FOLDER}/{JOE}.onnx": model,
        f"{JOE_FOLDER}/{JOE}.onnx.json": model.with_name(model.name + ".json"),
    }


def demo_catalog(files: dict[str, Path]) -> dict:
    """joe (servable, real sizes and MD5s) and two voices listed but not served (kk, ru)."""
    fake = (1000, "0" * 32)
    return {
        JOE: _entry(JOE, {path: (local.stat().st_size, _md5(local)) for path, local in files.items()}),
        "kk_KZ-issai-high": _entry(
            "kk_KZ-issai-high",
            {
                "kk/kk_KZ/issai/high/kk_KZ-issai-high.onnx": (127_000_000, "0" * 32),
                "kk/kk_KZ/issai/high/kk_KZ-issai-high.onnx.json": fake,
                "kk/kk_KZ/issai/high/MODEL_CARD": fake,
            },
            ["ISSAI_KazakhTTS2_M2", "ISSAI_KazakhTTS_M1_Iseke", "ISSAI_KazakhTTS2_F1"],
        ),
        "ru_RU-irina-medium": _entry(
            "ru_RU-irina-medium",
            {
                "ru/ru_RU/irina/medium/ru_RU-irina-medium.onnx": (63_000_000, "0" * 32),
                "ru/ru_RU/irina/medium/ru_RU-irina-medium.onnx.json": fake,
            },
        ),
    }
