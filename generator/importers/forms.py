"""Forms: rows -> report dicts in the content format (self-evaluations, declarations).

Contract: :func:`split` cuts a file's rows into one chunk per printed form (a title
row such as 财政项目支出绩效自评表 starts one; rows before the first form that hold a
部门预算 are the department budget). :func:`read_form` turns a self-evaluation or a
target declaration chunk into a :class:`Parsed` report: the dict to write (without its
department, which the caller resolves), the 主管部门 as printed, and the source lines
it used. Cells are found by their printed labels, not by column position, because the
extractions shift columns from row to row; figures are kept as printed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from generator.importers.indicators import read_indicators
from generator.importers.rows import (
    Messages,
    Row,
    amount,
    cell,
    is_blank,
    money_unit,
    prose,
    rate,
    tight,
)

SELF_EVALUATION = "self-evaluation"
DECLARATION = "target-declaration"
BUDGET = "department-budget"


@dataclass
class Parsed:
    """One report read from a source file, before its department and slug are known."""

    kind: str
    data: dict[str, Any]
    dept_text: str = ""
    first: int = 0
    last: int = 0
    lines: list[int] = field(default_factory=list)  # source line of each indicator

    @property
    def name(self) -> str:
        """The report's name, the key corrections use."""
        return str(self.data.get("name", "部门预算"))


def key(text: str) -> str:
    """Normalise a label for matching: no spaces, ASCII colon."""
    return tight(text).replace("：", ":")


def _kind_of(row: Row) -> str | None:
    text = row.text
    if "汇总表" in text:
        return None
    if "绩效自评表" in text:
        return SELF_EVALUATION
    if "绩效目标申报表" in text:
        return DECLARATION
    return None


def split(rows: list[Row]) -> list[tuple[str, list[Row]]]:
    """Cut rows into (kind, rows) chunks, one per printed form or budget document."""
    chunks: list[tuple[str, list[Row]]] = []
    current: list[Row] = []
    kind = ""
    for row in rows:
        if "汇总表" in row.text:
            continue  # 项目绩效目标汇总表: a heading between forms, not part of one
        found = _kind_of(row)
        if found:
            if current:
                chunks.append((kind, current))
            kind, current = found, [row]
        else:
            current.append(row)
    if current:
        chunks.append((kind, current))
    out = []
    for kind, chunk in chunks:
        if not kind:
            kind = BUDGET if any("部门预算" in r.text for r in chunk) else ""
        out.append((kind, chunk))
    return out


def year_of(rows: list[Row]) -> int | None:
    """Find the form's year, printed as （2022 年度）."""
    for row in rows[:4]:
        found = re.search(r"\(\s*(\d{4})\s*年度?\s*\)", cell(" ".join(row.cells)))
        if found:
            return int(found.group(1))
    return None


def _labelled(rows: list[Row], labels: set[str]) -> dict[str, tuple[str, int]]:
    """Map each label to the first non-blank, non-label cell after it (and its line)."""
    out: dict[str, tuple[str, int]] = {}
    for row in rows:
        cells = list(row.cells)
        for i, raw in enumerate(cells):
            label = key(raw)
            if label not in labels or label in out:
                continue
            for j in range(i + 1, len(cells)):
                if key(cells[j]) in labels:
                    break
                if not is_blank(cells[j]):
                    out[label] = (cell(cells[j]), row.at(j))
                    break
    return out


def _index(rows: list[Row], needle: str, start: int = 0) -> int:
    for i in range(start, len(rows)):
        if any(needle in key(c) for c in rows[i].cells):
            return i
    return -1


def _column(row: Row, needle: str) -> int:
    for i, raw in enumerate(row.cells):
        if needle in key(raw):
            return i
    return -1


def _two_texts(rows: list[Row], head: Row, left: str, right: str) -> tuple[str, str]:
    """Read the two text cells under the headings ``left`` and ``right`` (goals)."""
    split_at = _column(head, right)
    a: list[str] = []
    b: list[str] = []
    for row in rows:
        for i, raw in enumerate(row.cells):
            text = prose(raw)
            if not text or re.fullmatch(r"(项目)?(绩效)?(年度)?(总体)?目标", key(raw)):
                continue
            (b if i >= split_at else a).append(text)
    return "\n".join(a), "\n".join(b)


def read_form(kind: str, rows: list[Row], msgs: Messages) -> Parsed | None:
    """Read one self-evaluation or target declaration."""
    year = year_of(rows)
    top = _labelled(rows[:8], {"项目名称"})
    if "项目名称" not in top:
        if len(rows) > 3:
            msgs.problem(rows[0].line, "a form title without 项目名称; form skipped")
        return None
    parsed = Parsed(kind, {"kind": kind}, first=rows[0].line, last=rows[-1].line)
    if year is None:
        msgs.problem(rows[0].line, "no year (（2022年度）) under the form title")
    read = _self_evaluation if kind == SELF_EVALUATION else _declaration
    return parsed if read(rows, parsed, year, msgs) else None  # a skipped form writes nothing


