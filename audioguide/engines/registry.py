"""The speech engines audioguide knows: one table of facts, importable without loading any engine.

Everything that needs an engine's name, its display name for staff, or whether it needs the
internet reads it here; the engine classes themselves (which load numpy, ONNX Runtime or a C
library) are imported only when an engine is used.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from audioguide.engines.base import Engine


@dataclass(frozen=True)
class EngineInfo:
    name: str  # as written in tour.yaml and stored in the manifest
    display_name: str  # for staff (CLI, API); visitors read "computer-generated voice" instead
    online: bool  # needs the internet: skipped by --offline, behind a circuit breaker
    implementation: str  # "module:Class", imported on first use
    speakers: bool = False  # its voices may hold several speakers, chosen with `speaker:`

    def load(self) -> type[Engine]:
        module, _, cls = self.implementation.partition(":")
        return getattr(importlib.import_module(module), cls)


ENGINES: dict[str, EngineInfo] = {
    info.name: info
    for info in (
        EngineInfo("gtts", "Google Text-to-Speech", True, "audioguide.engines.gtts_engine:GttsEngine"),
        EngineInfo("piper", "Piper", False, "audioguide.engines.piper:PiperEngine", speakers=True),
        EngineInfo("espeak", "eSpeak NG", False, "audioguide.engines.espeak:EspeakEngine"),
    )
}
ENGINE_NAMES = tuple(ENGINES)


def display_name(engine: str | None) -> str | None:
    """What staff read for an engine name (the name itself when unknown, e.g. "recording")."""
    if engine is None:
        return None
    info = ENGINES.get(engine)
    return info.display_name if info else engine


def voice_get_command(name: str) -> str:
    """The command that downloads a Piper voice; check and build name it for a voice not installed."""
    return f"audioguide voices get {name}"


def is_not_downloaded(reason: str) -> bool:
    """Whether a fallback reason is a voice the site has not downloaded yet: its choice, no failure."""
    return f"get it with '{voice_get_command('')}" in reason


@cache
def get_engine(name: str) -> Engine:
    """One instance per engine per process (workers keep loaded models between sentences)."""
    return ENGINES[name].load()()


def set_thread_budget(threads: int) -> None:
    """Tell every engine how many cores this process may use for inference (build workers
    each get their share of the machine)."""
    for info in ENGINES.values():
        info.load().set_thread_budget(threads)
