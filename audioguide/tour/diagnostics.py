"""Problems found in a tour's files, each tied to a path and a line."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path


class Severity(Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@dataclass(frozen=True, order=True)
class Diagnostic:
    path: str
    line: int
    severity: Severity = field(compare=False)
    message: str = field(compare=False)

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.severity.value}: {self.message}"


@dataclass
class Diagnostics:
    """Collects every problem so that a user sees all of them at once, not one per run."""

    root: Path
    items: list[Diagnostic] = field(default_factory=list)

    def _add(self, path: Path, line: int, severity: Severity, message: str) -> None:
        # As the staff see it in the project: a stop folder that is a symlink keeps its name.
        views = ((Path(os.path.abspath(path)), self.root), (path.resolve(), self.root.resolve()))
        for candidate, root in views:
            if candidate.is_relative_to(root):
                shown = candidate.relative_to(root).as_posix()
                break
        else:
            shown = str(path)
        self.items.append(Diagnostic(shown, line, severity, message))

    def error(self, path: Path, line: int, message: str) -> None:
        self._add(path, line, Severity.ERROR, message)

    def warning(self, path: Path, line: int, message: str) -> None:
        self._add(path, line, Severity.WARNING, message)

    def note(self, path: Path, line: int, message: str) -> None:
        self._add(path, line, Severity.NOTE, message)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity is Severity.WARNING]

    def sorted(self) -> list[Diagnostic]:
        return sorted(self.items)
