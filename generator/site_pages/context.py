"""Stage 5a, context: the view of every page, computed from the content.

Contract: ``page_plan(content, aggregates, findings, files)`` plans, in a stable
order, ``(template, output path, a function making the view, its inputs)`` for
every HTML page of the site; ``site_pages`` makes the views. The view classes
live in :mod:`generator.site_pages.views`; :class:`Pages` fills them (URLs, totals, grades,
table spans), so templates only lay them out.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any

from generator.aggregate import Aggregates, Summary
from generator.audit.rules import Finding, Findings
from generator.audit.view import FINDINGS, finding_groups, rule_counts, target_counts
from generator.content.facts import report_grade, total_score
from generator.content.models import (
    KIND_LABELS,
    Department,
    DepartmentBudget,
    FundsRow,
    Indicator,
    SelfEvaluation,
    TargetDeclaration,
    TargetIndicator,
    table_unit,
)
from generator.content.validate import Content, ReportEntry
from generator.downloads.tables import DataFile, department_files, indicators_path, year_files
from generator.i18n import Msg
from generator.site_pages.charts import Chart
from generator.site_pages.figures import (
    categories_chart,
    funds_chart,
    grades_chart,
    history_chart,
    projects_chart,
    totals_chart,
)
from generator.site_pages.render import amount, money, number, percent

if TYPE_CHECKING:
    from generator.search.index import IndexName
from generator.site_pages.views import (
    AuditPage,
    BudgetPage,
    BudgetTableView,
    DataGroup,
    DataPage,
    DepartmentPage,
    DepartmentRow,
    FileLink,
    IndicatorRow,
    Layout,
    Link,
    MissedRow,
    OverviewPage,
    Provenance,
    ReportPage,
    ReportRow,
    SearchPage,
    TextPage,
    YearLink,
    YearPage,
    figure_id,
)


def data_date(updated: date | None) -> date | None:
    """The date the data was last updated: site.yaml's, else the build's from SOURCE_DATE_EPOCH."""
    if updated is not None:
        return updated
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch.isdigit():
        return None
    try:
        return datetime.fromtimestamp(int(epoch), UTC).date()
    except (OverflowError, OSError, ValueError):
        return None


_LINES = re.compile(r":\d+(-\d+)?$")


def provenance(report: SelfEvaluation | TargetDeclaration | DepartmentBudget,
               department: Department) -> Provenance | None:
    """The official document a report names (source_url), else the one its department names for
    the file its source comes from; None when neither says."""
    if report.source_url:
        return Provenance(report.source_url, report.published, "")
    file = _LINES.sub("", report.source)
    for doc in department.sources:
        if file and doc.file == file:
            return Provenance(doc.url, report.published or doc.published, doc.title)
    return None


def plain(markdown_text: str, limit: int = 150) -> str:
    """The first paragraph of a markdown text as plain words, for a meta description."""
    for para in markdown_text.split("\n\n"):
        words = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", para)
        words = " ".join(re.sub(r"^\s*(#+|[-*+>]|\d+\.)\s+|[*_`]", "", line) for line in words.splitlines()).strip()
        if words:
            return words if len(words) <= limit else words[:limit - 1] + "…"
    return ""


class Pages:
    """Builds the views of one site."""

    def __init__(self, content: Content, aggregates: Aggregates, findings: list[Finding]) -> None:
        self.content = content
        self.agg = aggregates
        self.base = content.site.base_url
        self.findings: dict[str, list[Finding]] = defaultdict(list)
        for finding in findings:
            self.findings[finding.report].append(finding)
        # each report's findings as one tuple, in the inputs of every page they go into (so each
        # page's digest reads the same tuple: see generator.site_pages.pages.page_tasks)
        self.found: dict[str, tuple[Finding, ...]] = {path: tuple(f) for path, f in self.findings.items()}
        # grouped once, so a department or year page does not scan every report of the site
        self.by_dept: dict[str, list[ReportEntry]] = defaultdict(list)
        for report in content.reports:
            self.by_dept[report.model.department].append(report)
        self.years: dict[str, list[tuple[int, Summary]]] = defaultdict(list)
        for (dept, year), summary in aggregates.years.items():
            self.years[dept].append((year, summary))
        audit = (Link("数据核对", self.url("audit/")),) if content.site.audit_panels else ()
        self.updated = data_date(content.site.updated)
        self.nav = (Link("首页", self.base), Link("搜索", self.url("search/")),
                    *audit, Link("数据下载", self.url("data/")),
                    *(Link(p.meta.title, self.url(f"{p.slug}/")) for p in content.pages))

    def url(self, path: str) -> str:
        return self.base + path

    def layout(self, path: str, *crumbs: Link, description: str = "", kind: str = "website") -> Layout:
        return Layout(self.base, self.url("static/"), self.url("search/"), self.nav,
                      (Link("首页", self.base), *crumbs), path,
                      description or self.content.site.description or self.content.site.title,
                      self.url(path), kind, self.updated)

    def total(self, value: Decimal | None) -> str:
        """A summed amount for a description, in the site's unit."""
        return amount(value, self.content.site.money_unit)

    def dept_link(self, slug: str) -> Link:
        d = self.content.departments[slug].model
        return Link(d.short_name or d.name, self.url(f"{slug}/"))

    def row(self, entry: ReportEntry) -> ReportRow:
        """Summarise one report for a table."""
        m = entry.model
        dept = self.content.departments[m.department].model
        budget = executed = rate = score = None
        grade = None
        if isinstance(m, SelfEvaluation):
            budget, executed, rate = m.funds.total.adjusted, m.funds.total.executed, m.funds.total.rate
            score = total_score(m)
            grade = report_grade(m, self.content.site.grades)
        elif isinstance(m, TargetDeclaration):
            budget = m.funds.requested
        return ReportRow(m.name, self.url(entry.path), m.kind, KIND_LABELS[m.kind], m.year,
                         dept.short_name or dept.name, getattr(m, "implementer", ""), budget, executed,
                         rate, score, grade, len(self.findings[entry.path]))

    def downloads(self, entry: ReportEntry) -> tuple[Link, ...]:
        base = self.url(entry.path)
        stem = entry.slug if entry.slug != "budget" else f"budget-{entry.model.year}"
        links = [Link(Msg("全部数据（JSON）"), f"{base}{stem}.json")]
        if entry.kind != "department-budget":
            links.append(Link(Msg("绩效指标（CSV）"), self.url(indicators_path(entry))))
        return tuple(links)

    def file_links(self, files: tuple[tuple[str, str], ...]) -> tuple[Link, ...]:
        """Links to the CSV and XLSX tables of a department or a department-year."""
        texts = {"csv": Msg("项目表（CSV）"), "xlsx": Msg("项目表和绩效指标（Excel）")}
        return tuple(Link(texts[fmt], self.url(path)) for fmt, path in files)

    def inputs(self, entry: ReportEntry) -> tuple[object, ...]:
        """What the page of ``entry`` is made of besides the site: see :data:`PlannedPage`."""
        made: list[object] = []
        for e in (entry, *self.agg.related.get(entry.path, ())):  # each model is its document's
            made += [e.path, e.doc, self.content.departments[e.model.department].doc, self.found.get(e.path, ())]
        return tuple(made)

    def department_inputs(self, slug: str, year: int | None = None) -> tuple[object, ...]:
        """What the page of department ``slug`` (of its ``year``) is made of besides the site: its
        file, and its reports (of that year) with their findings; the summaries are theirs."""
        made: list[object] = [self.content.departments[slug].doc]
        for e in self.by_dept[slug]:
            if year is None or e.model.year == year:
                made += [e.path, e.doc, self.found.get(e.path, ())]
        return tuple(made)

    def audit_inputs(self, findings: Findings) -> tuple[object, ...]:
        """What the audit page is made of besides the site: the departments' files, every finding,
        the names of the reports they are on, and the target outcomes."""
        named = tuple((e.path, e.model.name) for e in self.content.reports if e.path in self.found)
        return (*(d.doc for d in self.content.departments.values()), tuple(findings), named,
                tuple(sorted(findings.outcomes.items())))

    def report_page(self, entry: ReportEntry) -> ReportPage:
        m = entry.model
        assert isinstance(m, (SelfEvaluation, TargetDeclaration))
        findings = tuple(self.findings[entry.path])
        dept_link = self.dept_link(m.department)
        department = self.content.departments[m.department].model
        funds: tuple[tuple[str, FundsRow], ...] = ()
        score = grade = None
        charts: tuple[Chart, ...] = ()
        unit = Msg(m.money_unit)
        if isinstance(m, SelfEvaluation):
            charts = tuple(c for c in (funds_chart(m, m.money_unit), categories_chart(m)) if c)
            funds = (("年度资金总额", m.funds.total), ("其中：当年财政拨款", m.funds.appropriation),
                     ("上年结转资金", m.funds.carryover), ("其他资金", m.funds.other))
            score = total_score(m)
            grade = report_grade(m, self.content.site.grades)
            t = m.funds.total
            description = Msg("{department}{year}年度“{name}”的绩效自评：全年预算数{budget}{unit}，全年执行数"
                              "{executed}{unit}，执行率{rate}，得分{score}。", department=department.name,
                              year=m.year, name=m.name, budget=money(t.adjusted, m.money_unit), unit=unit,
                              executed=money(t.executed, m.money_unit), rate=percent(t.rate), score=number(score))
        else:
            description = Msg("{department}{year}年度“{name}”的绩效目标申报：年度资金申请总额{requested}{unit}，"
                              "{n}项绩效指标。", department=department.name, year=m.year, name=m.name,
                              requested=money(m.funds.requested, m.money_unit), unit=unit, n=len(m.indicators))
        layout = self.layout(entry.path, dept_link,
                             Link(Msg("{year}年", year=m.year), self.url(f"{m.department}/{m.year}/")),
                             Link(m.name, self.url(entry.path)), description=description, kind="article")
        rows = indicator_rows(m.indicators, findings)
        history = self.agg.history.get(entry.path, ())
        return ReportPage(
            layout, m.name, entry, m, m.money_unit, KIND_LABELS[m.kind],
            department, dept_link.url, funds, rows, score, grade,
            sum(1 for r in rows if r.lost > 0), findings,
            tuple(self.row(e) for e in self.agg.related.get(entry.path, ())), self.downloads(entry), charts,
            provenance(m, department), history, tuple(self.url(y.path) for y in history),
            history_chart(history, m.name, self.content.site.money_unit))

    def budget_page(self, entry: ReportEntry) -> BudgetPage:
        m = entry.model
        assert isinstance(m, DepartmentBudget)
        dept_link = self.dept_link(m.department)
        title = Msg("{year}年部门预算", year=m.year)
        tables = tuple(
            BudgetTableView(t.title, table_unit(m, t), t.columns,
                            tuple((r, r.level) for r in t.rows), t.total)
            for t in m.tables)
        department = self.content.departments[m.department].model
        description = Msg("{department}{year}年部门预算：部门预算编制说明和{n}张预算表。",
                          department=department.name, year=m.year, n=len(tables))
        return BudgetPage(self.layout(entry.path, dept_link, Link(title, self.url(entry.path)),
                                      description=description, kind="article"), title, m,
                          department, dept_link.url, tables,
                          tuple(self.findings[entry.path]), self.downloads(entry), provenance(m, department))

    def data_page(self, files: Sequence[DataFile]) -> DataPage:
        """List the site's and each department's downloads, with their sizes."""
        groups: dict[tuple[str, int], list[FileLink]] = defaultdict(list)
        for f in files:
            if f.path.startswith("data/") or f.scope[0]:
                link = Link(f.path.rsplit("/", 1)[-1], self.url(f.path))
                groups[f.scope].append(FileLink(link, Msg(f.description), f.format.upper(), file_size(f.size)))
        titled = []
        for (slug, year), links in sorted(groups.items()):
            name = self.dept_link(slug).text if slug else ""
            title = (Msg("{name} {year}年", name=name, year=year) if year else name) if slug else Msg("全部数据")
            titled.append(DataGroup(title, tuple(links)))
        title = Msg("数据下载")
        description = Msg("下载全部报告和绩效指标的数据：CSV、Excel 和 JSON，金额与公开表格印出的数字一致。")
        return DataPage(self.layout("data/", Link(title, self.url("data/")), description=description),
                        title, tuple(titled))

    def audit_page(self, findings: Findings) -> AuditPage:
        """Every finding by department, the rules with their counts, and the targets not compared."""
        title = "数据核对"
        description = Msg("核对各部门公开的绩效自评表、目标申报表和部门预算中的数字，共发现{n}处对不上。",
                          n=len(findings))
        return AuditPage(self.layout("audit/", Link(title, self.url("audit/")), description=description),
                         title, len(findings), rule_counts(findings),
                         finding_groups(self.content, findings, self.url,
                                        lambda f: f"{self.url(f.report)}#{figure_id(f.field) or f.anchor}"),
                         target_counts(findings.outcomes), self.url(FINDINGS))

    def year_links(self, slug: str) -> tuple[YearLink, ...]:
        return tuple(YearLink(year, self.url(f"{slug}/{year}/"), s) for year, s in self.years[slug])

    def department_page(self, slug: str) -> DepartmentPage:
        entry = self.content.departments[slug]
        link = self.dept_link(slug)
        reports = self.by_dept[slug]
        budgets = tuple(Link(Msg("{year}年部门预算", year=r.model.year), self.url(r.path))
                        for r in reports if r.kind == "department-budget")
        s = self.agg.departments[slug]
        description = Msg("{name}公开的{count}份绩效自评和{declarations}份绩效目标：全年预算数合计{budget}{unit}，"
                          "全年执行数{executed}{unit}，逐年比较。", name=entry.model.name, count=s.count,
                          declarations=s.declarations, budget=self.total(s.adjusted),
                          executed=self.total(s.executed), unit=Msg(self.content.site.money_unit))
        return DepartmentPage(self.layout(f"{slug}/", link, description=description), entry.model.name, slug,
                              entry.model, s, self.year_links(slug), budgets,
                              tuple(self.row(r) for r in reports if r.kind != "department-budget"),
                              self.file_links(department_files(slug)))

    def year_page(self, slug: str, year: int) -> YearPage:
        dept = self.content.departments[slug].model
        link = self.dept_link(slug)
        path = f"{slug}/{year}/"
        entries = [r for r in self.by_dept[slug] if r.model.year == year and r.kind != "department-budget"]
        missed = tuple(MissedRow(e.model.name, self.url(e.path), i)
                       for e in entries if isinstance(e.model, SelfEvaluation)
                       for i in e.model.indicators if i.lost > 0)
        summary = self.agg.years[(slug, year)]
        evaluations = [e.model for e in entries if isinstance(e.model, SelfEvaluation)]
        charts = tuple(c for c in (projects_chart(evaluations, self.content.site.money_unit),
                                   grades_chart(summary)) if c)
        description = Msg("{name}{year}年的{count}份绩效自评和{declarations}份绩效目标：全年预算数{budget}{unit}，"
                          "全年执行数{executed}{unit}，执行率{rate}，平均得分{score}。", name=dept.name, year=year,
                          count=summary.count, declarations=summary.declarations,
                          budget=self.total(summary.adjusted), executed=self.total(summary.executed),
                          unit=Msg(self.content.site.money_unit), rate=percent(summary.rate),
                          score=number(summary.average))
        return YearPage(self.layout(path, link, Link(Msg("{year}年", year=year), self.url(path)),
                                    description=description),
                        Msg("{name} {year}年", name=dept.short_name or dept.name, year=year), dept, link.url,
                        year, summary, tuple(self.row(e) for e in entries), missed, charts,
                        self.file_links(year_files(slug, year)))

    def overview(self) -> OverviewPage:
        rows = tuple(DepartmentRow(self.dept_link(slug), d.model, self.agg.departments[slug],
                                   self.year_links(slug))
                     for slug, d in sorted(self.content.departments.items()))
        pages = tuple(Link(p.meta.title, self.url(f"{p.slug}/")) for p in self.content.pages)
        years = ((self.dept_link(slug).text, year, s) for (slug, year), s in self.agg.years.items())
        chart = totals_chart(years, self.content.site.money_unit)
        s = self.agg.site
        description = self.content.site.description or Msg(
            "{title}：{departments}个部门的{count}份绩效自评、{declarations}份绩效目标和{budgets}份部门预算。",
            title=self.content.site.title, departments=len(rows), count=s.count, declarations=s.declarations,
            budgets=s.budgets)
        return OverviewPage(self.layout("", description=description), self.content.site.title, self.agg.site, rows, pages,
                            (chart,) if chart else (), self.url("data/"))

    def search_page(self, index: IndexName | None) -> SearchPage:
        """The search page, of this site's ``index`` (None when it has none)."""
        title = "搜索"
        own = (self.url("search/index/"),) if self.content.reports else ()  # no reports, no index
        bundles = (*own, *(f"{path}search/index/" for path in self.content.site.search_merge))
        description = Msg("在{title}中按项目名称、部门、指标搜索全部报告。", title=self.content.site.title)
        return SearchPage(self.layout("search/", Link(title, self.url("search/")), description=description), title,
                          bundles[0] if bundles else "", index if own else None, bundles[1:],
                          tuple(self.dept_link(slug) for slug in sorted(self.content.departments)))


