"""Incremental builds: only what changed is synthesized and rewritten."""

from __future__ import annotations

import shutil
from pathlib import Path

import mutagen.mp3
import pytest
from click.testing import CliRunner

from audioguide.build.cache import SentenceCache
from tests.helpers.audio_checks import (
    build,
    current_files,
    decode,
    describe,
    invoke,
    manifest,
    mtimes,
    output,
    published,
    read_cues,
    separate_runner,
    snapshot,
    statuses,
    stderr_of,
)

ALL = {(stop, lang) for stop in ("gate", "wall") for lang in ("en", "ru", "kk")}


@pytest.fixture
def cli() -> CliRunner:
    return separate_runner()


@pytest.fixture
def built_tour(tour_dir: Path, cli: CliRunner) -> Path:
    report = build(cli, tour_dir)
    assert set(statuses(report).values()) == {"built"}
    return tour_dir


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def only_changed(report: dict, changed: set[tuple[str, str]]) -> None:
    for key, status in statuses(report).items():
        assert status == ("built" if key in changed else "unchanged"), (key, status)


def test_second_build_does_nothing(built_tour: Path, cli: CliRunner) -> None:
    audio = built_tour / "audio"
    before, times = snapshot(audio), mtimes(audio)
    report = build(cli, built_tour)
    assert set(statuses(report).values()) == {"unchanged"}
    assert report["sentences_synthesized"] == 0
    assert snapshot(audio) == before
    assert mtimes(audio) == times


def test_editing_one_sentence_synthesizes_one(built_tour: Path, cli: CliRunner) -> None:
    audio = built_tour / "audio"
    before = snapshot(audio)
    edit(built_tour / "stops/wall/en.md", "The wall of names.", "The long wall of names.")
    report = build(cli, built_tour)
    assert report["sentences_synthesized"] == 1
    assert report["sentences_cached"] == 1  # the other sentence of wall (en)
    only_changed(report, {("wall", "en")})
    after = snapshot(audio)
    changed = {name for name in after if after[name] != before.get(name)}
    assert changed == {"en/wall.mp3", "en/wall.vtt", "manifest.json"}
    assert read_cues(output(audio, "en/wall.vtt"))[0].text == "The long wall of names."


def test_changing_a_title_retags_without_synthesis(built_tour: Path, cli: CliRunner) -> None:
    edit(built_tour / "stops/gate/ru.md", "title: Ворота", "title: Главные ворота")
    report = build(cli, built_tour)
    assert report["sentences_synthesized"] == 0
    only_changed(report, {("gate", "ru")})
    assert str(mutagen.mp3.MP3(output(built_tour / "audio", "ru/gate.mp3")).tags["TIT2"]) == "Главные ворота"


def test_changing_a_stop_voice_rebuilds_only_that_stop(built_tour: Path, cli: CliRunner) -> None:
    stop_yaml = built_tour / "stops/gate/stop.yaml"
    stop_yaml.write_text(stop_yaml.read_text() + "voices: {en: [{espeak: en-us}]}\n", encoding="utf-8")
    report = build(cli, built_tour)
    only_changed(report, {("gate", "en")})
    gate_en = next(n for n in report["narrations"] if (n["stop"], n["lang"]) == ("gate", "en"))
    assert gate_en["voice"].lower() == "en-us"
    assert report["sentences_synthesized"] == 3  # every sentence of gate (en), in the new voice
    assert manifest(built_tour)["stops"]["gate"]["en"]["voice"].lower() == "en-us"


def test_lexicon_edit_resynthesizes_only_sentences_with_the_word(built_tour: Path, cli: CliRunner) -> None:
    (built_tour / "lexicon").mkdir()
    (built_tour / "lexicon/en.yaml").write_text("ALZHIR: Alzheer\n", encoding="utf-8")
    report = build(cli, built_tour)
    # Only "ALZHIR operated from 1937 to 1953." contains the word; ru and kk write АЛЖИР.
    assert report["sentences_synthesized"] == 1
    only_changed(report, {("wall", "en")})
    # An entry that leaves the spoken text as it was changes nothing.
    (built_tour / "lexicon/en.yaml").write_text("ALZHIR: Alzheer\nmemorial: memorial\n", encoding="utf-8")
    report = build(cli, built_tour)
    assert report["sentences_synthesized"] == 0
    assert set(statuses(report).values()) == {"unchanged"}
    (built_tour / "lexicon/en.yaml").write_text("ALZHIR: Alzheer\nmemorial: memoreeal\n", encoding="utf-8")
    report = build(cli, built_tour)
    assert report["sentences_synthesized"] == 1
    only_changed(report, {("gate", "en")})


