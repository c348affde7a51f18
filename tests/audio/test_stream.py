"""The build's chunked signal processing against the whole-signal functions it replaces (which
tests/audio/test_dsp.py holds to pyloudnorm and scipy): same filters, loudness, true peak and
normalized audio, whatever the chunk size; and a long narration in bounded memory."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from audioguide.audio import loudness, stream
from audioguide.audio.dsp import (
    band_limit_and_weight,
    block_peaks,
    gated_loudness,
    k_weighted,
    limiter_gain,
    peak_envelope,
    true_peak_db,
)
from audioguide.audio.loudness import BAND_LIMIT_RATIO, LoudnessNormalizer, integrated_loudness
from audioguide.audio.mp3 import Mp3Tags, decode_to_pcm, export_mp3, measure_file
from audioguide.audio.pcm import to_float
from audioguide.audio.stream import (
    TRUE_PEAK_MARGIN,
    GatingMeter,
    TruePeakMeter,
    chunked,
    filter_chunks,
    with_context,
)

REPO = Path(__file__).resolve().parents[2]
RATE = 22050


@pytest.fixture(scope="module")
def speech(speech: np.ndarray) -> np.ndarray:
    """conftest's speech three times over (20 s): several chunks at the tests' chunk size."""
    return np.tile(speech, 3)


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of 1.5 s and nothing held between passes: every boundary case in a few seconds."""
    monkeypatch.setattr(stream, "CHUNK_S", 1.5)
    monkeypatch.setattr(loudness, "HOLD_S", 0.0)


def joined(parts: list[tuple[np.ndarray, ...]], index: int = 0) -> np.ndarray:
    return np.concatenate([part[index] for part in parts])


@pytest.mark.parametrize("input_chunk", [997, 33075, 10**7])
def test_streamed_filters_equal_the_whole_signal_ones(speech, small_chunks, input_chunk: int) -> None:
    cutoff = BAND_LIMIT_RATIO * RATE
    limited, weighted = band_limit_and_weight(speech, RATE, cutoff)
    parts = list(filter_chunks(chunked(speech, input_chunk), RATE, ("lp", "lpk"), cutoff))
    assert len(joined(parts)) == len(speech)
    np.testing.assert_allclose(joined(parts, 0), limited, atol=1e-4)
    np.testing.assert_allclose(joined(parts, 1), weighted, atol=1e-4)
    alone = list(filter_chunks(chunked(speech, input_chunk), RATE, ("k",)))
    np.testing.assert_allclose(joined(alone), k_weighted(speech, RATE), atol=1e-4)


@pytest.mark.parametrize("rate", [8000, 48000])
def test_streamed_filters_at_other_rates(small_chunks, rate: int) -> None:
    noise = (np.random.default_rng(3).standard_normal(4 * rate) * 0.2).astype(np.float32)
    limited, weighted = band_limit_and_weight(noise, rate, BAND_LIMIT_RATIO * rate)
    parts = list(filter_chunks(chunked(noise, 5000), rate, ("lp", "lpk"), BAND_LIMIT_RATIO * rate))
    np.testing.assert_allclose(joined(parts, 0), limited, atol=1e-4)
    np.testing.assert_allclose(joined(parts, 1), weighted, atol=1e-4)


@pytest.mark.parametrize("rate", [RATE, 11025])  # 11025: 400 ms blocks are not 4 steps long
def test_streamed_loudness_equals_the_whole_signal_one(speech, small_chunks, rate: int) -> None:
    for gain_db in (-20.0, 0.0):
        signal = speech * np.float32(10 ** (gain_db / 20))
        weighted = k_weighted(signal, rate)
        meter = GatingMeter(rate)
        for part in chunked(weighted, 7777):
            meter.add(part)
        assert meter.loudness() == pytest.approx(gated_loudness(weighted, rate), abs=0.05)
        if rate == RATE and gain_db == 0:  # pyloudnorm takes seconds: once is enough
            assert meter.loudness() == pytest.approx(integrated_loudness(signal, rate), abs=0.2)
    short = GatingMeter(rate)  # under one 400 ms block: padded with silence, as BS.1770 does
    short.add(k_weighted(speech[:1000], rate))
    assert short.loudness() == pytest.approx(gated_loudness(k_weighted(speech[:1000], rate), rate), abs=0.05)


def test_streamed_true_peak_equals_the_whole_signal_one(speech) -> None:
    rng = np.random.default_rng(11)
    cases = [(speech, (3001, 100_000)), (speech[::-1].copy(), (3001, 100_000))]
    for _ in range(20):
        noise = rng.standard_normal(int(rng.integers(50, 5000))).astype(np.float32)
        noise[rng.integers(0, len(noise))] *= 8  # one spike far above the rest
        cases.append((noise, (7, 100, 3001)))
    for signal, sizes in cases:
        for size in sizes:
            meter = TruePeakMeter()
            for (padded,) in with_context(((part,) for part in chunked(signal, size)), TRUE_PEAK_MARGIN):
                meter.add(padded)
            assert meter.db == pytest.approx(true_peak_db(signal), abs=0.05)


