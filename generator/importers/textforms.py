"""Layout readers for text extractions of PDF forms: source file -> list of ``Row``.

Contract: :func:`read_rows` detects which of the three layouts a text file uses and
returns its rows (see :mod:`generator.importers.rows`):

``tsv``
    one printed row per line, cells separated by tabs (seeds 000, 001, 002). A blank
    line inside a table is a page break; the row after it gets ``brk=True``.
``cells``
    one cell per line, each starting with a tab; a line without the leading tab
    continues the cell above (a wrapped cell); a blank line ends the row (seed 003).
    Lines without any tab outside a row (titles) are rows of one cell.
``spaced``
    cells separated by spaces, wrapped cells spread over several lines (seed 004);
    read by :mod:`generator.importers.spaced`, which rebuilds the rows.

A reader never drops text: what it cannot place becomes a cell or a row that the
form parser then reports.
"""

from __future__ import annotations

import re
from pathlib import Path

from generator.importers.rows import Messages, Row

_RULE = re.compile(r"^[\s\-|:]*-{2,}[\s\-|:]*$")


def read_text(path: Path) -> str:
    """Read a source text as UTF-8 (a BOM is dropped), with plain newlines."""
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ValueError("text in UTF-16, not UTF-8 (convert it, e.g. iconv -f UTF-16 -t UTF-8)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        # The extractions handed over by departments are sometimes GBK; say so, do not guess.
        try:
            raw.decode("gb18030")
        except UnicodeDecodeError:
            raise ValueError("text in an encoding that is not UTF-8 (convert it to UTF-8, e.g. "
                             "with iconv -f ENCODING -t UTF-8)") from None
        raise ValueError("text that is not UTF-8 but reads as GBK/GB18030 (convert it, e.g. "
                         "iconv -f GB18030 -t UTF-8)") from None
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def detect_layout(lines: list[str]) -> str:
    """Tell which layout a text uses: ``tsv``, ``cells`` or ``spaced``."""
    tabbed = [line for line in lines if "\t" in line]
    if len(tabbed) < max(3, len(lines) // 20):
        return "spaced"
    leading = sum(1 for line in tabbed if line.startswith("\t") and line.count("\t") == 1)
    return "cells" if leading > len(tabbed) * 0.8 else "tsv"


def read_rows(path: Path, messages: Messages) -> tuple[str, list[Row]]:
    """Read ``path`` and return its layout name and rows."""
    lines = read_text(path).split("\n")
    layout = detect_layout(lines)
    if layout == "tsv":
        return layout, tsv_rows(lines)
    if layout == "cells":
        return layout, cell_rows(lines)
    from generator.importers.spaced import spaced_rows

    return layout, spaced_rows(lines, messages)


def tsv_rows(lines: list[str]) -> list[Row]:
    """Rows of a tab-separated extraction; a blank line marks a page break."""
    rows: list[Row] = []
    brk = False
    for number, line in enumerate(lines, 1):
        if _RULE.match(line.replace("\t", "|")) and line.strip():
            continue  # a markdown table rule left by the extractor, not content
        cells = tuple(line.split("\t"))
        if not any(c.strip() for c in cells):
            brk = bool(rows)
            continue
        rows.append(Row(number, cells, brk, tuple(number for _ in cells)))
        brk = False
    return rows


def cell_rows(lines: list[str]) -> list[Row]:
    """Rows of a one-cell-per-line extraction (tab-led cells, blank line ends a row)."""
    rows: list[Row] = []
    cells: list[str] = []
    starts: list[int] = []
    in_row = False

    def close() -> None:
        nonlocal cells, starts, in_row
        if cells and any(c.strip() for c in cells):
            rows.append(Row(starts[0], tuple(cells), False, tuple(starts)))
        cells, starts, in_row = [], [], False

    for number, line in enumerate(lines, 1):
        if not line.strip() and not line.startswith("\t"):
            close()
        elif line.startswith("\t"):
            in_row = True
            cells.append(line[1:])
            starts.append(number)
        elif in_row:
            cells[-1] += "\n" + line
        else:
            rows.append(Row(number, (line,), False, (number,)))
    close()
    return rows
