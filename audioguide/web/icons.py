"""PNG icons drawn from the shapes of static/icon.svg: home screens and lock screens want PNG.

iOS ignores SVG in the web app manifest, in apple-touch-icon and as Media Session artwork, and
Android's installer wants a 192 and a 512 PNG plus a "maskable" one whose content keeps to the
centre circle it may crop to. Pillow's ImageDraw draws the same primitives as the SVG (a rounded
square, the headphones' band and cups, the sound arc) at four times the size, then scales down
for smooth edges: no SVG renderer (a native library) is needed. Keep the two in step when the
icon changes (tests/web/test_web_icons.py compares their colours).
"""

from __future__ import annotations

import io
from functools import cache

BACKGROUND = (0x2D, 0x4A, 0x5A)
FOREGROUND = (0xF6, 0xF5, 0xF2)
SUPERSAMPLE = 4
# name -> (size in pixels, maskable: full-bleed background and the drawing inside the safe zone)
ICONS = {
    "icon-192.png": (192, False),
    "icon-512.png": (512, False),
    "icon-maskable-512.png": (512, True),
    "apple-touch-icon.png": (180, True),  # iOS rounds the corners itself and shows no transparency
}
# Read by a launcher when the app is installed (online), never by a page: not in the offline tour.
# icon-512.png is: it is the lock screen's artwork of a stop without a photo.
INSTALL_ONLY = frozenset({"icon-192.png", "icon-maskable-512.png", "apple-touch-icon.png"})
MASKABLE_SCALE = 0.8  # the W3C safe zone: a circle of 80 % of the icon's size


def _blend(alpha: float) -> tuple[int, int, int]:
    """The foreground at `alpha` over the background (the SVG's opacity=".7" sound arc)."""
    return tuple(round(f * alpha + b * (1 - alpha)) for f, b in zip(FOREGROUND, BACKGROUND, strict=True))  # type: ignore[return-value]


def _draw(size: int, maskable: bool) -> bytes:
    from PIL import Image, ImageDraw

    big = size * SUPERSAMPLE
    unit = big / 512  # the SVG's viewBox is 512 x 512
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if maskable:
        draw.rectangle((0, 0, big, big), fill=BACKGROUND)
    else:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=96 * unit, fill=BACKGROUND)
    scale = unit * (MASKABLE_SCALE if maskable else 1)
    offset = big / 2 - 256 * scale

    def at(x: float, y: float) -> tuple[float, float]:
        return (offset + x * scale, offset + y * scale)

    def dot(x: float, y: float, radius: float, fill: tuple[int, int, int]) -> None:
        (cx, cy), r = at(x, y), radius * scale
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill)

    # The band: "M160 304a96 96 0 0 1 192 0", stroke 28 with round caps. PIL strokes inward
    # from the box, so the box reaches half the stroke beyond the path's radius.
    (x0, y0), (x1, y1) = at(256 - 110, 304 - 110), at(256 + 110, 304 + 110)
    draw.arc((x0, y0, x1, y1), 180, 360, fill=FOREGROUND, width=round(28 * scale))
    dot(160, 304, 14, FOREGROUND)
    dot(352, 304, 14, FOREGROUND)
    for left in (136, 320):  # the cups
        draw.rounded_rectangle((*at(left, 292), *at(left + 56, 396)), radius=20 * scale, fill=FOREGROUND)
    # The sound arc: the cubic "M256 96c-14 26-14 58 0 84", stroke 14, round caps, 70 % opaque.
    p0, p1, p2, p3 = (256, 96), (242, 122), (242, 154), (256, 180)
    arc = _blend(0.7)
    steps = 48  # round dots along the curve: a smooth stroke with round caps, as the SVG's
    for step in range(steps + 1):
        t = step / steps
        weights = ((1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t**2, t**3)
        x = sum(w * p[0] for w, p in zip(weights, (p0, p1, p2, p3), strict=True))
        y = sum(w * p[1] for w, p in zip(weights, (p0, p1, p2, p3), strict=True))
        dot(x, y, 7, arc)
    small = image.reduce(SUPERSAMPLE)  # the mean of each 4 x 4 block: antialiased edges
    if maskable:
        small = small.convert("RGB")  # opaque, as iOS and the maskable purpose want
    out = io.BytesIO()
    small.save(out, "PNG", optimize=True)
    return out.getvalue()


@cache
def png_icons() -> dict[str, bytes]:
    """Every PNG icon, drawn once per process (about 0.2 s)."""
    return {name: _draw(size, maskable) for name, (size, maskable) in ICONS.items()}
