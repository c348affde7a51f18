"""Waitress with two defences against clients that hold connections without finishing a request.

A phone-sized attack locked every visitor out: 520 sockets that each send one header byte every
4 s fill waitress's connection limit (the byte keeps `channel_timeout` from firing), and then
waitress stops accepting at all. WSGI middleware cannot help: it only sees complete requests.
So the defence sits where connections are accepted and read:

- a read deadline: a request (head and body) must arrive within `read_timeout` seconds of its
  first byte, and the first request within `read_timeout` of the connection opening; otherwise
  the connection is closed. Idle keep-alive connections between requests stay under waitress's
  own `channel_timeout`.
- a per-address cap: one address (an IPv6 /64, as one subscriber gets a whole /64) may hold at
  most `per_address` connections; the next is answered 503 and closed at once. The trusted
  reverse proxy is exempt, since every visitor arrives through it.
- a fair share at the connection limit: a newcomer takes the place of the stalest connection of
  the address holding the most, so many addresses each under the cap cannot lock out the rest.

Measured with bench/slow_clients.py (2 cores, visitors from 127.0.0.3, drip sockets from
127.0.0.2): see docs/serving.md. A flood from thousands of addresses needs a buffering proxy
(nginx) in front; docs/serving.md shows one.
"""

from __future__ import annotations

import ipaddress
import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from waitress import wasyncore
from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import MultiSocketServer, TcpWSGIServer
from waitress.task import ThreadedTaskDispatcher

log = logging.getLogger(__name__)

# Sent to a connection over the per-address cap, best effort (the socket is non-blocking).
_REFUSAL = (
    b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
)
# A summary of what was closed or refused, at most this often, so that an attack does not turn
# into thousands of log lines a second on the server under attack.
_REPORT_EVERY = 60.0


@dataclass(frozen=True)
class Limits:
    """What `audioguide serve` defends; 0 switches a defence off."""

    per_address: int = 100  # 0: neither this cap nor the fair share at the connection limit
    read_timeout: float = 10.0
    exempt: frozenset[str] = field(default_factory=frozenset)  # e.g. the trusted proxy


def address_key(addr: Any) -> str:
    """The unit the per-address cap counts: the IPv4 address, or the IPv6 /64."""
    host = str(addr[0] if isinstance(addr, tuple) else addr).split("%", 1)[0]
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


class GuardedChannel(HTTPChannel):
    """An HTTP connection that remembers since when it has been reading a request."""

    server: GuardedServer

    def __init__(self, server: GuardedServer, sock: Any, addr: Any, adj: Adjustments, map: Any = None):
        super().__init__(server, sock, addr, adj, map=map)
        # The first request must start and finish within the deadline of the connection opening.
        self.reading_since: float | None = self.creation_time
        self.address_key = address_key(addr)
        self._counted = True
        server.per_address[self.address_key] += 1

    def received(self, data: bytes) -> bool:
        before = self.request
        result = super().received(data)
        if self.request is None:
            self.reading_since = None  # every request read so far is complete
        elif self.request is not before and (before is not None or self.reading_since is None):
            self.reading_since = time.time()  # a new request began in this data
        return result

    def del_channel(self, map: Any = None) -> None:
        super().del_channel(map)
        if self._counted:  # close() may run more than once
            self._counted = False
            self.server.release(self.address_key)


