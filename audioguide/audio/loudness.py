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

from audioguide.audio.dsp import (
    LIMITER_BLOCK,
    block_peaks,
    limiter_block_gains,
    limiter_reach,
    peak_envelope,
)
from audioguide.audio.pcm import to_float
from audioguide.audio.stream import GatingMeter, chunk_samples, chunked, filter_chunks, with_context

LIMITER_WINDOW_S = 0.005


RENDER_ROUNDS = 6


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


# The limiter's effect on loudness is tabulated for thresholds (ceiling / gain) on this grid:
# 1 dB apart (linear interpolation between rows errs by under 0.01 LU, measured on eSpeak
# speech limited by up to 3.6 dB), from 2 dB above the first round's threshold to 8 dB under
# it (eSpeak's gain search went 3.6 dB down, the encoder's corrections go about 1 dB further;
# beyond, the table is made again). 11 rows x 10 gating intervals per second in float32:
# 440 bytes per second, 4.8 MB for 3 hours.
TABLE_STEP_DB = 1.0
TABLE_ABOVE_DB = 2.0
TABLE_BELOW_DB = 8.0


@dataclass(frozen=True)
class LimiterTable:
    """For each threshold on a grid, how much the limiter would change the K-weighted energy
    of each gating interval (GatingMeter.points()): the whole narration's loudness under any
    gain, without keeping anything per sample or per limiter block."""

    thresholds_db: np.ndarray  # descending
    deltas: np.ndarray  # (thresholds, intervals), float32
    highest_peak: float  # the narration's oversampled peak, or the grid's bottom if higher

    def covers(self, threshold: float) -> bool:
        level = 20 * np.log10(threshold)
        on_grid = self.thresholds_db[-1] <= level <= self.thresholds_db[0]
        return bool(on_grid) or threshold >= self.highest_peak

    def at(self, threshold: float) -> np.ndarray | None:
        """Energy changes at `threshold`, interpolated between rows; None when nothing is limited."""
        if threshold >= self.highest_peak:
            return None
        position = (self.thresholds_db[0] - 20 * np.log10(threshold)) / TABLE_STEP_DB
        row = min(int(position), len(self.thresholds_db) - 2)
        weight = position - row
        return (1 - weight) * self.deltas[row].astype(np.float64) + weight * self.deltas[row + 1]


@dataclass(frozen=True)
class Gain:
    """A rendering: one gain, and the limiter's threshold on the source (ceiling / gain)."""

    gain: float
    threshold: float


def limiter_curve(peaks: np.ndarray, threshold: float, window: int) -> np.ndarray:
    """dsp.limiter_block_gains (gain 1, ceiling `threshold`) over `peaks`, which extend `reach`
    blocks beyond the blocks whose curve is returned: those equal the whole signal's."""
    reach = limiter_reach(window)[2]
    curve = limiter_block_gains(peaks, 1.0, 20 * np.log10(threshold), window)
    if isinstance(curve, float):
        return np.ones(len(peaks) - 2 * reach)
    return curve[reach : len(curve) - reach]


def block_energy(values: np.ndarray) -> np.ndarray:
    """Sum of squares per LIMITER_BLOCK samples (the last block padded with silence)."""
    padded = np.concatenate([values, np.zeros(-len(values) % LIMITER_BLOCK, dtype=values.dtype)])
    return np.square(padded.reshape(-1, LIMITER_BLOCK), dtype=np.float64).sum(axis=1)


