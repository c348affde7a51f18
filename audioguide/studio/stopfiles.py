"""Changing stops on disk for the stops page: add, number, location, image, retire.

stop.yaml is edited as text, one top-level key at a time (the key's line and the indented lines
under it); comments and the other keys stay as staff wrote them. Every write is atomic, and the
result is read back as YAML before it replaces the file.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import yaml

from audioguide.atomic import atomic_open
from audioguide.qr.check import RESERVED_ID
from audioguide.qr.state import load_state
from audioguide.studio.texts import yaml_scalar
from audioguide.tour.model import Stop, Tour
from audioguide.tour.schema import STOP_ID

RETIRED_FOLDER = "retired"  # beside stops/: kept for the record, never loaded as a stop


class StopRefused(ValueError):
    """Why a change to the stops cannot be made (shown to the administrator)."""


def set_key(text: str, key: str, rendered: str | None) -> str:
    """`text` with the top-level `key` block replaced by `rendered` (whole lines), appended
    when absent, removed when `rendered` is None."""
    lines = text.splitlines(keepends=True)
    start = next(
        (
            i
            for i, line in enumerate(lines)
            if line.split(":", 1)[0].strip() == key and line[:1] not in " \t#-"
        ),
        None,
    )
    if start is None:
        if rendered is None:
            return text
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        return "".join(lines) + rendered
    end = start + 1
    while end < len(lines) and lines[end][:1] in (" ", "\t", "-") and lines[end].strip():
        end += 1
    return "".join(lines[:start]) + (rendered or "") + "".join(lines[end:])


def _write_stop_yaml(path: Path, text: str) -> None:
    if not isinstance(yaml.safe_load(text) or {}, dict):  # never write what the loader refuses
        raise StopRefused(f"{path.name} would not be a mapping; edit it by hand")
    with atomic_open(path, "wb") as handle:
        handle.write(text.encode("utf-8"))


def _edit(stop: Stop, **keys: str | None) -> None:
    path = stop.path / "stop.yaml"
    text = path.read_text(encoding="utf-8-sig")
    for key, rendered in keys.items():
        text = set_key(text, key, rendered)
    _write_stop_yaml(path, text)


def check_number(tour: Tour, number: int, stop_id: str | None = None) -> None:
    if number < 1:
        raise StopRefused("the number must be a positive whole number")
    other = next((s for s in tour.stops if s.number == number and s.id != stop_id), None)
    if other is not None:
        raise StopRefused(f"number {number} is already used by stop '{other.id}'")


def check_new_id(tour: Tour, stop_id: str) -> None:
    """A new stop's id: the id rules, not a reserved name, not taken, and not an id that a
    printed poster encodes (its posters would open the new stop)."""
    if not STOP_ID.match(stop_id):
        raise StopRefused("the id must be lower-case letters, digits and dashes, e.g. 'east-barrack'")
    if stop_id == RESERVED_ID:
        raise StopRefused(f"'{RESERVED_ID}' is reserved (qr/{RESERVED_ID}.pdf holds all the posters)")
    existing = tour.stop(stop_id)
    if existing is not None:
        how = "the id" if existing.id == stop_id else "an old id (alias)"
        raise StopRefused(f"'{stop_id}' is already {how} of stop '{existing.id}'")
    if (tour.root / "stops" / stop_id).exists():
        raise StopRefused(f"stops/{stop_id} exists already (a folder the tour cannot read)")
    state, _ = load_state(tour.qr_dir)
    printed = state.printed.get(stop_id)
    if printed is not None:
        raise StopRefused(
            f"'{stop_id}' was printed on a poster (number {printed.number}); those posters would open"
            " the new stop. Choose another id"
        )


def add_stop(tour: Tour, stop_id: str, number: int) -> Path:
    check_new_id(tour, stop_id)
    check_number(tour, number)
    folder = tour.root / "stops" / stop_id
    folder.mkdir(parents=True)
    _write_stop_yaml(folder / "stop.yaml", f"number: {number}\n")
    return folder


def set_number_and_location(
    tour: Tour, stop: Stop, number: int, lat: float | None, lon: float | None
) -> None:
    check_number(tour, number, stop.id)
    location = None
    if lat is not None and lon is not None:
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise StopRefused("the location needs a latitude from -90 to 90 and a longitude from -180 to 180")
        location = f"location:\n  lat: {lat}\n  lon: {lon}\n"
    _edit(stop, number=f"number: {number}\n", location=location)


def set_image(stop: Stop, data: bytes | None, suffix: str | None, alts: dict[str, str]) -> None:
    """A new image (when `data`) and its alt text per language."""
    keys: dict[str, str | None] = {}
    if data is not None and suffix is not None:
        name = f"image.{suffix}"
        with atomic_open(stop.path / name, "wb") as handle:
            handle.write(data)
        old = stop.config.image
        if old and old != name and old.startswith("image.") and "/" not in old:
            with contextlib.suppress(OSError):
                (stop.path / old).unlink()  # the studio's own previous upload
        keys["image"] = f"image: {name}\n"
    described = {lang: " ".join(text.split()) for lang, text in alts.items() if text.strip()}
    keys["image_alt"] = (
        "image_alt:\n" + "".join(f"  {lang}: {yaml_scalar(text)}\n" for lang, text in described.items())
        if described
        else None
    )
    _edit(stop, **keys)


def retire(tour: Tour, stop: Stop, into: Stop) -> Path:
    """Retire `stop`: its folder goes to retired/, its id (and its aliases) become aliases of
    `into`, so every printed poster of it opens `into`. Returns where the folder went."""
    if into.id == stop.id:
        raise StopRefused("choose another stop to send its visitors to")
    aliases = list(dict.fromkeys([*into.aliases, stop.id, *stop.aliases]))
    path = into.path / "stop.yaml"
    text = set_key(path.read_text(encoding="utf-8-sig"), "aliases", f"aliases: [{', '.join(aliases)}]\n")
    target = tour.root / RETIRED_FOLDER / stop.id
    suffix = 1
    while target.exists():
        suffix += 1
        target = tour.root / RETIRED_FOLDER / f"{stop.id}-{suffix}"
    target.parent.mkdir(parents=True, exist_ok=True)
    # One rename moves the folder; then the alias. Should the alias fail, the folder comes back.
    os.replace(stop.path, target)
    try:
        _write_stop_yaml(path, text)
    except BaseException:
        os.replace(target, stop.path)
        raise
    return target
