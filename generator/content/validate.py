"""Stage 2, validate: turn loaded documents into typed, cross-checked content.

Contract: ``validate(root, documents)`` returns a :class:`Content` when every
file is valid, and raises :class:`BuildAborted` with *all* problems otherwise:
schema errors mapped to the file, line and column of the field at fault, files
in unexpected places, slugs that are not ASCII, a folder year or department that
disagrees with the file, unknown departments, and two files claiming one URL.
Messages teach: a misspelt key gets the closest valid one, at the key; a value
that is not a number is quoted with what to write instead. A report, department
or page whose file says ``draft: true`` is not validated further: it is listed
in ``Content.drafts`` and left out of the site.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from functools import cached_property
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from generator.content.load import Document, Loaded, Loc
from generator.content.models import (
    REPORT_MODELS,
    Department,
    DepartmentBudget,
    PageMeta,
    Report,
    SelfEvaluation,
    SiteConfig,
    TargetDeclaration,
)
from generator.errors import BuildAborted, ContentError

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")
RESERVED = frozenset({"search", "audit", "data", "static", "budget", "404", "sitemap"})
_PROJECT = re.compile(r"^departments/([^/]+)/projects/([^/]+)/([^/]+)\.yaml$")
_BUDGET = re.compile(r"^departments/([^/]+)/budget-([^/]+)\.yaml$")
_DEPARTMENT = re.compile(r"^departments/([^/]+)/department\.yaml$")
_PAGE = re.compile(r"^pages/([^/]+)\.md$")

_MESSAGES = {
    "missing": "required field is missing",
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "string_type": "must be text",
    "dict_type": "must be a mapping of fields",
    "model_type": "must be a mapping of fields",
    "tuple_type": "must be a list",
    "date_from_datetime_parsing": "must be a date like 2024-01-31",
    "date_from_datetime_inexact": "must be a date like 2024-01-31",
    "date_parsing": "must be a date like 2024-01-31",
    "date_type": "must be a date like 2024-01-31",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "finite_number": "must be a number, not .nan or .inf",
    "string_too_short": "must not be empty",
}
_PATTERNS = {
    r"^[a-z0-9][a-z0-9-]*$": "must be a department's folder name: lower-case ASCII letters, digits and -",
    r"^[a-z0-9][a-z0-9_-]*$": "must be a folder name under themes/: lower-case ASCII letters, digits, - and _",
    r"^(\d+( \d+)*)?$": "must be the 类 款 项 codes as digits separated by single spaces, like 204 06 01",
}


@dataclass(frozen=True)
class DepartmentEntry:
    slug: str
    model: Department
    doc: Document


@dataclass(frozen=True)
class ReportEntry:
    """A validated report and where it came from; ``slug`` is ``budget`` for a budget."""

    slug: str
    model: Report
    doc: Document

    @property
    def kind(self) -> str:
        return self.model.kind

    @cached_property  # asked for hundreds of thousands of times in a build of 10,000 reports
    def path(self) -> str:
        """The report's URL path below the site root, ending in ``/``."""
        m = self.model
        if isinstance(m, DepartmentBudget):
            return f"{m.department}/budget/{m.year}/"
        return f"{m.department}/{m.year}/{self.slug}/"


@dataclass(frozen=True)
class PageEntry:
    slug: str
    meta: PageMeta
    doc: Document


@dataclass(frozen=True)
class Content:
    """Everything a build needs, validated and sorted."""

    root: Path
    site: SiteConfig
    site_doc: Document
    departments: dict[str, DepartmentEntry]
    reports: tuple[ReportEntry, ...]
    pages: tuple[PageEntry, ...]
    drafts: tuple[str, ...] = ()  # the files marked draft: true, as messages show them

    def slim(self) -> Content:
        """This content with its reports' documents kept without their data (their models hold it)."""
        return replace(self, reports=tuple(replace(r, doc=r.doc.slim()) for r in self.reports))

    def of_kind(self, *kinds: str) -> list[ReportEntry]:
        return [r for r in self.reports if r.kind in kinds]


