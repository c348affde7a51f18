"""The Piper voice catalog and downloads: `voices.json` of the rhasspy/piper-voices repository.

The catalog maps a voice key (`kk_KZ-issai-high`) to its language, quality, speakers and files,
each file by its path in the repository (`kk/kk_KZ/issai/high/kk_KZ-issai-high.onnx`) with its
size and MD5. A mirror is any web folder with the same layout (a site's own copy).

A download goes to a hidden `.part` file beside the voice; it is checked against the catalog's
size and MD5 and only then renamed, so a voice folder never holds half a file under a voice's
name. An interrupted transfer keeps its `.part` and the next attempt asks for the rest (HTTP
Range); a server that answers with the whole file instead is simply read again from the start.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import http.client
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.parse import quote, urljoin
from urllib.request import Request, urlopen

from audioguide.errors import AudioguideError

# Release v1.0.0 of the repository, not `main`: the files and MD5s stay what the catalog says.
DEFAULT_URL = "https://huggingface.co/rhasspy/piper-voices/resolve/v1.0.0/"
URL_ENV = "AUDIOGUIDE_VOICES_URL"
TIMEOUT_SECONDS = 30
ATTEMPTS = 3  # per file: a cut connection is resumed this often before giving up
CHUNK_BYTES = 256 * 1024
SUFFIXES = (".onnx.json", ".onnx")  # what a voice needs; the config first, it is small

# (bytes done, bytes in total) for the voice being downloaded.
Progress = Callable[[int, int], None]


class VoiceDownloadError(AudioguideError):
    """The catalog or a voice file could not be fetched or does not match the catalog."""


@dataclass(frozen=True)
class CatalogFile:
    path: str  # in the repository, e.g. kk/kk_KZ/issai/high/kk_KZ-issai-high.onnx
    size: int
    md5: str


@dataclass(frozen=True)
class CatalogVoice:
    key: str
    language: str  # e.g. kk_KZ
    family: str  # e.g. kk
    language_name: str  # in English, e.g. Kazakh
    quality: str
    num_speakers: int
    speakers: tuple[str, ...]  # names in id order (speaker_id_map); empty for one speaker
    files: tuple[CatalogFile, ...]  # the ones a voice needs: .onnx.json then .onnx
    aliases: tuple[str, ...] = ()

    @property
    def size(self) -> int:
        return sum(file.size for file in self.files)

    def target(self, file: CatalogFile, folder: Path) -> Path:
        suffix = next(s for s in SUFFIXES if file.path.endswith(s))
        return folder / f"{self.key}{suffix}"


def catalog_url(mirror: str | None = None) -> str:
    """The repository's base address: --mirror, else AUDIOGUIDE_VOICES_URL, else v1.0.0."""
    url = mirror or os.environ.get(URL_ENV) or DEFAULT_URL
    return url if url.endswith("/") else url + "/"


def _parse_voice(key: str, entry: dict) -> CatalogVoice:
    language = entry.get("language") or {}
    files = []
    for suffix in SUFFIXES:
        path, facts = next((p, f) for p, f in entry["files"].items() if p.endswith(suffix))
        files.append(CatalogFile(path, int(facts["size_bytes"]), str(facts["md5_digest"]).lower()))
    id_map: dict[str, int] = entry.get("speaker_id_map") or {}
    return CatalogVoice(
        key=str(entry.get("key", key)),
        language=str(language.get("code", key.split("-")[0])),
        family=str(language.get("family", key.split("_")[0])),
        language_name=str(language.get("name_english", "")),
        quality=str(entry.get("quality", "")),
        num_speakers=int(entry.get("num_speakers") or 1),
        speakers=tuple(sorted(id_map, key=id_map.__getitem__)),
        files=tuple(files),
        aliases=tuple(entry.get("aliases") or ()),
    )


