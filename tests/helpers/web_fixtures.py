"""Build outputs for web tests without a speech engine: real MP3s (a quiet tone made by ffmpeg),
captions with one cue per sentence, and audio/manifest.json in the build's format."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import socket
import struct
import subprocess
import sys
import time
import urllib.request
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path

import imageio_ffmpeg

from audioguide.audio.captions import Cue, render_vtt
from audioguide.published import (
    FileRecord,
    Manifest,
    PublishedNarration,
    sha256_file,
    transcript_of,
    versioned_name,
)
from audioguide.tour.load import load_tour

_REPO = Path(__file__).resolve().parents[2]


class MediaMaker:
    """Makes each distinct tone once per test session and copies it where a test needs it."""

    def __init__(self, cache: Path) -> None:
        self.cache = cache
        self.cache.mkdir(parents=True, exist_ok=True)

    def tone(self, seconds: float, frequency: int = 220, bitrate: str = "64k") -> Path:
        path = self.cache / f"tone-{seconds:g}-{frequency}-{bitrate}.mp3"
        if not path.exists():
            subprocess.run(
                [
                    imageio_ffmpeg.get_ffmpeg_exe(),
                    "-loglevel", "error", "-y",
                    "-f", "lavfi", "-i", f"sine=frequency={frequency}:duration={seconds}",
                    "-af", "volume=0.05", "-ac", "1", "-b:a", bitrate,
                    str(path),
                ],
                check=True,
            )  # fmt: skip
        return path

    def publish(
        self,
        root: Path,
        *,
        seconds: float = 8.0,
        frequency: int = 220,
        engine: str = "espeak",
        bitrate: str = "64k",
        only: set[tuple[str, str]] | None = None,
    ) -> Manifest:
        """Write audio/<lang>/<id>.mp3 + .vtt for every narration, and the manifest, through the
        build's own typed records (audioguide.published)."""
        tour, _ = load_tour(root)
        assert tour is not None
        manifest = Manifest.load(tour.audio_dir)
        source = self.tone(seconds, frequency, bitrate)
        for stop in tour.stops:
            for lang, narration in stop.narrations.items():
                if only is not None and (stop.id, lang) not in only:
                    continue
                folder = tour.audio_dir / lang
                folder.mkdir(parents=True, exist_ok=True)
                sentences = narration.script.sentences()
                step = seconds / max(len(sentences), 1)
                cues = [Cue(i * step, (i + 1) * step, s.text) for i, s in enumerate(sentences)]
                # Content-addressed names, as the build publishes them (build/publish.py).
                mp3 = folder / versioned_name(stop.id, sha256_file(source), ".mp3")
                shutil.copyfile(source, mp3)
                captions = render_vtt(cues, lang).encode()
                vtt = folder / versioned_name(stop.id, hashlib.sha256(captions).hexdigest(), ".vtt")
                vtt.write_bytes(captions)
                manifest.put(
                    stop.id,
                    lang,
                    PublishedNarration(
                        audio=FileRecord.of(tour.audio_dir, mp3),
                        captions=FileRecord.of(tour.audio_dir, vtt),
                        duration=seconds,
                        sentences=len(sentences),
                        engine=engine,
                        voice=lang,
                        engine_version=f"{engine} (test tone)",
                        preferred_engine=engine,
                        fallback=False,
                        input_hash="",  # never up to date: a real build replaces it
                        transcript=transcript_of(narration.script),
                    ),
                )
        manifest.save()
        return manifest


def published_file(root: Path, stop_id: str, lang: str, kind: str = "audio") -> Path:
    """The file the manifest names for a narration's audio or captions."""
    narration = Manifest.load(root / "audio").get(stop_id, lang)
    assert narration is not None, f"{stop_id} ({lang}) is not published"
    return root / "audio" / getattr(narration, kind).path


def tiny_png(path: Path, width: int = 4, height: int = 3) -> Path:
    """A valid grey PNG, without Pillow."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        checksum = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + checksum

    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    chunks = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunks)
    return path


def decorate_stop(root: Path, stop_id: str, lines: str) -> None:
    """Append stop.yaml lines (image, location, aliases) to a stop written by write_tour."""
    stop_yaml = root / "stops" / stop_id / "stop.yaml"
    stop_yaml.write_text(stop_yaml.read_text(encoding="utf-8") + lines, encoding="utf-8")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_server(
    project: Path, stats_db: Path, args: Sequence[str] = (), *, ready_seconds: float = 20
) -> Iterator[tuple[str, subprocess.Popen]]:
    """`audioguide serve` as a visitor's phone would meet it: waitress on a loopback port.
    `args`: more flags for `audioguide serve`."""
    port = _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(_REPO), os.environ.get("PYTHONPATH", "")]),
    }
    command = [sys.executable, "-m", "audioguide", "serve", "--project", str(project)]
    command += ["--port", str(port), "--stats-db", str(stats_db), *args]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + ready_seconds
        while True:
            try:
                urllib.request.urlopen(base + "/api/v1/tour", timeout=5).read()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()  # reading the output of a live server would wait forever
                    output = process.stdout.read().decode() if process.stdout else ""
                    raise RuntimeError(f"audioguide serve did not start:\n{output}") from None
                time.sleep(0.1)
        yield base, process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=10)


def photo(path: Path, width: int = 2000, height: int = 1333, *, alpha: bool = False) -> Path:
    """A real photo-like image (a colour gradient with detail) in the format of its suffix."""
    from PIL import Image

    mode = "RGBA" if alpha else "RGB"
    gradient = Image.linear_gradient("L").resize((width, height))
    noise = Image.effect_noise((width, height), 40)
    bands = [gradient, noise, gradient.transpose(Image.Transpose.FLIP_LEFT_RIGHT)]
    if alpha:
        bands.append(gradient)
    Image.merge(mode, bands).save(path)
    return path


def publish_images(root: Path) -> Manifest:
    """The build's photo stage alone (build/images.py): WebP variants and fallbacks of every
    stop's `image:`, recorded in the manifest, without a speech engine."""
    from audioguide.build.images import ImagePublisher
    from audioguide.build.report import BuildReport

    tour, _ = load_tour(root)
    assert tour is not None
    publisher = ImagePublisher(Manifest.load(tour.audio_dir))
    notices = list(publisher.run(list(tour.stops), BuildReport()))
    assert not notices, notices
    publisher.manifest.save()
    return publisher.manifest
