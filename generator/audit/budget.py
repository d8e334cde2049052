"""Stage 3b, audit of department budgets: the rules on 部门预算 tables and text.

Contract: ``budget_issues(report)`` yields ``(rule, location, message)`` for a
:class:`DepartmentBudget`; :mod:`generator.audit.rules` turns them into findings. All
comparisons are made in the unit each table is printed in, with the tolerance
of :func:`generator.audit.targets.slack`. Rows follow the model's order: a row's
children are the rows right below it one code level deeper (类 → 款 → 项), so a
misprinted code still sits under the parent the table prints it under, and is
reported as such (``budget-code``).

Column identities are read from the column names: a first column named 合计 or
总计 is the sum of the others; a ``…小计`` column is the sum of the columns after
it that share its prefix; in a “三公” table the total is 因公出国(境)费 +
公务接待费 + 公务用车购置及运行费 (itself 购置费 + 运行费), and 机关运行经费 is
outside it. Tables whose total rows print the same grand total cover the same scope,
and give a 科目 (a code, or a 类's name) the same amount. Amounts quoted in the text (``“行政运行”科目3,060万元``,
``财政拨款收入8,327万元``) are compared with every table figure of the same
name; a quoted amount whose name matches no row or column is not checked.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from decimal import Decimal

from generator.audit.targets import slack, tolerance
from generator.content.load import Loc
from generator.content.models import (
    UNIT_FACTOR,
    BudgetRow,
    BudgetTable,
    DepartmentBudget,
    table_unit,
)
from generator.i18n import Msg, listing
from generator.numbers import printed as num

Issue = tuple[str, Loc, Msg]  # rule, where, what: a message filled with the content it quotes

_AMOUNT = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*(亿元|万元|元)")
_QUOTED = re.compile(r"[“\"]([^”\"]+)[”\"]科目?$")
_DELIMITER = re.compile(r"[，。；：、,;:\n]|其中")
_NUMBERING = re.compile(r"^(?:[一二三四五六七八九十]+、|\d+[.、]|[（(][一二三四五六七八九十\d]+[）)])")
_YEAR = re.compile(r"^\d{4}年(?:度)?")
_TEXT_UNITS = {"元": Decimal(1), "万元": Decimal(10000), "亿元": Decimal(100000000)}


def _name(text: str) -> str:
    """A row, column or label name folded for matching: widths, spaces, numbering, quotes."""
    text = "".join(unicodedata.normalize("NFKC", text).split())
    return _NUMBERING.sub("", text).replace("“", "").replace("”", "").replace('"', "")


def _printed(values: tuple[Decimal | None, ...], factor: Decimal) -> list[Decimal | None]:
    return [None if v is None else v / factor for v in values]


def _label(row: BudgetRow) -> Msg:
    return Msg("「{code} {name}」", code=row.code, name=row.name) if row.code else Msg("「{name}」", name=row.name)


def _money(amount: Decimal, unit: str) -> Msg:
    return Msg("{amount}{unit}", amount=num(amount), unit=Msg(unit))


def _of(title: str, row: BudgetRow, column: str) -> Msg:
    """A figure of a table named by its row and column: ``支出预算总表：「204 06 司法」的合计``."""
    return Msg("{title}：{row}的{column}", title=title, row=_label(row), column=column)


def _segments_match(child: str, parent: str) -> bool:
    """Whether ``child``'s code begins with ``parent``'s (``221 2 01`` is under ``221 02``)."""
    head = child.split()[: len(parent.split())]
    return [int(s) for s in head] == [int(s) for s in parent.split()]


def _sum_issue(rule: str, loc: Loc, whole: Decimal | None, parts: list[Decimal | None],
               what: Msg, of_parts: Msg | str, unit: str) -> Iterator[Issue]:
    """One issue when the given parts do not add up to ``whole`` (blank counts as 0)."""
    given = [p for p in parts if p is not None]
    if not given:
        return
    shown = whole if whole is not None else Decimal(0)
    added = sum(given, Decimal(0))
    if abs(added - shown) > slack(shown, *given):
        key = "{what}为{shown}，但{parts}为{added}" if len(given) == 1 else "{what}为{shown}，但{parts}相加为{added}"
        yield (rule, loc, Msg(key, what=what, shown=_money(shown, unit), parts=of_parts, added=_money(added, unit)))


def _tree(t: int, table: BudgetTable, unit: str) -> Iterator[Issue]:
    """Children add up to their parent, 类 rows to the total, and codes sit under their parent's."""
    factor = UNIT_FACTOR[unit]
    rows = table.rows
    coded = [r.level for r in rows if r.level]
    if not coded:
        return
    for i, row in enumerate(rows):
        if not row.level:
            continue
        if row.level > 1:
            parent = next((p for p in reversed(rows[:i]) if 0 < p.level < row.level), None)
            if parent and parent.level == row.level - 1 and not _segments_match(row.code, parent.code):
                yield ("budget-code", ("tables", t, "rows", i, "code"),
                       Msg("{title}：科目编码{code}（{name}）列在{parent}之下，编码却不以{prefix}开头", title=table.title,
                           code=row.code, name=row.name, parent=_label(parent), prefix=parent.code))
        children = []
        for child in rows[i + 1:]:
            if child.level and child.level <= row.level:
                break
            if child.level == row.level + 1:
                children.append(child)
        if not children:
            continue
        mine, theirs = _printed(row.values, factor), [_printed(c.values, factor) for c in children]
        below = Msg("其下级科目{row}", row=_label(children[0])) if len(children) == 1 else \
            Msg("其下{n}个下级科目", n=str(len(children)))
        for c, column in enumerate(table.columns):
            yield from _sum_issue("budget-children", ("tables", t, "rows", i, "values", c), mine[c],
                                  [v[c] for v in theirs], _of(table.title, row, column), below, unit)
    if table.total is None:
        return
    top = [_printed(r.values, factor) for r in rows if r.level == min(coded)]
    total = _printed(table.total.values, factor)
    for c, column in enumerate(table.columns):
        yield from _sum_issue("budget-total", ("tables", t, "total", "values", c), total[c],
                              [v[c] for v in top], Msg("{title}：合计行的{column}", title=table.title, column=column),
                              Msg("各类科目"), unit)


