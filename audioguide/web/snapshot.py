"""What the server serves: the tour and the build outputs, reloaded when their files change.

The server never synthesizes; it reads tour.yaml, the stops and audio/manifest.json. A snapshot
is the immutable data read from them, and is replaced as a whole when a file changes, so a
request sees one consistent version; what is rendered from it lives in cache.py. Files are
checked at most once per `check_interval` seconds: a stat of a few dozen files, not one per request.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import mimetypes
import os
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from audioguide.published import (
    HASH_LENGTH,
    MANIFEST_NAME,
    VERSIONED_NAME,
    FileRecord,
    FileVerifier,
    Manifest,
    PublishedNarration,
    TranscriptBlock,
    public_path,
    sha256_file,
)
from audioguide.published_images import IMAGE_FOLDER, IMAGE_NAME, ImageVariant, PublishedImage
from audioguide.tour.load import load_tour
from audioguide.tour.model import Stop, Tour

log = logging.getLogger(__name__)

# Types by suffix, not by the platform's mimetypes database (which lacks .vtt on some systems).
MEDIA_TYPES = {
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".ogg": "audio/ogg",
    ".opus": "audio/ogg",
    ".wav": "audio/wav",
    ".vtt": "text/vtt",  # send_file adds "; charset=utf-8" to text types
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
}


def media_type(name: str) -> str:
    suffix = os.path.splitext(name)[1].lower()
    return MEDIA_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


@dataclass(frozen=True)
class MediaFile:
    """A file served under a content-hashed, immutable URL."""

    path: Path
    url: str
    sha256: str
    bytes: int
    mimetype: str
    width: int = 0  # pixels, for a photo the build made (0: not known)
    height: int = 0


@dataclass(frozen=True)
class Photo:
    """A stop's photo: the JPEG/PNG every browser shows and the WebP variants (narrowest
    first). Before a build made them (or after the photo changed), only the photo as it is."""

    src: MediaFile
    webp: tuple[MediaFile, ...] = ()
    offline: MediaFile | None = None  # the one file the offline tour keeps (src if None)


@dataclass(frozen=True)
class Narrated:
    """The published audio and captions of one stop in one language, as the server serves them."""

    audio: MediaFile
    captions: MediaFile | None
    published: PublishedNarration

    @property
    def duration(self) -> float:
        return self.published.duration

    @property
    def engine(self) -> str:
        return self.published.engine

    @property
    def voice(self) -> str:
        return self.published.voice

    @property
    def fallback(self) -> bool:
        return self.published.fallback

    @property
    def transcript(self) -> tuple[TranscriptBlock, ...] | None:
        """The transcript the audio was built from; None in manifests written before it was kept."""
        return self.published.transcript

    def plain_text(self) -> str | None:
        return self.published.plain_text()


@dataclass(frozen=True, eq=False)  # compared by identity: one object per loaded version
class Snapshot:
    tour: Tour
    version: str
    media: Mapping[str, MediaFile]  # URL path -> file: the only files under /media and /img
    media_by_name: Mapping[str, MediaFile]  # URL path without its hash -> file
    narrated: Mapping[tuple[str, str], Narrated]  # (stop id, lang)
    images: Mapping[str, Photo]  # stop id -> photo
    stops_by_key: Mapping[str, Stop]  # id and every alias -> stop
    stops_by_number: Mapping[int, Stop]
    # Knows the digest of each file the server has opened (by device, inode, mtime and size);
    # its memory of checked files is the one thing that changes while a snapshot is served.
    verifier: FileVerifier

    def find(self, key: str) -> Stop | None:
        """A stop by id or alias, case-insensitively (ids are lower case; people type capitals)."""
        return self.stops_by_key.get(key) or self.stops_by_key.get(key.lower())

    def current_media(self, url: str) -> MediaFile | None:
        """The file a URL with an outdated hash asked for, under its current hash (or None)."""
        return self.media_by_name.get(_without_hash(url)) if url.count("/") >= 3 else None

    def neighbours(self, stop: Stop) -> tuple[Stop | None, Stop | None]:
        stops = self.tour.stops
        index = stops.index(stop)
        return (
            stops[index - 1] if index > 0 else None,
            stops[index + 1] if index + 1 < len(stops) else None,
        )


def _without_hash(url: str) -> str:
    """/media/<hash>/en/welcome.mp3 -> /media/en/welcome.mp3"""
    parts = url.split("/", 3)  # "", "media", hash, "en/welcome.mp3"
    return f"/{parts[1]}/{parts[3]}"


def _fingerprint(root: Path) -> tuple[tuple[str, int, int], ...]:
    """(path, mtime, size) of every file a snapshot is made of; cheap enough to run each second."""
    entries: list[tuple[str, int, int]] = []

    def add(path: str) -> None:
        try:
            st = os.stat(path)
        except OSError:
            entries.append((path, -1, -1))
            return
        entries.append((path, st.st_mtime_ns, st.st_size))

    add(os.path.join(root, "tour.yaml"))
    add(os.path.join(root, "audio", MANIFEST_NAME))
    stops = os.path.join(root, "stops")
    add(stops)  # a stop folder added or removed
    try:
        folders = sorted(e.path for e in os.scandir(stops) if e.is_dir())
    except OSError:
        folders = []
    for folder in folders:
        add(folder)
        try:
            files = sorted(e.path for e in os.scandir(folder) if e.is_file())
        except OSError:
            continue
        for path in files:
            add(path)
    return tuple(entries)


def _inside(base: Path, relative: str) -> Path | None:
    """The file `relative` under `base`, or None if it would leave `base` or does not exist."""
    try:
        path = (base / relative).resolve()
        path.relative_to(base.resolve())
    except (ValueError, OSError):
        return None
    return path if path.is_file() else None


def _media_file(
    base: Path, record: FileRecord, url_prefix: str, manifest_mtime_ns: int, verifier: FileVerifier
) -> MediaFile | None:
    path = _inside(base, record.path)
    if path is None:
        return None
    stat = path.stat()
    if record.bytes == stat.st_size and stat.st_mtime_ns <= manifest_mtime_ns:
        # Older than the manifest that describes it: the build wrote it, then the manifest.
        # A newer file is hashed when first served (media.py).
        verifier.vouch(path, record.sha256)
    url = f"{url_prefix}/{record.sha256[:HASH_LENGTH]}/{public_path(record.path)}"
    return MediaFile(path, url, record.sha256, stat.st_size, media_type(record.path))


def _superseded(audio_dir: Path, tour: Tour, media: dict[str, MediaFile]) -> None:
    """Audio, captions and photo variants that a rebuild replaced but keeps for a while
    (build/publish.py, build/images.py): a page loaded before the rebuild, or an offline
    download, asks for them by their old hash. Their URL names only the first 16 hex digits of
    the hash; media.py checks them on serving."""
    stop_ids = {stop.id for stop in tour.stops}
    for lang in tour.languages:
        _keep_superseded(
            audio_dir / lang,
            VERSIONED_NAME,
            lambda m, lang=lang: f"/media/{m['hash']}/{lang}/{m['stop']}{m['suffix']}",
            stop_ids,
            media,
        )
    _keep_superseded(
        audio_dir / IMAGE_FOLDER,
        IMAGE_NAME,
        lambda m: f"/img/{m['hash']}/{m['stop']}/{m['width']}.{m['ext']}",
        stop_ids,
        media,
    )


def _keep_superseded(
    folder: Path,
    name: re.Pattern[str],
    url_of: Callable[[re.Match[str]], str],
    stop_ids: set[str],
    media: dict[str, MediaFile],
) -> None:
    """Every file in `folder` whose name matches `name` for a known stop, served at url_of(match)
    unless the manifest already names that URL."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        match = name.match(entry.name)
        if match is None or match["stop"] not in stop_ids:
            continue
        url = url_of(match)
        if url not in media:
            with contextlib.suppress(OSError):
                size = entry.stat().st_size
                media[url] = MediaFile(Path(entry.path), url, match["hash"], size, media_type(entry.name))


