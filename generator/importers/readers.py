"""Which reader a source file needs, told from its bytes: text, PDF, Excel, Word, or a refusal.

Contract: :func:`read_rows` checks the file's size (at most :data:`MAX_BYTES`), tells its
kind from its first bytes, never from its name (:func:`sniff`), and returns the rows of
cells of :mod:`generator.importers.rows`, from the text layouts
(:mod:`~generator.importers.textforms`), the office readers
(:mod:`~generator.importers.office`: ``.xlsx``, ``.xls``, ``.docx``) or the PDF reader
(:mod:`~generator.importers.pdf`). A file it cannot read raises :class:`Refused` with
the one line to show: an image or a scanned PDF needs OCR first, an old ``.doc`` is
saved as ``.docx`` first, and only text that is not binary is told to try ``iconv``.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

from generator.importers.rows import Messages, Row

MAX_BYTES = 32 * 1024 * 1024  # 32 MiB: the largest source file `disclose import` reads
PROGRESS_BYTES = 2 * 1024 * 1024  # from this size on, a file's reading is shown as it goes
Progress = Callable[[str], None]

_IMAGES = ((b"\x89PNG\r\n\x1a\n", "PNG"), (b"\xff\xd8\xff", "JPEG"), (b"GIF87a", "GIF"),
           (b"GIF89a", "GIF"), (b"II*\x00", "TIFF"), (b"MM\x00*", "TIFF"), (b"BM", "BMP"))
_OCR = "it needs OCR first (e.g. ocrmypdf), then import the PDF with a text layer it writes"


class Refused(ValueError):
    """A source file the importer does not read, with the reason to show."""


def sniff(path: Path) -> str:
    """Tell a file's kind from its bytes: text, pdf, xlsx, xls, docx, or what is refused."""
    with path.open("rb") as handle:
        head = handle.read(8192)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError):
            return "zip"
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "content.xml" in names:
            return "odf"
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"  # .xls, or an old Word .doc: told apart by xlrd
    for magic, name in _IMAGES:
        if head.startswith(magic):
            return f"image {name}"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image WEBP"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "text"  # UTF-16, which the text reader names
    if b"\x00" in head:
        return "binary"
    return "text"


def read_rows(path: Path, msgs: Messages, progress: Progress) -> tuple[str, list[Row]]:
    """Read ``path`` and return its layout (or kind) and rows; raise :class:`Refused`."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise Refused(f"{size / 2**20:.1f} MiB is more than the {MAX_BYTES // 2**20} MiB a source "
                      "file may have: split it (one file per department or year) and import the parts")
    kind = sniff(path)
    big = size >= PROGRESS_BYTES
    if big:
        progress(f"reading {path.name} ({size / 2**20:.1f} MiB, {kind})")
    if kind == "text":
        from generator.importers.textforms import read_rows as text_rows

        return text_rows(path, msgs)
    if kind == "pdf":
        from generator.importers.pdf import pdf_rows

        return "pdf", pdf_rows(path, progress if big else None)
    if kind in ("xlsx", "docx", "ole"):
        from generator.importers import office

        if kind == "xlsx":
            return kind, office.xlsx_rows(path)
        if kind == "docx":
            return kind, office.docx_rows(path)
        return "xls", office.xls_rows(path)
    if kind.startswith("image"):
        raise Refused(f"a {kind.split()[1]} image, not text: {_OCR}")
    if kind == "odf":
        raise Refused("an OpenDocument file: save it as .xlsx or .docx and import that")
    if kind == "zip":
        raise Refused("a ZIP archive that is neither an .xlsx nor a .docx: unpack it and import "
                      "the forms inside")
    raise Refused("a binary file, neither text nor a form disclose reads (.xlsx, .xls, .docx, "
                  ".pdf with a text layer)")