def model_errors(doc: Document, exc: ValidationError, prefix: tuple[str | int, ...] = (),
                 model: type[BaseModel] | None = None) -> list[ContentError]:
    """Map pydantic errors to file:line:col errors; ``model`` (validated at ``prefix``) names the
    valid keys of a misspelt one, and the error points at the key."""
    out = []
    for err in exc.errors(include_url=False):
        loc = (*prefix, *(p for p in err["loc"] if isinstance(p, (str, int))))
        if err["type"] == "extra_forbidden":
            fields = _fields_at(model, loc[len(prefix):-1]) if model else {}
            out.append(doc.error(loc, _unknown(str(loc[-1]), fields), at_key=True))
        else:
            out.append(doc.error(loc, _message(err, loc)))
    return out


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model a field holds, itself or inside ``X | None``, ``tuple[X, ...]``, ``Annotated``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found:
            return found
    return None


def _fields_at(model: type[BaseModel] | None, loc: Loc) -> dict[str, str]:
    """The keys (with their descriptions) a mapping at ``loc`` of a ``model`` document may hold."""
    for part in loc:
        if model is None or isinstance(part, int):
            continue  # a list's item: the item's model came with the list's field
        field = model.model_fields.get(part)
        model = _model_in(field.annotation) if field else None
    return {name: f.description or "" for name, f in model.model_fields.items()} if model else {}


def _unknown(key: str, fields: dict[str, str]) -> str:
    """An unknown key: the one meant, found by its spelling or by the form's term, or the keys allowed."""
    plain = key.strip()
    close = difflib.get_close_matches(plain, list(fields), n=1, cutoff=0.6)
    close += [name for name, text in fields.items() if len(plain) > 1 and not plain.isascii()
              and re.match(rf"(其中：)?{re.escape(plain)}\b", text)]
    if close:
        return f"unknown field: did you mean {close[0]}?"
    if fields:
        return f"unknown field: the fields here are {', '.join(fields)}"
    return "unknown field (check its spelling against the content format)"


_CN_DIGITS = {**{c: i for i, c in enumerate("零一二三四五六七八九")}, "〇": 0, "两": 2}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}


def chinese_number(text: str) -> int | None:
    """The value of a number written in Chinese numerals (十万, 三千五百, 一亿二千万), or None."""
    total = section = 0
    digit: int | None = None
    for char in text.removesuffix("元"):
        if char in _CN_DIGITS:
            digit = _CN_DIGITS[char]
        elif char in _CN_UNITS:
            section += (1 if digit is None else digit) * _CN_UNITS[char]
            digit = None
        elif char == "万":
            total += (section + (digit or 0)) * 10_000
            section, digit = 0, None
        elif char == "亿":
            total = (total + section + (digit or 0)) * 100_000_000
            section, digit = 0, None
        else:
            return None
    return total + section + (digit or 0) if text else None


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _number_hint(value: Any, field: str | int) -> str:
    """What to write instead of a value that is not a number."""
    if not isinstance(value, str):
        return "must be a number"
    text, shown = value.strip(), '"' + value + '"'
    percent = _decimal(text.removesuffix("%").strip()) if text.endswith("%") else None
    if percent is not None:
        if field == "rate":
            return f"{shown}: a rate is a ratio, write {percent.scaleb(-2)}"
        return f"{shown}: write the number without %, as {percent}"
    unit = re.fullmatch(r"([0-9.,]+)\s*(万元|万|元)", text)
    if unit and (number := _decimal(unit.group(1).replace(",", ""))) is not None:
        if unit.group(2) == "元":
            return f"{shown}: write the figure without its unit, {number} (the file's money_unit: 元)"
        return (f"{shown}: write the figure without its unit: {number} in a file of money_unit: 万元, "
                f"{number * 10000} in one of money_unit: 元")
    if (number := _decimal(text.replace(",", ""))) is not None:
        return f"{shown}: write the figure without separators, {number}"
    if (whole := chinese_number(text)) is not None:
        return f"{shown}: write the figure, e.g. {whole}"
    return f"{shown}: must be a number written in digits, e.g. 12880.00"


