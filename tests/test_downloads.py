"""Downloads: CSV, XLSX and JSON hold the content's figures; the data package validates; builds repeat."""

from __future__ import annotations

import csv
import io
import zipfile
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest
import yaml
from frictionless import validate

from generator.build import build
from tests.conftest import EXAMPLES, MakeSite

SE_2022 = "minhang-justice/2022/correction-location-system"
SE_WAN = "chaoyang-justice/2022/industry-upgrade-fund-2021"
TD_2024 = "minhang-justice/2024/correction-work"


def source(path: str) -> dict[str, object]:
    """A report's YAML with every scalar as printed text (so 12880.00 stays 12880.00)."""
    dept, year, slug = path.split("/")
    text = (EXAMPLES / "departments" / dept / "projects" / year / f"{slug}.yaml").read_text(encoding="utf-8")
    data = yaml.load(text, Loader=yaml.BaseLoader)
    assert isinstance(data, dict)
    return data


def read_csv(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
    assert b"\r\n" in raw
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_report_indicators_csv_is_the_indicator_table(built_examples: Path) -> None:
    rows = read_csv(built_examples / SE_2022 / "correction-location-system-indicators.csv")
    indicators = source(SE_2022)["indicators"]
    assert isinstance(indicators, list)
    assert [r["三级指标"] for r in rows] == [i["name"] for i in indicators]
    assert [r["分值"] for r in rows] == [i["weight"] for i in indicators]
    assert [r["得分"] for r in rows] == [i["score"] for i in indicators]
    # Excel would run =100% as a formula: it is kept as text with the spreadsheet's apostrophe
    assert [r["年度指标值"].removeprefix("'") for r in rows] == [i["target"] for i in indicators]
    assert rows[0]["年度指标值"] == "'=100%" and rows[2]["年度指标值"] == "<=4小时"
    assert {r["报告编号"] for r in rows} == {SE_2022}


def test_amounts_are_in_yuan_with_the_printed_digits(built_examples: Path) -> None:
    rows = {r["报告编号"]: r for r in read_csv(built_examples / "data/reports.csv")}
    se = rows[SE_2022]
    funds = source(SE_2022)["funds"]["total"]  # type: ignore[index]
    assert (se["年初预算数（元）"], se["全年预算数（元）"], se["全年执行数（元）"]) == (
        funds["initial"], funds["adjusted"], funds["executed"])  # 12880.00, 12880.00, 12880
    assert se["执行率（%）"] == "100.00" and se["得分"] == "100" and se["等级"] == "优"
    wan = rows[SE_WAN]  # printed in 万元: 19.4, 19.4, 19.40
    assert (wan["年初预算数（元）"], wan["全年执行数（元）"]) == ("194000.0", "194000.00")
    td = rows[TD_2024]
    assert td["年度资金申请总额（元）"] == "3588054.00" and td["全年预算数（元）"] == ""
    assert td["类型"] == "绩效目标" and td["网页"] == f"/{TD_2024}/"
    assert set(rows) == {SE_2022, SE_WAN, TD_2024}  # budgets are in reports.json only


def test_department_and_year_files_hold_their_reports(built_examples: Path) -> None:
    dept = read_csv(built_examples / "minhang-justice/minhang-justice.csv")
    assert [r["报告编号"] for r in dept] == [SE_2022, TD_2024]
    year = read_csv(built_examples / "minhang-justice/2024/minhang-justice-2024.csv")
    assert [r["报告编号"] for r in year] == [TD_2024]
    book = openpyxl.load_workbook(built_examples / "minhang-justice/2022/minhang-justice-2022.xlsx")
    assert book.sheetnames == ["报告", "绩效指标"]
    header, *rows = book["报告"].iter_rows(values_only=True)
    row = dict(zip(header, rows[0]))
    assert row["全年预算数（元）"] == 12880 and isinstance(row["全年预算数（元）"], (int, float))
    assert book["报告"]["H2"].number_format == "#,##0.00"
    indicators = list(book["绩效指标"].iter_rows(min_row=2, values_only=True))
    assert len(indicators) == 8 and indicators[0][9] == "=100%"  # text, not a formula
    assert book["绩效指标"]["J2"].data_type == "s"


def test_everything_json_holds_every_report(built_examples: Path) -> None:
    import json

    data = json.loads((built_examples / "data/reports.json").read_text(encoding="utf-8"))
    assert sorted(d["kind"] for d in data) == ["department-budget", "self-evaluation", "self-evaluation",
                                               "target-declaration"]
    wan = next(d for d in data if d["slug"] == "industry-upgrade-fund-2021")
    assert wan["funds"]["total"]["executed"] == "194000.00" and wan["money_unit_printed"] == "万元"


def test_datapackage_validates_with_frictionless(built_examples: Path) -> None:
    report = validate(built_examples / "data/datapackage.json")
    assert report.valid, report.flatten(["type", "note"])
    package = (built_examples / "data/datapackage.json").read_text(encoding="utf-8")
    for name in ("reports.csv", "indicators.csv", "reports.json", "reports.xlsx"):
        assert f'"path": "{name}"' in package


def test_datapackage_catches_a_file_that_changed(built_examples: Path, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "data"
    shutil.copytree(built_examples / "data", copy)
    path = copy / "reports.csv"
    path.write_bytes(path.read_bytes().replace(b"12880.00", b"12880.01", 1))
    assert not validate(copy / "datapackage.json").valid


def test_two_builds_are_byte_identical_and_xlsx_dates_are_fixed(make_site: MakeSite, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_site({"departments/test-dept/projects/2023/a.yaml":
                      "kind: self-evaluation\nyear: 2023\nname: 甲\ndepartment: test-dept\nmoney_unit: 万元\n"
                      "funds:\n  total: {adjusted: 1.5, executed: 1.25}\n"})
    build(root, tmp_path / "a")
    build(root, tmp_path / "b")
    for rel in ("data/reports.xlsx", "test-dept/test-dept.xlsx", "data/reports.csv", "data/datapackage.json"):
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel
    with zipfile.ZipFile(tmp_path / "a/data/reports.xlsx") as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = z.read("docProps/core.xml").decode()
        assert "1980-01-01T00:00:00Z" in core
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    build(root, tmp_path / "c")
    with zipfile.ZipFile(tmp_path / "c/data/reports.xlsx") as z:
        assert "2023-11-14T22:13:20Z" in z.read("docProps/core.xml").decode()
    rows = read_csv(tmp_path / "a/data/reports.csv")
    assert rows[0]["全年预算数（元）"] == "15000.0" and rows[0]["全年执行数（元）"] == "12500.00"


class Links(HTMLParser):
    """Rows of the page's tables: each link's href, then the text of each cell."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.in_row = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
            self.in_row = True
        if tag == "a" and self.in_row:
            self.rows[-1].append(dict(attrs).get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "tr":
            self.in_row = False

    def handle_data(self, data: str) -> None:
        if self.in_row and data.strip():
            self.rows[-1].append(data.strip())


def test_data_page_lists_every_file_with_its_size(built_examples: Path) -> None:
    parser = Links()
    parser.feed((built_examples / "data/index.html").read_text(encoding="utf-8"))
    listed = {row[0]: row[-1] for row in parser.rows if row and row[0].startswith("/")}
    assert "/data/datapackage.json" in listed and "/minhang-justice/2022/minhang-justice-2022.xlsx" in listed
    for url, size in listed.items():
        actual = (built_examples / url.lstrip("/")).stat().st_size
        number, unit = size.split()
        scale = {"B": 1, "KB": 1024, "MB": 1024 * 1024}[unit]
        assert abs(Decimal(number) * scale - actual) <= scale / 10, (url, size, actual)
    report = (built_examples / SE_2022 / "index.html").read_text(encoding="utf-8")
    assert f'href="/{SE_2022}/correction-location-system-indicators.csv"' in report
    year = (built_examples / "minhang-justice/2022/index.html").read_text(encoding="utf-8")
    assert 'href="/minhang-justice/2022/minhang-justice-2022.xlsx"' in year
