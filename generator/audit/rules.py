"""Stage 3, audit: arithmetic and consistency findings on valid content.

Contract: ``audit(content)`` returns :class:`Findings`: every :class:`Finding`, sorted,
and how the targets compared with their actuals; with the Store's memo, a report whose
file is unchanged is not judged again. Findings are
warnings that never stop a build (``--strict`` makes them errors). Each finding
names a stable rule id of :data:`RULES` with its severity, the file and line of
the figure concerned, and says in plain Chinese which figures disagree.

Tolerance: a figure is compared at the precision it is printed with. An amount
or score may be off by half a unit of its last printed digit, a sum by the half
units of all the figures in it (:func:`slack`); a printed execution rate or funds
score by one unit of its last digit (:func:`step`: the seeds round rates up), plus
what the rounding of the amounts it comes from allows. Only differences beyond
that are findings. Rules on
department budgets live in :mod:`generator.audit.budget`; reading targets and
actuals in :mod:`generator.audit.targets`.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from generator.audit.budget import Issue, budget_issues
from generator.audit.targets import Outcome, judge, slack, step, tolerance
from generator.content.facts import grade_of, project_key, total_score
from generator.content.load import format_loc
from generator.content.models import (
    UNIT_FACTOR,
    Grade,
    Indicator,
    Report,
    SelfEvaluation,
    TargetDeclaration,
    TargetIndicator,
)
from generator.content.validate import Content, ReportEntry
from generator.numbers import printed as num
from generator.output import parallel

if TYPE_CHECKING:
    from generator.store import Results


__all__ = ["RULES", "SEVERITIES", "Finding", "Findings", "Rule", "audit", "tolerance"]


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
    severity: str = "warning"  # a key of SEVERITIES, set from the rule
    # the file relative to the content folder, as the site shows it (``file`` is as the terminal
    # shows it: the site must not depend on, nor tell, where the build ran)
    source: str = ""

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.rule}: {self.field}: {self.message}"

    @property
    def title(self) -> str:
        """The rule in a few words, for headings and filters."""
        return RULES[self.rule].title

    @property
    def severity_label(self) -> str:
        """The severity in words."""
        return SEVERITIES[self.severity]

    @property
    def anchor(self) -> str:
        """A stable HTML id for the finding, the same on every build of the same content."""
        key = f"{self.report}|{self.field}|{self.rule}|{self.message}"
        return "finding-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:10]


@dataclass(frozen=True)
class Rule:
    """title: the rule in a few words; severity: a key of SEVERITIES; help: what it checks, for readers."""

    title: str
    severity: str
    help: str


SEVERITIES: dict[str, str] = {"error": "数字不符", "warning": "评分存疑", "notice": "提示"}

RULES: dict[str, Rule] = {
    "rate": Rule("执行率与执行数、预算数不符", "error", "执行率应等于全年执行数÷全年预算数。"),
    "funds-score": Rule("资金得分与执行率不符", "error", "资金得分应等于分值×执行率（执行率超过100%按100%计）。"),
    "funds-rows": Rule("资金来源之和与总额不符", "error",
                       "当年财政拨款、上年结转资金、其他资金相加应等于年度资金总额（各列分别核对）。"),
    "total-weight": Rule("各项分值之和与总分值不符", "error", "资金分值与各指标分值相加应等于印出的总分值。"),
    "total-score": Rule("各项得分之和与总得分不符", "error", "资金得分与各指标得分相加应等于印出的总得分。"),
    "score-range": Rule("得分超过分值", "error", "每项得分应在0与该项分值之间。"),
    "grade-claim": Rule("自评等级与总分不符", "error", "文字中写明的自评等级应与总分所在的等级一致。"),
    "target-missed-full": Rule("未达指标值却得满分", "warning", "实际完成值没有达到年度指标值，该项却得了满分。"),
    "target-met-lost": Rule("已达指标值却失分", "warning", "实际完成值达到了年度指标值，该项却被扣分。"),
    "no-reason": Rule("失分未说明原因", "notice", "指标失分时，应在“偏差原因分析及改进措施”中说明原因。"),
    "category": Rule("指标类别不在标准框架中", "notice",
                     "一级、二级指标应属于标准框架：产出、效益、满意度、成本指标及其二级指标。"),
    "declaration-funds": Rule("申报资金来源之和与申请总额不符", "error",
                              "当年财政拨款、上年结转资金、其他资金相加应等于年度资金申请总额。"),
    "declaration-budget": Rule("目标申报与自评的预算不符", "error",
                               "同一项目同一年度，目标申报表的年度资金申请总额应等于自评表的年初预算数。"),
    "budget-children": Rule("下级科目之和与上级科目不符", "error", "预算表中各款之和应等于所属的类，各项之和应等于所属的款。"),
    "budget-total": Rule("各类之和与合计不符", "error", "预算表中各类科目相加应等于合计行。"),
    "budget-code": Rule("科目编码与上级不符", "error", "下级科目的编码应以上级科目的编码开头。"),
    "budget-tables": Rule("同一科目在各表中的数字不同", "error",
                          "合计相同的表（如部门收入预算总表与支出预算总表）中，同一科目（同一编码或同一名称）的金额应相同。"),
    "budget-columns": Rule("各列之和与合计列不符", "error", "合计列应等于其后各组成列之和（如基本支出+项目支出）。"),
    "sangong": Rule("“三公”经费合计与各项不符", "error",
                    "“三公”经费合计应等于因公出国（境）费、公务接待费、公务用车购置及运行费之和，小计应等于购置费与运行费之和。"),
    "budget-text": Rule("说明文字中的金额与预算表不符", "error", "编制说明中写出的金额应与预算表中同名科目或栏目的数字一致（按印出的精度）。"),
}

# The standard framework of indicator categories (一级 → 二级), names without the 指标 suffix.
FRAMEWORK: dict[str, tuple[str, ...]] = {
    "产出": ("数量", "质量", "时效", "成本"),
    "效益": ("经济效益", "社会效益", "生态效益", "可持续影响"),
    "满意度": ("服务对象满意度",),
    "成本": ("经济成本", "社会成本", "生态环境成本"),
}
_GRADE_CLAIM = re.compile(r"(?:自评|评价)(?:等级|结果)?(?:为|是|：|:)\s*[“\"「]?(优秀|优|良好|良|中等|中|合格|及格|差)")
_GRADE_WORDS = {"优秀": "优", "良好": "良", "中等": "中"}
_ROWS = (("total", "年度资金总额"), ("appropriation", "当年财政拨款"), ("carryover", "上年结转资金"),
         ("other", "其他资金"))
_COLUMNS = (("initial", "年初预算数"), ("adjusted", "全年预算数"), ("executed", "全年执行数"))


def pct(ratio: Decimal, digits: int | None = 2) -> str:
    """A ratio as a percentage to ``digits`` decimals, or as printed when None: 0.9598 → 95.98%."""
    shown = ratio.scaleb(2)
    return f"{num(shown if digits is None else shown.quantize(Decimal(1).scaleb(-digits)))}%"


def _printed(value: Decimal, unit: str) -> Decimal:
    """An amount held in 元 back in the unit it was printed in, with its printed digits."""
    return value / UNIT_FACTOR[unit]


def _short(text: str, limit: int = 30) -> str:
    """An indicator name or reason for a message, cut to ``limit`` characters."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _label(name: str) -> str:
    return unicodedata.normalize("NFKC", "".join(name.split())).removesuffix("指标")


