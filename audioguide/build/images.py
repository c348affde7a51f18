"""Photos: each stop's `image:` becomes WebP variants at a few widths and one JPEG or PNG.

A phone on a weak signal should download a photo the size of its screen, not the camera's
original. Pillow makes the variants in the build's own process (a few tenths of a second a
photo). As with the audio, a file is written atomically under a content-addressed name
(audio/images/<stop>.<hash>.<width>.<ext>) and never replaced in place, the manifest names it
only once it is whole, and a photo whose source and recipe are unchanged is not touched: a
second build builds nothing. A photo Pillow cannot decode is a warning with `path:line`, and the
variants published before stay.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

from audioguide.atomic import atomic_open
from audioguide.build.report import BuildReport, Notice
from audioguide.published import FileRecord, FileVerifier, Manifest, sha256_file
from audioguide.published_images import IMAGE_FOLDER, IMAGE_NAME, ImageVariant, PublishedImage, image_name
from audioguide.tour.images import IMAGE_TYPES
from audioguide.tour.model import Stop, Tour
from audioguide.tour.schema import OldAudioSettings

WIDTHS = (480, 960, 1440)  # CSS pixels of a phone at 1x, 2x and 3x; never upscaled
FALLBACK_WIDTH = 960  # the JPEG/PNG for browsers without WebP (and the lock-screen artwork)
WEBP_QUALITY = 78
JPEG_QUALITY = 82
MAX_PIXELS = 50_000_000  # as the studio's upload: beyond this a file is a decompression bomb
# Changing any of these (or Pillow, whose encoders they name) makes new files for every photo.
RECIPE = f"{WIDTHS} {FALLBACK_WIDTH} webp:{WEBP_QUALITY} jpeg:{JPEG_QUALITY} progressive icc draft v2"


class ImageFailed(ValueError):
    """Pillow could not make the variants of a photo (said to staff)."""


def widths_for(source_width: int) -> list[int]:
    """The variant widths of a photo `source_width` pixels wide: never wider than the photo."""
    return sorted({min(width, source_width) for width in WIDTHS})


def slot_of(width: int) -> int:
    """The nominal width a variant stands for (an 800 px photo's 800.webp is its 960 slot)."""
    return next((w for w in WIDTHS if width <= w), WIDTHS[-1])


def input_hash(source_sha256: str) -> str:
    import PIL

    return hashlib.sha256(f"{source_sha256} {RECIPE} pillow {PIL.__version__}".encode()).hexdigest()


def image_line(stop: Stop) -> int:
    """The line of `image:` in stop.yaml, for a `path:line` message."""
    with contextlib.suppress(OSError):
        for number, line in enumerate((stop.path / "stop.yaml").read_text("utf-8").splitlines(), 1):
            if line.startswith("image:"):
                return number
    return 1


class ImagePublisher:
    def __init__(self, manifest: Manifest, *, force: bool = False, old: OldAudioSettings | None = None):
        self.manifest = manifest
        self.audio_dir = manifest.audio_dir
        self.folder = self.audio_dir / IMAGE_FOLDER
        self.force = force
        self.old = old or OldAudioSettings()
        self.verifier = FileVerifier(self.audio_dir)

    def run(self, stops: list[Stop], report: BuildReport) -> Iterator[Notice]:
        for stop in stops:
            if not stop.config.image:
                continue
            source = stop.path / stop.config.image
            try:
                source_sha256 = sha256_file(source)
            except OSError as exc:
                yield self._warn(stop, f"cannot be read ({exc.strerror or exc})")
                continue
            wanted = input_hash(source_sha256)
            published = self.manifest.images.get(stop.id)
            if not self.force and published and published.input_hash == wanted and self._intact(published):
                continue
            try:
                image = self.derive(stop, source, source_sha256, wanted)
            except ImageFailed as exc:
                yield self._warn(stop, str(exc))
                continue
            self.manifest.images[stop.id] = image
            self.manifest.save()  # as after each narration: a kill later loses nothing published
            report.images_built.append(stop.id)
            self.forget_old_versions(stop.id)

    def _intact(self, image: PublishedImage) -> bool:
        return all(self.verifier.holds(variant.file) for variant in image.files())

    def _warn(self, stop: Stop, what: str) -> Notice:
        where = f"{stop.path / 'stop.yaml'}:{image_line(stop)}"
        kept = " (the photo published before stays)" if stop.id in self.manifest.images else ""
        return Notice("warning", f"{where}: image '{stop.config.image}' {what}{kept}")

    def derive(self, stop: Stop, source: Path, source_sha256: str, digest: str) -> PublishedImage:
        from PIL import Image, ImageOps  # only for tours with photos

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                # Only the formats `check` accepts: no other decoder (Ghostscript for EPS...).
                with Image.open(source, formats=tuple(IMAGE_TYPES)) as original:
                    if original.width * original.height > MAX_PIXELS:
                        raise ImageFailed("has over 50 million pixels: export it 2000 pixels wide")
                    # A JPEG decodes straight at 1/2, 1/4 or 1/8 of its size when that is still
                    # wider than the widest variant: a 12-megapixel photo in a fraction of the time.
                    original.draft("RGB", (WIDTHS[-1], WIDTHS[-1]))
                    original.load()  # a truncated file fails here, not halfway through the variants
                    icc = original.info.get("icc_profile")
                    image = ImageOps.exif_transpose(original)  # a phone's portrait shot, upright
        except ImageFailed:
            raise
        except Exception as exc:  # Pillow raises many kinds (OSError, SyntaxError, bomb errors...)
            raise ImageFailed(f"cannot be decoded ({exc}): export it again as JPEG or PNG") from exc
        alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
        # A CMYK or grey profile would mislabel the RGB copies: keep only an RGB one.
        icc = icc if image.mode in ("RGB", "RGBA", "P") else None
        image = image.convert("RGBA" if alpha else "RGB")
        extra = {"icc_profile": icc} if icc else {}  # no EXIF: a phone photo's holds the place
        variants = [
            self._write(stop.id, self._resized(image, width), "webp", quality=WEBP_QUALITY, method=4, **extra)
            for width in widths_for(image.width)
        ]
        small = self._resized(image, min(FALLBACK_WIDTH, image.width))
        if alpha:
            fallback = self._write(stop.id, small, "png", optimize=True)
        else:
            fallback = self._write(
                stop.id, small, "jpg", quality=JPEG_QUALITY, optimize=True, progressive=True, **extra
            )
        name = stop.config.image or source.name
        return PublishedImage(name, source_sha256, digest, tuple(variants), fallback)

    @staticmethod
    def _resized(image, width: int):  # type: ignore[no-untyped-def]
        from PIL import Image

        if width == image.width:
            return image
        height = max(1, round(image.height * width / image.width))
        return image.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)

    def _write(self, stop_id: str, image, ext: str, **options) -> ImageVariant:  # type: ignore[no-untyped-def]
        buffer = io.BytesIO()
        image.save(buffer, "JPEG" if ext == "jpg" else ext.upper(), **options)
        data = buffer.getvalue()
        sha256 = hashlib.sha256(data).hexdigest()
        path = self.folder / image_name(stop_id, sha256, image.width, ext)
        record = FileRecord(path.relative_to(self.audio_dir).as_posix(), len(data), sha256)
        if not self.verifier.holds(record):  # the same bytes were published before: keep them
            with atomic_open(path) as handle:  # a damaged file under this name is replaced
                handle.write(data)
            self.verifier.trust(record)
        return ImageVariant(record, image.width, image.height)

    def forget_old_versions(self, stop_id: str) -> None:
        """Superseded files of this photo stay as audio does (tour.yaml `old_audio`): per kind
        (each WebP width slot, and the fallback), the newest `keep_versions` or those younger
        than `keep_days`; a page loaded before the rebuild still shows its photo."""
        current = self.manifest.images.get(stop_id)
        named = {self.audio_dir / v.file.path for v in current.files()} if current else set()
        by_kind: dict[tuple[str, int], list[tuple[float, Path]]] = {}
        with contextlib.suppress(OSError):
            for entry in os.scandir(self.folder):
                match = IMAGE_NAME.match(entry.name)
                if match and match["stop"] == stop_id:
                    webp = match["ext"] == "webp"
                    kind = ("webp", slot_of(int(match["width"]))) if webp else ("fallback", 0)
                    by_kind.setdefault(kind, []).append((entry.stat().st_mtime, Path(entry.path)))
        cutoff = time.time() - self.old.keep_days * 86400
        for versions in by_kind.values():
            versions.sort(reverse=True)
            for index, (mtime, path) in enumerate(versions):
                if path not in named and index >= self.old.keep_versions and mtime < cutoff:
                    with contextlib.suppress(OSError):
                        path.unlink()

    def prune(self, tour: Tour) -> None:
        """Photos of stops that are gone or have no `image:` any more (a whole build only)."""
        keep = {stop.id for stop in tour.stops if stop.config.image}
        gone = [stop_id for stop_id in self.manifest.images if stop_id not in keep]
        for stop_id in gone:
            del self.manifest.images[stop_id]
        if gone:
            self.manifest.save()  # before deleting: no entry ever names a deleted file
        with contextlib.suppress(OSError):
            for entry in os.scandir(self.folder):
                match = IMAGE_NAME.match(entry.name)
                if match and match["stop"] not in keep:
                    with contextlib.suppress(OSError):
                        os.unlink(entry.path)