def _head(rows: list[Row], parsed: Parsed, year: int | None, labels: dict[str, str]) -> None:
    found = _labelled(rows, set(labels) | {"主管部门"})
    parsed.data["year"] = year
    for label, name in labels.items():
        if label in found:
            parsed.data[name] = found[label][0]
    parsed.dept_text = found.get("主管部门", ("", 0))[0]


def _self_evaluation(rows: list[Row], parsed: Parsed, year: int | None, msgs: Messages) -> bool:
    # 联系电话 is the project's (项目负责人's), not the one a 财务负责人 row prints beside its name
    finance = [r for r in rows if r.cells and key(r.cells[0]) == "财务负责人"]
    _head([r for r in rows if r not in finance], parsed, year,
          {"项目名称": "name", "实施单位": "implementer", "项目负责人": "leader", "联系电话": "phone"})
    data = parsed.data
    officer = _labelled(rows, {"财务负责人", "联系电话"}).get("财务负责人")
    if officer:
        data["finance_leader"] = officer[0]
    funds_at = _index(rows, "项目资金")
    goals_at = _index(rows, "实际完成情况", max(funds_at, 0))
    table_at = _index(rows, "一级指标", max(goals_at, 0))
    if min(funds_at, goals_at, table_at) < 0:
        msgs.problem(rows[0].line, "form without 项目资金, 实际完成情况 or 一级指标 rows; skipped")
        return False
    data["money_unit"] = money_unit(cell(" ".join(rows[funds_at].cells))) or "元"
    data["funds"] = _se_funds(rows[funds_at + 1:goals_at], msgs)
    planned, achieved = _two_texts(rows[goals_at + 1:table_at], rows[goals_at], "预期目标", "实际完成情况")
    data["goals"] = {"planned": planned, "achieved": achieved}
    table = read_indicators(fold_columns(rows[table_at], rows[table_at + 1:]), False, msgs)
    data["indicators"] = table.indicators
    data["total"] = table.total
    parsed.lines = table.lines
    parsed.last = table.last_line or parsed.last
    for row in rows[table_at + 1:]:
        label = key(row.cells[0]) if row.cells else ""
        name = next((v for k, v in _SECTIONS.items() if label.startswith(k)), "")
        body = [prose(c) for c in row.cells[1:] if not is_blank(c)]
        if name and body and name not in data:
            data[name] = "\n".join(body)
            parsed.last = max(parsed.last, row.line)
    return True


_FUND_ROWS = {"年度资金总额": "total", "其中:当年财政拨款": "appropriation",
              "其中:财政资金": "appropriation", "上年结转资金": "carryover", "其他资金": "other"}
# Sections some provinces' forms print below the indicators: a label cell, then the text.
_SECTIONS = {"项目基本情况": "background", "评价结论": "conclusion", "存在问题": "problems",
             "改进措施": "improvements"}
_SIGN = re.compile(r"^[<>=≥≤]+$")
_FIGURE = re.compile(r"^[<>=≥≤]*\d+(\.\d+)?$")


def fold_columns(head: Row, rows: list[Row]) -> list[Row]:
    """Fold the 指标性质 and 度量单位 columns some provinces print into the target and actual.

    ``≥ | 95 | %`` under 指标性质, 指标值, 度量单位 is the target ``≥95%``; a figure under 完成值
    takes the unit too. A 指标性质 that is not a sign (定性, 正向) is not part of the target.
    """
    labels = [key(c) for c in head.cells]
    nature = next((i for i, c in enumerate(labels) if c == "指标性质"), -1)
    unit = next((i for i, c in enumerate(labels) if c == "度量单位"), -1)
    if nature < 0 and unit < 0:
        return rows
    value = next((i for i, c in enumerate(labels) if c.endswith("指标值")), -1)
    done = next((i for i, c in enumerate(labels) if c.endswith("完成值")), -1)
    out = []
    for row in rows:
        cells = list(row.cells) + [""] * (len(labels) - len(row.cells))
        if value < 0 or len(row.cells) > len(labels) or "总分" in row.text:
            out.append(row)
            continue
        sign = cell(cells[nature]) if nature >= 0 else ""
        measure = cell(cells[unit]) if unit >= 0 else ""
        cells[value] = (sign if _SIGN.match(sign) else "") + cell(cells[value]) + measure
        if done >= 0 and _FIGURE.match(cell(cells[done])):
            cells[done] = cell(cells[done]) + measure
        for gone in (nature, unit):
            if gone >= 0:
                cells[gone] = ""
        out.append(Row(row.line, tuple(cells), row.brk, row.lines))
    return out
