"""Stage 6, index, first half: what the search index holds of each report.

Contract: ``search_records(content, translate, made)`` turns every report into one
:class:`SearchRecord` (taking a report's from ``made`` when a build kept it: see
:func:`record_keys`): what a result shows (name, URL, department, year, kind,
grade, budget and score as the pages print them), its filter values and sort
keys, and its searchable text as (field, segments) pairs, each segment a text a
query must match within (a paragraph, a cell, a name). ``Folding()`` is the table
that folds text for matching: each character NFKC-normalised and lower-cased,
white space dropped, character by character, so a piece of a text folds to a
piece of the folded text and no query can miss. ``static/search-start.js`` folds the
same way.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from markdown_it import MarkdownIt

from generator.content.facts import report_grade, total_score
from generator.content.models import DepartmentBudget, SelfEvaluation, TargetDeclaration
from generator.content.validate import Content
from generator.site_pages.render import money, number

# static/search-start.js repeats this class of characters.
WHITESPACE = "\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff"
_SPACE = re.compile(f"[{WHITESPACE}]")

# What can make one line of text more than a paragraph of itself: a block's opening, inline markup.
_OPENERS = frozenset("-+>#=~`*_|0123456789")
_INLINE = re.compile(r"[*_`\[\]<>|\\&!]")

FIELDS = ("name", "department", "implementer", "indicators", "goals", "text")
KINDS = {"self-evaluation": "绩效自评", "target-declaration": "绩效目标", "department-budget": "部门预算"}


class Folding(dict[int, str]):
    """Each character's folded form, computed on first use (``str.translate`` looks them up).
    Made per build: a table, not a cache kept by the module."""

    def __missing__(self, code: int) -> str:
        folded = _SPACE.sub("", unicodedata.normalize("NFKC", chr(code)).lower())
        self[code] = folded
        return folded


def fold(text: str, folding: Folding | None = None) -> str:
    """Fold ``text`` for matching: each character NFKC-normalised and lower-cased, white space dropped."""
    return text.translate(Folding() if folding is None else folding)


class Plain:
    """The text readers see of markdown, one segment per paragraph, heading, list item or cell;
    each distinct text parsed once per build."""

    def __init__(self) -> None:
        self.parser = MarkdownIt("commonmark", {"html": False}).enable("table")  # parsed, never rendered
        self.known: dict[str, tuple[str, ...]] = {}

    def __call__(self, markdown: str) -> tuple[str, ...]:
        found = self.known.get(markdown)
        if found is None:
            found = self.known[markdown] = self._plain(markdown)
        return found

    def _plain(self, markdown: str) -> tuple[str, ...]:
        line = markdown.rstrip("\n")
        if line and line == line.strip() and "\n" not in line and line[0] not in _OPENERS \
                and not _INLINE.search(line):
            return (line,)  # one line of plain words: a paragraph, as markdown-it would give it
        return self._parsed(markdown)

    def _parsed(self, markdown: str) -> tuple[str, ...]:
        out = []
        for token in self.parser.parse(markdown):
            if token.type == "inline":
                text = "".join(c.content for c in token.children or () if c.type in ("text", "code_inline"))
                if text.strip():
                    out.append(text)
        return tuple(out)


def plain(markdown: str) -> tuple[str, ...]:
    """The text of each paragraph, heading, list item or cell of ``markdown``, as readers see it."""
    return Plain()(markdown)


@dataclass(frozen=True)
class SearchRecord:
    """One report as the index holds it.

    path: its URL path below the site root (the department's slug first); url: its full URL;
    title: its name; department: the department's full name; year; kind: the kind in words;
    kind_key: the kind as content files name it; grade ('' when none); budget, score: as the page
    prints them ('' when none); budget_key, score_key: the amounts in 元 and points, '' when
    missing; site: the site's title; fields: the searchable text as (field, segments) pairs, a
    query matching within one segment.
    """

    path: str
    url: str
    title: str
    department: str
    year: int
    kind: str
    kind_key: str
    grade: str
    budget: str
    score: str
    budget_key: str
    score_key: str
    site: str
    fields: tuple[tuple[str, tuple[str, ...]], ...]

    @cached_property
    def columns(self) -> tuple[str, int, str, str, float, float]:
        """Its filter values and sort keys as the index's columns take them: department, year,
        kind, grade, and budget and score as floats (NaN when missing: a decimal's text gives the
        nearest float, as its Decimal would); once a record, as serve keeps its records."""
        return (self.department, self.year, self.kind, self.grade,
                float(self.budget_key) if self.budget_key else math.nan,
                float(self.score_key) if self.score_key else math.nan)

    @cached_property
    def digest(self) -> bytes:
        """What tells this record from another in the index (all the index holds of it: what a result
        shows, the searchable text, the filter values and sort keys): the parts separated by
        control characters, which content cannot hold, hashed; once a record, as serve keeps its
        records between builds."""
        parts = [self.path, self.url, self.title, self.department, str(self.year), self.kind, self.kind_key,
                 self.grade, self.budget, self.score, self.budget_key, self.score_key, self.site, "\x1d"]
        for field, segments in self.fields:
            parts += [field, "\x1e", *segments, "\x1e"]
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()


def _lines(*texts: str) -> tuple[str, ...]:
    return tuple(t for t in texts if t.strip())


def search_records(content: Content, translate: Callable[..., str],
                   made: Sequence[SearchRecord | None] | None = None) -> list[SearchRecord]:
    """Make the search record of every report, in content order, taking a report's from ``made``
    (in content order: records made before with the same settings and texts) where it is there."""
    plain_of = Plain()
    records = []
    for i, entry in enumerate(content.reports):
        found = made[i] if made else None
        if found is not None:
            records.append(found)
            continue
        m = entry.model
        dept = content.departments[m.department].model
        departments = _lines(dept.name, *([dept.short_name] if dept.short_name not in dept.name else []))
        budget: Decimal | None = None
        score: Decimal | None = None
        grade = ""
        if isinstance(m, DepartmentBudget):
            title = translate("{year}年部门预算", year=m.year)
            text = (*plain_of(m.summary), *(s for sec in m.sections for s in (sec.title, *plain_of(sec.body))),
                    *(s for table in m.tables for s in (table.title, *(r.name for r in table.rows))))
            fields = {"name": _lines(title), "text": _lines(*text)}
        else:
            title = m.name
            goals = (m.goals.planned, m.goals.achieved) if isinstance(m, SelfEvaluation) else \
                (m.goals.overall, m.goals.annual)
            fields = {"name": _lines(m.name), "implementer": _lines(m.implementer),
                      "indicators": _lines(*(i.name for i in m.indicators)),
                      "goals": tuple(p for g in goals for p in plain_of(g))}
            if isinstance(m, SelfEvaluation):
                budget, score = m.funds.total.adjusted, total_score(m)
                grade = translate(report_grade(m, content.site.grades) or "")  # 未实施 when not carried out
            elif isinstance(m, TargetDeclaration):
                budget = m.funds.requested
        fields["department"] = departments
        records.append(SearchRecord(
            entry.path, content.site.base_url + entry.path, title, dept.name, m.year,
            translate(KINDS[m.kind]), m.kind, grade,
            translate("{amount} {unit}", amount=money(budget, m.money_unit), unit=translate(m.money_unit))
            if budget is not None else "",
            number(score) if score is not None else "",
            str(budget) if budget is not None else "", str(score) if score is not None else "",
            content.site.title, tuple((f, fields[f]) for f in FIELDS if fields.get(f))))
    return records


def record_keys(content: Content) -> list[tuple[str, str]]:
    """What each report's record is made of, in content order: the Store keys of its file and of
    its department's ("" when loaded without a Store). serve keeps each record by them between
    builds while the site's settings and the interface texts stay the same (Store.records)."""
    return [(e.doc.digest, content.departments[e.model.department].doc.digest) for e in content.reports]
