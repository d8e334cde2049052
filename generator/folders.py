"""Read a folder without leaving it: the one walk over content, theme and static files.

Contract: ``walk(root)`` lists every regular file below ``root``, sorted, each as a path below
``root`` (a link's own name, not its target's), and a :class:`Refused` for every symbolic link
that cannot be followed. A link is followed, file or folder, only when its target lies inside
``root``; a link leading out of it (``static/env.txt`` → ``/proc/self/environ``), a broken
link and a link to a folder it sits in (a loop) are refused, each naming the link. Nothing
is skipped silently: a folder reached through a link is walked like any other. So no file
outside the folder the publisher chose is ever read, let alone published.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path


@dataclass(frozen=True)
class Refused:
    """A symbolic link that is not followed, and why."""

    link: Path
    reason: str


@dataclass
class Walked:
    """The files found below a folder, and the links refused there."""

    files: list[Path] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)
    rels: list[str] = field(default_factory=list)  # each file's path below the folder, with '/', as ``files``


def walk(root: Path, skip: Callable[[tuple[str, ...]], bool] | None = None, inside: Path | None = None) -> Walked:
    """Every file below ``root``, sorted, following links only inside it (or inside the folder
    ``inside``, which holds ``root``); ``skip(parts)`` leaves out an entry (and all below it) by
    its path's parts below ``root``."""
    boundary = (inside or root).resolve()
    found = Walked()
    if inside is not None and not root.resolve().is_relative_to(boundary):  # root: a link out of it
        found.refused.append(Refused(root, f"a symbolic link to {os.readlink(root)}, outside {inside.name}/: "
                                           "disclose reads nothing outside it; copy the folder in instead"))
        return found

    listed_files: list[tuple[tuple[str, ...], Path]] = []  # (its parts below root, its path)

    def visit(folder: Path, real_folder: Path, parts: tuple[str, ...], above: frozenset[Path]) -> None:
        with os.scandir(folder) as entries:
            listed = sorted(entries, key=lambda e: e.name)
        for entry in listed:
            path, here = folder / entry.name, (*parts, entry.name)
            if skip is not None and skip(here):
                continue
            real = real_folder / entry.name
            is_dir, is_file = entry.is_dir(follow_symlinks=False), entry.is_file(follow_symlinks=False)
            if entry.is_symlink():
                real = Path(os.path.realpath(path))
                if not real.is_relative_to(boundary):
                    found.refused.append(Refused(path, f"a symbolic link to {os.readlink(path)}, outside {root.name}/: "
                                                       "disclose reads nothing outside it; copy the file in "
                                                       "instead of linking it"))
                    continue
                if not real.exists():
                    found.refused.append(Refused(path, f"a symbolic link to {os.readlink(path)}, which does "
                                                       "not exist: remove the link or restore its target"))
                    continue
                is_dir, is_file = real.is_dir(), real.is_file()
            if is_dir:
                if real in above:
                    found.refused.append(Refused(path, "a symbolic link to a folder it is in (a loop): "
                                                       "remove the link"))
                    continue
                visit(path, real, here, above | {real})
            elif is_file:
                listed_files.append((here, path))

    visit(root, root.resolve(), (), frozenset({root.resolve()}))
    listed_files.sort(key=itemgetter(0))  # by their parts, as paths sort, but quicker
    found.files = [path for _, path in listed_files]
    found.rels = ["/".join(parts) for parts, _ in listed_files]
    return found


def bundles() -> list[Path]:
    """The themes folders installed with the package (a namespace package, so maybe several)."""
    try:
        spec = importlib.util.find_spec("disclose_themes")
    except ModuleNotFoundError:
        return []
    return [Path(p) for p in (spec.submodule_search_locations or [])] if spec else []
