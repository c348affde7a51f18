"""A recorded narration on the visitor page and in the API: "Read by <narrator>", plain words for
a computer's voice, and no engine names for visitors (issue 10)."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from audioguide.i18n import STRINGS, VOICE_NOTE_KEYS
from audioguide.published import RECORDING_ENGINE, Manifest
from audioguide.web.openapi import openapi_document
from tests.web.test_web_api import validator

# Every engine's name as staff read it, and the words they go by.
ENGINE_WORDS = ("eSpeak", "Piper", "Google", "gTTS", "espeak", "piper")


@pytest.fixture
def recorded_client(web_tour: Path, tmp_path: Path):
    """gate is read by a named narrator in every language; wall (en) by an unnamed one."""
    from audioguide.web import create_app

    manifest = Manifest.load(web_tour / "audio")
    for key, voice in {
        ("gate", "en"): "Aigul S.",
        ("gate", "ru"): "Aigul S.",
        ("gate", "kk"): "Aigul S.",
        ("wall", "en"): "en.m4a",  # no narrator in the front matter: the file name
    }.items():
        published = manifest.get(*key)
        assert published is not None
        manifest.put(
            *key,
            replace(
                published,
                engine=RECORDING_ENGINE,
                voice=voice,
                engine_version="recording sha256:0123456789ab",
                preferred_engine=RECORDING_ENGINE,
            ),
        )
    manifest.save()
    return create_app(web_tour, stats_db=tmp_path / "stats.sqlite3", testing=True).test_client()


def note(html: str) -> str:
    found = re.findall(r'<p class="note">([^<]*)</p>', html)
    assert found, html
    return found[0]


@pytest.mark.parametrize(
    ("lang", "words"),
    [("en", "Read by Aigul S."), ("ru", "Читает: Aigul S."), ("kk", "Оқыған: Aigul S.")],
)
def test_the_page_credits_the_narrator(recorded_client, lang: str, words: str) -> None:
    html = recorded_client.get(f"/{lang}/gate").get_data(as_text=True)
    assert note(html) == words
    assert STRINGS[lang]["synthetic_voice"] not in html
    assert not [word for word in ENGINE_WORDS if word in html]
    assert RECORDING_ENGINE not in html.replace("recording sha256", "")


def test_an_unnamed_reader_is_not_their_file_name(recorded_client) -> None:
    html = recorded_client.get("/en/wall").get_data(as_text=True)
    assert note(html) == "Read by a person, recorded for this guide."
    assert "m4a" not in html


def test_a_synthetic_voice_is_named_plainly_without_its_engine(recorded_client) -> None:
    html = recorded_client.get("/ru/wall").get_data(as_text=True)
    assert note(html) == "Голос сгенерирован компьютером."
    assert not [word for word in ENGINE_WORDS if word in html]
    assert note(recorded_client.get("/kk/wall").get_data(as_text=True)) == "Дауысты компьютер жасаған."


def test_no_visitor_string_names_an_engine() -> None:
    for lang, strings in STRINGS.items():
        for key in VOICE_NOTE_KEYS:
            assert key in strings, (lang, key)
        assert not [(k, v) for k, v in strings.items() for word in ENGINE_WORDS if word in v], lang


def test_the_api_says_who_reads(recorded_client) -> None:
    gate = recorded_client.get("/api/v1/stops/gate?lang=kk").get_json()
    validator("Stop").validate(gate)
    assert gate["voice"] == {
        "synthetic": False,
        "engine": "recording",
        "engine_name": "recording",
        "voice": "Aigul S.",
        "fallback": False,
        "narrator": "Aigul S.",
    }
    wall = recorded_client.get("/api/v1/stops/wall?lang=en").get_json()
    validator("Stop").validate(wall)
    assert wall["voice"]["synthetic"] is False and wall["voice"]["narrator"] is None
    assert wall["voice"]["voice"] == "en.m4a"
    # The engine stays in the API for apps: a synthetic stop says which.
    synthetic = recorded_client.get("/api/v1/stops/wall?lang=ru").get_json()
    assert synthetic["voice"]["synthetic"] is True and synthetic["voice"]["engine_name"] == "eSpeak NG"
    assert "narrator" in openapi_document()["components"]["schemas"]["Voice"]["required"]
