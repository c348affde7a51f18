"""Marking a narration reviewed changes one value and keeps every other byte."""

from __future__ import annotations

from pathlib import Path

import pytest

from audioguide.studio.frontmatter import mark_reviewed


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (
            "---\ntitle: A\nneeds_review: true\n---\nText.\n",
            "---\ntitle: A\nneeds_review: false\n---\nText.\n",
        ),
        (  # Windows line endings, a byte-order mark, a comment, odd spacing, quoted value
            "\ufeff---\r\ntitle: 'A: b'\r\nneeds_review:   yes   # ask Ai\r\nnotes: x\r\n---\r\nT.\r\n",
            "\ufeff---\r\ntitle: 'A: b'\r\nneeds_review:   false   # ask Ai\r\nnotes: x\r\n---\r\nT.\r\n",
        ),
        (
            "---\nneeds_review: True\n---\nneeds_review: true\n",
            "---\nneeds_review: false\n---\nneeds_review: true\n",
        ),
    ],
)
def test_only_the_value_changes(tmp_path: Path, before: str, after: str) -> None:
    path = tmp_path / "kk.md"
    path.write_bytes(before.encode("utf-8"))
    assert mark_reviewed(path)
    assert path.read_bytes() == after.encode("utf-8")


@pytest.mark.parametrize(
    "text",
    [
        "---\ntitle: A\nneeds_review: false\n---\nText.\n",
        "---\ntitle: A\n---\nneeds_review: true\n",  # only in the body: not front matter
        "---\ntitle: A\n  needs_review: true\n---\nText.\n",  # not a top-level key
        "No front matter.\n",
    ],
)
def test_nothing_to_change(tmp_path: Path, text: str) -> None:
    path = tmp_path / "kk.md"
    path.write_bytes(text.encode("utf-8"))
    assert not mark_reviewed(path)
    assert path.read_bytes() == text.encode("utf-8")
