"""A local piper-voices repository for the download tests (127.0.0.1 only)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.helpers.voice_server import VoiceServer, demo_catalog, joe_files


@pytest.fixture
def voice_server() -> Iterator[VoiceServer]:
    files = joe_files()
    with VoiceServer(files, demo_catalog(files)) as server:
        yield server
