"""Publishing from the studio: the visitor page gets the new sentence under a new audio URL,
history and restore, a failed build keeps the old audio, git commits, the build lock shared
with the command line, and who may do what on the new routes."""

from __future__ import annotations

import re
import subprocess
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask

from audioguide.build import pipeline
from audioguide.cli import cli
from audioguide.published import Manifest
from audioguide.studio import publishing
from audioguide.studio.store import History
from tests.helpers.studio import csrf_token, finished_publish, submit_editor

RU = Path("stops") / "wall" / "ru.md"
NEW = "Стена памяти. Сюда добавлено новое предложение."


def _audio_url(html: str) -> str:
    match = re.search(r'<audio id="audio"[^>]* src="([^"]+)"', html)
    assert match, html[:3000]
    return match.group(1)


def test_a_publish_reaches_the_visitor_page_under_a_new_audio_url(
    app: Flask, signed_in, studio_tour: Path
) -> None:
    visitor = app.test_client()
    old_url = _audio_url(visitor.get("/ru/wall").get_data(as_text=True))
    client = signed_in("edna")
    job = finished_publish(app, submit_editor(client, "wall", "ru", "publish", "Стена", NEW))
    assert job.state == "done" and job.status == "built", job.as_json()
    assert job.engine == "espeak"
    assert NEW in (studio_tour / RU).read_text(encoding="utf-8")
    page = visitor.get("/ru/wall").get_data(as_text=True)
    assert "Сюда добавлено новое предложение." in page
    new_url = _audio_url(page)
    assert new_url != old_url
    with visitor.get(new_url) as audio:
        assert audio.status_code == 200 and audio.mimetype == "audio/mpeg"
    status = client.get(f"/studio/publish/{job.id}")
    assert status.status_code == 200 and b"visitors now hear the new audio" in status.data
    assert b'http-equiv="refresh"' not in status.data  # finished: no more refreshing
    data = client.get(f"/studio/publish/{job.id}/status.json").get_json()
    assert data["finished"] and data["status"] == "built"
    entries = [(e.actor, e.action, e.target) for e in app.extensions["audioguide.studio"].audit.entries()]
    assert ("edna", "publish", "wall/ru") in entries


def test_a_running_publish_page_refreshes_itself_without_js(app: Flask, signed_in) -> None:
    jobs = app.extensions["audioguide.studio"].publishes
    job = publishing.PublishJob("f" * 32, "wall", "ru", "edna", "publish", False, state="building", total=3)
    jobs._jobs[job.id] = job
    html = signed_in("edna").get(f"/studio/publish/{job.id}").get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="3">' in html and '<progress id="progress" max="3"' in html


def test_history_lists_versions_with_diffs_and_restores_one(app: Flask, signed_in, studio_tour: Path) -> None:
    original = (studio_tour / RU).read_text(encoding="utf-8")
    client = signed_in("edna")
    finished_publish(app, submit_editor(client, "wall", "ru", "publish", "Стена", NEW))
    finished_publish(app, submit_editor(client, "wall", "ru", "publish", "Стена <b>", "Третья <версия>."))
    versions = History(studio_tour / "studio.sqlite3").of("wall", "ru")
    assert [(v.author, v.action) for v in versions] == [
        ("edna", "publish"),
        ("edna", "publish"),
        ("-", "outside"),
    ]
    assert versions[-1].text == original
    html = client.get("/studio/history/wall/ru").get_data(as_text=True)
    assert '<span class="add">+Третья &lt;версия&gt;.</span>' in html
    assert '<span class="del">-Стена памяти. Сюда добавлено новое предложение.</span>' in html
    assert "outside the studio" in html and "current" in html
    token = csrf_token(client, "/studio/history/wall/ru")
    oldest = versions[-1]
    job = finished_publish(
        app, client.post(f"/studio/history/wall/ru/{oldest.id}/restore", data={"csrf_token": token})
    )
    assert job.action == "restore" and job.state == "done"
    assert (studio_tour / RU).read_text(encoding="utf-8") == original
    audit = app.extensions["audioguide.studio"].audit.entries()
    assert [e.action for e in audit if e.target == "wall/ru"][-1] == "restore"
    assert History(studio_tour / "studio.sqlite3").of("wall", "ru")[0].action == "restore"
    # A version of another narration is not restored through this one's address.
    other = client.post(f"/studio/history/gate/ru/{oldest.id}/restore", data={"csrf_token": token})
    assert other.status_code == 404


def test_a_failed_build_keeps_the_previous_audio_and_says_why(
    app: Flask, signed_in, studio_tour: Path
) -> None:
    stop_yaml = studio_tour / "stops" / "wall" / "stop.yaml"
    stop_yaml.write_text(stop_yaml.read_text() + "voices:\n  ru: [{espeak: no-such-voice-xx}]\n")
    manifest = Manifest.load(studio_tour / "audio")
    published = manifest.get("wall", "ru")
    mp3 = studio_tour / "audio" / published.audio.path
    before = mp3.read_bytes()
    visitor = app.test_client()
    old_url = _audio_url(visitor.get("/ru/wall").get_data(as_text=True))
    client = signed_in("edna")
    job = finished_publish(app, submit_editor(client, "wall", "ru", "publish", "Стена", NEW))
    assert job.state == "failed" and "no voice could speak 'ru'" in (job.error or "")
    assert mp3.read_bytes() == before
    assert Manifest.load(studio_tour / "audio").get("wall", "ru") == published
    assert _audio_url(visitor.get("/ru/wall").get_data(as_text=True)) == old_url
    status = client.get(f"/studio/publish/{job.id}").get_data(as_text=True)
    assert "visitors still hear the previous audio" in status and "no-such-voice-xx" in status
    editor = client.get("/studio/edit/wall/ru").get_data(as_text=True)
    assert "The last publish (by edna) failed" in editor