def indicator_rows(items: Sequence[Indicator | TargetIndicator],
                   findings: tuple[Finding, ...]) -> tuple[IndicatorRow, ...]:
    """Lay indicators out as the form does: 一级 and 二级 cells span their group's rows."""
    rows = []
    for i, item in enumerate(items):
        span1 = span2 = 0
        if i == 0 or items[i - 1].level1 != item.level1:
            span1 = next((k for k in range(i + 1, len(items)) if items[k].level1 != item.level1), len(items)) - i
        if span1 or items[i - 1].level2 != item.level2:
            span2 = next((k for k in range(i + 1, len(items))
                          if items[k].level2 != item.level2 or items[k].level1 != item.level1), len(items)) - i
        lost = item.lost if isinstance(item, Indicator) else Decimal(0)
        mine = tuple(f for f in findings if f.field.startswith(f"indicators[{i}]."))
        rows.append(IndicatorRow(item, span1, span2, lost, mine))
    return tuple(rows)


def file_size(size: int) -> str:
    """A file's size for readers: 812 B, 3.4 KB, 1.2 MB (no locale)."""
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= scale:
            return f"{Decimal(size) / scale:.1f} {unit}"
    return f"{size} B"


# (template, output path, a function that makes the page's view, what the view is made of or
# None): a report page's view is made of its report, department and findings and of the same
# project's other reports, a department's page (or its page of a year) of its file and of its
# reports (of that year) and their findings, each with the site's settings and text pages (the
# navigation), given as
# the parsed documents the models come from; when these are the very objects (or equal to
# those) of the last build, serve keeps the page unmade, and when their content hashes are
# those of the last build, so does ``disclose build`` (see generator.site_pages.pages).
DATA_PAGE = "data/index.html"  # the page listing the downloads (made once they are all written)
PlannedPage = tuple[str, str, Callable[[], Any], tuple[object, ...] | None]


