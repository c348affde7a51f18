"""Whole-file loudness normalization (ITU-R BS.1770) under a true-peak ceiling, in chunks.

Loudness is measured over the whole narration, not per sentence, so that quiet and loud
sentences keep their natural relation; a true-peak limiter keeps the ceiling. The narration is
read as a stream (a callable giving fresh int16 chunks each time), never held whole: a long
one is read and filtered again for each pass, and only per-block summaries stay in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from audioguide.audio.dsp import LIMITER_BLOCK, block_peaks, moving_average, peak_envelope, running_min
from audioguide.audio.pcm import to_float
from audioguide.audio.stream import GatingMeter, chunk_samples, chunked, filter_chunks, with_context

LIMITER_WINDOW_S = 0.005


RENDER_ROUNDS = 6


# Peaks are made exact a little below the level a round needs, so the next rounds (whose gains
# differ by fractions of a dB) and the encoder's correction rounds can reuse them.
PEAK_LEVEL_MARGIN = 10 ** (-6 / 20)


BAND_LIMIT_RATIO = 0.385  # 8.5 kHz at 22.05 kHz: speech loses nothing audible there

# A narration this short keeps its filtered signal between passes instead of reading and
# filtering it again: every demo narration (about a minute each) does, so the common case does
# no extra work, and it costs at most 2 x 4 bytes x 150 s x 48 kHz = 58 MB.
HOLD_S = 150.0

Replayable = Callable[[], Iterable[np.ndarray]]  # a fresh pass over the int16 chunks each call


def integrated_loudness(signal: np.ndarray, sample_rate: int) -> float:
    """The reference meter (pyloudnorm), used to verify the build's own fast measurements."""
    import pyloudnorm

    signal = signal.astype(np.float64)
    # BS.1770 gating needs at least one 400 ms block.
    if len(signal) < int(0.4 * sample_rate):
        signal = np.concatenate([signal, np.zeros(int(0.4 * sample_rate) - len(signal))])
    return float(pyloudnorm.Meter(sample_rate).integrated_loudness(signal))


@dataclass(frozen=True)
class LimiterMap:
    """What the limiter needs of a whole narration, kept sparse: the blocks (LIMITER_BLOCK
    samples) whose oversampled peak exceeds `level`, and the K-weighted energy of every block
    near enough to one of them to be touched by the gain curve. In speech a few per cent of the
    blocks; every other block passes the limiter unchanged."""

    level: float
    loud: np.ndarray  # block indices
    peaks: np.ndarray
    near: np.ndarray  # block indices, sorted
    energy: np.ndarray  # K-weighted sum of squares per near block


@dataclass(frozen=True)
class Gain:
    """A rendering: one gain, times the limiter's curve on the `near` blocks (1 elsewhere)."""

    gain: float
    near: np.ndarray
    curve: np.ndarray


