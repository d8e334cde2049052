"""The department budget document (部门预算): rows -> a department-budget report and
what it says about its department.

Contract: :func:`read_budget` takes the rows of a 部门预算 document (title, table of
contents, text chapters, budget tables) and returns a :class:`Parsed` report of kind
``department-budget`` (summary = 部门预算编制说明, the other chapters as sections in
printed order, every table with its columns, 类/款/项 codes and printed total) plus
the department's functions (主要职能), structure (机构设置) and budget units.

Tables come in three shapes, all flattened to ``columns`` + ``rows``: coded tables
(类/款/项 code cells, a name, amounts), two-sided tables (income on the left,
spending on the right: the left rows come first, each side's amounts in its own
columns, and the printed total row holds both totals), and the 三公 table (one row
of figures under a two-level heading).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from generator.importers.forms import BUDGET, Parsed, key
from generator.importers.rows import Messages, Row, amount, cell, money_unit, prose

_NUMBERED = re.compile(r"^[一二三四五六七八九十]+、")
_TABLE = re.compile(r"^\d{4}年部门.*表$")
_CODE_HEADS = ("类", "款", "项")
_SUBHEAD = {"小计": "公务用车购置及运行费小计", "购置费": "公务用车购置费", "运行费": "公务用车运行费"}


@dataclass
class DepartmentInfo:
    """What a budget document says about its department."""

    name: str = ""
    functions: str = ""
    structure: str = ""
    units: list[dict[str, str]] = field(default_factory=list)


def _heading(text: str) -> str | None:
    """Name the chapter a single-cell row opens, if it opens one."""
    if text.endswith("主要职能"):
        return "functions"
    if text.endswith("机构设置"):
        return "structure"
    if text.endswith("部门预算编制说明"):
        return "summary"
    if _TABLE.match(text):
        return "table"
    if text in ("名词解释", "其他相关情况说明") or (
            text.endswith("情况说明") and len(text) < 30 and not _NUMBERED.match(text)):
        return "section"
    return None


def _markdown(rows: list[Row], subheads: bool) -> str:
    """Join text rows: a blank line in the source starts a new paragraph."""
    parts: list[str] = []
    for row in rows:
        text = prose(" ".join(row.cells))
        if not text:
            continue
        if subheads and _NUMBERED.match(text) and len(text) < 40:
            text = f"### {text}"
            row = Row(row.line, row.cells, True)
        parts.append(("\n\n" if row.brk or text.startswith("###") else "\n") + text if parts else text)
    return "".join(parts)


def read_budget(rows: list[Row], msgs: Messages) -> tuple[Parsed | None, DepartmentInfo]:
    """Read a 部门预算 document."""
    info = DepartmentInfo()
    year = None
    for row in rows[:6]:
        text = key(" ".join(row.cells))
        found = re.search(r"(\d{4})年", text)
        year = year or (int(found.group(1)) if found else None)
        if text.startswith("预算主管部门:"):
            info.name = text.split(":", 1)[1]
    chapters: list[tuple[str, str, list[Row]]] = []
    for row in rows:
        text = key(" ".join(row.cells))
        kind = _heading(text) if len(row.filled) == 1 and not text.startswith("-") else None
        if kind:
            chapters.append((kind, cell(" ".join(row.cells)), []))
        elif chapters:
            chapters[-1][2].append(row)
    data: dict[str, Any] = {"kind": BUDGET, "year": year, "money_unit": "元", "summary": ""}
    sections: list[dict[str, str]] = []
    tables: list[dict[str, Any]] = []
    for kind, title, body in chapters:
        if kind == "functions":
            info.functions = _markdown(body, False)
        elif kind == "structure":
            info.structure = _markdown(body, False)
            info.units = _units(body)
        elif kind == "summary":
            data["summary"] = _markdown(body, False)
        elif kind == "section":
            sections.append({"title": title, "body": _markdown(body, True)})
        else:
            tables.append(_table(title, body, msgs))
    units = {t.get("money_unit") for t in tables}
    data["money_unit"] = "万元" if units == {"万元"} else "元"
    for table in tables:
        if table.get("money_unit") == data["money_unit"]:
            del table["money_unit"]
    data["sections"] = sections
    data["tables"] = tables
    if year is None:
        msgs.problem(rows[0].line, "no year in the budget's title")
    parsed = Parsed(BUDGET, data, dept_text=info.name, first=rows[0].line, last=rows[-1].line)
    return parsed, info


def _units(rows: list[Row]) -> list[dict[str, str]]:
    units = []
    for row in rows:
        found = re.match(r"^\d+\.\s*(.+?)[，,]为(.+?)[；;。]?$", cell(" ".join(row.cells)))
        if found:
            units.append({"name": found.group(1), "type": found.group(2)})
    return units


def _table(title: str, rows: list[Row], msgs: Messages) -> dict[str, Any]:
    # A row of one cell is a line printed around the table (编制部门, 单位, 注), unless it lies
    # inside the table (an office reader drops the blank cells after ``3. 国有资本经营预算``)
    # or is its 合计 row without a figure.
    multi = [i for i, r in enumerate(rows) if len(r.cells) > 1]
    first, last = (multi[0], multi[-1]) if multi else (len(rows), -1)
    grid: list[Row] = []
    meta: list[str] = []
    for i, row in enumerate(rows):
        text = cell(" ".join(row.cells))
        inside = len(row.cells) > 1 or (first < i and not key(text).startswith(("注", "单位", "编制部门"))
                                        and (i < last or key(text).startswith(("合计", "总计"))))
        if inside:
            grid.append(row)
        else:
            meta.append(text)
    table: dict[str, Any] = {"title": title, "money_unit": "元"}
    for text in meta:
        if text.startswith("单位"):
            table["money_unit"] = money_unit(text) or "元"
    notes = [t for t in meta if t.startswith("注")]
    if "三公" in title:
        _three_public(table, grid, msgs)
    elif any("类" in [key(c) for c in r.cells] for r in grid):
        _coded(table, grid, msgs)
    else:
        _two_sided(table, grid, msgs)
    if notes:
        table["note"] = "\n".join(notes)
    return {k: table[k] for k in ("title", "money_unit", "columns", "rows", "total", "note") if k in table}


def _values(cells: list[str], width: int, row: Row, msgs: Messages) -> list[Any]:
    out: list[Any] = []
    for raw in (cells + [""] * width)[:width]:
        try:
            out.append(amount(raw))
        except ValueError as exc:
            msgs.problem(row.line, str(exc))
            out.append(None)
    return out


def _coded(table: dict[str, Any], grid: list[Row], msgs: Messages) -> None:
    heads = next(r for r in grid if "类" in [key(c) for c in r.cells])
    ncode = sum(1 for c in heads.cells if key(c) in _CODE_HEADS)
    names = next((r for r in grid if any("科目名称" in key(c) for c in r.cells)), heads)
    at = next((i for i, c in enumerate(names.cells) if "科目名称" in key(c)), ncode)
    columns = [cell(c) for c in names.cells[at + 1:] if cell(c)]
    table["columns"] = columns
    table["rows"] = []
    for row in grid:
        cells = list(row.cells)
        first = key(cells[0])
        if first in ("合计", "总计"):
            table["total"] = {"name": first, "values": _values(cells[at + 1:], len(columns), row, msgs)}
        elif re.fullmatch(r"\d+", first):
            code = " ".join(key(c) for c in cells[:ncode] if key(c))
            values = _values(cells[at + 1:], len(columns), row, msgs)
            table["rows"].append({"code": code, "name": cell(cells[at]), "values": values})
        elif first not in ("项目", "类") and "科目" not in first:
            msgs.problem(row.line, f"row {first!r} of table {table['title']!r} not placed")


def _two_sided(table: dict[str, Any], grid: list[Row], msgs: Messages) -> None:
    groups, heads = grid[0], grid[1]
    cells = [key(c) for c in heads.cells]
    split_at = [i for i, c in enumerate(cells) if c == "项目"][1]
    left = [cell(c) for c in heads.cells[1:split_at] if cell(c)]
    right = [cell(c) for c in heads.cells[split_at + 1:] if cell(c)]
    left_group, right_group = key(groups.cells[0]), key(groups.cells[split_at])
    table["columns"] = [left_group + c for c in left] + [right_group + c for c in right]
    blank_left, blank_right = [None] * len(left), [None] * len(right)
    lefts: list[dict[str, Any]] = []
    rights: list[dict[str, Any]] = []
    for row in grid[2:]:
        raw = list(row.cells) + [""] * len(heads.cells)
        name_l, name_r = cell(raw[0]), cell(raw[split_at])
        values_l = _values(raw[1:split_at], len(left), row, msgs)
        values_r = _values(raw[split_at + 1:], len(right), row, msgs)
        if "总计" in name_l or "总计" in name_r:
            table["total"] = {"name": f"{name_l} / {name_r}", "values": values_l + values_r}
            continue
        if name_l:
            lefts.append({"name": name_l, "values": values_l + blank_right})
        if name_r:
            rights.append({"name": name_r, "values": blank_left + values_r})
    table["rows"] = lefts + rights


def _three_public(table: dict[str, Any], grid: list[Row], msgs: Messages) -> None:
    groups, heads, subs, figures = grid[0], grid[1], grid[2], grid[3:]
    width = max(len(r.cells) for r in grid)
    columns = []
    parent = ""
    for i in range(width):
        head = cell(heads.cells[i]) if i < len(heads.cells) else ""
        sub = cell(subs.cells[i]) if i < len(subs.cells) else ""
        group = cell(groups.cells[i]) if i < len(groups.cells) else ""
        parent = head or parent
        if sub:
            columns.append(_SUBHEAD.get(sub, parent + sub) if parent.startswith("公务用车") else parent + sub)
        elif head:
            columns.append(head)
        elif group:
            columns.append(re.sub(r"^\d{4}年|预算数$", "", group))
    table["columns"] = columns
    year = re.match(r"\d{4}年", table["title"])
    table["rows"] = [{"name": f"{year.group(0) if year else ''}预算数",
                      "values": _values(list(r.cells), len(columns), r, msgs)} for r in figures]
