"""Behind a TLS proxy: believe X-Forwarded-* only from the proxy the server was told to trust.

`AUDIOGUIDE_TRUSTED_PROXY` (docs/serving.md) names the proxy's address. Waitress, in
`audioguide serve`, already applies the forwarded headers of that address itself; other WSGI
servers (gunicorn behind nginx) pass them through, and werkzeug's ProxyFix applies them here,
but only for requests that really come from that address: a client that reaches the server
directly cannot claim to be https, or another address, to dodge the sign-in limit.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.middleware.proxy_fix import ProxyFix

TRUSTED_PROXY_ENV = "AUDIOGUIDE_TRUSTED_PROXY"
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class TrustedProxyFix:
    def __init__(self, app: WsgiApp, proxy: str) -> None:
        self.app = app
        self.proxy = {address.strip() for address in proxy.split(",") if address.strip()}
        self.fixed = ProxyFix(app, x_for=1, x_proto=1, x_host=1, x_port=1)  # type: ignore[arg-type]

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if "*" in self.proxy or environ.get("REMOTE_ADDR") in self.proxy:
            return self.fixed(environ, start_response)  # type: ignore[arg-type]
        return self.app(environ, start_response)


def behind_trusted_proxy(app: WsgiApp, proxy: str | None = None) -> WsgiApp:
    """`app`, wrapped when a trusted proxy is configured (argument, else the environment)."""
    proxy = proxy if proxy is not None else os.environ.get(TRUSTED_PROXY_ENV, "")
    return TrustedProxyFix(app, proxy) if proxy.strip() else app
