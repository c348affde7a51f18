"""Speech engines and the default order in which they are tried."""

from __future__ import annotations

from pathlib import Path

from audioguide.engines.base import Engine, Voice
from audioguide.engines.gtts_engine import supported_languages
from audioguide.engines.registry import get_engine
from audioguide.tour.schema import VoiceChoice

__all__ = ["Engine", "Voice", "default_chain", "get_engine"]


def default_chain(lang: str, project_root: Path) -> list[VoiceChoice]:
    """gTTS where it knows the language, then an installed Piper voice, then eSpeak NG."""
    chain = []
    if lang in supported_languages():
        chain.append(VoiceChoice("gtts"))
    if get_engine("piper").has_voice(lang, project_root):
        chain.append(VoiceChoice("piper"))
    chain.append(VoiceChoice("espeak"))
    return chain
