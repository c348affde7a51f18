"""nginx on a loopback port for tests: a generated configuration in a temp folder, no daemon.

Skipped when nginx is missing, except under CI (CI=true), where that is a failure: .ci/run
installs it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def require_nginx() -> str:
    if not Path(NGINX).exists():
        message = "nginx is missing: apt-get install nginx"
        if os.environ.get("CI"):
            pytest.fail(f"nginx tests cannot run under CI: {message}")
        pytest.skip(message)
    return NGINX


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def nginx_config(
    folder: Path, port: int, server: str, *, workers: int = 1, http: str = "", name: str = "nginx"
) -> Path:
    """A whole nginx.conf around the directives of one server on 127.0.0.1:port; `http`: more
    directives at the http level. bench/serve.py uses it too."""
    temp = folder / f"{name}-temp"
    temp.mkdir(parents=True, exist_ok=True)
    # As root, nginx's workers would run as nobody, who cannot read pytest's private temp folders.
    user = "user root;\n" if os.geteuid() == 0 else ""
    config = folder / f"{name}.conf"
    config.write_text(
        f"""{user}worker_processes {workers};
daemon off;
pid {folder}/{name}.pid;
error_log {folder}/{name}-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    # tcp_nopush stalls range answers on loopback for a delayed ACK (40 ms, 1,600 req/s
    # instead of 38,000 in bench/serve.py).
    tcp_nopush off;
    keepalive_requests 1000000;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    {http}
    server {{
        listen 127.0.0.1:{port};
{server}
    }}
}}
"""
    )
    return config


@contextlib.contextmanager
def running_nginx(folder: Path, server: str, workers: int = 1) -> Iterator[str]:
    """Start nginx with `server` (directives inside server { }); yields http://127.0.0.1:<port>."""
    nginx = require_nginx()
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    config = nginx_config(folder, port, server, workers=workers)
    test = subprocess.run([nginx, "-t", "-p", str(folder), "-c", str(config)], capture_output=True, text=True)
    if test.returncode != 0:
        raise RuntimeError(f"nginx rejects the configuration:\n{test.stderr}\n{config.read_text()}")
    process = subprocess.Popen(
        [nginx, "-p", str(folder), "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    error_log = folder / "nginx-error.log"
                    log = error_log.read_text() if error_log.exists() else ""
                    raise RuntimeError(f"nginx did not start:\n{log}") from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        if process.poll() is None:
            process.terminate()  # SIGTERM: fast shutdown
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def export_server(export_root: Path, snippet: Path) -> str:
    """The server directives a site owner writes around the export's nginx.conf."""
    return f"        root {export_root};\n        include {snippet};\n"
