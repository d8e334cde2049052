"""One build per output folder at a time: a lock file beside the output, held for a whole build.

Contract: ``with build_lock(out):`` holds an exclusive ``flock`` on ``.disclose-lock-<name>``
beside the output folder ``out`` (beside, not inside: a first build swaps the folder itself
in). ``disclose build`` holds it for its whole run, ``disclose serve`` for each build. A second build into the same folder waits for the first,
saying once, in one line, which process holds it; the kernel frees the lock when its holder
ends, however it ends (``kill -9`` included), so a dead build never blocks the next. The lock
file stays: removing it would let two builds lock two different files of one name.
"""

from __future__ import annotations

import fcntl
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PREFIX = ".disclose-lock-"


def lock_path(out: Path) -> Path:
    """The lock file of output folder ``out``."""
    out = out.resolve()
    return out.parent / f"{PREFIX}{out.name}"


def holder(out: Path) -> str:
    """Who holds the lock of ``out``, as its lock file says: ``pid 1234``, or '' if unknown."""
    try:
        pid = lock_path(out).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return ""
    return f"pid {pid}" if pid.isdigit() else ""


@contextmanager
def build_lock(out: Path, wait: bool = True) -> Iterator[None]:
    """Hold the build lock of ``out``; wait for it (saying who holds it), or with ``wait`` false
    raise :class:`BlockingIOError` at once."""
    path = lock_path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                raise
            who = holder(out) or "another process"
            print(f"disclose: {out} is being built by {who} (disclose build or serve); waiting for it to finish",
                  file=sys.stderr, flush=True)
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        yield
    finally:
        os.close(fd)  # frees the lock