def _sangong_identities(names: list[str]) -> list[tuple[int, list[int]]]:
    """(whole, parts) column identities of a “三公” table."""
    def find(test: object) -> list[int]:
        return [i for i, n in enumerate(names) if test(n)]  # type: ignore[operator]
    total = find(lambda n: n.startswith(("合计", "总计")))
    abroad, reception = find(lambda n: "出国" in n), find(lambda n: "接待" in n)
    subtotal = find(lambda n: "小计" in n or "及运行" in n)
    purchase = find(lambda n: "购置" in n and "小计" not in n and "及运行" not in n)
    running = find(lambda n: "运行费" in n and "机关" not in n and "小计" not in n and "及运行" not in n)
    found = []
    cars = subtotal[:1] or purchase[:1] + running[:1]
    if total and abroad and reception and cars:
        found.append((total[0], abroad[:1] + reception[:1] + cars))
    if subtotal and purchase and running:
        found.append((subtotal[0], purchase[:1] + running[:1]))
    return found


def _identities(names: list[str]) -> list[tuple[int, list[int]]]:
    """(whole, parts) column identities read from the names of an ordinary table."""
    found, grouped = [], set()
    for i, name in enumerate(names):
        prefix = name.replace("小计", "")
        if "小计" in name and len(prefix) >= 2:
            parts = []
            for j in range(i + 1, len(names)):
                if names[j][:2] != prefix[:2]:
                    break
                parts.append(j)
            if len(parts) >= 2:
                found.append((i, parts))
                grouped.update(parts)
    if names and names[0] in ("合计", "总计") and len(names) - 1 - len(grouped) >= 2:
        found.append((0, [j for j in range(1, len(names)) if j not in grouped]))
    return found


def _columns(t: int, table: BudgetTable, unit: str) -> Iterator[Issue]:
    """Each row's total column equals its part columns."""
    names = [_name(c) for c in table.columns]
    sangong = "三公" in table.title
    rule = "sangong" if sangong else "budget-columns"
    identities = _sangong_identities(names) if sangong else _identities(names)
    factor = UNIT_FACTOR[unit]
    lines: list[tuple[Loc, BudgetRow]] = [(("tables", t, "rows", i), r) for i, r in enumerate(table.rows)]
    if table.total is not None:
        lines.append((("tables", t, "total"), table.total))
    for loc, row in lines:
        values = _printed(row.values, factor)
        for whole, parts in identities:
            if values[whole] is None and all(values[p] is None for p in parts):
                continue
            yield from _sum_issue(rule, (*loc, "values", whole), values[whole], [values[p] for p in parts],
                                  _of(table.title, row, table.columns[whole]),
                                  listing([table.columns[p] for p in parts]), unit)


