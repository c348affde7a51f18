"""audio/manifest.json: what the build published, per stop and language.

Shape (paths are relative to the audio folder):
{"format": 1, "generator": "audioguide 0.1.0",
 "stops": {"<id>": {"<lang>": {
     "audio": {"path": "en/welcome.mp3", "bytes": 1234, "sha256": "…"},
     "captions": {"path": "en/welcome.vtt", "bytes": 321, "sha256": "…"},
     "duration": 61.25, "sentences": 12,
     "engine": "piper", "voice": "en_US-joe-medium", "engine_version": "piper-tts 1.8.0",
     "preferred_engine": "gtts", "fallback": true, "input_hash": "…"}}}}
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audioguide import __version__
from audioguide.atomic import write_if_changed

MANIFEST_NAME = "manifest.json"
FORMAT = 1


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_record(audio_dir: Path, path: Path) -> dict[str, Any]:
    return {
        "path": path.relative_to(audio_dir).as_posix(),
        "bytes": path.stat().st_size,
        "sha256": sha256_file(path),
    }


@dataclass
class Manifest:
    audio_dir: Path
    stops: dict[str, dict[str, dict[str, Any]]]

    @property
    def path(self) -> Path:
        return self.audio_dir / MANIFEST_NAME

    @classmethod
    def load(cls, audio_dir: Path) -> Manifest:
        """An unreadable or foreign manifest counts as empty: everything is rebuilt, never fatal."""
        try:
            data = json.loads((audio_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
            stops = data["stops"] if data.get("format") == FORMAT else {}
            if not isinstance(stops, dict):
                stops = {}
        except (OSError, ValueError, KeyError, AttributeError):
            stops = {}
        return cls(audio_dir, stops)

    def entry(self, stop_id: str, lang: str) -> dict[str, Any] | None:
        entry = self.stops.get(stop_id, {}).get(lang)
        return entry if isinstance(entry, dict) else None

    def set_entry(self, stop_id: str, lang: str, entry: dict[str, Any]) -> None:
        self.stops.setdefault(stop_id, {})[lang] = entry

    def remove_entry(self, stop_id: str, lang: str) -> None:
        langs = self.stops.get(stop_id, {})
        langs.pop(lang, None)
        if not langs:
            self.stops.pop(stop_id, None)

    def outputs_intact(self, stop_id: str, lang: str) -> bool:
        """True when the published files are exactly those the manifest describes."""
        entry = self.entry(stop_id, lang)
        if not entry:
            return False
        for kind in ("audio", "captions"):
            record = entry.get(kind) or {}
            path = self.audio_dir / str(record.get("path", ""))
            try:
                if not path.is_file() or path.stat().st_size != record.get("bytes"):
                    return False
                if sha256_file(path) != record.get("sha256"):
                    return False
            except OSError:
                return False
        return True

    def to_json(self) -> bytes:
        data = {"format": FORMAT, "generator": f"audioguide {__version__}", "stops": self.stops}
        return (json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()

    def save(self) -> bool:
        return write_if_changed(self.path, self.to_json())
