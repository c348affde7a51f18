"""audio/manifest.json, typed: what the build published, per stop and language.

This is the one contract between the build (which writes it) and the web app (which serves what
it lists); the test fixtures write it through the same records, so no one can write a shape the
other side would not read. On disk (paths relative to the audio folder, `format` versions it):

{"format": 1, "generator": "audioguide 0.1.0",
 "stops": {"<id>": {"<lang>": {
     "audio": {"path": "en/welcome.mp3", "bytes": 1234, "sha256": "…"},
     "captions": {"path": "en/welcome.vtt", "bytes": 321, "sha256": "…"},
     "duration": 61.25, "sentences": 12,
     "engine": "piper", "voice": "en_US-joe-medium", "engine_version": "piper-tts 1.8.0",
     "preferred_engine": "gtts", "fallback": true, "input_hash": "…",
     "transcript": [{"kind": "paragraph", "html": ["…"], "text": ["…"]}]}}}}

A manifest that cannot be read, or an entry of the wrong shape, is never fatal: it is reported
in `Manifest.problems` (with what to do: rebuild) and treated as absent, so the build rebuilds it
and the server serves the rest. Photos are recorded under "images" (published_images.py).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from audioguide import __version__
from audioguide.atomic import write_if_changed
from audioguide.tour.recording import RECORDING_SUFFIXES
from audioguide.tour.script import Script, Sentence

if TYPE_CHECKING:
    from audioguide.published_images import PublishedImage

MANIFEST_NAME = "manifest.json"
FORMAT = 1
HASH_LENGTH = 16  # hex digits of the sha256 in file names and URLs: never collide within a tour

# Published audio and captions are content-addressed: audio/<lang>/<stop>.<hash>.mp3 (and .vtt).
# A rebuild writes a new name and never replaces a file in place, so a file always holds the
# bytes its name (and its URL) promise, and superseded versions can keep serving the pages and
# offline downloads made before the rebuild. Manifests of format 1 written before this kept
# audio/<lang>/<stop>.mp3; those still read and serve, and move to the new names when rebuilt.
VERSIONED_NAME = re.compile(
    r"^(?P<stop>[a-z0-9][a-z0-9-]*)\.(?P<hash>[0-9a-f]{16})(?P<suffix>\.(?:mp3|vtt))$"
)

# The engine of a narration read by a person (front matter `recording:`); its `voice` is the
# narrator's name, or the recording's file name when the front matter names no narrator.
RECORDING_ENGINE = "recording"


class ManifestError(ValueError):
    """An entry of audio/manifest.json does not have the documented shape."""


def versioned_name(stop_id: str, digest: str, suffix: str) -> str:
    return f"{stop_id}.{digest[:HASH_LENGTH]}{suffix}"


def public_path(relative: str) -> str:
    """The name a published file has in URLs: its path without the hash ("en/gate.mp3")."""
    folder, _, name = relative.rpartition("/")
    match = VERSIONED_NAME.match(name)
    if match is None:
        return relative
    bare = match["stop"] + match["suffix"]
    return f"{folder}/{bare}" if folder else bare


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _require(data: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    value = data.get(key)
    # bool is an int in Python; a count or a duration that is true/false is a wrong shape.
    if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _as_tuple(kind)):
        raise ManifestError(f"{where}.{key} is missing or not {_kind_name(kind)}")
    return value


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _kind_name(kind: type | tuple[type, ...]) -> str:
    return " or ".join(k.__name__ for k in _as_tuple(kind))


@dataclass(frozen=True)
class FileRecord:
    """One published file: where it is (relative to audio/), its size and its content hash."""

    path: str
    bytes: int
    sha256: str

    @classmethod
    def of(cls, audio_dir: Path, path: Path) -> FileRecord:
        """The record of a file just written (hashes it)."""
        return cls(path.relative_to(audio_dir).as_posix(), path.stat().st_size, sha256_file(path))

    @classmethod
    def from_json(cls, data: Any, where: str) -> FileRecord:
        if not isinstance(data, dict):
            raise ManifestError(f"{where} is not an object")
        path = _require(data, "path", str, where)
        digest = _require(data, "sha256", str, where)
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise ManifestError(f"{where}.sha256 is not a SHA-256 in hex")
        size = _require(data, "bytes", int, where)
        if size < 0:
            raise ManifestError(f"{where}.bytes is negative")
        return cls(path, size, digest)

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "bytes": self.bytes, "sha256": self.sha256}


@dataclass(frozen=True)
class TranscriptBlock:
    """A paragraph or heading of the transcript the audio was built from. Sentence n (1-based,
    counted over the whole transcript) is caption cue "s<n>". `html` was sanitized with nh3 when
    the script was parsed (tour.script), so it may be inserted as markup."""

    kind: str  # "paragraph" | "heading"
    html: tuple[str, ...]
    text: tuple[str, ...]

    @classmethod
    def from_json(cls, data: Any, where: str) -> TranscriptBlock:
        if not isinstance(data, dict):
            raise ManifestError(f"{where} is not an object")
        kind = _require(data, "kind", str, where)
        html, text = _require(data, "html", list, where), _require(data, "text", list, where)
        if len(html) != len(text) or not all(isinstance(s, str) for s in [*html, *text]):
            raise ManifestError(f"{where}: html and text must be lists of as many strings")
        return cls(kind, tuple(html), tuple(text))

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "html": list(self.html), "text": list(self.text)}


def transcript_of(script: Script) -> tuple[TranscriptBlock, ...]:
    """The visitor transcript of a script: the build stores it with the audio, and the web app
    shows it (from the script itself only while nothing is built)."""
    blocks = []
    for block in script.blocks:
        sentences = [item for item in block.items if isinstance(item, Sentence)]
        if sentences:
            blocks.append(
                TranscriptBlock(
                    block.kind, tuple(s.html for s in sentences), tuple(s.text for s in sentences)
                )
            )
    return tuple(blocks)


@dataclass(frozen=True)
class PublishedNarration:
    """The audio and captions of one stop in one language, and what they were made from."""

    audio: FileRecord
    captions: FileRecord
    duration: float  # seconds
    sentences: int
    engine: str  # "piper", "espeak", "gtts" (or "recording")
    voice: str
    engine_version: str
    preferred_engine: str | None  # the first engine of this narration's chain
    fallback: bool  # built by a later engine of the chain than the preferred one
    input_hash: str  # of everything the audio was made from (build.plan); "" = unknown
    transcript: tuple[TranscriptBlock, ...] | None  # None: written before it was recorded

    def files(self) -> tuple[FileRecord, FileRecord]:
        return (self.audio, self.captions)

    @property
    def recorded(self) -> bool:
        return self.engine == RECORDING_ENGINE

    @property
    def narrator(self) -> str | None:
        """Who read a recorded narration; None for a synthetic voice, and for a recording whose
        reader is not named (its `voice` is then the file name, which is no one to credit)."""
        if not self.recorded or self.voice.lower().endswith(RECORDING_SUFFIXES):
            return None
        return self.voice

    def plain_text(self) -> str | None:
        if self.transcript is None:
            return None
        return "\n\n".join(" ".join(block.text) for block in self.transcript)

    @classmethod
    def from_json(cls, data: Any, where: str) -> PublishedNarration:
        if not isinstance(data, dict):
            raise ManifestError(f"{where} is not an object")
        duration = _require(data, "duration", (int, float), where)
        transcript = data.get("transcript")
        if transcript is not None and not isinstance(transcript, list):
            raise ManifestError(f"{where}.transcript is not a list")
        preferred = data.get("preferred_engine")
        return cls(
            audio=FileRecord.from_json(data.get("audio"), f"{where}.audio"),
            captions=FileRecord.from_json(data.get("captions"), f"{where}.captions"),
            duration=float(duration),
            sentences=_require(data, "sentences", int, where),
            engine=_require(data, "engine", str, where),
            voice=_require(data, "voice", str, where),
            engine_version=str(data.get("engine_version") or ""),
            preferred_engine=preferred if isinstance(preferred, str) else None,
            fallback=bool(data.get("fallback", False)),
            input_hash=str(data.get("input_hash") or ""),
            transcript=None
            if transcript is None
            else tuple(
                TranscriptBlock.from_json(b, f"{where}.transcript[{i}]") for i, b in enumerate(transcript)
            ),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "audio": self.audio.to_json(),
            "captions": self.captions.to_json(),
            "duration": round(self.duration, 3),
            "sentences": self.sentences,
            "engine": self.engine,
            "voice": self.voice,
            "engine_version": self.engine_version,
            "preferred_engine": self.preferred_engine,
            "fallback": self.fallback,
            "input_hash": self.input_hash,
            "transcript": None if self.transcript is None else [b.to_json() for b in self.transcript],
        }


@dataclass
class FileVerifier:
    """Does a published file still hold the bytes its record names? The one check shared by the
    build (is the output intact?) and the server (may this file go out under its hashed URL?).
    A file is hashed again only when its (mtime, size) differs from when it last matched."""

    audio_dir: Path
    known: dict[Path, tuple[int, int]] = field(default_factory=dict)
    # (device, inode, mtime_ns, size) -> sha256 of files opened by the server.
    digests: dict[tuple[int, int, int, int], str] = field(default_factory=dict)

    def path_of(self, record: FileRecord) -> Path:
        return self.audio_dir / record.path

    def trust(self, record: FileRecord) -> None:
        """Mark a file as matching its record without hashing it (the build just wrote it)."""
        path = self.path_of(record)
        with contextlib.suppress(OSError):
            stat = os.stat(path)
            self.known[path] = (stat.st_mtime_ns, stat.st_size)

    def digest(self, handle: BinaryIO) -> str:
        """The sha256 of an open file, hashed again only when the file (device, inode, mtime,
        size) is not one already hashed: the server verifies the very descriptor it sends."""
        stat = os.fstat(handle.fileno())
        key = (stat.st_dev, stat.st_ino, stat.st_mtime_ns, stat.st_size)
        known = self.digests.get(key)
        if known is None:
            digest = hashlib.sha256()
            handle.seek(0)
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
            handle.seek(0)
            known = self.digests[key] = digest.hexdigest()
        return known

    def vouch(self, path: Path, sha256: str) -> None:
        """Remember `path`'s digest without reading it (the build wrote it before the manifest
        that names it: see web/snapshot.py)."""
        with contextlib.suppress(OSError):
            stat = os.stat(path)
            self.digests[stat.st_dev, stat.st_ino, stat.st_mtime_ns, stat.st_size] = sha256

    def holds(self, record: FileRecord, path: Path | None = None) -> bool:
        path = path or self.path_of(record)
        try:
            stat = os.stat(path)
        except OSError:
            return False
        key = (stat.st_mtime_ns, stat.st_size)
        if self.known.get(path) == key:
            return True
        try:
            matches = stat.st_size == record.bytes and sha256_file(path) == record.sha256
        except OSError:
            return False
        if matches:
            self.known[path] = key
        return matches


@dataclass
class Manifest:
    """The published narrations of one audio folder; records are frozen, the collection is not."""

    audio_dir: Path
    narrations: dict[tuple[str, str], PublishedNarration] = field(default_factory=dict)
    images: dict[str, PublishedImage] = field(default_factory=dict)  # stop id -> its photo
    # What could not be read on load, each with what to do; those entries count as absent.
    problems: list[str] = field(default_factory=list)

    @property
    def path(self) -> Path:
        return self.audio_dir / MANIFEST_NAME

    @classmethod
    def load(cls, audio_dir: Path) -> Manifest:
        manifest = cls(audio_dir)
        path = manifest.path
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return manifest
        except (OSError, ValueError) as exc:
            manifest.problems.append(f"{path}: cannot be read ({exc}); run 'audioguide build' to rewrite it")
            return manifest
        if (
            not isinstance(data, dict)
            or data.get("format") != FORMAT
            or not isinstance(data.get("stops"), dict)
        ):
            found = data.get("format") if isinstance(data, dict) else None
            manifest.problems.append(
                f"{path}: not an audioguide manifest of format {FORMAT} (format: {found!r});"
                " run 'audioguide build' to rewrite it"
            )
            return manifest
        for stop_id, langs in data["stops"].items():
            if not isinstance(langs, dict):
                manifest.problems.append(f"{path}: stops.{stop_id} is not an object; run 'audioguide build'")
                continue
            for lang, entry in langs.items():
                where = f"stops.{stop_id}.{lang}"
                try:
                    manifest.narrations[stop_id, lang] = PublishedNarration.from_json(entry, where)
                except ManifestError as exc:
                    manifest.problems.append(f"{path}: {exc}; run 'audioguide build' to rebuild it")
        from audioguide.published_images import read_images  # it imports this module's records

        manifest.images = read_images(data, manifest.problems, str(path))
        return manifest

    def get(self, stop_id: str, lang: str) -> PublishedNarration | None:
        return self.narrations.get((stop_id, lang))

    def put(self, stop_id: str, lang: str, narration: PublishedNarration) -> None:
        self.narrations[stop_id, lang] = narration

    def remove(self, stop_id: str, lang: str) -> None:
        self.narrations.pop((stop_id, lang), None)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(list(self.narrations))

    def intact(self, stop_id: str, lang: str, verifier: FileVerifier | None = None) -> bool:
        """True when the published files are exactly those the manifest describes."""
        narration = self.get(stop_id, lang)
        if narration is None:
            return False
        verifier = verifier or FileVerifier(self.audio_dir)
        return all(verifier.holds(record) for record in narration.files())

    def to_json(self) -> bytes:
        stops: dict[str, dict[str, Any]] = {}
        for (stop_id, lang), narration in self.narrations.items():
            stops.setdefault(stop_id, {})[lang] = narration.to_json()
        data: dict[str, Any] = {"format": FORMAT, "generator": f"audioguide {__version__}", "stops": stops}
        if self.images:
            data["images"] = {stop_id: image.to_json() for stop_id, image in self.images.items()}
        return (json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()

    def save(self) -> bool:
        return write_if_changed(self.path, self.to_json())
