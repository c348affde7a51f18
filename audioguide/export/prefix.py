"""A site under a path prefix (https://example.org/guide/): root-relative URLs get the prefix.

The live pages write site paths from the root ("/en/welcome", "/media/<hash>/en/welcome.mp3").
For an export served under /guide, each such path in an attribute (href, src, action, data-*)
and in the URL fields of the JSON documents (offline lists, web manifests) becomes
"/guide/en/...". The scripts need no change: app.js and sw.js find the prefix from their own
address. The API documents already hold absolute URLs with the prefix (api.py builds them from
the request's root, which Frozen-Flask sets from --base-url).
"""

from __future__ import annotations

import re

# An attribute whose value is a root-relative path: ` href="/x`, not `"//host` (another site).
_ATTRIBUTE = re.compile(rb'(\s[a-zA-Z][a-zA-Z0-9:-]*=")/(?!/)')
# The JSON fields that hold a site path: files of the offline list, the web manifest's start and
# scope and its icons.
_JSON_FIELD = re.compile(rb'("(?:url|start_url|scope|src)":\s*")/(?!/)')


def with_prefix(data: bytes, mimetype: str, prefix: str) -> bytes:
    if not prefix:
        return data
    replacement = rb"\1" + prefix.encode() + b"/"
    if mimetype == "text/html":
        return _ATTRIBUTE.sub(replacement, data)
    if mimetype in ("application/json", "application/manifest+json"):
        return _JSON_FIELD.sub(replacement, data)
    return data
