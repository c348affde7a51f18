"""`audioguide serve`: waitress by default, Flask's debug server only with --dev; a real run."""

from __future__ import annotations

import http.client
import socket
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from audioguide.cli import cli
from audioguide.web.guard import Limits
from tests.helpers.web_fixtures import published_file, running_server


class _Server:
    def run(self) -> None:
        pass


def _capture(monkeypatch) -> list[tuple[object, dict]]:
    """Replaces the server: records (app, options) instead of listening."""
    from audioguide.web import guard

    calls: list[tuple[object, dict]] = []

    def create_server(app, **options):
        calls.append((app, options))
        return _Server()

    monkeypatch.setattr(guard, "create_server", create_server)
    return calls


def test_serve_runs_waitress_by_default(runner, web_tour, monkeypatch) -> None:
    calls = _capture(monkeypatch)
    result = runner.invoke(cli, ["serve", "--project", str(web_tour), "--port", "8765", "--threads", "6"])
    assert result.exit_code == 0, result.output
    ((app, options),) = calls
    assert options["port"] == 8765 and options["threads"] == 6 and options["host"] == "127.0.0.1"
    assert "trusted_proxy" not in options
    # The defended limits and their documented defaults (docs/serving.md).
    assert options["connection_limit"] == 500 and options["channel_timeout"] == 60
    assert options["limits"] == Limits(per_address=100, read_timeout=10.0)
    assert app.test_client().get("/en/gate").status_code == 200


def test_serve_limits_are_options(runner, web_tour, monkeypatch) -> None:
    calls = _capture(monkeypatch)
    args = ["serve", "-p", str(web_tour), "--connection-limit", "900", "--per-address-limit", "0"]
    args += ["--read-timeout", "2.5", "--idle-timeout", "30"]
    assert runner.invoke(cli, args).exit_code == 0
    options = calls[0][1]
    assert options["connection_limit"] == 900 and options["channel_timeout"] == 30
    assert options["limits"] == Limits(per_address=0, read_timeout=2.5)


def test_serve_trusts_a_configured_proxy(runner, web_tour, monkeypatch) -> None:
    calls = _capture(monkeypatch)
    monkeypatch.setenv("AUDIOGUIDE_TRUSTED_PROXY", "127.0.0.1")
    assert runner.invoke(cli, ["serve", "--project", str(web_tour)]).exit_code == 0
    options = calls[0][1]
    assert options["trusted_proxy"] == "127.0.0.1"
    assert "x-forwarded-proto" in options["trusted_proxy_headers"]
    # Every visitor arrives through the proxy: its address is not capped.
    assert options["limits"].exempt == frozenset({"127.0.0.1"})


def test_serve_on_a_busy_port_says_so_in_one_line(runner, web_tour) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = runner.invoke(cli, ["serve", "--project", str(web_tour), "--port", str(port)])
    assert result.exit_code == 1
    last = result.output.strip().splitlines()[-1]
    assert last == (
        f"Error: port {port} on 127.0.0.1 is already in use: stop the other server, or choose"
        f" another port with --port {port + 1}"
    )
    assert "Traceback" not in result.output and "Serving" not in result.output


def test_serve_warns_when_statistics_cannot_be_written(runner, web_tour, tmp_path, monkeypatch) -> None:
    _capture(monkeypatch)
    (tmp_path / "taken").write_text("a file where the folder should be")
    db = tmp_path / "taken" / "stats.sqlite3"
    result = runner.invoke(cli, ["serve", "-p", str(web_tour), "--stats-db", str(db)])
    assert result.exit_code == 0, result.output  # visitors first: the guide is served anyway
    assert f"Warning: cannot write scan statistics to {db}" in result.output
    assert "--stats-db" in result.output


def test_dev_uses_flasks_debug_server(runner, web_tour, monkeypatch) -> None:
    from flask import Flask

    from audioguide.web import guard

    calls = []
    monkeypatch.setattr(Flask, "run", lambda self, **options: calls.append(options))
    monkeypatch.setattr(guard, "create_server", lambda *a, **k: pytest.fail("waitress in --dev"))
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
        scanned = response.read().decode()  # the stop page itself, in the negotiated language
        assert response.status == 200 and '<link rel="canonical" href="/ru/gate">' in scanned
        assert response.getheader("Vary") == "Accept-Encoding, Cookie, Accept-Language, Save-Data"
        assert response.getheader("Server") == "audioguide"
        connection.request("GET", "/ru/gate")
        response = connection.getresponse()  # same connection: keep-alive works
        html = response.read().decode()
        audio = next(p for p in html.split('"') if p.endswith("/ru/gate.mp3"))
        data = published_file(web_tour, "gate", "ru").read_bytes()
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