def _message(err: ErrorDetails, loc: Loc = ()) -> str:
    """Say what is wrong in a publisher's words rather than pydantic's."""
    kind, ctx = err["type"], err.get("ctx", {})
    if kind in ("decimal_parsing", "decimal_type"):
        return _number_hint(err.get("input"), loc[-1] if loc else "")
    if kind in _MESSAGES:
        return _MESSAGES[kind]
    if kind == "greater_than_equal":
        return "must not be negative" if ctx["ge"] == 0 else f"must be at least {ctx['ge']}"
    if kind == "less_than_equal":
        return f"must be at most {ctx['le']}"
    if kind == "literal_error":
        return f"must be {ctx['expected']}"
    if kind == "string_pattern_mismatch":
        return _PATTERNS.get(ctx["pattern"], f"must match the pattern {ctx['pattern']}")
    message = err["msg"].removeprefix("Value error, ")
    return message[:1].lower() + message[1:]


def _parse(doc: Document, model: type[BaseModel], errors: list[ContentError], known: Any = None) -> Any:
    if not isinstance(doc.data, dict):
        errors.append(doc.error((), "must be a mapping of fields (key: value)"))
        return None
    if isinstance(known, model):
        return known  # validated from these same bytes by an earlier build: the same model
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        errors.extend(model_errors(doc, exc, model=model))
        return None


def report_model(doc: Document) -> Report | None:
    """The model of a report's document validated on its own (a worker does it as it loads the
    file): None when the document is no report, a draft, or not valid; :func:`validate` then
    validates it with the rest and says why."""
    m = _BUDGET.match(doc.rel) or _PROJECT.match(doc.rel)
    if not m or not isinstance(doc.data, dict) or _is_draft(doc):
        return None
    kinds = ("department-budget",) if m.re is _BUDGET else ("self-evaluation", "target-declaration")
    kind = doc.data.get("kind")
    if not isinstance(kind, str) or kind not in kinds:
        return None
    model: Report | None = _parse(doc, REPORT_MODELS[kind], [])
    return model


def _report(doc: Document, folder_dept: str, folder_year: str, errors: list[ContentError],
            kinds: tuple[str, ...], known: Any = None) -> Report | None:
    if isinstance(known, (SelfEvaluation, TargetDeclaration, DepartmentBudget)) and known.kind in kinds:
        return _placed(doc, known, folder_dept, folder_year, errors)  # validated as it was loaded
    if not isinstance(doc.data, dict):
        errors.append(doc.error((), "must be a mapping of fields (key: value), starting with kind:"))
        return None
    kind = doc.data.get("kind")
    if kind not in kinds:
        shown = "missing" if kind is None else f"{kind!r} is not a kind of report here"
        errors.append(doc.error(("kind",), f"{shown}: must be one of {', '.join(kinds)}"))
        return None
    report: Report | None = _parse(doc, REPORT_MODELS[kind], errors, known)
    return None if report is None else _placed(doc, report, folder_dept, folder_year, errors)


def _placed(doc: Document, report: Report, folder_dept: str, folder_year: str,
            errors: list[ContentError]) -> Report:
    """Check that ``report`` stands in the folders of its year and department."""
    if str(report.year) != folder_year:
        errors.append(doc.error(("year",), f"{report.year} does not match the folder year {folder_year}"))
    if report.department != folder_dept:
        errors.append(doc.error(("department",),
                                f"{report.department!r} does not match the folder {folder_dept!r}"))
    return report