def _photo(tour: Tour, built: PublishedImage, stop_id: str, verifier: FileVerifier) -> Photo | None:
    """The variants the manifest names, if every one of them is there."""

    def served(variant: ImageVariant) -> MediaFile | None:
        path = _inside(tour.audio_dir, variant.file.path)
        if path is None or path.stat().st_size != variant.file.bytes:
            return None
        verifier.vouch(path, variant.file.sha256)  # content-addressed, written before the manifest
        url = f"/img/{variant.file.sha256[:HASH_LENGTH]}/{stop_id}/{variant.public_name}"
        file = variant.file
        return MediaFile(
            path, url, file.sha256, file.bytes, media_type(file.path), variant.width, variant.height
        )

    webp = [served(v) for v in built.variants]
    src = served(built.fallback)
    if src is None or None in webp:
        return None
    files = [f for f in webp if f]  # all of them (None is not in webp): typed for the checker
    return Photo(src, tuple(files), files[built.variants.index(built.offline())])


def _upright_size(path: Path) -> tuple[int, int]:
    """A photo's size as shown (EXIF may say it was taken on its side), from its header only."""
    from PIL import Image  # only for tours with photos

    try:
        with Image.open(path) as image:
            width, height = image.size
            turned = image.getexif().get(0x0112) in (5, 6, 7, 8)  # Orientation: a quarter turn
    except Exception:  # unreadable since `check`: no size rather than no page
        return (0, 0)
    return (height, width) if turned else (width, height)


