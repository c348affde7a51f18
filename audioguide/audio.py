"""Audio processing: decode, trim, resample, join, loudness-normalize, and MP3 export with pydub.

Loudness follows ITU-R BS.1770 (pyloudnorm) over the whole file, not per sentence, so that quiet
and loud sentences keep their natural relation; a true-peak limiter keeps the ceiling.
"""

from __future__ import annotations

import io
import os
import subprocess
import warnings
from dataclasses import dataclass
from functools import cache
from math import gcd
from pathlib import Path

import numpy as np

from audioguide.config import AudioSettings
from audioguide.dsp import (
    band_limit_and_weight,
    block_peaks,
    gated_loudness,
    k_weighted,
    limiter_gain,
    peak_envelope,
    true_peak_db,
)
from audioguide.engines.base import Pcm

# Sentence edges quieter than this are engine padding, not speech (about -46 dBFS).
SILENCE_THRESHOLD = 0.005
EDGE_MARGIN_S = 0.03
# LAME quality 5 (0 best, 9 fastest): twice as fast as the default, no audible loss for speech.
LAME_QUALITY = 5
LIMITER_WINDOW_S = 0.005
RENDER_ROUNDS = 6
# Peaks are made exact a little below the level a round needs, so the next rounds (whose gains
# differ by fractions of a dB) can reuse them.
PEAK_LEVEL_MARGIN = 10 ** (-6 / 20)
BAND_LIMIT_RATIO = 0.385  # 8.5 kHz at 22.05 kHz: speech loses nothing audible there


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


def probe_sample_rate(path: Path) -> int:
    """The stream's sample rate, read from ffmpeg's banner (the wheel ships no ffprobe)."""
    result = subprocess.run(
        [ffmpeg_path(), "-nostdin", "-hide_banner", "-i", str(path)], capture_output=True, check=False
    )
    for line in result.stderr.decode(errors="replace").splitlines():
        if "Audio:" in line:
            for part in line.split(","):
                if part.strip().endswith("Hz"):
                    return int(part.strip().split()[0])
    raise ValueError(f"{path}: no audio stream found")


def resample(pcm: Pcm, sample_rate: int) -> Pcm:
    if pcm.sample_rate == sample_rate:
        return pcm
    from scipy.signal import resample_poly

    divisor = gcd(pcm.sample_rate, sample_rate)
    resampled = resample_poly(
        pcm.samples.astype(np.float32), sample_rate // divisor, pcm.sample_rate // divisor
    )
    return Pcm(np.clip(np.round(resampled), -32768, 32767).astype(np.int16), sample_rate)


def trim_silence(pcm: Pcm) -> Pcm:
    """Drop leading and trailing engine padding, keeping a short margin so consonants are not clipped."""
    loud = np.flatnonzero(np.abs(pcm.samples.astype(np.int32)) > SILENCE_THRESHOLD * 32768)
    if loud.size == 0:
        return Pcm(pcm.samples[:0], pcm.sample_rate)
    margin = int(EDGE_MARGIN_S * pcm.sample_rate)
    start = max(0, loud[0] - margin)
    end = min(len(pcm.samples), loud[-1] + 1 + margin)
    return Pcm(pcm.samples[start:end], pcm.sample_rate)


def to_float(samples: np.ndarray) -> np.ndarray:
    """16-bit samples as floats in [-1, 1); single precision is ample for audio and faster."""
    return samples.astype(np.float32) / np.float32(32768.0)


def integrated_loudness(signal: np.ndarray, sample_rate: int) -> float:
    """The reference meter (pyloudnorm), used to verify the build's own fast measurements."""
    import pyloudnorm

    signal = signal.astype(np.float64)
    # BS.1770 gating needs at least one 400 ms block.
    if len(signal) < int(0.4 * sample_rate):
        signal = np.concatenate([signal, np.zeros(int(0.4 * sample_rate) - len(signal))])
    return float(pyloudnorm.Meter(sample_rate).integrated_loudness(signal))