class GuardedServer(TcpWSGIServer):
    """waitress's TCP server with a per-address cap and fair share at accept(), and a request
    read deadline."""

    channel_class = GuardedChannel

    def __init__(self, application: Any, map: Any, *, limits: Limits, **kw: Any) -> None:
        self.limits = limits
        self.per_address: Counter[str] = Counter()
        self._over: set[str] = set()  # addresses refused since they last dropped below the cap
        self._closed_late = 0
        self._refused = 0
        self._evicted = 0
        self._next_report = time.time() + _REPORT_EVERY
        super().__init__(application, map, **kw)

    def handle_accept(self) -> None:
        try:
            accepted = self.accept()
            if accepted is None:
                return
            conn, addr = accepted
            self.set_socket_options(conn)
        except OSError:
            # As waitress does: a client that went away before accept() must not stop the server.
            return
        addr = self.fix_addr(addr)
        key = address_key(addr)
        cap = self.limits.per_address
        exempt = key in self.limits.exempt  # the trusted proxy bounds its own connections
        if cap and not exempt and self.per_address[key] >= cap:
            self._refuse(conn, key, over_cap=True)
            return
        at_limit = len(self._map) >= self.adj.connection_limit
        if cap and at_limit and not exempt and not self._make_room(key):
            self._refuse(conn, key, over_cap=False)
            return
        self.channel_class(self, conn, addr, self.adj, map=self._map)

    def _make_room(self, key: str) -> bool:
        """At the connection limit, a newcomer takes the place of the stalest connection of the
        address that holds the most (max-min fairness), so that many addresses each under the
        cap cannot lock out everyone else. False: the newcomer's address is itself the heaviest,
        and is refused. With nothing to close (every connection is being answered), the
        newcomer is let in over the limit and readable() stops accepting, as waitress does."""
        heaviest, held = max(self.per_address.items(), key=lambda item: item[1], default=("", 0))
        if self.per_address[key] >= held:
            return False
        victim = self._stalest(heaviest)
        if victim is not None:
            victim.handle_close()
            self._evicted += 1
        return True

    def readable(self) -> bool:
        """As waitress: accept below the connection limit; at the limit, go on accepting while a
        connection could be closed to make room (see _make_room)."""
        now = time.time()
        if now >= self.next_channel_cleanup:
            self.next_channel_cleanup = now + self.adj.cleanup_interval
            self.maintenance(now)
        if not self.accepting:
            return False
        if len(self._map) < self.adj.connection_limit:
            return True
        return bool(self.limits.per_address) and self._stalest() is not None

    def _stalest(self, key: str | None = None) -> GuardedChannel | None:
        """The connection (of address `key`, or any) that has gone longest without delivering a
        complete request, among those not being answered: a slow reader (since its request
        began) or an idle keep-alive (since its last activity). Scans every connection: about
        0.1 ms at 500."""
        stalest, oldest = None, float("inf")
        for channel in self.active_channels.values():
            if channel.requests or channel.total_outbufs_len or channel.will_close:
                continue
            if key is not None and channel.address_key != key:
                continue
            since = channel.reading_since if channel.reading_since is not None else channel.last_activity
            if since < oldest:
                stalest, oldest = channel, since
        return stalest

    def _refuse(self, conn: Any, key: str, *, over_cap: bool) -> None:
        self._refused += 1
        if over_cap and key not in self._over:  # at-limit refusals only in the summary
            self._over.add(key)
            log.warning("%s holds %d connections: refusing more", key, self.per_address[key])
        try:
            conn.setblocking(False)
            conn.send(_REFUSAL)
        except OSError:
            pass
        conn.close()

    def release(self, key: str) -> None:
        self.per_address[key] -= 1
        if self.per_address[key] <= 0:
            del self.per_address[key]
        if key in self._over and self.per_address[key] < self.limits.per_address:
            self._over.discard(key)

    def maintenance(self, now: float) -> None:
        super().maintenance(now)  # idle connections: channel_timeout
        deadline = self.limits.read_timeout
        if deadline > 0:
            cutoff = now - deadline
            for channel in self.active_channels.values():
                since = getattr(channel, "reading_since", None)
                if since is not None and since < cutoff and not channel.will_close:
                    channel.will_close = True  # closed by the I/O loop on its next pass
                    self._closed_late += 1
        if now >= self._next_report:
            self._next_report = now + _REPORT_EVERY
            if self._closed_late or self._refused or self._evicted:
                log.warning(
                    "last %.0f s: closed %d connections that sent no complete request within %g s"
                    " (--read-timeout), refused %d (per-address limit, or the heaviest address at the"
                    " connection limit), closed %d stale ones to make room at the connection limit",
                    _REPORT_EVERY,
                    self._closed_late,
                    deadline,
                    self._refused,
                    self._evicted,
                )
                self._closed_late = self._refused = self._evicted = 0


def create_server(app: Any, *, limits: Limits, **options: Any) -> GuardedServer | MultiSocketServer:
    """Like waitress.create_server (TCP only), with GuardedServer for every listening socket.

    Raises OSError when an address cannot be bound (e.g. the port is in use).
    """
    adj = Adjustments(**options)
    sockets: dict[int, Any] = {}
    dispatcher = ThreadedTaskDispatcher()
    servers: list[GuardedServer] = []
    try:
        for sockinfo in adj.listen:  # 'localhost' may mean 127.0.0.1 and ::1
            servers.append(
                GuardedServer(app, sockets, limits=limits, dispatcher=dispatcher, adj=adj, sockinfo=sockinfo)
            )
    except OSError:
        wasyncore.close_all(sockets)  # the sockets and wake-up pipes made before the failure
        raise
    dispatcher.set_thread_count(adj.threads)  # only once bound: a busy port starts no thread
    if len(servers) == 1:
        return servers[0]
    listening = [(server.effective_host, server.effective_port) for server in servers]
    return MultiSocketServer(sockets, adj, listening, dispatcher, servers[-1].log_info)
