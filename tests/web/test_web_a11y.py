"""Accessibility checks that need no browser: colour contrast of both themes, page structure,
labels and languages. (Tap-target sizes are measured in tests/test_browser.py.)"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

CSS = (Path(__file__).resolve().parents[2] / "audioguide" / "web" / "static" / "style.css").read_text()


def _theme(block: str) -> dict[str, str]:
    return dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})", block))


def _themes() -> dict[str, dict[str, str]]:
    light = re.search(r":root\s*\{(.*?)\}", CSS, re.S).group(1)
    dark = re.search(r"prefers-color-scheme: dark\)\s*\{\s*:root\s*\{(.*?)\}", CSS, re.S).group(1)
    return {"light": _theme(light), "dark": _theme(dark)}


def _luminance(color: str) -> float:
    channels = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


# (foreground, background, minimum): text 4.5:1, UI component boundaries and focus 3:1.
PAIRS = [
    ("fg", "bg", 4.5),
    ("muted", "bg", 4.5),
    ("link", "bg", 4.5),
    ("fg", "surface", 4.5),
    ("on-accent", "accent", 4.5),
    ("on-now", "now", 4.5),  # the highlighted sentence (a link in it takes the same colour)
    ("now", "bg", 3.0),  # the highlight itself is seen against the page (issue 12)
    ("line", "bg", 3.0),  # field and button borders
    ("focus", "bg", 3.0),
    ("accent", "bg", 3.0),
]


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize(("fg", "bg", "minimum"), PAIRS)
def test_contrast(theme, fg, bg, minimum) -> None:
    colors = _themes()[theme]
    ratio = contrast(colors[fg], colors[bg])
    assert ratio >= minimum, f"{theme}: {fg} on {bg} is {ratio:.2f}:1"


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text_of: dict[int, str] = {}
        self._open: list[int] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in ("button", "a", "label", "h1", "title"):
            self._open.append(len(self.tags) - 1)

    def handle_endtag(self, tag) -> None:
        if self._open and self.tags[self._open[-1]][0] == tag:
            self._open.pop()

    def handle_data(self, data) -> None:
        for index in self._open:
            self.text_of[index] = self.text_of.get(index, "") + data


@pytest.mark.parametrize(
    "url", ["/en/", "/ru/gate", "/kk/wall", "/s/nowhere", "/go?n=77&lang=ru", "/kk/plan"]
)
def test_page_structure_labels_and_language(client, url) -> None:
    html = client.get(url).get_data(as_text=True)
    page = _Collector()
    page.feed(html)
    tags = page.tags
    html_tag = next(attrs for tag, attrs in tags if tag == "html")
    assert html_tag.get("lang") in ("en", "ru", "kk")
    assert sum(1 for tag, _ in tags if tag == "h1") == 1
    assert any(tag == "main" for tag, _ in tags)
    assert any(tag == "a" and attrs.get("href") == "#main" for tag, attrs in tags)  # skip link
    assert any(tag == "meta" and attrs.get("name") == "viewport" for tag, attrs in tags)
    viewport = next(a["content"] for t, a in tags if t == "meta" and a.get("name") == "viewport")
    assert "user-scalable=no" not in viewport and "maximum-scale" not in viewport  # zoom allowed
    ids = [attrs["id"] for _, attrs in tags if attrs.get("id")]
    assert len(ids) == len(set(ids)), "duplicate ids"
    labels = {attrs.get("for") for tag, attrs in tags if tag == "label"}
    for index, (tag, attrs) in enumerate(tags):
        if tag == "button":
            assert attrs.get("aria-label") or page.text_of.get(index, "").strip(), attrs
        if tag == "a":
            assert page.text_of.get(index, "").strip() or attrs.get("aria-label"), attrs
        if tag == "input" and attrs.get("type") != "hidden":
            assert attrs.get("id") in labels or attrs.get("aria-label"), attrs
        if tag == "img":
            assert "alt" in attrs
    # Each language is named in its own language, marked with lang for screen readers.
    switch = [attrs for tag, attrs in tags if tag == "a" and attrs.get("hreflang")]
    assert [a["lang"] for a in switch] == ["en", "ru", "kk"]


def test_player_labels_contain_the_visible_text(client) -> None:
    """WCAG 2.5.3: a speech-input user says what they see."""
    html = client.get("/en/gate").get_data(as_text=True)
    assert re.search(r'aria-label="Back 15 seconds">.*?</svg>15</button>', html)
    assert re.search(r'aria-label="Forward 15 seconds">.*?</svg>15</button>', html)
    assert '<span class="sr">Playback speed</span> <span id="rate">1×</span>' in html
    assert 'aria-label="Playback position"' in html
