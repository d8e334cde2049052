"""Stage 7, write: every output file through one safe join, swapped in atomically.

Contract: an :class:`Output` collects files in a fresh temporary folder beside
the output folder; ``commit()`` swaps it into place only when the whole build
succeeded, ``abort()`` removes it. Nothing is ever written or deleted outside
the output folder, two sources writing one path are an error, and an existing
folder the generator did not create (no marker file) is never replaced, nor is
/, the home or working folder, or a folder holding or inside the content.

Only files whose bytes changed are written: a file equal to the previous site's
is hard-linked from it into the new folder, so an edit rewrites a handful of
files, and uploads that compare sizes and times (rsync) send only those.

A build killed at any moment leaves the previous site whole: each temporary
folder is locked (``flock``) by its live build, so the next build removes only
the leftovers of dead ones, and puts the previous site back if the kill fell
between the two renames of the swap. Leftovers are those of this output by its
exact name (a build of ``site`` never touches ``site-2``'s).

``commit(clear=False)`` leaves the removal of the previous site to the caller
(``disclose serve`` removes it in the background, the new site in place).
"""

from __future__ import annotations

import fcntl
import os
import posixpath
import re
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import BinaryIO

from generator.errors import OutputError, OutputRefused
from generator.folders import walk

MARKER = ".disclose-site"
_TMP = ".disclose-tmp-"
_OLD = ".disclose-old-"
_SUFFIX = re.compile(r"[a-z0-9_]{8}")


def write_atomically(target: Path, data: bytes) -> None:
    """Write ``target`` whole or not at all: a killed build never leaves half a file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, target)


def check_target(out: Path, content: Path | None = None) -> Path:
    """Resolve ``out`` and refuse folders the generator must not replace."""
    out = out.resolve()
    if out in (Path(out.anchor), Path.home().resolve(), Path.cwd().resolve()):
        raise OutputRefused(f"refusing to use {out} as the output folder: it is the root, home or "
                            "working folder; choose a folder of its own such as --out site")
    if content is not None:
        root = content.resolve()
        if root.is_relative_to(out):
            raise OutputRefused(f"refusing to use {out} as the output folder: it holds the content "
                                f"folder {root}; choose a folder of its own such as --out site")
        if out.is_relative_to(root):
            raise OutputRefused(f"refusing to use {out} as the output folder: it is inside the content "
                                f"folder {root}; choose a folder outside it")
    if out.exists() and not out.is_dir():
        raise OutputRefused(f"{out} exists and is not a folder; choose another --out")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise OutputRefused(f"{out} is not empty and was not made by disclose; refusing to replace it "
                            "(remove it or choose another --out)")
    return out


def _leftovers(out: Path, prefix: str) -> list[Path]:
    """The folders beside ``out`` that a build of ``out`` made with ``prefix`` (``mkdtemp`` adds
    8 letters, digits or _): those of ``site`` only, never those of ``site-2``."""
    return sorted(p for p in out.parent.glob(f"{prefix}{out.name}-*")
                  if _SUFFIX.fullmatch(p.name[len(prefix) + len(out.name) + 1:]))


def _claim(folder: Path) -> int | None:
    """Lock ``folder`` for this process; None when a live build holds it. The kernel frees it on exit."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def _inside(rel: str) -> str:
    """``rel`` as a path below the output folder (``a/./b`` is ``a/b``); refuse one leading out."""
    key = posixpath.normpath(rel)
    if key.startswith(("/", "../")) or key in (".", "..") or "\0" in key:
        raise OutputError(f"refusing to write {rel!r}: outside the output folder")
    return key


def _link(before: str, target: str | Path) -> None:
    """Hard-link ``before`` as ``target``, making the folder when it is the first file there
    (folders are made where files are written, so on every core, not ahead of time)."""
    try:
        os.link(before, target, follow_symlinks=False)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        os.link(before, target, follow_symlinks=False)


def recover(out: Path) -> None:
    """Clear what killed builds of ``out`` left beside it; restore a site lost mid-swap."""
    for leftover in _leftovers(out, _OLD):
        lock = _claim(leftover)
        if lock is None:
            continue  # a live build is swapping right now
        if not out.exists() and (leftover / out.name).is_dir():
            os.replace(leftover / out.name, out)
        shutil.rmtree(leftover, ignore_errors=True)
        os.close(lock)
    for leftover in _leftovers(out, _TMP):
        lock = _claim(leftover)
        if lock is not None:
            shutil.rmtree(leftover, ignore_errors=True)
            os.close(lock)


