"""Reader of PDF forms with a text layer (as an office program or a browser prints them) -> rows.

Contract: :func:`pdf_rows` returns the rows of cells of every page, top to bottom: each
ruled table row found by pdfplumber (its ruling lines give the cells, a merged cell is
one cell, whose text is placed in its first row and column), and each line of text
outside the tables (titles, the year, units, a budget's chapters) as a row of one cell.
Within a cell, a line that ends short of the cell's right edge ends a paragraph (kept as a
line break); a line that runs to the edge wrapped and is joined with the next (Chinese
without a space). Outside the tables the same holds for the text's edges, and a line that
starts indented (a paragraph's first line) or centred starts anew; a paragraph's space
above a line, or a page break, gives it ``brk=True``, as a blank line in the text layouts.
A table row that opens a page after a table row ends the previous page gets
``brk=True``, as a page break in the text layouts. A PDF without any text (a scan)
raises :class:`~generator.importers.readers.Refused`: it needs OCR first.

A row's line number is its place in the file: page by page, every row counted.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from pathlib import Path
from typing import Any

from generator.importers.readers import _OCR, Progress, Refused
from generator.importers.rows import Row

# PDF printers (Chromium's among them) often name a character by the Kangxi radical that shares
# its glyph in the font (⽬ U+2F6C for 目): NFKC maps those back; the simplified radicals of the
# CJK Radicals Supplement have no such mapping and are listed here.
_RADICALS = str.maketrans({
    "⻅": "见", "⻆": "角", "⻈": "讠", "⻋": "车", "⻓": "长", "⻔": "门", "⻘": "青", "⻚": "页",
    "⻛": "风", "⻜": "飞", "⻝": "食", "⻠": "饣", "⻢": "马", "⻣": "骨", "⻤": "鬼", "⻥": "鱼",
    "⻦": "鸟", "⻧": "卤", "⻨": "麦", "⻩": "黄", "⻪": "黾", "⻬": "齐", "⻮": "齿", "⻰": "龙",
    "⻳": "龟", "⺠": "民", "⺟": "母", "⼾": "户"})
# the Kangxi radicals, and the angle brackets U+2329/U+232A that fonts share with 〈 and 〉
_KANGXI = re.compile(r"[\u2f00-\u2fdf\u2329\u232a]")


def unradical(text: str) -> str:
    """Undo radicals that stand for the ideographs of the same glyph."""
    text = text.translate(_RADICALS)
    return _KANGXI.sub(lambda m: unicodedata.normalize("NFKC", m.group(0)), text)


_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
Box = tuple[float, float, float, float]


def _join(left: str, right: str, sep: str) -> str:
    """Join two pieces of one cell: no space where Chinese meets (a wrap), else ``sep``."""
    if not left:
        return right
    if _CJK.match(left[-1]) or _CJK.match(right[0]) or (sep == " " and left[-1] == "-"):
        return left + ("\n" if sep == "\n" else "") + right
    return left + sep + right


def _lines(words: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Group words into printed lines, top to bottom, each left to right."""
    lines: list[list[dict[str, Any]]] = []
    for word in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        if lines and abs(lines[-1][0]["top"] - word["top"]) < 0.6 * (word["bottom"] - word["top"]):
            lines[-1].append(word)
        else:
            lines.append([word])
    return [sorted(line, key=lambda w: w["x0"]) for line in lines]


def _line_text(line: list[dict[str, Any]]) -> str:
    return " ".join(word["text"] for word in line)  # a gap on one line is a space as printed


def _cell_text(words: list[dict[str, Any]], box: Box) -> str:
    """The text of one cell, paragraphs kept, wrapped lines joined."""
    text = ""
    short = False
    for line in _lines(words):
        piece = _line_text(line)
        size = line[-1]["bottom"] - line[-1]["top"]
        if not text:
            text = piece
        else:
            text = _join(text, piece, "\n" if short else " ")
        short = line[-1]["x1"] < box[2] - 2.5 * size
    return text


def _inside(word: dict[str, Any], box: Box) -> bool:
    x = (word["x0"] + word["x1"]) / 2
    y = (word["top"] + word["bottom"]) / 2
    return bool(box[0] <= x <= box[2] and box[1] <= y <= box[3])


