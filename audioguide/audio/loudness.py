"""Whole-file loudness normalization (ITU-R BS.1770) under a true-peak ceiling.

Loudness is measured over the whole narration, not per sentence, so that quiet and loud
sentences keep their natural relation; a true-peak limiter keeps the ceiling."""

from __future__ import annotations

import numpy as np

from audioguide.audio.dsp import (
    band_limit_and_weight,
    block_peaks,
    gated_loudness,
    limiter_gain,
    peak_envelope,
)
from audioguide.audio.pcm import to_float

LIMITER_WINDOW_S = 0.005


RENDER_ROUNDS = 6


# Peaks are made exact a little below the level a round needs, so the next rounds (whose gains
# differ by fractions of a dB) can reuse them.
PEAK_LEVEL_MARGIN = 10 ** (-6 / 20)


BAND_LIMIT_RATIO = 0.385  # 8.5 kHz at 22.05 kHz: speech loses nothing audible there


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
