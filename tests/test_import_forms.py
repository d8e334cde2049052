"""The importer on the official forms kept in Excel, Word and PDF (tests/fixtures/forms).

The fixtures are the seed reports written as the printed forms by scripts/make_forms.py
(merged cells, ruled tables, amounts as numbers with their printed decimals, the PDF as
headless Chromium prints the HTML of the forms); importing them must give what the text
import of the seeds gives, report by report. Their corrections (tests/fixtures/forms/
corrections.yaml) are kept beside them, as a publisher keeps them beside the forms.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path
from typing import Any

import pytest

from generator.content.load import parse_yaml
from generator.content.models import REPORT_MODELS
from generator.importers import run_import
from tests.conftest import MakeSite

ROOT = Path(__file__).resolve().parents[1]
FORMS = ROOT / "tests" / "fixtures" / "forms"
BOOK = FORMS / "corrections.yaml"
SEED_REPORTS = 119  # the 94 self-evaluations, 24 target declarations and the department budget
# what a department file takes from the budget (the spellings under aliases are the forms' own)
FROM_BUDGET = ("functions", "structure", "units")


def reports(content: Path, pdf: bool = False) -> dict[str, Any]:
    """Every report below ``content`` as its model reads it, without its ``source``, and what the
    department files say that the budget gave them."""
    out = {}
    for path in sorted((content / "departments").rglob("*.yaml")):
        data, _ = parse_yaml(path.read_text(encoding="utf-8"))
        if path.name == "department.yaml":
            given = {k: data[k] for k in FROM_BUDGET if data.get(k)}
            if given:
                out[path.relative_to(content).as_posix()] = given
            continue
        if data.get("kind") not in REPORT_MODELS:
            continue
        data.pop("source")
        dumped = REPORT_MODELS[data["kind"]].model_validate(data).model_dump(mode="json")
        if pdf:  # a line wrap hides whether a space followed an ASCII comma: the page cannot say
            dumped = _unspaced(dumped)
        out[path.relative_to(content).as_posix()] = dumped
    return out


def _unspaced(value: Any) -> Any:
    if isinstance(value, str):
        return re.sub(r"([,;:]) (?=[\u4e00-\u9fff])", r"\1", value)
    if isinstance(value, dict):
        return {k: _unspaced(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unspaced(v) for v in value]
    return value


def import_quietly(files: list[Path], content: Path, book: Path | None = BOOK) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run_import(files, content, None, corrections=book)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("suffix", ["xlsx", "docx", "pdf"])
def test_the_forms_give_what_the_text_import_gives(suffix: str, tmp_path: Path) -> None:
    files = sorted(FORMS.glob(f"0*.{suffix}"))
    assert [f.stem for f in files] == ["000", "001", "002", "003", "004"]
    _code, out, err = import_quietly(files, tmp_path / "content")
    assert "FontBBox" not in err
    got = reports(tmp_path / "content", suffix == "pdf")
    want = reports(ROOT / "content", suffix == "pdf")
    assert "imported 119 reports (94 self-evaluations, 24 target declarations, 1 department budget)" in out
    assert len([rel for rel in got if not rel.endswith("/department.yaml")]) == SEED_REPORTS, out
    assert sorted(got) == sorted(want)
    different = [rel for rel in got if got[rel] != want[rel]]
    assert different == [], (different, got[different[0]] if different else None)


def test_an_old_xls_workbook(tmp_path: Path) -> None:
    code, out, _ = import_quietly([FORMS / "004.xls"], tmp_path / "content")
    assert code == 0
    assert out.startswith("imported 2 reports (2 self-evaluations) from 1 file: 3 written")
    got, want = reports(tmp_path / "content"), reports(ROOT / "content")
    assert got == {rel: want[rel] for rel in got}


def test_merged_cells_are_blank_where_they_are_covered() -> None:
    from generator.importers.office import docx_rows, xlsx_rows

    for rows in (xlsx_rows(FORMS / "004.xlsx"), docx_rows(FORMS / "004.docx")):
        funds = next(r for r in rows if "年初预算数" in r.cells)
        assert funds.cells[0].startswith("项目资金") and funds.cells[1] == ""
        total = next(r for r in rows if "年度资金总额" in r.cells)
        # under the merged 项目资金 label: blank, then the figures with their printed decimals
        assert total.cells[:7] == ("", "年度资金总额", "15371720.00", "15371720.00",
                                   "14753068.9", "10", "95.98%")


def test_the_pdf_is_read_page_by_page_with_its_breaks() -> None:
    from generator.importers.pdf import pdf_rows

    rows = pdf_rows(FORMS / "000.pdf")
    titles = [r for r in rows if r.cells == ("财政项目支出绩效自评表",)]
    assert len(titles) == 23
    assert any(r.brk for r in rows)  # a table that runs on over a page
    assert not any(re.search(r"[\u2e80-\u2fdf]", c) for r in rows for c in r.cells)  # no radicals


# --- what the importer refuses, and writes nothing for -------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(40)


def _scan_pdf(path: Path) -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)  # a page without text, as a scanner's PDF has
    with path.open("wb") as handle:
        writer.write(handle)


@pytest.mark.parametrize(("name", "content", "message"), [
    ("scan.png", PNG, "scan.png:1: cannot read: a PNG image, not text: it needs OCR first"),
    ("photo.jpg", b"\xff\xd8\xff\xe0" + bytes(64), "photo.jpg:1: cannot read: a JPEG image, not text"),
    ("form.txt", b"\x01\x02\x00\x03" * 50, "form.txt:1: cannot read: a binary file, neither text nor a form"),
    ("forms.zip", None, "forms.zip:1: cannot read: a ZIP archive that is neither an .xlsx nor a .docx"),
    ("gbk.txt", "财政项目支出绩效自评表\n".encode("gb18030"),
     "gbk.txt:1: cannot read: text that is not UTF-8 but reads as GBK/GB18030 (convert it, e.g. iconv"),
    ("scan.pdf", None, "scan.pdf:1: cannot read: a PDF without a text layer (a scan?): it needs OCR first"),
])
def test_a_file_it_cannot_read_is_named_for_what_it_is(
        name: str, content: bytes | None, message: str, tmp_path: Path) -> None:
    path = tmp_path / name
    if name.endswith(".zip"):
        import zipfile

        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("readme.txt", "x")
    elif name == "scan.pdf":
        _scan_pdf(path)
    else:
        assert content is not None
        path.write_bytes(content)
    code, out, err = import_quietly([path], tmp_path / "content")
    assert code == 1
    assert err.splitlines()[0].startswith(message), err
    assert ("iconv" in err) == (name == "gbk.txt")  # only text is told to convert its encoding
    assert out.endswith("no file written\n")
    assert not (tmp_path / "content").exists()


def test_a_form_is_read_by_its_bytes_not_its_name(tmp_path: Path) -> None:
    renamed = tmp_path / "form.txt"
    renamed.write_bytes((FORMS / "004.xlsx").read_bytes())
    code, out, _ = import_quietly([renamed], tmp_path / "content")
    assert code == 0 and out.startswith("imported 2 reports")


def test_a_file_that_fails_means_nothing_is_written(tmp_path: Path) -> None:
    bad = tmp_path / "scan.png"
    bad.write_bytes(PNG)
    code, _out, err = import_quietly([FORMS / "004.xlsx", bad], tmp_path / "content")
    assert code == 1
    assert "scan.png:1: nothing was imported from this file, so nothing is written" in err
    assert not (tmp_path / "content").exists()


def test_a_skipped_form_writes_nothing(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.load_workbook(FORMS / "004.xlsx")
    sheet = book.worksheets[1]
    for row in sheet.iter_rows():  # the second form loses its 项目资金 rows
        if any(isinstance(c.value, str) and c.value.startswith("项目资金") for c in row):
            for c in row:
                if not isinstance(c, openpyxl.cell.cell.MergedCell):
                    c.value = None
    path = tmp_path / "two.xlsx"
    book.save(path)
    code, out, err = import_quietly([path], tmp_path / "content")
    assert code == 1
    assert "form without 项目资金, 实际完成情况 or 一级指标 rows; skipped" in err
    assert "imported 1 reports (1 self-evaluation) from 1 file: 2 written" in out  # report + department
    written = sorted(p.name for p in (tmp_path / "content").rglob("*.yaml"))
    assert len(written) == 2 and "department.yaml" in written


def test_a_file_over_the_limit_is_refused_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.importers import readers

    assert readers.MAX_BYTES == 32 * 2**20  # the limit docs/importing.md states
    monkeypatch.setattr(readers, "MAX_BYTES", 1000)
    code, _out, err = import_quietly([FORMS / "004.xlsx"], tmp_path / "content")
    assert code == 1
    assert err.splitlines()[0] == ("004.xlsx:1: cannot read: 0.0 MiB is more than the 0 MiB a source "
                                   "file may have: split it (one file per department or year) and "
                                   "import the parts")
    assert not (tmp_path / "content").exists()


def test_a_large_file_shows_its_progress(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.importers import readers

    monkeypatch.setattr(readers, "PROGRESS_BYTES", 1000)
    _code, _out, err = import_quietly([FORMS / "004.pdf"], tmp_path / "content")
    assert "import: reading 004.pdf (0.4 MiB, pdf)" in err
    assert "import: 004.pdf: page 5 of 5" in err


@pytest.mark.parametrize("suffix", ["xlsx", "docx", "pdf"])
def test_another_provinces_labels(suffix: str, tmp_path: Path) -> None:
    """调整后预算数, 预算执行数, 预算执行率, 权重, 指标值, 完成值, 其中：财政资金, 指标性质 and 度量单位
    columns, and 财务负责人 and the sections 项目基本情况, 评价结论, 存在问题 and 改进措施."""
    code, _out, err = import_quietly([FORMS / f"other-province.{suffix}"], tmp_path / "content")
    assert code == 0
    got, want = reports(tmp_path / "content"), reports(ROOT / "content")
    assert len(got) == 2
    for rel, report in got.items():
        expected = want[rel]
        for item in expected["indicators"]:
            # the form prints the unit once, in 度量单位: a bare figure under 完成值 takes it
            _sign, figure, unit = re.match(r"^([<>=≥≤]*)(\d+(?:\.\d+)?)?(\D*)$", item["target"]).groups() \
                if re.match(r"^[<>=≥≤]*\d", item["target"]) else ("", None, "")
            if figure is not None and unit and re.fullmatch(r"[<>=≥≤]*\d+(\.\d+)?", item["actual"]):
                item["actual"] += unit
        expected.update(finance_leader="李四", background="项目按计划实施。",
                        conclusion="项目完成年度目标。", problems="无。", improvements="继续做好项目管理。")
        assert report == expected
    assert "not imported" not in err


def test_the_sections_are_shown_on_the_report_page(make_site: MakeSite, tmp_path: Path) -> None:
    """财务负责人 and the sections of another province's form reach the page, as markdown without HTML."""
    from html.parser import HTMLParser

    from generator.build import build

    content = make_site({"site.yaml": "title: 测试\n"}, defaults=False)
    code, _out, err = import_quietly([FORMS / "other-province.xlsx"], content)
    assert code == 0, err
    report = next(p for p in (content / "departments").rglob("*.yaml") if "projects" in p.parts)
    text = report.read_text(encoding="utf-8").replace("improvements: 继续做好项目管理。",
                                                      "improvements: \"<b>加强</b> *管理*\"")
    report.write_text(text, encoding="utf-8")  # as a hand-written file would say it
    build(content, tmp_path / "site")
    page = next((tmp_path / "site").rglob("2022/*/index.html")).read_text(encoding="utf-8")

    class Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.parts: list[str] = []

        def handle_data(self, data: str) -> None:
            self.parts.append(data.strip())

    parser = Text()
    parser.feed(page)
    shown = [p for p in parser.parts if p]
    for label, body in (("财务负责人", "李四"), ("项目基本情况", "项目按计划实施。"),
                        ("评价结论", "项目完成年度目标。"), ("存在问题", "无。")):
        assert shown[shown.index(label) + 1] == body
    assert "<em>管理</em>" in page and "&lt;b&gt;加强&lt;/b&gt;" in page  # markdown, raw HTML as text


