"""A stop's photo (`image:` in stop.yaml): only a real image inside the stop's folder is published.

A hostile test found `check` accepting a text file (then served as image/jpeg), `en.md` (which
published the staff notes) and a symlink leading out of the stop folder. So an image is opened
with Pillow, must be one of the formats every phone browser shows, and must stay inside the
stop folder after symlinks are resolved. `check` reports the problem at its line; the web app
publishes only images that passed (StopConfig.image is None otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# Pillow's format name -> the Content-Type it is served with.
IMAGE_TYPES = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "GIF": "image/gif",
    "AVIF": "image/avif",
}
_FORMATS = "JPEG, PNG, WebP, GIF or AVIF"


@dataclass(frozen=True)
class CheckedImage:
    path: Path  # resolved
    mimetype: str


def is_narration_file(name: str) -> bool:
    """Files whose text is the staff's, never to be served as they are."""
    return name.endswith(".md") or name == "stop.yaml"


def check_image(folder: Path, name: str) -> CheckedImage | str:
    """The image `name` of the stop in `folder`, or what is wrong with it and what to do."""
    if is_narration_file(Path(name).name):
        return (
            f"image '{name}' is a narration file; serving it would publish the staff's text"
            f" (notes included): name a photo ({_FORMATS}) next to stop.yaml"
        )
    base = folder.resolve()
    try:
        path = (base / name).resolve()
    except (OSError, RuntimeError):  # a symlink loop
        return f"image '{name}' cannot be resolved (a symlink loop?): put the photo itself next to stop.yaml"
    if not path.is_relative_to(base):
        return (
            f"image '{name}' leads outside the stop's folder (to {path}): copy the photo itself"
            " next to stop.yaml; nothing outside a stop's folder is published"
        )
    if is_narration_file(path.name):  # a link named photo.jpg that leads to en.md
        return f"image '{name}' leads to the narration file {path.name}: name a photo ({_FORMATS}) instead"
    if not path.is_file():
        return f"image '{name}' not found next to stop.yaml"
    found = image_format(path)
    if found not in IMAGE_TYPES:
        what = f"it is {found}" if found else "Pillow cannot read it as an image"
        return f"image '{name}' is not a {_FORMATS} image ({what}): export the photo in one of these formats"
    return CheckedImage(path, IMAGE_TYPES[found])


def image_format(path: Path) -> str | None:
    """Pillow's name for the format of `path` ('JPEG', 'PNG', ...), or None if it is no image."""
    from PIL import Image  # imported only for tours with images: ~40 ms

    if path.suffix.lower() == ".svg":
        return "SVG"  # Pillow cannot open SVG, and an SVG can carry script
    try:
        with Image.open(path) as image:
            found = image.format
            # Reads the whole file for PNG (chunk checksums); a header check for the others.
            image.verify()
    except Exception:  # Pillow raises many kinds (UnidentifiedImageError, SyntaxError, ...)
        return None
    return found
