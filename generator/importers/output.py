"""Where imported reports go: department slugs, department files, guarded writing.

Contract: :class:`Departments` maps a 主管部门 as printed (``闵行区司法局(汇总)``) to a
department slug, from the registry in the content's ``corrections.yaml`` and the department files
already in the content folder. :func:`department_file` builds a department.yaml from
what the sources say. :func:`write` writes one imported file, and refuses to
overwrite a file that was edited by hand since it was imported (its fingerprint no
longer matches) or that the importer did not write at all: hand edits belong in
``corrections.yaml``, where every import applies them again.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import yaml

from generator.importers.rows import Messages, cell, tight
from generator.importers.slugs import words

MARK = "# Imported by `disclose import`"
_FINGER = "# fingerprint: "


def plain_name(printed: str) -> str:
    """A department name without spaces and without a trailing (汇总)/(本级)/(部门)."""
    return re.sub(r"\((汇总|本级|部门)\)$", "", tight(printed))


class Departments:
    """Department slugs by name, from the registry and the content folder."""

    def __init__(self, content: Path, registry: dict[str, dict[str, str]]) -> None:
        self.info: dict[str, dict[str, Any]] = {}
        self.hand: set[str] = set()
        for slug, entry in sorted(registry.items()):
            self.info[slug] = dict(entry)
        for path in sorted((content / "departments").glob("*/department.yaml")):
            slug = path.parent.name
            try:
                text = path.read_text(encoding="utf-8")
                data = yaml.safe_load(text) or {}
            except (OSError, yaml.YAMLError):
                continue
            if not text.startswith(MARK):
                self.hand.add(slug)
            merged = {**data, **self.info.get(slug, {})}
            merged["aliases"] = sorted(set(data.get("aliases") or []))
            self.info[slug] = merged

    def slug_for(self, printed: str) -> str | None:
        """Find the slug of the department printed as ``printed``."""
        wanted = plain_name(printed)
        for slug, entry in self.info.items():
            names = [entry.get("name", ""), entry.get("short_name", ""), *(entry.get("aliases") or [])]
            if wanted and wanted in {plain_name(n) for n in names if n}:
                return slug
        return None

    def new_slug(self, printed: str) -> str:
        """Make a slug for a department the registry does not know, and remember it."""
        name = plain_name(printed)
        slug = "-".join(words(name)) or "department"
        self.info.setdefault(slug, {"name": name})
        return slug


def department_file(entry: dict[str, Any], printed: set[str], budget: Any) -> dict[str, Any]:
    """The department.yaml data: registry and earlier file, spellings seen, budget chapters."""
    name = entry.get("name") or plain_name(next(iter(sorted(printed)), ""))
    aliases = set(entry.get("aliases") or []) | {cell(p).replace(" ", "") for p in printed}
    aliases.discard(name)
    data: dict[str, Any] = {"name": name}
    for field in ("short_name", "region"):
        if entry.get(field):
            data[field] = entry[field]
    if aliases:
        data["aliases"] = sorted(aliases)
    for field in ("functions", "structure"):
        value = getattr(budget, field, "") if budget else ""
        if value or entry.get(field):
            data[field] = value or entry[field]
    units = (budget.units if budget else None) or entry.get("units")
    if units:
        data["units"] = units
    return data


def fingerprint(body: str) -> str:
    """A short hash of a written file's body, to notice edits made by hand."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:16]


def with_header(source: str, body: str) -> str:
    """Put the import header (origin, warning, fingerprint) in front of ``body``."""
    head = (f"{MARK} from {source}.\n"
            "# Do not edit: the next import refuses to overwrite a hand-edited file.\n"
            "# Record changes in corrections.yaml at the top of the content folder instead.\n")
    return f"{head}{_FINGER}{fingerprint(body)}\n{body}"


def state(path: Path) -> str:
    """Tell what stands at ``path``: ``absent``, ``ours`` (unedited), ``edited`` or ``foreign``."""
    if not path.exists():
        return "absent"
    text = path.read_text(encoding="utf-8")
    if not text.startswith(MARK):
        return "foreign"
    _, sep, body = text.partition("\n" + _FINGER)
    if not sep:
        return "edited"
    stamp, _, rest = body.partition("\n")
    return "ours" if stamp.strip() == fingerprint(rest) else "edited"


def write(path: Path, text: str, msgs: Messages, line: int, shown: str) -> str:
    """Write ``text`` to ``path`` unless that would undo a hand edit; say what happened."""
    found = state(path)
    if found == "edited":
        msgs.problem(line, f"{shown} was edited by hand since it was imported; not overwritten: "
                     "move the edit into corrections.yaml (or delete the file) and import again")
        return "refused"
    if found == "foreign":
        msgs.problem(line, f"{shown} exists and was not written by the importer; not overwritten")
        return "refused"
    if found == "ours" and path.read_text(encoding="utf-8") == text:
        return "unchanged"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return "written"