def test_force_rebuilds_everything_from_the_cache(built_tour: Path, cli: CliRunner) -> None:
    times = mtimes(built_tour / "audio")
    report = build(cli, built_tour, "--force")
    assert set(statuses(report).values()) == {"built"}
    assert report["sentences_synthesized"] == 0
    assert report["sentences_cached"] == 13
    # Every narration was encoded again from the cache; the same input gives the same bytes,
    # so the same content-addressed files stand and nothing is rewritten.
    assert mtimes(built_tour / "audio") == times


def test_corrupt_cache_entry_is_rebuilt(built_tour: Path, cli: CliRunner) -> None:
    wavs = sorted((built_tour / ".audioguide-cache").rglob("*.wav"))
    assert len(wavs) == 13
    victim = wavs[0]
    size = victim.stat().st_size
    with victim.open("r+b") as handle:
        handle.truncate(size // 3)
    report = build(cli, built_tour, "--force")
    assert report["sentences_synthesized"] == 1
    assert not [n for n in report["narrations"] if n["status"] != "built"]
    assert victim.stat().st_size > size // 3
    assert SentenceCache(built_tour / ".audioguide-cache").load(victim.stem) is not None


def test_garbage_cache_entry_is_rebuilt(built_tour: Path, cli: CliRunner) -> None:
    victim = sorted((built_tour / ".audioguide-cache").rglob("*.wav"))[-1]
    victim.write_bytes(b"not a wave file at all")
    report = build(cli, built_tour, "--force")
    assert report["sentences_synthesized"] == 1
    assert set(statuses(report).values()) == {"built"}


def test_deleting_a_stop_removes_its_outputs(built_tour: Path, cli: CliRunner) -> None:
    shutil.rmtree(built_tour / "stops/wall")
    report = build(cli, built_tour)
    assert set(report["removed"]) == {"wall (en)", "wall (ru)", "wall (kk)"}
    assert set(statuses(report)) == {("gate", lang) for lang in ("en", "ru", "kk")}
    assert "wall" not in manifest(built_tour)["stops"]
    assert not list((built_tour / "audio").rglob("wall.*"))
    assert set(current_files(built_tour / "audio")) == {
        f"{lang}/gate.{kind}" for lang in ("en", "ru", "kk") for kind in ("mp3", "vtt")
    }
    assert {p.name.split(".")[0] for p in published(built_tour / "audio")} == {"gate"}


def test_deleting_a_language_file_removes_that_language(built_tour: Path, cli: CliRunner) -> None:
    (built_tour / "stops/gate/ru.md").unlink()
    report = build(cli, built_tour)
    assert report["removed"] == ["gate (ru)"]
    assert ("gate", "ru") not in statuses(report)
    assert "ru" not in manifest(built_tour)["stops"]["gate"]
    assert not list((built_tour / "audio/ru").glob("gate.*"))  # every version of it
    assert output(built_tour / "audio", "ru/wall.mp3").is_file()


def test_dropping_a_language_removes_its_folder(built_tour: Path, cli: CliRunner) -> None:
    tour_yaml = built_tour / "tour.yaml"
    lines = [
        line for line in tour_yaml.read_text(encoding="utf-8").splitlines() if not line.startswith("  kk:")
    ]
    tour_yaml.write_text("\n".join(lines).replace("[en, ru, kk]", "[en, ru]") + "\n", encoding="utf-8")
    for md in (built_tour / "stops").rglob("kk.md"):
        md.unlink()
    report = build(cli, built_tour)
    assert set(report["removed"]) == {"gate (kk)", "wall (kk)"}
    assert not (built_tour / "audio/kk").exists()
    assert all("kk" not in langs for langs in manifest(built_tour)["stops"].values())


def test_only_and_lang_limit_the_work(built_tour: Path, cli: CliRunner) -> None:
    for stop in ("gate", "wall"):
        for lang, old, new in (("en", "The ", "This "), ("ru", ".", "!"), ("kk", ".", "!")):
            edit(built_tour / f"stops/{stop}/{lang}.md", old, new)
    before = snapshot(built_tour / "audio")

    report = build(cli, built_tour, "--only", "gate")
    assert statuses(report) == {("gate", lang): "built" for lang in ("en", "ru", "kk")}
    after = snapshot(built_tour / "audio")
    assert {n for n in after if after[n] != before[n]} == {
        f"{lang}/gate.{ext}" for lang in ("en", "ru", "kk") for ext in ("mp3", "vtt")
    } | {"manifest.json"}

    report = build(cli, built_tour, "--lang", "ru")
    assert statuses(report) == {("gate", "ru"): "unchanged", ("wall", "ru"): "built"}
    assert snapshot(built_tour / "audio")["en/wall.mp3"] == before["en/wall.mp3"]

    report = build(cli, built_tour, "--only", "wall", "--lang", "kk")
    assert statuses(report) == {("wall", "kk"): "built"}
    assert snapshot(built_tour / "audio")["en/wall.mp3"] == before["en/wall.mp3"]

    report = build(cli, built_tour)
    only_changed(report, {("wall", "en")})


def test_only_accepts_an_alias(built_tour: Path, cli: CliRunner) -> None:
    stop_yaml = built_tour / "stops/gate/stop.yaml"
    stop_yaml.write_text(stop_yaml.read_text() + "aliases: [entrance]\n", encoding="utf-8")
    edit(built_tour / "stops/gate/en.md", "Please walk slowly.", "Please walk slowly and quietly.")
    report = build(cli, built_tour, "--only", "entrance", "--lang", "en")
    assert statuses(report) == {("gate", "en"): "built"}


def test_unknown_only_id_fails_clearly(built_tour: Path, cli: CliRunner) -> None:
    before = snapshot(built_tour / "audio")
    result = invoke(cli, "build", "-p", built_tour, "--offline", "--no-posters", "--only", "nowhere")
    assert result.exit_code == 1, describe(result)
    message = stderr_of(result)
    assert "nowhere" in message and "gate" in message and "wall" in message
    assert "Traceback" not in message
    result = invoke(cli, "build", "-p", built_tour, "--offline", "--no-posters", "--lang", "de")
    assert result.exit_code == 1, describe(result)
    assert "de" in stderr_of(result) and "tour.yaml" in stderr_of(result)
    assert snapshot(built_tour / "audio") == before


def test_cache_dir_is_honoured(tour_dir: Path, tmp_path: Path, cli: CliRunner) -> None:
    cache = tmp_path / "elsewhere"
    report = build(cli, tour_dir, "--cache-dir", cache)
    assert report["sentences_synthesized"] == 13
    assert len(list(cache.rglob("*.wav"))) == 13
    assert not (tour_dir / ".audioguide-cache").exists()
    report = build(cli, tour_dir, "--cache-dir", cache, "--force")
    assert report["sentences_synthesized"] == 0


def test_cache_dir_from_the_environment(
    tour_dir: Path, tmp_path: Path, cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "env-cache"
    monkeypatch.setenv("AUDIOGUIDE_CACHE_DIR", str(cache))
    build(cli, tour_dir)
    assert len(list(cache.rglob("*.wav"))) == 13
    assert not (tour_dir / ".audioguide-cache").exists()


def test_deleted_output_is_rebuilt(built_tour: Path, cli: CliRunner) -> None:
    output(built_tour / "audio", "kk/gate.mp3").unlink()
    output(built_tour / "audio", "ru/wall.vtt").write_text("WEBVTT\n\n", encoding="utf-8")
    report = build(cli, built_tour)
    assert report["sentences_synthesized"] == 0
    only_changed(report, {("gate", "kk"), ("wall", "ru")})
    assert output(built_tour / "audio", "kk/gate.mp3").is_file()
    assert len(read_cues(output(built_tour / "audio", "ru/wall.vtt"))) == 2


def test_audio_settings_change_rebuilds_everything_from_the_cache(built_tour: Path, cli: CliRunner) -> None:
    tour_yaml = built_tour / "tour.yaml"
    tour_yaml.write_text(
        tour_yaml.read_text(encoding="utf-8") + "audio:\n  loudness: -20\n", encoding="utf-8"
    )
    report = build(cli, built_tour)
    assert set(statuses(report).values()) == {"built"}
    assert report["sentences_synthesized"] == 0
    assert decode(output(built_tour / "audio", "ru/wall.mp3")).loudness == pytest.approx(-20, abs=1)
    # A new sentence gap changes the timing, still without synthesis.
    tour_yaml.write_text(
        tour_yaml.read_text(encoding="utf-8") + "  sentence_pause: 700ms\n", encoding="utf-8"
    )
    report = build(cli, built_tour)
    assert report["sentences_synthesized"] == 0
    cues = read_cues(output(built_tour / "audio", "en/wall.vtt"))
    assert cues[1].start - cues[0].end == pytest.approx(0.7, abs=0.002)
