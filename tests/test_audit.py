"""Stage 3, audit: each rule fires on a small made-up report that breaks it, and stays quiet on one that does not."""

from __future__ import annotations

import pytest

from generator.audit.rules import RULES, Finding
from generator.site import check
from tests.conftest import MakeSite

SE = "departments/test-dept/projects/2022/p.yaml"
TD = "departments/test-dept/projects/2022/d.yaml"
BUDGET = "departments/test-dept/budget-2024.yaml"

FUNDS = """\
funds:
  total:         {{initial: {initial}, adjusted: {adjusted}, executed: {executed}, weight: 10, rate: {rate}, score: {fscore}}}
  appropriation: {{initial: {a_initial}, adjusted: {adjusted}, executed: {executed}}}
"""


def evaluation(*, initial: str = "100.00", adjusted: str = "100.00", executed: str = "100.00",
               rate: str = "1.0000", fscore: str = "10", a_initial: str | None = None,
               achieved: str = "完成", indicators: list[str] | None = None,
               total: str = "{weight: 100, score: 100}", unit: str = "元", name: str = "测试项目") -> str:
    """A self-evaluation whose figures all agree unless a keyword changes one."""
    rows = indicators if indicators is not None else [
        "{level1: 产出指标, level2: 数量指标, name: 完成数, target: '>=10个', actual: 12个, weight: 50, score: 50}",
        "{level1: 满意度指标, level2: 服务对象满意度指标, name: 满意度, target: '>=85%', actual: 90%, weight: 40, score: 40}",
    ]
    return (f"kind: self-evaluation\nyear: 2022\nname: {name}\ndepartment: test-dept\nmoney_unit: {unit}\n"
            + FUNDS.format(initial=initial, adjusted=adjusted, executed=executed, rate=rate, fscore=fscore,
                           a_initial=a_initial or initial)
            + f"goals:\n  achieved: {achieved}\nindicators:\n" + "".join(f"  - {r}\n" for r in rows)
            + f"total: {total}\n")


def row(target: str, actual: str, weight: str = "50", score: str = "50", reason: str = "",
        level1: str = "产出指标", level2: str = "数量指标", name: str = "完成数") -> str:
    extra = f", reason: {reason}" if reason else ""
    return (f"{{level1: {level1}, level2: {level2}, name: {name}, target: '{target}', actual: '{actual}', "
            f"weight: {weight}, score: {score}{extra}}}")


def findings(make_site: MakeSite, files: dict[str, str]) -> list[Finding]:
    _, found = check(make_site(files))
    return found


def rules(make_site: MakeSite, files: dict[str, str]) -> list[str]:
    return [f.rule for f in findings(make_site, files)]


def test_a_consistent_report_has_no_findings(make_site: MakeSite) -> None:
    assert findings(make_site, {SE: evaluation()}) == []


def test_every_rule_has_a_title_a_severity_and_help() -> None:
    for rule, info in RULES.items():
        assert info.title and info.help and info.severity in ("error", "warning", "notice"), rule


# --- funds -----------------------------------------------------------------------------

def test_rate_fires_when_the_printed_rate_is_not_executed_over_budget(make_site: MakeSite) -> None:
    found = findings(make_site, {SE: evaluation(executed="90.00", rate="1.0000", fscore="10")})
    assert [f.rule for f in found] == ["rate"]
    assert found[0].message == "年度资金总额的执行率印为100.00%，但全年执行数90.00÷全年预算数100.00为90.00%"
    assert found[0].field == "funds.total.rate" and found[0].line == 7 and found[0].severity == "error"


def test_rate_allows_a_rate_rounded_up_to_its_last_digit(make_site: MakeSite) -> None:
    # 697,500 ÷ 700,000 = 99.643 %, printed 99.65 % in the seeds: rounding, not a finding
    report = evaluation(initial="700000.00", adjusted="700000.00", executed="697500", rate="0.9965", fscore="9.96")
    assert rules(make_site, {SE: report}) == []
    assert rules(make_site, {SE: report.replace("0.9965", "0.9967")}) == ["rate"]


def test_rate_names_a_rate_computed_on_the_initial_budget(make_site: MakeSite) -> None:
    found = findings(make_site, {SE: evaluation(initial="110.00", executed="100.00", rate="0.91", fscore="9.1",
                                                total="{weight: 100, score: 99.1}")})
    assert [f.rule for f in found] == ["rate"]
    assert found[0].message.endswith("为100.00%（印出的执行率是按年初预算数算的）")


