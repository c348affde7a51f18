"""MP3 through ffmpeg pipes: decode, encode with tags, and encode to loudness targets.

Loudness follows ITU-R BS.1770 over the whole file, not per sentence, so that quiet and loud
sentences keep their natural relation; a true-peak limiter keeps the ceiling. Audio goes to and
from ffmpeg in chunks, so that no narration is ever held whole.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from audioguide.audio.loudness import LoudnessNormalizer, Replayable
from audioguide.audio.pcm import Pcm, to_float
from audioguide.audio.stream import (
    TRUE_PEAK_MARGIN,
    GatingMeter,
    TruePeakMeter,
    chunk_samples,
    chunked,
    filter_chunks,
    with_context,
)
from audioguide.tour.schema import AudioSettings

# LAME quality 5 (0 best, 9 fastest): twice as fast as the default, no audible loss for speech.
LAME_QUALITY = 5


@cache
def ffmpeg_path() -> str:
    """A system ffmpeg when configured (AUDIOGUIDE_FFMPEG), else the one in the imageio-ffmpeg wheel."""
    configured = os.environ.get("AUDIOGUIDE_FFMPEG")
    if configured:
        return configured
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def decode_to_pcm(data: bytes | Path, sample_rate: int | None = None) -> Pcm:
    """Any audio ffmpeg reads -> mono 16-bit PCM (at `sample_rate` when given)."""
    command = [
        ffmpeg_path(),
        "-nostdin",
        "-loglevel",
        "error",
        "-i",
        "pipe:0" if isinstance(data, bytes) else str(data),
    ]
    command += ["-ac", "1", "-f", "s16le", "-acodec", "pcm_s16le"]
    rate = sample_rate or 0
    if not rate:
        rate = 24000 if isinstance(data, bytes) else probe_sample_rate(data)
    command += ["-ar", str(rate), "pipe:1"]
    result = subprocess.run(
        command, input=data if isinstance(data, bytes) else None, capture_output=True, check=False
    )
    if result.returncode != 0:
        raise ValueError(f"ffmpeg could not decode the audio: {result.stderr.decode(errors='replace')[:300]}")
    return Pcm(np.frombuffer(result.stdout, dtype=np.int16).copy(), rate)


def _describe(path: Path) -> list[str]:
    """ffmpeg's description of a file's streams, read from its header (the wheel ships no ffprobe)."""
    result = subprocess.run(
        [ffmpeg_path(), "-nostdin", "-hide_banner", "-i", str(path)], capture_output=True, check=False
    )
    return result.stderr.decode(errors="replace").splitlines()


def probe_sample_rate(path: Path) -> int:
    """The stream's sample rate, read from ffmpeg's banner."""
    for line in _describe(path):
        if "Audio:" in line:
            for part in line.split(","):
                if part.strip().endswith("Hz"):
                    return int(part.strip().split()[0])
    raise ValueError(f"{path}: no audio stream found")


def probe_duration(path: Path) -> float:
    """Seconds of audio in a file: from its header (nothing decoded), or by decoding it when the
    header does not say. ValueError, with ffmpeg's reason, when there is no audio to read."""
    lines = _describe(path)
    if not any("Audio:" in line for line in lines):
        reason = lines[-1].strip().removeprefix(f"{path}: ") if lines else "ffmpeg said nothing"
        raise ValueError(f"no audio found ({reason})")
    for line in lines:
        fields = line.strip().split(",")[0].split()
        if fields[:1] == ["Duration:"] and len(fields) == 2 and fields[1] != "N/A":
            hours, minutes, seconds = fields[1].split(":")
            return int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    return decode_to_pcm(path, 8000).seconds


@dataclass(frozen=True)
class Mp3Tags:
    title: str
    album: str
    track: int
    language: str
    artist: str = "audioguide"


@contextlib.contextmanager
def _ffmpeg(command: list[str], what: str, **pipes: Any) -> Iterator[subprocess.Popen[bytes]]:
    """ffmpeg running `command` while the caller feeds or reads its pipes; a ValueError saying
    it could not do `what` when it fails. Its messages go to a file: a pipe nobody reads while
    we write could fill and block it."""
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, stderr=errors, **pipes)
        try:
            yield process
        finally:
            for pipe in (process.stdin, process.stdout):
                if pipe is not None:
                    with contextlib.suppress(BrokenPipeError):
                        pipe.close()
            code = process.wait()
        if code != 0:
            errors.seek(0)
            raise ValueError(f"ffmpeg could not {what}: {errors.read().decode(errors='replace')[:300]}")