def validate(root: Path, loaded: Loaded) -> Content:
    """Validate every loaded document; raise BuildAborted with all problems, loading's included."""
    errors: list[ContentError] = list(loaded.errors)
    documents, known = loaded.docs, loaded.models
    site: SiteConfig | None = None
    site_doc: Document | None = None
    departments: dict[str, DepartmentEntry] = {}
    reports: list[ReportEntry] = []
    pages: list[PageEntry] = []
    drafts: list[Document] = []
    for doc in documents:
        rel = doc.rel
        if _is_draft(doc):
            drafts.append(doc)
        elif rel == "site.yaml":
            site, site_doc = _parse(doc, SiteConfig, errors, known.get(rel)), doc
        elif m := _DEPARTMENT.match(rel):
            if _slug_ok(doc, m.group(1), "department folder", errors):
                dept = _parse(doc, Department, errors, known.get(rel))
                if dept:
                    departments[m.group(1)] = DepartmentEntry(m.group(1), dept, doc)
        elif m := _BUDGET.match(rel):
            budget = _report(doc, m.group(1), m.group(2), errors, ("department-budget",), known.get(rel))
            if budget:
                reports.append(ReportEntry("budget", budget, doc))
        elif m := _PROJECT.match(rel):
            slug = m.group(3)
            ok = _slug_ok(doc, slug, "file name (the report's slug)", errors)
            report = _report(doc, m.group(1), m.group(2), errors, ("self-evaluation", "target-declaration"),
                             known.get(rel))
            if report and ok:
                reports.append(ReportEntry(slug, report, doc))
        elif m := _PAGE.match(rel):
            slug_ok = _slug_ok(doc, m.group(1), "page file name", errors)
            if not doc.data and not doc.positions:  # no front matter, or an empty one
                errors.append(doc.error(("title",), "required field is missing: begin the page with "
                                        "front matter, a line '---', a line 'title: …' and a line '---'"))
            elif slug_ok:
                meta = _parse(doc, PageMeta, errors, known.get(rel))
                if meta:
                    pages.append(PageEntry(m.group(1), meta, doc))
        else:
            errors.append(doc.error((), "unexpected file: reports go in departments/<dept>/projects/"
                                        "<year>/<slug>.yaml, budgets in departments/<dept>/budget-<year>.yaml"))
    # a department whose file has errors of its own is not also "unknown" to its reports
    present = {doc.rel for doc in documents} | loaded.failed
    drafted = {doc.rel for doc in drafts}
    for entry in reports:
        dept = entry.model.department
        folder = f"departments/{dept}/department.yaml"
        if folder in drafted:
            errors.append(entry.doc.error(("department",), f"department {dept!r} is still a draft: fill in "
                                          f"{folder} and remove its line draft: true (or mark this "
                                          "report draft: true too)"))
        elif folder not in present:
            errors.append(entry.doc.error(("department",),
                                          f"unknown department {dept!r}: no departments/{dept}/department.yaml"))
    if site_doc is None and "site.yaml" not in loaded.failed:
        errors.append(ContentError(f"{root.as_posix()}/site.yaml", 1, 1, "", "file is missing: every content folder needs a site.yaml "
                                   "with at least a line title: …"))
    errors.extend(_collisions(departments, reports, pages))
    if site and site_doc and site.publisher.logo and not (root / "templates" / "static" / site.publisher.logo).is_file():
        errors.append(site_doc.error(("publisher", "logo"), f"no file templates/static/{site.publisher.logo} in "
                                     "the content folder: put the logo there"))
    if errors or site is None or site_doc is None:
        raise BuildAborted(errors)
    reports.sort(key=lambda r: (r.model.department, r.model.year, r.kind, r.slug))
    pages.sort(key=lambda p: (p.meta.order, p.slug))
    return Content(root, site, site_doc, departments, tuple(reports), tuple(pages),
                   tuple(doc.shown for doc in drafts))


def _is_draft(doc: Document) -> bool:
    """A department, report or page whose file says ``draft: true`` (site.yaml never is one)."""
    return (isinstance(doc.data, dict) and doc.data.get("draft") is True
            and any(pattern.match(doc.rel) for pattern in (_DEPARTMENT, _BUDGET, _PROJECT, _PAGE)))


def _slug_ok(doc: Document, slug: str, what: str, errors: list[ContentError]) -> bool:
    if SLUG.match(slug):
        return True
    errors.append(doc.error((), f"{what} {slug!r} is not a slug: use lower-case ASCII letters, digits and -"))
    return False


def _collisions(departments: dict[str, DepartmentEntry], reports: list[ReportEntry],
                pages: list[PageEntry]) -> list[ContentError]:
    """Find two sources that would write one URL, and names the site keeps for itself."""
    errors = []
    claims: dict[str, Document] = {}
    sources: list[tuple[str, Document]] = [(f"{d.slug}/", d.doc) for d in departments.values()]
    sources += [(r.path, r.doc) for r in reports]
    sources += [(f"{p.slug}/", p.doc) for p in pages]
    for url, doc in sources:
        first = url.split("/")[0]
        if first in RESERVED:
            errors.append(doc.error((), f"the name {first!r} is reserved by the site; rename the file or folder"))
        elif url in claims:
            errors.append(doc.error((), f"URL /{url} is also claimed by {claims[url].shown}: "
                                          "rename one of them"))
        else:
            claims[url] = doc
    return errors
