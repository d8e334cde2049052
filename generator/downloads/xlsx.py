"""Stage 6c, spreadsheets: tables as XLSX workbooks, byte-identical from build to build.

Contract: ``workbook(sheets)`` returns the bytes of an XLSX file with one
worksheet per :class:`Sheet`: a bold, frozen header row, numbers stored as
numbers (amounts shown with thousands separators and two decimals, their value
exact), text as text (inline strings: ``=100%`` is never taken for a formula).
Each row is encoded once (:func:`encode_row`) and laid into every sheet that holds
it; a row's XML names neither its row nor its cells' (a row follows the one before,
an empty cell is ``<c/>``), so the same bytes serve wherever the row stands.

A site's whole workbook is large (at 10,000 reports, 142 MB of XML), so it is never
held, nor compressed, whole: :func:`deflate` compresses a run of rows on its own
(flushed to a byte boundary, as pigz does), the runs are laid one after another into
the worksheet's zip entry, and their CRC-32s are combined (:func:`crc32_combine`,
zlib's algorithm); :func:`write_workbook` writes the zip from such parts. An edit
then compresses only the runs it changed.

The Office Open XML parts are written here directly, which is some twenty times
faster than building cells with openpyxl; openpyxl, Excel and LibreOffice read them.
Every zip entry and the document properties carry one fixed moment,
``SOURCE_DATE_EPOCH`` when it is set, so the same tables give the same bytes.
"""

from __future__ import annotations

import io
import os
import re
import struct
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import BinaryIO
from xml.sax.saxutils import escape

Cell = str | int | Decimal | None
EPOCH_DEFAULT = 315532800  # 1980-01-01T00:00:00Z, the earliest date a zip entry can hold
MONEY_FORMAT = "#,##0.00"
_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
# Characters XML 1.0 cannot hold at all; loading refuses them in content, this is a last guard.
_WIDE = re.compile("[\u2e80-\U0010ffff]")  # CJK and what follows it: two cells wide
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


# One row's XML and each cell's width in character cells (at most 255). Made once per report and
# laid into every sheet that holds it; plain str and bytes, so worker processes hand rows back cheaply.
Row = tuple[str, bytes]
WIDTH_ROWS = 200  # the rows whose widths size the columns
Column = tuple[str, bool, bool]  # header, numeric, money


@dataclass(frozen=True)
class Sheet:
    """A worksheet: name; columns; rows, each made by :func:`encode_row` for these columns."""

    name: str
    columns: Sequence[Column]
    rows: Sequence[Row]


def build_time() -> datetime:
    """The moment written into every workbook: SOURCE_DATE_EPOCH, or 1980-01-01."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    seconds = int(epoch) if epoch.isdigit() else EPOCH_DEFAULT
    return datetime.fromtimestamp(max(seconds, EPOCH_DEFAULT), tz=UTC)


def _width(text: str) -> int:
    """Roughly how many character cells ``text`` needs (CJK characters count two)."""
    return len(text) if text.isascii() else len(text) + len(_WIDE.findall(text))


def _column(index: int) -> str:
    """The letters of column ``index`` (1 is A, 27 is AA)."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


_LETTERS = [_column(i) for i in range(1, 703)]  # A to ZZ


def encode_row(values: Sequence[Cell], columns: Sequence[Column]) -> Row:
    """Encode one row of ``columns``: numbers as numbers (amounts with the money format), text as
    inline strings, empty cells as ``<c/>`` (trailing ones left out)."""
    if len(values) != len(columns):
        raise ValueError(f"a row of {len(values)} cells for {len(columns)} columns")
    cells, widths, empty = ["<row>"], bytearray(len(values)), 0
    for i, value in enumerate(values):
        if value is None:
            empty += 1
            continue
        if empty:
            cells.append("<c/>" * empty)
            empty = 0
        _, numeric, money = columns[i]
        if numeric and not isinstance(value, str):
            shown = str(value)
            widths[i] = min(len(shown), 255)
            number = format(value, "f") if isinstance(value, Decimal) else shown
            cells.append(f'<c s="{2 if money else 0}"><v>{number}</v></c>')
        else:
            text = str(value)
            widths[i] = min(_width(text), 255)
            cells.append(_INLINE[money] + (_text(text) if _SPECIAL.search(text) else text) + "</t></is></c>")
    cells.append("</row>")
    return "".join(cells), bytes(widths)


