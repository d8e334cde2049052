"""Stage 7, write: every output file through one safe join, committed only whole.

Contract: an :class:`Output` collects files in a fresh temporary folder beside
the output folder; ``commit()`` puts them into place only when the whole build
succeeded, ``abort()`` removes them. Nothing is ever written or deleted outside
the output folder, two sources writing one path are an error, and an existing
folder the generator did not create (no marker file) is never replaced, nor is
/, the home or working folder, or a folder holding or inside the content.

The first site is swapped in whole (one rename). A site over a previous one is
updated in place: only files whose bytes changed are written (into the temporary
folder), and ``commit()`` moves them over the previous site's and deletes the files
the build no longer makes; every other file stays as it was, untouched, so an edit
costs a handful of renames, and uploads that compare sizes and times (rsync) send
only those.

A build killed at any moment leaves a whole site: each temporary folder is locked
(``flock``) by its live build, so the next build removes only the leftovers of dead
ones. A commit first writes its journal (what it deletes) into the temporary folder;
the next build finishes a commit a kill interrupted (rolling forward: every new file
is already written), and puts the previous site back if the kill fell between the
two renames of a first swap. Leftovers are those of this output by its exact name (a
build of ``site`` never touches ``site-2``'s).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import posixpath
import re
import shutil
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from generator.errors import OutputError, OutputRefused
from generator.folders import walk

MARKER = ".disclose-site"
_TMP = ".disclose-tmp-"
_OLD = ".disclose-old-"
_JOURNAL = ".disclose-journal"  # in a temporary folder: its commit has begun
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
            if (leftover / _JOURNAL).is_file() and out.is_dir():
                _finish(leftover, out)  # a commit cut short: carried out
            shutil.rmtree(leftover, ignore_errors=True)
            os.close(lock)


def _files(root: str) -> set[str]:
    """Every path below ``root`` that is not a folder, relative to it."""
    found: set[str] = set()

    def visit(folder: str, prefix: str) -> None:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    visit(entry.path, f"{prefix}{entry.name}/")
                else:
                    found.add(prefix + entry.name)

    visit(root, "")
    return found


def _finish(tmp: Path, out: Path) -> None:
    """Carry out the commit journalled in ``tmp``: delete the files it lists from ``out``, then
    move every file written into ``tmp`` over its place in ``out``. Each step may be done again,
    so a commit cut short is finished by the next build."""
    gone = json.loads((tmp / _JOURNAL).read_text(encoding="utf-8"))
    for key in gone:
        path = f"{out}/{key}"
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
    for key in sorted(_files(str(tmp)) - {_JOURNAL}):
        target = f"{out}/{key}"
        if os.path.isdir(target) and not os.path.islink(target):
            shutil.rmtree(target)  # a folder where a file now goes
        try:
            os.replace(f"{tmp}/{key}", target)
        except FileNotFoundError:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            os.replace(f"{tmp}/{key}", target)
    for folder in sorted({posixpath.dirname(key) for key in gone} - {""}, key=len, reverse=True):
        while folder:  # the folders left empty, innermost first
            try:
                os.rmdir(f"{out}/{folder}")
            except OSError:
                break
            folder = posixpath.dirname(folder)


class Output:
    """A site being written: a temporary folder until :meth:`commit`."""

    def __init__(self, out: Path, content: Path | None = None, files: set[str] | None = None) -> None:
        self.out = check_target(out, content)
        self.out.parent.mkdir(parents=True, exist_ok=True)
        recover(self.out)
        self.tmp = Path(tempfile.mkdtemp(prefix=f"{_TMP}{self.out.name}-", dir=self.out.parent))
        self._lock: int | None = _claim(self.tmp)  # a folder mkdtemp just made is ours alone
        self.written: set[str] = set()
        self.changed = 0  # files written because they are new or differ from the previous site
        self.previous = self.out if (self.out / MARKER).is_file() else None
        # the previous site's files, when the caller knows them (serve: those it committed last,
        # no other build having touched the folder since); else read from the folder at commit
        self.files = files

    def path(self, rel: str) -> str:
        """Join ``rel`` to the output safely; refuse escapes and second writes of one path.

        The join is lexical (``a/./b`` is ``a/b``, ``..`` may not climb out), which is exact here:
        the temporary folder is this build's own and holds only folders and regular files, never
        a symbolic link, so no path inside it can lead elsewhere. (Resolving every path against
        the file system took seconds of a build of 40,000 files.)"""
        key = _inside(rel)
        if key in self.written:
            raise OutputError(f"two sources write the same output file {key}")
        self.written.add(key)
        # its folder is made by the first file written there; a string, as pathlib's objects took
        # a tenth of a second for every 10,000 files
        return f"{self.tmp}/{key}"

    def write_text(self, rel: str, text: str) -> None:
        self.write_bytes(rel, text.encode("utf-8"))

    def write_bytes(self, rel: str, data: bytes) -> None:
        self.changed += self.put(self.path(rel), data)

    def create(self, target: str) -> BinaryIO:
        """Open a reserved ``target`` to be written bit by bit (a file too large to hold); it counts
        as changed."""
        os.makedirs(os.path.dirname(target), exist_ok=True)
        self.changed += 1
        return open(target, "xb")  # never through a link to the previous site's file

    def put(self, target: str, data: bytes) -> bool:
        """Give a reserved ``target`` its bytes: leave the previous site's file when it holds
        exactly these, else write them. Return whether it wrote. Safe in forked workers."""
        if self.previous is not None:
            before = self._before(target)
            try:
                found = os.lstat(before)
                if stat.S_ISREG(found.st_mode) and found.st_size == len(data):
                    with open(before, "rb") as old:
                        if old.read() == data:
                            return False
            except OSError:
                pass  # no such file: write it
        try:
            new = open(target, "xb")  # noqa: SIM115 - closed below
        except FileNotFoundError:  # the first file of its folder: make the folder
            os.makedirs(os.path.dirname(target), exist_ok=True)
            new = open(target, "xb")  # noqa: SIM115
        with new:
            new.write(data)
        return True

    def stream(self, target: str, pieces: Iterable[bytes]) -> bool:
        """Give a reserved ``target`` the bytes of ``pieces``, one at a time (a file too large to
        hold), as :meth:`put` does: the previous site's file is left when it holds exactly these.
        Return whether it wrote. Nothing is written while the pieces are the previous file's: at
        the first that differs, the part they shared is copied from it, in large blocks."""
        old: BinaryIO | None = None
        if self.previous is not None:
            before = self._before(target)
            try:
                if stat.S_ISREG(os.lstat(before).st_mode):
                    old = open(before, "rb")  # noqa: SIM115 - closed below
            except OSError:
                pass  # no such file: write it
        new: BinaryIO | None = None
        try:
            shared = 0  # the bytes the pieces so far share with the previous file, not yet written
            for piece in pieces:
                if new is None:
                    if old is not None and old.read(len(piece)) == piece:
                        shared += len(piece)
                        continue
                    new = self._start(target, old, shared)
                new.write(piece)
            if new is None:
                if old is not None and not old.read(1):
                    return False  # the previous site's file stays
                new = self._start(target, old, shared)  # (the previous file was longer)
            return True
        finally:
            for handle in (old, new):
                if handle is not None:
                    handle.close()

    @staticmethod
    def _start(target: str, old: BinaryIO | None, shared: int) -> BinaryIO:
        """Open ``target`` to write, first copying the ``shared`` bytes that begin ``old``."""
        os.makedirs(os.path.dirname(target), exist_ok=True)
        new = open(target, "xb")  # noqa: SIM115 - closed by stream
        if old is not None and shared:
            old.seek(0)
            while shared:
                block = old.read(min(shared, 1 << 20))
                new.write(block)
                shared -= len(block)
        return new

    def _before(self, target: str) -> str:
        """Where the previous site holds reserved ``target`` (a path below tmp: string work, as
        pathlib's took seconds over 40,000 files)."""
        assert self.previous is not None
        return f"{self.previous}{target[len(str(self.tmp)):]}"

    def keep(self, target: str) -> bool:
        """Leave the previous site's file at reserved ``target`` as it is; False if there is none
        to keep. For a file its caller knows to be unchanged."""
        if self.previous is None:
            return False
        if self.files is not None:  # (serve: the files it committed last, known without a look)
            return target[len(str(self.tmp)) + 1:] in self.files
        try:
            return stat.S_ISREG(os.lstat(self._before(target)).st_mode)
        except OSError:
            return False

    def keep_folder(self, rel: str, names: Iterable[str]) -> int:
        """Leave the previous site's files ``names`` (paths below folder ``rel``) as they are, and
        return how many there were to keep. For a folder its caller knows to be unchanged: one
        safe join for the folder, not one per file, as thousands may follow. A file of ``names``
        missing from the previous site is an :class:`OutputError`, never skipped."""
        key = _inside(rel)
        if self.previous is None:
            return 0
        before = f"{self.previous}/{key}/"
        files: dict[str, set[str]] = {}  # a folder's regular files, from one listing: no stat a file
        kept = 0
        for name in names:
            if not plain_path(name) or f"{key}/{name}" in self.written:
                raise OutputError(f"refusing to keep {key}/{name!r}: not a plain path, or written twice")
            folder, _, base = name.rpartition("/")
            if folder not in files:
                try:
                    with os.scandir(before + folder) as entries:
                        files[folder] = {e.name for e in entries if e.is_file(follow_symlinks=False)}
                except (FileNotFoundError, NotADirectoryError):
                    files[folder] = set()
            if base not in files[folder]:
                # gone: the previous site is not the one its caller knows (another build replaced
                # it); a site missing files would be published otherwise
                what = "it is not a file" if os.path.lexists(before + name) else "it is gone"
                raise OutputError(f"cannot keep {key}/{name} from the previous site {self.out}: {what} "
                                  "(was the folder rebuilt by another disclose?); build again")
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

    def commit(self) -> None:
        """Put the finished site into place: over the previous one, its new files moved in and
        the files it no longer has deleted; or, the first, swapped in whole (for the empty
        folder there, if any)."""
        # a new marker each build: serve tells by it that another build made the site
        (self.tmp / MARKER).write_text("made by disclose; every build replaces what this folder holds\n",
                                       encoding="utf-8")
        if self.previous is not None:
            try:
                gone = sorted((_files(str(self.out)) if self.files is None else self.files) - self.written - {MARKER})
                write_atomically(self.tmp / _JOURNAL, json.dumps(gone, ensure_ascii=False).encode("utf-8"))
                _finish(self.tmp, self.out)
                shutil.rmtree(self.tmp, ignore_errors=True)
            finally:
                self._release()
            return
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
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        if old_lock is not None:
            os.close(old_lock)

    def abort(self) -> None:
        """Throw the unfinished site away; but a commit begun (journalled) and cut short by an
        error is left for the next build to finish, as after a kill."""
        if not (self.tmp / _JOURNAL).is_file():
            shutil.rmtree(self.tmp, ignore_errors=True)
        self._release()

    def _release(self) -> None:
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None


def plain_path(name: str) -> bool:
    """Whether ``name`` is a relative path that stays below its folder (no '..', '.', '' parts)."""
    return not {"", ".", ".."} & set(name.split("/"))