def _candidates(report: DepartmentBudget, label: str, quoted: str | None) -> list[tuple[Decimal, Decimal]]:
    """Every table figure (in 元, with its printed tolerance in 元) that a quoted name may refer to."""
    found: list[tuple[Decimal, Decimal]] = []

    def add(values: list[Decimal | None], factor: Decimal) -> None:
        """Add the figures given; a row or column left blank reads as 0."""
        given = [v for v in values if v is not None] or [Decimal(0)]
        found.extend((v, tolerance(v / factor) * factor) for v in given)

    for table in report.tables:
        factor = UNIT_FACTOR[table_unit(report, table)]
        rows = [*table.rows, *([table.total] if table.total else [])]
        for row in table.rows:
            name = _name(row.name)
            if len(name) >= 2 and (quoted or label).endswith(name) and (quoted is None or len(name) >= 4 or quoted == name):
                add(list(row.values), factor)
        for c, column in enumerate(_name(c).replace("小计", "") for c in table.columns):
            by_name = quoted is None and len(column) >= 2 and label.endswith(column)
            by_sangong = "三公" in label and "三公" in table.title and column.startswith(("合计", "总计"))
            if by_name or by_sangong:
                add([row.values[c] for row in rows], factor)
    return found


def _text(report: DepartmentBudget) -> Iterator[Issue]:
    """Amounts quoted in the summary and sections agree with the tables."""
    texts: list[tuple[Loc, str]] = [(("summary",), report.summary)]
    texts += [(("sections", k, "body"), s.body) for k, s in enumerate(report.sections)]
    for loc, text in texts:
        text = unicodedata.normalize("NFKC", text)
        for m in _AMOUNT.finditer(text):
            before = _DELIMITER.split(text[: m.start()])[-1].strip()
            quoted = _QUOTED.search(before)
            label = _YEAR.sub("", _name(before)).removesuffix("为").removesuffix("是")
            candidates = _candidates(report, label, _name(quoted.group(1)) if quoted else None)
            if not candidates:
                continue
            amount, factor = Decimal(m.group(1).replace(",", "")), _TEXT_UNITS[m.group(2)]
            if any(abs(amount * factor - v) <= tolerance(amount) * factor + tol for v, tol in candidates):
                continue
            shown = sorted({num((v / factor).quantize(Decimal("0.01"))) for v, _ in candidates})
            yield ("budget-text", loc, Msg("文字写“{quote}”，但预算表中对应的数字为{figures}", quote=f"{before}{m.group(0)}",
                                           figures=Msg("{amount}{unit}", amount=listing(shown[:4]), unit=Msg(m.group(2)))))


def _code(row: BudgetRow) -> tuple[int, ...]:
    return tuple(int(s) for s in row.code.split())


def _across(report: DepartmentBudget) -> Iterator[Issue]:
    """Tables of the same scope agree: a 科目 has one amount in all of them.

    Two tables cover the same scope when their total rows print the same grand total in a
    column (the 收入 and the 支出 table of a budget, the 支出 side of the 财务收支 table); the
    same 科目 is the same code in coded tables, or the same name in a table without codes.
    """
    seen: dict[tuple[Decimal, object], tuple[str, Decimal, str]] = {}
    for t, table in enumerate(report.tables):
        if table.total is None:
            continue
        unit = table_unit(report, table)
        factor = UNIT_FACTOR[unit]
        coded = any(r.level for r in table.rows)
        columns = [0] if coded else range(len(table.columns))
        for c in columns:
            scope = table.total.values[c]
            if not scope:
                continue
            for i, row in enumerate(table.rows):
                value, key = row.values[c], _code(row) if coded else _name(row.name)
                if value is None or not key:
                    continue
                names: list[tuple[Decimal, object]] = [(scope, key)]
                if coded and row.level == 1:  # a 类 is also named in the tables without codes
                    names.append((scope, _name(row.name)))
                for name in names:
                    if name not in seen:
                        seen[name] = (table.title, value, unit)
                        continue
                    title, other, other_unit = seen[name]
                    shown, other_shown = value / factor, other / UNIT_FACTOR[other_unit]
                    allowed = tolerance(shown) * factor + tolerance(other_shown) * UNIT_FACTOR[other_unit]
                    if abs(value - other) > allowed:
                        said = Msg("{title}中{row}的{column}为{shown}，但{other}中同一科目为{other_shown}",
                                   title=table.title, row=_label(row), column=table.columns[c],
                                   shown=_money(shown, unit), other=title, other_shown=_money(other_shown, other_unit))
                        yield ("budget-tables", ("tables", t, "rows", i, "values", c), said)
                    break


def budget_issues(report: DepartmentBudget) -> Iterator[Issue]:
    """Every rule on one department budget."""
    for t, table in enumerate(report.tables):
        unit = table_unit(report, table)
        yield from _tree(t, table, unit)
        yield from _columns(t, table, unit)
    yield from _across(report)
    yield from _text(report)
