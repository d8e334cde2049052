"""The small exception family of disclose.

A :class:`ContentError` is one problem in one content file, pointed at by file,
line, column and field. Stages collect them and raise :class:`BuildAborted` once
with all of them, so a publisher sees every problem of a run together. Neither
is ever shown with a traceback (``--verbose`` shows one). Messages quote
content, so control and bidirectional characters are shown escaped: a message
is always one line and cannot drive the publisher's terminal.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path

_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """Escape control and bidirectional characters as ``\\x1b``, ``\\n``, ``\\u202e``."""
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


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
        text = f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        return printable(text)


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


class OutputRefused(OutputError, UsageError):
    """``--out`` names a folder disclose must not replace: a usage error (exit code 2)."""


def display_path(path: Path) -> str:
    """Return ``path`` relative to the working folder when it lies inside it (a symbolic link
    as itself, not as its target)."""
    text = os.fspath(path)
    cwd = os.getcwd()
    folder, name = os.path.split(text if os.path.isabs(text) else os.path.join(cwd, text))
    shown = _shown(folder, cwd)
    if shown is None:
        return path.as_posix()
    return f"{shown}/{name}" if shown else name


@functools.lru_cache(maxsize=1024)
def _shown(folder: str, cwd: str) -> str | None:
    """``folder``, its symbolic links resolved, relative to ``cwd`` (resolved too), or None when
    outside: the same for the many files of one folder (10,000 reports lie in a few hundred),
    so asked of the file system once per process."""
    try:
        found = Path(folder).resolve().relative_to(Path(cwd).resolve())
    except ValueError:
        return None
    return "" if found == Path() else found.as_posix()
