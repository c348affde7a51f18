"""Slow clients must not lock visitors out (issue 11): a per-address cap and a read deadline.

The bounded version of bench/slow_clients.py: a small connection limit and a 2 s deadline set
by options, drip sockets from 127.0.0.2, visitors from 127.0.0.3 (all of 127/8 is this machine).
"""

from __future__ import annotations

import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.helpers.slow_clients import DripClients, visit
from tests.helpers.web_fixtures import running_server

# 80 drip sockets against a limit of 60 is the 520 against 500, scaled down.
LIMITS = ["--connection-limit", "60", "--per-address-limit", "10", "--read-timeout", "2"]
PAGES = ["/en/gate", "/ru/wall", "/api/v1/tour"]


def _port(base: str) -> int:
    port = urlsplit(base).port
    assert port is not None
    return port


def _closed_after(sock: socket.socket, started: float, limit: float) -> float:
    """Seconds from `started` until the server closes `sock` (what it sends is discarded)."""
    sock.settimeout(limit)
    while sock.recv(4096):
        pass
    return time.monotonic() - started


def test_visitors_get_through_while_slow_clients_drip(web_tour: Path, tmp_path: Path) -> None:
    with running_server(web_tour, tmp_path / "s.db", LIMITS) as (base, _):
        port = _port(base)
        with DripClients("127.0.0.1", port, 80, source="127.0.0.2", interval=1.0) as drips:
            time.sleep(2.5)  # every drip socket is open and dripping; some already closed
            visits = visit("127.0.0.1", port, PAGES, source="127.0.0.3", seconds=4, workers=2, timeout=3)
            reopened = drips.closed_by_server
    assert not visits.errors, visits.errors[:3]
    assert len(visits.latencies) > 20 and visits.percentile(99) < 1.0, visits.summary()
    assert reopened >= 70  # refused over the cap of 10, or closed by the 2 s deadline


def test_without_the_defences_the_same_drip_locks_visitors_out(web_tour: Path, tmp_path: Path) -> None:
    """The control: the test above is not passing by accident."""
    off = ["--connection-limit", "60", "--per-address-limit", "0", "--read-timeout", "0"]
    with running_server(web_tour, tmp_path / "s.db", off) as (base, _):
        port = _port(base)
        with DripClients("127.0.0.1", port, 80, source="127.0.0.2", interval=1.0):
            time.sleep(1.5)
            visits = visit("127.0.0.1", port, PAGES, source="127.0.0.3", seconds=1, workers=2, timeout=1)
    assert visits.errors and len(visits.errors) == len(visits.latencies)


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory, media_maker) -> tuple[str, int]:
    from tests.helpers.tours import write_tour

    root = write_tour(tmp_path_factory.mktemp("guarded") / "tour")
    media_maker.publish(root)
    with running_server(root, root / "s.db", LIMITS) as (base, _):
        yield base, _port(base)


def test_a_request_head_must_arrive_within_the_deadline(guarded: tuple[str, int]) -> None:
    _, port = guarded
    source = ("127.0.0.4", 0)
    with (
        socket.create_connection(("127.0.0.1", port), source_address=source) as slow,
        socket.create_connection(("127.0.0.1", port), source_address=source) as silent,
    ):
        started = time.monotonic()
        slow.sendall(b"GET /en/gate HT")
        # 2 s deadline, checked every second by the I/O loop (which wakes at least each second).
        assert 1.9 < _closed_after(slow, started, 6) < 4.5
        assert 1.9 < _closed_after(silent, started, 6) < 4.5  # connected, never sent a byte
    # A slow but finished head is answered.
    with socket.create_connection(("127.0.0.1", port), source_address=("127.0.0.4", 0)) as phone:
        for part in (b"GET /en/gate HTTP/1.1\r\n", b"Host: guide\r\n", b"\r\n"):
            phone.sendall(part)
            time.sleep(0.4)
        phone.settimeout(5)
        assert phone.recv(12) == b"HTTP/1.1 200"


def test_one_address_may_hold_only_so_many_connections(guarded: tuple[str, int]) -> None:
    _, port = guarded
    held = [socket.create_connection(("127.0.0.1", port), source_address=("127.0.0.5", 0)) for _ in range(10)]
    try:
        time.sleep(0.2)  # accepted by the server
        with socket.create_connection(("127.0.0.1", port), source_address=("127.0.0.5", 0)) as extra:
            extra.settimeout(5)
            assert extra.recv(64).startswith(b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5")
        # Other addresses are served meanwhile.
        with socket.create_connection(("127.0.0.1", port), source_address=("127.0.0.6", 0)) as other:
            other.sendall(b"GET /api/v1/tour HTTP/1.1\r\nHost: guide\r\n\r\n")
            other.settimeout(5)
            assert other.recv(12) == b"HTTP/1.1 200"
        held.pop().close()  # one closes: the address may connect again
        time.sleep(0.3)
        with socket.create_connection(("127.0.0.1", port), source_address=("127.0.0.5", 0)) as again:
            again.sendall(b"GET /api/v1/tour HTTP/1.1\r\nHost: guide\r\n\r\n")
            again.settimeout(5)
            assert again.recv(12) == b"HTTP/1.1 200"
    finally:
        for sock in held:
            sock.close()
