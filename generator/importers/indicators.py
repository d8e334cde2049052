"""The indicator table of a form (绩效指标): rows -> indicator dicts and the printed total.

Contract: :func:`read_indicators` takes the rows after the indicator heading row and
returns the indicators in printed order, the total (总分) row, and the line of the
last row it used. Category cells are recognised by the standard framework's names
wherever the extraction put them; a category printed once for several rows (a merged
cell) carries on to the rows below; a row that names a second-level category but no
first-level one gets the first level the framework implies (数量指标 is under 产出指标).

PDF page breaks cut rows in two. A row without 分值/得分 (self-evaluations) or without
a target (declarations) next to a page break is joined, cell by cell, with the row on
the other side of the break. What cannot be joined is kept as printed and reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from generator.importers.rows import Messages, Row, amount, cell, is_amount, prose

LEVEL1 = ("产出指标", "效益指标", "满意度指标", "成本指标")
IMPLIED = {
    "数量指标": "产出指标", "质量指标": "产出指标", "时效指标": "产出指标",
    "经济效益指标": "效益指标", "社会效益指标": "效益指标", "生态效益指标": "效益指标",
    "可持续影响指标": "效益指标", "服务对象满意度指标": "满意度指标",
    "经济成本指标": "成本指标", "社会成本指标": "成本指标", "生态环境成本指标": "成本指标",
}
_COST_L2 = ("经济成本指标", "社会成本指标", "生态环境成本指标")
_JUNK = re.compile(r"^[绩效指标]{1,4}$")  # pieces of the vertical 绩效指标 label
_UNKNOWN = re.compile(r"^[\u4e00-\u9fff]{2,4}指标$")
_VALUE = re.compile(r"^[<>=≥≤]*\s*\d")
_TIMELY = re.compile(r"及时|时间|时限|周期|时效")


@dataclass
class Piece:
    """One extracted row split into category labels and content cells."""

    line: int
    brk: bool
    labels: list[str] = field(default_factory=list)
    rest: list[str] = field(default_factory=list)
    pair: int | None = None  # index in ``rest`` of 分值 (self-evaluations)


@dataclass
class Table:
    """What :func:`read_indicators` found."""

    indicators: list[dict[str, Any]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    total: dict[str, Decimal] = field(default_factory=dict)
    last_line: int = 0


def _find_pair(rest: list[str]) -> int | None:
    """Index of the 分值/得分 pair: the last two adjacent numbers with no number after them."""
    for j in range(len(rest) - 2, -1, -1):
        if is_amount(rest[j]) and is_amount(rest[j + 1]):
            if not any(is_amount(x) for x in rest[j + 2:]):
                return j
            return None
    return None


def _split(row: Row, declaration: bool) -> Piece:
    tokens = [t for t in (cell(c) for c in row.cells) if t]
    # Pieces of the vertical 绩效指标 heading stand before the categories; further right a
    # cell such as 效 is the tail of a wrapped value and stays.
    while tokens and _JUNK.match(tokens[0].replace(" ", "")):
        tokens.pop(0)
    piece = Piece(row.line, row.brk)
    # Content cells a row must keep: name and target at least. A declaration never
    # names an indicator after a category, so there every category cell is a label.
    keep = 0 if declaration else 2
    i = 0
    while i < len(tokens):
        label = tokens[i].replace(" ", "")
        if _JUNK.match(label) and i + 1 < len(tokens):
            i += 1  # a piece of the 绩效指标 heading among the category cells
            continue
        known = label in LEVEL1 or label in IMPLIED
        if not known and not (_UNKNOWN.match(label) and len(tokens) - i >= 3):
            break
        content = tokens[i + 1:]
        pair = None if declaration else _find_pair(content)
        text_left = len(content) if pair is None else pair
        repeated = label in piece.labels
        # A category printed twice is a label, unless taking it leaves no name: in
        # 服务对象满意度指标 | 服务对象满意度指标 | 90% | 90% the second one is the name.
        value_next = bool(content) and bool(_VALUE.match(content[0]))
        enough = keep + (1 if repeated and not declaration and value_next else 0)
        if text_left < enough and content and content != ["不适用"]:
            break
        piece.labels.append(label)
        i += 1
    piece.rest = tokens[i:]
    piece.pair = None if declaration else _find_pair(piece.rest)
    return piece


def _complete(piece: Piece, declaration: bool) -> bool:
    if declaration:
        return len(piece.rest) >= 2
    return piece.pair is not None or piece.rest == ["不适用"]


def _join(first: Piece, second: Piece, declaration: bool) -> Piece:
    """Join two halves of a row cut by a page break, cell by cell."""
    a, b = first.rest, second.rest
    width = max(len(a), len(b))
    rest = [cell((a[k] if k < len(a) else "") + "\n" + (b[k] if k < len(b) else ""))
            for k in range(width)]
    merged = Piece(first.line, first.brk, first.labels + second.labels, rest)
    merged.pair = None if declaration else _find_pair(rest)
    return merged


def _merge_breaks(pieces: list[Piece], declaration: bool, msgs: Messages) -> list[Piece]:
    out: list[Piece] = []
    i = 0
    while i < len(pieces):
        piece = pieces[i]
        if _complete(piece, declaration) or not piece.rest:
            out.append(piece)
            i += 1
            continue
        nxt = pieces[i + 1] if i + 1 < len(pieces) else None
        if nxt is not None and nxt.brk and nxt.rest:
            msgs.note(piece.line, f"row cut by a page break joined with line {nxt.line}")
            pieces[i + 1] = _join(piece, nxt, declaration)
        elif piece.brk and out and out[-1].rest:
            msgs.note(piece.line, f"row cut by a page break joined with line {out[-1].line}")
            out[-1] = _join(out[-1], piece, declaration)
        else:
            out.append(piece)
        i += 1
    return out


def _levels(labels: list[str], level1: str, level2: str) -> tuple[str, str]:
    """Apply a row's category labels to the categories carried from the rows above."""
    new1 = new2 = ""
    for k, label in enumerate(labels):
        follows = labels[k + 1] if k + 1 < len(labels) else ""
        if label == "成本指标":
            # 成本指标 is a first level in the 2024 framework (over 经济成本指标 …) and a
            # second level under 产出指标 in the older one.
            if follows in _COST_L2:
                new1 = label
            else:
                new2 = label
        elif label in LEVEL1:
            new1 = label
        elif label in IMPLIED or _UNKNOWN.match(label):
            if _UNKNOWN.match(label) and label not in IMPLIED and follows in IMPLIED:
                new1 = label
            else:
                new2 = label
    if new2:
        implied = IMPLIED.get(new2, "产出指标" if new2 == "成本指标" else "")
        return new1 or implied or level1, new2
    if new1:
        return new1, level2 if new1 == level1 else ""
    return level1, level2


