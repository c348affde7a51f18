"""Security headers on every kind of response; no inline script in any page but the hashed one."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

from audioguide.web.assets import TEXT_SIZE_SCRIPT

URLS = [
    "/en/",
    "/en/gate",
    "/s/gate",
    "/s/nowhere",
    "/api/v1/tour",
    "/api/v1/stops/nowhere",
    "/sw.js",
    "/offline/en.json",
    "/go?n=99",
]


@pytest.mark.parametrize("url", URLS)
def test_security_headers(client, url) -> None:
    response = client.get(url)
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    # Only the site plan's "Where am I?" needs a sensor: the position, for this site alone.
    assert response.headers["Permissions-Policy"] == "camera=(), microphone=(), geolocation=(self)"


def test_media_has_security_headers_too(client) -> None:
    html = client.get("/en/gate").get_data(as_text=True)
    url = re.search(r'src="(/media/[^"]+\.mp3)"', html).group(1)
    for headers in ({}, {"Range": "bytes=0-1"}, {"Range": "bytes=99999999-"}):
        response = client.get(url, headers=headers)
        assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("url", ["/en/", "/en/gate", "/ru/wall", "/s/nowhere", "/en/plan"])
def test_no_inline_script_style_or_foreign_origin(client, url) -> None:
    response = client.get(url, follow_redirects=True)
    html = response.get_data(as_text=True)
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert re.search(r"<script src=\"/a/[0-9a-f]+/app.js\" defer>", html).group(0) in scripts
    inline = re.findall(r"<script>(.*?)</script>", html)
    if "/gate" in url or "/wall" in url:
        # The one inline script, the text size before the first paint, allowed by its hash only.
        assert inline == [TEXT_SIZE_SCRIPT]
        policy = response.headers["Content-Security-Policy"]
        digest = base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()
        assert f"script-src 'self' 'sha256-{digest}';" in policy
    else:
        assert inline == []
    assert all(" src=" in tag for tag in scripts if tag != "<script>")
    assert "<style" not in html and " style=" not in html
    assert not re.search(r" on[a-z]+=", html)  # no inline event handlers
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html)  # nothing from another origin
