"""Real nginx on 127.0.0.1 with the configuration a site owner writes: the export served with its
generated nginx.conf (at the root and under a path prefix), and `audioguide serve
--accel-redirect` behind nginx sending the audio itself."""

from __future__ import annotations

import contextlib
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from audioguide.export import ExportOptions, export_site
from audioguide.export.proxy import SERVED_BY_HEADER
from audioguide.published import versioned_name
from audioguide.web.security import CORS_HEADERS, SECURITY_HEADERS
from tests.helpers.nginx import export_server, require_nginx, running_nginx
from tests.helpers.web_fixtures import publish_images, published_file, running_server


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def get(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with _opener.open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture(autouse=True)
def _nginx() -> None:
    require_nginx()


def test_the_export_served_by_nginx(export_dir: Path, tmp_path: Path) -> None:
    with running_nginx(tmp_path / "nginx", export_server(export_dir, export_dir / "nginx.conf")) as base:
        status, headers, body = get(base + "/en/gate")
        assert status == 200 and body == (export_dir / "en/gate.html").read_bytes()
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        assert headers["Cache-Control"] == "no-cache" and "ETag" in headers
        assert headers["Content-Security-Policy"].startswith("default-src 'none'")
        assert headers["X-Frame-Options"] == "DENY"
        assert get(base + "/en/")[2] == (export_dir / "en/index.html").read_bytes()
        assert get(base + "/")[2] == (export_dir / "index.html").read_bytes()
        status, _, body = get(base + "/s/gate")  # what the QR code holds
        assert status == 200 and b'data-scan="gate"' in body
        status, headers, _ = get(base + "/en/entrance")  # an old id
        assert status == 301 and headers["Location"].endswith("/en/gate")

        mp3 = next(export_dir.glob("media/*/en/gate.mp3"))
        url = base + "/" + mp3.relative_to(export_dir).as_posix()
        status, headers, body = get(url, Range="bytes=100-199")
        assert status == 206 and body == mp3.read_bytes()[100:200]
        assert headers["Content-Type"] == "audio/mpeg"
        assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert headers["Access-Control-Allow-Origin"] == "*"
        vtt = next(export_dir.glob("media/*/en/gate.vtt"))
        assert get(base + "/" + vtt.relative_to(export_dir).as_posix())[1]["Content-Type"] == (
            "text/vtt; charset=utf-8"
        )
        _, headers, _ = get(base + "/en/manifest.webmanifest")
        assert (
            headers["Content-Type"] == "application/manifest+json" and headers["Cache-Control"] == "no-cache"
        )
        _, headers, _ = get(base + "/sw.js")
        assert (
            headers["Content-Type"] == "text/javascript; charset=utf-8"
            and headers["Cache-Control"] == "no-cache"
        )
        style = next(export_dir.glob("a/*/style.css")).relative_to(export_dir).as_posix()
        _, headers, _ = get(base + "/" + style, **{"Accept-Encoding": "gzip"})
        assert headers["Content-Type"] == "text/css; charset=utf-8" and headers["Content-Encoding"] == "gzip"
        _, headers, _ = get(base + "/api/v1/en/stops/gate.json")
        assert (
            headers["Content-Type"] == "application/json" and headers["Cache-Control"] == "public, max-age=60"
        )

        status, headers, body = get(base + "/en/nowhere")
        assert status == 404 and body == (export_dir / "404.html").read_bytes()
        assert headers["Content-Security-Policy"].startswith("default-src 'none'")
        for private in ("/_headers", "/_redirects", "/nginx.conf", "/.audioguide-export"):
            assert get(base + private)[0] == 404, private


def test_the_export_under_a_path_prefix(web_tour: Path, tmp_path: Path) -> None:
    www = tmp_path / "www"
    site = www / "guide"  # the root's guide/ folder is the export
    list(export_site(ExportOptions(web_tour, site, base_url="http://127.0.0.1/guide/")))
    with running_nginx(tmp_path / "nginx", export_server(www, site / "nginx.conf")) as base:
        status, _, body = get(base + "/guide/en/gate")
        assert status == 200 and b'href="/guide/en/wall"' in body
        assert get(base + "/guide")[1]["Location"].endswith("/guide/")
        assert get(base + "/guide/s/gate")[0] == 200
        assert get(base + "/guide/kk/entrance")[1]["Location"].endswith("/guide/kk/gate")
        status, _, body = get(base + "/guide/nowhere")
        assert status == 404 and body == (site / "404.html").read_bytes()


def test_accel_redirect_behind_nginx(web_tour: Path, tmp_path: Path) -> None:
    """nginx sends the audio (ranges, sendfile); the app still routes, negotiates and counts."""
    args = ("--accel-redirect", "/_audio")
    with running_server(web_tour, tmp_path / "stats.sqlite3", args) as (app_base, _):
        server = f"""
        location /_audio/ {{
            internal;  # only an X-Accel-Redirect of the app reaches the files
            alias {web_tour / "audio"}/;
        }}
        location / {{
            proxy_pass {app_base};
            proxy_set_header Host $host;
        }}
"""
        with running_nginx(tmp_path / "nginx", server) as base:
            _, _, page = get(base + "/en/gate")
            mp3_url = page.split(b'<audio id="audio"', 1)[1].split(b'src="', 1)[1].split(b'"', 1)[0].decode()
            # The app answers with the header and no body...
            status, headers, body = get(app_base + mp3_url, Range="bytes=100-199")
            published = published_file(web_tour, "gate", "en")
            internal = "/_audio/" + published.relative_to(web_tour / "audio").as_posix()
            assert status == 200 and body == b"" and headers["X-Accel-Redirect"] == internal
            # ...and nginx sends the bytes, with the range and the app's caching headers.
            mp3 = published.read_bytes()
            status, headers, body = get(base + mp3_url, Range="bytes=100-199")
            assert status == 206 and body == mp3[100:200]
            assert headers["Content-Range"] == f"bytes 100-199/{len(mp3)}"
            assert headers["Content-Type"] == "audio/mpeg"
            assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
            status, _, body = get(base + mp3_url)
            assert status == 200 and body == mp3
            assert get(base + internal)[0] == 404  # internal: not from outside
            # Scans still go to the app: negotiated and counted.
            status, headers, body = get(base + "/s/gate", **{"Accept-Language": "ru"})
            assert status == 200 and b'<link rel="canonical" href="/ru/gate">' in body


def _republish(project: Path, app_base: str, old_url: str) -> str:
    """A new narration of gate (en) replaces the old file; returns its URL once the app serves it."""
    from tests.helpers.web_fixtures import MediaMaker

    MediaMaker(project.parent / "tones").publish(project, frequency=330, only={("gate", "en")})
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        url = _audio_url(get(app_base + "/en/gate")[2])
        if url != old_url:
            return url
        time.sleep(0.1)
    raise AssertionError("the app did not pick up the new narration")


def _path(headers: dict[str, str]) -> str:
    """A redirect's target path: behind nginx the app sees the Host without the port."""
    return urllib.parse.urlsplit(headers.get("Location", "")).path


def _audio_url(page: bytes) -> str:
    return page.split(b'<audio id="audio"', 1)[1].split(b'src="', 1)[1].split(b'"', 1)[0].decode()


def test_live_server_behind_the_generated_nginx_config(web_tour: Path, tmp_path: Path, runner) -> None:
    """`serve --print-nginx-config`: nginx sends published audio and captions itself, with the
    app's headers; what it cannot map goes to the app, which answers as it does alone."""
    from audioguide.cli import cli

    outside = tmp_path / "secret.txt"
    outside.write_text("not for visitors")
    evil = web_tour / "audio/en" / versioned_name("evil", "0" * 64, ".mp3")
    evil.symlink_to(outside)  # a link leading out of audio/: the app refuses it, so must nginx
    (web_tour / "audio/en" / (".audioguide-tmp-x" + evil.name)).write_text("half-written")
    publish_images(web_tour)
    with contextlib.ExitStack() as app:
        app_base, _ = app.enter_context(running_server(web_tour, tmp_path / "stats.sqlite3"))
        port = app_base.rsplit(":", 1)[1]
        printed = runner.invoke(
            cli, ["serve", "--project", str(web_tour), "--port", port, "--print-nginx-config"]
        )
        assert printed.exit_code == 0, printed.output
        snippet = tmp_path / "audioguide-nginx.conf"
        snippet.write_text(printed.output)
        with running_nginx(tmp_path / "nginx", f"        include {snippet};\n") as base:
            mp3_url = _audio_url(get(base + "/en/gate")[2])
            mp3 = published_file(web_tour, "gate", "en").read_bytes()
            status, headers, body = get(base + mp3_url, Range="bytes=100-199")
            assert status == 206 and body == mp3[100:200]
            assert headers["Content-Range"] == f"bytes 100-199/{len(mp3)}"
            assert headers[SERVED_BY_HEADER[0]] == "nginx"  # the app never sets it
            # The headers the app sends for the same file.
            _, own, _ = get(app_base + mp3_url, Range="bytes=100-199")
            assert SERVED_BY_HEADER[0] not in own
            for name in ["Content-Type", "Cache-Control", *(n for n, _ in SECURITY_HEADERS + CORS_HEADERS)]:
                assert headers[name] == own[name], name
            # nginx says Accept-Ranges on the whole file (where a player looks), not on a 206.
            status, headers, body = get(base + mp3_url)
            assert (
                status == 200
                and body == mp3
                and headers["Accept-Ranges"] == get(app_base + mp3_url)[1]["Accept-Ranges"]
            )
            vtt = published_file(web_tour, "gate", "en", "captions")
            vtt_url = re.search(
                r"/media/[0-9a-f]{16}/en/gate\.vtt", get(base + "/en/gate")[2].decode()
            ).group(0)
            status, headers, body = get(base + vtt_url)
            assert status == 200 and body == vtt.read_bytes() and headers[SERVED_BY_HEADER[0]] == "nginx"
            assert (
                headers["Content-Type"]
                == "text/vtt; charset=utf-8"
                == get(app_base + vtt_url)[1]["Content-Type"]
            )
            # The photo's variants the build made (audio/images/), by nginx too.
            page = get(base + "/en/gate")[2].decode()
            img_url = re.search(r"/img/[0-9a-f]{16}/gate/\d+\.(?:webp|jpg|png)", page).group(0)
            status, headers, body = get(base + img_url)
            _, own, own_body = get(app_base + img_url)
            assert status == 200 and body == own_body and headers[SERVED_BY_HEADER[0]] == "nginx"
            assert (headers["Content-Type"], headers["Cache-Control"]) == (
                own["Content-Type"],
                own["Cache-Control"],
            )
            assert get(base + img_url.replace("/gate/", "/wall/"))[0] == 404  # no such file: the app
            # A CORS preflight is the app's answer.
            preflight = urllib.request.Request(base + mp3_url, method="OPTIONS")
            with _opener.open(preflight, timeout=10) as answer:
                assert answer.status == 200 and answer.headers["Access-Control-Allow-Origin"] == "*"
                assert SERVED_BY_HEADER[0] not in answer.headers

            # Unknown hash, legacy-looking and private names: the app answers, exactly as alone.
            unknown = "/media/0123456789abcdef/en/gate.mp3"
            hidden = "/media/" + "0" * 16 + "/en/.audioguide-tmp-xevil.mp3"
            for path in (
                unknown,
                "/media/0123456789abcdef/en/nowhere.mp3",
                "/media/" + "0" * 16 + "/en/evil.mp3",  # the symlink
                hidden,
                "/media/0123456789abcdef/en/../../manifest.json",
                "/media/0123456789abcdef/%2e%2e/manifest.json",
                "/media/0123456789abcdef/en/gate.mp3/../../../../audio/manifest.json",
                "/manifest.json",
                "/audio/manifest.json",
            ):
                status, headers, body = get(base + path)
                alone = get(app_base + path)
                assert (status, _path(headers)) == (alone[0], _path(alone[1])), path
                assert status in (302, 308, 404) and SERVED_BY_HEADER[0] not in headers, path
                assert b"not for visitors" not in body and b"half-written" not in body, path
            assert get(base + unknown)[1]["Location"] == mp3_url

            # A superseded version: nginx sends it while it is kept, the app redirects once pruned.
            old_file = published_file(web_tour, "gate", "en")
            new_url = _republish(web_tour, app_base, mp3_url)
            status, headers, body = get(base + mp3_url)
            assert status == 200 and body == mp3 and headers[SERVED_BY_HEADER[0]] == "nginx"
            old_file.unlink()
            # nginx keeps an open file up to open_file_cache_valid (5 s): the same bytes, harmless.
            deadline = time.monotonic() + 10
            while (answer := get(base + mp3_url))[0] == 200 and time.monotonic() < deadline:
                assert answer[2] == mp3
                time.sleep(0.5)
            status, headers, _ = answer
            assert status == 302 and headers["Location"] == new_url and headers["Cache-Control"] == "no-store"
            assert get(base + new_url)[1][SERVED_BY_HEADER[0]] == "nginx"

            # With the app stopped, nginx still sends the audio; what it cannot map fails.
            app.close()
            status, headers, body = get(base + new_url, Range="bytes=0-1")
            assert status == 206 and len(body) == 2
            assert get(base + unknown)[0] == 502


def test_generated_config_sends_legacy_names_through_x_accel_redirect(
    web_tour: Path, tmp_path: Path, runner
) -> None:
    """A manifest from before content-addressed names: the pattern finds no file, the app decides
    and answers with X-Accel-Redirect, nginx sends the bytes from its internal location."""
    from audioguide.cli import cli

    versioned = published_file(web_tour, "gate", "en")
    legacy = versioned.with_name("gate.mp3")
    versioned.rename(legacy)
    manifest = web_tour / "audio/manifest.json"
    manifest.write_text(manifest.read_text().replace(f'"en/{versioned.name}"', '"en/gate.mp3"'))
    assert published_file(web_tour, "gate", "en") == legacy
    args = ("--accel-redirect", "/_audio")
    with running_server(web_tour, tmp_path / "stats.sqlite3", args) as (app_base, _):
        port = app_base.rsplit(":", 1)[1]
        printed = runner.invoke(
            cli, ["serve", "--project", str(web_tour), "--port", port, *args, "--print-nginx-config"]
        )
        snippet = tmp_path / "audioguide-nginx.conf"
        snippet.write_text(printed.output)
        with running_nginx(tmp_path / "nginx", f"        include {snippet};\n") as base:
            mp3_url = _audio_url(get(base + "/en/gate")[2])
            assert get(app_base + mp3_url)[1]["X-Accel-Redirect"] == "/_audio/en/gate.mp3"
            status, headers, body = get(base + mp3_url, Range="bytes=10-19")
            assert status == 206 and body == legacy.read_bytes()[10:20]
            assert SERVED_BY_HEADER[0] not in headers  # not the media location: the app decided
            assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
            assert get(base + "/_audio/en/gate.mp3")[0] == 404  # internal
