"""Roles and languages: who may open which page and make which change; the review flow; the
users page; the audit log and its CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from flask import Flask

from audioguide.i18n import translate
from audioguide.studio.accounts import Accounts, Role
from audioguide.studio.audit import Action, AuditLog, safe_cell, to_csv
from tests.helpers.studio import csrf_token

ADMIN_PAGES = ["/studio/users", "/studio/audit", "/studio/audit.csv"]


def post(client, url: str, **data: str):
    return client.post(url, data={"csrf_token": csrf_token(client, "/studio/"), **data})


def test_editors_and_reviewers_cannot_reach_admin_pages(signed_in, staff: Accounts) -> None:
    for name in ("edna", "kim"):
        client = signed_in(name)
        for url in ADMIN_PAGES:
            response = client.get(url)
            assert response.status_code == 403, (name, url)
            assert b"Your role does not allow this" in response.data
        ada = staff.get("ada")
        assert ada is not None
        assert post(client, f"/studio/users/{ada.id}", role="editor").status_code == 403
        assert post(client, f"/studio/users/{ada.id}/remove").status_code == 403
    assert staff.require("ada").role is Role.ADMIN


def test_admins_reach_every_page(signed_in) -> None:
    client = signed_in("ada")
    for url in ["/studio/", *ADMIN_PAGES]:
        assert client.get(url).status_code == 200, url


def test_an_editor_cannot_mark_reviews(signed_in, studio_tour: Path) -> None:
    client = signed_in("edna")
    assert post(client, "/studio/review/wall/kk").status_code == 403
    assert "needs_review: true" in (studio_tour / "stops/wall/kk.md").read_text(encoding="utf-8")


def test_a_reviewer_for_kk_cannot_mark_ru_reviewed(signed_in, studio_tour: Path) -> None:
    client = signed_in("kim")
    before = (studio_tour / "stops/wall/ru.md").read_bytes()
    assert post(client, "/studio/review/wall/ru").status_code == 403
    assert (studio_tour / "stops/wall/ru.md").read_bytes() == before
    page = client.get("/studio/").get_data(as_text=True)
    assert 'action="/studio/review/wall/kk"' in page
    assert 'action="/studio/review/wall/ru"' not in page


def test_the_review_removes_the_visitor_note(app: Flask, signed_in, studio_tour: Path) -> None:
    visitor = app.test_client()
    note = translate("kk", "needs_review").encode()
    assert note in visitor.get("/kk/wall").data
    path = studio_tour / "stops/wall/kk.md"
    before = path.read_text(encoding="utf-8")

    client = signed_in("kim")
    response = post(client, "/studio/review/wall/kk")
    assert response.status_code == 303 and response.headers["Location"] == "/studio/#n-wall-kk"
    # Only the value changed, every other byte is as it was.
    assert path.read_text(encoding="utf-8") == before.replace("needs_review: true", "needs_review: false")
    assert note not in visitor.get("/kk/wall").data
    assert translate("ru", "needs_review").encode() in visitor.get("/ru/wall").data  # still awaits

    page = client.get("/studio/").get_data(as_text=True)
    assert "wall (kk) is marked as reviewed." in page
    assert "Reviewed by kim on " in page
    entries = list(AuditLog(studio_tour / "studio.sqlite3").entries())
    assert (entries[-1].actor, entries[-1].action, entries[-1].target) == ("kim", "review", "wall/kk")


def test_a_review_of_an_unknown_narration_is_404(signed_in) -> None:
    client = signed_in("ada")
    assert post(client, "/studio/review/nowhere/kk").status_code == 404
    assert post(client, "/studio/review/wall/de").status_code == 404


def test_admins_change_roles_and_languages(signed_in, staff: Accounts) -> None:
    client = signed_in("ada")
    kim = staff.require("kim")
    response = post(client, f"/studio/users/{kim.id}", role="reviewer", languages="kk, ru")
    assert response.status_code == 303
    assert staff.require("kim").languages == ("kk", "ru")
    post(client, f"/studio/users/{kim.id}", role="reviewer", languages="de")
    assert staff.require("kim").languages == ("kk", "ru")  # refused: not a language of the tour
    assert "Unknown language code(s): de" in client.get("/studio/users").get_data(as_text=True)
    post(client, f"/studio/users/{kim.id}", role="editor", languages="")
    assert staff.require("kim").role is Role.EDITOR and staff.require("kim").languages == ()
    edna = staff.require("edna")
    assert post(client, f"/studio/users/{edna.id}/remove").status_code == 303
    assert staff.get("edna") is None
    actions = [(e.action, e.target) for e in AuditLog(staff.path).entries()][-3:]
    assert actions == [("user_changed", "kim"), ("user_changed", "kim"), ("user_removed", "edna")]


def test_the_last_admin_cannot_be_removed_or_demoted(signed_in, staff: Accounts) -> None:
    client = signed_in("ada")
    ada = staff.require("ada")
    post(client, f"/studio/users/{ada.id}", role="editor")
    assert staff.require("ada").role is Role.ADMIN
    post(client, f"/studio/users/{ada.id}/remove")
    assert staff.get("ada") is not None
    assert "The last administrator cannot be removed" in client.get("/studio/users").get_data(as_text=True)
    # With a second admin, the first may step down.
    edna = staff.require("edna")
    post(client, f"/studio/users/{edna.id}", role="admin")
    post(client, f"/studio/users/{ada.id}", role="editor")
    assert staff.require("ada").role is Role.EDITOR


def test_the_audit_log_is_paged(signed_in, staff: Accounts) -> None:
    log = AuditLog(staff.path)
    for number in range(120):
        log.record("ada", Action.STOP_CHANGED, f"stop-{number}")
    client = signed_in("ada")
    first = client.get("/studio/audit").get_data(as_text=True)
    assert "Page 1 of 3" in first and "stop-119" in first and "stop-60" not in first
    assert 'href="/studio/audit?page=2"' in first
    last = client.get("/studio/audit?page=3").get_data(as_text=True)
    assert "stop-0<" in last and "Page 3 of 3" in last
    assert "Page 3 of 3" in client.get("/studio/audit?page=99").get_data(as_text=True)


def test_the_audit_csv_is_safe_in_a_spreadsheet(signed_in, staff: Accounts) -> None:
    log = AuditLog(staff.path)
    log.record('=HYPERLINK("http://evil")', Action.STOP_CHANGED, "+1+1", "-2", "@SUM(A1)")
    client = signed_in("ada")
    response = client.get("/studio/audit.csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["at", "actor", "action", "target", "detail", "address"]
    evil = next(row for row in rows if row[2] == "stop_changed")
    assert evil[1:] == ['\'=HYPERLINK("http://evil")', "stop_changed", "'+1+1", "'-2", "'@SUM(A1)"]
    assert safe_cell("ordinary") == "ordinary" and safe_cell("\t=1") == "'\t=1"
    assert to_csv([]) == "at,actor,action,target,detail,address\r\n"
