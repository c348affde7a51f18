"""Audio, captions and images: types, Range (Safari's bytes=0-1 probe), 304, 416, traversal."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from audioguide.published import Manifest


@pytest.fixture
def audio(client, web_tour):
    """(url, bytes of the file, sha256) of the English gate narration."""
    html = client.get("/en/gate").get_data(as_text=True)
    url = re.search(r'src="(/media/[0-9a-f]{16}/en/gate.mp3)"', html).group(1)
    record = Manifest.load(web_tour / "audio").get("gate", "en").audio
    data = (web_tour / "audio" / record.path).read_bytes()
    assert url.split("/")[2] == record.sha256[:16]
    return url, data, record.sha256


def test_full_audio(client, audio) -> None:
    url, data, digest = audio
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "audio/mpeg"
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.data == data
    assert response.headers["ETag"] == f'"{digest}"'  # the manifest's content hash
    assert "Last-Modified" in response.headers
    cache = response.headers["Cache-Control"]
    assert "public" in cache and "max-age=31536000" in cache and "immutable" in cache


def test_safari_probe_gets_206(client, audio) -> None:
    url, data, _ = audio
    response = client.get(url, headers={"Range": "bytes=0-1"})
    assert response.status_code == 206
    assert response.data == data[:2]
    assert response.headers["Content-Range"] == f"bytes 0-1/{len(data)}"
    assert response.headers["Content-Length"] == "2"


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=100-1099", 100, 1099),  # the middle
        ("bytes=-500", -500, None),  # the last 500 bytes
        ("bytes=1000-", 1000, None),  # open-ended
        ("bytes=0-", 0, None),  # what Chrome asks first
        ("bytes=100-99999999", 100, None),  # an end past the file is cut to the file
    ],
)
def test_ranges(client, audio, header, start, end) -> None:
    url, data, _ = audio
    response = client.get(url, headers={"Range": header})
    assert response.status_code == 206
    expected = data[start:] if end is None else data[start : end + 1]
    assert response.data == expected
    first = start if start >= 0 else len(data) + start
    assert response.headers["Content-Range"] == f"bytes {first}-{first + len(expected) - 1}/{len(data)}"
    assert int(response.headers["Content-Length"]) == len(expected)


@pytest.mark.parametrize("header", ["bytes=99999999-", "bytes=5-2", "bytes=abc", "bytes=-0"])
def test_unsatisfiable_range_is_416(client, audio, header) -> None:
    url, data, _ = audio
    response = client.get(url, headers={"Range": header})
    assert response.status_code == 416
    assert response.headers["Content-Range"] == f"bytes */{len(data)}"


def test_head_has_headers_but_no_body(client, audio) -> None:
    url, data, digest = audio
    response = client.head(url)
    assert response.status_code == 200 and response.data == b""
    assert response.headers["Content-Length"] == str(len(data))
    assert response.headers["ETag"] == f'"{digest}"'
    ranged = client.head(url, headers={"Range": "bytes=0-1"})
    assert ranged.status_code == 206 and ranged.headers["Content-Range"].startswith("bytes 0-1/")


def test_conditional_requests(client, audio) -> None:
    url, _, digest = audio
    assert client.get(url, headers={"If-None-Match": f'"{digest}"'}).status_code == 304
    assert client.get(url, headers={"If-None-Match": '"something-else"'}).status_code == 200
    last_modified = client.get(url).headers["Last-Modified"]
    assert client.get(url, headers={"If-Modified-Since": last_modified}).status_code == 304


def test_rebuilding_identical_audio_keeps_the_etag(client, web_tour, media_maker, audio) -> None:
    url, _, digest = audio
    media_maker.publish(web_tour)  # same tone: same bytes, same hash, new mtime
    response = client.get(url, headers={"If-None-Match": f'"{digest}"'})
    assert response.status_code == 304


def test_captions(client) -> None:
    html = client.get("/ru/gate").get_data(as_text=True)
    url = re.search(r'src="(/media/[0-9a-f]{16}/ru/gate.vtt)"', html).group(1)
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/vtt; charset=utf-8"
    text = response.get_data(as_text=True)
    assert text.startswith("WEBVTT") and "\ns1\n" in text and "\ns2\n" in text


def test_image(client) -> None:
    html = client.get("/en/gate").get_data(as_text=True)
    url = re.search(r'src="(/img/[0-9a-f]{16}/gate/photo.png)"', html).group(1)
    response = client.get(url)
    assert response.status_code == 200 and response.headers["Content-Type"] == "image/png"
    assert response.data.startswith(b"\x89PNG")
    assert "immutable" in response.headers["Cache-Control"]


def test_assets_are_immutable(client) -> None:
    html = client.get("/en/gate").get_data(as_text=True)
    for url in re.findall(r'"(/a/[0-9a-f]{12}/[a-z.]+)"', html):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "immutable" in response.headers["Cache-Control"]
    assert client.get("/a/000000000000/style.css").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/media/0000000000000000/en/gate.mp3",  # an outdated hash: see below
        "/media/x/../../tour.yaml",
        "/media/x/..%2F..%2Ftour.yaml",
        "/media/x/%2e%2e/%2e%2e/tour.yaml",
        "/media/x/manifest.json",
        "/media/x/en/../../stops/gate/en.md",
        "/img/x/gate/en.md",
        "/img/x/gate/stop.yaml",
        "/img/x/..%2F..%2Ftour.yaml/x",
        "/a/x/..%2F__init__.py",
        "/a/x/sw.js",
        "/static/style.css",
        "/etc/passwd",
        "/en/..%2F..%2Ftour.yaml",
        "/s/..%2Ftour.yaml",
    ],
)
def test_nothing_outside_the_outputs_is_served(client, path) -> None:
    response = client.get(path)
    if path.startswith("/media/0000"):
        # An outdated hash of a published file points at the current file, never at other data.
        assert response.status_code == 302
        assert re.fullmatch(r"/media/[0-9a-f]{16}/en/gate.mp3", response.headers["Location"])
        return
    assert response.status_code == 404, path
    assert b"WEBVTT" not in response.data and b"base_url" not in response.data
    assert b"title:" not in response.data


def test_manifest_paths_leaving_the_audio_folder_are_ignored(web_tour, tmp_path) -> None:
    from audioguide.web import create_app

    manifest = Manifest.load(web_tour / "audio")
    entry = manifest.get("gate", "en")
    manifest.put("gate", "en", replace(entry, audio=replace(entry.audio, path="../tour.yaml")))
    manifest.save()
    client = create_app(web_tour, stats_db=tmp_path / "s.db", testing=True).test_client()
    html = client.get("/en/gate").get_data(as_text=True)
    assert "tour.yaml" not in html and "<audio" not in html
    assert b"base_url" not in client.get(f"/media/{entry.audio.sha256[:16]}/../tour.yaml").data


def test_a_hashed_url_never_answers_other_bytes(client, web_tour, audio) -> None:
    """Issue 11: a file that no longer holds the bytes its hash names is never sent under that
    hash (it used to go out with no-store; a player holding half of version A then got ranges
    of version B). Published files are content-addressed, so this only happens to a damaged
    file: the answer is a 404, never other bytes."""
    url, data, _ = audio
    path = web_tour / "audio" / Manifest.load(web_tour / "audio").get("gate", "en").audio.path
    path.write_bytes(data[:-100])
    for headers in ({}, {"Range": "bytes=0-1"}, {"Range": "bytes=1000-"}):
        response = client.get(url, headers=headers)
        assert response.status_code == 404, headers
        assert data[:-100][:1000] not in response.data


def test_snapshot_distrusts_files_newer_than_the_manifest(web_tour, tmp_path) -> None:
    import os

    from audioguide.web import create_app

    path = web_tour / "audio" / Manifest.load(web_tour / "audio").get("gate", "en").audio.path
    data = path.read_bytes()
    path.write_bytes(data[:100] + b"\0" + data[101:])  # same size, other content
    manifest_time = (web_tour / "audio" / "manifest.json").stat().st_mtime_ns
    os.utime(path, ns=(manifest_time + 10**9, manifest_time + 10**9))
    client = create_app(web_tour, stats_db=tmp_path / "s.db", testing=True).test_client()
    html = client.get("/en/gate").get_data(as_text=True)
    url = re.search(r'src="(/media/[0-9a-f]{16}/en/gate.mp3)"', html).group(1)
    assert client.get(url).status_code == 404  # hashed again, found wrong: never sent
    other = re.search(r'src="(/media/[0-9a-f]{16}/en/gate.vtt)"', html).group(1)
    assert "immutable" in client.get(other).headers["Cache-Control"]  # untouched files are fine