def test_rate_with_a_zero_budget(make_site: MakeSite) -> None:
    spent = evaluation(adjusted="0", executed="5.00", rate="1.00", fscore="10")
    assert rules(make_site, {SE: spent}) == ["rate"]
    assert "全年预算数为0，却有全年执行数5.00元" in findings(make_site, {SE: spent})[0].message
    assert rules(make_site, {SE: evaluation(adjusted="0", executed="0", rate="0", fscore="0",
                                            total="{weight: 100, score: 90}")}) == []


def test_funds_score_is_weight_times_rate(make_site: MakeSite) -> None:
    wrong = evaluation(executed="4.26", rate="0.0426", fscore="4.26", total="{weight: 100, score: 94.26}")
    found = findings(make_site, {SE: wrong})
    assert [f.rule for f in found] == ["funds-score"]
    assert found[0].message == "资金得分印为4.26，但分值10×执行率4.26%为0.43"
    right = evaluation(executed="95.98", rate="0.9598", fscore="9.6", total="{weight: 100, score: 99.6}")
    assert rules(make_site, {SE: right}) == []


def test_funds_rows_add_up_to_the_total_in_each_column(make_site: MakeSite) -> None:
    found = findings(make_site, {SE: evaluation(a_initial="0")})
    assert [(f.rule, f.field) for f in found] == [("funds-rows", "funds.total.initial")]
    assert found[0].message == "年度资金总额的年初预算数为100.00元，但当年财政拨款、上年结转资金、其他资金为0元"
    # a column where no funding row is given is not checked
    blank = evaluation().replace("  appropriation: {initial: 100.00, adjusted: 100.00, executed: 100.00}\n", "")
    assert rules(make_site, {SE: blank}) == []


def test_amounts_in_wan_yuan_are_compared_at_their_printed_precision(make_site: MakeSite) -> None:
    report = evaluation(unit="万元", initial="19.4", adjusted="19.4", executed="19.40", rate="1.00", a_initial="19.4")
    assert rules(make_site, {SE: report}) == []
    assert rules(make_site, {SE: report.replace("appropriation: {initial: 19.4", "appropriation: {initial: 19.6")}) \
        == ["funds-rows"]


# --- scores ----------------------------------------------------------------------------

def test_total_weight_and_score_add_up(make_site: MakeSite) -> None:
    found = findings(make_site, {SE: evaluation(total="{weight: 110, score: 100}")})
    assert [(f.rule, f.message) for f in found] == [("total-weight", "总分值印为110，但资金分值与各指标分值相加为100")]
    found = findings(make_site, {SE: evaluation(total="{weight: 100, score: 96.4}")})
    assert [(f.rule, f.message) for f in found] == [("total-score", "总得分印为96.4，但资金得分与各指标得分相加为100")]
    assert rules(make_site, {SE: evaluation(total="{weight: 100.0, score: 100.00}")}) == []


def test_score_range_fires_above_the_weight(make_site: MakeSite) -> None:
    rows = [row(">=10个", "12个", weight="50", score="55"),
            row(">=85%", "90%", weight="40", score="35", reason="抽样偏差")]
    found = findings(make_site, {SE: evaluation(indicators=rows)})
    assert [f.rule for f in found if f.rule == "score-range"] == ["score-range"]
    assert "「完成数」得分55超过了分值50" in [f.message for f in found]


def test_no_reason_fires_on_points_lost_without_a_reason(make_site: MakeSite) -> None:
    rows = [row(">=10个", "8个", score="45"), row(">=85%", "80%", weight="40", score="35", reason="样本少")]
    found = findings(make_site, {SE: evaluation(indicators=rows, total="{weight: 100, score: 90}")})
    assert [(f.rule, f.field) for f in found] == [("no-reason", "indicators[0].reason")]
    assert found[0].severity == "notice"


@pytest.mark.parametrize("achieved, total, fires", [
    ("本项目自评为优。", "{weight: 100, score: 85}", True),
    ("本项目自评为优。", "{weight: 100, score: 100}", False),
    ("自评等级为“良好”", "{weight: 100, score: 85}", False),
    ("完成情况良好。", "{weight: 100, score: 85}", False),
])
def test_grade_claim_against_the_total(make_site: MakeSite, achieved: str, total: str, fires: bool) -> None:
    rows = [row(">=10个", "8个", score="35", reason="人手不足"), row(">=85%", "90%", weight="40", score="40")]
    found = findings(make_site, {SE: evaluation(indicators=rows, achieved=achieved, total=total)})
    claims = [f for f in found if f.rule == "grade-claim"]
    assert bool(claims) == fires
    if fires:
        assert claims[0].message == "实际完成情况写明“自评为优”，但总分85对应的等级是“良”"


