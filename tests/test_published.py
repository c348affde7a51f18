"""audio/manifest.json as a typed contract: what is written reads back the same, and every
malformed shape is reported and treated as absent, never a crash (issue 11, defect 6)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audioguide.published import (
    FileRecord,
    FileVerifier,
    Manifest,
    PublishedNarration,
    TranscriptBlock,
)

DIGEST = "ab" * 32


def narration(**changes: object) -> PublishedNarration:
    fields: dict[str, object] = {
        "audio": FileRecord("en/gate.mp3", 10, DIGEST),
        "captions": FileRecord("en/gate.vtt", 5, DIGEST),
        "duration": 12.5,
        "sentences": 2,
        "engine": "espeak",
        "voice": "en",
        "engine_version": "espeak-ng 1.52",
        "preferred_engine": "espeak",
        "fallback": False,
        "input_hash": "f" * 64,
        "transcript": (TranscriptBlock("paragraph", ("<em>One.</em>", "Two."), ("One.", "Two.")),),
    }
    fields.update(changes)
    return PublishedNarration(**fields)  # type: ignore[arg-type]


def test_round_trip(tmp_path: Path) -> None:
    manifest = Manifest(tmp_path)
    manifest.put("gate", "en", narration())
    manifest.save()
    again = Manifest.load(tmp_path)
    assert again.problems == []
    assert again.get("gate", "en") == narration()
    assert again.get("gate", "en").plain_text() == "One. Two."


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ("not json", "cannot be read"),
        ('{"format": 99, "stops": {}}', "format 1"),
        ('{"format": 1, "stops": []}', "format 1"),
        ('{"format": 1, "stops": {"welcome": "x"}}', "stops.welcome is not an object"),
        ('{"format": 1, "stops": {"welcome": {"en": "x"}}}', "stops.welcome.en is not an object"),
        ('{"format": 1, "stops": {"welcome": {"en": {}}}}', "duration"),
    ],
)
def test_malformed_manifests_are_reported_not_fatal(tmp_path: Path, document: str, expected: str) -> None:
    (tmp_path / "manifest.json").write_text(document, encoding="utf-8")
    manifest = Manifest.load(tmp_path)
    assert manifest.narrations == {}
    assert len(manifest.problems) == 1
    assert expected in manifest.problems[0] and "audioguide build" in manifest.problems[0]


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (("transcript", 0, "text", 0), 5, "transcript[0]"),
        (("transcript", 0, "html"), ["only one"], "transcript[0]"),
        (("audio", "sha256"), "not-a-hash", "audio.sha256"),
        (("audio", "bytes"), "10", "audio.bytes"),
        (("captions",), None, "captions"),
        (("duration",), True, "duration"),
        (("sentences",), 2.5, "sentences"),
    ],
)
def test_one_bad_entry_leaves_the_others(tmp_path: Path, path: tuple, value: object, expected: str) -> None:
    manifest = Manifest(tmp_path)
    manifest.put("gate", "en", narration())
    manifest.put("wall", "en", narration())
    data = json.loads(manifest.to_json())
    target = data["stops"]["gate"]["en"]
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    (tmp_path / "manifest.json").write_text(json.dumps(data), encoding="utf-8")
    loaded = Manifest.load(tmp_path)
    assert loaded.get("wall", "en") == narration()
    assert loaded.get("gate", "en") is None
    assert len(loaded.problems) == 1 and expected in loaded.problems[0]


def test_verifier_hashes_only_after_a_change(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    file = tmp_path / "en" / "gate.mp3"
    file.write_bytes(b"audio bytes")
    record = FileRecord.of(tmp_path, file)
    verifier = FileVerifier(tmp_path)
    assert verifier.holds(record)
    assert file in verifier.known
    file.write_bytes(b"other bytes")  # same size, new content
    assert not verifier.holds(record)
    file.unlink()
    assert not verifier.holds(record)


def test_check_warns_about_a_damaged_manifest(tour_dir: Path, runner) -> None:
    from audioguide.cli import cli

    (tour_dir / "audio").mkdir()
    (tour_dir / "audio" / "manifest.json").write_text('{"format": 1, "stops": {"gate": "x"}}')
    result = runner.invoke(cli, ["check", "--project", str(tour_dir)])
    assert result.exit_code == 0, result.output
    assert "manifest.json" in result.output and "stops.gate is not an object" in result.output
    assert "audioguide build" in result.output
