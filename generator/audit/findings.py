"""Stage 3, audit: what a finding is, the rules that make them, and the standard framework.

Contract: :class:`Finding` is one inconsistency: a stable rule id of :data:`RULES` (its
title, severity and help for readers), the file, line and field of the figure concerned,
and a message (:class:`generator.i18n.Msg`: the Chinese sentence, with the key and values
that let a page show it in another language, the content it quotes kept as written).
:class:`Findings` is what the audit returns. :data:`FRAMEWORK` is the standard framework
of indicator categories that the ``category`` rule checks against.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from generator.audit.targets import Outcome
from generator.i18n import Msg, msg_data, msg_from_data

__all__ = ["FRAMEWORK", "RULES", "SEVERITIES", "Finding", "Findings", "Rule"]


@dataclass(frozen=True, order=True)
class Finding:
    """One inconsistency in the published figures."""

    file: str
    line: int
    col: int
    rule: str
    field: str
    message: Msg  # the Chinese text; its key and values let a page show it in another language
    report: str  # URL path of the report concerned
    severity: str = "warning"  # a key of SEVERITIES, set from the rule
    # the file relative to the content folder, as the site shows it (``file`` is as the terminal
    # shows it: the site must not depend on, nor tell, where the build ran)
    source: str = ""

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.rule}: {self.field}: {self.message}"

    def data(self) -> list[Any]:
        """The finding as JSON data; :meth:`from_data` reads it back."""
        return [self.file, self.line, self.col, self.rule, self.field, msg_data(self.message), self.report,
                self.severity, self.source]

    @classmethod
    def from_data(cls, data: list[Any]) -> Finding:
        """The finding of :meth:`data`'s ``data``; ValueError or TypeError if it is not one."""
        file, line, col, rule, field, message, report, severity, source = data
        if rule not in RULES or severity not in SEVERITIES:
            raise ValueError(f"not a finding: {data!r}")
        return cls(str(file), int(line), int(col), rule, str(field), msg_from_data(message), str(report),
                   severity, str(source))

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
    "no-actual-full": Rule("没有实际完成值却得满分", "warning", "该项有年度指标值，却没有填写实际完成值，仍得了满分。"),
    "denied-full": Rule("实际完成值否定指标却得满分", "warning",
                        "实际完成值写的是“无”“否”“未完成”等，否定了年度指标值，该项却得了满分。"),
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


class Findings(list[Finding]):
    """What the audit found: every finding, sorted, and how the self-evaluations' targets
    compared with their actuals (``outcomes``), which the audit page, findings.json and the
    check summary show."""

    def __init__(self, findings: Iterable[Finding] = (), outcomes: Counter[Outcome] | None = None) -> None:
        super().__init__(findings)
        self.outcomes: Counter[Outcome] = outcomes if outcomes is not None else Counter()