def build_snapshot(tour: Tour, fingerprint: tuple[tuple[str, int, int], ...]) -> Snapshot:
    manifest = Manifest.load(tour.audio_dir)
    for problem in manifest.problems:
        log.warning("%s", problem)
    try:
        manifest_mtime_ns = manifest.path.stat().st_mtime_ns
    except OSError:
        manifest_mtime_ns = 0
    media: dict[str, MediaFile] = {}
    verifier = FileVerifier(tour.audio_dir)
    narrated: dict[tuple[str, str], Narrated] = {}
    images: dict[str, Photo] = {}
    for stop in tour.stops:
        for lang in tour.languages:
            published = manifest.get(stop.id, lang)
            if published is None:
                continue
            audio = _media_file(tour.audio_dir, published.audio, "/media", manifest_mtime_ns, verifier)
            if audio is None:
                log.warning(
                    "audio of %s/%s is missing or outside audio/; run audioguide build",
                    lang,
                    stop.id,
                )
                continue
            captions = _media_file(tour.audio_dir, published.captions, "/media", manifest_mtime_ns, verifier)
            narrated[stop.id, lang] = Narrated(audio, captions, published)
            media[audio.url] = audio
            if captions:
                media[captions.url] = captions
        if stop.config.image:
            path = _inside(stop.path, stop.config.image)
            if path is not None:
                stat = path.stat()  # before hashing: a change while hashing shows when served
                digest = sha256_file(path)
                built = manifest.images.get(stop.id)
                current = built is not None and built.source_sha256 == digest
                photo = _photo(tour, built, stop.id, verifier) if built and current else None
                if photo is None:  # not built yet, or changed since: the photo as staff gave it
                    url = f"/img/{digest[:HASH_LENGTH]}/{stop.id}/{path.name}"
                    mimetype = stop.config.image_type or media_type(path.name)
                    size = _upright_size(path)  # width/height on the page: its room before it loads
                    photo = Photo(MediaFile(path, url, digest, stat.st_size, mimetype, *size))
                    verifier.vouch(path, digest)
                images[stop.id] = photo
                for file in (photo.src, *photo.webp):
                    media[file.url] = file
    by_name = {_without_hash(url): file for url, file in media.items()}  # the current files only
    _superseded(tour.audio_dir, tour, media)
    version = hashlib.sha256(repr(fingerprint).encode()).hexdigest()[:HASH_LENGTH]
    by_key: dict[str, Stop] = {}
    for stop in tour.stops:
        for alias in stop.aliases:
            by_key.setdefault(alias, stop)
    by_key.update({stop.id: stop for stop in tour.stops})  # an id always wins over an alias
    by_number = {stop.number: stop for stop in reversed(tour.stops) if stop.number}
    return Snapshot(tour, version, media, by_name, narrated, images, by_key, by_number, verifier)


class Site:
    """Holds the current snapshot of one tour folder; thread-safe, reloads on change."""

    def __init__(self, root: Path, *, check_interval: float = 1.0) -> None:
        self.root = root.resolve()
        self.check_interval = check_interval
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._fingerprint: tuple[tuple[str, int, int], ...] | None = None
        self._next_check = 0.0
        self.current()

    @property
    def latest(self) -> Snapshot | None:
        """The newest snapshot loaded, without looking at the files."""
        return self._snapshot

    def current(self) -> Snapshot | None:
        """The snapshot to serve; None only if the tour could never be loaded."""
        if time.monotonic() < self._next_check:
            return self._snapshot
        with self._lock:
            now = time.monotonic()
            if now < self._next_check:
                return self._snapshot
            # Set before reloading: other threads keep serving the old snapshot meanwhile.
            self._next_check = now + self.check_interval
            fingerprint = _fingerprint(self.root)
            if fingerprint != self._fingerprint:
                self._fingerprint = fingerprint
                self._reload(fingerprint)
        return self._snapshot

    def _reload(self, fingerprint: tuple[tuple[str, int, int], ...]) -> None:
        try:
            tour, diags = load_tour(self.root)
        except Exception:  # a half-written file must not take the server down
            log.exception("could not read the tour in %s; still serving the previous version", self.root)
            return
        for problem in diags.errors:
            log.warning("%s", problem)
        if tour is None:
            log.error("the tour in %s cannot be loaded; still serving the previous version", self.root)
            return
        self._snapshot = build_snapshot(tour, fingerprint)
        log.info("serving tour %s (version %s)", self.root, self._snapshot.version)