def read_indicators(rows: list[Row], declaration: bool, msgs: Messages) -> Table:
    """Read the indicator rows of one form (the rows after its heading row)."""
    table = Table()
    pieces: list[Piece] = []
    total_numbers: list[str] = []
    in_total = False
    for row in rows:
        texts = row.filled
        table.last_line = row.line
        if in_total or "总分" in (t.replace(" ", "") for t in texts):
            in_total = True
            total_numbers += [t for t in texts if is_amount(t)]
            continue
        if not declaration and pieces and texts and all(is_amount(t) for t in texts):
            msgs.note(row.line, "a row of numbers only after the indicators read as 总分")
            in_total = True
            total_numbers += texts
            continue
        pieces.append(_split(row, declaration))
    if not declaration:
        _read_total(total_numbers, rows[-1].line if rows else 0, table, msgs)

    level1 = level2 = ""
    for piece in _merge_breaks(pieces, declaration, msgs):
        level1, level2 = _levels(piece.labels, level1, level2)
        for label in piece.labels:
            if label not in LEVEL1 and label not in IMPLIED:
                msgs.problem(piece.line, f"unknown indicator category {label!r} kept as printed")
        if not piece.rest:
            continue
        item = _indicator(piece, level1, level2, declaration, msgs)
        table.indicators.append(item)
        table.lines.append(piece.line)
        if not level1:
            msgs.problem(piece.line, f"no 一级指标 for {item.get('name', '')!r}")
        _check_timely(piece, item, msgs)
    return table


def _indicator(piece: Piece, level1: str, level2: str, declaration: bool,
               msgs: Messages) -> dict[str, Any]:
    item: dict[str, Any] = {"level1": level1, "level2": level2}
    rest = piece.rest
    if declaration:
        if len(rest) > 2:
            msgs.problem(piece.line, f"{len(rest)} cells where 三级指标 and 指标值 were expected; "
                         "the first ones joined into the name")
            rest = ["".join(rest[:-1]), rest[-1]]
        item["name"] = rest[0]
        item["target"] = rest[1] if len(rest) > 1 else ""
        if len(rest) < 2:
            msgs.problem(piece.line, f"no 指标值 for {rest[0]!r}")
        return item
    if rest == ["不适用"]:
        item["not_applicable"] = True
        return item
    if piece.pair is None:
        msgs.problem(piece.line, f"no 分值/得分 in row {' | '.join(rest)!r}; kept as printed")
        text, numbers, reason = rest, [], []
    else:
        text, numbers, reason = rest[:piece.pair], rest[piece.pair:piece.pair + 2], rest[piece.pair + 2:]
    if len(text) > 3:
        msgs.problem(piece.line, f"{len(text)} cells before 分值 where 3 were expected; "
                     "the first ones joined into the name")
        text = ["".join(text[:-2]), *text[-2:]]
    if not text:
        msgs.problem(piece.line, "a row with 分值/得分 but no indicator name")
    item["name"] = text[0] if text else ""
    if item["name"] in IMPLIED or item["name"] in LEVEL1:
        msgs.note(piece.line, f"the category name {item['name']!r} stands where the indicator's name is printed")
    item["target"] = text[1] if len(text) > 1 else ""
    item["actual"] = text[2] if len(text) > 2 else ""
    if numbers:
        item["weight"], item["score"] = amount(numbers[0]), amount(numbers[1])
    if reason:
        item["reason"] = prose("\n".join(reason))
    return item


def _read_total(numbers: list[str], line: int, table: Table, msgs: Messages) -> None:
    if len(numbers) == 2:
        table.total = {"weight": amount(numbers[0]) or Decimal(0), "score": amount(numbers[1]) or Decimal(0)}
    elif numbers:
        msgs.problem(line, f"总分 row has {len(numbers)} number(s) {numbers}; cannot tell 分值 from 得分")
    else:
        msgs.problem(line, "no 总分 row")


def _check_timely(piece: Piece, item: dict[str, Any], msgs: Messages) -> None:
    """Point at rows whose carried-down second level the name contradicts."""
    name = item.get("name", "")
    if any(label in IMPLIED or label == "成本指标" for label in piece.labels):
        return  # the row prints its own second level: trust it
    if _TIMELY.search(name) and item["level2"] != "时效指标" and item["level1"] == "产出指标":
        msgs.note(piece.line, f"{name!r} is filed under {item['level2'] or '(none)'} as printed; "
                  "its name suggests 时效指标")
