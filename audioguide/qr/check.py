"""`audioguide check`: every code on a built poster must still lead to a stop.

A poster is screwed to a monument for years. Renaming a stop's folder changes its id, and the
printed code (which encodes the id) would then lead nowhere, unless the old id stays in the
renamed stop's `aliases:`. This is caught here, before anything is printed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from audioguide.qr.state import PosterState, PrintedCode, load_state, state_path
from audioguide.tour.diagnostics import Diagnostics
from audioguide.tour.model import scan_base

if TYPE_CHECKING:
    from audioguide.tour.model import Tour

# qr/posters.pdf holds every poster: a stop with this id would overwrite it with its own.
RESERVED_ID = "posters"


def unresolved_message(tour: Tour, code: PrintedCode) -> str:
    # The stop that now carries the poster's number is most likely the renamed one.
    successor = next((stop for stop in tour.stops if stop.number == code.number), None)
    where = f"stops/{successor.id}/stop.yaml" if successor else "stops/<new-id>/stop.yaml"
    return (
        f"the poster printed for stop '{code.id}' (number {code.number}) no longer resolves:"
        f" add '{code.id}' to the aliases: list in {where}, or reprint"
        " (audioguide qr --force) and replace the poster"
    )


def unresolved_codes(tour: Tour, state: PosterState) -> list[PrintedCode]:
    """Printed codes whose id is neither a stop's id nor one of its aliases."""
    return [code for _, code in sorted(state.printed.items()) if tour.stop(code.id) is None]


def old_base_urls(tour: Tour, state: PosterState) -> list[str]:
    """Base URLs that built posters encode other than the tour's current base_url."""
    bases = {scan_base(code.url) for code in state.printed.values()}
    return sorted(bases - {tour.base_url})


def reserved_id_message(tour: Tour) -> str | None:
    """A stop whose poster file would overwrite qr/posters.pdf (id 'posters')."""
    if any(stop.id == RESERVED_ID for stop in tour.stops):
        return (
            f"stops/{RESERVED_ID}: the id '{RESERVED_ID}' is taken by qr/{RESERVED_ID}.pdf (all the"
            " posters); rename the folder before any poster is printed"
        )
    return None


def check_printed_ids(tour: Tour, diags: Diagnostics) -> None:
    reserved = reserved_id_message(tour)
    if reserved:
        diags.error(tour.root / "stops" / RESERVED_ID, 0, reserved.split(": ", 1)[1])
    state, problem = load_state(tour.qr_dir)
    if problem:
        diags.warning(state_path(tour.qr_dir), 0, problem)
    for code in unresolved_codes(tour, state):
        # posters.json is not edited by people: point at the stop folder that went away.
        diags.error(tour.root / "stops" / code.id, 0, unresolved_message(tour, code))
    elsewhere = old_base_urls(tour, state)
    if elsewhere:
        diags.warning(
            tour.root / "tour.yaml",
            0,
            f"posters were built for {', '.join(elsewhere)} but base_url is {tour.base_url}:"
            " printed posters lead to the old address; keep it working (redirect) or rebuild"
            " the posters (audioguide qr) and reprint them",
        )
