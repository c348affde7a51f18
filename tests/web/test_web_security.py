"""Security headers on every kind of response; no inline script in any page."""

from __future__ import annotations

import re

import pytest

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


def test_media_has_security_headers_too(client) -> None:
    html = client.get("/en/gate").get_data(as_text=True)
    url = re.search(r'src="(/media/[^"]+\.mp3)"', html).group(1)
    for headers in ({}, {"Range": "bytes=0-1"}, {"Range": "bytes=99999999-"}):
        response = client.get(url, headers=headers)
        assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("url", ["/en/", "/en/gate", "/ru/wall", "/s/nowhere"])
def test_no_inline_script_style_or_foreign_origin(client, url) -> None:
    html = client.get(url, follow_redirects=True).get_data(as_text=True)
    assert re.findall(r"<script\b[^>]*>", html) == [
        re.search(r"<script src=\"/a/[0-9a-f]+/app.js\" defer>", html).group(0)
    ]
    assert "<style" not in html and " style=" not in html
    assert not re.search(r" on[a-z]+=", html)  # no inline event handlers
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html)  # nothing from another origin
