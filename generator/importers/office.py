"""Readers of the forms kept in Excel and Word: ``.xlsx``, ``.xls``, ``.docx`` -> rows of cells.

Contract: each reader returns the same :class:`~generator.importers.rows.Row` list the text
readers do, for the form parsers after them. One row per table row (a paragraph outside a
table is a row of one cell), in document order, every sheet of a workbook and every table
of a document in turn, so a workbook of one form per sheet or a document of many forms
reads as one file of many forms. A merged cell holds its text in its first (top left)
cell and leaves the cells it covers blank, as a printed form shows it once. Numbers are
written with the decimals of the cell's number format (``0.00`` shows 12880 as
``12880.00``, ``0.00%`` shows 0.9598 as ``95.98%``), so figures keep their printed digits.

Text outside the tables keeps its paragraphs, for the department budget's chapters: in a
workbook a row after a blank row, in a document the first line of a paragraph that follows
another paragraph, gets ``brk=True``, as after a blank line in the text layouts; a line break
within a paragraph (Shift+Enter) starts a row of its own, as a new line does in text.

A row's line number is its place in the file, counting every row read: in a workbook's
first sheet it is the spreadsheet's row number; later sheets go on counting.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from generator.importers.rows import Row

_DECIMALS = re.compile(r"0\.(0+)")


def number_text(value: float | Decimal, number_format: str) -> str:
    """Write a spreadsheet number as its cell format prints it (``0.00%`` -> ``95.98%``)."""
    fmt = number_format.split(";")[0]
    places = _DECIMALS.search(fmt)
    digits = len(places.group(1)) if places else None
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    percent = "%" in fmt
    if percent:
        number = number.scaleb(2)
    if digits is not None:
        text = format(number.quantize(Decimal(1).scaleb(-digits)), "f")
    elif fmt in ("0", "#,##0") or percent:
        text = format(number.quantize(Decimal(1)), "f")
    else:  # General: the shortest digits that give the value
        text = format(number.normalize(), "f")
    return text + ("%" if percent else "")


def _text(value: Any, number_format: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, (int, float, Decimal)):
        return number_text(value, number_format)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).replace("\r\n", "\n")


def _grid_rows(grid: list[list[str]], start: int) -> list[Row]:
    """Rows of a sheet or table grid, numbered from ``start``; a blank row is left out and
    marks the row after it (``brk``), as a blank line does in the text layouts."""
    rows: list[Row] = []
    blank = False
    for n, cells in enumerate(grid):
        while cells and not cells[-1].strip():
            cells = cells[:-1]
        if any(c.strip() for c in cells):
            rows.append(Row(start + n, tuple(cells), blank and bool(rows), tuple(start + n for _ in cells)))
            blank = False
        else:
            blank = True
    return rows


def xlsx_rows(path: Path) -> list[Row]:
    """Rows of every sheet of an ``.xlsx`` workbook, in sheet order."""
    import openpyxl

    with path.open("rb") as handle:  # a handle: openpyxl would refuse a name not ending in .xlsx
        book = openpyxl.load_workbook(handle, data_only=True)
    rows: list[Row] = []
    start = 1
    for sheet in book.worksheets:
        covered = {(r, c) for rng in sheet.merged_cells.ranges
                   for r in range(rng.min_row, rng.max_row + 1)
                   for c in range(rng.min_col, rng.max_col + 1)
                   if (r, c) != (rng.min_row, rng.min_col)}
        grid = [["" if (cell.row, cell.column) in covered else _text(cell.value, cell.number_format)
                 for cell in line] for line in sheet.iter_rows()]
        rows += _grid_rows(grid, start)
        start += max(sheet.max_row, 1)
    return rows


def xls_rows(path: Path) -> list[Row]:
    """Rows of every sheet of an old ``.xls`` workbook (an old Word ``.doc`` is refused)."""
    import xlrd

    from generator.importers.readers import Refused

    try:
        book = xlrd.open_workbook(str(path), formatting_info=True)
    except xlrd.XLRDError:
        raise Refused("an old Office file that is not an Excel workbook (a Word .doc?): "
                      "save it as .docx and import that") from None
    rows: list[Row] = []
    start = 1
    for sheet in book.sheets():
        covered = {(r, c) for rlo, rhi, clo, chi in sheet.merged_cells
                   for r in range(rlo, rhi) for c in range(clo, chi) if (r, c) != (rlo, clo)}
        grid: list[list[str]] = []
        for r in range(sheet.nrows):
            line = []
            for c in range(sheet.ncols):
                cell = sheet.cell(r, c)
                if (r, c) in covered or cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                    line.append("")
                elif cell.ctype == xlrd.XL_CELL_NUMBER:
                    key = book.xf_list[cell.xf_index].format_key
                    line.append(number_text(cell.value, book.format_map[key].format_str))
                elif cell.ctype == xlrd.XL_CELL_DATE:
                    line.append(_text(xlrd.xldate_as_datetime(cell.value, book.datemode), ""))
                else:
                    line.append(_text(cell.value, ""))
            grid.append(line)
        rows += _grid_rows(grid, start)
        start += max(sheet.nrows, 1)
    return rows


def docx_rows(path: Path) -> list[Row]:
    """Rows of a ``.docx`` document: its paragraphs and table rows, in document order."""
    import docx
    from docx.oxml.ns import qn
    from docx.table import Table, _Cell
    from docx.text.paragraph import Paragraph

    document = docx.Document(str(path))
    rows: list[Row] = []
    number = 0
    after_text = False  # the last row was a paragraph's: a new paragraph is a break (brk)
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            number += 1
            lines = [line for line in Paragraph(child, document).text.split("\n") if line.strip()]
            for n, line in enumerate(lines):
                rows.append(Row(number, (line,), after_text and n == 0, (number,)))
            after_text = after_text or bool(lines)
        elif child.tag == qn("w:tbl"):
            after_text = False
            table = Table(child, document)
            for tr in child.iterchildren(qn("w:tr")):
                number += 1
                cells: list[str] = []
                for tc in tr.iterchildren(qn("w:tc")):
                    merged = tc.vMerge == "continue"  # the rows a cell merged downwards covers
                    text = "" if merged else "\n".join(p.text for p in _Cell(tc, table).paragraphs)
                    cells += [text] + [""] * (tc.grid_span - 1)
                rows += _grid_rows([cells], number)
    return rows
