"""Layout reader for space-separated extractions with wrapped cells (seed 004).

Contract: :func:`spaced_rows` rebuilds the rows of self-evaluation forms whose cells
are separated by spaces and whose long cells are wrapped over several lines, so that
the form parser can read them like the other layouts. It knows the form's parts:

* the head (title, year, 项目名称 possibly wrapped, 主管部门 … 实施单位 …);
* the funds rows (a label then the figures, ``—`` where the form prints a dash);
* the goals: after the 预算目标/实际完成情况 heading, the first paragraph (up to a
  blank line) is the planned goal and the rest what was achieved, hard-wrapped lines
  joined;
* the indicator table: a line ending in ``target actual 分值 得分`` closes an indicator,
  whose name is the text gathered since the previous one (plus any text before the
  figures on that line); lines made only of category names (数量指标, 效益指标
  社会效益指标) are labels for the indicator being gathered.

Where wrapped text cannot be told apart it is kept together and reported: the text
after an indicator that lost points may be its 偏差原因 (reason) or the start of the
next indicator's name, and only a reader of the printed form can tell.
"""

from __future__ import annotations

import re

from generator.importers.indicators import IMPLIED, LEVEL1
from generator.importers.rows import Messages, Row, amount

_VALUES = re.compile(r"^(?P<pre>.*?)\s*(?P<t>\S+)\s+(?P<a>\S+)\s+(?P<w>\d+(?:\.\d+)?)\s+(?P<s>\d+(?:\.\d+)?)$")
_JUNK = {"绩", "效", "指", "标", "年度", "总体", "目标", "绩效", "指标"}
_HEADER_END = "改进措施"


def _clean(line: str) -> str:
    return line.replace("\xa0", " ").replace("\u3000", " ").strip()


def _join(lines: list[str]) -> str:
    """Join hard-wrapped lines of one cell: no space unless two ASCII words meet."""
    out = ""
    for line in lines:
        if out and re.match(r"[A-Za-z0-9]", out[-1]) and re.match(r"[A-Za-z]", line[0]):
            out += " "
        out += line
    return out


def _labels(line: str) -> list[str] | None:
    tokens = line.split()
    if tokens and all(t in LEVEL1 or t in IMPLIED for t in tokens):
        return tokens
    return None


class _Reader:
    def __init__(self, messages: Messages) -> None:
        self.msgs = messages
        self.rows: list[Row] = []
        self.mode = "head"
        self.text: list[tuple[int, str]] = []
        self.labels: list[str] = []
        self.lost_at = 0  # line of the last indicator that lost points
        self.first = 0

    def emit(self, line: int, cells: list[str], brk: bool = False) -> None:
        self.rows.append(Row(line, tuple(cells), brk, tuple(line for _ in cells)))

    def head(self, number: int, line: str) -> None:
        tokens = line.split()
        if self.first:  # inside a wrapped 项目名称, which ends where 主管部门 starts
            if not line.startswith("主管部门"):
                self.text.append((number, line))
                return
            self.emit(self.first, ["项目名称", _join([t for _, t in self.text if t])])
            self.text, self.first = [], 0
        if "绩效自评表" in line or re.fullmatch(r"\(\s*\d{4}\s*年度\)", line):
            self.emit(number, [line])
        elif line.startswith("项目名称"):
            self.text = [(number, line.removeprefix("项目名称").strip())]
            self.first = number
        elif line.startswith("项目资金"):
            self.emit(number, [line])
        elif line.startswith("（") and self.rows and self.rows[-1].cells == ("项目资金",):
            self.rows[-1] = Row(self.rows[-1].line, ("项目资金" + line,), False, (self.rows[-1].line,))
        elif tokens[0] in ("主管部门", "年度资金总额", "其中：当年财政拨款", "上年结转资金", "其他资金"):
            self.emit(number, tokens)
        elif "年初预算数" in line:
            self.emit(number, ["", *tokens])
        elif "实际完成情况" in line:
            self.emit(number, tokens)
            self.mode, self.text = "goals", []

    def goals(self, number: int, line: str, blank: bool) -> None:
        if line.startswith("一级指标"):
            paragraphs: list[list[str]] = [[]]
            for _, text in self.text:
                if text == "":
                    if paragraphs[-1]:
                        paragraphs.append([])
                else:
                    paragraphs[-1].append(text)
            paragraphs = [p for p in paragraphs if p]
            first = self.text[0][0] if self.text else number
            planned = _join(paragraphs[0]) if paragraphs else ""
            achieved = "\n".join(_join(p) for p in paragraphs[1:])
            self.emit(first, [planned, achieved])
            self.mode, self.text = "header", []
            self.header = [line]
            self.header_line = number
        else:
            self.text.append((number, "" if blank else line))

    def header_row(self, number: int, line: str) -> None:
        self.header.append(line)
        if line.endswith(_HEADER_END):
            self.emit(self.header_line, ["一级指标", "二级指标", "三级指标", "年度指标值",
                                         "实际完成值", "分值", "得分", "偏差原因分析及改进措施"])
            self.mode, self.text, self.labels = "table", [], []

    def table(self, number: int, line: str) -> None:
        if line.startswith("总分"):
            self.emit(number, line.split())
            self.mode = "head"
            self.flush_reason()
            return
        labels = _labels(line)
        if labels:
            self.labels += labels
            return
        if line in _JUNK:
            return
        found = _VALUES.match(line)
        if not found or not found.group("t"):
            self.text.append((number, line))
            return
        pieces = [t for _, t in self.text] + ([found.group("pre")] if found.group("pre") else [])
        first = self.text[0][0] if self.text else number
        if self.lost_at and self.text:
            self.msgs.problem(first, f"text after the indicator on line {self.lost_at}, which lost "
                              f"points, may be its 偏差原因 or the start of this name: "
                              f"{_join(pieces)!r} kept as the name")
        cells = [*self.labels, _join(pieces), found.group("t"), found.group("a"),
                 found.group("w"), found.group("s")]
        self.emit(first, cells)
        self.text, self.labels = [], []
        weight, score = amount(found.group("w")), amount(found.group("s"))
        self.lost_at = number if weight is not None and score is not None and score < weight else 0

    def flush_reason(self) -> None:
        if self.text:
            self.msgs.problem(self.text[0][0], f"text {_join([t for _, t in self.text])!r} "
                              "before 总分 not placed")
        self.text, self.lost_at = [], 0


def spaced_rows(lines: list[str], messages: Messages) -> list[Row]:
    """Rows of a space-separated extraction."""
    reader = _Reader(messages)
    for number, raw in enumerate(lines, 1):
        line = _clean(raw)
        if reader.mode == "goals":
            reader.goals(number, line, not line)
        elif not line:
            continue
        elif reader.mode == "head":
            reader.head(number, line)
        elif reader.mode == "header":
            reader.header_row(number, line)
        else:
            reader.table(number, line)
    return reader.rows
