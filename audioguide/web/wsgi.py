"""WSGI entry point for servers other than `audioguide serve` (gunicorn, uWSGI, mod_wsgi):

    AUDIOGUIDE_PROJECT=/srv/tour gunicorn -w 2 -k gthread --threads 8 audioguide.web.wsgi:app

AUDIOGUIDE_STATS_DB optionally moves the scan statistics database (default: in the project).
"""

from __future__ import annotations

import os
from pathlib import Path

from audioguide.web import create_app

_stats = os.environ.get("AUDIOGUIDE_STATS_DB")
app = create_app(
    Path(os.environ.get("AUDIOGUIDE_PROJECT", ".")),
    stats_db=Path(_stats) if _stats else None,
)