def _categories(indicators: Sequence[Indicator | TargetIndicator]) -> Iterator[Issue]:
    """Flag 一级/二级 names outside the standard framework."""
    for i, item in enumerate(indicators):
        level1, level2 = _label(item.level1), _label(item.level2)
        if level1 not in FRAMEWORK:
            yield ("category", ("indicators", i, "level1"),
                   f"一级指标「{item.level1}」不是标准框架的一级指标（产出、效益、满意度、成本指标）")
        elif level2 and level2 not in FRAMEWORK[level1]:
            allowed = "、".join(f"{n}指标" for n in FRAMEWORK[level1])
            yield ("category", ("indicators", i, "level2"),
                   f"二级指标「{item.level2}」不是「{level1}指标」下的标准二级指标（{allowed}）")


def _funds(report: SelfEvaluation) -> Iterator[Issue]:
    """Rate, funds score and the funding rows of a self-evaluation."""
    unit = report.money_unit
    for key, label in _ROWS:
        row = getattr(report.funds, key)
        if row.rate is None or row.adjusted is None or row.executed is None:
            continue
        adjusted, executed = _printed(row.adjusted, unit), _printed(row.executed, unit)
        if adjusted == 0:
            if executed > 0:
                yield ("rate", ("funds", key, "rate"),
                       f"{label}的全年预算数为0，却有全年执行数{num(executed)}{unit}，执行率印为{pct(row.rate, None)}")
            continue
        expected = executed / adjusted
        spread = tolerance(executed) / executed if executed else Decimal(0)
        allowed = step(row.rate) + expected * (spread + tolerance(adjusted) / adjusted)
        if abs(expected - row.rate) > allowed:
            said = (f"{label}的执行率印为{pct(row.rate, None)}，"
                    f"但全年执行数{num(executed)}÷全年预算数{num(adjusted)}为{pct(expected)}")
            initial = _printed(row.initial, unit) if row.initial else None
            if initial and abs(executed / initial - row.rate) <= step(row.rate):
                said += "（印出的执行率是按年初预算数算的）"
            yield ("rate", ("funds", key, "rate"), said)
    total = report.funds.total
    if total.weight is not None and total.score is not None and total.adjusted:
        rate = total.rate
        if rate is None and total.executed is not None:
            rate = total.executed / total.adjusted
        if rate is not None:
            expected = total.weight * min(rate, Decimal(1))
            allowed = step(total.score) + total.weight * (step(total.rate) if total.rate is not None else 0)
            if abs(expected - total.score) > allowed:
                said = (f"资金得分印为{num(total.score)}，但分值{num(total.weight)}×执行率{pct(rate)}"
                        f"为{num(expected.quantize(Decimal('0.01')))}")
                yield ("funds-score", ("funds", "total", "score"), said)
    for column, label in _COLUMNS:
        whole = getattr(total, column)
        parts = [getattr(getattr(report.funds, key), column) for key, _ in _ROWS[1:]]
        if whole is None or all(p is None for p in parts):
            continue
        printed = [_printed(p, unit) for p in parts if p is not None]
        added, shown = sum(printed, Decimal(0)), _printed(whole, unit)
        if abs(added - shown) > slack(shown, *printed):
            verb = "为" if len(printed) == 1 else "相加为"
            yield ("funds-rows", ("funds", "total", column),
                   f"年度资金总额的{label}为{num(shown)}{unit}，但当年财政拨款、上年结转资金、其他资金{verb}{num(added)}{unit}")


