"""Pcm, the build's audio type (mono 16-bit), and what is done to it before loudness: WAV bytes,
resampling, trimming engine padding."""

from __future__ import annotations

import io
import wave
from dataclasses import dataclass
from math import gcd

import numpy as np


@dataclass(frozen=True)
class Pcm:
    """Mono 16-bit audio."""

    samples: np.ndarray  # int16
    sample_rate: int

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.sample_rate


# Sentence edges quieter than this are engine padding, not speech (about -46 dBFS).
SILENCE_THRESHOLD = 0.005
EDGE_MARGIN_S = 0.03


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


def pcm_to_wav_bytes(pcm: Pcm) -> bytes:

    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(pcm.sample_rate)
        out.writeframes(pcm.samples.tobytes())
    return buffer.getvalue()


def wav_bytes_to_pcm(data: bytes) -> Pcm:

    with wave.open(io.BytesIO(data), "rb") as source:
        if source.getnchannels() != 1 or source.getsampwidth() != 2:
            raise ValueError("not mono 16-bit")
        frames = source.readframes(source.getnframes())
        if len(frames) != source.getnframes() * 2:
            raise ValueError("truncated")
        return Pcm(np.frombuffer(frames, dtype=np.int16).copy(), source.getframerate())
