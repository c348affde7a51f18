"""Staff mistakes and edge cases found in review: each must give a clear answer, never lose text,
never crash, and never show visitors a transcript that does not match the audio."""

from __future__ import annotations

from pathlib import Path

from audioguide.audio.captions import parse_vtt
from audioguide.tour.diagnostics import Diagnostics
from audioguide.tour.script import parse_script
from audioguide.web import create_app
from tests.helpers.audio_checks import build, describe, invoke, output, separate_runner


def _parse(body: str) -> tuple[list[str], Diagnostics]:
    diagnostics = Diagnostics(Path("."))
    script = parse_script(body, "en", path=Path("x.md"), first_line=1, diagnostics=diagnostics)
    return [s.text for s in script.sentences()], diagnostics


def test_a_year_at_the_start_of_a_line_is_kept_not_taken_for_a_list() -> None:
    sentences, _ = _parse("1937. The first women arrived.\n\n1953.\n\n- Not a list either.")
    assert sentences == ["1937.", "The first women arrived.", "1953.", "- Not a list either."]


def test_a_sentence_without_words_is_left_out_with_a_warning_at_its_line() -> None:
    sentences, diagnostics = _parse("First words.\n\n...\n\nLast words.")
    assert sentences == ["First words.", "Last words."]
    (warning,) = diagnostics.warnings
    assert warning.line == 3 and "'...'" in warning.message


def test_a_byte_order_mark_from_notepad_is_accepted(tour_dir: Path, runner) -> None:
    narration = tour_dir / "stops" / "gate" / "en.md"
    narration.write_bytes(
        b"\xef\xbb\xbf" + narration.read_text(encoding="utf-8").replace("\n", "\r\n").encode()
    )
    result = invoke(runner, "check", "-p", tour_dir)
    assert result.exit_code == 0, describe(result)


def test_hidden_folders_and_files_in_stops_are_ignored(tour_dir: Path, runner) -> None:
    (tour_dir / "stops" / ".ipynb_checkpoints").mkdir()
    (tour_dir / "stops" / "gate" / "._en.md").write_bytes(b"\x00\x05\x16\x07 macOS metadata")
    result = invoke(runner, "check", "-p", tour_dir)
    assert result.exit_code == 0, describe(result)


def test_a_voice_that_is_not_installed_is_a_check_error_at_its_line(make_tour, runner) -> None:
    root = make_tour(
        languages=("en",), voices=None, extra_tour_yaml="voices:\n  en: [{piper: en_GB-nobody}]\n"
    )
    result = invoke(separate_runner(), "check", "-p", root)
    assert result.exit_code == 1
    lines = (tour_line for tour_line in describe(result).splitlines() if tour_line.startswith("tour.yaml:"))
    assert any(line.startswith("tour.yaml:6: error:") and "en_GB-nobody" in line for line in lines)
    report = build(separate_runner(), root, exit_code=1)
    errors = {n["error"] for n in report["narrations"]}
    assert all("en_GB-nobody" in error and "voices" in error for error in errors), errors


def test_a_fallback_voice_that_is_missing_is_only_a_warning(make_tour, runner) -> None:
    extra = "voices:\n  en: [{piper: en_GB-nobody}, {espeak: en}]\n"
    root = make_tour(languages=("en",), voices=None, extra_tour_yaml=extra)
    result = invoke(separate_runner(), "check", "-p", root)
    assert result.exit_code == 0, describe(result)
    assert "tour.yaml:6: warning:" in describe(result)


def test_an_unwritable_cache_folder_is_a_clear_error_not_a_traceback(tour_dir: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = invoke(separate_runner(), "build", "-p", tour_dir, "--offline", "--cache-dir", blocker / "cache")
    assert result.exit_code == 1
    assert "cannot write to" in describe(result) and "--cache-dir" in describe(result)
    assert "Traceback" not in describe(result)


def test_the_page_shows_the_built_transcript_until_the_next_build(make_tour) -> None:
    """An edit without a rebuild must not shift the highlighted sentences against the audio."""
    root = make_tour(languages=("en",))
    build(separate_runner(), root)
    narration = root / "stops" / "gate" / "en.md"
    narration.write_text(
        narration.read_text(encoding="utf-8").replace("---\nThe gate", "---\nA new first sentence. The gate"),
        encoding="utf-8",
    )
    client = create_app(root, testing=True, check_interval=0).test_client()
    page = client.get("/en/gate").get_data(as_text=True)
    cues = parse_vtt(output(root / "audio", "en/gate.vtt").read_text(encoding="utf-8"))
    assert "A new first sentence." not in page
    assert f'id="s1">{cues[0].text}<' in page.replace("\n", "")
    api = client.get("/api/v1/stops/gate?lang=en").get_json()
    assert api["transcript"].startswith(cues[0].text)

    build(separate_runner(), root)
    page = client.get("/en/gate").get_data(as_text=True)
    assert "A new first sentence." in page


def test_a_typed_number_that_is_not_ascii_is_not_found_not_a_crash(make_tour) -> None:
    root = make_tour(languages=("en",))
    client = create_app(root, testing=True, check_interval=0).test_client()
    assert client.get("/go?n=%C2%B2").status_code in (302, 303, 404)
