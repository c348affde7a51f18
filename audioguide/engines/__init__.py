"""Speech engines and the default order in which they are tried."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from audioguide.audio.pcm import Pcm
from audioguide.engines.base import Engine, Voice
from audioguide.engines.espeak import EspeakEngine
from audioguide.engines.gtts_engine import GttsEngine, supported_languages
from audioguide.engines.piper import PiperEngine
from audioguide.tour.schema import VoiceChoice

__all__ = ["Engine", "Pcm", "Voice", "default_chain", "get_engine"]

_ENGINES: dict[str, type[Engine]] = {
    "gtts": GttsEngine,
    "piper": PiperEngine,
    "espeak": EspeakEngine,
}


@cache
def get_engine(name: str) -> Engine:
    """One instance per engine per process (workers keep loaded models between sentences)."""
    return _ENGINES[name]()


def default_chain(lang: str, project_root: Path) -> list[VoiceChoice]:
    """gTTS where it knows the language, then an installed Piper voice, then eSpeak NG."""
    chain = []
    if lang in supported_languages():
        chain.append(VoiceChoice("gtts"))
    if get_engine("piper").has_voice(lang, project_root):
        chain.append(VoiceChoice("piper"))
    chain.append(VoiceChoice("espeak"))
    return chain
