"""Helpers for the build tests: run the CLI, decode and measure real MP3s, snapshot outputs.

Nothing here replaces code under test: audio is decoded with ffmpeg (audioguide.audio),
loudness is measured with pyloudnorm, true peak with scipy's resampler as well as with the
build's own meter, tags are read with mutagen.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from click.testing import CliRunner, Result

from audioguide.atomic import TEMP_PREFIX
from audioguide.audio.captions import Cue, parse_vtt
from audioguide.audio.dsp import true_peak_db
from audioguide.audio.loudness import integrated_loudness
from audioguide.audio.mp3 import decode_to_pcm
from audioguide.audio.pcm import to_float
from audioguide.cli import cli
from audioguide.published import Manifest, public_path

# Two 4x oversampling meters with different interpolation filters differ by up to ~0.2 dB on
# speech; the build's own meter (BS.1770's 48-tap structure) is held to the ceiling exactly.
METERS_DISAGREE_DB = 0.25

SILENCE_DBFS = -50.0
FRAME_S = 0.05


def separate_runner() -> CliRunner:
    """A CliRunner whose result.stdout holds only stdout (click 8.1 needs mix_stderr=False)."""
    try:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:  # click >= 8.2 always keeps them apart
        return CliRunner()


def stderr_of(result: Result) -> str:
    try:
        return result.stderr
    except ValueError:  # not captured separately: it is in the output
        return result.output


def describe(result: Result) -> str:
    return (
        f"exit {result.exit_code}\nstdout:\n{result.stdout}\nstderr:\n{stderr_of(result)}\n"
        f"{result.exception!r}"
    )


def invoke(runner: CliRunner, *args: str | Path) -> Result:
    return runner.invoke(cli, [str(a) for a in args])


def build(
    runner: CliRunner, root: Path, *args: str | Path, exit_code: int = 0, offline: bool = True
) -> dict[str, Any]:
    """`audioguide build --json --no-posters` in process; returns the parsed JSON report."""
    flags = ["--offline"] if offline else []
    result = invoke(runner, "build", "-p", root, *flags, "--no-posters", "--json", *args)
    assert result.exit_code == exit_code, describe(result)
    try:
        return json.loads(result.stdout)
    except ValueError as exc:
        raise AssertionError(f"build --json printed no JSON\n{describe(result)}") from exc


def statuses(report: dict[str, Any]) -> dict[tuple[str, str], str]:
    return {(n["stop"], n["lang"]): n["status"] for n in report["narrations"]}


def narration(report: dict[str, Any], stop: str, lang: str) -> dict[str, Any]:
    found = [n for n in report["narrations"] if n["stop"] == stop and n["lang"] == lang]
    assert len(found) == 1, f"{stop} ({lang}) appears {len(found)} times in {report['narrations']}"
    return found[0]


# ----- outputs on disk --------------------------------------------------------------------


def is_temp(path: Path) -> bool:
    return path.name.startswith(TEMP_PREFIX)


def published(audio_dir: Path) -> list[Path]:
    """Every MP3 and VTT a visitor could be served (temp files excluded)."""
    if not audio_dir.is_dir():
        return []
    return sorted(
        p for p in audio_dir.rglob("*") if p.is_file() and p.suffix in (".mp3", ".vtt") and not is_temp(p)
    )


def current_files(audio_dir: Path) -> dict[str, Path]:
    """The files the manifest names, by the name visitors know ("en/gate.mp3"): published files
    are content-addressed ("en/gate.<hash>.mp3"), and older versions stay for a while."""
    files = {}
    for narration in Manifest.load(audio_dir).narrations.values():
        for record in narration.files():
            files[public_path(record.path)] = audio_dir / record.path
    return files


def output(audio_dir: Path, name: str) -> Path:
    """The current file of a narration: output(audio, "en/gate.mp3")."""
    return current_files(audio_dir)[name]


def snapshot(audio_dir: Path) -> dict[str, bytes]:
    """The current files' bytes by public name, and the manifest's."""
    files = {**current_files(audio_dir), "manifest.json": audio_dir / "manifest.json"}
    return {name: path.read_bytes() for name, path in files.items() if path.is_file()}


def mtimes(audio_dir: Path) -> dict[str, int]:
    """When each file on disk was last written, by its path (every version, the manifest)."""
    return {
        p.relative_to(audio_dir).as_posix(): p.stat().st_mtime_ns for p in audio_dir.rglob("*") if p.is_file()
    }


def manifest(root: Path) -> dict[str, Any]:
    return json.loads((root / "audio" / "manifest.json").read_text(encoding="utf-8"))


# ----- audio measurements -------------------------------------------------------------------


@dataclass
class Decoded:
    samples: np.ndarray  # float, -1..1
    sample_rate: int

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.sample_rate

    @property
    def loudness(self) -> float:
        return integrated_loudness(self.samples, self.sample_rate)

    @property
    def true_peak(self) -> float:
        return true_peak_db(self.samples)

    @property
    def reference_true_peak(self) -> float:
        from scipy.signal import resample_poly

        oversampled = resample_poly(self.samples.astype(np.float64), 4, 1)
        return float(20 * np.log10(np.max(np.abs(oversampled))))

    def assert_under_ceiling(self, ceiling_dbtp: float) -> None:
        assert self.true_peak <= ceiling_dbtp + 0.01
        assert self.reference_true_peak <= ceiling_dbtp + METERS_DISAGREE_DB


def decode(path: Path) -> Decoded:
    """The whole file as float samples at its own rate (read from the header: one ffmpeg run)."""
    import mutagen.mp3

    pcm = decode_to_pcm(path, mutagen.mp3.MP3(path).info.sample_rate)
    return Decoded(to_float(pcm.samples), pcm.sample_rate)


def frame_levels_db(decoded: Decoded, frame_s: float = FRAME_S) -> np.ndarray:
    """RMS level of consecutive frames, in dBFS."""
    size = int(frame_s * decoded.sample_rate)
    count = len(decoded.samples) // size
    frames = decoded.samples[: count * size].reshape(count, size)
    rms = np.sqrt(np.mean(frames**2, axis=1))
    return 20 * np.log10(np.maximum(rms, 1e-10))


def silent_runs(decoded: Decoded, threshold_db: float = SILENCE_DBFS) -> list[tuple[float, float]]:
    """(start, length) in seconds of each run of frames quieter than `threshold_db`."""
    quiet = frame_levels_db(decoded) < threshold_db
    runs: list[tuple[float, float]] = []
    start = None
    for index, is_quiet in enumerate([*quiet, False]):
        if is_quiet and start is None:
            start = index
        elif not is_quiet and start is not None:
            runs.append((start * FRAME_S, (index - start) * FRAME_S))
            start = None
    return runs


def edge_silences(decoded: Decoded) -> tuple[float, float]:
    """Seconds of silence at the start and at the end."""
    loud = np.flatnonzero(frame_levels_db(decoded) >= SILENCE_DBFS)
    if loud.size == 0:
        return decoded.seconds, decoded.seconds
    frames = len(frame_levels_db(decoded))
    return loud[0] * FRAME_S, (frames - 1 - loud[-1]) * FRAME_S


def inner_silences(decoded: Decoded) -> list[tuple[float, float]]:
    runs = silent_runs(decoded)
    return [(s, n) for s, n in runs if s > 0 and s + n < decoded.seconds - FRAME_S - 1e-9]


def mp3_header_seconds(path: Path) -> float:
    import mutagen.mp3

    return float(mutagen.mp3.MP3(path).info.length)


def assert_complete_mp3(path: Path, min_seconds: float = 1.0) -> float:
    """The file decodes to the length its own header announces (a cut file decodes shorter)."""
    decoded = decode(path)
    announced = mp3_header_seconds(path)
    assert decoded.seconds > min_seconds, f"{path}: only {decoded.seconds:.2f} s"
    # The header counts whole frames including the encoder delay (< 0.1 s at 22.05 kHz).
    assert abs(announced - decoded.seconds) < 0.12, (
        f"{path}: decodes {decoded.seconds} s, header {announced} s"
    )
    return decoded.seconds


def read_cues(path: Path) -> list[Cue]:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("WEBVTT"), f"{path} does not start with WEBVTT"
    return parse_vtt(text)


def assert_complete_vtt(path: Path) -> list[Cue]:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("WEBVTT\n"), f"{path}: {text[:40]!r}"
    cues = parse_vtt(text)
    assert cues, f"{path}: no cues"
    # A complete file ends with the blank line after its last cue.
    assert text.endswith("\n"), f"{path}: cut short"
    for cue in cues:
        assert cue.text.strip(), f"{path}: an empty cue"
        assert 0 <= cue.start < cue.end
    return cues


FALLBACK_LINE = re.compile(r"^FALLBACK:.*$", re.MULTILINE)


def plan_for(root: Path, stop_id: str, lang: str):
    """The narration plan the build makes (sentences, cache keys, gaps), from the tour on disk."""
    from audioguide.audio.mp3 import Mp3Tags
    from audioguide.build.plan import plan_narration
    from audioguide.engines import default_chain, get_engine
    from audioguide.tour.load import load_tour

    tour, diags = load_tour(root)
    assert tour is not None and not diags.errors, [str(d) for d in diags.items]
    stop = tour.stop(stop_id)
    assert stop is not None
    choice = (tour.voices_for(stop, lang) or default_chain(lang, tour.root))[0]
    voice = get_engine(choice.engine).resolve(lang, choice.voice, tour.root)
    narration = stop.narrations[lang]
    tags = Mp3Tags(narration.title, tour.config.title[lang], stop.number, lang)
    return plan_narration(narration.script, tour.lexicons[lang], voice, tour.config.audio, tags)