_INLINE = {flag: f'<c s="{2 if flag else 0}" t="inlineStr"><is><t xml:space="preserve">' for flag in (False, True)}
_SPECIAL = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # what _text changes


def _text(value: str) -> str:
    return escape(_NOT_XML.sub("\ufffd", value))


def sheet_head(columns: Sequence[Column], widths: Iterable[bytes]) -> str:
    """A worksheet's XML up to its first data row: column widths (from the ``widths`` of its first
    rows), the frozen bold header."""
    first = list(widths)[:WIDTH_ROWS]
    cols = []
    for i, (header, _, _) in enumerate(columns):
        width = min(max([_width(header), *(w[i] for w in first)]) + 2, 60)
        cols.append(f'<col min="{i + 1}" max="{i + 1}" width="{width}" customWidth="1"/>')
    out = [(f'{_XML}<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}"><sheetViews><sheetView workbookViewId="0">'
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
            f'<sheetFormatPr defaultRowHeight="15"/><cols>{"".join(cols)}</cols><sheetData><row r="1">')]
    out += [f'<c r="{letter}1" s="1" t="inlineStr"><is><t xml:space="preserve">{_text(header)}</t></is></c>'
            for letter, (header, _, _) in zip(_LETTERS, columns)]
    out.append("</row>")
    return "".join(out)


SHEET_TAIL = "</sheetData></worksheet>"


_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006"
_STYLES = (f'{_XML}<styleSheet xmlns="{_MAIN}"><numFmts count="1"><numFmt numFmtId="164" '
           f'formatCode="{MONEY_FORMAT}"/></numFmts><fonts count="2"><font><sz val="11"/><name val="Calibri"/>'
           '</font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill>'
           '<patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
           '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
           '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
           '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
           '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
           '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
           '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')


@dataclass(frozen=True)
class Deflated:
    """Part of a zip entry: ``data`` deflated on its own, with the CRC-32 and ``size`` of what it holds."""

    data: bytes
    crc: int
    size: int


# Level 3: at 10,000 reports the site's workbook is 142 MB of XML, which level 6 compresses in
# 1.9 s to 9.1 MB and level 3 in 0.8 s to 10.2 MB.
LEVEL = 3


def deflate(raw: bytes, last: bool = False) -> Deflated:
    """Deflate ``raw`` on its own: a run that any other run may follow, or the ``last`` of its entry."""
    packer = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
    data = packer.compress(raw) + packer.flush(zlib.Z_FINISH if last else zlib.Z_FULL_FLUSH)
    return Deflated(data, zlib.crc32(raw), len(raw))


_POLY = 0xEDB88320  # CRC-32's polynomial, reflected, as zlib has it


def _multiply(a: int, b: int) -> int:
    """``a`` times ``b`` modulo the CRC polynomial (zlib's multmodp)."""
    m, product = 1 << 31, 0
    while True:
        if a & m:
            product ^= b
            if not a & (m - 1):
                return product
        m >>= 1
        b = (b >> 1) ^ _POLY if b & 1 else b >> 1


_POWERS = [1 << 30]  # x^(2^k) modulo the polynomial, k = 0 … 31 (zlib's x2n_table)
for _ in range(31):
    _POWERS.append(_multiply(_POWERS[-1], _POWERS[-1]))


def crc32_combine(crc1: int, crc2: int, size2: int) -> int:
    """The CRC-32 of A followed by B, from A's, B's and B's size (zlib's crc32_combine)."""
    power, k = 1 << 31, 3  # x^0; a byte is x^8 = x^(2^3)
    while size2:
        if size2 & 1:
            power = _multiply(_POWERS[k & 31], power)
        size2 >>= 1
        k += 1
    return _multiply(power, crc1) ^ crc2


