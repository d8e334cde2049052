"""Reading targets and actuals as the seeds print them: what is read, what is judged, what is only counted."""

from __future__ import annotations

from decimal import Decimal

import pytest

from generator.audit.targets import (
    clean,
    denies,
    frequencies,
    frequency,
    judge,
    parse_target,
    quantities,
    slack,
    step,
    tolerance,
)


@pytest.mark.parametrize("text, op, low, high, unit, lower", [
    ("=100%", "=", "100", "100", "%", False),
    (">=85%", ">=", "85", "85", "%", False),
    ("≥90.00(%)", ">=", "90.00", "90.00", "%", False),
    ("≧735人次", ">=", "735", "735", "人次", False),
    ("<=4小时", "<=", "4", "4", "小时", True),
    ("<0.5%", "<", "0.5", "0.5", "%", True),
    (">900.00(人)", ">", "900.00", "900.00", "人", False),
    ("$\\geq 85\\%$", ">=", "85", "85", "%", False),
    ("＞８０００件", ">", "8000", "8000", "件", False),
    ("4-5个项目(7-8课时/项)", "range", "4", "5", "个项目", False),
    ("2-3个月内完成/项", "range", "2", "3", "个月", True),
    ("约900人(按实)", "~", "900", "900", "人", False),
    ("每天3次", "=", "3", "3", "次/天", False),
    ("1项", "=", "1", "1", "项", False),
    ("0起", "=", "0", "0", "起", True),
    ("11月", "=", "11", "11", "月", True),
    ("10月前", "<=", "10", "10", "月", True),
    ("95%以上", ">=", "95", "95", "%", False),
    ("不低于95%", ">=", "95", "95", "%", False),
    ("24小时内", "<=", "24", "24", "小时", True),
    ("1,000万元", "=", "1000", "1000", "万元", False),
])
def test_targets_read(text: str, op: str, low: str, high: str, unit: str, lower: bool) -> None:
    target = parse_target(text)
    assert target is not None
    assert (target.op, target.low, target.high, target.unit, target.lower_better) == \
        (op, Decimal(low), Decimal(high), unit, lower)


@pytest.mark.parametrize("text", ["律师10人，律所约5所", "365天*24小时/年", "日常第三季度开展，投诉举报类即时进行90日内完成",
                                  "半年1次", "2022-12-31"])
def test_targets_not_read(text: str) -> None:
    assert parse_target(text) is None


def test_words_are_qualitative_targets() -> None:
    target = parse_target("建立健全（按制度）")
    assert target is not None and (target.op, target.words) == ("words", "建立健全")


@pytest.mark.parametrize("target, actual, outcome", [
    ("=100%", "100%", "met"),
    ("=100%", "98%", "missed"),
    (">=85%", "98%", "met"),
    ("≥90.00(%)", "89%", "missed"),
    ("<0.5%", "0.07%", "met"),
    ("<=4小时", "2小时", "met"),
    ("24小时内", "48小时", "missed"),
    ("=21人", "22", "met"),                   # exceeding a count is not a miss
    ("=60个", "0", "missed"),
    ("=0起", "1起", "missed"),
    ("4-5个项目(7-8课时/项)", "5个项目", "met"),
    ("10-11月", "2022年12月份完成", "missed"),  # the one figure in 月 is 12
    ("8-10月底", "10月底完成", "met"),
    ("约900人(按实)", "906人", "met"),
    ("约900人", "800人", "missed"),
    ("每天3次", "每天3次", "met"),
    (">50%", ">50%", "met"),                  # the actual restates the target
    ("提升", "提升", "met"),
    ("建立健全", "已完成", "met"),
    ("稳定", "基本稳定", "missed"),
    ("及时", "运行正常", "actual-unparsed"),
    ("优良中低差", "优", "met"),
    ("优良中差", "中", "missed"),
    ("12.31", "9月6日", "actual-unparsed"),   # a bare figure does not compare with a date
    ("约300人", "线下206人，线上100人", "actual-unparsed"),
    ("1-12月", "运行正常", "actual-unparsed"),
    ("100% (按实)", "", "no-actual"),
    ("", "100%", "no-target"),
    ("365天*24小时/年", "24小时", "target-unparsed"),
])
def test_judge(target: str, actual: str, outcome: str) -> None:
    assert judge(target, actual) == outcome


@pytest.mark.parametrize("target, actual, outcome", [
    ("20000", "26531.13", "missed"),
    ("95.5", "29.5", "unclear"),
    ("4万", "4万", "met"),
    ("<=3000元/个", "2800元/个", "met"),
])
def test_cost_targets(target: str, actual: str, outcome: str) -> None:
    assert judge(target, actual, cost=True) == outcome


def test_cleaning_and_quantities() -> None:
    assert clean("<p>$\\leq 4$ 小时</p>") == "≤4小时"
    assert quantities("2022年12月份完成") == [quantities("2022年")[0], quantities("12月")[0]]
    assert [q.unit for q in quantities("每天3次")] == ["次/天"]


def test_rounding_allowances() -> None:
    assert tolerance(Decimal("99.65")) == Decimal("0.005")
    assert tolerance(Decimal(12880), Decimal("0.5")) == Decimal("0.5")
    assert step(Decimal("1.00")) == Decimal("0.01")
    assert slack(Decimal("21.5"), Decimal(4), Decimal(0)) == Decimal("1.05")


@pytest.mark.parametrize("text, per_year", [
    ("半年1次", "2"), ("一年1次", "1"), ("每月1次", "12"), ("每季度", "4"), ("每2个月1次", "6"),
    ("2次/年", "2"), ("每年两次", "2"), ("每天3次", "1095"), ("≥每月1次", "12"),
    ("12月", None), ("半年", None), ("每周三下午", None), ("每月1次或每季度1次", None), ("2次", None),
])
def test_frequencies_read_as_times_per_year(text: str, per_year: str | None) -> None:
    assert frequency(text) == (Decimal(per_year) if per_year else None)


@pytest.mark.parametrize("target, actual, outcome", [
    ("半年1次", "一年1次", "missed"),
    ("半年1次", "每月1次", "met"),            # more often than asked
    ("每季度", "每月", "met"),
    ("=2次", "半年1次", "met"),               # a bare count is times in the year
    ("半年1次", "1次", "missed"),
    ("=2次", "1次", "missed"),                # two counts: compared as counts, as before
    ("通过", "无", "missed"),                 # an actual that denies its target
    ("=1次", "否", "missed"),
    ("建立健全", "未建立", "missed"),
    ("=0起", "无", "actual-unparsed"),        # 无 is what a zero target asks for, not a denial
    ("<=5%", "无", "actual-unparsed"),
    ("无重大安全事故", "无", "actual-unparsed"),
])
def test_judge_frequencies_and_denials(target: str, actual: str, outcome: str) -> None:
    assert judge(target, actual) == outcome


def test_denials() -> None:
    assert denies("通过", "无") and denies(">=85%", "未开展") and denies("及时", "否。") and denies("不低于85%", "无")
    assert not denies("不超过5%", "无") and not denies("无重大事故", "无")
    assert not denies("通过", "无异常情况") and not denies("减少", "无") and not denies("=0", "无")
    assert frequencies("半年1次", "一年1次") == (Decimal(2), Decimal(1))
    assert frequencies("=2次", "1次") is None
