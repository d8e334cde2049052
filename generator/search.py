"""Stage 6, index: a Pagefind search index that finds every Chinese substring, and only those.

Contract: ``search_records(content, translate)`` turns every report into one
:class:`SearchRecord` (what a result shows, its filters and sort keys, and its
searchable text); ``write_index(records, output)`` runs the Pagefind binary that
the ``pagefind`` wheel ships over one index-only document per record, written in
a scratch folder, and hands Pagefind's bundle to ``output`` under ``pagefind/``,
so the write stage stays the only writer of the site. Nothing is downloaded.

Why not Pagefind's own Chinese: its segmenter cuts words one way at build time
and the browser cuts the query another way, so substrings go missing and the
pieces of a query match anywhere on a page. Here every searchable text is
folded (NFKC, lower case, white space removed, character by character) and
written as opaque Latin tokens, one per UTF-16 code unit paired with the unit
after it (a bigram; the last unit of a segment pairs with an end mark). The
script ``static/search.js`` folds the query the same way: one unit searches the
tokens that start with it, two or more search the phrase of their bigrams, which
Pagefind matches at consecutive positions, so every result holds the query as
one piece. The original text travels as metadata, where the script checks the
match once more and marks it.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
import tempfile
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from markdown_it import MarkdownIt
from pagefind.service import get_executable

from generator.aggregate import grade_of, total_score
from generator.bundle import reproducible
from generator.errors import OutputError
from generator.models import DepartmentBudget, SelfEvaluation, TargetDeclaration
from generator.render import money, number
from generator.validate import Content
from generator.write import Output

# Both sides must agree on these; static/search.js repeats them.
ALPHABET = "bcdfghjklmnpqrst"  # 16 consonants: a token never spells a word of the text
MARK = "z"
END = 0  # the unit a segment's last unit pairs with (U+0000 never occurs in content)
WHITESPACE = "\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff"
_SPACE = re.compile(f"[{WHITESPACE}]")

LANGUAGE = "zh-cn"  # tokens are language-neutral; one fixed index language lets sites merge
FIELDS = ("name", "department", "implementer", "indicators", "goals", "text")
WEIGHTS = {"name": 10, "department": 4, "implementer": 3, "indicators": 2, "goals": 1, "text": 1}
_KINDS = {"self-evaluation": "绩效自评", "target-declaration": "绩效目标", "department-budget": "部门预算"}
# Pagefind's own interfaces, which the site does not use: not copied into the site.
_UNUSED = re.compile(r"^pagefind-(ui|modular-ui|component-ui|highlight)\.")

_parser = MarkdownIt("commonmark", {"html": False}).enable("table")  # parsed to text, never rendered


class _Folding(dict[int, str]):
    """Each character's folded form, computed on first use (str.translate looks them up)."""

    def __missing__(self, code: int) -> str:
        folded = _SPACE.sub("", unicodedata.normalize("NFKC", chr(code)).lower())
        self[code] = folded
        return folded


_FOLDING = _Folding()
_UTF16 = "utf-16-le" if sys.byteorder == "little" else "utf-16-be"  # read back as native shorts
_CODES = ["".join(ALPHABET[unit >> shift & 15] for shift in (12, 8, 4, 0)) for unit in range(0x10000)]


def fold(text: str) -> str:
    """Fold ``text`` for matching: each character NFKC-normalised and lower-cased, white space dropped."""
    return text.translate(_FOLDING)


def code_units(text: str) -> list[int]:
    """The UTF-16 code units of ``text``, as JavaScript strings hold it."""
    return memoryview(text.encode(_UTF16, "surrogatepass")).cast("H").tolist()


def tokens(segment: str) -> list[str]:
    """The index tokens of one segment of text: each folded unit with the unit after it."""
    codes = [_CODES[unit] for unit in code_units(fold(segment))]
    return [MARK + a + b for a, b in zip(codes, [*codes[1:], _CODES[END]])]


def plain(markdown: str) -> tuple[str, ...]:
    """The text of each paragraph, heading, list item or cell of ``markdown``, as readers see it."""
    out = []
    for token in _parser.parse(markdown):
        if token.type == "inline":
            text = "".join(c.content for c in token.children or () if c.type in ("text", "code_inline"))
            if text.strip():
                out.append(text)
    return tuple(out)


@dataclass(frozen=True)
class SearchRecord:
    """One report as the index holds it.

    path: its URL path below the site root; url: its full URL; title: its name; department: the
    department's full name; year; kind: the kind in words; grade ('' when none); budget, score:
    as the page prints them ('' when none); budget_key, score_key: sort keys in 元 and points,
    -1 when missing, so no report drops out of a sort; site: the site's title; fields: the
    searchable text as (field, segments) pairs, a query matching within one segment.
    """

    path: str
    url: str
    title: str
    department: str
    year: int
    kind: str
    grade: str
    budget: str
    score: str
    budget_key: str
    score_key: str
    site: str
    fields: tuple[tuple[str, tuple[str, ...]], ...]