def test_a_budgets_chapters_keep_their_paragraphs_and_lines() -> None:
    """A blank row (workbook), a new paragraph (Word), a paragraph's space (PDF) is a break, as a
    blank line in the text layouts; a line break (Shift+Enter), or a new indented line, is a new
    row; in the PDF a line wrapped at the right edge is joined with the next."""
    from generator.importers.office import docx_rows, xlsx_rows
    from generator.importers.pdf import pdf_rows

    first = "1. 承担全面依法治国重大问题的政策研究，协调有关方面提出全面依法治国中长期规划建议，负责有关重大决策部署督察工作。"
    for rows in (xlsx_rows(FORMS / "001.xlsx"), docx_rows(FORMS / "001.docx"), pdf_rows(FORMS / "001.pdf")):
        lines = [(r.brk, r.cells[0]) for r in rows[:60] if len(r.cells) == 1]
        at = next(i for i, (_brk, text) in enumerate(lines) if text.startswith("依据“三定”方案"))
        assert lines[at + 1] == (True, first)
        assert not lines[at + 2][0] and lines[at + 2][1].startswith("2. 负责推进本区法治政府建设工作。")


def test_the_phone_is_the_projects_not_the_finance_officers(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.load_workbook(FORMS / "other-province.xlsx")
    sheet = book.worksheets[0]
    row = next(r for r in sheet.iter_rows() if r[0].value == "财务负责人")
    phone = next(c for c in row if c.value == "联系电话")
    sheet.cell(phone.row, phone.column + 1).value = "021-00000000"
    for r in sheet.iter_rows():  # the project's own phone left blank
        if r[0].value == "项目负责人":
            sheet.cell(r[0].row, next(c for c in r if c.value == "联系电话").column + 1).value = None
    path = tmp_path / "form.xlsx"
    book.save(path)
    code, _out, err = import_quietly([path], tmp_path / "content")
    assert code == 0, err
    written = [parse_yaml(p.read_text(encoding="utf-8"))[0] for p in (tmp_path / "content").rglob("*.yaml")
               if "projects" in p.parts]
    assert [d.get("finance_leader") for d in written] == ["李四", "李四"]
    assert all("phone" not in d for d in written)
