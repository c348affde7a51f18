"""Nothing in the studio works signed out, without an account, or without a CSRF token; staff
pages are never cached; the session cookie is locked down."""

from __future__ import annotations

import pytest
from flask import Flask
from werkzeug.routing import Rule

from audioguide.studio.accounts import Accounts
from tests.helpers.studio import csrf_token, sign_in

OPEN = {"studio.sign_in", "studio.static"}
# A value each converter accepts; any other converter gets "x".
PLACEHOLDERS = {
    "IntegerConverter": 1,
    "FloatConverter": 1.5,
    "PathConverter": "x/y",
    "UUIDConverter": "0" * 32,
}


def studio_urls(app: Flask) -> list[tuple[Rule, str]]:
    """Every studio rule with placeholder arguments: a route added later is covered too."""
    urls = []
    with app.test_request_context():
        adapter = app.url_map.bind("localhost")
        for rule in app.url_map.iter_rules():
            if not rule.endpoint.startswith("studio.") or rule.endpoint in OPEN:
                continue
            converters = rule._converters  # name -> converter instance
            args = {name: PLACEHOLDERS.get(type(converters[name]).__name__, "x") for name in rule.arguments}
            urls.append(
                (rule, adapter.build(rule.endpoint, args, method=next(iter(rule.methods or ["GET"]))))
            )
    return urls


def test_the_enumeration_finds_the_routes(app: Flask) -> None:
    endpoints = {rule.endpoint for rule, _ in studio_urls(app)}
    assert {"studio.index", "studio.users", "studio.audit", "studio.audit_csv", "studio.review"} <= endpoints
    assert {"studio.sign_out", "studio.user_update", "studio.user_remove"} <= endpoints


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_every_studio_route_refuses_the_signed_out(app: Flask, staff: Accounts, method: str) -> None:
    client = app.test_client()
    for _rule, url in studio_urls(app):
        response = client.open(url, method=method)
        if response.status_code in (302, 303):
            assert response.headers["Location"].startswith("/studio/sign-in"), url
        else:
            assert response.status_code in (401, 403, 405), f"{method} {url}: {response.status_code}"
        assert b"Signed in as" not in response.data


def test_without_accounts_every_page_names_the_command(app: Flask) -> None:
    client = app.test_client()
    for url in ["/studio/", "/studio/sign-in", *(url for _, url in studio_urls(app))]:
        response = client.get(url)
        assert response.status_code == 403, url
        assert b"audioguide users add NAME --role admin" in response.data, url
    response = client.post("/studio/sign-in", data={"name": "x", "password": "y" * 12})
    assert response.status_code == 403
    # The stylesheet is served anyway, by the studio itself.
    with client.get("/studio/static/studio.css") as css:
        assert css.status_code == 200 and css.mimetype == "text/css"


def test_a_post_without_the_csrf_token_is_refused(signed_in) -> None:
    client = signed_in("ada")
    refused = client.post("/studio/sign-out")
    assert refused.status_code == 400
    assert b"form has expired" in refused.data
    assert client.get("/studio/").status_code == 200  # still signed in
    forged = client.post("/studio/sign-out", data={"csrf_token": "forged"})
    assert forged.status_code == 400
    done = client.post("/studio/sign-out", data={"csrf_token": csrf_token(client, "/studio/")})
    assert done.status_code == 200
    assert client.get("/studio/").status_code == 302


def test_sign_in_itself_needs_the_csrf_token(app: Flask, staff: Accounts) -> None:
    client = app.test_client()
    response = client.post("/studio/sign-in", data={"name": "ada", "password": "correct horse battery"})
    assert response.status_code == 400


def test_studio_pages_are_never_stored(signed_in) -> None:
    client = signed_in("ada")
    for url in ["/studio/", "/studio/users", "/studio/audit", "/studio/audit.csv", "/studio/sign-in"]:
        response = client.get(url)
        assert response.headers["Cache-Control"] == "no-store", url
        assert "Content-Security-Policy" in response.headers


def test_the_session_cookie_is_locked_down(app: Flask, staff: Accounts) -> None:
    client = app.test_client()
    response = sign_in(client, "ada")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/studio" in cookie
    assert "Secure" not in cookie  # plain http (localhost): a Secure cookie would never come back
    secure = app.test_client()
    response = sign_in(secure, "ada", base_url="https://localhost", HTTP_REFERER="https://localhost/studio/")
    assert "Secure" in response.headers["Set-Cookie"]


def test_visitor_pages_do_not_change_for_signed_in_staff(app: Flask, staff: Accounts) -> None:
    staff_client, visitor = app.test_client(), app.test_client()
    sign_in(staff_client, "ada")
    for url in ["/en/gate", "/api/v1/tour", "/"]:
        seen_by_staff, seen_by_visitor = staff_client.get(url), visitor.get(url)
        assert seen_by_staff.status_code == seen_by_visitor.status_code
        assert seen_by_staff.data == seen_by_visitor.data
        headers = [dict(r.headers) for r in (seen_by_staff, seen_by_visitor)]
        for h in headers:
            h.pop("Date", None)
        assert headers[0] == headers[1], url
        assert "audioguide_studio" not in seen_by_staff.headers.get("Set-Cookie", "")


def test_a_forwarded_proto_counts_only_from_the_trusted_proxy(
    studio_tour, tmp_path, staff: Accounts, monkeypatch: pytest.MonkeyPatch
) -> None:
    from audioguide.web import create_app

    forwarded = {"HTTP_X_FORWARDED_PROTO": "https", "HTTP_REFERER": "https://localhost/studio/sign-in"}
    untrusted = create_app(studio_tour, stats_db=tmp_path / "s.sqlite3", testing=True)
    response = sign_in(untrusted.test_client(), "ada", **forwarded)
    assert "Secure" not in response.headers["Set-Cookie"]

    monkeypatch.setenv("AUDIOGUIDE_TRUSTED_PROXY", "10.0.0.1")
    behind = create_app(studio_tour, stats_db=tmp_path / "s.sqlite3", testing=True)
    from_proxy = sign_in(behind.test_client(), "ada", REMOTE_ADDR="10.0.0.1", **forwarded)
    assert "Secure" in from_proxy.headers["Set-Cookie"]
    direct = sign_in(behind.test_client(), "ada", REMOTE_ADDR="10.0.0.9", **forwarded)
    assert "Secure" not in direct.headers["Set-Cookie"]


def test_the_session_ends_after_30_idle_minutes(signed_in, monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    client = signed_in("ada")
    assert client.get("/studio/").status_code == 200
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 29 * 60)
    assert client.get("/studio/").status_code == 200  # activity slides the timeout
    monkeypatch.setattr(time, "time", lambda: now + 29 * 60 + 31 * 60)
    response = client.get("/studio/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/studio/sign-in")