class Output:
    """A site being written: a temporary folder until :meth:`commit`."""

    def __init__(self, out: Path, content: Path | None = None) -> None:
        self.out = check_target(out, content)
        self.out.parent.mkdir(parents=True, exist_ok=True)
        recover(self.out)
        self.tmp = Path(tempfile.mkdtemp(prefix=f"{_TMP}{self.out.name}-", dir=self.out.parent))
        self._lock: int | None = _claim(self.tmp)  # a folder mkdtemp just made is ours alone
        self.written: set[str] = set()
        self.changed = 0  # files written because they are new or differ from the previous site
        self.previous = self.out if (self.out / MARKER).is_file() else None

    def path(self, rel: str) -> Path:
        """Join ``rel`` to the output safely; refuse escapes and second writes of one path.

        The join is lexical (``a/./b`` is ``a/b``, ``..`` may not climb out), which is exact here:
        the temporary folder is this build's own and holds only folders and regular files, never
        a symbolic link, so no path inside it can lead elsewhere. (Resolving every path against
        the file system took seconds of a build of 40,000 files.)"""
        key = _inside(rel)
        if key in self.written:
            raise OutputError(f"two sources write the same output file {key}")
        self.written.add(key)
        return Path(f"{self.tmp}/{key}")  # its folder is made by the first file written there

    def write_text(self, rel: str, text: str) -> None:
        self.write_bytes(rel, text.encode("utf-8"))

    def write_bytes(self, rel: str, data: bytes) -> None:
        self.changed += self.put(self.path(rel), data)

    def create(self, target: Path) -> BinaryIO:
        """Open a reserved ``target`` to be written bit by bit (a file too large to hold); it counts
        as changed."""
        os.makedirs(os.path.dirname(target), exist_ok=True)
        self.changed += 1
        return open(target, "xb")  # never through a link to the previous site's file

    def put(self, target: Path, data: bytes) -> bool:
        """Give a reserved ``target`` its bytes: hard-link the previous site's file when it holds
        exactly these, else write them. Return whether it wrote. Safe in forked workers."""
        if self.previous is not None:
            before = self._before(target)
            try:
                found = os.lstat(before)
                if stat.S_ISREG(found.st_mode) and found.st_size == len(data):
                    with open(before, "rb") as old:
                        same = old.read() == data
                    if same:
                        _link(before, target)
                        return False
            except OSError:
                pass  # no such file, or not linkable: write it
        try:
            new = open(target, "xb")  # noqa: SIM115 - closed below
        except FileNotFoundError:  # the first file of its folder: make the folder
            os.makedirs(os.path.dirname(target), exist_ok=True)
            new = open(target, "xb")  # noqa: SIM115
        with new:
            new.write(data)
        return True

    def _before(self, target: Path) -> str:
        """Where the previous site holds reserved ``target`` (a path below tmp: string work, as
        pathlib's took seconds over 40,000 files)."""
        assert self.previous is not None
        return f"{self.previous}{str(target)[len(str(self.tmp)):]}"

    def keep(self, target: Path) -> bool:
        """Give a reserved ``target`` the previous site's file as it is, by hard link; False if
        there is none to keep. For a file its caller knows to be unchanged."""
        if self.previous is None:
            return False
        before = self._before(target)
        try:
            if stat.S_ISREG(os.lstat(before).st_mode):
                _link(before, target)
                return True
        except OSError:
            pass
        return False

    def keep_folder(self, rel: str, names: Iterable[str]) -> int:
        """Give folder ``rel`` the previous site's files ``names`` (paths below it) as they are, by
        hard link, and return how many there were to keep. For a folder its caller knows to be
        unchanged: one safe join for the folder, not one per file, as thousands may follow. A file
        of ``names`` missing from the previous site is an :class:`OutputError`, never skipped."""
        key = _inside(rel)
        if self.previous is None:
            return 0
        before, after = f"{self.previous}/{key}/", f"{self.tmp}/{key}/"
        kept = 0
        for name in names:
            if not plain_path(name) or f"{key}/{name}" in self.written:
                raise OutputError(f"refusing to keep {key}/{name!r}: not a plain path, or written twice")
            try:
                if not stat.S_ISREG(os.lstat(before + name).st_mode):
                    raise OutputError(f"cannot keep {key}/{name} from the previous site: it is not a file")
                _link(before + name, after + name)
            except FileNotFoundError:
                # gone: the previous site is not the one its caller knows (another build replaced
                # it); a site missing files would be published otherwise
                raise OutputError(f"cannot keep {key}/{name} from the previous site {self.out}: it is gone "
                                  "(was the folder rebuilt by another disclose?); build again") from None
            self.written.add(f"{key}/{name}")
            kept += 1
        return kept

    def copy_tree(self, source: Path, rel: str) -> None:
        """Copy every file below ``source`` to ``rel``; earlier copies win (overrides first).
        A symbolic link is followed only inside ``source``; one leading out is an error."""
        found = walk(source)
        if found.refused:
            first = found.refused[0]
            raise OutputError(f"refusing to publish {first.link}: {first.reason}")
        for path in found.files:
            dest = f"{rel}/{path.relative_to(source).as_posix()}"
            if _inside(dest) in self.written:
                continue
            self.write_bytes(dest, path.read_bytes())

    def commit(self, clear: bool = True) -> Callable[[], None]:
        """Swap the finished site into place and remove the previous one; or, not ``clear``-ing,
        leave that to the function returned, for the caller to run when it likes (``disclose
        serve``, in the background): the previous site stays locked beside the output until then,
        so no build takes it for a leftover."""
        (self.tmp / MARKER).write_text("made by disclose; this folder is replaced on every build\n",
                                       encoding="utf-8")
        self.tmp.chmod(0o755)  # mkdtemp makes it private; a web server must read it
        old, old_lock = None, None
        try:
            if self.out.exists():
                old = Path(tempfile.mkdtemp(prefix=f"{_OLD}{self.out.name}-", dir=self.out.parent))
                old_lock = _claim(old)
                # named after the output, so a later build restores it only to its own place
                os.replace(self.out, old / self.out.name)
            try:
                os.replace(self.tmp, self.out)
            except OSError:
                if old is not None:
                    os.replace(old / self.out.name, self.out)
                raise
        except BaseException:
            if old_lock is not None:
                os.close(old_lock)
            raise
        finally:
            self._release()

        def remove() -> None:
            nonlocal old_lock
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
            if old_lock is not None:
                os.close(old_lock)
                old_lock = None

        if clear:
            remove()
        return remove

    def abort(self) -> None:
        """Throw the unfinished site away."""
        shutil.rmtree(self.tmp, ignore_errors=True)
        self._release()

    def _release(self) -> None:
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None


def plain_path(name: str) -> bool:
    """Whether ``name`` is a relative path that stays below its folder (no '..', '.', '' parts)."""
    return not {"", ".", ".."} & set(name.split("/"))
