"""The sentence cache: one WAV per spoken sentence, keyed by everything that changes its sound."""

from __future__ import annotations

import contextlib
import hashlib
import json
import wave
from pathlib import Path

from audioguide.atomic import atomic_open
from audioguide.audio.pcm import Pcm, pcm_to_wav_bytes, wav_bytes_to_pcm
from audioguide.engines.base import Voice

_WAV_HEADER_BYTES = 44  # what wave writes for mono PCM
CACHE_FORMAT = 1  # bump when sentence processing (trimming, resampling) changes


def sentence_key(voice: Voice, spoken: str, sample_rate: int) -> str:
    material = [CACHE_FORMAT, voice.engine, voice.fingerprint, voice.name, voice.lang, spoken, sample_rate]
    return hashlib.sha256(json.dumps(material, ensure_ascii=False).encode()).hexdigest()


class SentenceCache:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, key: str) -> Path:
        return self.folder / "sentences" / key[:2] / f"{key}.wav"

    def has(self, key: str) -> bool:
        return self._path(key).is_file()

    def usable(self, key: str) -> bool:
        """Whether the entry is a whole mono 16-bit WAV, read from its header and size only (the
        build asks this of every sentence; assembly decodes them later). A broken entry is
        deleted so it is rebuilt, never fatal."""
        path = self._path(key)
        try:
            with wave.open(str(path), "rb") as source:
                whole = source.getnchannels() == 1 and source.getsampwidth() == 2
                expected = source.getnframes() * 2
            if whole and path.stat().st_size >= expected + _WAV_HEADER_BYTES and expected > 0:
                return True
        except FileNotFoundError:
            return False
        except Exception:  # wave.Error, EOFError, struct.error, OSError: all mean "rebuild"
            pass
        with contextlib.suppress(OSError):
            path.unlink()
        return False

    def load(self, key: str) -> Pcm | None:
        """The cached audio, or None; a corrupt entry is deleted so it is rebuilt, never fatal."""
        path = self._path(key)
        try:
            return wav_bytes_to_pcm(path.read_bytes())
        except FileNotFoundError:
            return None
        except Exception:  # wave.Error, struct.error, EOFError, ValueError, OSError: all mean "rebuild"
            with contextlib.suppress(OSError):
                path.unlink()
            return None

    def store(self, key: str, pcm: Pcm) -> None:
        with atomic_open(self._path(key), "wb") as handle:
            handle.write(pcm_to_wav_bytes(pcm))
