"""WSGI entry point for servers other than `audioguide serve` (gunicorn, uWSGI, mod_wsgi):

    AUDIOGUIDE_PROJECT=/srv/tour gunicorn -w 2 -k gthread --threads 8 audioguide.web.wsgi:app

AUDIOGUIDE_STATS_DB optionally moves the scan statistics database (default: in the project), a
file or a postgresql:// URL; AUDIOGUIDE_STATS_ORIGIN lets that site's pages POST scans.
"""

from __future__ import annotations

import os
from pathlib import Path

from audioguide.tour.schema import web_origin
from audioguide.web import create_app

app = create_app(
    Path(os.environ.get("AUDIOGUIDE_PROJECT", ".")),
    stats_db=os.environ.get("AUDIOGUIDE_STATS_DB") or None,
    stats_origin=web_origin(os.environ.get("AUDIOGUIDE_STATS_ORIGIN")),
)
