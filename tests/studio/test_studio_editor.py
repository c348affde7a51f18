"""The editor: what it shows, drafts (kept across a restart), problems beside their lines,
previews ("Listen"), and the conflict page when two staff edit the same narration."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask

from audioguide.studio.accounts import Accounts
from audioguide.studio.state import EXTENSION
from audioguide.studio.texts import compose, split
from tests.helpers.studio import editor_base, finished_publish, submit_editor, wait_until

RU = Path("stops") / "wall" / "ru.md"


def test_the_editor_shows_title_body_line_numbers_and_help(signed_in, studio_tour: Path) -> None:
    page = signed_in("edna").get("/studio/edit/wall/ru")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'value="Стена"' in html
    assert "Стена памяти. АЛЖИР действовал с 1937 по 1953 год." in html
    # The fixture's file: ---, needs_review, title, --- ; the body starts on line 5.
    assert '<ol class="gutter" aria-hidden="true" start="5"' in html
    assert "<code>[pause 2s]</code>" in html and "<code>[[ALZHIR|Alzheer]]</code>" in html
    assert page.headers["Cache-Control"] == "no-store"


def test_html_and_script_in_a_narration_are_shown_escaped(signed_in, studio_tour: Path) -> None:
    client = signed_in("edna")
    evil = 'Стена. <script>alert("x")</script> <img src=x onerror=alert(1)>'
    response = submit_editor(client, "wall", "ru", "save", '"><script>alert(2)</script>', evil)
    assert response.status_code == 303
    html = client.get("/studio/edit/wall/ru").get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert 'value="&#34;&gt;&lt;script&gt;alert(2)&lt;/script&gt;"' in html


def test_a_draft_leaves_the_file_alone_and_survives_a_restart(
    signed_in, studio_tour: Path, tmp_path: Path
) -> None:
    before = (studio_tour / RU).read_bytes()
    client = signed_in("edna")
    response = submit_editor(client, "wall", "ru", "save", "Стена", "Черновик: новая фраза.")
    assert response.status_code == 303
    assert (studio_tour / RU).read_bytes() == before  # visitors still get the published text
    from audioguide.web import create_app

    restarted = create_app(studio_tour, stats_db=tmp_path / "stats.sqlite3", testing=True)
    again = restarted.test_client()
    from tests.helpers.studio import sign_in

    assert sign_in(again, "edna").status_code == 303
    html = again.get("/studio/edit/wall/ru").get_data(as_text=True)
    assert "Черновик: новая фраза." in html and "unpublished draft" in html
    # Another staff member sees the published text, and that edna has a draft.
    other = signed_in("ada").get("/studio/edit/wall/ru").get_data(as_text=True)
    assert "Черновик" not in other and "edna also has an unpublished draft" in other


def test_problems_are_shown_beside_their_lines(signed_in) -> None:
    client = signed_in("edna")
    submit_editor(client, "wall", "ru", "save", "Стена", "Первая строка.\n\nВторая [pause soon] строка.")
    html = client.get("/studio/edit/wall/ru").get_data(as_text=True)
    # Body from line 5: the pause is on line 7 of the file, as `audioguide check` would say.
    assert re.search(r'<li class="error" title="[^"]*\[pause soon\][^"]*">7</li>', html)
    assert "line 7</a> <strong>error</strong>: cannot read &#39;[pause soon]&#39;" in html


def test_publishing_a_text_with_errors_is_refused_and_keeps_the_draft(signed_in, studio_tour: Path) -> None:
    before = (studio_tour / RU).read_bytes()
    client = signed_in("edna")
    response = submit_editor(client, "wall", "ru", "publish", "", "Текст.")
    assert response.status_code == 303 and response.headers["Location"].endswith("#problems")
    assert (studio_tour / RU).read_bytes() == before
    html = client.get("/studio/edit/wall/ru").get_data(as_text=True)
    assert "Not published: fix the 1 problem(s)" in html and "&#39;title&#39; is missing" in html


def test_listen_speaks_the_draft_into_the_scratch_folder(app: Flask, signed_in, studio_tour: Path) -> None:
    client = signed_in("edna")
    manifest_before = (studio_tour / "audio" / "manifest.json").read_bytes()
    body = "Стена памяти. Это новое предложение для прослушивания."
    response = submit_editor(client, "wall", "ru", "listen", "Стена", body)
    assert response.status_code == 303
    key = re.search(r"preview=([0-9a-f]+)", response.headers["Location"]).group(1)
    previews = app.extensions[EXTENSION].previews
    wait_until(lambda: previews.get(key).state != "working", what="the preview")
    status = client.get(f"/studio/preview/{key}/status.json").get_json()
    assert status["state"] == "ready", status
    assert status["sentences"] == 2 and status["synthesized"] == 2
    with client.get(status["audio"]) as audio:
        assert audio.status_code == 200 and audio.mimetype == "audio/mpeg" and len(audio.data) > 1000
    with client.get(status["captions"]) as captions:
        assert "Это новое предложение для прослушивания." in captions.get_data(as_text=True)
    assert previews.get(key).mp3.parent == studio_tour / ".audioguide-cache" / "preview"
    assert (studio_tour / "audio" / "manifest.json").read_bytes() == manifest_before
    page = client.get(f"/studio/edit/wall/ru?preview={key}").get_data(as_text=True)
    assert f"/studio/preview/{key}/audio.mp3" in page and 'kind="captions"' in page
    # A one-sentence edit speaks that sentence only: the rest comes from the sentence cache.
    response = submit_editor(client, "wall", "ru", "listen", "Стена", body.replace("новое", "другое"))
    key2 = re.search(r"preview=([0-9a-f]+)", response.headers["Location"]).group(1)
    wait_until(lambda: previews.get(key2).state != "working", what="the preview")
    assert previews.get(key2).synthesized == 1
    # A reviewer for kk may not listen to (or read) the ru previews.
    assert signed_in("kim").get(f"/studio/preview/{key}/audio.mp3").status_code == 403


def test_a_stale_save_gets_the_conflict_page_and_loses_nothing(
    app: Flask, signed_in, studio_tour: Path, staff: Accounts
) -> None:
    edna, ada = signed_in("edna"), signed_in("ada")
    _, loaded = editor_base(edna, "wall", "ru")  # edna opens the editor
    theirs = "Стена памяти. Текст Ады."
    job = finished_publish(app, submit_editor(ada, "wall", "ru", "publish", "Стена", theirs))
    assert job.state in ("done", "failed")
    mine = "Стена памяти. Текст Эдны."
    conflict = submit_editor(edna, "wall", "ru", "publish", "Стена", mine, base=loaded)
    html = conflict.get_data(as_text=True)
    assert conflict.status_code == 409
    assert "Someone else published this text meanwhile" in html and "Last published by ada" in html
    assert theirs in html and mine in html
    assert '<span class="del">-Стена памяти. Текст Ады.</span>' in html
    assert '<span class="add">+Стена памяти. Текст Эдны.</span>' in html
    assert theirs in (studio_tour / RU).read_text(encoding="utf-8")  # not overwritten
    # Nothing lost: edna's text is her draft, marked stale until she chooses.
    page = edna.get("/studio/edit/wall/ru").get_data(as_text=True)
    assert mine in page and "The published text has changed since your draft" in page
    token, _ = editor_base(edna, "wall", "ru")
    response = edna.post("/studio/edit/wall/ru", data={"csrf_token": token, "action": "mine"})
    assert response.status_code == 303
    token, base = editor_base(edna, "wall", "ru")
    finished_publish(app, submit_editor(edna, "wall", "ru", "publish", "Стена", mine, base=base))
    assert mine in (studio_tour / RU).read_text(encoding="utf-8")


def test_compose_changes_only_the_title_and_the_body() -> None:
    original = (
        "\ufeff---\r\n# keep me\r\ntitle: Old   # comment\r\nneeds_review: true\r\n---\r\nOld body.\r\n"
    )
    new = compose(original, "New: title", "New body.\n\nSecond.")
    assert new == (
        '\ufeff---\r\n# keep me\r\ntitle: "New: title"   # comment\r\nneeds_review: true\r\n---\r\n'
        "New body.\r\n\r\nSecond.\r\n"
    )
    assert compose("---\ntitle:\n---\nOld.\n", "T", "B") == "---\ntitle: T\n---\nB\n"
    assert split(new).title == "New: title" and split(new).body_line == 6
    assert split(compose(None, "Заголовок", "Текст.")) == split("---\ntitle: Заголовок\n---\nТекст.\n")