class LoudnessNormalizer:
    """Whole-file gain to a loudness target, with a true-peak limiter under a ceiling.

    The limiter lowers loudness a little, so the gain is corrected and the limiter recomputed.
    The source loudness is measured once and the oversampled peaks are kept between rounds,
    which keeps each round (and each re-encode round) cheap.
    """

    def __init__(self, samples: np.ndarray, sample_rate: int) -> None:
        self.sample_rate = sample_rate
        # Low-passed a little under the MP3 encoder's own cut-off, so that the encoder's filter
        # adds no ringing above the limiter's ceiling (measured: up to +3 dB true-peak overshoot
        # without it). K-weighting is linear and the limiter's gain moves slowly, so the weighted
        # source times the gain curve measures each round's loudness without filtering again.
        self.signal, self.weighted = band_limit_and_weight(
            to_float(samples), sample_rate, BAND_LIMIT_RATIO * sample_rate
        )
        self.loudness = gated_loudness(self.weighted, sample_rate)
        self._peaks: np.ndarray | None = None
        self._exact_above = np.inf  # the block peaks are exact above this level

    def _block_peaks(self, level: float) -> np.ndarray:
        """Oversampled block peaks, exact wherever they exceed `level` (what a limiter with
        that threshold acts on); recomputed only when a round needs a lower level."""
        if self._peaks is None or level < self._exact_above:
            self._exact_above = level * PEAK_LEVEL_MARGIN
            self._peaks = block_peaks(peak_envelope(self.signal, above=self._exact_above))
        return self._peaks

    def render(self, target_lufs: float, ceiling_dbtp: float) -> np.ndarray:
        if not np.isfinite(self.loudness):  # silence: nothing to normalize
            return np.clip(np.round(self.signal * 32768), -32768, 32767).astype(np.int16)
        window = max(3, int(LIMITER_WINDOW_S * self.sample_rate))
        ceiling = 10 ** (ceiling_dbtp / 20)

        def loudness_at(gain_db: float) -> tuple[float, np.ndarray | float]:
            gain = 10 ** (gain_db / 20)
            peaks = self._block_peaks(ceiling / gain)
            curve = gain * limiter_gain(peaks, gain, ceiling_dbtp, window, len(self.signal))
            if isinstance(curve, float):
                return self.loudness + gain_db, curve  # no limiting: loudness moves with the gain
            return gated_loudness(self.weighted * curve, self.sample_rate), curve

        # Secant search on the gain: the limiter eats part of each increase, so plain fixed-point
        # steps converge slowly when it works hard.
        previous_gain = target_lufs - self.loudness
        previous_loudness, curve = loudness_at(previous_gain)
        gain_db = previous_gain + (target_lufs - previous_loudness)
        for _ in range(RENDER_ROUNDS):
            if abs(target_lufs - previous_loudness) < 0.05:
                break
            loudness, curve = loudness_at(gain_db)
            slope = (
                (loudness - previous_loudness) / (gain_db - previous_gain)
                if gain_db != previous_gain
                else 1.0
            )
            previous_gain, previous_loudness = gain_db, loudness
            gain_db += (target_lufs - loudness) / max(slope, 0.05)
        return np.clip(np.round(self.signal * curve * 32768), -32768, 32767).astype(np.int16)


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


def pcm_to_wav_bytes(pcm: Pcm) -> bytes:
    import wave

    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(pcm.sample_rate)
        out.writeframes(pcm.samples.tobytes())
    return buffer.getvalue()


def wav_bytes_to_pcm(data: bytes) -> Pcm:
    import wave

    with wave.open(io.BytesIO(data), "rb") as source:
        if source.getnchannels() != 1 or source.getsampwidth() != 2:
            raise ValueError("not mono 16-bit")
        frames = source.readframes(source.getnframes())
        if len(frames) != source.getnframes() * 2:
            raise ValueError("truncated")
        return Pcm(np.frombuffer(frames, dtype=np.int16).copy(), source.getframerate())


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
