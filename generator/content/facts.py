"""Facts of a report that every stage shows alike: its project, total score and grade.

Contract: pure functions of a valid model (and the site's grade bands). The audit, the pages,
the downloads and the search records all call these, so a report's score and grade are the same
wherever they appear. Two reports are the same project when they have the same department and
the same name once spelling noise is folded (full-width and half-width forms, spaces). A
self-evaluation whose project had neither budget nor spending (全年预算数 0, nothing executed,
as the cancelled 立功竞赛) was not carried out: its grade is :data:`NOT_CARRIED_OUT`, not a band,
and it stays out of grade distributions and average scores.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from decimal import Decimal

from generator.content.models import Grade, SelfEvaluation, TargetDeclaration
from generator.i18n import Msg

NOT_CARRIED_OUT = Msg("未实施")  # the grade of a project that had neither budget nor spending


def project_key(report: SelfEvaluation | TargetDeclaration) -> tuple[str, str]:
    """The identity of a project across years and kinds: department and folded name."""
    name = unicodedata.normalize("NFKC", report.name)
    return report.department, "".join(name.split())


def total_score(report: SelfEvaluation) -> Decimal | None:
    """The printed total score, or the funds score plus the indicator scores when none is printed."""
    if report.total.score is not None:
        return report.total.score
    parts = [report.funds.total.score, *(i.score for i in report.indicators if not i.not_applicable)]
    known = [p for p in parts if p is not None]
    return sum(known, Decimal(0)) if known else None


def grade_of(score: Decimal | None, grades: Iterable[Grade]) -> str | None:
    """The name of the band ``score`` falls in."""
    if score is None:
        return None
    for band in grades:
        if score >= band.min:
            return band.grade
    return None


def carried_out(report: SelfEvaluation) -> bool:
    """False for a project with neither budget nor spending: 全年预算数 (or, when none is printed,
    年初预算数) is 0 and nothing was executed."""
    total = report.funds.total
    budget = total.adjusted if total.adjusted is not None else total.initial
    return not (budget is not None and budget == 0 and not total.executed)


def report_grade(report: SelfEvaluation, grades: Iterable[Grade]) -> str | None:
    """The report's grade: :data:`NOT_CARRIED_OUT` when it was not carried out, else the band of its total."""
    return grade_of(total_score(report), grades) if carried_out(report) else NOT_CARRIED_OUT
