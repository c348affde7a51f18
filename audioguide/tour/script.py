"""Narration bodies: Markdown paragraphs with [pause 2s] and [[written|spoken]] markers.

A body becomes a Script: blocks of sentences and pauses. Each sentence carries what visitors
read (plain text and sanitized HTML) and what the voice says (before the lexicon).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import nh3
from markdown_it import MarkdownIt

from audioguide.tour.diagnostics import Diagnostics
from audioguide.tour.sentences import split_sentences

PAUSE_MARKER = re.compile(r"\[pause\b([^\]\n]*)\]", re.IGNORECASE)
_PAUSE_VALUE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s)\s*$", re.IGNORECASE)
SUBSTITUTION = re.compile(r"\[\[([^\[\]\n]*)\]\]")
_PLACEHOLDER = re.compile("\ue000(\\d+)\ue001")
MAX_PAUSE_MS = 10_000
_SPEAKABLE = re.compile(r"\w")  # a letter or digit in any script
_INLINE_TAGS = {"em", "strong", "code", "a", "br", "s"}


@dataclass(frozen=True)
class Sentence:
    text: str  # what visitors read, plain
    html: str  # what visitors read, sanitized inline HTML
    spoken: str  # what the voice says, before the lexicon
    line: int


@dataclass(frozen=True)
class Pause:
    milliseconds: int
    line: int


@dataclass(frozen=True)
class Block:
    kind: str  # "paragraph" or "heading"
    items: tuple[Sentence | Pause, ...]
    line: int


@dataclass(frozen=True)
class Script:
    blocks: tuple[Block, ...]

    def sentences(self) -> list[Sentence]:
        return [item for block in self.blocks for item in block.items if isinstance(item, Sentence)]

    def plain_text(self) -> str:
        """The transcript as visitors read it: blocks separated by blank lines."""
        return "\n\n".join(
            " ".join(i.text for i in b.items if isinstance(i, Sentence))
            for b in self.blocks
            if any(isinstance(i, Sentence) for i in b.items)
        )


@cache
def _markdown() -> MarkdownIt:
    # Narration is prose: with list rules on, "1937. The first women arrived." at the start of a
    # line would become a numbered list item and the year would vanish from text and speech.
    return MarkdownIt("commonmark").disable("list")


def _plain(markdown_source: str) -> str:
    """Inline Markdown reduced to the words it shows: emphasis dropped, links become their text,
    and raw HTML goes through the same sanitizer as the page (so <script> content is neither
    shown nor spoken)."""
    rendered = _markdown().renderInline(markdown_source)
    return " ".join(html.unescape(nh3.clean(rendered, tags=set())).split())


def _html(markdown_source: str) -> str:
    rendered = _markdown().renderInline(markdown_source)
    return nh3.clean(rendered, tags=_INLINE_TAGS, attributes={"a": {"href"}}, link_rel="noopener")


# A run of emphasis delimiters that opens at a word start ("*She", "«**Never") and that the
# Markdown renderer left as literal text: its closing run lies in a later sentence.
_UNCLOSED_OPENER = re.compile(r"(?:^|(?<=[\s\"'«“‘(\[]))([*_]{1,3})(?=[^\s*_])")


def _literal_delimiters(markdown_source: str) -> int:
    return sum(_plain(markdown_source).count(ch) for ch in "*_")


def _carry_emphasis(pieces: list[str], segment: str) -> list[str]:
    """Close emphasis at each sentence end and reopen it in the next, when a stretch of
    emphasis spans sentences ("*She was taken. She never returned.*"): each sentence is
    rendered alone, and would otherwise show a stray asterisk instead of italics."""
    if len(pieces) < 2 or not any(ch in segment for ch in "*_"):
        return pieces  # the common case, decided without rendering anything
    if sum(map(_literal_delimiters, pieces)) <= _literal_delimiters(segment):
        return pieces  # every delimiter left literal was literal in the whole text too
    carried = ""
    since = 0  # the piece where the emphasis being carried opened
    balanced = []
    for index, piece in enumerate(pieces):
        source = carried + piece
        # Every run still open, outermost first ("**bold *and italic." leaves "**" and "*"):
        # closed innermost first at the sentence end, reopened in the same order in the next.
        openers = _UNCLOSED_OPENER.findall(_plain(source))
        if openers and not carried:
            since = index
        carried = "".join(openers)
        balanced.append(source + "".join(reversed(openers)))
    if carried:  # never closed: a stray asterisk in the text, not emphasis; leave it be
        balanced[since:] = pieces[since:]
    return balanced


def _parse_pause(raw: str) -> int | None:
    match = _PAUSE_VALUE.match(raw)
    if not match:
        return None
    value = float(match.group(1))
    return round(value * 1000 if match.group(2).lower() == "s" else value)


def _expand(piece: str, substitutions: list[tuple[str, str]], side: int) -> str:
    """Put back each [[written|spoken]] as its written (0) or spoken (1) side."""
    return _PLACEHOLDER.sub(lambda m: substitutions[int(m.group(1))][side], piece)


def _blocks_of(body: str) -> Iterator[tuple[str, str, int]]:
    """Yield (kind, inline source, first line offset) for each block with text."""
    tokens = _markdown().parse(body)
    for index, token in enumerate(tokens):
        if token.type != "inline" or not token.map:
            continue
        kind = "heading" if index and tokens[index - 1].type == "heading_open" else "paragraph"
        yield kind, token.content, token.map[0]


def parse_script(body: str, lang: str, *, path: Path, first_line: int, diagnostics: Diagnostics) -> Script:
    """Parse a body that starts on file line `first_line`; problems go to `diagnostics`."""
    blocks: list[Block] = []
    for kind, source, offset in _blocks_of(body):
        block_line = first_line + offset

        def line_at(position: int, source: str = source, block_line: int = block_line) -> int:
            return block_line + source.count("\n", 0, position)

        substitutions: list[tuple[str, str]] = []

        def stash(match: re.Match[str], line_at=line_at, substitutions=substitutions) -> str:
            inner = match.group(1)
            if "|" not in inner:
                diagnostics.error(
                    path,
                    line_at(match.start()),
                    f"'[[{inner}]]' needs the form [[written|spoken]], e.g. [[1937–1953|1937 to 1953]]",
                )
                written = spoken = inner
            else:
                written, spoken = (part.strip() for part in inner.split("|", 1))
            substitutions.append((written, spoken))
            return f"\ue000{len(substitutions) - 1}\ue001"

        items: list[Sentence | Pause] = []
        cursor = 0
        for match in [*PAUSE_MARKER.finditer(source), None]:
            segment_end = match.start() if match else len(source)
            segment = SUBSTITUTION.sub(stash, source[cursor:segment_end])
            segment_line = line_at(cursor)
            for piece in _carry_emphasis(split_sentences(segment, lang), segment):
                display = _expand(piece, substitutions, 0)
                spoken = _expand(piece, substitutions, 1)
                text, said = _plain(display), _plain(spoken)
                if not _SPEAKABLE.search(said):
                    if text or said:
                        diagnostics.warning(
                            path,
                            segment_line,
                            f"'{text or said}' has no words to speak and is left out;"
                            " write words or delete it",
                        )
                    continue
                items.append(Sentence(text, _html(display), said, segment_line))
            if match is None:
                break
            milliseconds = _parse_pause(match.group(1))
            line = line_at(match.start())
            if milliseconds is None:
                diagnostics.error(
                    path, line, f"cannot read '{match.group(0)}': write [pause 2s] or [pause 500ms]"
                )
            elif milliseconds > MAX_PAUSE_MS:
                diagnostics.error(path, line, f"'{match.group(0)}' is longer than {MAX_PAUSE_MS // 1000} s")
            else:
                items.append(Pause(milliseconds, line))
            cursor = match.end()
        for stray in re.finditer(
            r"\[pause|\[\[|\]\]", "".join(i.text for i in items if isinstance(i, Sentence))
        ):
            diagnostics.error(path, block_line, f"unfinished marker '{stray.group(0)}'")
        if items:
            blocks.append(Block(kind, tuple(items), block_line))
    return Script(tuple(blocks))
