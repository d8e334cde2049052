"""Stage 7, write: every output file through one safe join, swapped in atomically.

Contract: an :class:`Output` collects files in a fresh temporary folder beside
the output folder; ``commit()`` swaps it into place only when the whole build
succeeded, ``abort()`` removes it. Nothing is ever written or deleted outside
the output folder, two sources writing one path are an error, and an existing
folder the generator did not create (no marker file) is never replaced.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from generator.errors import OutputError

MARKER = ".disclose-site"
_TMP = ".disclose-tmp-"
_OLD = ".disclose-old-"


def check_target(out: Path) -> Path:
    """Resolve ``out`` and refuse folders the generator must not replace."""
    out = out.resolve()
    if out == Path(out.anchor) or out == Path.home().resolve() or out == Path.cwd().resolve():
        raise OutputError(f"refusing to use {out} as the output folder: choose a folder of its own")
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise OutputError(f"{out} is not empty and was not made by disclose; refusing to replace it "
                          "(remove it or choose another --out)")
    return out


class Output:
    """A site being written: a temporary folder until :meth:`commit`."""

    def __init__(self, out: Path) -> None:
        self.out = check_target(out)
        self.out.parent.mkdir(parents=True, exist_ok=True)
        for stale in self.out.parent.glob(f"{_TMP}{self.out.name}-*"):
            shutil.rmtree(stale, ignore_errors=True)  # left by a build that was killed
        self.tmp = Path(tempfile.mkdtemp(prefix=f"{_TMP}{self.out.name}-", dir=self.out.parent))
        self.written: set[str] = set()

    def path(self, rel: str) -> Path:
        """Join ``rel`` to the output safely; refuse escapes and second writes of one path."""
        target = (self.tmp / rel).resolve()
        if not target.is_relative_to(self.tmp.resolve()) or target == self.tmp.resolve():
            raise OutputError(f"refusing to write {rel!r}: outside the output folder")
        key = target.relative_to(self.tmp.resolve()).as_posix()
        if key in self.written:
            raise OutputError(f"two sources write the same output file {key}")
        self.written.add(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def write_text(self, rel: str, text: str) -> None:
        self.path(rel).write_text(text, encoding="utf-8", newline="\n")

    def write_bytes(self, rel: str, data: bytes) -> None:
        self.path(rel).write_bytes(data)

    def copy_tree(self, source: Path, rel: str) -> None:
        """Copy every file below ``source`` to ``rel``; earlier copies win (overrides first)."""
        for path in sorted(source.rglob("*")):
            if path.is_file():
                dest = f"{rel}/{path.relative_to(source).as_posix()}"
                if (self.tmp / dest).resolve().relative_to(self.tmp.resolve()).as_posix() in self.written:
                    continue
                shutil.copyfile(path, self.path(dest))

    def commit(self) -> None:
        """Swap the finished site into place and remove the previous one."""
        (self.tmp / MARKER).write_text("made by disclose; this folder is replaced on every build\n",
                                       encoding="utf-8")
        self.tmp.chmod(0o755)  # mkdtemp makes it private; a web server must read it
        old = None
        if self.out.exists():
            old = Path(tempfile.mkdtemp(prefix=f"{_OLD}{self.out.name}-", dir=self.out.parent))
            os.replace(self.out, old / "site")
        os.replace(self.tmp, self.out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)

    def abort(self) -> None:
        """Throw the unfinished site away."""
        shutil.rmtree(self.tmp, ignore_errors=True)
