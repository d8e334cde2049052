"""Stage 3, audit: arithmetic and consistency findings on valid content.

Contract: ``audit(content)`` returns every :class:`Finding`, sorted; findings are
warnings that never stop a build (``--strict`` makes them errors). Each finding
names a stable rule id, the file and line of the figure concerned, and says in
plain Chinese which figures disagree. A difference within the printed precision
(half a unit of the last printed digit) is rounding, not a finding.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from generator.load import Loc, format_loc
from generator.models import SelfEvaluation
from generator.validate import Content, ReportEntry


@dataclass(frozen=True, order=True)
class Finding:
    """One inconsistency in the published figures."""

    file: str
    line: int
    col: int
    rule: str
    field: str
    message: str
    report: str  # URL path of the report concerned

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.rule}: {self.field}: {self.message}"


RULES: dict[str, str] = {
    "rate": "执行率与执行数、预算数不符",
    "total-weight": "各项分值之和与总分值不符",
    "total-score": "各项得分之和与总得分不符",
}

Check = Callable[[ReportEntry], Iterator[tuple[str, Loc, str]]]


def tolerance(*printed: Decimal) -> Decimal:
    """Half a unit of the coarsest last printed digit among ``printed``."""
    exponent = max((int(p.as_tuple().exponent) for p in printed), default=0)
    return Decimal(5).scaleb(exponent - 1)


def _self_evaluation(entry: ReportEntry) -> Iterator[tuple[str, Loc, str]]:
    report = entry.model
    assert isinstance(report, SelfEvaluation)
    total = report.funds.total
    if total.rate is not None and total.adjusted and total.executed is not None:
        expected = total.executed / total.adjusted
        if abs(expected - total.rate) > tolerance(total.rate):
            yield ("rate", ("funds", "total", "rate"),
                   f"执行率印为{total.rate.scaleb(2)}%，但全年执行数÷全年预算数为"
                   f"{expected.scaleb(2).quantize(Decimal('0.01'))}%")
    rows = [i for i in report.indicators if not i.not_applicable]
    for key, label in (("weight", "分值"), ("score", "得分")):
        printed = getattr(report.total, key)
        parts = [getattr(i, key) for i in rows] + [getattr(total, key)]
        if printed is None or any(p is None for p in parts):
            continue
        added = sum(parts, Decimal(0))
        if abs(added - printed) > tolerance(printed, *parts):
            yield (f"total-{key}", ("total", key),
                   f"总{label}印为{printed}，但资金{label}与各指标{label}相加为{added}")


CHECKS: dict[str, Check] = {"self-evaluation": _self_evaluation}


def audit(content: Content) -> list[Finding]:
    """Run every rule on every report; return the findings sorted by file and line."""
    findings = []
    for entry in content.reports:
        check = CHECKS.get(entry.kind)
        if check is None:
            continue
        for rule, loc, message in check(entry):
            line, col = entry.doc.where(loc)
            findings.append(Finding(entry.doc.shown, line, col, rule, format_loc(loc), message, entry.path))
    return sorted(findings)