def _scores(report: SelfEvaluation, grades: tuple[Grade, ...]) -> Iterator[Issue]:
    """Totals, score ranges, unexplained deductions and the claimed grade."""
    total = report.funds.total
    rows = [i for i in report.indicators if not i.not_applicable]
    for key, label in (("weight", "分值"), ("score", "得分")):
        printed = getattr(report.total, key)
        parts = [getattr(i, key) for i in rows] + [getattr(total, key)]
        if printed is None or any(p is None for p in parts):
            continue
        added = sum(parts, Decimal(0))
        if abs(added - printed) > slack(printed, *parts):
            yield (f"total-{key}", ("total", key),
                   f"总{label}印为{num(printed)}，但资金{label}与各指标{label}相加为{num(added)}")
    if total.score is not None and total.weight is not None and total.score > total.weight:
        yield ("score-range", ("funds", "total", "score"),
               f"资金得分{num(total.score)}超过了分值{num(total.weight)}")
    for i, item in enumerate(report.indicators):
        if item.not_applicable or item.score is None or item.weight is None:
            continue
        if item.score > item.weight:
            yield ("score-range", ("indicators", i, "score"),
                   f"「{_short(item.name)}」得分{num(item.score)}超过了分值{num(item.weight)}")
        elif item.lost > 0 and not item.reason:
            yield ("no-reason", ("indicators", i, "reason"),
                   f"「{_short(item.name)}」分值{num(item.weight)}、得分{num(item.score)}，失{num(item.lost)}分，但没有说明原因")
    score = total_score(report)
    claim = _GRADE_CLAIM.search(report.goals.achieved)
    if claim and score is not None:
        claimed = _GRADE_WORDS.get(claim.group(1), claim.group(1))
        implied = grade_of(score, grades)
        if claimed in {g.grade for g in grades} and implied != claimed:
            yield ("grade-claim", ("goals", "achieved"),
                   f"实际完成情况写明“{claim.group(0)}”，但总分{num(score)}对应的等级是“{implied}”")


