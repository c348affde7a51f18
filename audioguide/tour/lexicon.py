"""Pronunciation lexicons: written form -> spoken form, applied to speech only."""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Lexicon:
    """Whole-word replacements. A key written in lower case matches any case ("tour" matches
    "Tour"); a key with a capital matches only as written, so "US" leaves "us" alone."""

    entries: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_pattern", self._compile())

    def _compile(self) -> re.Pattern[str] | None:
        if not self.entries:
            return None
        alternatives = []
        for key in sorted(self.entries, key=len, reverse=True):
            escaped = re.escape(key)
            alternatives.append(f"(?i:{escaped})" if key == key.lower() else escaped)
        return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)")

    def _replacement(self, match: re.Match[str]) -> str:
        found = match.group(0)
        if found in self.entries:
            return self.entries[found]
        spoken = self.entries[found.lower()]
        # Keep a sentence-initial capital: "Tour" with "tour: tuːr" stays capitalised.
        return spoken[:1].upper() + spoken[1:] if found[:1].isupper() else spoken

    def apply(self, text: str) -> str:
        pattern: re.Pattern[str] | None = self._pattern  # type: ignore[attr-defined]
        return pattern.sub(self._replacement, text) if pattern else text
