"""Stage 6, index: a Pagefind search index that finds every Chinese substring, and only those.

Contract: ``search_records(content, translate)`` turns every report into one
:class:`SearchRecord` (what a result shows, its filters and sort keys, and its
searchable text); ``write_index(records, output)`` runs the Pagefind binary that
the ``pagefind`` wheel ships over one index-only document per record, written in
a scratch folder, and hands Pagefind's bundle to ``output`` under ``pagefind/``,
so the write stage stays the only writer of the site. Nothing is downloaded.
A build calls it in two halves: ``begin_index`` starts Pagefind as soon as the
records are known, ``finish_index`` waits for it after the pages are written, so
the one core Pagefind uses indexes while the pages are rendered.

Pagefind cannot update an index, so it runs only when the index's input
changed: an :class:`Index` fingerprints the documents' bytes in order, with
Pagefind's binary and this code, and a note in the cache folder
(``search-index-<output folder>.json``) says which fingerprint the site's
``pagefind/`` holds, and its files by inode. When both match, the previous
site's files are kept (hard-linked) and Pagefind is not run.
A build that does not wait (``begin_index(..., wait=False)``, for ``disclose
serve``) keeps the previous index in any case, and ``finish_index`` returns the
index still to make: ``Index.bundle()`` makes
it (its Pagefind can be killed from another thread) and
``replace_index(out, index, bundle)`` swaps it into the finished site. Within
one process (serve's rebuilds) the digest of each record's document and the
text of each markdown field are remembered, so they are made again only for
the records that changed.

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

import functools
import hashlib
import html
import json
import os
import re
import subprocess
import sys
import time
import unicodedata
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from importlib import metadata
from pathlib import Path
from typing import IO, Generic, TypeVar

from markdown_it import MarkdownIt
from pagefind.service import get_executable

from generator.content.facts import grade_of, total_score
from generator.content.models import DepartmentBudget, SelfEvaluation, TargetDeclaration
from generator.content.validate import Content
from generator.errors import OutputError
from generator.output import parallel
from generator.output.write import Output, Scratch, plain_path, replace_folder
from generator.search import bundle
from generator.search.bundle import reproducible
from generator.site_pages.render import money, number
from generator.store import read_note, stamp, write_note

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

Key = TypeVar("Key", bound=Hashable)
Value = TypeVar("Value")


class _Memo(Generic[Key, Value]):
    """Values of a pure function, kept from one round (a build) to the next within this process;
    each round keeps only the keys it used, so the memo never outgrows two builds."""

    def __init__(self) -> None:
        self.last: dict[Key, Value] = {}
        self.now: dict[Key, Value] = {}

    def round(self) -> None:
        self.last, self.now = self.now, {}

    def get(self, key: Key, make: Callable[[Key], Value]) -> Value:
        if key not in self.now:
            self.now[key] = self.last[key] if key in self.last else make(key)
        return self.now[key]


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
    return _plains.get(markdown, _plain)


def _plain(markdown: str) -> tuple[str, ...]:
    out = []
    for token in _parser.parse(markdown):
        if token.type == "inline":
            text = "".join(c.content for c in token.children or () if c.type in ("text", "code_inline"))
            if text.strip():
                out.append(text)
    return tuple(out)


_plains: _Memo[str, tuple[str, ...]] = _Memo()


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
    _plains.round()
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


_digests: _Memo[SearchRecord, bytes] = _Memo()  # the SHA-256 of each record's document


def _binary() -> Path:
    binary = get_executable()
    if binary is None:
        raise OutputError("the Pagefind binary is missing: pip install 'pagefind[extended]>=1.5'")
    return Path(binary)


@functools.cache
def _tool() -> bytes:
    """What an index depends on besides its documents: Pagefind, its options and this code."""
    binary = _binary()
    found = binary.stat()
    digest = hashlib.sha256(f"{metadata.version('pagefind')} {binary} {found.st_size} {found.st_mtime_ns} "
                            f"{LANGUAGE}".encode())
    for module in (__file__, bundle.__file__):
        digest.update(Path(module).read_bytes())
    return digest.digest()


class Index:
    """The search index of ``records``: its fingerprint at once, Pagefind's bundle on demand."""

    def __init__(self, records: Iterable[SearchRecord]) -> None:
        self.records = tuple(records)
        self._made: dict[SearchRecord, str] = {}  # documents made for the fingerprint, until bundle()
        _digests.round()
        digest = hashlib.sha256(_tool() if self.records else b"")
        for record in self.records:
            digest.update(record.path.encode("utf-8") + b"\0" + _digests.get(record, self._digest))
        self.fingerprint = digest.hexdigest()

    def _digest(self, record: SearchRecord) -> bytes:
        text = self._made[record] = document(record)
        return hashlib.sha256(text.encode("utf-8")).digest()

    def start(self, out: Path,
              started: Callable[[subprocess.Popen[bytes]], None] = lambda process: None) -> Bundling:
        """Write the records' documents and start Pagefind over them; it runs while the caller
        goes on. ``started`` is given the Pagefind process (another thread may kill it). The
        scratch folder is beside the output ``out``, where the next build removes it if this one
        is killed."""
        scratch = Scratch(out)
        log: IO[bytes] | None = None
        process: subprocess.Popen[bytes] | None = None
        try:
            docs = Path(scratch.name) / "docs"
            for record in self.records:
                path = docs / record.path / "index.html"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(self._made.pop(record, "") or document(record), encoding="utf-8")
            # a file, not a pipe, so Pagefind never blocks on it; Bundling.stop closes it
            log = (Path(scratch.name) / "log").open("w+b")
            with parallel.shielded():  # a signal is held back until what stops Pagefind is made
                process = subprocess.Popen(
                    [str(_binary()), "--site", str(docs), "--output-path", str(Path(scratch.name) / "pagefind"),
                     "--force-language", LANGUAGE, "--silent"], stdin=subprocess.DEVNULL, stdout=log, stderr=log)
                scratch.hold(process.pid)
                started(process)
                bundling = Bundling(process, scratch, log)
        except BaseException:
            if process is not None:
                process.kill()
                process.wait()
            if log is not None:
                log.close()
            scratch.cleanup()
            raise
        return bundling

    def bundle(self, out: Path,
               started: Callable[[subprocess.Popen[bytes]], None] = lambda process: None) -> dict[str, bytes]:
        """Run Pagefind over the records' documents (for output ``out``); return its bundle,
        reproducible, by path."""
        return self.start(out, started).files()


