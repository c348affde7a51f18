"""Sentence splitting that knows abbreviations, initials, decimals and years, in Latin and Cyrillic."""

from __future__ import annotations

import re

# Words that end with a full stop without ending the sentence. Lower-case, without the dot.
ABBREVIATIONS: dict[str, frozenset[str]] = {
    "en": frozenset(
        "mr mrs ms dr prof st mt no nos vs etc e.g i.e approx ca c jr sr gen col lt sgt fig"
        " jan feb mar apr jun jul aug sep sept oct nov dec".split()
    ),
    "ru": frozenset(
        "г гг т.е т.д т.п т.к др пр им ул пл д см стр ок ср напр тыс млн млрд руб коп"
        " проф акад ген им. чел".split()
    ),
    "kk": frozenset("ж жж т.б т.с.с б.з.д б.з см мыс тағы көш".split()),
}
_COMMON = frozenset("e.g i.e etc vs".split())
# Abbreviations that often close a sentence ("... в 1953 г. Тысячи ..."): before a capital, they end it.
_CAN_END_SENTENCE = frozenset("etc г гг т.д т.п др ж жж т.б т.с.с тыс млн млрд".split())

# After the stop: closing quotes and brackets, and Markdown emphasis closing over the sentence.
_TERMINATOR = re.compile(r"""(?P<end>[.!?…]+)(?P<close>["'»”’)\]*_]*)(?P<space>\s+)""")
_OPENERS = "\"'«“‘([—–-*_"  # and Markdown emphasis: "*Dr.*" is the word "Dr."


def _previous_word(text: str, end: int) -> str:
    start = end
    while start > 0 and not text[start - 1].isspace() and text[start - 1] not in _OPENERS:
        start -= 1
    return text[start:end]


def _is_abbreviation(word: str, lang: str) -> bool:
    bare = word.lower().rstrip(".")
    if not bare:
        return False
    known = ABBREVIATIONS.get(lang.split("-")[0], frozenset()) | _COMMON
    if bare in known:
        return True
    # Initials such as "A." in "A. S. Pushkin" or "Н." in "Н. Назарбаев".
    return len(bare) == 1 and bare.isalpha() and word[0].isupper()


def split_sentences(text: str, lang: str) -> list[str]:
    """Split prose into sentences; whitespace inside a sentence is folded to single spaces."""
    text = " ".join(text.split())
    sentences: list[str] = []
    start = 0
    for match in _TERMINATOR.finditer(text + " "):
        following = text[match.end() : match.end() + 1]
        if match.group("end") == "." or match.group("end").endswith("."):
            word = _previous_word(text, match.start("end"))
            ends_here = word.lower().rstrip(".") in _CAN_END_SENTENCE and following.isupper()
            quoted = match.group("close").strip("*_")  # emphasis ("*Dr.* Watson") closes nothing
            if _is_abbreviation(word, lang) and not quoted and not ends_here:
                continue
        # A lower-case continuation means the stop was not a sentence end ("1937 г. лагерь").
        if following and following.islower():
            continue
        piece = text[start : match.end("close")].strip()
        if piece:
            sentences.append(piece)
        start = match.end()
    rest = text[start:].strip()
    if rest:
        sentences.append(rest)
    return sentences
