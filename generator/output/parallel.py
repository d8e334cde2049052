"""Both cores: map a function over many items in forked worker processes, in order.

Contract: ``run(fn, items, jobs, state)`` returns ``[fn(item) for item in items]``,
the same list in the same order whatever ``jobs`` is, so parallel and serial
builds give the same bytes. With ``jobs > 1`` and enough items to repay the
start-up, the items go in chunks to ``jobs`` processes forked from this one:
they see ``state`` (and everything else in memory: the content, the page
plan) through :func:`state` without pickling it; only items and results cross.
An exception in a worker is raised again here, as it would be serially. A run
inside a worker (or inside a serial run) is serial, and leaves the outer run's
state as it found it.

Workers die with their build, silently: Ctrl+C, SIGTERM and SIGHUP are the build's
to handle (it stops the pool, which ends them), and a worker whose build was killed
outright is killed by the kernel (``PR_SET_PDEATHSIG``) rather than left to fail on
a broken pipe.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

# Fewer items than this are not worth forking for: a pool costs tens of milliseconds.
MIN_PARALLEL = 64

_state: Any = None
_fn: Callable[[Any], Any] | None = None


def cores() -> int:
    """How many processors this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def state() -> Any:
    """The ``state`` given to :func:`run`, in a worker or in this process."""
    return _state


_PR_SET_PDEATHSIG = 1


STOPS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}


@contextmanager
def shielded() -> Iterator[set[int | signal.Signals]]:
    """Hold Ctrl+C, SIGTERM and SIGHUP back while helper processes are started: one raised half
    way (in ``Pool()``, in ``Popen()``) would leave a helper no one stops. They are delivered
    when the block ends; yields the signal mask to give back (children inherit the blocked one)."""
    before = signal.pthread_sigmask(signal.SIG_BLOCK, STOPS)
    try:
        yield before
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def _worker(parent: int, mask: set[int | signal.Signals]) -> None:
    """Set a worker up to die with its build and to leave signals to it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the build stops the pool on Ctrl+C
    for signum in (signal.SIGTERM, signal.SIGHUP):  # the build's handlers raise: not in a worker
        signal.signal(signum, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the build died before the line above
        os._exit(1)
    signal.pthread_sigmask(signal.SIG_SETMASK, mask)


def _chunk(items: Sequence[Any]) -> list[Any]:
    assert _fn is not None
    return [_fn(item) for item in items]


def run(fn: Callable[[Item], Result], items: Sequence[Item], jobs: int, state: Any = None,
        done: Callable[[int], None] | None = None, chunk: int = 0,
        meanwhile: Callable[[], object] | None = None) -> list[Result]:
    """Map ``fn`` over ``items`` with ``jobs`` processes; call ``done(n)`` as n more finish.

    ``chunk`` items go to a process at a time (0: enough to balance the cores; 1 for items so big
    that even two are worth forking for). ``meanwhile`` is called in this process, with
    :func:`state` set, while the workers work (after them, when the run is serial)."""
    global _state, _fn
    outer = _state, _fn  # a run inside a run (serially, or in a worker) gives the outer one back
    _state, _fn = state, fn
    try:
        if jobs <= 1 or len(items) < (2 if chunk == 1 else MIN_PARALLEL) \
                or multiprocessing.parent_process() is not None:
            results = []
            for item in items:
                results.append(fn(item))
                if done:
                    done(1)
            if meanwhile:
                meanwhile()
            return results
        # Chunks small enough to balance the cores and to move the progress bar, large enough
        # that the pipe is not the bottleneck.
        size = chunk or max(1, min(256, len(items) // (jobs * 8)))
        chunks = [items[i:i + size] for i in range(0, len(items), size)]
        out: list[Result] = []
        with shielded() as mask:
            pool = multiprocessing.get_context("fork").Pool(jobs, _worker, (os.getpid(), mask))
        with pool:
            parts = pool.imap(_chunk, chunks)  # (sent to the workers as they ask)
            if meanwhile:
                meanwhile()
            for part in parts:
                out.extend(part)
                if done:
                    done(len(part))
        return out
    finally:
        _state, _fn = outer