def limiter_reach(window: int) -> tuple[int, int]:
    """(running-minimum radius, moving-average size) in blocks, as dsp.limiter_gain uses them."""
    blocks = max(1, window // LIMITER_BLOCK)
    return blocks, blocks | 1


def sparse_limiter_curve(
    limiter: LimiterMap, gain: float, ceiling: float, window: int, n_blocks: int
) -> np.ndarray:
    """dsp.limiter_gain's per-block curve, on `limiter.near` only. Long runs of untouched
    blocks are shortened to 2 * reach + 1 (the curve at a block sees `reach` blocks either
    side), so the arrays scale with the near blocks, not with the narration."""
    radius, size = limiter_reach(window)
    reach = radius + size // 2
    near = limiter.near
    if not near.size:
        return np.ones(0)
    needed = np.ones(len(near))
    loud_at = np.searchsorted(near, limiter.loud)
    needed[loud_at] = np.minimum(1.0, ceiling / np.maximum(limiter.peaks * gain, 1e-12))
    if needed.min() >= 1.0:
        return needed
    gaps = np.minimum(np.diff(near) - 1, 2 * reach + 1)
    start = min(int(near[0]), 2 * reach + 1)
    positions = start + np.arange(len(near)) + np.concatenate([[0], np.cumsum(gaps)])
    end = min(n_blocks - 1 - int(near[-1]), 2 * reach + 1)
    compressed = np.ones(int(positions[-1]) + 1 + end)
    compressed[positions] = needed
    return moving_average(running_min(compressed, 2 * radius + 1), size)[positions]


class LoudnessNormalizer:
    """Whole-file gain to a loudness target, with a true-peak limiter under a ceiling.

    The limiter lowers loudness a little, so the gain is corrected and the limiter recomputed.
    The source loudness is measured once and the oversampled peaks are kept between rounds,
    which keeps each round (and each re-encode round) cheap.
    """

    def __init__(self, source: np.ndarray | Replayable, sample_rate: int) -> None:
        self.sample_rate = sample_rate
        if isinstance(source, np.ndarray):
            samples = source
            self.source: Replayable = lambda: chunked(samples, chunk_samples(sample_rate))
        else:
            self.source = source
        self.window = max(3, int(LIMITER_WINDOW_S * sample_rate))
        # Low-passed a little under the MP3 encoder's own cut-off, so that the encoder's filter
        # adds no ringing above the limiter's ceiling (measured: up to +3 dB true-peak overshoot
        # without it). K-weighting is linear and the limiter's gain moves slowly, so the weighted
        # source times the gain curve measures each round's loudness without filtering again.
        self._meter = GatingMeter(sample_rate)
        held: list[tuple[np.ndarray, ...]] | None = []
        for bands in self._filtered(("lp", "lpk")):
            self._meter.add(bands[1])
            if held is not None:
                held.append(bands)
                if self._meter.length > HOLD_S * sample_rate:
                    held = None
        self._held = held
        self.length = self._meter.length
        self.loudness = self._meter.loudness()
        self._limiter: LimiterMap | None = None

    def _filtered(self, kinds: tuple[str, ...]) -> Iterator[tuple[np.ndarray, ...]]:
        chunks = (to_float(chunk) for chunk in self.source())
        return filter_chunks(chunks, self.sample_rate, kinds, BAND_LIMIT_RATIO * self.sample_rate)

    def _bands(self) -> Iterator[tuple[np.ndarray, ...]]:
        """(band-limited, K-weighted) chunks: kept from the first pass, or computed again."""
        return iter(self._held) if self._held is not None else self._filtered(("lp", "lpk"))

    def _limited(self) -> Iterator[np.ndarray]:
        if self._held is not None:
            return (bands[0] for bands in self._held)
        return (bands[0] for bands in self._filtered(("lp",)))

    def _limiter_map(self, level: float) -> LimiterMap:
        """Oversampled block peaks, exact wherever they exceed `level` (what a limiter with
        that threshold acts on); gathered again only when a round needs a lower level."""
        if self._limiter is not None and level >= self._limiter.level:
            return self._limiter
        level *= PEAK_LEVEL_MARGIN
        radius, size = limiter_reach(self.window)
        reach = radius + size // 2
        margin_blocks = reach + 1  # and 8 samples more than the interpolator's 6 of context
        margin = margin_blocks * LIMITER_BLOCK
        parts: list[list[np.ndarray]] = [[], [], [], []]
        start = 0
        for limited, weighted in with_context(self._bands(), margin):
            count = len(limited) - 2 * margin
            envelope = peak_envelope(limited, above=level)
            # Outside the narration there is nothing to limit (the whole-signal limiter ends there).
            envelope[: max(0, margin - start)] = 0
            envelope[margin + self.length - start :] = 0
            first = start // LIMITER_BLOCK - margin_blocks  # block index of the padded chunk's start
            peaks = block_peaks(envelope)
            loud = peaks > level
            own = np.arange(margin_blocks, margin_blocks + -(-count // LIMITER_BLOCK))
            reached = np.concatenate([[0], np.cumsum(loud)])
            near = own[reached[own + reach + 1] - reached[own - reach] > 0]
            own_loud = own[loud[own]]
            energy = block_energy(weighted[margin : margin + count])
            parts[0].append(first + own_loud)
            parts[1].append(peaks[own_loud])
            parts[2].append(first + near)
            parts[3].append(energy[near - margin_blocks])
            start += count
        loud_idx, peaks, near_idx, energy = (np.concatenate(p) if p else np.zeros(0) for p in parts)
        self._limiter = LimiterMap(level, loud_idx.astype(np.int64), peaks, near_idx.astype(np.int64), energy)
        return self._limiter

    def plan(self, target_lufs: float, ceiling_dbtp: float) -> Gain:
        """The gain and limiter curve that bring the narration to `target_lufs` under the
        ceiling: a secant search, each round measured from the per-block summaries."""
        if not np.isfinite(self.loudness):  # silence: nothing to normalize
            return Gain(1.0, np.zeros(0, dtype=np.int64), np.ones(0))
        ceiling = 10 ** (ceiling_dbtp / 20)
        n_blocks = -(-self.length // LIMITER_BLOCK)

        def loudness_at(gain_db: float) -> tuple[float, Gain]:
            gain = 10 ** (gain_db / 20)
            limiter = self._limiter_map(ceiling / gain)
            curve = sparse_limiter_curve(limiter, gain, ceiling, self.window, n_blocks)
            rendering = Gain(gain, limiter.near, curve)
            if curve.min(initial=1.0) >= 1.0:
                return self.loudness + gain_db, rendering  # no limiting: loudness moves with the gain
            deltas = limiter.energy * (np.square(curve) - 1)
            loudness = self._meter.loudness(limiter.near * LIMITER_BLOCK, deltas, gain * gain)
            return loudness, rendering

        # Secant search on the gain: the limiter eats part of each increase, so plain fixed-point
        # steps converge slowly when it works hard.
        previous_gain = target_lufs - self.loudness
        previous_loudness, rendering = loudness_at(previous_gain)
        gain_db = previous_gain + (target_lufs - previous_loudness)
        for _ in range(RENDER_ROUNDS):
            if abs(target_lufs - previous_loudness) < 0.05:
                break
            loudness, rendering = loudness_at(gain_db)
            slope = (
                (loudness - previous_loudness) / (gain_db - previous_gain)
                if gain_db != previous_gain
                else 1.0
            )
            previous_gain, previous_loudness = gain_db, loudness
            gain_db += (target_lufs - loudness) / max(slope, 0.05)
        return rendering

    def rendered(self, rendering: Gain) -> Iterator[np.ndarray]:
        """The normalized narration as int16 chunks, the curve spread over each chunk's samples."""
        start = 0
        for limited in self._limited():
            first, stop = start // LIMITER_BLOCK, -(-(start + len(limited)) // LIMITER_BLOCK)
            curve = np.ones(stop - first)
            lo, hi = np.searchsorted(rendering.near, [first, stop])
            curve[rendering.near[lo:hi] - first] = rendering.curve[lo:hi]
            gains = np.repeat((curve * rendering.gain).astype(np.float32), LIMITER_BLOCK)[: len(limited)]
            yield np.clip(np.round(limited * gains * 32768), -32768, 32767).astype(np.int16)
            start += len(limited)

    def render(self, target_lufs: float, ceiling_dbtp: float) -> np.ndarray:
        """The whole normalized narration (for short signals and tests)."""
        chunks = list(self.rendered(self.plan(target_lufs, ceiling_dbtp)))
        return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)


def block_energy(values: np.ndarray) -> np.ndarray:
    """Sum of squares per LIMITER_BLOCK samples (the last block padded with silence)."""
    padded = np.concatenate([values, np.zeros(-len(values) % LIMITER_BLOCK, dtype=values.dtype)])
    return np.square(padded.reshape(-1, LIMITER_BLOCK), dtype=np.float64).sum(axis=1)
