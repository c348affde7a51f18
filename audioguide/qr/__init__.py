"""QR posters: a code per stop that visitors scan from 1–2 m, on a calm printable page.

`build_posters` is what `audioguide build` and `audioguide qr` call; `check.check_printed_ids`
is what `audioguide check` calls.
"""

from __future__ import annotations

from audioguide.qr.build import PosterReport, PosterResult, build_posters

__all__ = ["PosterReport", "PosterResult", "build_posters"]
