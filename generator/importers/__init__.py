"""``disclose import``: source documents -> content YAML files, one per report.

Contract: :func:`run_import` reads every given file into rows of cells
(:mod:`~generator.importers.readers` picks the reader by the file's bytes: the text
layouts of :mod:`~generator.importers.textforms` and :mod:`~generator.importers.spaced`,
the Excel and Word readers of :mod:`~generator.importers.office`, the PDF reader of
:mod:`~generator.importers.pdf`), finds every report in it
(:mod:`~generator.importers.forms`, :mod:`~generator.importers.budget`), applies the
recorded hand corrections (:mod:`~generator.importers.corrections`), names the files
(:mod:`~generator.importers.slugs`) and writes them under
``<content>/departments/<dept>/`` (:mod:`~generator.importers.output`), with the
department files, the corrections kept with the content (``<content>/corrections.yaml``).
Everything is read before anything is written: when a file cannot be read or holds no
form, nothing at all is written; a form that cannot be read writes nothing of its own.
Messages go to stderr as ``file:line: what``; one summary line goes
to stdout. The exit code is 1 when a problem was met that no correction settles.
Importing the same files twice writes the same bytes.
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generator.importers import corrections as fixes
from generator.importers.budget import DepartmentInfo, read_budget
from generator.importers.emit import dump
from generator.importers.forms import BUDGET, DECLARATION, SELF_EVALUATION, Parsed, read_form, split
from generator.importers.output import Departments, department_file, with_header, write
from generator.importers.readers import read_rows
from generator.importers.rows import Message, Messages
from generator.importers.slugs import assign, prefixes

ORDER = {
    SELF_EVALUATION: ("kind", "year", "name", "department", "implementer", "leader", "phone",
                      "finance_leader", "money_unit", "funds", "goals", "indicators", "total",
                      "background", "conclusion", "problems", "improvements", "source"),
    DECLARATION: ("kind", "year", "name", "department", "implementer", "nature", "category",
                  "period", "money_unit", "funds", "goals", "indicators", "source"),
    BUDGET: ("kind", "year", "department", "money_unit", "summary", "sections", "tables", "source"),
}
KIND_NAMES = {SELF_EVALUATION: "self-evaluation", DECLARATION: "target declaration",
              BUDGET: "department budget"}


@dataclass
class Item:
    """One report on its way to a file."""

    parsed: Parsed
    file: str
    msgs: Messages
    dept: str
    comments: list[str] = field(default_factory=list)
    rel: str = ""


def _finish(item: Item) -> dict[str, Any]:
    """The report's data in the format's key order, with its department and source."""
    data = dict(item.parsed.data)
    data["department"] = item.dept
    data["source"] = f"{item.file}:{item.parsed.first}-{item.parsed.last}"
    for optional in ("leader", "phone", "finance_leader"):
        if not data.get(optional):
            data.pop(optional, None)
    return {k: data[k] for k in ORDER[item.parsed.kind] if k in data}


def progress(text: str) -> None:
    """Show how the reading of a large file goes (stderr, flushed at once)."""
    print(f"import: {text}", file=sys.stderr, flush=True)


def _read(path: Path, depts: Departments, forced: str | None, book: fixes.Corrections,
          infos: dict[str, list[DepartmentInfo]], printed: dict[str, set[str]]) -> tuple[Messages, list[Item]]:
    msgs = Messages(path.name)
    items: list[Item] = []
    try:
        _layout, rows = read_rows(path, msgs, progress)
    except (OSError, ValueError) as exc:
        msgs.problem(1, f"cannot read: {exc}")
        return msgs, items
    for kind, chunk in split(rows):
        info = None
        try:
            if kind == BUDGET:
                parsed, info = read_budget(chunk, msgs)
            elif kind:
                parsed = read_form(kind, chunk, msgs)
            else:
                continue  # text before the first form (an annex title): nothing to import
        except (IndexError, KeyError, ValueError, StopIteration) as exc:
            # A form laid out in a way the readers do not know: say where, keep going.
            msgs.problem(chunk[0].line, f"cannot read this {kind} form ({type(exc).__name__}: {exc}); "
                         "skipped")
            continue
        if parsed is None:
            continue
        slug = forced or depts.slug_for(parsed.dept_text)
        if slug is None:
            slug = depts.new_slug(parsed.dept_text)
            msgs.note(parsed.first, f"department {parsed.dept_text!r} not known: new slug {slug!r}")
        printed.setdefault(slug, set()).add(parsed.dept_text)
        if info is not None:
            infos.setdefault(slug, []).append(info)
        item = Item(parsed, path.name, msgs, slug)
        found = book.matching(path.name, parsed.name, str(parsed.data.get("implementer", "")))
        item.comments = fixes.apply(parsed.data, found, msgs, parsed.first)
        items.append(item)
    if not items:
        msgs.problem(1, "no 绩效自评表, 绩效目标申报表 or 部门预算 found in this file")
    return msgs, items


def _place(items: list[Item], depts: Departments, msgs_of: dict[str, Messages]) -> list[Item]:
    """Drop reports printed twice, then give every report its path under content/."""
    kept: list[Item] = []
    seen: dict[str, Item] = {}
    for item in items:
        body = dump({k: v for k, v in _finish(item).items() if k != "source"})
        if body in seen:
            first = seen[body]
            item.msgs.note(item.parsed.first, f"{item.parsed.name!r} is printed twice "
                           f"(same as {first.file}:{first.parsed.first}); written once")
            continue
        seen[body] = item
        kept.append(item)
    folders: dict[tuple[str, int], list[Item]] = defaultdict(list)
    for item in kept:
        year = item.parsed.data.get("year")
        if item.parsed.kind == BUDGET:
            item.rel = f"departments/{item.dept}/budget-{year}.yaml"
        else:
            folders[(item.dept, year or 0)].append(item)
    for (dept, year), group in sorted(folders.items()):
        entry = depts.info.get(dept, {})
        drop = prefixes(entry.get("name", ""), entry.get("region", ""))
        slugs = assign([i.parsed.name for i in group],
                       [str(i.parsed.data.get("implementer", "")) for i in group], drop)
        for item, slug in zip(group, slugs):
            item.rel = f"departments/{dept}/projects/{year}/{slug}.yaml"
    return kept


def run_import(files: list[Path], content: Path, department: str | None, *,
               corrections: Path | None = None) -> int:
    """Import ``files`` into the content folder ``content``; return the exit code.

    ``department`` files every report under that slug instead of the one its 主管部门
    names; ``corrections`` is the corrections file (default: ``corrections.yaml`` at the
    top of ``content``, when there is one).
    """
    where = corrections
    if where is None and fixes.default_path(content).is_file():
        where = fixes.default_path(content)
    try:
        book = fixes.load(where)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        print(f"{where}:1: cannot read the corrections: {exc}", file=sys.stderr)
        return 1
    depts = Departments(content, book.departments)
    infos: dict[str, list[DepartmentInfo]] = {}
    printed: dict[str, set[str]] = {}
    all_msgs: dict[str, Messages] = {}
    items: list[Item] = []
    failed: list[str] = []
    for path in sorted(files, key=lambda p: p.name):
        msgs, found = _read(path, depts, department, book, infos, printed)
        all_msgs[path.name] = msgs
        items += found
        if not found:
            failed.append(path.name)
    if failed:  # read everything, then write: a file that fails means nothing is written
        for name in failed:
            all_msgs[name].problem(1, "nothing was imported from this file, so nothing is written: "
                                   "fix or leave out the file and import again")
        return _report(all_msgs, book, [], Counter())
    for correction in book.items:
        if correction.file in all_msgs and not correction.used:
            all_msgs[correction.file].problem(
                1, f"correction for {correction.report!r} matches no report (stale?)")
    kept = _place(items, depts, all_msgs)
    outcome: Counter[str] = Counter()
    for item in kept:
        body = dump(_finish(item), item.comments)
        text = with_header(f"{item.file}:{item.parsed.first}-{item.parsed.last}", body)
        outcome[write(content / item.rel, text, item.msgs, item.parsed.first, item.rel)] += 1
    for slug in sorted(printed):
        budget = infos[slug][-1] if infos.get(slug) else None
        if slug in depts.hand:
            continue  # a department file written by hand is the publisher's: never touched
        data = department_file(depts.info.get(slug, {}), printed[slug], budget)
        sources = sorted({i.file for i in kept if i.dept == slug})
        text = with_header(", ".join(sources), dump(data))
        rel = f"departments/{slug}/department.yaml"
        first = all_msgs[sources[0]] if sources else Messages("import")
        outcome[write(content / rel, text, first, 1, rel)] += 1
    return _report(all_msgs, book, kept, outcome)


def _report(all_msgs: dict[str, Messages], book: fixes.Corrections, kept: list[Item],
            outcome: Counter[str]) -> int:
    messages: list[Message] = []
    for msgs in all_msgs.values():
        for m in msgs.items:
            if book.settles(m.file, m.line):
                m = Message(m.file, m.line, f"{m.text} (settled by a correction)", False)
            messages.append(m)
        for c in book.items:
            stale = [n for n in c.fixes if c.file == msgs.file
                     and not any(m.line == n for m in msgs.items)]
            for n in stale:
                messages.append(Message(msgs.file, n, f"correction for {c.report!r} lists line {n} "
                                        "but nothing was reported there", False))
    for m in sorted(messages):
        print(m, file=sys.stderr)
    kinds = Counter(i.parsed.kind for i in kept)
    problems = sum(1 for m in messages if m.problem)
    counts = ", ".join(f"{kinds[k]} {KIND_NAMES[k]}{'s' if kinds[k] != 1 else ''}"
                       for k in ORDER if kinds[k])
    counts = f" ({counts})" if counts else ""
    files = f"{len(all_msgs)} file{'s' if len(all_msgs) != 1 else ''}"
    if not outcome and problems:
        print(f"imported nothing from {files}: {problems} problems, {len(messages) - problems} notes; "
              "no file written")
        return 1
    print(f"imported {len(kept)} reports{counts} from {files}: "
          f"{outcome['written']} written, {outcome['unchanged']} unchanged, "
          f"{outcome['refused']} refused; {problems} problems, "
          f"{len(messages) - problems} notes")
    return 1 if problems else 0
