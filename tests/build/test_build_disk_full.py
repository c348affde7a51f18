"""A disk that fills during a build: at each kind of write (sentence cache, audio, captions,
manifest, posters, the poster state) the build stops with one clear message naming the file,
the cause and what to do, still prints its summary, and leaves every published file as the
manifest describes it; the next build completes. bench/faults.py runs every single write."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers.audio_checks import describe, invoke, separate_runner
from tests.helpers.faults import DiskFull, disk_full_run, first_of_each_site, manifest_mismatches
from tests.helpers.tours import write_tour

STOPS = {
    "gate": {"en": "The gate of the memorial. Visitors enter here in silence."},
    "wall": {"en": "The wall of names. It was built in 1937."},
}


def holder_note(path: Path) -> bool:
    return path.name.startswith(".audioguide-build")  # the lock's courtesy note


def edit(root: Path) -> None:
    """New words and new titles: the rebuild writes audio, captions, manifest and posters."""
    for stop in STOPS:
        path = root / "stops" / stop / "en.md"
        text = path.read_text(encoding="utf-8").replace("title: The", "title: Our")
        text = text.replace("memorial", "monument").replace("names", "remembrance")
        path.write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def edited(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    """A built tour, then edited; and the writes its rebuild makes, in order."""
    folder = tmp_path_factory.mktemp("disk-full")
    root = write_tour(folder / "base", languages=("en",), stops=STOPS)
    runner = separate_runner()
    result = invoke(runner, "build", "-p", root, "--offline", "--jobs", "1")
    assert result.exit_code == 0, describe(result)
    edit(root)
    probe = folder / "probe"
    shutil.copytree(root, probe)
    with DiskFull().installed() as disk:
        result = invoke(runner, "build", "-p", probe, "--offline", "--jobs", "1")
    assert result.exit_code == 0, describe(result)
    return root, [probe / target.relative_to(probe) for target in disk.targets]


def test_every_kind_of_write_fails_cleanly(edited, tmp_path: Path) -> None:
    base, targets = edited
    probe = targets[0].parents[len(targets[0].relative_to(base.parent / "probe").parts) - 1]
    chosen = first_of_each_site(targets, probe, STOPS, skip=lambda p: False)
    sites = set()
    failures = []
    for index in chosen:
        project = tmp_path / f"run-{index}"
        shutil.copytree(base, project)
        # The next build after a failed manifest save (bench/faults.py: after every failure).
        rebuild = targets[index].name == "manifest.json"
        run = disk_full_run(project, index, STOPS, courtesy=holder_note, rebuild=rebuild)
        sites.add(run.site)
        if run.problems:
            failures.append(f"{run.site} ({run.target}): {run.problems}\n{run.output}")
    assert not failures, "\n\n".join(failures)
    assert {"audio/manifest.json", "audio/en/*.mp3", "audio/en/*.vtt", "qr/*.pdf", "qr/posters.json"} <= {
        s.replace("*.*.", "*.") for s in sites
    }, sites


def test_the_message_and_the_summary(edited, tmp_path: Path) -> None:
    """The manifest of the second narration cannot be saved: the first stays built (and
    published), the second is reported not published, and the person reads why and what to do."""
    base, targets = edited
    names = [t.name for t in targets]
    second_manifest = [i for i, name in enumerate(names) if name == "manifest.json"][1]
    project = tmp_path / "project"
    shutil.copytree(base, project)
    runner = separate_runner()
    with DiskFull(second_manifest).installed():
        result = invoke(runner, "build", "-p", project, "--offline", "--jobs", "1")
    assert result.exit_code == 1, describe(result)
    assert (
        "Error: could not write audio/manifest.json: No space left on device (ENOSPC);"
        " free some disk space and run the build again; every published file is intact"
    ) in describe(result)
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["stop", "lang", "status", "engine", "voice", "duration"]
    rows = {line.split()[0]: line.split()[2] for line in lines[2:4]}
    assert rows == {"gate": "built", "wall": "failed"}, result.stdout
    assert "not published, the previous audio stays" in describe(result)
    assert manifest_mismatches(project / "audio") == []


def test_json_report_carries_the_error(edited, tmp_path: Path) -> None:
    import json

    base, targets = edited
    last_manifest = max(i for i, t in enumerate(targets) if t.name == "manifest.json")
    project = tmp_path / "project"
    shutil.copytree(base, project)
    with DiskFull(last_manifest).installed():
        result = invoke(separate_runner(), "build", "-p", project, "--offline", "--jobs", "1", "--json")
    assert result.exit_code == 1, describe(result)
    report = json.loads(result.stdout)
    assert report["error"].startswith("could not write audio/manifest.json: No space left on device")
    assert len(report["narrations"]) == 2


def test_qr_command_says_what_and_why(edited, tmp_path: Path) -> None:
    base, _ = edited
    project = tmp_path / "project"
    shutil.copytree(base, project)
    with DiskFull(1).installed():  # 0: the lock's holder note, a courtesy
        result = invoke(separate_runner(), "qr", "-p", project, "--force")
    assert result.exit_code == 1, describe(result)
    said = describe(result)
    assert "could not write qr/" in said and "No space left on device (ENOSPC)" in said
    assert "run audioguide qr again" in said and "Traceback" not in said