def _settings(page: Any) -> dict[str, Any]:
    """Close the tables a page break cuts: a ruled table that runs on over the page's edge has
    no rule there, so the top of the page's vertical rules and their bottom count as rules."""
    verticals = [e for e in page.edges if e["orientation"] == "v" and e["height"] > 2]
    if not verticals:
        return {}
    return {"explicit_horizontal_lines": [min(e["top"] for e in verticals),
                                          max(e["bottom"] for e in verticals)]}


Line = tuple[float, float, float, float, float]  # a printed line's x0, x1, top, bottom, letter size


def _edges(words: list[dict[str, Any]], boxes: list[Box]) -> tuple[float, float]:
    """The left and right edges of a page's text: its words and tables."""
    lefts = [w["x0"] for w in words] + [b[0] for b in boxes]
    rights = [w["x1"] for w in words] + [b[2] for b in boxes]
    return (min(lefts), max(rights)) if lefts else (0.0, 0.0)


def _continues(line: Line, edges: tuple[float, float], prev: Line, prev_edges: tuple[float, float],
               same_page: bool) -> bool:
    """Tell whether a line outside the tables goes on with the line above it (a wrap).

    The line above started at the text's left edge (or a paragraph's indent) and ran to its
    right edge; this one starts at the left edge (an indented or centred line starts anew)
    and follows without a paragraph's space (on the same page).
    """
    size = prev[4]
    if line[0] - edges[0] > 0.5 * line[4] or (same_page and line[2] - prev[3] > 0.9 * size):
        return False
    return prev[0] - prev_edges[0] < 2.5 * size and prev_edges[1] - prev[1] < 1.5 * size


def pdf_rows(path: Path, progress: Progress | None = None) -> list[Row]:
    """Rows of every page of a PDF with a text layer."""
    import pdfplumber

    # pdfminer logs what it makes of odd fonts (a FontBBox it cannot parse): not the publisher's concern
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    rows: list[Row] = []
    number = 0
    with pdfplumber.open(path) as pdf:
        pages = pdf.pages
        if not any(page.chars for page in pages):
            raise Refused(f"a PDF without a text layer (a scan?): {_OCR}")
        table_last = False
        # the last row, when it was text outside a table: its line, the edges of its page, its page
        above: tuple[Line, tuple[float, float], int] | None = None
        for index, page in enumerate(pages, 1):
            if progress and (index % 20 == 0 or index == len(pages)):
                progress(f"{path.name}: page {index} of {len(pages)}")
            words = page.extract_words(keep_blank_chars=False, use_text_flow=False)
            for word in words:
                word["text"] = unradical(word["text"])
            items: list[tuple[float, list[str], Line | None]] = []
            boxes: list[Box] = []
            for table in page.find_tables(_settings(page)):
                boxes.append(table.bbox)
                for table_row in table.rows:
                    texts = []
                    for box in table_row.cells:
                        texts.append("" if box is None else
                                     _cell_text([w for w in words if _inside(w, box)], box))
                    items.append((table_row.bbox[1], texts, None))
            loose = [w for w in words if not any(_inside(w, box) for box in boxes)]
            for line in _lines(loose):
                shape: Line = (line[0]["x0"], line[-1]["x1"], line[0]["top"], max(w["bottom"] for w in line),
                               line[-1]["bottom"] - line[-1]["top"])
                items.append((line[0]["top"], [_line_text(line)], shape))
            items.sort(key=lambda item: item[0])
            edges = _edges(words, boxes)
            for n, (_top, texts, geometry) in enumerate(items):
                number += 1
                while texts and not texts[-1].strip():
                    texts = texts[:-1]
                if not any(t.strip() for t in texts):
                    continue
                if geometry is None:  # a table row
                    rows.append(Row(number, tuple(texts), n == 0 and table_last, tuple(number for _ in texts)))
                    above = None
                    continue
                if above and _continues(geometry, edges, above[0], above[1], above[2] == index):
                    last = rows[-1]
                    rows[-1] = Row(last.line, (_join(last.cells[0], texts[0], " "),), last.brk, last.lines)
                else:
                    # a paragraph's space, or a page break, before a line of text: a break, as a
                    # blank line in the text layouts
                    brk = above is not None and (above[2] != index or geometry[2] - above[0][3] > 0.9 * above[0][4])
                    rows.append(Row(number, tuple(texts), brk, (number,)))
                above = (geometry, edges, index)
            table_last = bool(items) and items[-1][2] is None
    return rows
