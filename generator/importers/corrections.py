"""Hand corrections: recorded fixes for broken source text, applied on every import.

Contract: :func:`load` reads a corrections file, kept with the content it corrects
(``<content>/corrections.yaml`` by default, :func:`default_path`), never inside the
package: a ``departments`` registry (slug, name, short name, region of each issuing department)
and a ``corrections`` list. Each correction names its source ``file`` and ``report``
(the report's name as imported; ``implementer`` when names repeat), says ``why``, and
changes the imported data with paths such as ``indicators[6].level2``:

``set``     path -> value (a missing key is created; ``null`` removes the key)
``delete``  list of paths (list items are removed from the last one backwards)
``insert``  list of ``{at: path[i], value: …}``: a new list item at that index
``was``     path -> the value the importer is expected to read there; if the
            source or the importer changes so that it reads something else,
            the correction is reported as stale instead of applied blindly
``fixes``   source line numbers whose importer messages this correction settles

:func:`apply` runs them in that order (set, delete, insert) and returns the comment
lines that the written file carries, one per change, so nobody has to guess which
figures were touched by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

import yaml

from generator.importers.emit import scalar
from generator.importers.rows import Messages

NAME = "corrections.yaml"
_STEP = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\.")


@dataclass
class Correction:
    """One recorded correction."""

    file: str
    report: str
    why: str
    implementer: str = ""
    set: dict[str, Any] = field(default_factory=dict)
    delete: list[str] = field(default_factory=list)
    insert: list[dict[str, Any]] = field(default_factory=list)
    was: dict[str, Any] = field(default_factory=dict)
    fixes: list[int] = field(default_factory=list)
    used: bool = False


@dataclass
class Corrections:
    """The departments registry and the corrections, as loaded."""

    departments: dict[str, dict[str, str]] = field(default_factory=dict)
    items: list[Correction] = field(default_factory=list)
    path: Path | None = None

    def settles(self, file: str, line: int) -> bool:
        """Tell whether a correction of ``file`` settles the messages on ``line``."""
        return any(c.file == file and line in c.fixes for c in self.items)

    def matching(self, file: str, name: str, implementer: str) -> list[Correction]:
        """The corrections of one report."""
        return [c for c in self.items if c.file == file and c.report == name
                and (not c.implementer or c.implementer == implementer)]


def default_path(content: Path) -> Path:
    """Where the corrections of the content folder ``content`` are kept."""
    return content / NAME


def load(path: Path | None) -> Corrections:
    """Read the corrections file (none: no corrections); raise ``ValueError`` naming what is
    malformed."""
    if path is None:
        return Corrections()
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError("a corrections file is a mapping with departments: and corrections:")  # noqa: TRY004
    out = Corrections(departments=dict(data.get("departments") or {}), path=path)
    allowed = set(Correction.__dataclass_fields__) - {"used"}
    for number, raw in enumerate(data.get("corrections") or []):
        unknown = set(raw) - allowed
        if unknown or not {"file", "report", "why"} <= set(raw):
            raise ValueError(f"corrections[{number}]: needs file, report and why; "
                             f"unknown keys: {sorted(unknown)}")
        out.items.append(Correction(**{k: v for k, v in raw.items() if k in allowed}))
    return out


def parse_path(path: str) -> list[str | int]:
    """Split ``indicators[6].level2`` into ``['indicators', 6, 'level2']``."""
    steps: list[str | int] = []
    pos = 0
    while pos < len(path):
        match = _STEP.match(path, pos)
        if not match or match.end() == pos:
            raise ValueError(f"bad path {path!r}")
        if match.group(1):
            steps.append(match.group(1))
        elif match.group(2):
            steps.append(int(match.group(2)))
        pos = match.end()
    return steps


_MISSING = object()


def _get(data: Any, steps: list[str | int]) -> Any:
    for step in steps:
        try:
            data = data[step]
        except (KeyError, IndexError, TypeError):
            return _MISSING
    return data


def _parent(data: Any, steps: list[str | int], create: bool) -> Any:
    for step, nxt in pairwise(steps):
        if isinstance(step, str) and isinstance(data, dict) and step not in data and create:
            data[step] = [] if isinstance(nxt, int) else {}
        data = data[step]
    return data


def _show(value: Any) -> str:
    if value is _MISSING:
        return "(absent)"
    if isinstance(value, (dict, list)):
        return str(value)
    return scalar(value, flow=True)


def apply(data: dict[str, Any], items: list[Correction], msgs: Messages, line: int) -> list[str]:
    """Apply ``items`` to ``data`` in place; return the comment lines describing them."""
    comments: list[str] = []
    for item in items:
        item.used = True
        changes: list[str] = []
        try:
            for path, expected in item.was.items():
                found = _get(data, parse_path(path))
                if expected is None and found is _MISSING:
                    continue
                if found != expected and _show(found) != _show(expected):
                    raise ValueError(f"{path} reads {_show(found)}, the correction expects "
                                     f"{_show(expected)}: check it against the source")
            for path, value in item.set.items():
                steps = parse_path(path)
                old = _get(data, steps)
                parent = _parent(data, steps, create=True)
                if value is None and isinstance(parent, dict):
                    parent.pop(steps[-1], None)
                else:
                    parent[steps[-1]] = value
                changes.append(f"{path}: {_show(old)} -> {_show(value)}")
            for path in sorted(item.delete, key=lambda p: parse_path(p), reverse=True):
                steps = parse_path(path)
                old = _get(data, steps)
                del _parent(data, steps, create=False)[steps[-1]]
                changes.append(f"{path}: {_show(old)} deleted")
            for entry in item.insert:
                steps = parse_path(entry["at"])
                _parent(data, steps, create=True).insert(steps[-1], entry["value"])
                changes.append(f"{entry['at']}: inserted {_show(entry['value'])}")
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            msgs.problem(line, f"correction for {item.report!r} not applied: {exc}")
            continue
        lines = [f"corrected: {change}" for change in changes] or ["checked: kept as printed"]
        comments.append("\n".join(lines) + f"\n  why: {item.why.strip()}")
    return comments