_FUND_FIELDS = ("initial", "adjusted", "executed", "weight", "rate", "score")


def _se_funds(rows: list[Row], msgs: Messages) -> dict[str, dict[str, Any]]:
    funds: dict[str, dict[str, Any]] = {name: {} for name in _FUND_ROWS.values()}
    for n, row in enumerate(rows):
        cells = list(row.cells)
        at = next((i for i, c in enumerate(cells) if key(c) in _FUND_ROWS), -1)
        if at < 0:
            continue
        name = _FUND_ROWS[key(cells[at])]
        values = cells[at + 1:]
        if name == "total":
            filled = [v for v in values if cell(v)]
            # a row cut by a page break: its last cells stand alone on the next row
            for extra in rows[n + 1:n + 2]:
                if len(filled) < 6 and extra.filled and all(rate_or_amount(x) for x in extra.filled):
                    msgs.note(extra.line, "cells of 年度资金总额 continued on this line")
                    filled += extra.filled
            values = filled if len(filled) == 6 else values
        else:
            dash = next((i for i, v in enumerate(values) if is_blank(v) and cell(v)), len(values))
            values = values[:min(dash, 3)]
        for field_name, raw in zip(_FUND_FIELDS, values):
            try:
                value = rate(raw) if field_name == "rate" else amount(raw)
            except ValueError as exc:
                msgs.problem(row.line, f"{key(cells[at])} {field_name}: {exc}")
                continue
            if value is not None:
                funds[name][field_name] = value
    return funds


def rate_or_amount(text: str) -> bool:
    """Tell whether a cell is a number or a percentage."""
    try:
        return (rate(text) if "%" in text else amount(text)) is not None
    except ValueError:
        return False


_DECL_FUNDS = {"项目资金总额": "project_total", "年度资金申请总额": "requested",
               "其中:当年财政拨款": "appropriation", "上年结转资金": "carryover"}


def _declaration(rows: list[Row], parsed: Parsed, year: int | None, msgs: Messages) -> bool:
    _head(rows, parsed, year, {"项目名称": "name", "实施单位": "implementer",
                               "项目性质": "nature", "项目类别": "category"})
    data = parsed.data
    dates = _labelled(rows, {"计划开始日期", "计划完成日期"})
    data["period"] = {name: _date(dates.get(label), msgs)
                      for label, name in (("计划开始日期", "start"), ("计划完成日期", "end"))}
    funds_at = _index(rows, "项目资金")
    goals_at = _index(rows, "年度总体目标", max(funds_at, 0))
    table_at = _index(rows, "一级指标", max(goals_at, 0))
    if min(funds_at, goals_at, table_at) < 0:
        msgs.problem(rows[0].line, "form without 项目资金, 年度总体目标 or 一级指标 rows; skipped")
        return False
    data["money_unit"] = money_unit(cell(" ".join(rows[funds_at].cells))) or "元"
    block = rows[funds_at:goals_at]
    found = _labelled(block, set(_DECL_FUNDS) | {"其他资金", "其中:财政资金"})
    funds: dict[str, Any] = {}
    for label, name in _DECL_FUNDS.items():
        funds[name] = _amount(found.get(label), msgs)
    others = [row for row in block if any(key(c) == "其他资金" for c in row.cells)]
    # 其他资金 is printed twice on a row: under 项目资金总额 and, last, the year's figure.
    last = [c for c in others[-1].cells if not is_blank(c) and key(c) != "其他资金"] if others else []
    funds["other"] = _amount((cell(last[-1]), others[-1].line) if last else None, msgs)
    data["funds"] = funds
    overall, annual = _two_texts(rows[goals_at + 1:table_at], rows[goals_at], "项目总目标", "年度总体目标")
    data["goals"] = {"overall": overall, "annual": annual}
    table = read_indicators(fold_columns(rows[table_at], rows[table_at + 1:]), True, msgs)
    data["indicators"] = table.indicators
    parsed.lines = table.lines
    parsed.last = table.last_line or parsed.last
    return True


def _amount(found: tuple[str, int] | None, msgs: Messages) -> Any:
    if found is None:
        return None
    try:
        return amount(found[0])
    except ValueError as exc:
        msgs.problem(found[1], str(exc))
        return None


def _date(found: tuple[str, int] | None, msgs: Messages) -> date | None:
    if found is None:
        return None
    try:
        return date.fromisoformat(found[0].replace("/", "-"))
    except ValueError:
        msgs.problem(found[1], f"{found[0]!r} is not a date (YYYY-MM-DD)")
        return None
