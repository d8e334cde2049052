"""Stage 6c, spreadsheets: tables as XLSX workbooks, byte-identical from build to build.

Contract: ``workbook(sheets)`` returns the bytes of an XLSX file (openpyxl) with
one worksheet per :class:`Sheet`: a bold, frozen header row, numbers stored as
numbers (amounts shown with thousands separators and two decimals, their value
exact), text as text. openpyxl stamps the time of saving into the document
properties and the zip entries; both are replaced by one fixed moment,
``SOURCE_DATE_EPOCH`` when it is set, so the same tables give the same bytes.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

Cell = str | int | Decimal | None
EPOCH_DEFAULT = 315532800  # 1980-01-01T00:00:00Z, the earliest date a zip entry can hold
MONEY_FORMAT = "#,##0.00"
_STAMP = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")
_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True)
class Sheet:
    """A worksheet: name; columns: (header, numeric, money) each; rows: cell values per column."""

    name: str
    columns: list[tuple[str, bool, bool]]
    rows: list[list[Cell]]


def build_time() -> datetime:
    """The moment written into every workbook: SOURCE_DATE_EPOCH, or 1980-01-01."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    seconds = int(epoch) if epoch.isdigit() else EPOCH_DEFAULT
    return datetime.fromtimestamp(max(seconds, EPOCH_DEFAULT), tz=UTC)


def _width(text: str) -> int:
    """Roughly how many character cells ``text`` needs (CJK characters count two)."""
    return sum(2 if ord(c) > 0x2E7F else 1 for c in text)


def workbook(sheets: list[Sheet]) -> bytes:
    """The sheets as XLSX bytes with fixed timestamps."""
    book = Workbook()
    book.remove(book.worksheets[0])
    for sheet in sheets:
        ws = book.create_sheet(_FORBIDDEN.sub(" ", sheet.name)[:31])
        ws.append([header for header, _, _ in sheet.columns])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "A2"
        for r, row in enumerate(sheet.rows, start=2):
            for c, (value, (_, numeric, _)) in enumerate(zip(row, sheet.columns), start=1):
                if value is not None:
                    _put(ws.cell(row=r, column=c), value, numeric)
        for index, (header, _, money) in enumerate(sheet.columns, start=1):
            letter = get_column_letter(index)
            texts = [header, *(str(r[index - 1]) for r in sheet.rows[:200] if r[index - 1] is not None)]
            ws.column_dimensions[letter].width = min(max(_width(t) for t in texts) + 2, 60)
            if money:
                for cell in ws[letter][1:]:
                    cell.number_format = MONEY_FORMAT
    when = build_time().replace(tzinfo=None)
    book.properties.creator = "disclose"
    book.properties.created = when
    buffer = io.BytesIO()
    book.save(buffer)
    return _fix_dates(buffer.getvalue(), when)


def _put(cell: Any, value: str | int | Decimal, numeric: bool) -> None:
    """Numbers as numbers; text always as text, even ``=100%``, which openpyxl would take for a formula."""
    cell.value = value if numeric else str(value)
    if not numeric:
        cell.data_type = "s"


def _fix_dates(data: bytes, when: datetime) -> bytes:
    """Rewrite the zip with every entry dated ``when`` and the core properties stamped with it."""
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info)
            if info.filename == "docProps/core.xml":
                body = _STAMP.sub(lambda m: m.group(1) + stamp + m.group(3), body)
            fixed = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            target.writestr(fixed, body)
    return out.getvalue()