def test_measuring_a_file_in_chunks(speech, small_chunks, tmp_path: Path) -> None:
    samples = np.round(speech * 0.5 * 32768).astype(np.int16)
    path = tmp_path / "speech.mp3"
    export_mp3(samples, RATE, 64, Mp3Tags("t", "a", 1, "en"), path)
    decoded = to_float(decode_to_pcm(path, RATE).samples)
    loudness_lufs, peak = measure_file(path, RATE)
    assert loudness_lufs == pytest.approx(gated_loudness(k_weighted(decoded, RATE), RATE), abs=0.05)
    assert loudness_lufs == pytest.approx(integrated_loudness(decoded, RATE), abs=0.2)
    assert peak == pytest.approx(true_peak_db(decoded), abs=0.05)


def test_chunked_normalization_equals_the_held_one(speech, monkeypatch: pytest.MonkeyPatch) -> None:
    """Held in memory or read again in small chunks, the same samples come out (to rounding)."""
    samples = np.round(speech * 0.9 / np.abs(speech).max() * 32768).astype(np.int16)
    held = LoudnessNormalizer(samples, RATE).render(-13.0, -2.0)
    monkeypatch.setattr(stream, "CHUNK_S", 1.5)
    monkeypatch.setattr(loudness, "HOLD_S", 0.0)
    passes = []
    normalizer = LoudnessNormalizer(lambda: passes.append(1) or chunked(samples, 4321), RATE)
    streamed = normalizer.render(-13.0, -2.0)
    assert len(passes) >= 3  # loudness, limiter table, render: each read the source again
    assert np.abs(streamed.astype(np.int32) - held).max() <= 1
    assert integrated_loudness(to_float(streamed), RATE) == pytest.approx(-13.0, abs=0.2)


def test_the_chunked_limiter_equals_the_whole_signal_one(speech, small_chunks) -> None:
    """Each chunk's limiter curve, computed from the block peaks around it, is the curve
    dsp.limiter_gain computes over the whole narration."""
    samples = np.round(speech * 0.9 / np.abs(speech).max() * 32768).astype(np.int16)
    normalizer = LoudnessNormalizer(samples, RATE)
    rendering = normalizer.plan(-13.0, -2.0)
    streamed = np.concatenate(list(normalizer.rendered(rendering)))
    limited, _ = band_limit_and_weight(to_float(samples), RATE, BAND_LIMIT_RATIO * RATE)
    peaks = block_peaks(peak_envelope(limited, above=rendering.threshold))
    ceiling_db = 20 * np.log10(rendering.threshold * rendering.gain)
    curve = limiter_gain(peaks, rendering.gain, ceiling_db, normalizer.window, len(limited))
    assert not isinstance(curve, float) and curve.min() < 0.7  # it limits hard
    whole = np.clip(np.round(limited * rendering.gain * curve * 32768), -32768, 32767)
    # Equal within what the streamed filters may differ by (1e-4 of full scale: 3 steps).
    assert np.abs(streamed - whole).max() <= 3


def test_limiter_table_predicts_the_limited_loudness(speech) -> None:
    """The secant search's loudness, read from the tabulated per-interval energy changes,
    equals the loudness of the rendered audio measured whole."""
    samples = np.round(speech * 0.9 / np.abs(speech).max() * 32768).astype(np.int16)
    normalizer = LoudnessNormalizer(samples, RATE)
    rendering = normalizer.plan(-13.0, -2.0)
    rendered = to_float(np.concatenate(list(normalizer.rendered(rendering))))
    limited, _ = band_limit_and_weight(to_float(samples), RATE, BAND_LIMIT_RATIO * RATE)
    assert np.abs(rendered).max() < np.abs(limited * rendering.gain).max() * 0.9  # it limits
    _, weighted = band_limit_and_weight(rendered, RATE, BAND_LIMIT_RATIO * RATE)
    assert gated_loudness(weighted, RATE) == pytest.approx(-13.0, abs=0.1)


def _bench() -> object:
    spec = importlib.util.spec_from_file_location("bench_memory", REPO / "bench" / "memory.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The previous assembly held the narration several times over: 459 MB at 5 minutes, about
# 900 MB at 10. The streamed one stays near 140 MB whatever the length (bench/memory.py).
TEN_MINUTES_BOUND_MB = 250


@pytest.mark.slow
def test_a_ten_minute_narration_in_bounded_memory(tmp_path: Path) -> None:
    bench = _bench()
    entries = bench.write_cache(tmp_path / "cache")  # type: ignore[attr-defined]
    spec = bench.narration_spec(entries, 600, tmp_path / "cache", tmp_path)  # type: ignore[attr-defined]
    spec_path = tmp_path / "spec.json"
    spec_path.write_text(json.dumps(spec))
    command = [sys.executable, str(REPO / "bench" / "memory.py"), "--child", str(spec_path)]
    environment = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run(command, capture_output=True, text=True, env=environment, check=True)
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["error"] is None
    assert report["duration"] == pytest.approx(600, abs=10)
    assert report["peak_mb"] < TEN_MINUTES_BOUND_MB, report
    loudness_lufs, peak = measure_file(Path(spec["mp3"]), RATE)
    assert loudness_lufs == pytest.approx(-16.0, abs=0.5)
    assert peak <= -1.5
    reference = integrated_loudness(to_float(decode_to_pcm(Path(spec["mp3"]), RATE).samples), RATE)
    assert reference == pytest.approx(-16.0, abs=0.5)