def test_a_publish_is_committed_to_git_as_the_staff_member(app: Flask, signed_in, studio_tour: Path) -> None:
    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(studio_tour), *args], capture_output=True, text=True, check=True
        )
        return done.stdout

    git("init", "-q")
    git("-c", "user.name=setup", "-c", "user.email=setup@example.org", "add", "-A")
    git("-c", "user.name=setup", "-c", "user.email=setup@example.org", "commit", "-qm", "tour")
    (studio_tour / "stops" / "gate" / "en.md").write_text("---\ntitle: Changed\n---\nUnrelated edit.\n")
    admin = signed_in("ada")
    token = csrf_token(admin, "/studio/stops")
    assert admin.post("/studio/settings", data={"csrf_token": token, "git_commit": "on"}).status_code == 303
    job = finished_publish(app, submit_editor(signed_in("edna"), "wall", "ru", "publish", "Стена", NEW))
    assert job.commit and job.state == "done"
    log = git("log", "-1", "--format=%an|%s", "--name-only")
    assert log.startswith("edna|Publish wall (ru) from the studio")
    assert "stops/wall/ru.md" in log and "gate" not in log  # only the published file
    assert "stops/gate/en.md" in git("status", "--porcelain")


def test_a_cli_build_meets_the_studios_publish_and_is_refused_with_its_name(
    app: Flask, signed_in, studio_tour: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    holding, release = threading.Event(), threading.Event()
    real_build = pipeline.build

    def slow_build(tour, options):  # type: ignore[no-untyped-def]
        for event in real_build(tour, options):
            holding.set()  # the lock is held from the first event to the last
            release.wait(30)
            yield event

    monkeypatch.setattr(publishing, "build", slow_build)
    response = submit_editor(signed_in("edna"), "wall", "ru", "publish", "Стена", NEW)
    assert holding.wait(30)
    try:
        result = CliRunner().invoke(cli, ["build", "--project", str(studio_tour)])
        assert result.exit_code != 0
        assert "studio: edna publishing wall (ru)" in result.output
        assert "--wait" in result.output
    finally:
        release.set()
    assert finished_publish(app, response).state == "done"


def test_roles_on_the_new_routes(signed_in) -> None:
    kim = signed_in("kim")  # reviewer of kk
    response = submit_editor(kim, "wall", "kk", "save", "Қабырға", "Жоба.")
    assert response.status_code == 303  # a reviewer may keep a draft and listen
    assert submit_editor(kim, "wall", "kk", "publish", "Қабырға", "Жоба.").status_code == 403
    assert b'value="publish"' not in kim.get("/studio/edit/wall/kk").data
    assert kim.get("/studio/edit/wall/ru").status_code == 403  # not one of kim's languages
    token = csrf_token(kim, "/studio/edit/wall/kk")
    assert kim.post("/studio/history/wall/kk/1/restore", data={"csrf_token": token}).status_code == 403
    edna = signed_in("edna")  # editor
    assert edna.get("/studio/stops").status_code == 403
    token = csrf_token(edna, "/studio/")
    for url in ("/studio/stops", "/studio/stops/wall", "/studio/stops/wall/retire", "/studio/settings"):
        assert edna.post(url, data={"csrf_token": token, "id": "new", "number": "9"}).status_code == 403, url
    assert edna.get("/studio/posters.pdf").status_code == 403
    assert signed_in("ada").get("/studio/stops").status_code == 200


def test_the_url_map_enumeration_covers_the_new_routes(app: Flask) -> None:
    from tests.studio.test_studio_access import studio_urls

    endpoints = {rule.endpoint for rule, _ in studio_urls(app)}
    assert {
        "studio.edit",
        "studio.edit_submit",
        "studio.publish_status",
        "studio.publish_status_json",
        "studio.preview_status",
        "studio.preview_audio",
        "studio.preview_captions",
        "studio.history",
        "studio.restore",
        "studio.stops",
        "studio.stop_add",
        "studio.stop_update",
        "studio.stop_image",
        "studio.stop_retire",
        "studio.stop_image_file",
        "studio.stop_poster",
        "studio.posters_sheet",
        "studio.settings_update",
    } <= endpoints


def test_html_in_a_published_narration_is_escaped_on_the_visitor_page(app: Flask, signed_in) -> None:
    client = signed_in("edna")
    body = 'Стена <script>alert("x")</script> памяти. <img src=x onerror=alert(1)> Конец.'
    job = finished_publish(app, submit_editor(client, "wall", "ru", "publish", "<i>Стена</i>", body))
    assert job.state == "done"
    page = app.test_client().get("/ru/wall").get_data(as_text=True)
    assert "<script>alert" not in page and "onerror" not in page and "<i>Стена" not in page
    assert "&lt;i&gt;Стена&lt;/i&gt;" in page


def test_a_new_title_redraws_the_posters(app: Flask, signed_in, studio_tour: Path) -> None:
    from audioguide.qr import build_posters
    from audioguide.qr.state import load_state
    from audioguide.tour.load import load_tour

    tour, _ = load_tour(studio_tour)
    build_posters(tour)
    before = load_state(studio_tour / "qr")[0].stops["wall"].hash
    sheet = (studio_tour / "qr" / "posters.pdf").read_bytes()
    job = finished_publish(
        app, submit_editor(signed_in("edna"), "wall", "en", "publish", "The wall of names", "New.")
    )
    assert job.state == "done" and job.title_changed, job.as_json()
    assert load_state(studio_tour / "qr")[0].stops["wall"].hash != before
    assert (studio_tour / "qr" / "posters.pdf").read_bytes() != sheet