def write_mp3(
    chunks: Iterable[np.ndarray], sample_rate: int, bitrate_kbps: int, tags: Mp3Tags, target: Path
) -> None:
    """Encode mono int16 chunks to MP3 with ID3v2.4 tags at `target` (a temp file), through
    ffmpeg's stdin: nothing but the current chunk is held."""
    command = [ffmpeg_path(), "-nostdin", "-y", "-loglevel", "error"]
    command += ["-f", "s16le", "-ar", str(sample_rate), "-ac", "1", "-i", "pipe:0"]
    # Reproducible bytes: no encoder-version tag that would change with ffmpeg updates.
    command += ["-b:a", f"{bitrate_kbps}k", "-ac", "1", "-map_metadata", "-1", "-fflags", "+bitexact"]
    command += ["-compression_level", str(LAME_QUALITY)]
    fields = {"title": tags.title, "album": tags.album, "track": str(tags.track)}
    for key, value in {**fields, "language": tags.language, "artist": tags.artist}.items():
        command += ["-metadata", f"{key}={value}"]
    command += ["-id3v2_version", "4", "-f", "mp3", str(target)]
    with _ffmpeg(command, "encode the MP3", stdin=subprocess.PIPE, stdout=subprocess.DEVNULL) as process:
        assert process.stdin is not None
        try:
            for chunk in chunks:
                process.stdin.write(np.ascontiguousarray(chunk, dtype=np.int16).tobytes())
        except BrokenPipeError:
            pass  # ffmpeg stopped: its exit status and message say why


def export_mp3(samples: np.ndarray, sample_rate: int, bitrate_kbps: int, tags: Mp3Tags, target: Path) -> None:
    """Encode a whole int16 signal (see write_mp3)."""
    write_mp3(chunked(samples, chunk_samples(sample_rate)), sample_rate, bitrate_kbps, tags, target)


def read_chunks(path: Path, sample_rate: int) -> Iterator[np.ndarray]:
    """A file decoded to mono int16 at `sample_rate`, in chunks, through ffmpeg's stdout."""
    command = [ffmpeg_path(), "-nostdin", "-loglevel", "error", "-i", str(path)]
    command += ["-ac", "1", "-f", "s16le", "-acodec", "pcm_s16le", "-ar", str(sample_rate), "pipe:1"]
    size = 2 * chunk_samples(sample_rate)
    with _ffmpeg(command, "decode the audio", stdout=subprocess.PIPE) as process:
        assert process.stdout is not None
        pending = b""
        while data := process.stdout.read(size - len(pending)):
            pending += data
            if len(pending) == size:
                yield np.frombuffer(pending, dtype=np.int16)
                pending = b""
        if len(pending) >= 2:
            yield np.frombuffer(pending[: len(pending) // 2 * 2], dtype=np.int16)


def measure_file(path: Path, sample_rate: int) -> tuple[float, float]:
    """(integrated loudness in LUFS, true peak in dBTP) of an audio file, decoded and measured
    chunk by chunk (dsp.gated_loudness and dsp.true_peak_db on the whole file, in bounded memory)."""
    peak = TruePeakMeter()
    meter = GatingMeter(sample_rate)

    def decoded() -> Iterator[np.ndarray]:
        chunks = ((to_float(chunk),) for chunk in read_chunks(path, sample_rate))
        for (padded,) in with_context(chunks, TRUE_PEAK_MARGIN):
            peak.add(padded)
            yield padded[TRUE_PEAK_MARGIN : len(padded) - TRUE_PEAK_MARGIN]

    for (weighted,) in filter_chunks(decoded(), sample_rate, ("k",)):
        meter.add(weighted)
    return meter.loudness(), peak.db


# First aims, corrected by measuring the encoded file: the limiter stays a little under the
# ceiling, and the loudness aims above the target by what encoding loses (measured: about
# 0.45 LU for 64 kbps mono at 22.05 kHz).
INITIAL_HEADROOM_DB = 1.2
ENCODER_LOUDNESS_LOSS_LU = 0.45
LOUDNESS_TOLERANCE_LU = 0.4
ENCODE_ATTEMPTS = 3


def encode_to_targets(
    source: np.ndarray | Replayable, sample_rate: int, settings: AudioSettings, tags: Mp3Tags, target: Path
) -> int:
    """Normalize and encode, then measure the decoded MP3 itself and correct once or twice:
    the encoder's low-pass changes loudness and its ringing raises true peaks, so targets are
    only trusted when read back from the file visitors will hear. `source` is the narration,
    or a callable giving its int16 chunks afresh on each call; returns its length in samples."""
    aim_lufs = settings.loudness_lufs + ENCODER_LOUDNESS_LOSS_LU
    aim_peak = settings.true_peak_dbtp - INITIAL_HEADROOM_DB
    normalizer = LoudnessNormalizer(source, sample_rate)
    for _ in range(ENCODE_ATTEMPTS):
        rendering = normalizer.plan(aim_lufs, aim_peak)
        write_mp3(normalizer.rendered(rendering), sample_rate, settings.bitrate_kbps, tags, target)
        loudness, peak = measure_file(target, sample_rate)
        overshoot = peak - settings.true_peak_dbtp
        if not np.isfinite(loudness):
            break
        loudness_error = settings.loudness_lufs - loudness
        if abs(loudness_error) <= LOUDNESS_TOLERANCE_LU and overshoot <= 0:
            break
        aim_lufs += loudness_error
        if overshoot > -0.1:
            aim_peak -= overshoot + 0.3
    return normalizer.length
