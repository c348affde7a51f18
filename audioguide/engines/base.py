"""The speech engine interface: resolve a voice (cheap, in the parent), synthesize (in a worker)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from audioguide.audio.pcm import Pcm


@dataclass(frozen=True)
class Voice:
    """A concrete voice. `fingerprint` changes whenever the sound would (engine or model version)."""

    engine: str
    name: str
    lang: str
    fingerprint: str
    model_path: str | None = None  # piper: the .onnx file
    speaker_id: int | None = None  # piper: the speaker of a multi-speaker model (None: its default)


class Engine(ABC):
    name: ClassVar[str]
    online: ClassVar[bool] = False

    @abstractmethod
    def resolve(
        self, lang: str, requested: str | None, project_root: Path, speaker: str | None = None
    ) -> Voice:
        """The voice for `lang` (or the requested one, and its speaker where the engine has
        several); EngineError(unreachable=True) if none, EngineError for an unknown speaker."""

    @abstractmethod
    def synthesize(self, text: str, voice: Voice) -> Pcm:
        """Speak one sentence; raise EngineError on failure."""

    @classmethod  # noqa: B027 - a deliberate no-op: engines without a model have nothing to share
    def set_thread_budget(cls, threads: int) -> None:
        """Cores this process may use for inference (0: all); engines that run models use it."""

    def has_voice(self, lang: str, project_root: Path) -> bool:
        from audioguide.errors import EngineError

        try:
            self.resolve(lang, None, project_root)
        except EngineError:
            return False
        return True
