"""Stage 2, validate: turn loaded documents into typed, cross-checked content.

Contract: ``validate(root, documents)`` returns a :class:`Content` when every
file is valid, and raises :class:`BuildAborted` with *all* problems otherwise:
schema errors mapped to the file, line and column of the field at fault, files
in unexpected places, slugs that are not ASCII, a folder year or department that
disagrees with the file, unknown departments, and two files claiming one URL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from generator.content.load import Document, Loaded
from generator.content.models import (
    REPORT_MODELS,
    Department,
    DepartmentBudget,
    PageMeta,
    Report,
    SiteConfig,
)
from generator.errors import BuildAborted, ContentError

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")
RESERVED = frozenset({"search", "audit", "data", "static", "pagefind", "budget", "404", "sitemap"})
_PROJECT = re.compile(r"^departments/([^/]+)/projects/([^/]+)/([^/]+)\.yaml$")
_BUDGET = re.compile(r"^departments/([^/]+)/budget-([^/]+)\.yaml$")
_DEPARTMENT = re.compile(r"^departments/([^/]+)/department\.yaml$")
_PAGE = re.compile(r"^pages/([^/]+)\.md$")

_MESSAGES = {
    "missing": "required field is missing",
    "extra_forbidden": "unknown field (check its spelling against the content format)",
    "decimal_parsing": "must be a number",
    "decimal_type": "must be a number",
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

    def of_kind(self, *kinds: str) -> list[ReportEntry]:
        return [r for r in self.reports if r.kind in kinds]


def model_errors(doc: Document, exc: ValidationError, prefix: tuple[str | int, ...] = ()) -> list[ContentError]:
    """Map pydantic errors to file:line:col errors."""
    out = []
    for err in exc.errors(include_url=False):
        loc = (*prefix, *(p for p in err["loc"] if isinstance(p, (str, int))))
        out.append(doc.error(loc, _message(err)))
    return out


def _message(err: ErrorDetails) -> str:
    """Say what is wrong in a publisher's words rather than pydantic's."""
    kind, ctx = err["type"], err.get("ctx", {})
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
        errors.extend(model_errors(doc, exc))
        return None


def _report(doc: Document, folder_dept: str, folder_year: str, errors: list[ContentError],
            kinds: tuple[str, ...], known: Any = None) -> Report | None:
    if not isinstance(doc.data, dict):
        errors.append(doc.error((), "must be a mapping of fields (key: value), starting with kind:"))
        return None
    kind = doc.data.get("kind")
    if kind not in kinds:
        shown = "missing" if kind is None else f"{kind!r} is not a kind of report here"
        errors.append(doc.error(("kind",), f"{shown}: must be one of {', '.join(kinds)}"))
        return None
    report: Report | None = _parse(doc, REPORT_MODELS[kind], errors, known)
    if report is None:
        return None
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
    for doc in documents:
        rel = doc.rel
        if rel == "site.yaml":
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
            if not doc.positions:  # no front matter, or an empty one
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
    for entry in reports:
        dept = entry.model.department
        if f"departments/{dept}/department.yaml" not in present:
            errors.append(entry.doc.error(("department",),
                                          f"unknown department {dept!r}: no departments/{dept}/department.yaml"))
    if site_doc is None and "site.yaml" not in loaded.failed:
        errors.append(ContentError(f"{root.as_posix()}/site.yaml", 1, 1, "", "file is missing: every content folder needs a site.yaml "
                                   "with at least a line title: …"))
    errors.extend(_collisions(departments, reports, pages))
    if errors or site is None or site_doc is None:
        raise BuildAborted(errors)
    reports.sort(key=lambda r: (r.model.department, r.model.year, r.kind, r.slug))
    pages.sort(key=lambda p: (p.meta.order, p.slug))
    return Content(root, site, site_doc, departments, tuple(reports), tuple(pages))


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
