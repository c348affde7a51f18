"""Reading a tour from disk: tour.yaml, stops/<id>/stop.yaml and <lang>.md, lexicon/<lang>.yaml."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from audioguide.errors import ContentError
from audioguide.tour.diagnostics import Diagnostics
from audioguide.tour.lexicon import Lexicon
from audioguide.tour.model import Narration, Stop, Tour
from audioguide.tour.recording import read_recording
from audioguide.tour.schema import (
    FRONT_MATTER_KEYS,
    RESERVED_IDS,
    STOP_ID,
    parse_stop,
    parse_tour,
    warn_unknown_keys,
)
from audioguide.tour.script import parse_script
from audioguide.tour.yamlfile import LineDict, YamlSyntaxError, parse_yaml

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*\r?\n?", re.DOTALL | re.MULTILINE)


def _read_yaml(path: Path, diags: Diagnostics) -> object | None:
    try:
        return parse_yaml(path.read_text(encoding="utf-8-sig"))
    except YamlSyntaxError as exc:
        diags.error(path, exc.line, exc.message)
    except UnicodeDecodeError:
        diags.error(path, 1, "the file is not UTF-8 text; save it as UTF-8")
    except OSError as exc:
        diags.error(path, 0, f"cannot read: {exc.strerror}")
    return None


def read_narration(path: Path, lang: str, diags: Diagnostics) -> Narration | None:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        diags.error(path, 1, "the file is not UTF-8 text; save it as UTF-8")
        return None
    match = _FRONT_MATTER.match(text)
    if not match:
        diags.error(path, 1, "the file must start with front matter: a '---' line, 'title: ...', and '---'")
        return None
    try:
        meta = parse_yaml(match.group(1), first_line=2)
    except YamlSyntaxError as exc:
        diags.error(path, exc.line, exc.message)
        return None
    if not isinstance(meta, LineDict):
        diags.error(path, 2, "the front matter must be 'key: value' lines, e.g. 'title: Welcome'")
        return None
    warn_unknown_keys(meta, FRONT_MATTER_KEYS, path, diags, "front matter")
    title = meta.get("title")
    if not isinstance(title, str) or not title.strip():
        diags.error(path, meta.line_of("title") if "title" in meta else 2, "'title' is missing or empty")
        title = ""
    needs_review = meta.get("needs_review", False)
    if not isinstance(needs_review, bool):
        diags.error(path, meta.line_of("needs_review"), "'needs_review' must be true or false")
        needs_review = True
    notes = meta.get("notes")
    recording = read_recording(meta, path, diags)
    body_line = text.count("\n", 0, match.end()) + 1
    body = text[match.end() :]
    script = parse_script(body, lang, path=path, first_line=body_line, diagnostics=diags)
    if not script.sentences():
        diags.error(
            path, body_line, "the narration is empty: write the text to be spoken below the front matter"
        )
    if notes:
        diags.note(path, meta.line_of("notes"), f"staff note: {' '.join(str(notes).split())}")
    return Narration(
        lang, path, str(title).strip(), script, needs_review, str(notes) if notes else None, recording
    )


def _read_lexicon(path: Path, diags: Diagnostics) -> Lexicon:
    data = _read_yaml(path, diags)
    if data is None:
        return Lexicon()
    if not isinstance(data, LineDict):
        diags.error(path, 1, "a lexicon is 'written: spoken' lines, e.g. 'ALZHIR: Alzheer'")
        return Lexicon()
    entries: dict[str, str] = {}
    for key, value in data.items():
        if not isinstance(value, str | int | float) or not str(key).strip():
            diags.error(path, data.line_of(key), f"'{key}': give the spoken form as text")
            continue
        entries[str(key)] = str(value)
    return Lexicon(entries)


def load_tour(root: Path) -> tuple[Tour | None, Diagnostics]:
    """Read everything and report every problem; the tour is None when tour.yaml is unusable."""
    root = root.resolve()
    diags = Diagnostics(root)
    tour_path = root / "tour.yaml"
    if not tour_path.is_file():
        diags.error(tour_path, 0, "no tour.yaml here: run audioguide in the tour's folder or pass --project")
        return None, diags
    data = _read_yaml(tour_path, diags)
    if data is None:
        return None, diags
    config = parse_tour(data, tour_path, diags)
    if not config.languages:
        return None, diags

    stops_dir = root / "stops"
    stops: list[Stop] = []
    if not stops_dir.is_dir():
        diags.error(stops_dir, 0, "no stops/ folder: create stops/<id>/stop.yaml for each stop")
    # Names starting with a dot are the system's or an editor's (.git, ._en.md from macOS).
    folders = (
        sorted(p for p in stops_dir.iterdir() if p.is_dir() and not p.name.startswith("."))
        if stops_dir.is_dir()
        else []
    )
    for folder in folders:
        stop_yaml = folder / "stop.yaml"
        if not STOP_ID.match(folder.name):
            diags.error(
                folder,
                0,
                f"stop id '{folder.name}' must match [a-z0-9][a-z0-9-]* (lower case, digits, dashes)",
            )
            continue
        if folder.name in RESERVED_IDS:
            diags.error(
                folder, 0, f"stop id '{folder.name}' is the address of a page of the guide: rename the folder"
            )
            continue
        if not folder.resolve().is_relative_to(root):
            # A link to a folder elsewhere would publish files nobody reviewed in this project.
            diags.error(
                folder,
                0,
                f"stop folder is a link to {folder.resolve()}, outside the project: copy that folder"
                " into stops/ (the guide publishes only what is inside the project)",
            )
            continue
        if not stop_yaml.is_file():
            diags.error(stop_yaml, 0, "missing: every stop folder needs a stop.yaml with its number")
            continue
        errors_before = len(diags.errors)
        data = _read_yaml(stop_yaml, diags)
        if data is None and len(diags.errors) > errors_before:
            continue  # the syntax error is reported; checking the rest would only add noise
        stop = Stop(folder.name, folder, parse_stop(data, stop_yaml, diags))
        for voice_lang, line in stop.config.voice_lines.items():
            if voice_lang not in config.languages:
                diags.error(
                    stop_yaml, line, f"voices.{voice_lang}: '{voice_lang}' is not in the tour's languages"
                )
        for md in sorted(p for p in folder.glob("*.md") if not p.name.startswith(".")):
            lang = md.stem
            if lang not in config.languages:
                diags.error(
                    md,
                    1,
                    f"language '{lang}' is not in tour.yaml 'languages' ({', '.join(config.languages)}):"
                    f" add '{lang}' there, or move this file out of the stops folder",
                )
                continue
            narration = read_narration(md, lang, diags)
            if narration:
                stop.narrations[lang] = narration
        for lang in config.languages:
            if not (folder / f"{lang}.md").exists():
                diags.warning(folder / f"{lang}.md", 0, f"stop '{stop.id}' has no {lang} narration yet")
        stops.append(stop)

    _check_numbers_and_ids(stops, diags)
    lexicons = {}
    for lang in config.languages:
        path = root / "lexicon" / f"{lang}.yaml"
        lexicons[lang] = _read_lexicon(path, diags) if path.is_file() else Lexicon()
    stops.sort(key=lambda s: (s.number, s.id))
    return Tour(root, config, stops, lexicons), diags


def _check_numbers_and_ids(stops: list[Stop], diags: Diagnostics) -> None:
    by_number: dict[int, Stop] = {}
    ids = {stop.id: stop for stop in stops}
    seen_aliases: dict[str, Stop] = {}
    for stop in stops:
        stop_yaml = stop.path / "stop.yaml"
        if stop.config.number is not None:
            other = by_number.get(stop.config.number)
            if other:
                diags.error(
                    stop_yaml,
                    stop.config.number_line,
                    f"number {stop.config.number} is already used by stop '{other.id}';"
                    " numbers must be unique",
                )
            else:
                by_number[stop.config.number] = stop
        for alias, line in zip(stop.config.aliases, stop.config.alias_lines, strict=True):
            if alias in ids:
                diags.error(
                    stop_yaml,
                    line,
                    f"alias '{alias}' is the id of stop '{alias}'; an alias must be an old, unused id",
                )
            elif alias in seen_aliases:
                diags.error(
                    stop_yaml, line, f"alias '{alias}' is also an alias of stop '{seen_aliases[alias].id}'"
                )
            else:
                seen_aliases[alias] = stop


def require_tour(root: Path, *checks: Callable[[Tour, Diagnostics], None]) -> tuple[Tour, Diagnostics]:
    """Load the tour or raise ContentError listing every error as path:line. `checks` add what
    higher layers know (e.g. the engine names), so that one message lists every problem."""
    tour, diags = load_tour(root)
    for check in checks if tour is not None else ():
        check(tour, diags)
    if tour is None or diags.errors:
        raise ContentError(format_problems(diags))
    return tour, diags


def format_problems(diags: Diagnostics) -> str:
    errors = diags.errors
    lines = [str(d) for d in diags.sorted() if d.severity.value != "note"]
    lines.append(f"{len(errors)} error(s): fix them and run the command again.")
    return "\n".join(lines)
