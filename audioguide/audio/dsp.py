"""Numpy-only signal processing for the build's hot path: K-weighting, gated loudness
(ITU-R BS.1770), true-peak envelope, band limiting and a look-ahead-free smooth limiter.

Why not scipy here: importing scipy.signal costs about a second per process, which would be
most of a one-sentence rebuild. Filters run in the frequency domain (one FFT per signal), and
tests check every figure against pyloudnorm and scipy. These are whole-signal definitions; the
build runs their chunked equivalents (audio/stream.py), which tests hold equal to them.
"""

from __future__ import annotations

from functools import cache

import numpy as np

TRUE_PEAK_OVERSAMPLING = 4
_CHUNK = 1 << 18  # candidate samples interpolated at once: about 5 MB of work arrays
# Padding so that filter tails do not wrap around the circular FFT convolution.
_FFT_PAD_S = 0.5


def fft_length(n: int) -> int:
    """The smallest 2^a 3^b 5^c >= n: a size numpy transforms quickly, much closer to n than
    the next power of two."""
    best = 1 << (n - 1).bit_length()
    power5 = 1
    while power5 < best:
        power35 = power5
        while power35 < best:
            candidate = power35
            while candidate < n:
                candidate *= 2
            best = min(best, candidate)
            power35 *= 3
        power5 *= 5
    return best


