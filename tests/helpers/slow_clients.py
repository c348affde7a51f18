"""Hostile slow clients and well-behaved visitors, for bench/slow_clients.py and its test.

DripClients holds `count` sockets from one loopback address, each sending one byte of a request
head that never ends every `interval` seconds (the attack of issue 11); a socket the server
closes or refuses is opened again on the next tick, as a determined attacker would. visit()
measures normal requests from another loopback address (all of 127/8 is this machine), so a
per-address cap is exercised fairly.
"""

from __future__ import annotations

import errno
import http.client
import socket
import statistics
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

_HEAD = b"GET / HTTP/1.1\r\nHost: guide\r\nX-Drip: "  # then b"a" forever: never a complete head
_PENDING = {errno.EAGAIN, errno.EWOULDBLOCK, errno.EINPROGRESS, errno.ENOTCONN, errno.EALREADY}


@dataclass
class _Drip:
    sock: socket.socket
    sent: int = 0


class DripClients:
    """`count` sockets from `source` (or spread over several addresses), each dripping one header
    byte every `interval` seconds."""

    def __init__(
        self, host: str, port: int, count: int, *, source: str | Sequence[str], interval: float = 4.0
    ) -> None:
        self.address = (host, port)
        self.count = count
        self.sources = [source] if isinstance(source, str) else list(source)
        self.interval = interval
        self.closed_by_server = 0  # closed (read deadline) or refused (cap), then opened again
        self._drips: list[_Drip] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="drip", daemon=True)

    def __enter__(self) -> DripClients:
        for index in range(self.count):
            self._drips.append(self._open(index))
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=self.interval + 5)
        for drip in self._drips:
            drip.sock.close()

    def _open(self, index: int) -> _Drip:
        sock = socket.socket()
        sock.setblocking(False)
        sock.bind((self.sources[index % len(self.sources)], 0))
        sock.connect_ex(self.address)  # non-blocking: a server that stopped accepting must not stall us
        return _Drip(sock)

    def _alive(self, drip: _Drip) -> bool:
        """Sends the next byte; False once the server has closed or refused the connection."""
        try:
            if drip.sock.recv(4096) == b"":  # a 503 refusal, or the close itself
                return False
        except OSError as exc:
            if exc.errno not in _PENDING:
                return False
        chunk = _HEAD[drip.sent : drip.sent + 1] or b"a"
        try:
            drip.sent += drip.sock.send(chunk)
        except OSError as exc:
            return exc.errno in _PENDING  # still connecting (the server's backlog) is alive
        return True

    def _run(self) -> None:
        # Spread the sends over the interval, as independent clients would be.
        while not self._stop.is_set():
            started = time.monotonic()
            for index, drip in enumerate(self._drips):
                if self._stop.is_set():
                    return
                if not self._alive(drip):
                    drip.sock.close()
                    self.closed_by_server += 1
                    self._drips[index] = self._open(index)
                pause = started + self.interval * (index + 1) / len(self._drips) - time.monotonic()
                if pause > 0:
                    self._stop.wait(pause)


@dataclass
class Visits:
    latencies: list[float] = field(default_factory=list)  # seconds, failures at their elapsed time
    errors: list[str] = field(default_factory=list)

    def percentile(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        if len(self.latencies) == 1:
            return self.latencies[0]
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[int(q) - 1]

    def summary(self) -> str:
        return (
            f"{len(self.latencies) - len(self.errors)}/{len(self.latencies)} ok, "
            f"p50 {self.percentile(50) * 1000:.0f} ms, p99 {self.percentile(99) * 1000:.0f} ms"
        )


def visit(
    host: str,
    port: int,
    paths: list[str],
    *,
    source: str,
    seconds: float,
    workers: int = 4,
    timeout: float = 5.0,
    pause: float = 0.05,
) -> Visits:
    """Phones opening pages: each request on a new connection from `source`, for `seconds`."""
    visits = Visits()
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def phone(offset: int) -> None:
        index = offset
        while time.monotonic() < deadline:
            path = paths[index % len(paths)]
            index += workers
            started = time.monotonic()
            error = ""
            try:
                connection = http.client.HTTPConnection(
                    host, port, timeout=timeout, source_address=(source, 0)
                )
                try:
                    connection.request("GET", path)
                    response = connection.getresponse()
                    response.read()
                    if response.status != 200:
                        error = f"{path}: HTTP {response.status}"
                finally:
                    connection.close()
            except OSError as exc:
                error = f"{path}: {type(exc).__name__}: {exc}"
            with lock:
                visits.latencies.append(time.monotonic() - started)
                if error:
                    visits.errors.append(error)
            time.sleep(pause)

    threads = [threading.Thread(target=phone, args=(n,), daemon=True) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + timeout + 5)
    return visits
