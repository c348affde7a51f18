"""The exception tree: every error a user can cause is a click.ClickException."""

from __future__ import annotations

import click


class AudioguideError(click.ClickException):
    """Base class of every error audioguide reports to a user."""


class ContentError(AudioguideError):
    """The tour's files are invalid; the message lists each problem as path:line."""


class BuildError(AudioguideError):
    """A build ran but some outputs could not be produced."""


class PaperSizeError(AudioguideError):
    """A poster paper size audioguide cannot print on."""


class EngineError(Exception):
    """A speech engine could not synthesize; the build falls back to the next engine."""

    def __init__(self, message: str, *, unreachable: bool = False) -> None:
        super().__init__(message)
        # An unreachable engine (no network, missing voice) is not retried for the rest of the build.
        self.unreachable = unreachable
