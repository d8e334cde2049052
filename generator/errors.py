"""The small exception family of disclose.

A :class:`ContentError` is one problem in one content file, pointed at by file,
line, column and field. Stages collect them and raise :class:`BuildAborted` once
with all of them, so a publisher sees every problem of a run together. Neither
is ever shown with a traceback (``--verbose`` shows one).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class ContentError:
    """One problem in a content file: ``path:line:col: field: message``."""

    path: str
    line: int
    col: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}:{self.col}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class DiscloseError(Exception):
    """Base of every error disclose reports to the user without a traceback."""


class BuildAborted(DiscloseError):
    """Content errors stopped the run; ``errors`` holds every one of them, sorted."""

    def __init__(self, errors: list[ContentError]) -> None:
        self.errors = sorted(set(errors))
        super().__init__(f"{len(self.errors)} content error(s)")


class UsageError(DiscloseError):
    """The command was called wrongly (exit code 2)."""


class OutputError(DiscloseError):
    """The output folder cannot be written safely (exit code 1)."""


def display_path(path: Path) -> str:
    """Return ``path`` relative to the working folder when it lies inside it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()
