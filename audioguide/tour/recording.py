"""A narration's own recording: `recording: <file>` and `narrator: <name>` in its front matter.

Only the file's place and kind are checked here (the tour side reads no audio); decoding and
aligning the captions to it happen in the build.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from audioguide.tour.diagnostics import Diagnostics
from audioguide.tour.yamlfile import LineDict

# What ffmpeg decodes and people actually hand in: phone (M4A/AAC), recorder (WAV, FLAC, MP3),
# messaging apps (OGG/Opus).
RECORDING_SUFFIXES = (".wav", ".flac", ".mp3", ".m4a", ".aac", ".ogg", ".opus")


@dataclass(frozen=True)
class Recording:
    path: Path  # inside the stop's folder
    narrator: str | None = None
    line: int = 0  # of `recording:` in the front matter, where check reports on the file


def read_recording(meta: LineDict, md_path: Path, diags: Diagnostics) -> Recording | None:
    """The recording named in a narration's front matter, or None (absent or in error)."""
    narrator = _narrator(meta, md_path, diags)
    if "recording" not in meta:
        if narrator is not None:
            diags.warning(
                md_path, meta.line_of("narrator"), "'narrator' is only shown with a 'recording'; add one"
            )
        return None
    line = meta.line_of("recording")
    value = meta["recording"]
    if not isinstance(value, str) or not value.strip():
        diags.error(md_path, line, "'recording' must be a file name next to this file, e.g. en.m4a")
        return None
    name = value.strip()
    folder = md_path.parent
    path = folder / name
    if Path(name).suffix.lower() not in RECORDING_SUFFIXES:
        kinds = ", ".join(s.lstrip(".").upper() for s in RECORDING_SUFFIXES)
        diags.error(md_path, line, f"recording '{name}': not an audio file this guide reads ({kinds})")
        return None
    if Path(name).is_absolute() or not path.resolve().is_relative_to(folder.resolve()):
        # An absolute path, "..", or a symlink leading out: the stop folder must hold its audio,
        # so that copying the folder copies the recording.
        diags.error(md_path, line, f"recording '{name}' must be inside the stop's folder {folder.name}/")
        return None
    if not path.is_file():
        diags.error(md_path, line, f"recording '{name}' not found next to {md_path.name}")
        return None
    return Recording(path, narrator, line)


def _narrator(meta: LineDict, md_path: Path, diags: Diagnostics) -> str | None:
    if "narrator" not in meta:
        return None
    value = meta["narrator"]
    if not isinstance(value, str) or not value.strip():
        diags.error(md_path, meta.line_of("narrator"), "'narrator' must be the reader's name, e.g. Aigul S.")
        return None
    return " ".join(value.split())
