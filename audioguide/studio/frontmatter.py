"""Changing one value of a narration's front matter and nothing else.

Staff files are edited by hand and kept in git: a review must change `needs_review: true` to
`needs_review: false` and leave every other byte as it was (comments, quoting, key order, line
endings, a byte-order mark). So the file is edited as text, one line, never re-dumped as YAML.
"""

from __future__ import annotations

import re
from pathlib import Path

from audioguide.atomic import atomic_open

_BOM = "\ufeff"
_OPENING = re.compile(r"---[ \t]*\r?\n")
_CLOSING = re.compile(r"---[ \t]*(\r?\n)?$")
# The key at the top level (column 0), its value, and an optional trailing comment.
_NEEDS_REVIEW = re.compile(r"^needs_review[ \t]*:[ \t]*(?P<value>[^#\r\n]*?)[ \t]*(?:#[^\r\n]*)?(\r?\n)?$")
_FALSE = {"false", "no", "off"}


def mark_reviewed(path: Path) -> bool:
    """Set `needs_review: false` in the front matter of `path`, atomically. False when there was
    nothing to change (no such key, or already false)."""
    raw = path.read_bytes()
    text = raw.decode("utf-8")
    start = len(_BOM) if text.startswith(_BOM) else 0
    if not _OPENING.match(text, start):
        return False
    lines = text[start:].splitlines(keepends=True)
    for index, line in enumerate(lines[1:], start=1):
        if _CLOSING.match(line):
            return False  # end of the front matter without the key
        match = _NEEDS_REVIEW.match(line)
        if match:
            if match.group("value").strip().lower() in _FALSE:
                return False
            lines[index] = line[: match.start("value")] + "false" + line[match.end("value") :]
            with atomic_open(path, "wb") as handle:
                handle.write((text[:start] + "".join(lines)).encode("utf-8"))
            return True
    return False
