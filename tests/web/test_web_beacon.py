"""POST /api/v1/scans, the static export's beacon: counted like a live scan, refused when it
names no known stop and language, CORS for the configured origin only, rate-limited, no cookie;
and every answer is the one the OpenAPI document promises."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jsonschema
import pytest

from audioguide.stats import read_scans
from audioguide.web import create_app
from audioguide.web.openapi import openapi_document

ORIGIN = "https://static.example.org"
OTHER = "https://evil.example.net"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "stats.sqlite3"


@pytest.fixture
def beacon(web_tour: Path, db: Path):
    """The app with tour.yaml `stats_origin` set, as an operator would configure it."""
    with (web_tour / "tour.yaml").open("a", encoding="utf-8") as handle:
        handle.write(f"stats_origin: {ORIGIN}/\n")  # a trailing slash is forgiven
    return create_app(web_tour, stats_db=db, testing=True).test_client()


def counts(db: Path) -> dict[tuple[str, str], int]:
    return {(row.stop, row.lang): row.count for row in read_scans(db)}


def _operation() -> dict:
    return openapi_document()["paths"]["/api/v1/scans"]["post"]


def assert_documented(response) -> None:
    """The status is one the document lists, and an error body matches its schema."""
    documented = _operation()["responses"]
    assert str(response.status_code) in documented, response.status_code
    if response.status_code == 204:
        assert response.data == b""
        return
    assert response.headers["Content-Type"] == "application/json"
    document = openapi_document()
    schema = {**documented[str(response.status_code)]["content"]["application/json"]["schema"]}
    schema["components"] = document["components"]
    jsonschema.Draft202012Validator(schema).validate(response.get_json())


def test_counted_in_every_documented_body_type(beacon, db) -> None:
    body = {"stop": "gate", "lang": "ru"}
    sent = [
        beacon.post("/api/v1/scans", json=body),
        # navigator.sendBeacon(url, JSON.stringify(...)) sends text/plain;charset=UTF-8
        beacon.post("/api/v1/scans", data=json.dumps(body), content_type="text/plain;charset=UTF-8"),
        beacon.post("/api/v1/scans", data={"stop": "entrance", "lang": "ru"}),  # an alias, form-encoded
        beacon.post(
            "/api/v1/scans", data=json.dumps({"stop": "WALL", "lang": "kk"}), headers={"Origin": ORIGIN}
        ),
    ]
    for response in sent:
        assert response.status_code == 204, response.get_json()
        assert_documented(response)
        assert response.headers["Cache-Control"] == "no-store"
    assert set(_operation()["requestBody"]["content"]) == {
        "application/json",
        "text/plain",
        "application/x-www-form-urlencoded",
    }
    assert counts(db) == {("gate", "ru"): 3, ("wall", "kk"): 1}
    assert read_scans(db)[0].day == dt.date.today().isoformat()


@pytest.mark.parametrize(
    ("kwargs", "status", "words"),
    [
        ({"json": {"stop": "nowhere", "lang": "en"}}, 404, "no stop 'nowhere'"),
        ({"json": {"stop": "gate", "lang": "de"}}, 400, "unknown language 'de'"),
        ({"json": {"stop": "gate"}}, 400, '"lang"'),
        ({"json": ["gate", "en"]}, 400, '"stop"'),
        ({"json": {"stop": 3, "lang": "en"}}, 400, '"stop"'),
        ({"data": '{"stop": "gate", "lang":', "content_type": "text/plain"}, 400, "not JSON"),
        ({"data": b"\xff\xfe\x00", "content_type": "text/plain"}, 400, "not JSON"),
        ({"data": ""}, 400, '"stop"'),
        ({"json": {"stop": "gate", "lang": "en", "pad": "x" * 2000}}, 413, ""),
        ({"json": {"stop": "gate", "lang": "en"}, "headers": {"Origin": OTHER}}, 403, ORIGIN),
    ],
)
def test_refused_with_a_json_error(beacon, db, kwargs, status, words) -> None:
    response = beacon.post("/api/v1/scans", **kwargs)
    assert response.status_code == status
    assert_documented(response)
    assert response.get_json()["status"] == status and words in response.get_json()["message"]
    assert counts(db) == {}


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_wrong_method(beacon, db, method) -> None:
    response = getattr(beacon, method)("/api/v1/scans?stop=gate&lang=en")
    assert response.status_code == 405
    assert response.get_json()["status"] == 405
    assert counts(db) == {}


def test_no_tour_yet_is_503(tmp_path) -> None:
    client = create_app(tmp_path, stats_db=tmp_path / "s.db", testing=True).test_client()
    response = client.post("/api/v1/scans", json={"stop": "gate", "lang": "en"})
    assert response.status_code == 503
    assert_documented(response)


def test_cors_only_for_the_configured_origin(beacon) -> None:
    body = {"stop": "gate", "lang": "en"}
    preflight = beacon.options(
        "/api/v1/scans",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert preflight.headers["Access-Control-Allow-Headers"].lower() == "content-type"
    allowed = beacon.post("/api/v1/scans", json=body, headers={"Origin": ORIGIN})
    assert allowed.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "Origin" in allowed.headers["Vary"]
    # Errors carry it too, so the page's script could read why.
    refused = beacon.post("/api/v1/scans", json={"stop": "x", "lang": "en"}, headers={"Origin": ORIGIN})
    assert refused.headers["Access-Control-Allow-Origin"] == ORIGIN
    for response in (
        beacon.options("/api/v1/scans", headers={"Origin": OTHER, "Access-Control-Request-Method": "POST"}),
        beacon.post("/api/v1/scans", json=body, headers={"Origin": OTHER}),
        beacon.post("/api/v1/scans", json=body),
    ):
        assert "Access-Control-Allow-Origin" not in response.headers
    for response in (preflight, allowed, refused):
        assert "Access-Control-Allow-Credentials" not in response.headers
    # The rest of the API still allows every origin to read.
    assert beacon.get("/api/v1/tour", headers={"Origin": OTHER}).headers["Access-Control-Allow-Origin"] == "*"


def test_without_a_configured_origin_no_site_is_allowed(client, tmp_path) -> None:
    response = client.post("/api/v1/scans", json={"stop": "gate", "lang": "en"}, headers={"Origin": ORIGIN})
    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response.headers
    # The server's own pages (same host) and apps (no Origin) may.
    same = client.post(
        "/api/v1/scans", json={"stop": "gate", "lang": "en"}, headers={"Origin": "http://localhost"}
    )
    assert same.status_code == 204
    assert "Access-Control-Allow-Origin" not in same.headers


def test_stats_origin_option_overrides_tour_yaml(web_tour, db) -> None:
    client = create_app(web_tour, stats_db=db, stats_origin=OTHER, testing=True).test_client()
    response = client.post("/api/v1/scans", json={"stop": "gate", "lang": "en"}, headers={"Origin": OTHER})
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == OTHER


def test_rate_limited_per_address(beacon, db) -> None:
    body = {"stop": "gate", "lang": "en"}
    phone = {"REMOTE_ADDR": "10.0.0.1"}
    for _ in range(30):
        assert beacon.post("/api/v1/scans", json=body, environ_base=phone).status_code == 204
    limited = beacon.post("/api/v1/scans", json=body, environ_base=phone, headers={"Origin": ORIGIN})
    assert limited.status_code == 429
    assert_documented(limited)
    assert int(limited.headers["Retry-After"]) > 0
    assert limited.headers["Access-Control-Allow-Origin"] == ORIGIN
    # Another address is not affected, and preflights are never limited.
    other = {"REMOTE_ADDR": "10.0.0.2"}
    assert beacon.post("/api/v1/scans", json=body, environ_base=other).status_code == 204
    assert beacon.options("/api/v1/scans", environ_base=phone).status_code == 200
    assert counts(db) == {("gate", "en"): 31}


def test_never_sets_a_cookie(beacon) -> None:
    responses = [
        beacon.post("/api/v1/scans", json={"stop": "gate", "lang": "en"}, headers={"Origin": ORIGIN}),
        beacon.post("/api/v1/scans", json={"stop": "nowhere", "lang": "en"}),
        beacon.options("/api/v1/scans", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"}),
    ]
    for response in responses:
        assert not response.headers.getlist("Set-Cookie")


def test_stats_origin_in_tour_yaml_is_checked(make_tour) -> None:
    from audioguide.tour.load import load_tour

    tour, diags = load_tour(make_tour("bad", extra_tour_yaml="stats_origin: https://x.example/guide\n"))
    assert tour is not None and tour.config.stats_origin == ""
    assert any("stats_origin" in str(problem) for problem in diags.errors)


def test_stats_origin_option_is_checked(runner, tmp_path) -> None:
    from audioguide.cli import cli

    result = runner.invoke(cli, ["serve", "-p", str(tmp_path), "--stats-origin", "https://x.example/guide"])
    assert result.exit_code == 2 and "--stats-origin" in result.output and "no path" in result.output
