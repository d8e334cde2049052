"""Stage 4, aggregate: summaries per site, department and department-year; project links.

Contract: ``aggregate(content, findings)`` returns :class:`Aggregates`, computed
once in Python so templates only lay figures out. Summaries count
self-evaluations (their budgets, spending, scores and grades) and target
declarations (their requested funds). Two reports are the same project when they
have the same department and the same name once spelling noise is folded
(full-width and half-width forms, spaces): see :func:`project_key`. A project
reported in more than one year gets its history (:class:`ProjectYear`, one per
year: its figures and the indicators it dropped or added since the year before),
which its report pages show as a small table and chart.
"""

from __future__ import annotations

import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from generator.audit.rules import Finding
from generator.content.facts import carried_out, grade_of, project_key, report_grade, total_score
from generator.content.models import KIND_LABELS, Grade, SelfEvaluation, TargetDeclaration
from generator.content.validate import Content, ReportEntry

ZERO = Decimal(0)


@dataclass(frozen=True)
class Summary:
    """Totals over a set of reports (amounts in 元).

    count: self-evaluations; declarations: target declarations; budgets: department budgets;
    initial/adjusted/executed: sums of the self-evaluations' 年初预算数/全年预算数/全年执行数;
    rate: executed ÷ adjusted, or None; average: mean total score, or None;
    grades: (grade, count) per band of site.yaml, highest first (average and grades leave out the
    projects not carried out: see :func:`carried_out`); missed: indicator rows that
    lost points; requested: sum of the declarations' 年度资金申请总额; findings: audit findings.
    """

    count: int
    declarations: int
    budgets: int
    initial: Decimal
    adjusted: Decimal
    executed: Decimal
    rate: Decimal | None
    average: Decimal | None
    grades: tuple[tuple[str, int], ...]
    missed: int
    requested: Decimal
    findings: int


def ratio(part: Decimal, whole: Decimal) -> Decimal | None:
    """``part / whole`` to four decimals (a percentage to two), None for a zero whole."""
    if not whole:
        return None
    return (part / whole).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Row:
    """What one report adds to the summaries that count it (amounts in 元): taken once, though
    each report is counted three times (the site, its department, its department-year).

    kind: the report's kind; initial/adjusted/executed: a self-evaluation's 年初预算数/全年预算数/
    全年执行数; score: its total score when it was carried out and scored; missed: its indicator
    rows that lost points; requested: a declaration's 年度资金申请总额; findings: its audit findings.
    """

    kind: str
    initial: Decimal | None = None
    adjusted: Decimal | None = None
    executed: Decimal | None = None
    score: Decimal | None = None
    missed: int = 0
    requested: Decimal | None = None
    findings: int = 0


def row(entry: ReportEntry, findings: Counter[str]) -> Row:
    """The row of ``entry``, its findings counted in ``findings`` (by report path)."""
    model = entry.model
    if isinstance(model, SelfEvaluation):
        total = model.funds.total
        return Row(entry.kind, total.initial, total.adjusted, total.executed,
                   total_score(model) if carried_out(model) else None,
                   sum(1 for i in model.indicators if i.lost > 0), findings=findings[entry.path])
    if isinstance(model, TargetDeclaration):
        return Row(entry.kind, requested=model.funds.requested, findings=findings[entry.path])
    return Row(entry.kind, findings=findings[entry.path])


def summarise(rows: Iterable[Row], grades: tuple[Grade, ...]) -> Summary:
    """Add up a set of reports, given by their rows."""
    rows = list(rows)
    evaluations = [r for r in rows if r.kind == "self-evaluation"]

    def add(values: Iterable[Decimal | None]) -> Decimal:
        return sum((v for v in values if v is not None), ZERO)

    adjusted = add(r.adjusted for r in evaluations)
    executed = add(r.executed for r in evaluations)
    # a project not carried out (neither budget nor spending) has no grade: out of the bands and the average
    scores = [r.score for r in evaluations if r.score is not None]
    tally = Counter(grade_of(s, grades) for s in scores)
    average = (sum(scores, ZERO) / len(scores)).quantize(Decimal("0.01"), ROUND_HALF_UP) if scores else None
    return Summary(
        count=len(evaluations),
        declarations=sum(1 for r in rows if r.kind == "target-declaration"),
        budgets=sum(1 for r in rows if r.kind == "department-budget"),
        initial=add(r.initial for r in evaluations),
        adjusted=adjusted,
        executed=executed,
        rate=ratio(executed, adjusted),
        average=average,
        grades=tuple((g.grade, tally[g.grade]) for g in grades),
        missed=sum(r.missed for r in evaluations),
        requested=add(r.requested for r in rows if r.kind == "target-declaration"),
        findings=sum(r.findings for r in rows),
    )