# --- targets against actuals -------------------------------------------------------------

@pytest.mark.parametrize("target, actual, score, rule", [
    ("=60个", "0", "50", "target-missed-full"),
    ("11月", "12月", "50", "target-missed-full"),
    ("<=4小时", "6小时", "50", "target-missed-full"),
    ("有效保障", "有效保障", "45", "target-met-lost"),
    (">=85%", "98%", "45", "target-met-lost"),
    (">=85%", "98%", "50", None),
    ("稳定", "基本稳定", "45", None),          # missed and marked down: consistent
    ("=60个", "0", "40", None),
    ("律师10人，律所约5所", "10", "50", None),  # not read: counted, not judged
    ("约300人", "线下206人，线上100人", "50", None),
])
def test_targets_against_actuals(make_site: MakeSite, target: str, actual: str, score: str,
                                 rule: str | None) -> None:
    rows = [row(target, actual, score=score, reason="见说明"), row(">=85%", "90%", weight="40", score="40")]
    total = f"{{weight: 100, score: {50 + int(score)}}}"
    found = [f for f in findings(make_site, {SE: evaluation(indicators=rows, total=total)})
             if f.rule.startswith("target")]
    assert [f.rule for f in found] == ([rule] if rule else [])
    if rule:
        assert found[0].field == "indicators[0].score"
        assert f"年度指标值为“{target}”，实际完成值为“{actual}”" in found[0].message
        assert "（表中说明：见说明）" in found[0].message


def test_cost_below_target_is_not_judged_but_above_is_a_miss(make_site: MakeSite) -> None:
    under = [row("95.5", "29.5", level2="成本指标", name="年度成本", score="45", reason="预算批复不足"),
             row(">=85%", "90%", weight="40", score="40")]
    assert rules(make_site, {SE: evaluation(indicators=under, total="{weight: 100, score: 95}")}) == []
    over = [row("20000", "26531.13", level2="成本指标", name="单次维修成本"), row(">=85%", "90%", weight="40", score="40")]
    assert rules(make_site, {SE: evaluation(indicators=over)}) == ["target-missed-full"]


# --- categories --------------------------------------------------------------------------

def test_categories_outside_the_framework(make_site: MakeSite) -> None:
    rows = [row(">=10个", "12个", level1="双星指标", level2="数量指标"),
            row(">=85%", "90%", weight="40", score="40", level1="效益指标", level2="数量指标")]
    found = findings(make_site, {SE: evaluation(indicators=rows)})
    assert [(f.rule, f.field) for f in found] == [("category", "indicators[0].level1"),
                                                 ("category", "indicators[1].level2")]
    assert found[1].message.startswith("二级指标「数量指标」不是「效益指标」下的标准二级指标")
    # the Beijing forms drop the 指标 suffix: still the standard framework
    variants = [row(">=10个", "12个", level1="产出指标", level2="成本"),
                row(">=85%", "90%", weight="40", score="40", level1="满意度", level2="服务对象满意度")]
    assert rules(make_site, {SE: evaluation(indicators=variants)}) == []


# --- declarations and across reports ---------------------------------------------------------

def declaration(requested: str, appropriation: str, name: str = "测试项目", year: int = 2022) -> str:
    return (f"kind: target-declaration\nyear: {year}\nname: {name}\ndepartment: test-dept\nmoney_unit: 元\n"
            f"funds: {{requested: {requested}, appropriation: {appropriation}, carryover: 0, other: 0}}\n"
            "indicators:\n  - {level1: 产出指标, level2: 数量指标, name: 完成数, target: '>=10个'}\n")


def test_declaration_funds_add_up(make_site: MakeSite) -> None:
    found = findings(make_site, {TD: declaration("100.00", "90.00", name="另一项目")})
    assert [(f.rule, f.field) for f in found] == [("declaration-funds", "funds.requested")]
    assert rules(make_site, {TD: declaration("100.00", "100.00", name="另一项目")}) == []


