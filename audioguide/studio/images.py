"""A stop's image as uploaded by staff, made fit for phones and for the public.

Checked with Pillow (a real JPEG, PNG or WebP, not merely a name), turned upright by its EXIF
orientation and then saved without any metadata (a phone photo's EXIF holds the place and the
camera), and shrunk to at most MAX_SIDE pixels on its long side.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
MAX_SIDE = 1600
MAX_PIXELS = 50_000_000  # beyond this a file is a decompression bomb, not a photo
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


class ImageRejected(ValueError):
    """Why an upload cannot be a stop's image (shown to the staff member)."""


def prepare_image(data: bytes) -> tuple[bytes, str]:
    """The image to publish and its file suffix (jpg, png or webp)."""
    if len(data) > MAX_BYTES:
        raise ImageRejected(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                kind = probe.format or ""
                size = probe.size
                probe.verify()
            if kind not in FORMATS:
                raise ImageRejected("upload a JPEG, PNG or WebP image")
            if size[0] * size[1] > MAX_PIXELS:
                raise ImageRejected("the image has too many pixels; upload a smaller one")
            with Image.open(io.BytesIO(data)) as original:
                image = ImageOps.exif_transpose(original)
                image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
                return _encode(image, kind)
    except ImageRejected:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as exc:  # fmt: skip
        raise ImageRejected("the file is not a readable JPEG, PNG or WebP image") from exc


def _encode(image: Image.Image, kind: str) -> tuple[bytes, str]:
    out = io.BytesIO()
    # No exif=, icc_profile= or pnginfo=: Pillow writes none of the original's metadata.
    transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    if kind == "PNG" and transparent:
        image.save(out, "PNG", optimize=True)
        return out.getvalue(), "png"
    if kind == "WEBP":
        image.save(out, "WEBP", quality=82, method=4)
        return out.getvalue(), "webp"
    image.convert("RGB").save(out, "JPEG", quality=85, optimize=True, progressive=True)
    return out.getvalue(), "jpg"
