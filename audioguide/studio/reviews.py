"""Native-speaker reviews: who marked which narration reviewed, when, and which text it was.

The front matter's `needs_review: false` is what the visitor page reads; this table says who
decided it and when, and keeps the hash of the file as reviewed, so the overview can say when
the text changed after the review.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from audioguide.studio.db import connect, now


@dataclass(frozen=True)
class Review:
    stop: str
    lang: str
    reviewer: str
    at: str  # UTC, ISO 8601
    text_sha256: str


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Reviews:
    def __init__(self, path: Path) -> None:
        self.path = path

    def add(self, stop: str, lang: str, reviewer: str, narration_file: Path) -> Review:
        review = Review(stop, lang, reviewer, now(), file_sha256(narration_file))
        with connect(self.path) as db:
            db.execute(
                "INSERT INTO reviews (stop, lang, reviewer, at, text_sha256) VALUES (?, ?, ?, ?, ?)",
                (review.stop, review.lang, review.reviewer, review.at, review.text_sha256),
            )
        return review

    def latest(self) -> dict[tuple[str, str], Review]:
        """The last review of each narration."""
        if not self.path.is_file():
            return {}
        with connect(self.path) as db:
            rows = db.execute(
                "SELECT stop, lang, reviewer, at, text_sha256 FROM reviews"
                " WHERE id IN (SELECT MAX(id) FROM reviews GROUP BY stop, lang)"
            ).fetchall()
        return {(row["stop"], row["lang"]): Review(*row) for row in rows}
