"""Stage 5a, views: one typed, frozen view object per page kind, and the rows they hold.

Contract: views hold plain data (URLs, totals, grades, table spans) that
:mod:`generator.site_pages.context` computes, so templates only lay them out; a template
sees one of them as ``page``. Each view class documents its fields in its
docstring; a test checks that every field is documented and that views are frozen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from generator.aggregate import ProjectYear, Summary
from generator.audit.rules import Finding
from generator.audit.view import FindingGroup, RuleCount
from generator.content.models import (
    BudgetRow,
    Department,
    DepartmentBudget,
    FundsRow,
    Indicator,
    SelfEvaluation,
    TargetDeclaration,
    TargetIndicator,
)
from generator.content.validate import ReportEntry
from generator.site_pages.charts import Chart

if TYPE_CHECKING:
    from generator.search.index import IndexName


@dataclass(frozen=True)
class Link:
    """text: what the link says; url: where it goes."""

    text: str
    url: str


@dataclass(frozen=True)
class Layout:
    """What every page shares.

    home: the site root URL; static: URL of the theme's static folder; search: URL of the search
    page; nav: links of the main navigation; crumbs: the breadcrumb trail of this page;
    path: this page's path below the root; description: one or two sentences saying what the page
    holds (its meta description and Open Graph description); url: the page's address (full when
    base_url is a full address, else from the root), its canonical link and og:url; kind: its
    og:type (website or article); updated: the date the data was last updated (site.yaml's
    updated, else the build's date from SOURCE_DATE_EPOCH), or None.
    """

    home: str
    static: str
    search: str
    nav: tuple[Link, ...]
    crumbs: tuple[Link, ...]
    path: str
    description: str = ""
    url: str = ""
    kind: str = "website"
    updated: date | None = None


@dataclass(frozen=True)
class ReportRow:
    """One report in a table of reports.

    name, url: the report and its page; kind: its kind id; kind_label: the kind in words;
    year; department: the department's short name; implementer: 实施单位; budget: 全年预算数 or,
    for a declaration, 年度资金申请总额 (元); executed: 全年执行数 (元); rate: execution rate;
    score: total score; grade: its band; findings: audit findings on the report.
    """

    name: str
    url: str
    kind: str
    kind_label: str
    year: int
    department: str
    implementer: str
    budget: Decimal | None
    executed: Decimal | None
    rate: Decimal | None
    score: Decimal | None
    grade: str | None
    findings: int


@dataclass(frozen=True)
class IndicatorRow:
    """One indicator row as the official form prints it.

    item: the indicator; span1/span2: rowspan of the 一级/二级 cell on this row, 0 where the cell
    above spans it; lost: points lost (weight − score); findings: audit findings on the row.
    """

    item: Indicator | TargetIndicator
    span1: int
    span2: int
    lost: Decimal
    findings: tuple[Finding, ...]


@dataclass(frozen=True)
class Provenance:
    """The official document a report comes from, as readers see it.

    url: its web address (http or https); published: its publication date, or None; title: its
    title, or '' (the page then says the address's host).
    """

    url: str
    published: date | None
    title: str

    @property
    def text(self) -> str:
        """What the link says: the document's title, else the address's host."""
        return self.title or self.url.split("://", 1)[-1].split("/", 1)[0]


def figure_id(field: str) -> str:
    """The id of the element on a report's page that shows the figure at ``field``, or ''.

    Indicators are ``indicator-<n>`` (the 三级指标 cell), funds rows ``funds-<row>`` (a declaration's ``funds-<field>``),
    the total ``indicators-total``, the goals ``goals``, budget rows ``table-<t>-row-<r>`` and
    ``table-<t>-total`` (counted from 1), the budget's text ``summary`` and ``section-<n>``."""
    head, _, rest = field.partition(".")
    name, _, index = head.partition("[")
    n = int(index.rstrip("]")) + 1 if index.rstrip("]").isdigit() else 0
    if name == "indicators" and n:
        return f"indicator-{n}"
    if name == "funds" and rest:
        return f"funds-{rest.split('.', 1)[0]}"
    if name == "total":
        return "indicators-total"
    if name == "goals":
        return "goals"
    if name == "summary":
        return "summary"
    if name == "sections" and n:
        return f"section-{n}"
    if name == "tables" and n:
        row, _, rindex = rest.partition(".")[0].partition("[")
        if row == "rows" and rindex.rstrip("]").isdigit():
            return f"table-{n}-row-{int(rindex.rstrip(']')) + 1}"
        if row == "total":
            return f"table-{n}-total"
        return f"table-{n}"
    return ""


@dataclass(frozen=True)
class ReportPage:
    """A self-evaluation or target declaration.

    layout; title; entry: the validated report; report: its model; unit: the unit it was printed
    in; kind_label; department: its department; department_url; funds: (label, row) pairs of the
    funds table (self-evaluations); indicators: the indicator rows; score, grade: total score and
    band; lost_rows: how many rows lost points; findings: every audit finding on the report;
    related: links to the same project's other reports; downloads: links to its data files;
    charts: its figures as charts (self-evaluations); provenance: the official document it comes
    from, or None; history: the project's years when it was reported in more than one, with
    history_urls the page of each year's report; history_chart: budget against executed per
    year, or None.
    """

    layout: Layout
    title: str
    entry: ReportEntry
    report: SelfEvaluation | TargetDeclaration
    unit: str
    kind_label: str
    department: Department
    department_url: str
    funds: tuple[tuple[str, FundsRow], ...]
    indicators: tuple[IndicatorRow, ...]
    score: Decimal | None
    grade: str | None
    lost_rows: int
    findings: tuple[Finding, ...]
    related: tuple[ReportRow, ...]
    downloads: tuple[Link, ...]
    charts: tuple[Chart, ...]
    provenance: Provenance | None = None
    history: tuple[ProjectYear, ...] = ()
    history_urls: tuple[str, ...] = ()
    history_chart: Chart | None = None


@dataclass(frozen=True)
class BudgetTableView:
    """title; unit: the unit it is printed in; columns; rows: (row, indent level) pairs; total."""

    title: str
    unit: str
    columns: tuple[str, ...]
    rows: tuple[tuple[BudgetRow, int], ...]
    total: BudgetRow | None


@dataclass(frozen=True)
class BudgetPage:
    """A department budget: layout; title; report; department; department_url; tables; findings; downloads;
    provenance: the official document it comes from, or None."""

    layout: Layout
    title: str
    report: DepartmentBudget
    department: Department
    department_url: str
    tables: tuple[BudgetTableView, ...]
    findings: tuple[Finding, ...]
    downloads: tuple[Link, ...]
    provenance: Provenance | None = None


@dataclass(frozen=True)
class YearLink:
    """A year of a department: year; url of its summary page; summary."""

    year: int
    url: str
    summary: Summary

    @property
    def reports(self) -> int:
        """How many reports the year has: self-evaluations and target declarations."""
        return self.summary.count + self.summary.declarations

    @property
    def adjusted(self) -> Decimal | None:
        """全年预算数 of its self-evaluations, None when it has none (a year of declarations only)."""
        return self.summary.adjusted if self.summary.count else None

    @property
    def executed(self) -> Decimal | None:
        """全年执行数 of its self-evaluations, None when it has none."""
        return self.summary.executed if self.summary.count else None

    @property
    def requested(self) -> Decimal | None:
        """年度资金申请总额 of its target declarations, None when it has none."""
        return self.summary.requested if self.summary.declarations else None


@dataclass(frozen=True)
class DepartmentPage:
    """layout; title; slug; department; summary; years: its year pages; budgets: links to its budgets; reports: all its reports.

    downloads: links to its reports as data files.
    """

    layout: Layout
    title: str
    slug: str
    department: Department
    summary: Summary
    years: tuple[YearLink, ...]
    budgets: tuple[Link, ...]
    reports: tuple[ReportRow, ...]
    downloads: tuple[Link, ...]


@dataclass(frozen=True)
class MissedRow:
    """An indicator that lost points: report and url of its report; row: the indicator."""

    report: str
    url: str
    row: Indicator


@dataclass(frozen=True)
class YearPage:
    """layout; title; department; department_url; year; summary; reports; missed: rows that lost points.

    charts: budget against executed per project, and grades; downloads: links to its data files.
    """

    layout: Layout
    title: str
    department: Department
    department_url: str
    year: int
    summary: Summary
    reports: tuple[ReportRow, ...]
    missed: tuple[MissedRow, ...]
    charts: tuple[Chart, ...]
    downloads: tuple[Link, ...]


@dataclass(frozen=True)
class DepartmentRow:
    """A department on the overview: link; department; summary; years: links to its years."""

    link: Link
    department: Department
    summary: Summary
    years: tuple[YearLink, ...]


@dataclass(frozen=True)
class OverviewPage:
    """layout; title; summary: the whole site; departments: one row each; pages: the free pages.

    charts: totals per department and year; data: URL of the downloads page.
    """

    layout: Layout
    title: str
    summary: Summary
    departments: tuple[DepartmentRow, ...]
    pages: tuple[Link, ...]
    charts: tuple[Chart, ...]
    data: str


@dataclass(frozen=True)
class FileLink:
    """A download on the data page: link (file name and URL); description; format; size in words."""

    link: Link
    description: str
    format: str
    size: str


@dataclass(frozen=True)
class DataGroup:
    """Downloads that cover one scope: title (the site, a department or a department-year); files."""

    title: str
    files: tuple[FileLink, ...]


@dataclass(frozen=True)
class DataPage:
    """The downloads page: layout; title; groups: the site's files, then each department's."""

    layout: Layout
    title: str
    groups: tuple[DataGroup, ...]


@dataclass(frozen=True)
class TextPage:
    """A markdown page, or the 404 page: layout; title; body: markdown source."""

    layout: Layout
    title: str
    body: str


@dataclass(frozen=True)
class SearchPage:
    """The search page: layout; title; bundle: URL of the index folder the page loads (this site's,
    or the first merged site's when this one has no reports; '' when there is nothing to search);
    index: what the page names of this site's index (None without one), by which it asks for the
    index's files as it loads; merge: index folders of the other sites it searches too;
    departments: links for readers without JavaScript."""

    layout: Layout
    title: str
    bundle: str
    index: IndexName | None
    merge: tuple[str, ...]
    departments: tuple[Link, ...]


@dataclass(frozen=True)
class AuditPage:
    """The audit page, /audit/: every finding of the site, by department.

    layout; title; total: how many findings; rules: every rule with its severity, what it checks
    and its count; groups: the findings of each department, by file and line; targets: (what
    happened, count) when the self-evaluations' targets were compared with their actuals,
    including those that could not be read; data: URL of findings.json. Each group is rendered
    as a part (``part("_partials/audit_group.html", g=g)``), each finding linked to the figure it
    is about on its report's page (the row or cell, see :func:`figure_id`).
    """

    layout: Layout
    title: str
    total: int
    rules: tuple[RuleCount, ...]
    groups: tuple[FindingGroup, ...]
    targets: tuple[tuple[str, int], ...]
    data: str