def _dos_time() -> tuple[int, int]:
    when = build_time()
    return ((when.hour << 11) | (when.minute << 5) | (when.second // 2),
            ((when.year - 1980) << 9) | (when.month << 5) | when.day)


def write_workbook(out: BinaryIO, names: Sequence[str], sheets: Sequence[Iterable[Deflated]]) -> None:
    """Write an XLSX file to ``out``: the worksheets ``names``, each the deflated runs of its XML
    (:func:`sheet_head`, the rows, :data:`SHEET_TAIL`; the last run made ``last``)."""
    names = [_FORBIDDEN.sub(" ", name)[:31] for name in names]
    stamp = build_time().strftime("%Y-%m-%dT%H:%M:%SZ")
    count = range(1, len(names) + 1)
    sheet_type = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    parts: dict[str, str] = {
        "[Content_Types].xml": (
            f'{_XML}<Types xmlns="{_PKG}/content-types"><Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{sheet_type}.sheet.main+xml"/>'
            + "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{sheet_type}.worksheet+xml"/>'
                      for i in count)
            + f'<Override PartName="/xl/styles.xml" ContentType="{sheet_type}.styles+xml"/>'
            '<Override PartName="/docProps/core.xml" '
            'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>'),
        "_rels/.rels": (
            f'{_XML}<Relationships xmlns="{_PKG}/relationships"><Relationship Id="rId1" '
            f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/><Relationship Id="rId2" '
            f'Type="{_PKG}/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>'),
        "docProps/core.xml": (
            f'{_XML}<cp:coreProperties xmlns:cp="{_PKG}/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:creator>disclose</dc:creator>'
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified></cp:coreProperties>'),
        "xl/workbook.xml": (
            f'{_XML}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><bookViews><workbookView/></bookViews><sheets>'
            + "".join(f'<sheet name="{_text(name)}" sheetId="{i}" r:id="rId{i}"/>' for i, name in zip(count, names))
            + "</sheets></workbook>"),
        "xl/_rels/workbook.xml.rels": (
            f'{_XML}<Relationships xmlns="{_PKG}/relationships">'
            + "".join(f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                      for i in count)
            + f'<Relationship Id="rId{len(names) + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
            "</Relationships>"),
        "xl/styles.xml": _STYLES,
    }
    entries: list[tuple[str, Iterable[Deflated]]] = [(name, [deflate(xml.encode("utf-8"), last=True)])
                                                     for name, xml in parts.items()]
    entries += [(f"xl/worksheets/sheet{i}.xml", runs) for i, runs in zip(count, sheets)]
    time, day = _dos_time()
    directory, offset = [], 0
    for name, runs in entries:
        # the local header comes first, with the entry's CRC and sizes: a placeholder, filled in
        # once the runs are written (they are not held: a site's sheet is large)
        encoded = name.encode("utf-8")
        start = out.tell()
        out.write(bytes(30) + encoded)
        crc, size, packed = 0, 0, 0
        for run in runs:
            out.write(run.data)
            crc, size, packed = crc32_combine(crc, run.crc, run.size), size + run.size, packed + len(run.data)
        fields = (20, 0, 8, time, day, crc, packed, size, len(encoded))
        end = out.tell()
        out.seek(start)
        out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", *fields, 0))
        out.seek(end)
        directory.append(struct.pack("<4s2B5H3L5H2L", b"PK\x01\x02", 20, 3, *fields, 0, 0, 0, 0,
                                     0o644 << 16, offset) + encoded)
        offset = end
    listing = b"".join(directory)
    out.write(listing + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries),
                                    len(listing), offset, 0))


def workbook(sheets: list[Sheet]) -> bytes:
    """The sheets as XLSX bytes with fixed timestamps."""
    out = io.BytesIO()
    write_workbook(out, [sheet.name for sheet in sheets], [
        [deflate((sheet_head(sheet.columns, (w for _, w in sheet.rows[:WIDTH_ROWS]))
                  + "".join(xml for xml, _ in sheet.rows) + SHEET_TAIL).encode("utf-8"), last=True)]
        for sheet in sheets])
    return out.getvalue()