class LoudnessNormalizer:
    """Whole-file gain to a loudness target, with a true-peak limiter under a ceiling.

    The limiter lowers loudness a little, so the gain is corrected and the limiter recomputed.
    The source loudness is measured once, and the limiter's effect on loudness is tabulated once
    for a range of gains, which keeps each round (and each re-encode round) cheap.
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
        self._table: LimiterTable | None = None
        self._held_peaks: tuple[float, list[np.ndarray]] | None = None

    def _filtered(self, kinds: tuple[str, ...]) -> Iterator[tuple[np.ndarray, ...]]:
        chunks = (to_float(chunk) for chunk in self.source())
        return filter_chunks(chunks, self.sample_rate, kinds, BAND_LIMIT_RATIO * self.sample_rate)

    def _bands(self, weighted: bool) -> Iterable[tuple[np.ndarray, ...]]:
        """(band-limited[, K-weighted]) chunks: kept from the first pass, or computed again."""
        if self._held is not None:
            return self._held
        return self._filtered(("lp", "lpk") if weighted else ("lp",))

    def _limiter_blocks(
        self, level: float, weighted: bool
    ) -> Iterator[tuple[int, np.ndarray, np.ndarray, tuple[np.ndarray, ...]]]:
        """Per chunk: its start, its samples' [start, stop) in the padded arrays, the oversampled
        block peaks (exact above `level`) from `reach` blocks before it to `reach` after, and
        the padded bands. Chunks start on block boundaries, so blocks line up with the whole
        narration's."""
        reach = limiter_reach(self.window)[2]
        margin = (reach + 1) * LIMITER_BLOCK  # a block more than reach: the interpolator's context
        # A narration held in memory keeps its block peaks too (a sixteenth of what it holds):
        # each encode attempt renders from them instead of oversampling again.
        cached = self._held_peaks if self._held_peaks and level >= self._held_peaks[0] else None
        computed: list[np.ndarray] = []
        start = 0
        for index, bands in enumerate(with_context(self._bands(weighted), margin)):
            count = len(bands[0]) - 2 * margin
            if cached is not None:
                peaks = cached[1][index]
            else:
                envelope = peak_envelope(bands[0], above=level)
                # Nothing outside the narration is limited (the whole-signal limiter ends there).
                envelope[: max(0, margin - start)] = 0
                envelope[max(0, margin + self.length - start) :] = 0
                blocks = -(-count // LIMITER_BLOCK)
                peaks = block_peaks(envelope)[1 : 1 + blocks + 2 * reach]
                if self._held is not None:
                    computed.append(peaks)
            yield start, np.array([margin, margin + count]), peaks, bands
            start += count
        if self._held is not None and cached is None:
            self._held_peaks = (level, computed)

    def _limiter_table(self, threshold: float) -> LimiterTable:
        """The limiter's energy change per gating interval for thresholds around `threshold`:
        one more pass over the narration, reused by every later round that stays on the grid."""
        if self._table is not None and self._table.covers(threshold):
            return self._table
        top = 20 * np.log10(threshold) + TABLE_ABOVE_DB
        rows = round((TABLE_ABOVE_DB + TABLE_BELOW_DB) / TABLE_STEP_DB) + 1
        levels_db = top - TABLE_STEP_DB * np.arange(rows)
        levels = 10 ** (levels_db / 20)
        points = self._meter.points()
        deltas = np.zeros((rows, len(points)), dtype=np.float32)
        highest = 0.0
        for start, (inner, _), peaks, (_, weighted) in self._limiter_blocks(float(levels[-1]), True):
            highest = max(highest, float(peaks.max(initial=0.0)))
            energy = block_energy(weighted[inner : len(weighted) - inner])
            intervals = np.searchsorted(points, start + LIMITER_BLOCK * np.arange(len(energy)), "right") - 1
            first = int(intervals[0]) if len(intervals) else 0
            span = slice(first, first + (int(intervals[-1]) - first + 1 if len(intervals) else 0))
            for row, level in enumerate(levels):
                if peaks.max(initial=0.0) <= level:
                    continue  # nothing in reach of this chunk passes this threshold
                change = energy * (np.square(limiter_curve(peaks, float(level), self.window)) - 1)
                deltas[row, span] += np.bincount(intervals - first, change).astype(np.float32)
        # Peaks under the grid are not exact, only known to be under it.
        self._table = LimiterTable(levels_db, deltas, max(highest, float(levels[-1])))
        return self._table

    def plan(self, target_lufs: float, ceiling_dbtp: float) -> Gain:
        """The gain and limiter threshold that bring the narration to `target_lufs` under the
        ceiling: a secant search, each round measured from the tabulated summaries."""
        if not np.isfinite(self.loudness):  # silence: nothing to normalize
            return Gain(1.0, np.inf)
        ceiling = 10 ** (ceiling_dbtp / 20)

        def loudness_at(gain_db: float) -> tuple[float, Gain]:
            gain = 10 ** (gain_db / 20)
            rendering = Gain(gain, ceiling / gain)
            deltas = self._limiter_table(rendering.threshold).at(rendering.threshold)
            if deltas is None:
                return self.loudness + gain_db, rendering  # no limiting: loudness moves with the gain
            return self._meter.loudness(deltas, gain * gain), rendering

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
        """The normalized narration as int16 chunks: the limiter's curve computed chunk by
        chunk from the exact block peaks around it, spread over the samples, times the gain."""
        if not np.isfinite(rendering.threshold):
            for limited, *_ in self._bands(False):
                yield np.clip(np.round(limited * (rendering.gain * 32768)), -32768, 32767).astype(np.int16)
            return
        for _, (inner, end), peaks, (limited, *_) in self._limiter_blocks(rendering.threshold, False):
            curve = limiter_curve(peaks, rendering.threshold, self.window) * rendering.gain
            gains = np.repeat(curve.astype(np.float32), LIMITER_BLOCK)[: end - inner]
            yield np.clip(np.round(limited[inner:end] * gains * 32768), -32768, 32767).astype(np.int16)

    def render(self, target_lufs: float, ceiling_dbtp: float) -> np.ndarray:
        """The whole normalized narration (for short signals and tests)."""
        chunks = list(self.rendered(self.plan(target_lufs, ceiling_dbtp)))
        return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)
