"""From narration text to what is spoken: sentences, markup, lexicons and the gaps between sentences."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from audioguide.build.plan import gaps_ms, spoken_sentences
from audioguide.tour.diagnostics import Diagnostics
from audioguide.tour.lexicon import Lexicon
from audioguide.tour.schema import AudioSettings
from audioguide.tour.script import Pause, Script, Sentence, parse_script
from audioguide.tour.sentences import split_sentences

# ----- sentence splitting -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        # English abbreviations and initials do not end a sentence.
        ("en", "Dr. Smith met Mr. Jones. They spoke.", ["Dr. Smith met Mr. Jones.", "They spoke."]),
        (
            "en",
            "The poet A. S. Pushkin wrote about exile. His words survived.",
            ["The poet A. S. Pushkin wrote about exile.", "His words survived."],
        ),
        ("en", "The wall is 3.5 metres high. It is white.", ["The wall is 3.5 metres high.", "It is white."]),
        # A year at the end of a sentence is not an abbreviation.
        (
            "en",
            "The camp opened in 1937. The first women arrived in winter.",
            ["The camp opened in 1937.", "The first women arrived in winter."],
        ),
        ("en", "Is it far? No! Walk on.", ["Is it far?", "No!", "Walk on."]),
        ("en", 'She said "Remember." Then silence.', ['She said "Remember."', "Then silence."]),
        # Russian: "г." (year) inside a sentence, and closing one before a capital.
        ("ru", "В 1937 г. лагерь принял первых женщин.", ["В 1937 г. лагерь принял первых женщин."]),
        (
            "ru",
            "Лагерь действовал с 1937 по 1953 г. Тысячи женщин прошли через него.",
            ["Лагерь действовал с 1937 по 1953 г.", "Тысячи женщин прошли через него."],
        ),
        (
            "ru",
            "Мемориал открыл Н. Назарбаев. Это было в 2007 году.",
            ["Мемориал открыл Н. Назарбаев.", "Это было в 2007 году."],
        ),
        ("ru", "Помните их. Помните всех!", ["Помните их.", "Помните всех!"]),
        # Kazakh: "ж." (year) the same way, and plain Cyrillic sentences.
        (
            "kk",
            "Мемориалдың қақпасы. Келушілер мұнда үнсіз кіреді.",
            ["Мемориалдың қақпасы.", "Келушілер мұнда үнсіз кіреді."],
        ),
        ("kk", "Лагерь 1937 ж. ашылды.", ["Лагерь 1937 ж. ашылды."]),
        (
            "kk",
            "Лагерь 1953 ж. жабылды. Мыңдаған әйел осында болды.",
            ["Лагерь 1953 ж. жабылды.", "Мыңдаған әйел осында болды."],
        ),
    ],
)
def test_split_sentences(lang: str, text: str, expected: list[str]) -> None:
    assert split_sentences(text, lang) == expected


def test_split_folds_whitespace_and_keeps_every_word() -> None:
    text = "First   sentence\nwraps here.\n\tSecond one."
    sentences = split_sentences(text, "en")
    assert sentences == ["First sentence wraps here.", "Second one."]
    assert " ".join(sentences).split() == text.split()


# ----- markup -------------------------------------------------------------------------------


def parse(body: str, lang: str = "en", first_line: int = 4) -> tuple[Script, Diagnostics]:
    diags = Diagnostics(Path("/tour"))
    script = parse_script(
        body, lang, path=Path("/tour/stops/x/en.md"), first_line=first_line, diagnostics=diags
    )
    return script, diags


def items(script: Script) -> list[Sentence | Pause]:
    return [item for block in script.blocks for item in block.items]


def test_pauses_split_the_flow_and_carry_their_length() -> None:
    script, diags = parse("One. [pause 2s] Two.\n\n[pause 500ms]\n\nThree. [pause 1.5s] Four.\n")
    assert not diags.items
    flow = [(i.text if isinstance(i, Sentence) else i.milliseconds) for i in items(script)]
    assert flow == ["One.", 2000, "Two.", 500, "Three.", 1500, "Four."]
    assert [s.text for s in script.sentences()] == ["One.", "Two.", "Three.", "Four."]
    assert "pause" not in script.plain_text()


def test_substitution_shows_written_and_speaks_spoken() -> None:
    script, diags = parse(
        "ALZHIR operated [[1937–1953|from 1937 to 1953]]. It held [[8,000|eight thousand]] women."
    )
    assert not diags.items
    sentences = script.sentences()
    assert [s.text for s in sentences] == ["ALZHIR operated 1937–1953.", "It held 8,000 women."]
    assert [s.spoken for s in sentences] == [
        "ALZHIR operated from 1937 to 1953.",
        "It held eight thousand women.",
    ]
    assert "eight thousand" not in sentences[1].html


def test_substitution_with_a_full_stop_does_not_split_the_sentence() -> None:
    script, _ = parse("Born [[c. 1900|circa nineteen hundred]]. Died young.")
    assert [s.text for s in script.sentences()] == ["Born c. 1900.", "Died young."]
    assert script.sentences()[0].spoken == "Born circa nineteen hundred."


def test_headings_emphasis_and_links_are_read_as_plain_text() -> None:
    script, diags = parse(
        "# The *camp* gate\n\nRead **this** and see [the wall](https://example.org/wall) now. It is `old`.\n"
    )
    assert not diags.items
    assert [b.kind for b in script.blocks] == ["heading", "paragraph"]
    sentences = script.sentences()
    assert [s.text for s in sentences] == ["The camp gate", "Read this and see the wall now.", "It is old."]
    assert [s.spoken for s in sentences] == [s.text for s in sentences]
    for sentence in sentences:
        assert not re.search(r"[*#`\[\]()]|https?:", sentence.spoken), sentence.spoken
    assert "<em>camp</em>" in sentences[0].html
    assert "<strong>this</strong>" in sentences[1].html
    assert 'href="https://example.org/wall"' in sentences[1].html


def test_emphasis_spanning_sentences_is_emphasis_in_each_and_never_a_stray_asterisk() -> None:
    script, diags = parse(
        "*She was arrested in 1937. She never returned.* The camp held **many. Very many.** women.\n\n"
        "«_Помните. Помните их._» Later.\n"
    )
    assert not diags.items
    sentences = script.sentences()
    assert [s.text for s in sentences] == [
        "She was arrested in 1937.",
        "She never returned.",
        "The camp held many.",
        "Very many. women.",
        "«Помните.",
        "Помните их.»",
        "Later.",
    ]
    assert [s.html for s in sentences] == [
        "<em>She was arrested in 1937.</em>",
        "<em>She never returned.</em>",
        "The camp held <strong>many.</strong>",
        "<strong>Very many.</strong> women.",
        "«<em>Помните.</em>",
        "<em>Помните их.</em>»",
        "Later.",
    ]
    assert all("*" not in s.spoken and "_" not in s.spoken for s in sentences)


def test_a_lone_asterisk_stays_as_written() -> None:
    script, _ = parse("Five * three is fifteen. The *note is unfinished. It stays.")
    assert [s.text for s in script.sentences()] == [
        "Five * three is fifteen.",
        "The *note is unfinished.",
        "It stays.",
    ]


def test_html_is_sanitized() -> None:
    script, _ = parse(
        'Look <b>here</b> <img src=x onerror="alert(1)"> and <a href="javascript:alert(2)">there</a>.'
        ' <span onclick="x()">Then</span> go.'
    )
    html = " ".join(s.html for s in script.sentences())
    assert "<b>" not in html and "<img" not in html and "<span" not in html
    assert "onerror" not in html and "onclick" not in html and "javascript:" not in html
    text = " ".join(s.text for s in script.sentences())
    assert "here" in text and "there" in text and "Then" in text
    assert "<" not in text


def test_script_element_content_is_neither_shown_nor_spoken() -> None:
    """Raw HTML's <script>/<style> content is code, not narration: nh3 drops it from the HTML,
    so the captions and the voice must drop it too (else the voice reads 'alert(1)' aloud and
    the captions show words the transcript does not)."""
    script, _ = parse("Some <script>alert(1)</script> text. <style>p {color: red}</style>Next sentence.")
    html = " ".join(s.html for s in script.sentences())
    assert "alert" not in html
    for sentence in script.sentences():
        for leaked in ("alert", "color"):
            assert leaked not in sentence.text, sentence
            assert leaked not in sentence.spoken, sentence


@pytest.mark.parametrize("marker", ["[pause soon]", "[pause 2 minutes]", "[pause -1s]"])
def test_malformed_pause_is_an_error_on_its_line(marker: str) -> None:
    _, diags = parse(f"First line.\n\nSecond paragraph.\nThird line {marker} here.\n", first_line=5)
    assert [(d.line, d.severity.value) for d in diags.items] == [(8, "error")]
    assert marker in diags.items[0].message


def test_too_long_pause_is_an_error() -> None:
    _, diags = parse("Wait. [pause 60s] Go.")
    assert len(diags.errors) == 1 and "longer" in diags.errors[0].message


# ----- lexicon ----------------------------------------------------------------------------


def test_lexicon_replaces_whole_words_only() -> None:
    lexicon = Lexicon({"ALZHIR": "Alzheer", "camp": "kamp"})
    assert lexicon.apply("ALZHIR was a camp.") == "Alzheer was a kamp."
    assert lexicon.apply("ALZHIRS encamped campers") == "ALZHIRS encamped campers"
    assert lexicon.apply("(ALZHIR), camp-site") == "(Alzheer), kamp-site"


def test_lexicon_case_rules() -> None:
    lexicon = Lexicon({"tour": "toor", "US": "you ess", "Akmolinsk": "Akmoleensk"})
    # A lower-case key matches any case and keeps a leading capital.
    assert lexicon.apply("tour Tour TOUR") == "toor Toor Toor"
    # A key with capitals matches only as written.
    assert lexicon.apply("US us Us") == "you ess us Us"
    assert lexicon.apply("Akmolinsk akmolinsk AKMOLINSK") == "Akmoleensk akmolinsk AKMOLINSK"


def test_lexicon_works_in_cyrillic() -> None:
    lexicon = Lexicon({"АЛЖИР": "Алжир"})
    assert lexicon.apply("Лагерь АЛЖИР, «АЛЖИР» и АЛЖИРа.") == "Лагерь Алжир, «Алжир» и АЛЖИРа."


def test_lexicon_applies_to_speech_not_to_captions() -> None:
    script, _ = parse("ALZHIR stood near Akmolinsk. The camp [[1937–1953|1937 to 1953]].")
    spoken = spoken_sentences(script, Lexicon({"ALZHIR": "Alzheer", "Akmolinsk": "Akmoleensk"}))
    assert [s.text for s in spoken] == ["ALZHIR stood near Akmolinsk.", "The camp 1937–1953."]
    assert [s.spoken for s in spoken] == ["Alzheer stood near Akmoleensk.", "The camp 1937 to 1953."]


# ----- gaps between sentences -----------------------------------------------------------------


SETTINGS = AudioSettings(sentence_pause_ms=450, paragraph_pause_ms=900)


def test_gaps_inside_and_between_paragraphs() -> None:
    script, _ = parse("One. Two.\n\nThree.\n\n# Heading\n\nFour. Five.")
    assert gaps_ms(script, SETTINGS) == [0, 450, 900, 900, 900, 450]
    custom = AudioSettings(sentence_pause_ms=200, paragraph_pause_ms=1200)
    assert gaps_ms(script, custom) == [0, 200, 1200, 1200, 1200, 200]


def test_explicit_pause_replaces_the_default_gap() -> None:
    script, _ = parse("One. [pause 2s] Two. Three.\n\n[pause 3s]\n\nFour.\n\nFive. [pause 300ms]\n\nSix.")
    assert gaps_ms(script, SETTINGS) == [0, 2000, 450, 3000, 900, 300]


def test_one_gap_per_sentence() -> None:
    script, _ = parse("A b. C d! E f?\n\nG h.\n[pause 1s]\nI j.")
    assert len(gaps_ms(script, SETTINGS)) == len(script.sentences()) == 5
