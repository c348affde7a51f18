"""`audioguide serve`: waitress by default, Flask's debug server only with --dev; a real run."""

from __future__ import annotations

import http.client
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from audioguide.cli import cli
from tests.helpers.web_fixtures import running_server


def test_serve_runs_waitress_by_default(runner, web_tour, monkeypatch) -> None:
    import waitress

    calls = []
    monkeypatch.setattr(waitress, "serve", lambda app, **options: calls.append((app, options)))
    result = runner.invoke(cli, ["serve", "--project", str(web_tour), "--port", "8765", "--threads", "6"])
    assert result.exit_code == 0, result.output
    ((app, options),) = calls
    assert options["port"] == 8765 and options["threads"] == 6 and options["host"] == "127.0.0.1"
    assert "trusted_proxy" not in options
    assert app.test_client().get("/en/gate").status_code == 200


def test_serve_trusts_a_configured_proxy(runner, web_tour, monkeypatch) -> None:
    import waitress

    calls = []
    monkeypatch.setattr(waitress, "serve", lambda app, **options: calls.append(options))
    monkeypatch.setenv("AUDIOGUIDE_TRUSTED_PROXY", "127.0.0.1")
    assert runner.invoke(cli, ["serve", "--project", str(web_tour)]).exit_code == 0
    assert calls[0]["trusted_proxy"] == "127.0.0.1"
    assert "x-forwarded-proto" in calls[0]["trusted_proxy_headers"]


def test_dev_uses_flasks_debug_server(runner, web_tour, monkeypatch) -> None:
    import waitress
    from flask import Flask

    calls = []
    monkeypatch.setattr(Flask, "run", lambda self, **options: calls.append(options))
    monkeypatch.setattr(waitress, "serve", lambda *a, **k: pytest.fail("waitress in --dev"))
    assert runner.invoke(cli, ["serve", "--project", str(web_tour), "--dev"]).exit_code == 0
    assert calls[0]["debug"] is True


def test_serve_without_a_tour_fails_clearly(runner, tmp_path) -> None:
    result = runner.invoke(cli, ["serve", "--project", str(tmp_path)])
    assert result.exit_code != 0 and "tour.yaml" in result.output


def test_real_server(web_tour: Path, tmp_path: Path) -> None:
    db = tmp_path / "stats.sqlite3"
    with running_server(web_tour, db) as (base, process):
        parts = urlsplit(base)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        connection.request("GET", "/s/gate", headers={"Accept-Language": "ru"})
        response = connection.getresponse()
        response.read()
        assert response.status == 302 and response.getheader("Location") == "/ru/gate"
        assert response.getheader("Server") == "audioguide"
        connection.request("GET", "/ru/gate")
        response = connection.getresponse()  # same connection: keep-alive works
        html = response.read().decode()
        audio = next(p for p in html.split('"') if p.endswith("/ru/gate.mp3"))
        data = (web_tour / "audio" / "ru" / "gate.mp3").read_bytes()
        size = len(data)
        for header, expected, first in [
            ("bytes=0-1", data[:2], 0),  # Safari's probe
            ("bytes=1000-5999", data[1000:6000], 1000),
            ("bytes=-500", data[-500:], size - 500),
            ("bytes=2000-", data[2000:], 2000),
        ]:
            connection.request("GET", audio, headers={"Range": header})
            response = connection.getresponse()
            assert response.status == 206, header
            assert response.read() == expected, header  # exactly the range, nothing after it
            last = first + len(expected) - 1
            assert response.getheader("Content-Range") == f"bytes {first}-{last}/{size}"
        connection.request("HEAD", audio, headers={"Range": "bytes=0-1"})
        response = connection.getresponse()
        assert response.status == 206 and response.read() == b""
        connection.request("GET", audio)
        response = connection.getresponse()
        assert response.status == 200 and response.read() == data
        connection.request("GET", audio, headers={"Range": "bytes=999999999-"})
        response = connection.getresponse()
        response.read()
        assert response.status == 416
        connection.close()
        process.terminate()  # SIGTERM, as systemd or Docker stop it
        process.wait(timeout=10)
    # The scan counted in memory was written on the way out.
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT stop, lang, count FROM scans").fetchall() == [("gate", "ru", 1)]