@dataclass(frozen=True)
class ProjectYear:
    """One year of a project reported in several years (amounts in 元).

    year; path: URL path of the report the figures come from (the self-evaluation when the year
    has one, else the target declaration); kind, kind_label: that report's kind and its name;
    budget: 全年预算数, or a declaration's 年度资金申请总额; executed: 全年执行数; rate: execution rate as printed; score: total
    score; grade: its band; dropped, added: names of the 三级指标 it no longer has, or has for the
    first time, against the project's previous year (empty in its first year).
    """

    year: int
    path: str
    kind: str
    kind_label: str
    budget: Decimal | None
    executed: Decimal | None
    rate: Decimal | None
    score: Decimal | None
    grade: str | None
    dropped: tuple[str, ...]
    added: tuple[str, ...]


def _indicator_key(name: str) -> str:
    """An indicator's identity across years: its name with spelling noise folded."""
    return "".join(unicodedata.normalize("NFKC", name).split())


def project_history(group: Iterable[ReportEntry], grades: tuple[Grade, ...]) -> tuple[ProjectYear, ...]:
    """A project's years, oldest first: one report per year (its self-evaluation before its declaration)."""
    chosen: dict[int, ReportEntry] = {}
    for entry in sorted(group, key=lambda e: (e.model.year, e.kind != "self-evaluation", e.slug)):
        chosen.setdefault(entry.model.year, entry)
    history: list[ProjectYear] = []
    previous: dict[str, str] | None = None
    for year, entry in sorted(chosen.items()):
        m = entry.model
        assert isinstance(m, (SelfEvaluation, TargetDeclaration))
        names = {_indicator_key(i.name): i.name for i in m.indicators if i.name}
        dropped = tuple(previous[k] for k in previous if k not in names) if previous is not None else ()
        added = tuple(names[k] for k in names if k not in previous) if previous is not None else ()
        label = KIND_LABELS[m.kind]
        if isinstance(m, SelfEvaluation):
            t = m.funds.total
            history.append(ProjectYear(year, entry.path, m.kind, label, t.adjusted, t.executed, t.rate,
                                       total_score(m), report_grade(m, grades), dropped, added))
        else:
            history.append(ProjectYear(year, entry.path, m.kind, label, m.funds.requested, None, None, None,
                                       None, dropped, added))
        previous = names
    return tuple(history)


@dataclass(frozen=True)
class Aggregates:
    """Summaries and links computed once per build.

    site: the whole site; departments: by department slug; years: by (department, year);
    related: by report path, the other reports of the same project, oldest first;
    history: by report path, its project's years when it was reported in more than one.
    """

    site: Summary
    departments: dict[str, Summary]
    years: dict[tuple[str, int], Summary]
    related: dict[str, tuple[ReportEntry, ...]]
    history: dict[str, tuple[ProjectYear, ...]] = field(default_factory=dict)


def aggregate(content: Content, findings: list[Finding], kept: dict[tuple[str, int], Row] | None = None) -> Aggregates:
    """Compute every summary and cross-report link of the site. ``kept`` holds each report's row
    as the last build made it, by the report's key and its count of findings (serve keeps it):
    those are not made again, and it is left holding this build's."""
    grades = content.site.grades
    per_report = Counter(f.report for f in findings)
    if kept is None:
        rows = [row(entry, per_report) for entry in content.reports]
    else:
        known = dict(kept)
        kept.clear()
        rows = []
        for entry in content.reports:
            key = (entry.doc.digest, per_report[entry.path])
            found = known.get(key) if key[0] else None  # (a document read without a Store has no key)
            kept[key] = found = found if found is not None else row(entry, per_report)
            rows.append(found)
    by_dept: dict[str, list[Row]] = defaultdict(list)
    by_year: dict[tuple[str, int], list[Row]] = defaultdict(list)
    by_project: dict[tuple[str, str], list[ReportEntry]] = defaultdict(list)
    for entry, summed in zip(content.reports, rows, strict=True):
        model = entry.model
        by_dept[model.department].append(summed)
        if isinstance(model, (SelfEvaluation, TargetDeclaration)):
            by_year[(model.department, model.year)].append(summed)
            by_project[project_key(model)].append(entry)
    related: dict[str, tuple[ReportEntry, ...]] = {}
    history: dict[str, tuple[ProjectYear, ...]] = {}
    for group in by_project.values():
        group.sort(key=lambda e: (e.model.year, e.kind, e.slug))
        years = project_history(group, grades) if len({e.model.year for e in group}) > 1 else ()
        for entry in group:
            related[entry.path] = tuple(other for other in group if other is not entry)
            if years:
                history[entry.path] = years
    return Aggregates(
        site=summarise(rows, grades),
        departments={d: summarise(by_dept.get(d, []), grades) for d in content.departments},
        years={key: summarise(v, grades) for key, v in sorted(by_year.items())},
        related=related,
        history=history,
    )