def page_plan(content: Content, aggregates: Aggregates, findings: Findings,
              files: Sequence[DataFile] = (), index: IndexName | None = None) -> list[PlannedPage]:
    """Plan every HTML page, in a stable order; ``files`` are the downloads, ``index`` what the
    search page names of the search index.

    Views are made only when asked for, so a build makes them on every core, where the pages
    are rendered, and an incremental build makes only those of the pages it renders again."""
    pages = Pages(content, aggregates, findings)
    plan: list[PlannedPage] = [("index.html", "index.html", pages.overview, None),
                               ("data.html", DATA_PAGE, partial(pages.data_page, files), None)]
    # the settings, the navigation and the date of the data (the footer's)
    site = (content.site_doc, *(p.doc for p in content.pages), str(pages.updated))
    for slug in sorted(content.departments):
        plan.append(("department.html", f"{slug}/index.html", partial(pages.department_page, slug),
                     (*site, *pages.department_inputs(slug))))
    for slug, year in aggregates.years:
        plan.append(("year.html", f"{slug}/{year}/index.html", partial(pages.year_page, slug, year),
                     (*site, *pages.department_inputs(slug, year))))
    for entry in content.reports:
        make: Callable[[], Any]
        if entry.kind == "department-budget":
            template, make = "budget.html", partial(pages.budget_page, entry)
        else:
            template = "self_evaluation.html" if entry.kind == "self-evaluation" else "target_declaration.html"
            make = partial(pages.report_page, entry)
        plan.append((template, f"{entry.path}index.html", make, (*site, *pages.inputs(entry))))
    plan.append(("audit.html", "audit/index.html", partial(pages.audit_page, findings),
                 (*site, *pages.audit_inputs(findings))))
    for page in content.pages:
        layout = pages.layout(f"{page.slug}/", Link(page.meta.title, pages.url(f"{page.slug}/")),
                              description=plain(page.doc.body) or page.meta.title)
        plan.append(("page.html", f"{page.slug}/index.html", partial(TextPage, layout, page.meta.title,
                                                                        page.doc.body), None))
    plan.append(("search.html", "search/index.html", partial(pages.search_page, index), None))
    lost = pages.layout("404.html", description=Msg("您访问的页面不存在或已移动。"))
    plan.append(("404.html", "404.html", partial(TextPage, lost, Msg("页面未找到"), ""), None))
    return plan
