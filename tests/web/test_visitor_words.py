"""The visitor's words (issue 12): Kazakh time endings, museum words for a tour stop, the 404 list."""

from __future__ import annotations

import pytest

from audioguide.i18n import STOP_WORD_KEYS, STRINGS, kk_time_ablative, translate


@pytest.mark.parametrize(
    ("time", "ending"),
    [
        ("0:00", "-ден"),  # нөл
        ("0:01", "-ден"),  # бір
        ("0:03", "-тен"),  # үш
        ("0:06", "-дан"),  # алты
        ("0:09", "-дан"),  # тоғыз
        ("0:10", "-нан"),  # он
        ("0:20", "-дан"),  # жиырма
        ("0:23", "-тен"),  # жиырма үш
        ("0:30", "-дан"),  # отыз
        ("0:40", "-тан"),  # қырық
        ("0:50", "-ден"),  # елу
        ("1:05", "-тен"),  # бір нөл бес: бес
        ("3:00", "-тен"),  # "үш": the zero seconds are not read
        ("1:02:40", "-тан"),
    ],
)
def test_kazakh_ablative_follows_the_last_number_read_aloud(time, ending) -> None:
    assert kk_time_ablative(time) == ending


def test_the_players_table_is_the_same_rule() -> None:
    table = STRINGS["kk"]["ablative_suffixes"].split()
    for seconds in range(60):
        n = seconds
        suffix = table[n % 10] if n % 10 or not n else table[10 + n // 10]
        assert "-" + suffix == kk_time_ablative(f"0:{seconds:02d}"), seconds


@pytest.mark.parametrize(("lang", "bus_stop"), [("ru", "остановк"), ("kk", "аялдама")])
def test_no_bus_stop_words(lang, bus_stop) -> None:
    for key in STOP_WORD_KEYS:
        assert bus_stop not in translate(lang, key).lower(), key
    assert not [k for k, v in STRINGS[lang].items() if bus_stop in v.lower()]


def test_404_lists_the_stops(client) -> None:
    html = client.get("/ru/nowhere").get_data(as_text=True)
    assert "из списка ниже" in html
    assert '<a href="/ru/gate">' in html and '<a href="/ru/wall">' in html
    typed = client.get("/go?n=77&lang=en").get_data(as_text=True)
    assert "There is no stop 77." in typed and '<a href="/en/wall">' in typed


def test_kazakh_resume_note_gets_the_table_others_do_not(client) -> None:
    assert 'data-abl="ден ден ден тен' in client.get("/kk/gate").get_data(as_text=True)
    assert "data-abl" not in client.get("/ru/gate").get_data(as_text=True)
