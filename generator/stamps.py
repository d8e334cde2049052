"""What tells a build's inputs, and the site it left, from any others: read without the stages.

Contract: ``fingerprint()`` covers the generator's code and the versions of Python and of the
libraries that parse, validate and render; ``content_key(rel, data)`` is a content file's key,
by which the Store keeps what it made of the file; ``Inputs(cache).digest(root)`` is the digest
of everything a build of content folder ``root`` reads, each content file known by its stats
when they are as the last build noted them. A build leaves notes beside its output
(``write_note``, ``read_note``, ``drop_note``, in the cache folder ``cache_folder(out)``), and
``output_stamp(out)`` and ``stamp(path)`` tell a site, or one of its files, from any other
written there since. ``disclose build`` with nothing changed needs only this module: it keeps
the site without importing the stages (which take a second to import).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import sys
import time
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from generator.folders import bundles, walk
from generator.output.write import write_atomically

FOLDER = ".disclose-cache"
RACY_NS = 2_000_000_000  # a file changed this close before it was read is read again next time


@cache
def fingerprint() -> bytes:
    """What anything the Store keeps depends on besides the files: the generator's code, Python's
    version and those of the libraries that parse, validate and render."""
    digest = hashlib.sha256(sys.version.encode())
    for package in ("pyyaml", "pydantic", "jinja2", "markdown-it-py", "markupsafe"):
        digest.update(metadata.version(package).encode())
    for source in sorted(Path(__file__).parent.rglob("*.py")):
        digest.update(source.read_bytes())
    return digest.digest()


def content_key(rel: str, data: bytes) -> str:
    """The key of content file ``rel`` holding ``data``: it covers the generator too."""
    digest = hashlib.sha256(fingerprint())
    digest.update(rel.encode("utf-8") + b"\0")
    digest.update(data)
    return digest.hexdigest()


def cache_folder(out: Path) -> Path:
    """The cache folder of output folder ``out``: beside it."""
    return out.resolve().parent / FOLDER


def _note(out: Path, name: str) -> Path:
    return cache_folder(out) / f"{name}-{out.name}.json"


def write_note(out: Path, name: str, data: object) -> None:
    """Keep ``data`` as the note ``name`` on output folder ``out``, in its cache folder (which
    sites beside it share): what a build made, for the next build to trust or not."""
    write_atomically(_note(out, name), json.dumps(data).encode("utf-8"))


def read_note(out: Path, name: str) -> Any:
    """The note ``name`` on output folder ``out``; OSError or ValueError when there is none."""
    return json.loads(_note(out, name).read_text(encoding="utf-8"))


def drop_note(out: Path, name: str) -> None:
    _note(out, name).unlink(missing_ok=True)


def output_stamp(out: Path) -> str:
    """What tells the site in ``out`` from any other: every entry's path, kind, and a file's size,
    modification time and inode. A file written, replaced, touched, added or removed changes it."""
    digest = hashlib.sha256()

    def visit(folder: str, prefix: str) -> None:
        with os.scandir(folder) as found:
            entries = sorted(found, key=lambda e: e.name)
        for entry in entries:
            about = entry.stat(follow_symlinks=False)
            rel = prefix + entry.name
            if stat.S_ISDIR(about.st_mode):
                digest.update(b"%s/\n" % rel.encode("utf-8", "surrogateescape"))
                visit(entry.path, rel + "/")
            else:
                digest.update(b"%s\0%d\0%d\0%d\0%d\n" % (rel.encode("utf-8", "surrogateescape"), about.st_mode,
                                                         *_identity(about)))

    visit(str(out), "")
    return digest.hexdigest()


def stamp(path: str) -> list[int]:
    """What tells a regular file from any other written there since: size, modification time,
    inode ([] for anything but a regular file, a symbolic link say)."""
    found = os.lstat(path)
    return list(_identity(found)) if stat.S_ISREG(found.st_mode) else []


def _identity(found: os.stat_result) -> tuple[int, int, int]:
    """What tells a file from another written in its place: size, modification time, inode."""
    return found.st_size, found.st_mtime_ns, found.st_ino


class Inputs:
    """What a build of a content folder reads, and each content file's key, known by its stats
    when they are as the last build noted them (in the cache folder ``cache``)."""

    def __init__(self, cache: Path) -> None:
        self.cache = cache
        self.keyed: dict[Path, str] = {}  # each content file's key, for the load that follows
        self.hashed: list[str] = []  # the content files read and hashed: not known by their stats

    def digest(self, root: Path) -> str | None:
        """The digest of everything a build of content folder ``root`` reads: each of its files
        (but hidden ones) by its key, the themes beside it and those installed with disclose, and
        SOURCE_DATE_EPOCH (the keys cover the generator and its libraries); None when a file cannot
        be read or a link is refused (the build then says why). The files' keys are kept
        (``keyed``) for the load that follows, which so reads and hashes each file once.

        A content file is read and hashed only when it is not as the last build noted it (its
        size, modification and change times and inode: :meth:`noted`); ``hashed`` lists those."""
        digest = hashlib.sha256(fingerprint())
        digest.update(os.environ.get("SOURCE_DATE_EPOCH", "").encode("utf-8"))
        noted, began = self.noted(root), time.time_ns()
        stats: dict[str, list[Any]] = {}
        self.hashed = []
        for folder in (root, root.parent / "themes", *bundles()):
            digest.update(b"\1" + str(folder).encode("utf-8"))
            if not folder.is_dir():
                continue
            found = walk(folder, lambda parts: parts[-1].startswith("."))
            if found.refused:
                return None
            for path, rel in zip(found.files, found.rels, strict=True):
                try:
                    if folder == root:
                        stats[rel] = known(path, rel, noted.get(rel), began, self.hashed)
                        self.keyed[path] = key = stats[rel][-1]
                        digest.update(b"\0%s\0%s" % (rel.encode("utf-8"), key.encode()))
                        continue
                    data = path.read_bytes()
                except OSError:
                    return None
                digest.update(b"\0%s\0%d\0" % (rel.encode("utf-8"), len(data)))
                digest.update(data)
        if self.hashed or stats.keys() != noted.keys():
            with contextlib.suppress(OSError):  # (not noted: the next build reads them all again)
                write_atomically(self._path(root), json.dumps(stats).encode("utf-8"))
        return digest.hexdigest()

    def _path(self, root: Path) -> Path:
        """Where the content files' stats and keys are noted: per content folder, per generator."""
        return self.cache / f"stats-{hashlib.sha256(fingerprint() + bytes(root.resolve())).hexdigest()[:16]}.json"

    def noted(self, root: Path) -> dict[str, list[Any]]:
        """Each content file of ``root`` as the last build noted it: its size, modification and
        change times and inode, with its key. A file whose bytes change changes its change time
        (which no program can set back); one changed within ``RACY_NS`` before it was read is not
        noted, as a second change within the same tick of the file system's clock could leave all
        four as they were (as git does). A note that is not one is no note."""
        try:
            found = json.loads(self._path(root).read_bytes())
        except (OSError, ValueError):
            return {}
        if not isinstance(found, dict):
            return {}
        return {rel: entry for rel, entry in found.items()
                if isinstance(entry, list) and len(entry) == 5 and isinstance(entry[-1], str)}


def known(path: Path, rel: str, noted: list[Any] | None, began: int, hashed: list[str]) -> list[Any]:
    """Content file ``path`` as ``noted`` (its stats and key) when its stats are the same, else
    read and hashed (and added to ``hashed``); not to be trusted later if it changed within
    ``RACY_NS`` before ``began``. OSError when it cannot be read."""
    about = os.stat(path)
    seen = [about.st_size, about.st_mtime_ns, about.st_ctime_ns, about.st_ino]
    if noted is not None and noted[:-1] == seen:
        return noted
    key = content_key(rel, path.read_bytes())
    hashed.append(rel)
    return [*([] if max(seen[1], seen[2]) >= began - RACY_NS else seen), key]