def _biquad_response(b: tuple[float, float, float], a: tuple[float, float, float], n_fft: int) -> np.ndarray:
    z = np.exp(-2j * np.pi * np.arange(n_fft // 2 + 1) / n_fft)
    return (b[0] + b[1] * z + b[2] * z * z) / (a[0] + a[1] * z + a[2] * z * z)


_RESPONSE_GRID = 8193


def _k_weighting_response(sample_rate: int, n_fft: int) -> np.ndarray:
    """|H| of BS.1770's two stages, as pyloudnorm builds them (RBJ biquads): a +4 dB high shelf
    from 1.5 kHz (the head's effect) and a 38 Hz high-pass. Loudness depends on magnitude only,
    and the response is smooth, so it is evaluated on a small grid and interpolated."""
    grid = np.linspace(0, 1, _RESPONSE_GRID)
    magnitude = _k_weighting_magnitude(sample_rate)
    return np.interp(np.linspace(0, 1, n_fft // 2 + 1), grid, magnitude).astype(np.float32)


@cache
def _k_weighting_magnitude(sample_rate: int) -> np.ndarray:
    return np.abs(k_weighting_exact(sample_rate, (_RESPONSE_GRID - 1) * 2))


def k_weighting_exact(sample_rate: int, n_fft: int) -> np.ndarray:
    gain = 10 ** (4.0 / 40)
    w0 = 2 * np.pi * 1500.0 / sample_rate
    alpha = np.sin(w0) / (2 * (1 / np.sqrt(2)))
    cos, root = np.cos(w0), 2 * np.sqrt(gain) * alpha
    shelf = _biquad_response(
        (
            gain * ((gain + 1) + (gain - 1) * cos + root),
            -2 * gain * ((gain - 1) + (gain + 1) * cos),
            gain * ((gain + 1) + (gain - 1) * cos - root),
        ),
        (
            (gain + 1) - (gain - 1) * cos + root,
            2 * ((gain - 1) - (gain + 1) * cos),
            (gain + 1) - (gain - 1) * cos - root,
        ),
        n_fft,
    )
    w0 = 2 * np.pi * 38.0 / sample_rate
    alpha, cos = np.sin(w0) / (2 * 0.5), np.cos(w0)
    high_pass = _biquad_response(
        ((1 + cos) / 2, -(1 + cos), (1 + cos) / 2), (1 + alpha, -2 * cos, 1 - alpha), n_fft
    )
    return shelf * high_pass


def low_pass_response(cutoff_hz: float, sample_rate: int, n_fft: int) -> np.ndarray:
    """Zero-phase low-pass with a raised-cosine transition from 0.9 to 1.0 of the cut-off."""
    bins = n_fft // 2 + 1
    start = int(0.9 * cutoff_hz * n_fft / sample_rate)
    stop = min(bins, int(cutoff_hz * n_fft / sample_rate) + 1)
    response = np.zeros(bins, dtype=np.float32)
    response[:start] = 1.0
    response[start:stop] = 0.5 * (1 + np.cos(np.pi * np.linspace(0, 1, stop - start)))
    return response


def band_limit_and_weight(
    signal: np.ndarray, sample_rate: int, cutoff_hz: float
) -> tuple[np.ndarray, np.ndarray]:
    """The signal low-passed at `cutoff_hz`, and that signal K-weighted: one forward FFT."""
    # Single precision: audio needs no more, and numpy transforms it about twice as fast.
    n_fft = fft_length(len(signal) + int(_FFT_PAD_S * sample_rate))
    spectrum = np.fft.rfft(signal.astype(np.float32), n_fft)
    spectrum *= low_pass_response(cutoff_hz, sample_rate, n_fft)
    limited = np.fft.irfft(spectrum, n_fft)[: len(signal)]
    spectrum *= _k_weighting_response(sample_rate, n_fft)
    weighted = np.fft.irfft(spectrum, n_fft)[: len(signal)]
    return limited, weighted


def k_weighted(signal: np.ndarray, sample_rate: int) -> np.ndarray:
    n_fft = fft_length(len(signal) + int(_FFT_PAD_S * sample_rate))
    spectrum = np.fft.rfft(signal.astype(np.float32), n_fft) * _k_weighting_response(sample_rate, n_fft)
    return np.fft.irfft(spectrum, n_fft)[: len(signal)]


def gated_loudness(weighted: np.ndarray, sample_rate: int) -> float:
    """BS.1770 integrated loudness (LUFS) of a K-weighted mono signal: 400 ms blocks with 75 %
    overlap, absolute gate at -70 LUFS, relative gate 10 LU under the absolutely gated mean."""
    block = int(0.4 * sample_rate)
    if len(weighted) < block:
        weighted = np.concatenate([weighted, np.zeros(block - len(weighted))])
    squared = np.square(weighted, dtype=np.float64)  # sums of a million squares need doubles
    energy = np.concatenate([[0.0], np.cumsum(squared)])
    starts = np.arange(0, len(weighted) - block + 1, block // 4)
    return loudness_of_powers((energy[starts + block] - energy[starts]) / block)


def loudness_of_powers(powers: np.ndarray) -> float:
    """Integrated loudness from the mean squares of the K-weighted 400 ms blocks (the gating)."""
    with np.errstate(divide="ignore"):
        levels = -0.691 + 10 * np.log10(powers)
        gated = powers[levels > -70]
        if not gated.size:
            return -np.inf
        relative = -0.691 + 10 * np.log10(gated.mean()) - 10
        gated = gated[-0.691 + 10 * np.log10(gated) > relative]
        return float(-0.691 + 10 * np.log10(gated.mean()))


@cache
def _interpolation_phases() -> np.ndarray:
    """A 48-tap Hamming-windowed sinc for 4x interpolation, split into 4 branches of 12 taps
    (the structure BS.1770 Annex 2 uses for true peak)."""
    taps = 12 * TRUE_PEAK_OVERSAMPLING
    n = np.arange(taps) - (taps - 1) / 2
    kernel = np.sinc(n / TRUE_PEAK_OVERSAMPLING) * np.hamming(taps)
    kernel *= TRUE_PEAK_OVERSAMPLING / kernel.sum()
    return kernel.reshape(-1, TRUE_PEAK_OVERSAMPLING).T.copy()


def peak_envelope(signal: np.ndarray, above: float = 0.0) -> np.ndarray:
    """Per-sample maximum of the 4x oversampled signal, without building the oversampled signal.

    With `above` > 0 the envelope is exact wherever it exceeds `above` and at most `above`
    elsewhere, which is all a limiter or a peak meter with that threshold can see. Each
    interpolated value is a 12-tap weighted sum, so it exceeds the loudest sample of its window
    by at most the taps' absolute sum; only windows holding a sample above `above` / that sum
    are interpolated: in speech, a few per cent of the file.
    """
    envelope = np.abs(signal)
    phases = _interpolation_phases().astype(signal.dtype)
    taps = phases.shape[1]
    # np.convolve(mode="full")[n + half - 1] puts x[n + half - 1 - k] under tap k: outputs from
    # half - 1 before a sample to half after it can see that sample.
    half = taps // 2
    if above <= 0:
        for phase in phases:
            interpolated = np.convolve(signal, phase, mode="full")[half - 1 : half - 1 + len(signal)]
            np.maximum(envelope, np.abs(interpolated), out=envelope)
        return envelope
    bound = float(np.abs(phases).sum(axis=1).max())
    loud = np.flatnonzero(envelope > above / bound)
    if not loud.size:
        return envelope
    near_loud = np.zeros(len(signal) + taps, dtype=bool)
    for shift in range(taps):
        near_loud[loud + shift + 1] = True
    candidates = np.flatnonzero(near_loud[half : half + len(signal)])
    padded = np.concatenate([np.zeros(taps, signal.dtype), signal, np.zeros(taps, signal.dtype)])
    offsets = taps + half - 1 - np.arange(taps)
    # Tap by tap over the candidates: plain vector arithmetic (a BLAS product would start
    # threads in every build worker), in chunks so that dense signals stay small in memory.
    for start in range(0, len(candidates), _CHUNK):
        chunk = candidates[start : start + _CHUNK]
        branches = np.zeros((len(phases), len(chunk)), dtype=signal.dtype)
        for tap, offset in enumerate(offsets):
            branches += phases[:, tap, None] * padded[chunk + offset]
        envelope[chunk] = np.maximum(envelope[chunk], np.abs(branches).max(axis=0))
    return envelope


def true_peak_db(signal: np.ndarray) -> float:
    """The maximum of the 4x oversampled signal, in dB (BS.1770 Annex 2)."""
    if not signal.size:
        return -np.inf
    sample_peak = float(np.max(np.abs(signal)))
    if sample_peak == 0:
        return -np.inf
    return 20 * np.log10(float(np.max(peak_envelope(signal, above=sample_peak))))


def running_min(values: np.ndarray, size: int) -> np.ndarray:
    """Centred moving minimum (van Herk / Gil-Werman: two passes of accumulate, O(n))."""
    half = size // 2
    n = len(values)
    total = n + 2 * half
    total += -total % size
    padded = np.full(total, np.inf)
    padded[half : half + n] = values
    blocks = padded.reshape(-1, size)
    prefix = np.minimum.accumulate(blocks, axis=1).ravel()
    suffix = np.minimum.accumulate(blocks[:, ::-1], axis=1)[:, ::-1].ravel()
    return np.minimum(suffix[:n], prefix[size - 1 : size - 1 + n])


def moving_average(values: np.ndarray, size: int) -> np.ndarray:
    """Centred moving average over `size` (odd) samples; edges repeat the edge value."""
    half = size // 2
    padded = np.concatenate([np.full(half + 1, values[0]), values, np.full(half, values[-1])])
    sums = np.cumsum(padded)
    return (sums[size:] - sums[:-size]) / size


LIMITER_BLOCK = 8  # the gain curve is computed per 8 samples: it moves over milliseconds


def block_peaks(envelope: np.ndarray) -> np.ndarray:
    """The envelope's maximum per LIMITER_BLOCK samples (the last block padded)."""
    padded = np.concatenate([envelope, np.zeros(-len(envelope) % LIMITER_BLOCK, dtype=envelope.dtype)])
    return padded.reshape(-1, LIMITER_BLOCK).max(axis=1)


def limiter_reach(window: int) -> tuple[int, int, int]:
    """(running-minimum radius, moving-average size, reach) in blocks for a limiter `window`
    in samples: the curve at a block depends on the blocks up to `reach` either side."""
    blocks = max(1, window // LIMITER_BLOCK)
    size = blocks | 1
    return blocks, size, blocks + size // 2


def limiter_block_gains(peaks: np.ndarray, gain: float, ceiling_db: float, window: int) -> np.ndarray | float:
    """Smooth gain reduction per block wherever `gain * peaks` (from block_peaks) would pass
    the ceiling, or 1.0 when nothing passes.

    The running minimum of the required gain over 2*window+1 samples, averaged over `window`
    samples, never exceeds the gain any sample needs, yet has no steps that would click.
    """
    ceiling = 10 ** (ceiling_db / 20)
    needed = np.minimum(1.0, ceiling / np.maximum(peaks * gain, 1e-12))
    if needed.min(initial=1.0) >= 1.0:
        return 1.0
    radius, size, _ = limiter_reach(window)
    return moving_average(running_min(needed, 2 * radius + 1), size)


def limiter_gain(
    peaks: np.ndarray, gain: float, ceiling_db: float, window: int, length: int
) -> np.ndarray | float:
    """limiter_block_gains spread over `length` samples (or 1.0 when nothing passes)."""
    smooth = limiter_block_gains(peaks, gain, ceiling_db, window)
    return smooth if isinstance(smooth, float) else np.repeat(smooth, LIMITER_BLOCK)[:length]
