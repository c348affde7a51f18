"""A poster's URL as people meet it: the short address to type, and whether phones can reach it."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


def short_address(url: str) -> str:
    """The URL without its scheme: what a visitor types (browsers add the scheme themselves)."""
    parts = urlsplit(url)
    return url[len(parts.scheme) + 3 :] if parts.scheme else url


def is_local(url: str) -> bool:
    """True for addresses only the building computer itself can reach (localhost, 127.x, ::1)."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified
