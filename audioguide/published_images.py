"""A stop's photo as the build published it: WebP variants at a few widths and one JPEG or PNG.

Recorded in audio/manifest.json beside the narrations, under "images" (format 1 still: a reader
from before ignores the key, and a manifest without it simply has no built photos):

 "images": {"<stop>": {"source": "photo.jpg", "source_sha256": "…", "input_hash": "…",
     "variants": [{"path": "images/gate.<hash>.480.webp", "bytes": 1234, "sha256": "…",
                   "width": 480, "height": 320}, …],
     "fallback": {"path": "images/gate.<hash>.960.jpg", …}}}

Files are content-addressed like the audio (audio/images/<stop>.<hash>.<width>.<ext>), so a
URL /img/<hash>/<stop>/<width>.<ext> always names the same bytes and is cached for a year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from audioguide.published import FileRecord, ManifestError, _require

IMAGE_FOLDER = "images"  # under audio/
IMAGE_NAME = re.compile(
    r"^(?P<stop>[a-z0-9][a-z0-9-]*)\.(?P<hash>[0-9a-f]{16})\.(?P<width>[1-9][0-9]{0,4})\.(?P<ext>webp|jpg|png)$"
)
# The offline tour keeps one variant per photo: the narrowest at least this wide (a phone's
# screen at twice its CSS pixels), else the widest there is. The service worker shows it in place
# of whichever variant the page asks for offline.
OFFLINE_WIDTH = 720


def image_name(stop_id: str, digest: str, width: int, ext: str) -> str:
    return f"{stop_id}.{digest[:16]}.{width}.{ext}"


@dataclass(frozen=True)
class ImageVariant:
    """One published file of a photo and its pixel size."""

    file: FileRecord
    width: int
    height: int

    @property
    def ext(self) -> str:
        return self.file.path.rpartition(".")[2]

    @property
    def public_name(self) -> str:
        """Its name in URLs, without the hash: "960.webp"."""
        return f"{self.width}.{self.ext}"

    @classmethod
    def from_json(cls, data: Any, where: str) -> ImageVariant:
        record = FileRecord.from_json(data, where)
        width, height = _require(data, "width", int, where), _require(data, "height", int, where)
        folder, _, name = record.path.rpartition("/")
        match = IMAGE_NAME.match(name)
        if folder != IMAGE_FOLDER or match is None or int(match["width"]) != width or height < 1:
            raise ManifestError(f"{where}: not a published image of the width it names")
        if not record.sha256.startswith(match["hash"]):
            raise ManifestError(f"{where}: its name does not carry its hash")
        return cls(record, width, height)

    def to_json(self) -> dict[str, Any]:
        return {**self.file.to_json(), "width": self.width, "height": self.height}


@dataclass(frozen=True)
class PublishedImage:
    """The photo of one stop: WebP variants (narrowest first) and a JPEG/PNG for old browsers."""

    source: str  # the file named by stop.yaml `image:`
    source_sha256: str  # of its bytes: a photo changed since the build is served as it is
    input_hash: str  # of the source and the recipe: equal means nothing to build
    variants: tuple[ImageVariant, ...]
    fallback: ImageVariant

    def files(self) -> tuple[ImageVariant, ...]:
        return (*self.variants, self.fallback)

    def offline(self) -> ImageVariant:
        wide = [v for v in self.variants if v.width >= OFFLINE_WIDTH]
        return wide[0] if wide else self.variants[-1]

    @classmethod
    def from_json(cls, data: Any, where: str) -> PublishedImage:
        if not isinstance(data, dict):
            raise ManifestError(f"{where} is not an object")
        variants = _require(data, "variants", list, where)
        if not variants:
            raise ManifestError(f"{where}.variants is empty")
        return cls(
            source=_require(data, "source", str, where),
            source_sha256=_require(data, "source_sha256", str, where),
            input_hash=_require(data, "input_hash", str, where),
            variants=tuple(
                sorted(
                    (ImageVariant.from_json(v, f"{where}.variants[{i}]") for i, v in enumerate(variants)),
                    key=lambda v: v.width,
                )
            ),
            fallback=ImageVariant.from_json(data.get("fallback"), f"{where}.fallback"),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "source_sha256": self.source_sha256,
            "input_hash": self.input_hash,
            "variants": [v.to_json() for v in self.variants],
            "fallback": self.fallback.to_json(),
        }


def read_images(data: dict[str, Any], problems: list[str], where: str) -> dict[str, PublishedImage]:
    """The "images" of a manifest's JSON; a malformed entry is a problem and counts as absent."""
    found = data.get("images", {})
    if not isinstance(found, dict):
        problems.append(f"{where}: images is not an object; run 'audioguide build' to rebuild them")
        return {}
    images = {}
    for stop_id, entry in found.items():
        try:
            images[stop_id] = PublishedImage.from_json(entry, f"images.{stop_id}")
        except ManifestError as exc:
            problems.append(f"{where}: {exc}; run 'audioguide build' to rebuild it")
    return images
