"""Tiny real tours written into a folder (tmp_path), so tests stay fast and independent."""

from __future__ import annotations

import textwrap
from pathlib import Path

TINY_STOPS: dict[str, dict[str, str]] = {
    "gate": {
        "en": (
            "The gate of the memorial. Visitors enter here in silence.\n\n[pause 1s]\n\nPlease walk slowly."
        ),
        "ru": "Ворота мемориала. Посетители входят сюда в тишине.",
        "kk": "Мемориалдың қақпасы. Келушілер мұнда үнсіз кіреді.",
    },
    "wall": {
        "en": "The wall of names. ALZHIR operated from 1937 to 1953.",
        "ru": "Стена памяти. АЛЖИР действовал с 1937 по 1953 год.",
        "kk": "Естелік қабырғасы. АЛЖИР 1937 жылдан 1953 жылға дейін жұмыс істеді.",
    },
}
TITLES = {
    "gate": {"en": "The gate", "ru": "Ворота", "kk": "Қақпа"},
    "wall": {"en": "The wall", "ru": "Стена", "kk": "Қабырға"},
}


def write_tour(
    root: Path,
    *,
    languages: tuple[str, ...] = ("en", "ru", "kk"),
    stops: dict[str, dict[str, str]] | None = None,
    base_url: str = "http://127.0.0.1:8000",
    extra_tour_yaml: str = "",
    voices: str | None = "espeak",
) -> Path:
    """Write a small valid tour. `voices='espeak'` pins every language to espeak (fast, offline)."""
    stops = TINY_STOPS if stops is None else stops
    root.mkdir(parents=True, exist_ok=True)
    titles = {"en": "Test Memorial", "ru": "Тестовый мемориал", "kk": "Сынақ мемориалы"}
    lines = ["title:"]
    lines += [f"  {lang}: {titles.get(lang, 'Test')}" for lang in languages]
    lines.append(f"base_url: {base_url}")
    lines.append(f"languages: [{', '.join(languages)}]")
    if voices == "espeak":
        lines.append("voices:")
        lines += [f"  {lang}: [{{espeak: {lang}}}]" for lang in languages]
    (root / "tour.yaml").write_text("\n".join(lines) + "\n" + extra_tour_yaml, encoding="utf-8")
    for number, (stop_id, bodies) in enumerate(stops.items(), start=1):
        folder = root / "stops" / stop_id
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "stop.yaml").write_text(f"number: {number}\n", encoding="utf-8")
        for lang, body in bodies.items():
            if lang not in languages:
                continue
            title = TITLES.get(stop_id, {}).get(lang, stop_id.title())
            (folder / f"{lang}.md").write_text(
                f"---\ntitle: {title}\n---\n{textwrap.dedent(body).strip()}\n", encoding="utf-8"
            )
    return root
