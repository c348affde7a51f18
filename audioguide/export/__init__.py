"""audioguide export: the visitor site as static files, for nginx, a CDN or a static host.

Frozen-Flask asks the same app `audioguide serve` runs for every URL a visitor or an app can
reach and writes the answers as files (site.py), so the exported pages are the live pages byte
for byte. What a static file cannot do (a redirect that depends on a cookie or a header, a query
string, counting a scan) is replaced by a static equivalent (app.py), and the host's caching and
security headers are written beside the files from the tables the live server uses (hosts.py).
docs/scaling.md lists every difference between the live site and the export.
"""

from __future__ import annotations

from audioguide.export.site import ExportDone, ExportedFile, ExportError, ExportOptions, export_site

__all__ = ["ExportDone", "ExportError", "ExportOptions", "ExportedFile", "export_site"]
