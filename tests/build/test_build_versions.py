"""Content-addressed outputs (issue 11): a rebuild never replaces a published file in place,
older versions keep serving their exact bytes for a while, then make way."""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

from audioguide.published import Manifest
from audioguide.web import create_app
from tests.helpers.audio_checks import build, current_files, published, separate_runner
from tests.helpers.tours import write_tour

STOPS = {"gate": {"en": "The gate of the memorial."}}


def audio_url(html: str) -> str:
    found = re.search(r"/media/[0-9a-f]{16}/en/gate\.mp3", html)
    assert found, "the page names no audio"
    return found.group(0)


def rewrite(root: Path, text: str) -> None:
    (root / "stops/gate/en.md").write_text(f"---\ntitle: The gate\n---\n{text}\n", encoding="utf-8")


def test_versions_kept_served_and_let_go(tmp_path: Path) -> None:
    root = write_tour(
        tmp_path / "tour",
        languages=("en",),
        stops=STOPS,
        extra_tour_yaml="old_audio: {keep_versions: 2, keep_days: 0}\n",
    )
    runner = separate_runner()
    client = create_app(root, stats_db=tmp_path / "s.db", testing=True).test_client()
    pages: list[tuple[str, bytes]] = []  # (audio URL a page showed, the bytes it named)
    for round_number in range(4):
        rewrite(root, f"Version {round_number} of the gate text.")
        build(runner, root, "--no-posters")
        html = client.get("/en/gate").get_data(as_text=True)
        url = audio_url(html)
        pages.append((url, current_files(root / "audio")["en/gate.mp3"].read_bytes()))
    mp3s = [p for p in published(root / "audio") if p.suffix == ".mp3"]
    assert len(mp3s) == 2  # the current one and the one before it
    for path in mp3s:  # each holds the bytes its name promises
        assert hashlib.sha256(path.read_bytes()).hexdigest().startswith(path.name.split(".")[1])
    # The page of the last two rounds still plays exactly what it showed; older pages are sent on.
    for url, data in pages[-2:]:
        answer = client.get(url)
        assert answer.status_code == 200 and answer.data == data
        ranged = client.get(url, headers={"Range": "bytes=100-199"})
        assert ranged.status_code == 206 and ranged.data == data[100:200]
    for url, _ in pages[:-2]:
        answer = client.get(url)
        assert answer.status_code == 302 and answer.headers["Location"] == pages[-1][0]


def test_audio_published_before_versioned_names_moves_over(tmp_path: Path) -> None:
    """A manifest of the previous layout (audio/en/gate.mp3) serves as it is, and the next
    build keeps its bytes under a versioned name instead of overwriting them."""
    root = write_tour(tmp_path / "tour", languages=("en",), stops=STOPS)
    runner = separate_runner()
    build(runner, root, "--no-posters")
    audio = root / "audio"
    data = json.loads((audio / "manifest.json").read_text(encoding="utf-8"))
    entry = data["stops"]["gate"]["en"]
    for kind, suffix in (("audio", ".mp3"), ("captions", ".vtt")):
        legacy = audio / "en" / f"gate{suffix}"
        os.replace(audio / entry[kind]["path"], legacy)
        entry[kind]["path"] = f"en/gate{suffix}"
    (audio / "manifest.json").write_text(json.dumps(data), encoding="utf-8")
    old_bytes = (audio / "en/gate.mp3").read_bytes()
    client = create_app(root, stats_db=tmp_path / "s.db", testing=True).test_client()
    old_url = audio_url(client.get("/en/gate").get_data(as_text=True))
    assert client.get(old_url).data == old_bytes

    report = build(runner, root, "--no-posters")  # unchanged: the legacy files are intact
    assert report["narrations"][0]["status"] == "unchanged"
    rewrite(root, "A new text for the gate.")
    build(runner, root, "--no-posters")
    assert not (audio / "en/gate.mp3").exists()
    assert Manifest.load(audio).get("gate", "en").audio.path != "en/gate.mp3"
    answer = client.get(old_url)
    assert answer.status_code == 200 and answer.data == old_bytes


def test_a_damaged_file_under_a_versioned_name_is_replaced(tmp_path: Path) -> None:
    """The same bytes again get the same name; a file there that no longer holds them (same
    size, damaged) is replaced, not trusted, so the next build repairs it."""
    root = write_tour(tmp_path / "tour", languages=("en",), stops=STOPS)
    runner = separate_runner()
    build(runner, root, "--no-posters")
    path = current_files(root / "audio")["en/gate.mp3"]
    good = path.read_bytes()
    path.write_bytes(good[:200] + bytes(b ^ 0xFF for b in good[200:210]) + good[210:])
    build(runner, root, "--no-posters")
    assert current_files(root / "audio")["en/gate.mp3"].read_bytes() == good
