"""Audio processing: decode, trim, resample, join, loudness-normalize, and MP3 export with pydub.

Loudness follows ITU-R BS.1770 (pyloudnorm) over the whole file, not per sentence, so that quiet
and loud sentences keep their natural relation; a true-peak limiter keeps the ceiling.
"""

from __future__ import annotations

import os
import subprocess
import warnings
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from audioguide.audio.dsp import (
    gated_loudness,
    k_weighted,
    true_peak_db,
)
from audioguide.audio.loudness import LoudnessNormalizer
from audioguide.audio.pcm import Pcm, to_float
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


@cache
def pydub_segment_class() -> type:
    """pydub's AudioSegment, pointed at our ffmpeg (the wheel has no ffprobe; we never need it)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # "Couldn't find ffmpeg": we set it below
        from pydub import AudioSegment
    AudioSegment.converter = ffmpeg_path()
    return AudioSegment


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


def export_mp3(samples: np.ndarray, sample_rate: int, bitrate_kbps: int, tags: Mp3Tags, target: Path) -> None:
    """Encode mono MP3 with ID3 tags through pydub + ffmpeg, written to `target` (a temp file)."""
    segment_class = pydub_segment_class()
    segment = segment_class(data=samples.tobytes(), sample_width=2, frame_rate=sample_rate, channels=1)
    with target.open("wb") as handle:
        segment.export(
            handle,
            format="mp3",
            bitrate=f"{bitrate_kbps}k",
            tags={
                "title": tags.title,
                "album": tags.album,
                "track": str(tags.track),
                "language": tags.language,
                "artist": tags.artist,
            },
            id3v2_version="4",
            # Reproducible bytes: no encoder-version tag that would change with ffmpeg updates.
            parameters=[
                "-ac",
                "1",
                "-map_metadata",
                "-1",
                "-fflags",
                "+bitexact",
                "-compression_level",
                str(LAME_QUALITY),
            ],
        )


# First aims, corrected by measuring the encoded file: the limiter stays a little under the
# ceiling, and the loudness aims above the target by what encoding loses (measured: about
# 0.45 LU for 64 kbps mono at 22.05 kHz).
INITIAL_HEADROOM_DB = 1.2
ENCODER_LOUDNESS_LOSS_LU = 0.45
LOUDNESS_TOLERANCE_LU = 0.4
ENCODE_ATTEMPTS = 3


def encode_to_targets(
    samples: np.ndarray, sample_rate: int, settings: AudioSettings, tags: Mp3Tags, target: Path
) -> np.ndarray:
    """Normalize and encode, then measure the decoded MP3 itself and correct once or twice:
    the encoder's low-pass changes loudness and its ringing raises true peaks, so targets are
    only trusted when read back from the file visitors will hear."""
    aim_lufs = settings.loudness_lufs + ENCODER_LOUDNESS_LOSS_LU
    aim_peak = settings.true_peak_dbtp - INITIAL_HEADROOM_DB
    normalizer = LoudnessNormalizer(samples, sample_rate)
    normalized = samples
    for _ in range(ENCODE_ATTEMPTS):
        normalized = normalizer.render(aim_lufs, aim_peak)
        export_mp3(normalized, sample_rate, settings.bitrate_kbps, tags, target)
        decoded = to_float(decode_to_pcm(target, sample_rate).samples)
        loudness = gated_loudness(k_weighted(decoded, sample_rate), sample_rate)
        overshoot = true_peak_db(decoded) - settings.true_peak_dbtp
        if not np.isfinite(loudness):
            break
        loudness_error = settings.loudness_lufs - loudness
        if abs(loudness_error) <= LOUDNESS_TOLERANCE_LU and overshoot <= 0:
            break
        aim_lufs += loudness_error
        if overshoot > -0.1:
            aim_peak -= overshoot + 0.3
    return normalized
