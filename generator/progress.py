"""A progress bar for long builds, on the terminal only.

Contract: a :class:`Progress` is told each step of a build (``step(label,
total)``) and each unit done (``advance(n)``). It draws nothing until the build
has run for :data:`DELAY` seconds, so a quick build prints only its summary,
and nothing at all when standard error is not a terminal (a CI log, a pipe, a
test), so output stays quiet where no one watches. The bar is drawn with rich
on standard error and removed when the build ends. It also times each step
(``timings``), which the benchmarks in ``bench/`` print.
"""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import Self, TextIO

from rich.progress import BarColumn, MofNCompleteColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.progress import Progress as Bar

DELAY = 2.0  # seconds a build runs before a bar is worth drawing


class Progress:
    """The bar of one build; use it as a context manager around the build."""

    def __init__(self, stream: TextIO | None = None, delay: float = DELAY) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty()
        self.delay = delay
        self.start = time.monotonic()
        self.bar: Bar | None = None
        self.task: TaskID | None = None
        self.label, self.total, self.done = "", 0, 0
        self.timings: dict[str, float] = {}
        self.began = self.start

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._clock()
        if self.bar is not None:
            self.bar.stop()
            self.bar = None

    def _clock(self) -> None:
        """Add the time since the current step began to its timing."""
        now = time.monotonic()
        if self.label:
            self.timings[self.label] = self.timings.get(self.label, 0.0) + now - self.began
        self.began = now

    def step(self, label: str, total: int = 0) -> None:
        """Begin a step of ``total`` units (0: unknown)."""
        self._clock()
        self.label, self.total, self.done = label, total, 0
        if self.bar is not None:
            self._new_task()
        self._maybe_show()

    def advance(self, count: int = 1) -> None:
        """Count ``count`` more units of the current step done."""
        self.done += count
        if self.bar is not None and self.task is not None:
            self.bar.update(self.task, completed=self.done)
        else:
            self._maybe_show()

    def _maybe_show(self) -> None:
        if self.enabled and self.bar is None and time.monotonic() - self.start >= self.delay:
            from rich.console import Console

            self.bar = Bar(TextColumn("{task.description:<12}"), BarColumn(), MofNCompleteColumn(),
                           TimeElapsedColumn(), console=Console(file=self.stream), transient=True)
            self.bar.start()
            self._new_task()

    def _new_task(self) -> None:
        assert self.bar is not None
        if self.task is not None:
            self.bar.remove_task(self.task)
        self.task = self.bar.add_task(self.label, total=self.total or None, completed=self.done)
