"""The sentence cache: one WAV per spoken sentence, keyed by everything that changes its sound."""

from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path

from audioguide.atomic import atomic_open
from audioguide.audio import pcm_to_wav_bytes, wav_bytes_to_pcm
from audioguide.engines.base import Pcm, Voice

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
