"""Google Translate's text-to-speech through gTTS: online, natural voices, not every language."""

from __future__ import annotations

import io
import time
from importlib.metadata import version
from pathlib import Path

from audioguide.audio.pcm import Pcm
from audioguide.engines.base import Engine, Voice
from audioguide.errors import EngineError

# Short, so that a build on a laptop without internet falls back within seconds.
CONNECT_TIMEOUT_S = 3.0
READ_TIMEOUT_S = 15.0
RETRIES = 3
BACKOFF_S = 1.0
UNREACHABLE = "gTTS unreachable (no internet, or a proxy refused)"


def supported_languages() -> set[str]:
    from gtts.lang import tts_langs  # a built-in table: no network

    return set(tts_langs())


class GttsEngine(Engine):
    name = "gtts"
    online = True

    def resolve(
        self, lang: str, requested: str | None, project_root: Path, speaker: str | None = None
    ) -> Voice:
        wanted = requested or lang
        if wanted not in supported_languages():
            raise EngineError(f"gTTS has no '{wanted}' voice", unreachable=True)
        # `tld` picks the accent for some languages; the default Google host serves all.
        return Voice(self.name, wanted, lang, f"gtts {version('gtts')}")

    def synthesize(self, text: str, voice: Voice) -> Pcm:
        import requests
        from gtts import gTTS, gTTSError

        from audioguide.audio.mp3 import decode_to_pcm

        for attempt in range(RETRIES):
            buffer = io.BytesIO()
            try:
                gTTS(text, lang=voice.name, timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S)).write_to_fp(buffer)
                return decode_to_pcm(buffer.getvalue())
            except gTTSError as exc:
                status = getattr(getattr(exc, "rsp", None), "status_code", None)
                retriable = status == 429 or (status is not None and status >= 500)
                if status is None:  # no HTTP answer at all: no network, proxy or DNS failure
                    raise EngineError(f"{UNREACHABLE}: {exc}", unreachable=True) from exc
                if not retriable or attempt == RETRIES - 1:
                    raise EngineError(f"gTTS failed (HTTP {status}): {exc}", unreachable=retriable) from exc
                time.sleep(BACKOFF_S * 2**attempt)
            except requests.RequestException as exc:
                raise EngineError(f"{UNREACHABLE}: {exc}", unreachable=True) from exc
        raise EngineError("gTTS failed")