class Bundling:
    """Pagefind at work on an index in a scratch folder: :meth:`files` waits for its bundle,
    :meth:`stop` kills it; either way the scratch folder is removed."""

    def __init__(self, process: subprocess.Popen[bytes], scratch: Scratch,
                 log: IO[bytes]) -> None:
        self.process, self.scratch, self.log = process, scratch, log
        self.began = time.perf_counter()
        self.seconds = 0.0  # how long Pagefind ran, once it is done

    def files(self) -> dict[str, bytes]:
        """Wait for Pagefind; return its bundle, reproducible, by path."""
        try:
            code = self.process.wait()
            self.seconds = time.perf_counter() - self.began
            if code != 0:
                self.log.seek(0)
                said = self.log.read().decode("utf-8", "replace").strip()
                raise OutputError(f"pagefind failed to index the site: {said or f'exit {self.process.returncode}'}")
            out = Path(self.scratch.name) / "pagefind"
            return reproducible({p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*")
                                 if p.is_file() and not _UNUSED.match(p.name)})
        finally:
            self.stop()

    def stop(self) -> None:
        """Kill Pagefind if it still runs and remove the scratch folder."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.log.close()
        self.scratch.cleanup()


def _files(folder: Path) -> list[str]:
    """The paths of the files below ``folder``, sorted."""
    return sorted(os.path.relpath(os.path.join(top, name), folder)
                  for top, _, names in os.walk(folder) for name in names)


def _remember(out: Path, index: Index, folder: Path) -> None:
    """Note that ``folder`` (the site's ``pagefind/``, or what becomes it) holds the bundle of ``index``."""
    files = {name: found for name in _files(folder) if (found := stamp(f"{folder}/{name}"))}
    write_note(out, "search-index", {"fingerprint": index.fingerprint, "files": files})


def _held(output: Output, index: Index) -> list[str] | None:
    """The files of the previous site's ``pagefind/`` when they are, whole, the index of ``index``."""
    if output.previous is None:
        return None
    try:
        note = read_note(output.out, "search-index")
        if note["fingerprint"] != index.fingerprint:
            return None
        for name, known in note["files"].items():
            if not plain_path(name):
                return None  # a damaged note
            if stamp(f"{output.previous}/pagefind/{name}") != known:
                return None  # not the file the note describes: another build wrote it
        return list(note["files"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # no note, or a damaged one: index again


@dataclass
class Pending:
    """A build's search index, begun early so Pagefind runs beside the rest of the build:
    ``held``, the previous site's files when they are already this index; ``job``, Pagefind
    at work when the build waits for the index."""

    index: Index
    held: list[str] | None
    job: Bundling | None


def begin_index(records: Iterable[SearchRecord], output: Output, wait: bool = True) -> Pending | None:
    """Fingerprint the index of ``records``; start Pagefind on it unless ``output``'s previous site
    holds it or the caller does not ``wait`` for it. None when there is nothing to index."""
    index = Index(records)
    if not index.records:
        return None  # Pagefind refuses an empty site; the search page says there is nothing to find
    held = _held(output, index)
    return Pending(index, held, index.start(output.out) if held is None and wait else None)


def finish_index(pending: Pending | None, output: Output) -> Index | None:
    """Give ``output`` the index begun by :func:`begin_index` under ``pagefind/``. Return None
    when it has it; for a build that does not wait, return the index still to make, the
    previous one kept meanwhile."""
    if pending is None:
        return None
    if pending.job is not None:
        files = pending.job.files()
        for name in sorted(files):
            output.write_bytes(f"pagefind/{name}", files[name])
        _remember(output.out, pending.index, output.tmp / "pagefind")
        return None
    # Keep the previous site's files: the index of these records, or else the last one made.
    if output.previous is not None:
        held = pending.held if pending.held is not None else _files(output.previous / "pagefind")
        output.keep_folder("pagefind", held)
    return None if pending.held is not None else pending.index


def write_index(records: Iterable[SearchRecord], output: Output, wait: bool = True) -> Index | None:
    """:func:`begin_index` then :func:`finish_index`."""
    return finish_index(begin_index(records, output, wait), output)


def replace_index(out: Path, index: Index, files: dict[str, bytes]) -> None:
    """Swap ``files``, the bundle of ``index``, in for the ``pagefind/`` of the finished site ``out``.
    The caller keeps builds of ``out`` from running meanwhile."""
    replace_folder(out, "pagefind", files)
    _remember(out, index, out / "pagefind")