def load_catalog(base_url: str) -> dict[str, CatalogVoice]:
    url = urljoin(base_url, "voices.json")
    try:
        with urlopen(url, timeout=TIMEOUT_SECONDS) as response:
            data = json.load(response)
    except HTTPError as exc:
        raise VoiceDownloadError(
            f"cannot read the voice catalog {url}: HTTP {exc.code} {exc.reason}"
        ) from exc
    except (URLError, OSError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", exc)
        raise VoiceDownloadError(
            f"cannot reach the voice catalog {url} ({reason}); check the internet connection,"
            f" or point --mirror / {URL_ENV} at a copy of the voice repository"
        ) from exc
    except ValueError as exc:
        raise VoiceDownloadError(f"the voice catalog {url} is not valid JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise VoiceDownloadError(f"the voice catalog {url} is not a map of voices")
    voices = {}
    for key, entry in data.items():
        # A malformed entry (no model file) is left out rather than hiding every other voice.
        with contextlib.suppress(KeyError, StopIteration, TypeError, ValueError, AttributeError):
            voice = _parse_voice(str(key), entry)
            voices[voice.key] = voice
    return voices


def find_voice(catalog: dict[str, CatalogVoice], name: str) -> CatalogVoice:
    if name in catalog:
        return catalog[name]
    for voice in catalog.values():
        if name in voice.aliases:
            return voice
    close = difflib.get_close_matches(name, list(catalog), n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    raise VoiceDownloadError(
        f"there is no voice '{name}' in the catalog{hint} ('audioguide voices list' shows them all)"
    )


def is_installed(voice: CatalogVoice, folder: Path) -> bool:
    """Both files there with the catalog's sizes (MD5s were checked when they were downloaded)."""
    for file in voice.files:
        target = voice.target(file, folder)
        if not target.is_file() or target.stat().st_size != file.size:
            return False
    return True


def download_voice(
    voice: CatalogVoice, base_url: str, folder: Path, progress: Progress | None = None
) -> Path:
    """Fetch the voice's files into `folder`, checked against the catalog; the .onnx path."""
    folder.mkdir(parents=True, exist_ok=True)
    report = progress or (lambda _done, _total: None)
    done = 0
    for file in voice.files:
        part = folder / f".{voice.target(file, folder).name}.part"
        _fetch(
            urljoin(base_url, quote(file.path)),
            part,
            file,
            lambda got, before=done: report(before + got, voice.size),
        )
        done += file.size
    # The model is renamed last: a .onnx without its .onnx.json is not taken for a voice.
    for file in voice.files:
        part = folder / f".{voice.target(file, folder).name}.part"
        os.replace(part, voice.target(file, folder))
    report(voice.size, voice.size)
    return folder / f"{voice.key}.onnx"


def _fetch(url: str, part: Path, file: CatalogFile, progress: Callable[[int], None]) -> None:
    """Bring `part` to the catalog's size, resuming what is there, then check its MD5."""
    for _attempt in range(ATTEMPTS):
        have = part.stat().st_size if part.is_file() else 0
        if have > file.size:  # not a prefix of this file (e.g. the catalog changed): start over
            part.unlink()
            have = 0
        progress(have)
        if have == file.size:
            break
        try:
            if _transfer(url, part, have, file.size, progress):
                break
        except HTTPError as exc:
            if exc.code == 416:  # the kept part is no prefix the server knows: start over
                part.unlink(missing_ok=True)
                continue
            raise VoiceDownloadError(f"cannot download {url}: HTTP {exc.code} {exc.reason}") from exc
        except (URLError, OSError, http.client.HTTPException):
            continue  # cut mid-transfer: the next attempt resumes from what arrived
    have = part.stat().st_size if part.is_file() else 0
    if have < file.size:
        raise VoiceDownloadError(
            f"the download of {url} was interrupted at {have:,} of {file.size:,} bytes;"
            " run the same command again to resume"
        )
    if _md5(part) != file.md5:
        part.unlink()
        raise VoiceDownloadError(
            f"{url} does not match the catalog (MD5 differs); the file was deleted."
            " Run the command again; if it happens again the mirror's copy is damaged"
        )
    with part.open("rb+") as handle:
        os.fsync(handle.fileno())


def _transfer(url: str, part: Path, have: int, size: int, progress: Callable[[int], None]) -> bool:
    """Append the rest to `part` (or rewrite it when the server sends the whole file); whether
    it now holds the whole file. A connection closed early simply ends the body (http.client
    does not raise), so a short part is a cut transfer and the next attempt resumes it."""
    headers = {"Range": f"bytes={have}-"} if have else {}
    with urlopen(Request(url, headers=headers), timeout=TIMEOUT_SECONDS) as response:
        resumed = have > 0 and response.status == 206
        if resumed and not (response.headers.get("Content-Range") or "").startswith(f"bytes {have}-"):
            part.unlink(missing_ok=True)  # another range than the one asked for
            return False
        written = have if resumed else 0
        with part.open("ab" if resumed else "wb") as out:
            while chunk := response.read(CHUNK_BYTES):
                out.write(chunk)
                written += len(chunk)
                progress(written)
    return written >= size


def _md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()
