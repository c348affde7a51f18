"""The build's own loudness and true-peak meters against independent references: pyloudnorm
for BS.1770 loudness, scipy's polyphase resampler for 4x oversampled peaks."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import resample_poly

from audioguide.audio.dsp import gated_loudness, k_weighted, peak_envelope, true_peak_db
from audioguide.audio.loudness import LoudnessNormalizer, integrated_loudness
from audioguide.audio.pcm import to_float

RATE = 22050


def reference_true_peak_db(signal: np.ndarray) -> float:
    return 20 * np.log10(np.max(np.abs(resample_poly(signal.astype(np.float64), 4, 1))))


def test_loudness_matches_pyloudnorm(speech: np.ndarray) -> None:
    for gain_db in (-20.0, -6.0, 0.0):
        signal = speech * np.float32(10 ** (gain_db / 20))
        ours = gated_loudness(k_weighted(signal, RATE), RATE)
        assert ours == pytest.approx(integrated_loudness(signal, RATE), abs=0.1)


def test_true_peak_finds_the_peak_between_samples() -> None:
    # A quarter-rate sine sampled 45 degrees off its crests: every sample is at 0.707, the wave
    # itself reaches 1.0, so the true peak is 3 dB above the sample peak.
    n = np.arange(4000)
    signal = np.sin(2 * np.pi * n / 4 + np.pi / 4).astype(np.float32)
    assert 20 * np.log10(np.abs(signal).max()) == pytest.approx(-3.01, abs=0.01)
    assert true_peak_db(signal) == pytest.approx(0.0, abs=0.1)


def test_true_peak_agrees_with_an_independent_resampler(speech: np.ndarray) -> None:
    assert true_peak_db(speech) == pytest.approx(reference_true_peak_db(speech), abs=0.15)


def test_true_peak_shortcut_equals_the_full_oversampled_maximum(speech: np.ndarray) -> None:
    """Only windows near loud samples are interpolated; the answer must not change."""
    rng = np.random.default_rng(7)
    signals = [speech, speech[::-1].copy()]
    for _ in range(50):
        noise = rng.standard_normal(int(rng.integers(1, 2000))).astype(np.float32)
        noise[rng.integers(0, len(noise))] *= 8  # one spike far above the rest
        signals.append(noise)
    for signal in signals:
        full = 20 * np.log10(float(np.max(peak_envelope(signal))))
        assert true_peak_db(signal) == pytest.approx(full, abs=1e-4)


def test_envelope_above_a_level_is_exact_where_a_limiter_at_that_level_looks(speech: np.ndarray) -> None:
    full = peak_envelope(speech)
    for level_db in (-1.0, -6.0, -20.0):
        level = float(np.max(full)) * 10 ** (level_db / 20)
        partial = peak_envelope(speech, above=level)
        over = full > level
        assert 0 < over.sum() < len(full)
        np.testing.assert_allclose(partial[over], full[over], rtol=1e-5)
        assert np.all(partial[~over] <= level)


def test_silence_has_no_peak() -> None:
    assert true_peak_db(np.zeros(100, dtype=np.float32)) == -np.inf
    assert true_peak_db(np.zeros(0, dtype=np.float32)) == -np.inf


@pytest.mark.parametrize("input_gain", [0.05, 0.9])
@pytest.mark.parametrize("target", [-16.0, -13.0])
def test_normalizer_reaches_the_target_under_the_ceiling(
    speech: np.ndarray, input_gain: float, target: float
) -> None:
    """From a quiet or a loud recording, the loudness lands on the target while the limiter
    holds the ceiling (by the independent meter), although the target needs peaks above it."""
    scaled = speech / np.abs(speech).max() * np.float32(input_gain)
    samples = np.clip(np.round(scaled * 32768), -32768, 32767).astype(np.int16)
    normalizer = LoudnessNormalizer(samples, RATE)
    assert target - normalizer.loudness + reference_true_peak_db(scaled) > -2.0  # limiting is needed
    rendered = to_float(normalizer.render(target, -2.0))
    assert integrated_loudness(rendered, RATE) == pytest.approx(target, abs=0.2)
    assert reference_true_peak_db(rendered) <= -2.0 + 0.15
