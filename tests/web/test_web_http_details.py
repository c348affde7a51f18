"""HTTP details of issue 11 (defect 10): If-Match, unknown range units, Allow on a 405."""

from __future__ import annotations

import re

import pytest

from audioguide.published import Manifest


@pytest.fixture
def audio(client, web_tour) -> tuple[str, bytes, str]:
    """(url, bytes of the file, sha256) of the English gate narration."""
    html = client.get("/en/gate").get_data(as_text=True)
    url = re.search(r'src="(/media/[0-9a-f]{16}/en/gate.mp3)"', html).group(1)
    record = Manifest.load(web_tour / "audio").get("gate", "en").audio
    return url, (web_tour / "audio" / record.path).read_bytes(), record.sha256


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("extra", [{}, {"Range": "bytes=0-1"}])
def test_failed_if_match_is_412_without_the_file(client, audio, method, extra) -> None:
    url, _, _ = audio
    response = client.open(url, method=method, headers={"If-Match": '"not-this-one"', **extra})
    assert response.status_code == 412
    assert response.data == b""
    assert response.headers["Content-Length"] == "0"
    assert "Content-Range" not in response.headers


@pytest.mark.parametrize("if_match", ["*", '"{digest}"', '"other", "{digest}"'])
def test_matching_if_match_serves_the_file(client, audio, if_match) -> None:
    url, data, digest = audio
    response = client.get(url, headers={"If-Match": if_match.format(digest=digest)})
    assert response.status_code == 200 and response.data == data


def test_weak_etag_does_not_satisfy_if_match(client, audio) -> None:
    """If-Match uses the strong comparison (RFC 9110 13.1.1)."""
    url, _, digest = audio
    assert client.get(url, headers={"If-Match": f'W/"{digest}"'}).status_code == 412


@pytest.mark.parametrize("header", ["items=0-1", "pages=1-2", "Items=0-"])
def test_unknown_range_unit_is_ignored(client, audio, header) -> None:
    """RFC 9110 14.2: a Range with a unit the server does not know is ignored: 200, whole file."""
    url, data, _ = audio
    response = client.get(url, headers={"Range": header})
    assert response.status_code == 200
    assert response.data == data
    assert "Content-Range" not in response.headers


def test_several_ranges_are_ignored(client, audio) -> None:
    """No multipart/byteranges bodies: the whole file, as RFC 9110 allows, rather than 416."""
    url, data, _ = audio
    response = client.get(url, headers={"Range": "bytes=0-1, 10-20"})
    assert response.status_code == 200 and response.data == data


def test_a_suffix_longer_than_the_file_is_the_whole_file(client, audio) -> None:
    """RFC 9110 14.1.3: `bytes=-N` with N past the size means every byte (206), not 416."""
    url, data, _ = audio
    response = client.get(url, headers={"Range": f"bytes=-{len(data) + 1000}"})
    assert response.status_code == 206 and response.data == data
    assert response.headers["Content-Range"] == f"bytes 0-{len(data) - 1}/{len(data)}"


def test_bytes_unit_is_case_insensitive(client, audio) -> None:
    url, data, _ = audio
    response = client.get(url, headers={"Range": "BYTES=0-1"})
    assert response.status_code == 206 and response.data == data[:2]


@pytest.mark.parametrize("path", ["/api/v1/tour", "/api/v1/stops/gate", "/api/v1/openapi.json"])
def test_api_405_names_the_allowed_methods(client, path) -> None:
    response = client.post(path)
    assert response.status_code == 405
    assert response.get_json()["status"] == 405
    assert response.headers["Content-Type"] == "application/json"
    allowed = {m.strip() for m in response.headers["Allow"].split(",")}
    assert {"GET", "HEAD"} <= allowed and "POST" not in allowed


def test_page_and_media_405_name_the_allowed_methods(client, audio) -> None:
    url, _, _ = audio
    for path in (url, "/en/gate"):
        response = client.delete(path)
        assert response.status_code == 405
        assert "GET" in response.headers["Allow"]