def test_declaration_and_self_evaluation_of_one_project_agree_on_the_budget(make_site: MakeSite) -> None:
    found = findings(make_site, {SE: evaluation(name="测试 项目"), TD: declaration("120.00", "120.00", name="测试项目")})
    assert sorted((f.rule, f.report) for f in found) == [
        ("declaration-budget", "test-dept/2022/d/"), ("declaration-budget", "test-dept/2022/p/")]
    assert "目标申报表的年度资金申请总额为120.00元，自评表的年初预算数为100.00元" in found[0].message
    assert rules(make_site, {SE: evaluation(), TD: declaration("100", "100")}) == []
    other_year = "departments/test-dept/projects/2023/d.yaml"
    assert rules(make_site, {SE: evaluation(), other_year: declaration("120", "120", year=2023)}) == []


# --- department budgets --------------------------------------------------------------------

def budget(rows: str, total: str, columns: str = "[合计, 基本支出, 项目支出]", summary: str = "说明",
           extra: str = "") -> str:
    return (f"kind: department-budget\nyear: 2024\ndepartment: test-dept\nmoney_unit: 元\nsummary: {summary}\n"
            f"tables:\n  - title: 支出预算总表\n    columns: {columns}\n    rows:\n{rows}    total: {total}\n{extra}")


GOOD_ROWS = """\
      - {code: "204", name: 公共安全支出, values: [300, 100, 200]}
      - {code: "204 06", name: 司法, values: [300, 100, 200]}
      - {code: "204 06 01", name: 行政运行, values: [100, 100, null]}
      - {code: "204 06 04", name: 基层司法业务, values: [200, null, 200]}
      - {code: "208", name: 社会保障和就业支出, values: [50, 50, null]}
"""
GOOD_TOTAL = "{name: 合计, values: [350, 150, 200]}"


def test_a_consistent_budget_has_no_findings(make_site: MakeSite) -> None:
    assert findings(make_site, {BUDGET: budget(GOOD_ROWS, GOOD_TOTAL)}) == []


def test_budget_children_add_up_to_their_parent(make_site: MakeSite) -> None:
    rows = GOOD_ROWS.replace("[200, null, 200]", "[210, null, 210]")
    found = findings(make_site, {BUDGET: budget(rows, GOOD_TOTAL)})
    assert {(f.rule, f.field) for f in found} >= {("budget-children", "tables[0].rows[1].values[0]"),
                                                  ("budget-children", "tables[0].rows[1].values[2]")}
    assert "支出预算总表：「204 06 司法」的合计为300元，但其下2个下级科目相加为310元" in [f.message for f in found]


def test_budget_classes_add_up_to_the_total(make_site: MakeSite) -> None:
    found = findings(make_site, {BUDGET: budget(GOOD_ROWS, "{name: 合计, values: [360, 160, 200]}")})
    assert [(f.rule, f.field) for f in found] == [("budget-total", "tables[0].total.values[0]"),
                                                 ("budget-total", "tables[0].total.values[1]")]


def test_budget_code_under_another_parent(make_site: MakeSite) -> None:
    rows = GOOD_ROWS.replace('"204 06 04"', '"205 06 04"')
    found = findings(make_site, {BUDGET: budget(rows, GOOD_TOTAL)})
    assert [(f.rule, f.field) for f in found] == [("budget-code", "tables[0].rows[3].code")]
    # 款 written without its leading zero is the same code
    assert rules(make_site, {BUDGET: budget(GOOD_ROWS.replace('"204 06 04"', '"204 6 04"'), GOOD_TOTAL)}) == []


def test_budget_columns_total_is_the_sum_of_the_parts(make_site: MakeSite) -> None:
    rows = GOOD_ROWS.replace("[50, 50, null]", "[50, 40, null]")
    found = findings(make_site, {BUDGET: budget(rows, "{name: 合计, values: [350, 140, 200]}")})
    assert [(f.rule, f.field) for f in found if f.rule == "budget-columns"] == [
        ("budget-columns", "tables[0].rows[4].values[0]"), ("budget-columns", "tables[0].total.values[0]")]
    assert found[0].message == "支出预算总表：「208 社会保障和就业支出」的合计为50元，但基本支出、项目支出为40元"


