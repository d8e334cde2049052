"""Stage 5a, figures: the charts each page shows, as data made from models and summaries.

Contract: each function returns a :class:`~generator.site_pages.charts.Chart` (or None when
there is nothing to draw) whose bars carry the figures formatted exactly as the
page's tables print them: a report's own amounts in its own unit with their
printed digits, summaries in the site's unit to two decimals. Titles and labels
are :class:`~generator.i18n.Msg` keys, translated when the chart is drawn.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from generator.aggregate import ProjectYear, Summary
from generator.content.models import UNIT_FACTOR, SelfEvaluation
from generator.i18n import Msg
from generator.site_pages.charts import Bar, Chart
from generator.site_pages.render import amount, money, number

MAX_PROJECTS = 25  # a year chart shows the largest budgets; its table and the page's table show all


def _money_bar(value: Decimal | None, unit: str, printed: bool) -> Bar:
    """A bar for an amount in 元: as printed (a report's figure) or as a two-decimal sum."""
    if value is None:
        return Bar(None, money(None))
    shown = value / UNIT_FACTOR[unit]
    return Bar(shown, money(value, unit) if printed else amount(value, unit))


def funds_chart(report: SelfEvaluation, unit: str) -> Chart | None:
    """年初预算数, 全年预算数 and 全年执行数 of a self-evaluation's 年度资金总额."""
    total = report.funds.total
    figures = (("年初预算数", total.initial), ("全年预算数", total.adjusted), ("全年执行数", total.executed))
    if all(v is None for _, v in figures):
        return None
    rows = tuple((Msg(label), (_money_bar(v, unit, printed=True),)) for label, v in figures)
    return Chart("chart-funds", Msg("年度资金总额"),
                 Msg("年初预算数、全年预算数与全年执行数的条形图，单位：{unit}。", unit=Msg(unit)),
                 Msg("资金"), (Msg("金额"),), Msg(unit), rows)


def categories_chart(report: SelfEvaluation) -> Chart | None:
    """Weight against score per 一级指标, summed over the rows that apply, in printed order."""
    sums: dict[str, list[Decimal | None]] = {}
    for item in report.indicators:
        if item.not_applicable:
            continue
        pair = sums.setdefault(item.level1, [None, None])
        for k, v in enumerate((item.weight, item.score)):
            if v is not None:
                pair[k] = (pair[k] or Decimal(0)) + v
    if not any(v is not None for pair in sums.values() for v in pair):
        return None
    rows = tuple((level1, tuple(Bar(v, number(v)) for v in pair)) for level1, pair in sums.items())
    return Chart("chart-categories", Msg("各类指标的分值与得分"),
                 Msg("按一级指标汇总的分值与得分的条形图，共{n}类。", n=len(rows)),
                 Msg("一级指标"), (Msg("分值"), Msg("得分")), Msg("分"), rows)


def projects_chart(reports: Iterable[SelfEvaluation], unit: str) -> Chart | None:
    """全年预算数 against 全年执行数 per self-evaluation, the largest budgets first."""
    items = sorted(reports, key=lambda r: (-(r.funds.total.adjusted or Decimal(0)), r.name))
    if not items:
        return None
    shown = items[:MAX_PROJECTS]
    rows = tuple((r.name, (_money_bar(r.funds.total.adjusted, unit, printed=False),
                           _money_bar(r.funds.total.executed, unit, printed=False)))
                 for r in shown)
    note = Msg("只画出预算最大的{n}个项目，全部项目见下方的项目表。", n=len(shown)) \
        if len(items) > len(shown) else ""
    return Chart("chart-projects", Msg("各项目全年预算数与全年执行数"),
                 Msg("{n}个项目的全年预算数与全年执行数的条形图，按预算从大到小排列，单位：{unit}。",
                     n=len(shown), unit=Msg(unit)),
                 Msg("项目名称"), (Msg("全年预算数"), Msg("全年执行数")), Msg(unit), rows, note)


def grades_chart(summary: Summary) -> Chart | None:
    """How many self-evaluations fall in each grade band."""
    if not summary.count:
        return None
    rows = tuple((grade, (Bar(Decimal(n), str(n)),)) for grade, n in summary.grades)
    return Chart("chart-grades", Msg("自评等级分布"),
                 Msg("{n}个绩效自评按得分等级的分布条形图。", n=summary.count),
                 Msg("等级"), (Msg("项目数"),), Msg("项"), rows)


def totals_chart(years: Iterable[tuple[str, int, Summary]], unit: str) -> Chart | None:
    """全年预算数 against 全年执行数 per department and year (self-evaluations only)."""
    rows = tuple((Msg("{name} {year}年", name=name, year=year),
                  (_money_bar(s.adjusted, unit, printed=False), _money_bar(s.executed, unit, printed=False)))
                 for name, year, s in years if s.count)
    if not rows:
        return None
    return Chart("chart-totals", Msg("各部门各年度的预算与执行"),
                 Msg("各部门各年度绩效自评项目的全年预算数与全年执行数合计的条形图，单位：{unit}。",
                     unit=Msg(unit)),
                 Msg("部门与年度"), (Msg("全年预算数"), Msg("全年执行数")), Msg(unit), rows)


def history_chart(history: Sequence[ProjectYear], name: str, unit: str) -> Chart | None:
    """A project's budget against executed per year (a declaration's year: its requested funds)."""
    if len(history) < 2:
        return None
    rows = tuple((Msg("{year}年", year=y.year), (_money_bar(y.budget, unit, printed=False),
                                                 _money_bar(y.executed, unit, printed=False)))
                 for y in history)
    return Chart("chart-history", Msg("历年预算与执行"),
                 Msg("“{name}”{n}个年度的预算数与执行数的条形图，单位：{unit}。", name=name, n=len(rows),
                     unit=Msg(unit)),
                 Msg("年度"), (Msg("预算数"), Msg("执行数")), Msg(unit), rows)
