"""Real speech for the signal-processing tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from audioguide.audio.pcm import to_float
from audioguide.engines import Voice, get_engine

RATE = 22050


@pytest.fixture(scope="module")
def speech() -> np.ndarray:
    """A few seconds of real speech from the offline engine, as floats."""
    engine = get_engine("espeak")
    voice = engine.resolve("en", None, Path("."))
    assert isinstance(voice, Voice)
    sentences = [
        "The camp held women whose husbands had been declared traitors to the Motherland.",
        "Many of them never learned what had happened to their families.",
    ]
    pcm = [engine.synthesize(text, voice) for text in sentences]
    assert all(p.sample_rate == RATE for p in pcm)
    return to_float(np.concatenate([p.samples for p in pcm]))
