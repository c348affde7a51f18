"""Piper voices by name (search order), speakers of multi-speaker voices, and what check and
build say about a voice that is not downloaded yet."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from audioguide.engines import piper
from audioguide.engines.piper import PiperEngine, installed_voices, user_voices_dir
from audioguide.errors import EngineError
from tests.helpers.audio_checks import build, describe, invoke, separate_runner, stderr_of
from tests.helpers.voice_server import JOE, VoiceServer

SPEAKERS = ["ISSAI_KazakhTTS2_M2", "ISSAI_KazakhTTS_M1_Iseke", "ISSAI_KazakhTTS2_F1"]


def fake_voice(folder: Path, name: str, speakers: list[str] | None = None) -> Path:
    """A voice's files as the engine finds them (resolving never loads the model)."""
    folder.mkdir(parents=True, exist_ok=True)
    config = json.loads(installed_voices()[JOE].with_name(f"{JOE}.onnx.json").read_text(encoding="utf-8"))
    config["language"] = {"code": name.split("-")[0]}
    config["num_speakers"] = len(speakers) if speakers else 1
    config["speaker_id_map"] = {s: i for i, s in enumerate(speakers or [])}
    (folder / f"{name}.onnx.json").write_text(json.dumps(config), encoding="utf-8")
    (folder / f"{name}.onnx").write_bytes(b"not a real model")
    return folder / f"{name}.onnx"


def tour_with_voices(make_tour, chain: str, lang: str = "en") -> Path:
    """A one-language tour whose `voices.<lang>` (tour.yaml line 6) is `chain`."""
    return make_tour(languages=(lang,), voices=None, extra_tour_yaml=f"voices:\n  {lang}: {chain}\n")


def test_a_name_is_found_in_the_project_then_the_voice_folder_then_wheels(tmp_path: Path) -> None:
    engine, project = PiperEngine(), tmp_path / "project"
    wheel = engine.resolve("en", JOE, project)
    assert wheel.model_path == str(installed_voices()[JOE])
    downloaded = fake_voice(user_voices_dir(), JOE)
    assert engine.resolve("en", JOE, project).model_path == str(downloaded)
    own = fake_voice(project / "voices", JOE)
    assert engine.resolve("en", JOE, project).model_path == str(own)


def test_a_downloaded_voice_serves_its_language_by_default(tmp_path: Path) -> None:
    fake_voice(user_voices_dir(), "kk_KZ-issai-high", SPEAKERS)
    assert PiperEngine().resolve("kk", None, tmp_path).name == "kk_KZ-issai-high"


def test_a_speaker_is_chosen_by_name_or_number_and_changes_the_fingerprint(tmp_path: Path) -> None:
    fake_voice(tmp_path / "voices", "kk_KZ-issai-high", SPEAKERS)
    engine = PiperEngine()
    default = engine.resolve("kk", "kk_KZ-issai-high", tmp_path)
    by_name = engine.resolve("kk", "kk_KZ-issai-high", tmp_path, "ISSAI_KazakhTTS2_F1")
    by_number = engine.resolve("kk", "kk_KZ-issai-high", tmp_path, "2")
    other = engine.resolve("kk", "kk_KZ-issai-high", tmp_path, "ISSAI_KazakhTTS2_M2")
    assert (default.speaker_id, by_name.speaker_id, other.speaker_id) == (None, 2, 0)
    assert by_name == by_number
    assert len({default.fingerprint, by_name.fingerprint, other.fingerprint}) == 3
    with pytest.raises(
        EngineError, match="ISSAI_KazakhTTS2_M2, ISSAI_KazakhTTS_M1_Iseke, ISSAI_KazakhTTS2_F1"
    ):
        engine.resolve("kk", "kk_KZ-issai-high", tmp_path, "F1")
    with pytest.raises(EngineError, match="single speaker"):
        engine.resolve("en", JOE, tmp_path, "0")


def test_the_speaker_is_passed_to_piper(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = []

    class Loaded:
        def synthesize(self, text: str, syn_config) -> list:
            seen.append(syn_config)
            return [SimpleNamespace(audio_int16_array=np.ones(100, dtype=np.int16), sample_rate=22050)]

    monkeypatch.setattr(piper, "_load", lambda _path: Loaded())
    fake_voice(tmp_path / "voices", "kk_KZ-issai-high", SPEAKERS)
    voice = PiperEngine().resolve("kk", "kk_KZ-issai-high", tmp_path, "ISSAI_KazakhTTS2_F1")
    PiperEngine().synthesize("Сәлем.", voice)
    assert seen[0].speaker_id == 2 and seen[0].length_scale == piper.LENGTH_SCALE


def test_check_names_the_valid_speakers_at_the_line(make_tour) -> None:
    root = tour_with_voices(make_tour, "[{piper: kk_KZ-issai-high, speaker: F1}, espeak]", lang="kk")
    fake_voice(root / "voices", "kk_KZ-issai-high", SPEAKERS)
    result = invoke(separate_runner(), "check", "-p", root)
    assert result.exit_code == 1
    assert "tour.yaml:6: error:" in describe(result)
    assert "no speaker 'F1'; choose one of: ISSAI_KazakhTTS2_M2, ISSAI_KazakhTTS_M1_Iseke" in describe(result)

    (root / "tour.yaml").write_text(
        (root / "tour.yaml")
        .read_text(encoding="utf-8")
        .replace("speaker: F1", "speaker: ISSAI_KazakhTTS2_F1"),
        encoding="utf-8",
    )
    result = invoke(separate_runner(), "check", "-p", root)
    assert result.exit_code == 0, describe(result)


def test_a_speaker_is_only_for_piper(make_tour) -> None:
    root = tour_with_voices(make_tour, "[{espeak: en, speaker: 1}]")
    result = invoke(separate_runner(), "check", "-p", root)
    assert result.exit_code == 1
    assert "tour.yaml:6: error: voices.en: espeak has no speakers to choose from" in describe(result)


def test_a_voice_not_downloaded_names_the_command_in_check_and_build(make_tour) -> None:
    root = tour_with_voices(make_tour, "[{piper: en_US-amy-medium}, espeak]")
    command = "audioguide voices get en_US-amy-medium"
    result = invoke(separate_runner(), "check", "-p", root)
    assert result.exit_code == 0, describe(result)
    assert "tour.yaml:6: warning:" in result.stdout and command in result.stdout

    runner = separate_runner()
    result = invoke(runner, "build", "-p", root, "--offline", "--no-posters")
    assert result.exit_code == 0, describe(result)
    notices = stderr_of(result)
    assert command in notices and "FALLBACK" not in notices  # asked for, in effect: calm
    assert "2 narration(s) used espeak (en) instead of piper: gate (en), wall (en)." in notices


@pytest.mark.slow
def test_a_build_speaks_with_a_voice_got_into_the_project(make_tour, voice_server: VoiceServer) -> None:
    root = tour_with_voices(make_tour, f"[{{piper: {JOE}}}]")
    got = invoke(
        separate_runner(), "voices", "get", JOE, "--mirror", voice_server.url, "--into", root / "voices"
    )
    assert got.exit_code == 0, describe(got)
    assert PiperEngine().resolve("en", JOE, root).model_path == str(root / "voices" / f"{JOE}.onnx")
    report = build(separate_runner(), root)
    assert {(n["engine"], n["voice"], n["status"]) for n in report["narrations"]} == {("piper", JOE, "built")}
