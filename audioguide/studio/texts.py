"""A narration file as the editor shows it (a title and a body) and back, and its check.

The editor never re-dumps the front matter: a new title replaces the value of the `title:`
line, the body replaces what follows the closing `---`, and every other byte stays (comments,
`needs_review`, `notes`, line endings), so a publish is the small change a git user expects.
"""

from __future__ import annotations

import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from audioguide.tour.diagnostics import Diagnostic, Diagnostics
from audioguide.tour.load import read_narration

_BOM = "\ufeff"
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*(\r?\n|\Z)", re.DOTALL | re.MULTILINE)
# The value of the top-level `title:` line, without a trailing " # comment" (kept as it is).
_TITLE = re.compile(
    r"""^title[ \t]*:[ \t]*(?P<value>"(?:[^"\\\r\n]|\\.)*"|'(?:[^'\r\n]|'')*'|[^\r\n]*?)"""
    r"(?:[ \t]+#[^\r\n]*)?[ \t]*(?P<end>\r?\n|\Z)",
    re.MULTILINE,
)


@dataclass(frozen=True)
class EditorText:
    title: str
    body: str
    body_line: int  # the file's line number of the body's first line (the gutter starts there)


def split(text: str) -> EditorText:
    """The title and the body of a narration file (best effort for a broken one: all body)."""
    plain = text.removeprefix(_BOM)
    match = _FRONT_MATTER.match(plain)
    if not match:
        return EditorText("", plain, 1)
    title = ""
    found = _TITLE.search(match.group(1))
    if found:
        try:
            value = yaml.safe_load(found.group("value") or "''")
            title = "" if value is None else str(value)
        except yaml.YAMLError:
            title = found.group("value")
    # Without the file's last newline: the editor shows as many lines as the file has.
    body = plain[match.end() :].removesuffix("\n").removesuffix("\r")
    return EditorText(title, body, plain.count("\n", 0, match.end()) + 1)


def yaml_scalar(value: str) -> str:
    """`value` as it reads back from YAML: bare when that is safe, else double-quoted."""
    value = " ".join(value.split())
    try:
        if value and yaml.safe_load(f"k: {value}") == {"k": value}:
            return value
    except yaml.YAMLError:
        pass
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML double-quoted one


def compose(original: str | None, title: str, body: str) -> str:
    """The file `original` with this title and body; a new file when there is none."""
    newline = "\r\n" if original and "\r\n" in original else "\n"
    body = body.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    body = (body + "\n").replace("\n", newline) if body else ""
    bom = _BOM if original and original.startswith(_BOM) else ""
    plain = (original or "").removeprefix(_BOM)
    match = _FRONT_MATTER.match(plain)
    if not match:
        return f"{bom}---{newline}title: {yaml_scalar(title)}{newline}---{newline}{body}"
    front = plain[: match.end()]
    inner_start = match.start(1)
    found = _TITLE.search(plain, inner_start, match.end(1))
    if found:
        before = front[: found.start("value")]
        before += " " if before.endswith(":") else ""  # `title:` with no value yet
        front = before + yaml_scalar(title) + front[found.end("value") :]
    else:
        first = plain[:inner_start]
        front = first + f"title: {yaml_scalar(title)}{newline}" + front[inner_start:]
    if not front.endswith(("\n", "\r\n")):
        front += newline
    return bom + front + body


def check_text(text: str, lang: str) -> list[Diagnostic]:
    """What `audioguide check` says about this narration file, by line (without writing it)."""
    with tempfile.TemporaryDirectory(prefix="audioguide-draft-") as folder:
        path = Path(folder) / f"{lang}.md"
        path.write_text(text, encoding="utf-8")
        diags = Diagnostics(Path(folder))
        read_narration(path, lang, diags)
    return diags.sorted()
