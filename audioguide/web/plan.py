"""The site plan: the stops that have a `location` in stop.yaml, drawn from their coordinates.

No map tiles (nothing from another server, works offline): an equirectangular projection of the
stops' bounding box, with the east-west distances shrunk by cos(latitude) so that a metre is as
long across as it is up and down, scaled to fit a drawing of fixed width, north at the top.
At a memorial's scale (a few hundred metres) its error is far below a phone's GPS error.
plan.js projects the visitor's position with the same numbers (Plan.projection).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from audioguide.i18n import translate
from audioguide.tour.schema import Location
from audioguide.web.views import StopView

EARTH_RADIUS_M = 6_371_008.8  # the mean radius; plan.js uses the same for distances
METRES_PER_DEGREE = EARTH_RADIUS_M * math.pi / 180
WIDTH = 320.0  # drawing units; at 320 px a marker's number stays about 15 px high
PADDING = 28.0  # room for a marker (radius 16 and its highlight) at the edges
SCALE_ROOM = 20.0  # below the markers: the scale bar
MIN_HEIGHT = 200.0
MAX_HEIGHT = 440.0  # a tall site is narrowed rather than made taller than a phone screen
LONE_SPAN_M = 200.0  # the least a drawing spans across: one stop alone, or stops close together


@dataclass(frozen=True)
class Marker:
    id: str
    number: int
    title: str
    content_lang: str
    lat: float
    lon: float
    x: float
    y: float


@dataclass(frozen=True)
class Plan:
    width: float
    height: float
    markers: tuple[Marker, ...]
    # (west, north, kx, ky, x0, y0): x = x0 + (lon - west) * kx, y = y0 + (north - lat) * ky
    projection: tuple[float, float, float, float, float, float]
    scale_m: int  # the scale bar's length in metres
    scale_px: float  # ... and in drawing units

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width:g} {self.height:g}"

    @property
    def scale_y(self) -> float:
        """Where the scale bar is drawn: under the markers."""
        return round(self.height - SCALE_ROOM / 2 - 2, 1)


def nice_length(metres: float) -> int:
    """The largest 1, 2 or 5 x 10^n metres not over `metres`: a scale bar's round length."""
    power = 10 ** math.floor(math.log10(max(metres, 1.0)))
    return int(max(step * power for step in (1, 2, 5) if step * power <= max(metres, 1.0)))


def format_distance(metres: float, lang: str) -> str:
    """ "120 m", "1,5 km" (a decimal comma in ru and kk): as plan.js writes the distances."""
    if metres < 1000:
        return translate(lang, "distance_m").format(n=round(metres))
    km = metres / 1000
    text = f"{km:.1f}".removesuffix(".0") if km < 10 else f"{round(km):,}"
    if lang != "en":  # ru and kk: 1,5 km and 1 200 km
        text = text.replace(",", "\u00a0").replace(".", ",")
    return translate(lang, "distance_km").format(n=text)


def site_plan(views: Iterable[StopView]) -> Plan | None:
    """The plan of the stops that have a location, in tour order; None when none has one."""
    located = [(view, view.location) for view in views if view.location is not None]
    if not located:
        return None
    places: list[Location] = [location for _, location in located]
    west, east = min(p.lon for p in places), max(p.lon for p in places)
    south, north = min(p.lat for p in places), max(p.lat for p in places)
    shrink = math.cos(math.radians((north + south) / 2))
    span_x = (east - west) * METRES_PER_DEGREE * shrink  # metres
    span_y = (north - south) * METRES_PER_DEGREE
    inner_w, inner_h = WIDTH - 2 * PADDING, MAX_HEIGHT - 2 * PADDING - SCALE_ROOM
    # Never closer than LONE_SPAN_M across: stops a few metres apart (or with rounded, copied
    # coordinates) would otherwise be pushed to the edges under a scale bar of 1 m.
    fits = [size / span for size, span in ((inner_w, span_x), (inner_h, span_y)) if span > 0]
    scale = min([*fits, inner_w / LONE_SPAN_M])  # drawing units per metre
    height = max(MIN_HEIGHT, span_y * scale + 2 * PADDING + SCALE_ROOM)
    x0 = (WIDTH - span_x * scale) / 2  # centred both ways
    y0 = (height - SCALE_ROOM - span_y * scale) / 2
    kx, ky = METRES_PER_DEGREE * shrink * scale, METRES_PER_DEGREE * scale
    markers = tuple(
        Marker(
            view.stop.id,
            view.stop.number,
            view.link.title,
            view.link.content_lang,
            location.lat,
            location.lon,
            round(x0 + (location.lon - west) * kx, 1),
            round(y0 + (north - location.lat) * ky, 1),
        )
        for view, location in located
    )
    scale_m = nice_length(inner_w / scale / 4)
    return Plan(WIDTH, round(height, 1), markers, (west, north, kx, ky, x0, y0), scale_m, scale_m * scale)
