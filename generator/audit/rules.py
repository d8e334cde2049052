"""Stage 3, audit: arithmetic and consistency findings on valid content.

Contract: ``audit(content)`` returns :class:`Findings`: every :class:`Finding`, sorted,
and how the targets compared with their actuals; with the Store's memo, a report whose
file is unchanged is not judged again. Findings are
warnings that never stop a build (``--strict`` makes them errors). Each finding
names a stable rule id of :data:`RULES` with its severity, the file and line of
the figure concerned, and says in plain Chinese which figures disagree: a message
template (:class:`generator.i18n.Msg`) filled with the content it quotes, so that
pages can say it in another language (:mod:`generator.audit.findings`).

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
import sys
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from generator.audit.budget import Issue, budget_issues
from generator.audit.findings import FRAMEWORK, RULES, SEVERITIES, Finding, Findings, Rule
from generator.audit.targets import (
    Outcome,
    clean,
    denies,
    frequencies,
    judge,
    slack,
    step,
    tolerance,
)
from generator.content.facts import carried_out, grade_of, project_key, total_score
from generator.content.load import Document, Loc, format_loc
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
from generator.i18n import Msg, listing, msg_data, msg_from_data
from generator.numbers import printed as num
from generator.output import parallel

if TYPE_CHECKING:
    from generator.store import Results


__all__ = ["FRAMEWORK", "RULES", "SEVERITIES", "Finding", "Findings", "Rule", "audit", "tolerance"]


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


def _money(amount: Decimal, unit: str) -> Msg:
    """An amount as printed with its unit: ``90.00元`` (``90.00 (CNY)`` in English)."""
    return Msg("{amount}{unit}", amount=num(amount), unit=Msg(unit))


def _times(per_year: Decimal) -> str:
    """Times per year for a message: whole, or to two decimals (每3周1次 is 17.33)."""
    whole = per_year.to_integral_value()
    return num(whole if per_year == whole else per_year.quantize(Decimal("0.01")))


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
                   Msg("一级指标「{name}」不是标准框架的一级指标（{allowed}）", name=item.level1,
                       allowed=listing([Msg(f"{n}指标") for n in FRAMEWORK])))
        elif level2 and level2 not in FRAMEWORK[level1]:
            yield ("category", ("indicators", i, "level2"),
                   Msg("二级指标「{name}」不是「{level1}」下的标准二级指标（{allowed}）", name=item.level2,
                       level1=Msg(f"{level1}指标"), allowed=listing([Msg(f"{n}指标") for n in FRAMEWORK[level1]])))


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
                       Msg("{label}的全年预算数为0，却有全年执行数{executed}，执行率印为{rate}", label=Msg(label),
                           executed=_money(executed, unit), rate=pct(row.rate, None)))
            continue
        expected = executed / adjusted
        spread = tolerance(executed) / executed if executed else Decimal(0)
        allowed = step(row.rate) + expected * (spread + tolerance(adjusted) / adjusted)
        if abs(expected - row.rate) > allowed:
            initial = _printed(row.initial, unit) if row.initial else None
            on_initial = bool(initial and abs(executed / initial - row.rate) <= step(row.rate))
            yield ("rate", ("funds", key, "rate"),
                   Msg("{label}的执行率印为{rate}，但全年执行数{executed}÷全年预算数{adjusted}为{expected}{note}",
                       label=Msg(label), rate=pct(row.rate, None), executed=num(executed), adjusted=num(adjusted),
                       expected=pct(expected), note=Msg("（印出的执行率是按年初预算数算的）") if on_initial else ""))
    total = report.funds.total
    if total.weight is not None and total.score is not None and total.adjusted:
        rate = total.rate
        if rate is None and total.executed is not None:
            rate = total.executed / total.adjusted
        if rate is not None:
            expected = total.weight * min(rate, Decimal(1))
            allowed = step(total.score) + total.weight * (step(total.rate) if total.rate is not None else 0)
            if abs(expected - total.score) > allowed:
                yield ("funds-score", ("funds", "total", "score"),
                       Msg("资金得分印为{score}，但分值{weight}×执行率{rate}为{expected}", score=num(total.score),
                           weight=num(total.weight), rate=pct(rate), expected=num(expected.quantize(Decimal("0.01")))))
    for column, label in _COLUMNS:
        whole = getattr(total, column)
        parts = [getattr(getattr(report.funds, key), column) for key, _ in _ROWS[1:]]
        if whole is None or all(p is None for p in parts):
            continue
        printed = [_printed(p, unit) for p in parts if p is not None]
        added, shown = sum(printed, Decimal(0)), _printed(whole, unit)
        if abs(added - shown) > slack(shown, *printed):
            key = ("年度资金总额的{label}为{shown}，但当年财政拨款、上年结转资金、其他资金为{added}" if len(printed) == 1
                   else "年度资金总额的{label}为{shown}，但当年财政拨款、上年结转资金、其他资金相加为{added}")
            yield ("funds-rows", ("funds", "total", column),
                   Msg(key, label=Msg(label), shown=_money(shown, unit), added=_money(added, unit)))


def _scores(report: SelfEvaluation, grades: tuple[Grade, ...]) -> Iterator[Issue]:
    """Totals, score ranges, unexplained deductions and the claimed grade."""
    total = report.funds.total
    rows = [i for i in report.indicators if not i.not_applicable]
    for key, said in (("weight", "总分值印为{printed}，但资金分值与各指标分值相加为{added}"),
                      ("score", "总得分印为{printed}，但资金得分与各指标得分相加为{added}")):
        printed = getattr(report.total, key)
        parts = [getattr(i, key) for i in rows] + [getattr(total, key)]
        if printed is None or any(p is None for p in parts):
            continue
        added = sum(parts, Decimal(0))
        if abs(added - printed) > slack(printed, *parts):
            yield (f"total-{key}", ("total", key), Msg(said, printed=num(printed), added=num(added)))
    if total.score is not None and total.weight is not None and total.score > total.weight:
        yield ("score-range", ("funds", "total", "score"),
               Msg("资金得分{score}超过了分值{weight}", score=num(total.score), weight=num(total.weight)))
    for i, item in enumerate(report.indicators):
        if item.not_applicable or item.score is None or item.weight is None:
            continue
        if item.score > item.weight:
            yield ("score-range", ("indicators", i, "score"),
                   Msg("「{name}」得分{score}超过了分值{weight}", name=_short(item.name), score=num(item.score),
                       weight=num(item.weight)))
        elif item.lost > 0 and not item.reason:
            yield ("no-reason", ("indicators", i, "reason"),
                   Msg("「{name}」分值{weight}、得分{score}，失{lost}分，但没有说明原因", name=_short(item.name),
                       weight=num(item.weight), score=num(item.score), lost=num(item.lost)))
    score = total_score(report)
    claim = _GRADE_CLAIM.search(report.goals.achieved)
    if claim and score is not None and carried_out(report):
        claimed = _GRADE_WORDS.get(claim.group(1), claim.group(1))
        implied = grade_of(score, grades)
        if claimed in {g.grade for g in grades} and implied is not None and implied != claimed:
            yield ("grade-claim", ("goals", "achieved"),
                   Msg("实际完成情况写明“{claim}”，但总分{score}对应的等级是“{grade}”", claim=claim.group(0),
                       score=num(score), grade=Msg(implied)))


def _is_cost(item: Indicator) -> bool:
    """A cost indicator (成本指标), where less is better."""
    return "成本" in item.level1 + item.level2 or item.name.endswith(("成本", "支出", "费用"))


def _targets(report: SelfEvaluation) -> Iterator[Issue]:
    """Targets against actuals, where both can be read; full marks with no actual, or one that denies the target."""
    blank: list[int] = []  # rows with full marks and no actual: one finding for them all
    for i, item in enumerate(report.indicators):
        if item.not_applicable or item.score is None or item.weight is None or item.score > item.weight:
            continue
        full = item.score == item.weight and item.weight > 0
        if full and clean(item.target) and not clean(item.actual):
            blank.append(i)
            continue
        outcome = judge(item.target, item.actual, cost=_is_cost(item))
        note = Msg("（表中说明：{reason}）", reason=_short(item.reason, 40)) if item.reason else ""
        said = {"name": _short(item.name), "target": item.target, "actual": item.actual, "note": note}
        if outcome == "missed" and full:
            if denies(item.target, item.actual):
                yield ("denied-full", ("indicators", i, "score"),
                       Msg("「{name}」年度指标值为“{target}”，实际完成值为“{actual}”，否定了指标值，却得满分{score}分{note}",
                           score=num(item.score), **said))
            elif times := frequencies(item.target, item.actual):
                yield ("target-missed-full", ("indicators", i, "score"),
                       Msg("「{name}」年度指标值为“{target}”，实际完成值为“{actual}”，每年{got}次少于指标的每年{want}次，"
                           "却得满分{score}分{note}", want=_times(times[0]), got=_times(times[1]), score=num(item.score),
                           **said))
            else:
                yield ("target-missed-full", ("indicators", i, "score"),
                       Msg("「{name}」年度指标值为“{target}”，实际完成值为“{actual}”，没有达到指标值，却得满分{score}分{note}",
                           score=num(item.score), **said))
        elif outcome == "met" and item.lost > 0:
            yield ("target-met-lost", ("indicators", i, "score"),
                   Msg("「{name}」年度指标值为“{target}”，实际完成值为“{actual}”，已达到指标值，却失{lost}分"
                       "（分值{weight}，得分{score}）{note}", lost=num(item.lost), weight=num(item.weight),
                       score=num(item.score), **said))
    if len(blank) == 1:
        item = report.indicators[blank[0]]
        yield ("no-actual-full", ("indicators", blank[0], "actual"),
               Msg("「{name}」年度指标值为“{target}”，没有填写实际完成值，却得满分{score}分",
                   name=_short(item.name), target=item.target, score=num(item.score or 0)))
    elif blank:
        names = [_short(report.indicators[i].name, 20) for i in blank]
        shown = listing(names) if len(names) <= 4 else Msg("{names}等", names=listing(names[:3]))
        yield ("no-actual-full", ("indicators", blank[0], "actual"),
               Msg("{n}项指标（{names}）没有填写实际完成值，却都得满分", n=str(len(blank)), names=shown))


def _declaration(report: TargetDeclaration) -> Iterator[Issue]:
    funds, unit = report.funds, report.money_unit
    parts = [p for p in (funds.appropriation, funds.carryover, funds.other) if p is not None]
    if funds.requested is None or not parts:
        return
    printed = [_printed(p, unit) for p in parts]
    added, whole = sum(printed, Decimal(0)), _printed(funds.requested, unit)
    if abs(added - whole) > slack(whole, *printed):
        yield ("declaration-funds", ("funds", "requested"),
               Msg("年度资金申请总额为{whole}，但当年财政拨款、上年结转资金、其他资金相加为{added}",
                   whole=_money(whole, unit), added=_money(added, unit)))


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
                said = Msg("同一项目{year}年度：目标申报表的年度资金申请总额为{requested}，自评表的年初预算数为{initial}",
                           year=str(declared.year), requested=_money(a, declared.money_unit),
                           initial=_money(b, evaluated.money_unit))
                yield entry, ("declaration-budget", ("funds", "requested"), said)
                yield other, ("declaration-budget", ("funds", "total", "initial"), said)


def _issues(report: Report, grades: tuple[Grade, ...]) -> list[Issue]:
    return list(_each_issue(report, grades))


def _each_issue(report: Report, grades: tuple[Grade, ...]) -> Iterator[Issue]:
    if isinstance(report, SelfEvaluation):
        yield from _funds(report)
        yield from _scores(report, grades)
        if carried_out(report):  # a project not carried out has no performance to judge row by row
            yield from _targets(report)
        yield from _categories(report.indicators)
    elif isinstance(report, TargetDeclaration):
        yield from _declaration(report)
        yield from _categories(report.indicators)
    else:
        yield from budget_issues(report)


def bands_key(grades: tuple[Grade, ...]) -> str:
    """The grade bands as :func:`audit_key` keys results by them (made once per build, not per report)."""
    return hashlib.sha256(repr(grades).encode("utf-8")).hexdigest()[:16]


def audit_key(digest: str, bands: str) -> str:
    """What a report's results are kept by: its file (its Store key, ``digest``) and the grade
    bands (:func:`bands_key`)."""
    return f"{digest}:{bands}" if digest else ""


def report_results(report: Report, grades: tuple[Grade, ...], doc: Document) -> list[Any]:
    """Run every rule on one report: its results as the audit's memo keeps them (JSON: each issue
    as rule, path, message key and values, line and column; the target outcomes counted)."""
    outcomes = _outcomes(report) if isinstance(report, SelfEvaluation) else Counter()
    issues = _issues(report, grades)
    positions = doc.places([loc for _, loc, _ in issues]) if issues else {}
    return [[[rule, list(loc), msg_data(message), *doc.where(loc, positions)] for rule, loc, message in issues],
            {str(outcome): n for outcome, n in outcomes.items()}]


def _judge(index: int) -> list[Any]:
    grades, entries = parallel.state()
    entry = entries[index]
    return report_results(entry.model, grades, entry.doc)


def audit(content: Content, jobs: int = 1, memo: Results | None = None,
          made: dict[str, tuple[tuple[str, str, str], list[Finding]]] | None = None) -> Findings:
    """Run every rule on every report, over ``jobs`` processes; return the findings sorted by
    file and line, with the target outcomes. A report's results are a function of its file and
    the grade bands: with a ``memo``, those of an unchanged file are taken from it. ``made`` (a
    Store kept in memory: serve's) keeps each report's findings by its key and where it stands,
    so a rebuild gives the very findings of the last for the reports that did not change (the
    pages compare their inputs by identity first)."""
    grades = content.site.grades
    bands = bands_key(grades)
    keys = [audit_key(e.doc.digest, bands) if memo else "" for e in content.reports]
    results: list[Any] = [memo.read(key, _read) if key and memo else None for key in keys]
    missing = [i for i, found in enumerate(results) if found is None]
    fresh = parallel.run(_judge, range(len(missing)), jobs, (grades, [content.reports[i] for i in missing]))
    for i, kept in zip(missing, fresh, strict=True):
        # read back from the memo's form even now, so the findings of this build and of the next,
        # from the memo, are alike down to their pickles (a page's fingerprint: a Msg shared by two
        # findings here would be two Msgs there)
        results[i] = _read(kept)
        if keys[i] and memo:
            memo.put(keys[i], kept)
    findings = []
    now: dict[str, tuple[tuple[str, str, str], list[Finding]]] = {}
    for entry, key, (issues, _) in zip(content.reports, keys, results, strict=True):
        shown = entry.doc.shown
        where = (shown, entry.path, entry.doc.rel)
        known = made.get(key) if made is not None else None
        if known is not None and known[0] == where:
            mine = known[1]
        else:
            mine = [Finding(shown, line, col, rule, format_loc(loc), message, entry.path, RULES[rule].severity,
                            entry.doc.rel) for rule, loc, message, (line, col) in issues]
        if made is not None and key:
            now[key] = (where, mine)
        findings += mine
    if made is not None:
        made.clear()
        made.update(now)
    for entry, (rule, loc, message) in _across(content):
        line, col = entry.doc.where(loc)
        findings.append(Finding(entry.doc.shown, line, col, rule, format_loc(loc), message, entry.path,
                                RULES[rule].severity, entry.doc.rel))
    outcomes: Counter[Outcome] = Counter()
    for _, counts in results:
        outcomes.update(counts)
    return Findings(sorted(findings), outcomes)


Placed = tuple[str, Loc, Msg, tuple[int, int]]  # an issue and where it stands: line and column


def _read(kept: Any) -> tuple[list[Placed], dict[str, int]] | None:
    """A report's results as the memo keeps them, or None when they are not of this version."""
    if kept is None:
        return None
    try:
        issues, counts = kept
        return [(sys.intern(str(rule)), tuple(sys.intern(p) if isinstance(p, str) else p for p in loc),
                 msg_from_data(message), (int(line), int(col))) for rule, loc, message, line, col in issues], \
            dict(counts)
    except (TypeError, ValueError, KeyError):
        return None


def _outcomes(report: SelfEvaluation) -> Counter[Outcome]:
    return Counter(judge(item.target, item.actual, cost=_is_cost(item))
                   for item in report.indicators if not item.not_applicable)