INCOME = """\
  - title: 收入预算总表
    columns: [合计, 财政拨款收入, 事业收入]
    rows:
      - {{code: "204", name: 公共安全支出, values: [300, 300, null]}}
      - {{code: "204 06", name: 司法, values: [300, 300, null]}}
      - {{code: "204 06 01", name: 行政运行, values: [{admin}, {admin}, null]}}
      - {{code: "204 06 04", name: 基层司法业务, values: [{basic}, {basic}, null]}}
      - {{code: "208", name: 社会保障和就业支出, values: [50, 50, null]}}
    total: {{name: 合计, values: [350, 350, null]}}
  - title: 财务收支预算总表
    columns: [本年收入预算数, 本年支出预算数]
    rows:
      - {{name: 一、财政拨款收入, values: [350, null]}}
      - {{name: 一、公共安全支出, values: [null, {security}]}}
      - {{name: 二、社会保障和就业支出, values: [null, 50]}}
    total: {{name: 收入总计 / 支出总计, values: [350, 350]}}
  - title: 一般公共预算支出功能分类预算表
    columns: [合计, 基本支出, 项目支出]
    rows:
      - {{code: "204", name: 公共安全支出, values: [250, 100, 150]}}
    total: {{name: 合计, values: [250, 100, 150]}}
"""


@pytest.mark.parametrize("admin, basic, security, fields", [
    (100, 200, 300, []),
    (150, 150, 300, ["tables[1].rows[2].values[0]", "tables[1].rows[3].values[0]"]),
    (100, 200, 360, ["tables[2].rows[1].values[1]"]),
])
def test_tables_of_one_scope_agree_on_each_item(make_site: MakeSite, admin: int, basic: int, security: int,
                                                fields: list[str]) -> None:
    extra = INCOME.format(admin=admin, basic=basic, security=security)
    found = [f for f in findings(make_site, {BUDGET: budget(GOOD_ROWS, GOOD_TOTAL, extra=extra)})
             if f.rule == "budget-tables"]
    assert [f.field for f in found] == fields
    if security == 360:
        assert found[0].message == ("财务收支预算总表中「一、公共安全支出」的本年支出预算数为360元，"
                                    "但支出预算总表中同一科目为300元")


SANGONG = """\
  - title: 2024年部门“三公”经费和机关运行经费预算表
    money_unit: 万元
    columns: [合计, 因公出国(境)费, 公务接待费, 公务用车购置及运行费小计, 公务用车购置费, 公务用车运行费, 机关运行经费]
    rows:
      - {{name: 2024年预算数, values: [{values}]}}
"""


@pytest.mark.parametrize("values, fields", [
    ("21.5, 0, 4, 17.5, null, 17.5, 655", []),
    ("23.5, 0, 4, 17.5, null, 17.5, 655", ["tables[1].rows[0].values[0]"]),  # 1.1 万元 of rounding allowed
    ("21.5, 0, 4, 17.5, 1.5, 17.5, 655", ["tables[1].rows[0].values[3]"]),
])
def test_sangong_total_equals_its_parts(make_site: MakeSite, values: str, fields: list[str]) -> None:
    found = findings(make_site, {BUDGET: budget(GOOD_ROWS, GOOD_TOTAL, extra=SANGONG.format(values=values))})
    assert [(f.rule, f.field) for f in found] == [("sangong", field) for field in fields]


@pytest.mark.parametrize("summary, fires", [
    ("“行政运行”科目0.01万元，“基层司法业务”科目200元", False),
    ("其中：基本支出0.015万元。", False),      # 150 元 is 0.015 万元 as printed
    ("“行政运行”科目3万元", True),
    ("“三公”经费预算数为21.50万元", False),
    ("“三公”经费预算数为23万元", True),
    ("比上年增加613万元", False),              # names no figure of the tables: not checked
])
def test_amounts_in_the_text_match_the_tables(make_site: MakeSite, summary: str, fires: bool) -> None:
    text = budget(GOOD_ROWS, GOOD_TOTAL, summary=f'"{summary}"',
                  extra=SANGONG.format(values="21.5, 0, 4, 17.5, null, 17.5, 655"))
    found = findings(make_site, {BUDGET: text})
    assert [f.rule for f in found] == (["budget-text"] if fires else [])
    if fires:
        assert found[0].field == "summary" and found[0].message.startswith("文字写“")


def test_findings_point_at_the_file_and_line(make_site: MakeSite) -> None:
    root = make_site({SE: evaluation(executed="90.00")})
    _, found = check(root)
    assert found[0].file.endswith("departments/test-dept/projects/2022/p.yaml")
    line = (root / SE).read_text(encoding="utf-8").splitlines()[found[0].line - 1]
    assert line[found[0].col - 1:].startswith("1.0000")
