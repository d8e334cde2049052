"""Write the seed reports as the official forms, in .xlsx, .xls, .docx and .pdf: the importer's fixtures.

Usage: python3 scripts/make_forms.py [SEEDS_DIR] [OUT_DIR] [--only=001,other-province]
(default: ../shared/seeds and tests/fixtures/forms, every file). Run it on purpose, when the
form layouts or the seeds change, and commit what it writes (``--only`` writes the files of
those stems alone, so that the others keep their bytes).

The seed extractions are imported as usual (with content/corrections.yaml); every
self-evaluation and target declaration is then laid out as the printed form lays it
out (财政项目支出绩效自评表, 财政项目支出绩效目标申报表): ruled tables, merged cells for
the 项目资金 and 绩效指标 labels and for categories over several rows, amounts as numbers
with the printed decimals. The department budget (部门预算, seed 001) is printed as its
document: its chapters (paragraphs of indented lines; in a workbook a blank row between
paragraphs, in Word a paragraph whose lines are apart by line breaks), then each table on
a page (sheet) of its own under its title, 编制部门 and 单位, with its two-level heading and
its notes, then the other sections. One workbook (one sheet per form), one Word document and one
PDF (the HTML of the forms printed by headless Chromium, as a browser prints them) per
seed file; the .xls of seed 004 only. ``other-province.xlsx``, ``.docx`` and ``.pdf`` lay two reports out with
another province's labels (调整后预算数, 预算执行数, 预算执行率, 权重, 指标值, 完成值,
指标性质, 度量单位, 项目基本情况, 评价结论, 存在问题, 改进措施, 财务负责人).
"""

from __future__ import annotations

import contextlib
import html
import io
import re
import sys
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from generator.content.load import parse_yaml
from generator.importers import run_import


@dataclass
class Cell:
    """One cell of a form: its value (text or Decimal), and the rows and columns it spans."""

    value: Any = ""
    rows: int = 1
    cols: int = 1
    percent: bool = False
    bold: bool = False


Grid = list[list[Cell | None]]  # None: covered by a merged cell


@dataclass
class Form:
    title: str
    year: str
    width: int
    grid: Grid
    sheet: str


# A printed page's parts: ("heading", text), ("center", text) a centred line such as the year,
# ("line", text) a line at the left margin (编制部门, 单位, 注), ("text", paragraphs of lines),
# ("grid", rows of cells).
Block = tuple[str, Any]


@dataclass
class Page:
    """One sheet of a workbook, one stretch of a document or PDF between page breaks."""

    width: int
    blocks: list[Block]


def page_of(form: Form) -> Page:
    return Page(form.width, [("heading", form.title), ("center", form.year), ("grid", form.grid)])