def _is_cost(item: Indicator) -> bool:
    """A cost indicator (成本指标), where less is better."""
    return "成本" in item.level1 + item.level2 or item.name.endswith(("成本", "支出", "费用"))


def _targets(report: SelfEvaluation) -> Iterator[Issue]:
    """Targets against actuals, where both can be read."""
    for i, item in enumerate(report.indicators):
        if item.not_applicable or item.score is None or item.weight is None or item.score > item.weight:
            continue
        outcome = judge(item.target, item.actual, cost=_is_cost(item))
        said = f"「{_short(item.name)}」年度指标值为“{item.target}”，实际完成值为“{item.actual}”"
        note = f"（表中说明：{_short(item.reason, 40)}）" if item.reason else ""
        if outcome == "missed" and item.score == item.weight and item.weight > 0:
            yield ("target-missed-full", ("indicators", i, "score"),
                   f"{said}，没有达到指标值，却得满分{num(item.score)}分{note}")
        elif outcome == "met" and item.lost > 0:
            yield ("target-met-lost", ("indicators", i, "score"),
                   f"{said}，已达到指标值，却失{num(item.lost)}分（分值{num(item.weight)}，得分{num(item.score)}）{note}")


def _declaration(report: TargetDeclaration) -> Iterator[Issue]:
    funds, unit = report.funds, report.money_unit
    parts = [p for p in (funds.appropriation, funds.carryover, funds.other) if p is not None]
    if funds.requested is None or not parts:
        return
    printed = [_printed(p, unit) for p in parts]
    added, whole = sum(printed, Decimal(0)), _printed(funds.requested, unit)
    if abs(added - whole) > slack(whole, *printed):
        yield ("declaration-funds", ("funds", "requested"),
               f"年度资金申请总额为{num(whole)}{unit}，但当年财政拨款、上年结转资金、其他资金相加为{num(added)}{unit}")


def _across(content: Content) -> Iterator[tuple[ReportEntry, Issue]]:
    """A declaration and the self-evaluation of the same project and year agree on the budget."""
    evaluations: dict[tuple[tuple[str, str], int], list[ReportEntry]] = defaultdict(list)
    for entry in content.of_kind("self-evaluation"):
        assert isinstance(entry.model, SelfEvaluation)
        evaluations[(project_key(entry.model), entry.model.year)].append(entry)
    for entry in content.of_kind("target-declaration"):
        declared = entry.model
        assert isinstance(declared, TargetDeclaration)
        for other in evaluations.get((project_key(declared), declared.year), []):
            evaluated = other.model
            assert isinstance(evaluated, SelfEvaluation)
            requested, initial = declared.funds.requested, evaluated.funds.total.initial
            if requested is None or initial is None:
                continue
            a, b = _printed(requested, declared.money_unit), _printed(initial, evaluated.money_unit)
            if abs(requested - initial) > slack(a, b) * UNIT_FACTOR[declared.money_unit]:
                said = (f"同一项目{declared.year}年度：目标申报表的年度资金申请总额为{num(a)}{declared.money_unit}，"
                        f"自评表的年初预算数为{num(b)}{evaluated.money_unit}")
                yield entry, ("declaration-budget", ("funds", "requested"), said)
                yield other, ("declaration-budget", ("funds", "total", "initial"), said)


