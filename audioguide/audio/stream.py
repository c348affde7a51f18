"""The build's signal processing in chunks, so that memory does not grow with narration length.

A narration is read as consecutive float32 chunks of CHUNK_S seconds. Filters are fixed
zero-phase FIR kernels applied by overlap-save FFT convolution; gated loudness and true peak
are accumulated chunk by chunk. Each result equals the whole-signal function in dsp.py (tests
hold filters to 1e-4, loudness to 0.05 LU, true peak to 0.05 dB) while holding only a chunk,
its overlap, and per-block summaries (ten 400 ms gating sums per second).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import cache

import numpy as np

from audioguide.audio.dsp import (
    LIMITER_BLOCK,
    fft_length,
    k_weighting_exact,
    loudness_of_powers,
    low_pass_response,
    peak_envelope,
)

# 20 s per chunk (441,000 samples at 22.05 kHz): a pass's arrays then peak at 37-49 MB
# (tracemalloc, a 20-minute narration: a chunk, its neighbour, their FFTs and the oversampled
# peaks), next to the 40 MB that Python, numpy and the modules take; the 0.2 s kernel overlap
# costs 1 % more FFT work; and a one-minute narration is three chunks, so per-chunk Python
# overhead stays negligible. A multiple of LIMITER_BLOCK keeps limiter blocks aligned.
CHUNK_S = 20.0
# Kernels reach 0.1 s each side: past that the low-pass's taps sum (L1) under 6e-5 at 8 kHz
# and 6e-6 at 22.05 kHz, the K-weighting's under 1e-10, so truncation stays below 1e-4.
KERNEL_HALF_S = 0.1
_DESIGN_BINS = 1 << 17
TRUE_PEAK_MARGIN = 6  # the 48-tap interpolator sees 6 samples either side


def chunk_samples(sample_rate: int) -> int:
    size = int(CHUNK_S * sample_rate)
    return size - size % LIMITER_BLOCK


def chunked(samples: np.ndarray, size: int) -> Iterator[np.ndarray]:
    """An in-memory signal as consecutive chunks of `size` samples (the last shorter)."""
    for start in range(0, len(samples), size):
        yield samples[start : start + size]


@cache
def _kernel(kind: str, sample_rate: int, cutoff_hz: float) -> np.ndarray:
    """A zero-phase FIR kernel (2 * half + 1 taps, centred) with the same magnitude response as
    dsp.py's whole-signal filters: "lp" the band limit, "k" K-weighting, "lpk" both."""
    response = np.ones(_DESIGN_BINS // 2 + 1)
    if "lp" in kind:
        response = response * low_pass_response(cutoff_hz, sample_rate, _DESIGN_BINS)
    if "k" in kind:
        # The exact magnitude, not dsp.py's interpolated one: its impulse response dies out
        # within 0.1 s, where the interpolation's would leave a 1e-7 floor at every lag.
        response = response * np.abs(k_weighting_exact(sample_rate, _DESIGN_BINS))
    impulse = np.fft.irfft(response, _DESIGN_BINS)
    half = int(KERNEL_HALF_S * sample_rate)
    return np.concatenate([impulse[-half:], impulse[: half + 1]])


@cache
def _kernel_spectrum(kind: str, sample_rate: int, cutoff_hz: float, n_fft: int) -> np.ndarray:
    return np.fft.rfft(_kernel(kind, sample_rate, cutoff_hz), n_fft).astype(np.complex64)


def filter_chunks(
    chunks: Iterable[np.ndarray], sample_rate: int, kinds: tuple[str, ...], cutoff_hz: float = 0.0
) -> Iterator[tuple[np.ndarray, ...]]:
    """Each kind of filter applied to the signal the chunks make up (zero outside it), by
    overlap-save: yields one float32 array per kind, per `chunk_samples` of output."""
    size = chunk_samples(sample_rate)
    half = int(KERNEL_HALF_S * sample_rate)
    full_fft = fft_length(size + 2 * half)
    buffer = np.zeros(half, dtype=np.float32)  # the signal is silent before it starts
    produced = total = 0
    finished = False
    source = iter(chunks)
    while not finished:
        pieces = [buffer]
        held = len(buffer)
        while held < size + 2 * half and not finished:
            chunk = next(source, None)
            if chunk is None:
                finished = True
                pieces.append(np.zeros(2 * half, dtype=np.float32))
                held += 2 * half
            else:
                pieces.append(np.asarray(chunk, dtype=np.float32))
                total += len(chunk)
                held += len(chunk)
        buffer = np.concatenate(pieces)
        while len(buffer) >= size + 2 * half or (finished and produced < total):
            count = min(size, total - produced) if finished else size
            window = buffer[: count + 2 * half]
            # A shorter last chunk is transformed at a power of two: kernel spectra are kept
            # per transform size, and a process assembles narrations of every length.
            n_fft = full_fft if count == size else min(full_fft, 1 << (len(window) - 1).bit_length())
            spectrum = np.fft.rfft(window, n_fft)
            yield tuple(
                np.fft.irfft(spectrum * _kernel_spectrum(kind, sample_rate, cutoff_hz, n_fft), n_fft)[
                    2 * half : 2 * half + count
                ]
                for kind in kinds
            )
            produced += count
            buffer = buffer[count:]


def with_context(chunks: Iterable[tuple[np.ndarray, ...]], margin: int) -> Iterator[tuple[np.ndarray, ...]]:
    """Each chunk with `margin` samples of its neighbours on both sides (zeros beyond the
    signal), so that windowed measures near a chunk's edges equal whole-signal ones. Holds one
    chunk ahead; every chunk but the last must be at least `margin` long."""
    source = iter(chunks)
    current = next(source, None)
    if current is None:
        return
    before = tuple(np.zeros(margin, dtype=np.float32) for _ in current)
    while current is not None:
        following = next(source, None)
        after = []
        for index, array in enumerate(current):
            head = following[index][:margin] if following is not None else array[:0]
            after.append(np.concatenate([head, np.zeros(margin - len(head), dtype=np.float32)]))
        yield tuple(np.concatenate([b, a, c]) for b, a, c in zip(before, current, after, strict=True))
        before = tuple(array[-margin:] for array in current)
        current = following


class GatingMeter:
    """BS.1770 gated loudness of a K-weighted signal given chunk by chunk: keeps the running
    sum of squares at every 400 ms block's start and end (ten blocks per second)."""

    def __init__(self, sample_rate: int) -> None:
        self.block = int(0.4 * sample_rate)
        self.step = self.block // 4
        self.length = 0
        self._energy = 0.0
        self._at: list[np.ndarray] = []  # the running sum at each boundary, as reached

    def add(self, weighted: np.ndarray) -> None:
        start, end = self.length, self.length + len(weighted)
        cumulative = np.cumsum(np.square(weighted, dtype=np.float64))
        positions = self.boundaries(start + 1, end + 1)
        self._at.append(self._energy + cumulative[positions - start - 1])
        self._energy += float(cumulative[-1]) if len(cumulative) else 0.0
        self.length = end

    def boundaries(self, start: int, stop: int) -> np.ndarray:
        """Block starts and ends in [start, stop), in the order of the sorted union."""
        starts = np.arange(-(-start // self.step) * self.step, stop, self.step)
        first_end = max(0, -(-(start - self.block) // self.step)) * self.step + self.block
        ends = np.arange(first_end, stop, self.step)
        return np.union1d(starts, ends)

    def points(self) -> np.ndarray:
        """Every block start and end, from 0: the gating intervals lie between them."""
        return np.concatenate([[0], self.boundaries(1, self.length + 1)]).astype(np.int64)

    def powers(self, deltas: np.ndarray | None = None) -> np.ndarray:
        """Mean square per 400 ms block; `deltas` add energy to each interval from a point to
        the next (the last one to the end): what a gain curve, the limiter's, changes."""
        if self.length < self.block:  # BS.1770 needs a block: the signal is padded with silence
            added = float(np.sum(deltas)) if deltas is not None else 0.0
            return np.array([(self._energy + added) / self.block])
        energy = np.concatenate([[0.0], *self._at])
        if deltas is not None:
            energy = energy + np.concatenate([[0.0], np.cumsum(deltas[:-1], dtype=np.float64)])
        points = self.points()
        starts = np.arange(0, self.length - self.block + 1, self.step)
        at = np.searchsorted(points, starts)
        until = np.searchsorted(points, starts + self.block)
        return (energy[until] - energy[at]) / self.block

    def loudness(self, deltas: np.ndarray | None = None, scale: float = 1.0) -> float:
        """Integrated loudness, with `deltas` as in powers() and every energy times `scale`."""
        return loudness_of_powers(self.powers(deltas) * scale)


class TruePeakMeter:
    """The 4x oversampled maximum (BS.1770 Annex 2) of a signal given as context chunks from
    `with_context(..., TRUE_PEAK_MARGIN)`, as dsp.true_peak_db measures the whole signal."""

    def __init__(self) -> None:
        self.peak = 0.0

    def add(self, padded: np.ndarray) -> None:
        inner = padded[TRUE_PEAK_MARGIN : len(padded) - TRUE_PEAK_MARGIN]
        if not inner.size:
            return
        # Exact above the loudest sample seen so far: nothing under it can be the maximum.
        level = max(self.peak, float(np.max(np.abs(inner))))
        if level == 0:
            return
        envelope = peak_envelope(padded, above=level)
        self.peak = max(level, float(np.max(envelope[TRUE_PEAK_MARGIN : len(padded) - TRUE_PEAK_MARGIN])))

    @property
    def db(self) -> float:
        return 20 * np.log10(self.peak) if self.peak > 0 else -np.inf