def text_of(cell: Cell) -> str:
    """The cell as printed."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.scaleb(2), "f") + "%" if cell.percent else format(value, "f")
    return str(value)


class Layout:
    def __init__(self, width: int) -> None:
        self.width = width
        self.grid: Grid = []
        self.spans: dict[tuple[int, int], bool] = {}

    def row(self, *cells: Cell | str | Decimal | None) -> None:
        """Add a row; a cell of a row above that spans down covers its place."""
        r = len(self.grid)
        line: list[Cell | None] = []
        given = [c if isinstance(c, Cell) else Cell("" if c is None else c) for c in cells]
        col = 0
        it = iter(given)
        while col < self.width:
            if (r, col) in self.spans:
                line.append(None)
                col += 1
                continue
            cell = next(it, None)
            if cell is None:
                cell = Cell("")
            cell.cols = min(cell.cols, self.width - col)
            line.append(cell)
            for dr in range(cell.rows):
                for dc in range(cell.cols):
                    if dr or dc:
                        self.spans[(r + dr, col + dc)] = True
            for dc in range(1, cell.cols):
                line.append(None)
            col += cell.cols
        self.grid.append(line)


def _groups(items: list[dict[str, Any]], key: str, start: int, end: int) -> list[tuple[int, int]]:
    """Runs [i, j) of consecutive indicators with the same category (the merged cells)."""
    runs = []
    i = start
    while i < end:
        j = i + 1
        while j < end and items[j].get("level1") == items[i].get("level1") and (
                key == "level1" or items[j].get("level2") == items[i].get("level2")):
            j += 1
        runs.append((i, j))
        i = j
    return runs


def _category_cells(items: list[dict[str, Any]]) -> list[dict[str, Cell]]:
    """The merged level1/level2 cells of each indicator row (only where a run starts)."""
    out: list[dict[str, Cell]] = [{} for _ in items]
    for a, b in _groups(items, "level1", 0, len(items)):
        out[a]["level1"] = Cell(items[a].get("level1", ""), rows=b - a)
        for c, d in _groups(items, "level2", a, b):
            out[c]["level2"] = Cell(items[c].get("level2", ""), rows=d - c)
    return out


FUND_ROWS = (("total", "年度资金总额"), ("appropriation", "其中：当年财政拨款"),
             ("carryover", "上年结转资金"), ("other", "其他资金"))


def self_evaluation(data: dict[str, Any], dept: str, labels: dict[str, Any]) -> Form:
    """The 财政项目支出绩效自评表 of one report."""
    wide = "nature" in labels  # the 指标性质 and 度量单位 columns
    lay = Layout(11 if wide else 9)
    lay.row(Cell("项目名称", bold=True), Cell(data["name"], cols=lay.width - 1))
    lay.row("主管部门", Cell(dept, cols=3), "实施单位", Cell(data.get("implementer", ""), cols=4))
    if data.get("leader") or data.get("phone") or "finance_leader" in labels:
        lay.row(labels.get("leader", "项目负责人"), Cell(data.get("leader", ""), cols=3),
                "联系电话", Cell(data.get("phone", ""), cols=4))
    if "finance_leader" in labels:
        lay.row("财务负责人", Cell(labels["finance_leader"], cols=3), "联系电话", Cell("", cols=4))
    unit = data.get("money_unit", "元")
    lay.row(Cell(f"项目资金（{unit}）", rows=5), "", labels.get("initial", "年初预算数"),
            labels.get("adjusted", "全年预算数"), labels.get("executed", "全年执行数"),
            labels.get("weight", "分值"), labels.get("rate", "执行率"), Cell("得分", cols=lay.width - 7))
    funds = data.get("funds", {})
    for name, label in FUND_ROWS:
        values = funds.get(name, {})
        if name == "total":
            lay.row(label, values.get("initial"), values.get("adjusted"), values.get("executed"),
                    values.get("weight"), Cell(values.get("rate"), percent=True),
                    Cell(values.get("score"), cols=lay.width - 7))
        else:
            lay.row(labels.get(name, label), values.get("initial"), values.get("adjusted"),
                    values.get("executed"), "—", "—", Cell("—", cols=lay.width - 7))
    goals = data.get("goals", {})
    half = (lay.width - 1) // 2
    lay.row(Cell("年度总体目标", rows=2), Cell("预期目标", cols=half), Cell("实际完成情况", cols=lay.width - 1 - half))
    lay.row(Cell(goals.get("planned", ""), cols=half), Cell(goals.get("achieved", ""), cols=lay.width - 1 - half))
    items = list(data.get("indicators", []))
    measures = ["指标性质", labels.get("target", "年度指标值"), "度量单位"] if wide else [labels.get("target", "年度指标值")]
    lay.row(Cell("绩效指标", rows=len(items) + 1), "一级指标", "二级指标", "三级指标", *measures,
            labels.get("actual", "实际完成值"), labels.get("weight", "分值"), "得分", "偏差原因分析及改进措施")
    for item, cats in zip(items, _category_cells(items)):
        head = [cats[k] for k in ("level1", "level2") if k in cats]
        if item.get("not_applicable"):
            lay.row(*head, Cell("不适用", cols=lay.width - 3))
            continue
        target, actual = item.get("target", ""), item.get("actual", "")
        if wide:
            sign, value, unit = split_target(target)
            if unit and actual.endswith(unit) and FIGURE.match(actual[:-len(unit)]):
                actual = actual[:-len(unit)]
            shown: list[Any] = [sign, value, unit]
        else:
            shown = [target]
        lay.row(*head, item.get("name", ""), *shown, actual, item.get("weight"), item.get("score"),
                item.get("reason", ""))
    total = data.get("total", {})
    lay.row(Cell("总分", cols=lay.width - 3), total.get("weight"), total.get("score"), "")
    for section, body in labels.get("sections", {}).items():
        lay.row(section, Cell(body, cols=lay.width - 1))
    return Form("财政项目支出绩效自评表", f"（{data['year']}年度）", 9, lay.grid, data["name"])


TARGET = re.compile(r"^([<>=≥≤]+)?(\d+(?:\.\d+)?)(\D*)$")
FIGURE = re.compile(r"^[<>=≥≤]*\d+(\.\d+)?$")


def split_target(target: str) -> tuple[str, str, str]:
    """``≥95%`` as 指标性质, 指标值 and 度量单位; a target in words is 定性."""
    found = TARGET.match(target)
    if not found:
        return "定性", target, ""
    return found.group(1) or "", found.group(2), found.group(3)


def declaration(data: dict[str, Any], dept: str) -> Form:
    """The 财政项目支出绩效目标申报表 of one report."""
    lay = Layout(6)
    lay.row("项目名称", data["name"], "项目性质", data.get("nature", ""), "项目类别",
            data.get("category", ""))
    lay.row("主管部门", dept, "实施单位", Cell(data.get("implementer", ""), cols=3))
    period = data.get("period", {})
    lay.row("计划开始日期", period.get("start") or "", "计划完成日期", Cell(period.get("end") or "", cols=3))
    funds = data.get("funds", {})
    lay.row(Cell(f"项目资金（{data.get('money_unit', '元')}）", rows=4), "项目资金总额",
            funds.get("project_total"), "年度资金申请总额", Cell(funds.get("requested"), cols=2))
    lay.row("其中：财政资金", "", "其中：当年财政拨款", Cell(funds.get("appropriation"), cols=2))
    lay.row("", "", "上年结转资金", Cell(funds.get("carryover"), cols=2))
    lay.row("其他资金", "", "其他资金", Cell(funds.get("other"), cols=2))
    goals = data.get("goals", {})
    lay.row(Cell("项目绩效目标", rows=2), Cell("项目总目标", cols=2), Cell("年度总体目标", cols=3))
    lay.row(Cell(goals.get("overall", ""), cols=2), Cell(goals.get("annual", ""), cols=3))
    items = list(data.get("indicators", []))
    lay.row(Cell("绩效指标", rows=len(items) + 1), "一级指标", "二级指标", "三级指标",
            Cell("年度(/项目)指标值", cols=2))
    for item, cats in zip(items, _category_cells(items)):
        head = [cats[k] for k in ("level1", "level2") if k in cats]
        lay.row(*head, item.get("name", ""), Cell(item.get("target", ""), cols=2))
    return Form("财政项目支出绩效目标申报表", f"（{data['year']}年度）", 6, lay.grid, data["name"])


# --- writers ---------------------------------------------------------------------------

def _places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def number_format(cell: Cell) -> str:
    value = cell.value
    assert isinstance(value, Decimal)
    places = _places(value) - (2 if cell.percent else 0)
    body = "0" + ("." + "0" * places if places > 0 else "")
    return body + ("%" if cell.percent else "")


def _value(cell: Cell) -> Any:
    value = cell.value
    if value is None:
        return None
    return str(value) if not hasattr(value, "isoformat") else value.isoformat()


def write_xlsx(pages: list[Page], path: Path) -> None:
    import openpyxl
    from openpyxl.styles import Alignment, Border, Font, Side

    book = openpyxl.Workbook()
    book.remove(book.active)
    thin = Side(style="thin")
    ruled = Border(left=thin, right=thin, top=thin, bottom=thin)
    for n, page in enumerate(pages, 1):
        sheet = book.create_sheet(f"{n:03d}")
        r = 1
        for kind, body in page.blocks:
            if kind in ("heading", "center", "line", "text"):
                # a line of text across the sheet; a blank row between a chapter's paragraphs
                lines = [(i > 0 and j == 0, t) for i, para in enumerate(body) for j, t in enumerate(para)] \
                    if kind == "text" else [(False, body)]
                for blank_before, text in lines:
                    r += blank_before
                    sheet.cell(r, 1, text)
                    if kind == "heading":
                        sheet.cell(r, 1).font = Font(bold=True, size=16)
                    sheet.merge_cells(start_row=r, start_column=1, end_row=r, end_column=page.width)
                    r += 1
            else:
                for line_cells in body:
                    for c, cell in enumerate(line_cells, 1):
                        if cell is None:
                            sheet.cell(r, c).border = ruled
                            continue
                        target = sheet.cell(r, c)
                        if isinstance(cell.value, Decimal):
                            target.value = float(cell.value)
                            target.number_format = number_format(cell)
                        else:
                            value = _value(cell)
                            target.value = value
                            if value is not None:
                                target.data_type = "s"  # text as typed: =100% is a target, not a formula
                                target.number_format = "@"
                        target.border = ruled
                        target.alignment = Alignment(wrap_text=True, vertical="center")
                        if cell.rows > 1 or cell.cols > 1:
                            sheet.merge_cells(start_row=r, start_column=c,
                                              end_row=r + cell.rows - 1, end_column=c + cell.cols - 1)
                    r += 1
        for c in range(1, page.width + 1):
            sheet.column_dimensions[openpyxl.utils.get_column_letter(c)].width = 16
    book.save(path)


def write_xls(pages: list[Page], path: Path) -> None:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    for n, page in enumerate(pages, 1):
        sheet = book.add_sheet(f"{n:03d}")
        r = 0
        for kind, body in page.blocks:
            if kind in ("heading", "center", "line"):
                sheet.write_merge(r, r, 0, page.width - 1, body)
                r += 1
            elif kind == "text":
                for i, paragraph in enumerate(body):
                    r += 1 if i else 0
                    for text in paragraph:
                        sheet.write_merge(r, r, 0, page.width - 1, text)
                        r += 1
            else:
                for line_cells in body:
                    for c, cell in enumerate(line_cells):
                        if cell is None:
                            continue
                        value: Any = cell.value
                        style = xlwt.easyxf("borders: left thin, right thin, top thin, bottom thin")
                        if isinstance(value, Decimal):
                            style.num_format_str = number_format(cell)
                            value = float(value)
                        else:
                            value = _value(cell) or ""
                        if cell.rows > 1 or cell.cols > 1:
                            sheet.write_merge(r, r + cell.rows - 1, c, c + cell.cols - 1, value, style)
                        else:
                            sheet.write(r, c, value, style)
                    r += 1
    book.save(str(path))


def write_docx(pages: list[Page], path: Path) -> None:
    import docx
    from docx.enum.text import WD_BREAK

    document = docx.Document()
    for n, page in enumerate(pages):
        if n:
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        for kind, body in page.blocks:
            if kind == "heading":
                document.add_heading(body, level=1)
            elif kind in ("center", "line"):
                document.add_paragraph(body)
            elif kind == "text":
                for paragraph in body:  # one paragraph, its lines apart by line breaks (Shift+Enter)
                    printed = document.add_paragraph()
                    for i, text in enumerate(paragraph):
                        run = printed.add_run(text)
                        if i < len(paragraph) - 1:
                            run.add_break()
            else:
                width = len(body[0])
                table = document.add_table(rows=len(body), cols=width)
                table.style = "Table Grid"
                for r, line_cells in enumerate(body):
                    for c, cell in enumerate(line_cells):
                        if cell is None:
                            continue
                        target = table.cell(r, c)
                        if cell.rows > 1 or cell.cols > 1:
                            target = target.merge(table.cell(r + cell.rows - 1, c + cell.cols - 1))
                        target.text = text_of(cell)
    document.save(str(path))


_CSS = """
@page { size: A4; margin: 15mm; }
body { font-family: "Noto Serif CJK SC", "Noto Sans CJK SC", serif; font-size: 9pt; }
section { break-after: page; }
h1 { text-align: center; font-size: 15pt; margin: 0 0 2mm; }
p.year { text-align: center; margin: 0 0 3mm; }
p.line { margin: 0 0 1mm; }
div.text { margin: 0 0 0.8em; break-inside: avoid; }
div.text p { margin: 0; text-indent: 2em; text-align: justify; line-height: 1.5; }
table { border-collapse: collapse; width: 100%; }
td { border: 0.75pt solid #000; padding: 1mm 1.2mm; vertical-align: middle; }
tr { break-inside: avoid; }
"""


def form_html(pages: list[Page]) -> str:
    parts = ["<!doctype html><html lang=zh-CN><meta charset=utf-8><style>", _CSS, "</style><body>"]
    for page in pages:
        parts.append("<section>")
        for kind, body in page.blocks:
            if kind == "heading":
                parts.append(f"<h1>{html.escape(body)}</h1>")
            elif kind in ("center", "line"):
                parts.append(f"<p class={'year' if kind == 'center' else 'line'}>{html.escape(body)}</p>")
            elif kind == "text":
                for paragraph in body:  # a paragraph's lines, each indented as a new line starts
                    lines = "".join(f"<p>{html.escape(text)}</p>" for text in paragraph)
                    parts.append(f"<div class=text>{lines}</div>")
            else:
                parts.append("<table>")
                for line_cells in body:
                    parts.append("<tr>")
                    for cell in line_cells:
                        if cell is None:
                            continue
                        span = (f" rowspan={cell.rows}" if cell.rows > 1 else "") + (
                            f" colspan={cell.cols}" if cell.cols > 1 else "")
                        text = "<br>".join(html.escape(x) for x in text_of(cell).split("\n"))
                        parts.append(f"<td{span}>{text}</td>")
                    parts.append("</tr>")
                parts.append("</table>")
        parts.append("</section>")
    parts.append("</body></html>")
    return "".join(parts)


def write_pdfs(jobs: list[tuple[list[Page], Path]]) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as play:
        browser = play.chromium.launch(executable_path="/usr/bin/chromium")
        page = browser.new_page()
        for forms, path in jobs:
            page.set_content(form_html(forms))
            page.pdf(path=str(path), format="A4", print_background=True)
        browser.close()


# --- the seeds ----------------------------------------------------------------------------

def imported(seeds: list[Path], content: Path) -> dict[str, list[dict[str, Any]]]:
    """The seeds' reports as the text import writes them, by seed file, in source order."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        run_import(seeds, content, None, corrections=ROOT / "content" / "corrections.yaml")
    out: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for path in sorted((content / "departments").rglob("*.yaml")):
        data, _ = parse_yaml(path.read_text(encoding="utf-8"))
        if data.get("kind") in ("self-evaluation", "target-declaration", "department-budget"):
            source, _, lines = str(data["source"]).partition(":")
            out.setdefault(source, []).append((int(lines.split("-")[0]), data))
    return {k: [d for _, d in sorted(v, key=lambda x: x[0])] for k, v in sorted(out.items())}


def departments(content: Path) -> dict[str, dict[str, Any]]:
    """The departments the import wrote, by slug."""
    out = {}
    for path in (content / "departments").glob("*/department.yaml"):
        data, _ = parse_yaml(path.read_text(encoding="utf-8"))
        out[path.parent.name] = data
    return out


# --- the department budget (部门预算) --------------------------------------------------------

def _paragraphs(markdown: str) -> list[list[str]]:
    """A chapter's markdown as printed: paragraphs of lines (a ``###`` subheading is a line)."""
    return [[line.removeprefix("### ") for line in part.split("\n")]
            for part in str(markdown).split("\n\n") if part.strip()]


def _figure(value: Any) -> Any:
    return Decimal(value) if isinstance(value, int) and not isinstance(value, bool) else value


def coded_table(table: dict[str, Any]) -> Grid:
    """A table of 类/款/项 codes, names and amounts under a two-level heading."""
    columns, rows = table["columns"], table["rows"]
    ncode = max((len(str(r["code"]).split()) for r in rows), default=3)
    economic = "经济分类" in table["title"]
    group = re.sub(r"(功能分类预算表|部门预算经济分类预算表|总表)$", "", re.sub(r"^\d{4}年部门", "", table["title"]))
    lay = Layout(ncode + 1 + len(columns))
    lay.row(Cell("项目", cols=ncode + 1), Cell(group, cols=len(columns)))
    lay.row(Cell("部门预算经济分类科目编码" if economic else "功能分类科目编码", cols=ncode),
            Cell("经济分类科目名称" if economic else "功能分类科目名称", rows=2),
            *[Cell(c, rows=2) for c in columns])
    lay.row(*"类款项"[:ncode])
    for row in rows:
        codes = str(row["code"]).split()
        lay.row(*codes, *[""] * (ncode - len(codes)), row["name"], *map(_figure, row["values"]))
    if "total" in table:
        lay.row(Cell(table["total"]["name"], cols=ncode + 1), *map(_figure, table["total"]["values"]))
    return lay.grid


def two_sided_table(table: dict[str, Any]) -> Grid:
    """Income on the left, spending on the right, their rows side by side."""
    columns = table["columns"]
    split = next(i for i, c in enumerate(columns) if re.match(r"^.*?支出", c))
    left = re.match(r"^.*?收入", columns[0])
    right = re.match(r"^.*?支出", columns[split])
    assert left and right, columns
    subs_l = [c[left.end():] for c in columns[:split]]
    subs_r = [c[right.end():] for c in columns[split:]]
    lay = Layout(2 + len(columns))
    lay.row(Cell(left.group(0), cols=1 + split), Cell(right.group(0), cols=1 + len(subs_r)))
    lay.row("项目", *subs_l, "项目", *subs_r)
    rows = table["rows"]
    # the left side's rows come first; a row without any figure reads the same on either side
    cut = next((i for i, r in enumerate(rows) if any(v is not None for v in r["values"][split:])), len(rows))
    lefts, rights = rows[:cut], rows[cut:]
    for i in range(max(len(lefts), len(rights))):
        a: dict[str, Any] = lefts[i] if i < len(lefts) else {"name": "", "values": [None] * len(columns)}
        b: dict[str, Any] = rights[i] if i < len(rights) else {"name": "", "values": [None] * len(columns)}
        lay.row(a["name"], *map(_figure, a["values"][:split]), b["name"], *map(_figure, b["values"][split:]))
    if "total" in table:
        names = table["total"]["name"].split(" / ")
        values = list(map(_figure, table["total"]["values"]))
        lay.row(names[0], *values[:split], names[-1], *values[split:])
    return lay.grid


def three_public_table(table: dict[str, Any], year: int) -> Grid:
    """The 三公 table: its columns under 三公经费 (公务用车 with its own three), then 机关运行经费."""
    from generator.importers.budget import _SUBHEAD

    columns = table["columns"]
    short = {full: sub for sub, full in _SUBHEAD.items()}
    lay = Layout(len(columns))
    lay.row(Cell(f"{year}年“三公”经费预算数", cols=len(columns) - 1), Cell(f"{year}年{columns[-1]}预算数", rows=3))
    heads: list[Cell] = []
    for column in columns[:-1]:
        if column not in short:
            heads.append(Cell(column, rows=2))
        elif not heads or heads[-1].value != "公务用车购置及运行费":
            heads.append(Cell("公务用车购置及运行费", cols=sum(1 for c in columns if c in short)))
    lay.row(*heads)
    lay.row(*[short[c] for c in columns if c in short])
    for row in table["rows"]:
        lay.row(*map(_figure, row["values"]))
    return lay.grid


def budget_pages(data: dict[str, Any], dept: dict[str, Any]) -> list[Page]:
    """The 部门预算 document: its chapters, one page per table, then the other sections."""
    name, year = str(dept["name"]), data["year"]
    first = [s for s in data.get("sections", []) if s["title"] == "名词解释"]
    later = [s for s in data.get("sections", []) if s["title"] != "名词解释"]
    blocks: list[Block] = [("heading", f"{name}{year}年部门预算"), ("center", f"预算主管部门：{name}"),
                           ("heading", f"{name}（部门）主要职能"), ("text", _paragraphs(dept.get("functions", ""))),
                           ("heading", f"{name}（部门）机构设置"), ("text", _paragraphs(dept.get("structure", "")))]
    for section in first:
        blocks += [("heading", section["title"]), ("text", _paragraphs(section["body"]))]
    blocks += [("heading", f"{year}年部门预算编制说明"), ("text", _paragraphs(data.get("summary", "")))]
    pages = [Page(8, blocks)]
    for table in data.get("tables", []):
        if "三公" in table["title"]:
            grid = three_public_table(table, year)
        elif table["rows"] and "code" not in table["rows"][0]:
            grid = two_sided_table(table)
        else:
            grid = coded_table(table)
        unit = table.get("money_unit", data.get("money_unit", "元"))
        notes = [("line", note) for note in str(table.get("note", "")).split("\n") if note]
        pages.append(Page(len(grid[0]), [("heading", table["title"]), ("line", f"编制部门：{name}"),
                                         ("line", f"单位：{unit}"), ("grid", grid), *notes]))
    if later:
        pages.append(Page(8, [b for s in later for b in (("heading", s["title"]), ("text", _paragraphs(s["body"])))]))
    return pages


OTHER: dict[str, Any] = {
    "adjusted": "调整后预算数", "executed": "预算执行数", "rate": "预算执行率", "weight": "权重",
    "target": "指标值", "actual": "完成值", "appropriation": "其中：财政资金", "nature": True,
    "finance_leader": "李四",
    "sections": {"项目基本情况": "项目按计划实施。", "评价结论": "项目完成年度目标。",
                 "存在问题": "无。", "改进措施": "继续做好项目管理。"}}


def pages_of(reports: list[dict[str, Any]], depts: dict[str, dict[str, Any]]) -> list[Page]:
    """The printed pages of one seed file's reports, in source order."""
    out: list[Page] = []
    for data in reports:
        dept = str(depts[data["department"]]["name"])
        if data["kind"] == "department-budget":
            out += budget_pages(data, depts[data["department"]])
        elif data["kind"] == "self-evaluation":
            out.append(page_of(self_evaluation(data, dept, {})))
        else:
            out.append(page_of(declaration(data, dept)))
    return out


def main(seeds_dir: Path, out: Path, only: set[str]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        content = Path(scratch) / "content"
        by_seed = imported(sorted(seeds_dir.glob("*.txt")), content)
        depts = departments(content)
    pdfs = []
    for source, reports in by_seed.items():
        stem = source.split("_")[0]
        if only and stem not in only:
            continue
        pages = pages_of(reports, depts)
        write_xlsx(pages, out / f"{stem}.xlsx")
        write_docx(pages, out / f"{stem}.docx")
        if stem == "004":
            write_xls(pages, out / f"{stem}.xls")
        pdfs.append((pages, out / f"{stem}.pdf"))
    other = [page_of(self_evaluation(d, str(depts[d["department"]]["name"]), OTHER))
             for d in by_seed[min(by_seed)][:2]]
    if not only or "other-province" in only:
        write_xlsx(other, out / "other-province.xlsx")
        write_docx(other, out / "other-province.docx")
        pdfs.append((other, out / "other-province.pdf"))
    write_pdfs(pdfs)
    print(f"wrote the forms of {sum(len(r) for r in by_seed.values())} reports to {out}")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--only=")]
    chosen = {x for a in sys.argv[1:] if a.startswith("--only=") for x in a[7:].split(",")}
    main(Path(args[0]) if args else ROOT.parent / "shared" / "seeds",
         Path(args[1]) if len(args) > 1 else ROOT / "tests" / "fixtures" / "forms", chosen)
