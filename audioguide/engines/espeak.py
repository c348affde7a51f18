"""eSpeak NG through ctypes, from the espeakng-loader wheel: offline, every language, no system package."""

from __future__ import annotations

import ctypes
import threading
from functools import cache
from importlib.metadata import version
from pathlib import Path

import numpy as np

from audioguide.audio.pcm import Pcm
from audioguide.engines.base import Engine, Voice
from audioguide.errors import EngineError

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_CHARS_UTF8 = 1
_ESPEAK_RATE = 1
# eSpeak's default 175 words a minute is hurried for a memorial; 150 stays clear and calm.
WORDS_PER_MINUTE = 150
_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)


class _Library:
    """The process-wide eSpeak instance; its C state is global, so every call holds the lock."""

    def __init__(self) -> None:
        import espeakng_loader

        self.data_path = Path(espeakng_loader.get_data_path())
        self.lib = ctypes.CDLL(espeakng_loader.get_library_path())
        self.lib.espeak_Initialize.restype = ctypes.c_int
        self.sample_rate = self.lib.espeak_Initialize(
            _AUDIO_OUTPUT_SYNCHRONOUS, 0, str(self.data_path).encode(), 0
        )
        if self.sample_rate <= 0:
            raise EngineError("eSpeak NG failed to initialise", unreachable=True)
        self.lib.espeak_Info.restype = ctypes.c_char_p
        self.version = self.lib.espeak_Info(None).decode()
        self.lock = threading.Lock()
        self._chunks: list[bytes] = []
        self._callback = _CALLBACK(self._collect)  # kept referenced: C holds the pointer
        self.lib.espeak_SetSynthCallback(self._callback)

    def _collect(self, wav: ctypes._Pointer, count: int, _events: int) -> int:
        if wav and count > 0:
            self._chunks.append(ctypes.string_at(wav, count * 2))
        return 0

    def speak(self, text: str, voice: str) -> bytes:
        with self.lock:
            if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
                raise EngineError(f"eSpeak NG has no voice '{voice}'", unreachable=True)
            self.lib.espeak_SetParameter(_ESPEAK_RATE, WORDS_PER_MINUTE, 0)
            self._chunks = []
            encoded = text.encode()
            status = self.lib.espeak_Synth(encoded, len(encoded) + 1, 0, 0, 0, _CHARS_UTF8, None, None)
            self.lib.espeak_Synchronize()
            if status != 0:
                raise EngineError(f"eSpeak NG failed on the sentence (status {status})")
            return b"".join(self._chunks)


@cache
def _library() -> _Library:
    return _Library()


def voice_names(data_path: Path) -> dict[str, str]:
    """Lower-cased voice name -> voice name, from espeak-ng-data/lang."""
    return {p.name.lower(): p.name for p in (data_path / "lang").rglob("*") if p.is_file()}


class EspeakEngine(Engine):
    name = "espeak"

    def resolve(
        self, lang: str, requested: str | None, project_root: Path, speaker: str | None = None
    ) -> Voice:
        import espeakng_loader

        wanted = (requested or lang).lower()
        names = _voice_names(espeakng_loader.get_data_path())
        if wanted not in names:
            raise EngineError(f"eSpeak NG has no voice '{wanted}'", unreachable=True)
        fingerprint = f"espeakng-loader {version('espeakng-loader')} rate {WORDS_PER_MINUTE}"
        return Voice(self.name, names[wanted], lang, fingerprint)

    def synthesize(self, text: str, voice: Voice) -> Pcm:
        library = _library()
        raw = library.speak(text, voice.name)
        if not raw:
            raise EngineError(f"eSpeak NG produced no audio for: {text[:60]}")
        return Pcm(np.frombuffer(raw, dtype=np.int16).copy(), library.sample_rate)


@cache
def _voice_names(data_path: str) -> dict[str, str]:
    return voice_names(Path(data_path))