def _lines(*texts: str) -> tuple[str, ...]:
    return tuple(t for t in texts if t.strip())


def search_records(content: Content, translate: Callable[..., str]) -> list[SearchRecord]:
    """Make the search record of every report, in content order."""
    records = []
    for entry in content.reports:
        m = entry.model
        dept = content.departments[m.department].model
        departments = _lines(dept.name, *([dept.short_name] if dept.short_name not in dept.name else []))
        budget: Decimal | None = None
        score: Decimal | None = None
        if isinstance(m, DepartmentBudget):
            title = translate("{year}年部门预算", year=m.year)
            text = (*plain(m.summary), *(s for sec in m.sections for s in (sec.title, *plain(sec.body))),
                    *(s for table in m.tables for s in (table.title, *(r.name for r in table.rows))))
            fields = {"name": _lines(title), "text": _lines(*text)}
        else:
            title = m.name
            goals = (m.goals.planned, m.goals.achieved) if isinstance(m, SelfEvaluation) else \
                (m.goals.overall, m.goals.annual)
            fields = {"name": _lines(m.name), "implementer": _lines(m.implementer),
                      "indicators": _lines(*(i.name for i in m.indicators)),
                      "goals": tuple(p for g in goals for p in plain(g))}
            if isinstance(m, SelfEvaluation):
                budget, score = m.funds.total.adjusted, total_score(m)
            elif isinstance(m, TargetDeclaration):
                budget = m.funds.requested
        fields["department"] = departments
        grade = grade_of(score, content.site.grades) or ""
        records.append(SearchRecord(
            entry.path, content.site.base_url + entry.path, title, dept.name, m.year,
            translate(_KINDS[m.kind]), grade,
            f"{money(budget, m.money_unit)} {translate(m.money_unit)}" if budget is not None else "",
            number(score) if score is not None else "",
            str(budget) if budget is not None else "-1", str(score) if score is not None else "-1",
            content.site.title, tuple((f, fields[f]) for f in FIELDS if fields.get(f))))
    return records


def _tag(attribute: str, key: str, value: str) -> str:
    return f'<span {attribute}="{key}[data-value]" data-value="{html.escape(value)}"></span>'


def document(record: SearchRecord) -> str:
    """The index-only HTML page of one record: metadata, filters, sort keys and the tokens."""
    meta = {"title": record.title, "url": record.url, "department": record.department,
                            "year": str(record.year), "kind": record.kind, "grade": record.grade,
                            "budget": record.budget, "score": record.score, "site": record.site,
                            "budget_key": record.budget_key, "score_key": record.score_key,
                            "fields": json.dumps(dict(record.fields), ensure_ascii=False)}
    filters = {"department": record.department, "year": str(record.year), "kind": record.kind,
               "grade": record.grade, "site": record.site}
    body = [f'<p data-pagefind-weight="{WEIGHTS[field]}">{" ".join(t for s in segments for t in tokens(s))}</p>'
            for field, segments in record.fields]
    return "\n".join([
        f'<!doctype html>\n<html lang="{LANGUAGE}"><head><meta charset="utf-8"><title></title></head><body>',
        *(_tag("data-pagefind-meta", k, v) for k, v in meta.items() if v),
        *(_tag("data-pagefind-filter", k, v) for k, v in filters.items() if v),
        _tag("data-pagefind-sort", "budget", record.budget_key),
        _tag("data-pagefind-sort", "score", record.score_key),
        "<main data-pagefind-body>", *body, "</main></body></html>", "",
    ])


def write_index(records: Iterable[SearchRecord], output: Output) -> int:
    """Index ``records`` with Pagefind and write its bundle to ``pagefind/``; return the bundle's file count."""
    records = list(records)
    if not records:
        return 0  # Pagefind refuses an empty site; the search page says there is nothing to find
    binary = get_executable()
    if binary is None:
        raise OutputError("the Pagefind binary is missing: pip install 'pagefind[extended]>=1.5'")
    with tempfile.TemporaryDirectory(prefix="disclose-index-") as scratch:
        docs, bundle = Path(scratch) / "docs", Path(scratch) / "pagefind"
        for record in records:
            path = docs / record.path / "index.html"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(document(record), encoding="utf-8")
        run = subprocess.run(
            [str(binary), "--site", str(docs), "--output-path", str(bundle),
             "--force-language", LANGUAGE, "--silent"],
            capture_output=True, text=True, check=False)
        if run.returncode != 0:
            raise OutputError(f"pagefind failed to index the site: {(run.stderr or run.stdout).strip()}")
        files = reproducible({p.relative_to(bundle).as_posix(): p.read_bytes() for p in bundle.rglob("*")
                              if p.is_file() and not _UNUSED.match(p.name)})
    for name in sorted(files):
        output.write_bytes(f"pagefind/{name}", files[name])
    return len(files)
