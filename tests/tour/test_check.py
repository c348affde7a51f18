"""`audioguide check`: every problem in one run, each at its path:line."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from click.testing import CliRunner

from audioguide.cli import cli

REPO = Path(__file__).resolve().parents[2]
LINE = re.compile(
    r"^(?P<path>[^\s:][^:]*?)(?::(?P<line>\d+))?: (?P<severity>error|warning): (?P<message>.*)$"
)


def check(runner: CliRunner, root: Path) -> tuple[int, list[tuple[str, int, str, str]], str]:
    result = runner.invoke(cli, ["check", "-p", str(root)])
    problems = []
    for line in result.output.splitlines():
        match = LINE.match(line)
        if match:
            problems.append((match["path"], int(match["line"] or 0), match["severity"], match["message"]))
    return result.exit_code, problems, result.output


def find(problems: list[tuple[str, int, str, str]], path: str, needle: str) -> list[tuple[int, str]]:
    return [(line, severity) for p, line, severity, message in problems if p == path and needle in message]


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_valid_tour_passes(tour_dir: Path, runner: CliRunner) -> None:
    code, problems, output = check(runner, tour_dir)
    assert code == 0, output
    assert problems == []
    assert "OK: 2 stops" in output


def test_every_problem_is_listed_in_one_run_at_its_line(make_tour, runner: CliRunner) -> None:
    root = make_tour(languages=("en", "ru"))
    # stops/wall: an unknown key (warning), a duplicate number and an alias that is another stop's id.
    write(
        root / "stops/wall/stop.yaml", "# The wall.\nnumbr: 3\nnumber: 1\naliases:\n  - old-wall\n  - gate\n"
    )
    # A language that the tour does not have.
    write(root / "stops/gate/de.md", "---\ntitle: Tor\n---\nDas Tor.\n")
    # A stop id that breaks the pattern.
    write(root / "stops/Bad_Id/stop.yaml", "number: 9\n")
    # Missing title, empty body, malformed pause, and a misspelt front matter key.
    write(root / "stops/third/stop.yaml", "number: 3\n")
    write(root / "stops/third/en.md", "---\nneed_review: true\n---\n\n\n")
    write(
        root / "stops/third/ru.md",
        "---\ntitle: Третья\n---\nПервый абзац.\n\nВторой абзац.\nОн продолжается [pause soon] здесь.\n",
    )
    # A syntax error in a front matter: the line is the file's line.
    write(root / "stops/gate/en.md", "---\ntitle: The gate\nnotes: one: two\n---\nHello there.\n")

    code, problems, output = check(runner, root)
    assert code == 1, output

    assert find(problems, "stops/wall/stop.yaml", "numbr") == [(2, "warning")]
    assert "did you mean 'number'" in output
    assert find(problems, "stops/wall/stop.yaml", "number 1 is already used") == [(3, "error")]
    assert find(problems, "stops/wall/stop.yaml", "alias 'gate'") == [(6, "error")]
    assert find(problems, "stops/wall/stop.yaml", "old-wall") == []
    assert find(problems, "stops/gate/de.md", "'de'") == [(1, "error")]
    bad_id = [(line, s, m) for p, line, s, m in problems if p == "stops/Bad_Id"]
    assert len(bad_id) == 1 and bad_id[0][1] == "error" and "Bad_Id" in bad_id[0][2], output
    assert find(problems, "stops/third/en.md", "title") == [(2, "error")]
    body_errors = [
        (line, s)
        for p, line, s, m in problems
        if p == "stops/third/en.md" and "title" not in m and s == "error"
    ]
    assert body_errors == [(4, "error")], output
    assert find(problems, "stops/third/en.md", "need_review") == [(2, "warning")]
    assert "did you mean 'needs_review'" in output
    assert find(problems, "stops/third/ru.md", "[pause soon]") == [(7, "error")]
    assert find(problems, "stops/gate/en.md", "YAML") == [(3, "error")]

    errors = [p for p in problems if p[2] == "error"]
    assert len(errors) == 8, output
    assert "8 error(s)" in output


def test_yaml_syntax_error_in_tour_yaml(make_tour, runner: CliRunner) -> None:
    root = make_tour(languages=("en",))
    write(
        root / "tour.yaml",
        "# Tour settings.\ntitle:\n  en: Test\nbase_url: http://host: 8000\nlanguages: [en]\n",
    )
    code, problems, output = check(runner, root)
    assert code == 1
    assert [(p, line, s) for p, line, s, _ in problems] == [("tour.yaml", 4, "error")], output
    assert "YAML" in problems[0][3]


def test_yaml_syntax_error_in_stop_yaml(tour_dir: Path, runner: CliRunner) -> None:
    write(tour_dir / "stops/wall/stop.yaml", "number: 2\nlocation:\n  lat: 51\n\tlon: 71\n")
    code, problems, output = check(runner, tour_dir)
    assert code == 1
    assert find(problems, "stops/wall/stop.yaml", "YAML") == [(4, "error")], output


def test_yaml_syntax_error_is_not_followed_by_bogus_errors(tour_dir: Path, runner: CliRunner) -> None:
    """stop.yaml says `number: 2`; only the syntax error is real, 'number' is not missing."""
    write(tour_dir / "stops/wall/stop.yaml", "number: 2\nlocation:\n  lat: 51\n\tlon: 71\n")
    code, problems, output = check(runner, tour_dir)
    assert code == 1
    assert [(line, s) for p, line, s, _ in problems if p == "stops/wall/stop.yaml"] == [(4, "error")], output


def test_front_matter_lines_are_file_lines(tour_dir: Path, runner: CliRunner) -> None:
    write(tour_dir / "stops/gate/ru.md", "---\ntitle: Ворота\nneeds_review: true\nnotes: a: b\n---\nТекст.\n")
    write(tour_dir / "stops/wall/ru.md", "---\ntitle: Стена\nneeds_review: maybe\n---\nТекст.\n")
    code, problems, output = check(runner, tour_dir)
    assert code == 1
    assert find(problems, "stops/gate/ru.md", "YAML") == [(4, "error")], output
    assert find(problems, "stops/wall/ru.md", "needs_review") == [(3, "error")], output


def test_unclosed_bracket_is_reported_where_it_opens(tour_dir: Path, runner: CliRunner) -> None:
    """PyYAML notices an unclosed [ only at the end of the text; the message must still point
    at the line with the bracket, not at the closing '---' or past the end of the file."""
    write(
        tour_dir / "stops/gate/ru.md",
        "---\ntitle: Ворота\nneeds_review: true\nnotes: [unclosed, list\n---\nТекст.\n",
    )
    write(tour_dir / "stops/wall/stop.yaml", "number: 2\naliases: [old-wall\n")
    code, problems, output = check(runner, tour_dir)
    assert code == 1
    assert find(problems, "stops/gate/ru.md", "YAML") == [(4, "error")], output
    assert find(problems, "stops/wall/stop.yaml", "YAML") == [(2, "error")], output


def test_unknown_tour_key_warns_with_suggestion_and_passes(make_tour, runner: CliRunner) -> None:
    root = make_tour(extra_tour_yaml="audio:\n  loudnes: -18\n")
    code, problems, output = check(runner, root)
    assert code == 0, output
    assert find(problems, "tour.yaml", "loudnes") == [(_line_of(root / "tour.yaml", "loudnes"), "warning")]
    assert "did you mean 'loudness'" in output


def _line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, start=1) if needle in line)


def test_missing_language_is_a_warning(tour_dir: Path, runner: CliRunner) -> None:
    (tour_dir / "stops/wall/kk.md").unlink()
    code, problems, output = check(runner, tour_dir)
    assert code == 0, output
    warnings = [(p, m) for p, _, s, m in problems if s == "warning"]
    assert len(warnings) == 1, output
    assert warnings[0][0] == "stops/wall/kk.md"
    assert "kk" in warnings[0][1] and "wall" in warnings[0][1]
    assert "1 warning" in output


def test_unfinished_substitution_is_an_error(tour_dir: Path, runner: CliRunner) -> None:
    write(tour_dir / "stops/wall/en.md", "---\ntitle: The wall\n---\nIntro.\n\nIt ran [[1937–1953]] only.\n")
    code, problems, output = check(runner, tour_dir)
    assert code == 1
    assert find(problems, "stops/wall/en.md", "[[1937–1953]]") == [(6, "error")], output


def test_missing_tour_yaml(tmp_path: Path, runner: CliRunner) -> None:
    code, _, output = check(runner, tmp_path)
    assert code == 1
    assert "tour.yaml" in output


def test_shipped_demo_passes_check(tmp_path: Path, runner: CliRunner) -> None:
    demo = tmp_path / "demo"
    demo.mkdir()
    shutil.copy(REPO / "tour.yaml", demo / "tour.yaml")
    shutil.copytree(REPO / "stops", demo / "stops")
    shutil.copytree(REPO / "lexicon", demo / "lexicon")
    code, problems, output = check(runner, demo)
    assert code == 0, output
    assert [p for p in problems if p[2] == "error"] == []
    assert "OK: 7 stops" in output


# ----- narration length -----------------------------------------------------------------------


def words(count: int) -> str:
    """`count` words in sentences of ten."""
    sentence = "The women of the camp sewed coats for the front."
    return " ".join([sentence] * (count // 10))


def test_a_narration_longer_than_max_minutes_warns_at_its_first_line(make_tour, runner: CliRunner) -> None:
    # 3,080 words at 140 a minute is 22 minutes, over the default 20.
    root = make_tour(languages=("en",), stops={"gate": {"en": words(3080)}, "wall": {"en": words(300)}})
    code, problems, output = check(runner, root)
    assert code == 0, output
    assert find(problems, "stops/gate/en.md", "rarely listen") == [(1, "warning")]
    message = next(m for p, _, _, m in problems if p == "stops/gate/en.md")
    assert message == (
        "about 22 minutes; visitors rarely listen that long: split it into stops or raise audio.max_minutes"
    )
    assert find(problems, "stops/wall/en.md", "rarely listen") == []


def test_max_minutes_is_configurable_and_counts_explicit_pauses(make_tour, runner: CliRunner) -> None:
    stops = {"gate": {"en": words(3080)}, "wall": {"en": words(140) + " [pause 10s] " + words(140)}}
    root = make_tour(languages=("en",), stops=stops, extra_tour_yaml="audio:\n  max_minutes: 25\n")
    _, problems, output = check(runner, root)
    assert not [p for p in problems if "rarely listen" in p[3]], output
    root = make_tour("short", languages=("en",), stops=stops, extra_tour_yaml="audio:\n  max_minutes: 2\n")
    _, problems, output = check(runner, root)
    assert find(problems, "stops/gate/en.md", "about 22 minutes") == [(1, "warning")], output
    # 280 words are 2 minutes; the explicit 10 s pause takes it over.
    assert find(problems, "stops/wall/en.md", "about 2 minutes") == [(1, "warning")], output


def test_max_minutes_must_be_a_number(make_tour, runner: CliRunner) -> None:
    root = make_tour(languages=("en",), extra_tour_yaml="audio:\n  max_minutes: long\n")
    code, problems, _ = check(runner, root)
    assert code != 0
    assert find(problems, "tour.yaml", "audio.max_minutes must be a number") != []


def test_max_minutes_does_not_change_what_is_built(make_tour) -> None:
    """It tunes a warning only: raising it must not make the build redo every narration."""
    from tests.helpers.audio_checks import plan_for

    default = make_tour("default", languages=("en",))
    raised = make_tour("raised", languages=("en",), extra_tour_yaml="audio:\n  max_minutes: 90\n")
    assert plan_for(default, "gate", "en").input_hash == plan_for(raised, "gate", "en").input_hash