def _issues(report: Report, grades: tuple[Grade, ...]) -> list[Issue]:
    return list(_each_issue(report, grades))


def _each_issue(report: Report, grades: tuple[Grade, ...]) -> Iterator[Issue]:
    if isinstance(report, SelfEvaluation):
        yield from _funds(report)
        yield from _scores(report, grades)
        yield from _targets(report)
        yield from _categories(report.indicators)
    elif isinstance(report, TargetDeclaration):
        yield from _declaration(report)
        yield from _categories(report.indicators)
    else:
        yield from budget_issues(report)


class Findings(list[Finding]):
    """What the audit found: every finding, sorted, and how the self-evaluations' targets
    compared with their actuals (``outcomes``), which the audit page, findings.json and the
    check summary show."""

    def __init__(self, findings: Iterable[Finding] = (), outcomes: Counter[Outcome] | None = None) -> None:
        super().__init__(findings)
        self.outcomes: Counter[Outcome] = outcomes if outcomes is not None else Counter()


def _judge(index: int) -> tuple[list[Issue], dict[str, int]]:
    grades, models = parallel.state()
    report = models[index]
    outcomes = _outcomes(report) if isinstance(report, SelfEvaluation) else Counter()
    return _issues(report, grades), {str(outcome): n for outcome, n in outcomes.items()}


def audit(content: Content, jobs: int = 1, memo: Results | None = None) -> Findings:
    """Run every rule on every report, over ``jobs`` processes; return the findings sorted by
    file and line, with the target outcomes. A report's results are a function of its file and
    the grade bands: with a ``memo``, those of an unchanged file are taken from it."""
    grades = content.site.grades
    bands = hashlib.sha256(repr(grades).encode("utf-8")).hexdigest()[:16]
    keys = [f"{e.doc.digest}:{bands}" if e.doc.digest and memo else "" for e in content.reports]
    results: list[Any] = [memo.get(key) if key and memo else None for key in keys]
    missing = [i for i, found in enumerate(results) if found is None]
    fresh = parallel.run(_judge, range(len(missing)), jobs,
                         (grades, [content.reports[i].model for i in missing]))
    for i, (issues, counts) in zip(missing, fresh, strict=True):
        results[i] = [[[rule, list(loc), message] for rule, loc, message in issues], counts]
        if keys[i] and memo:
            memo.put(keys[i], results[i])
    found: list[tuple[ReportEntry, Issue]] = [
        (entry, (rule, tuple(loc), message))
        for entry, (issues, _) in zip(content.reports, results, strict=True) for rule, loc, message in issues]
    found += list(_across(content))
    findings = []
    for entry, (rule, loc, message) in found:
        line, col = entry.doc.where(loc)
        findings.append(Finding(entry.doc.shown, line, col, rule, format_loc(loc), message, entry.path,
                                RULES[rule].severity, entry.doc.rel))
    outcomes: Counter[Outcome] = Counter()
    for _, counts in results:
        outcomes.update(counts)
    return Findings(sorted(findings), outcomes)


def _outcomes(report: SelfEvaluation) -> Counter[Outcome]:
    return Counter(judge(item.target, item.actual, cost=_is_cost(item))
                   for item in report.indicators if not item.not_applicable)
