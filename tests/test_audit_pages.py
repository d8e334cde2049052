"""Where findings show: the report's 数据核对 panel and its marks, /audit/, findings.json and `disclose check`."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

from generator.build import build
from tests.conftest import ROOT, MakeSite
from tests.test_audit import BUDGET, GOOD_ROWS, GOOD_TOTAL, SE, budget, evaluation, row


@dataclass
class Mark:
    """A link beside a figure: where it points, and the table row and cell it sits in."""

    href: str
    table: str
    row: int
    cell: int


@dataclass
class Item:
    attrs: dict[str, str]
    text: list[str] = field(default_factory=list)


class Page(HTMLParser):
    """Ids, finding marks with their table cell, and list items with their data attributes and text."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.marks: list[Mark] = []
        self.items: list[Item] = []
        self.links: list[str] = []
        self._tables: list[list[int]] = []  # per open table: [class index, row, cell]
        self._classes: list[str] = []
        self._item: Item | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "table":
            self._classes.append((a.get("class") or "").split(" ")[0])  # the table's kind: funds, indicators, budget
            self._tables.append([len(self._classes) - 1, -1, -1])
        elif tag == "tr" and self._tables:
            self._tables[-1][1:] = [self._tables[-1][1] + 1, -1]
        elif tag in ("td", "th") and self._tables:
            self._tables[-1][2] += 1
        elif tag == "li" and "data-rule" in a:
            self._item = Item(a)
            self.items.append(self._item)
        elif tag == "a":
            self.links.append(a.get("href", ""))
            if "finding-mark" in a.get("class", "").split():
                table, tr, td = self._tables[-1] if self._tables else (-1, -1, -1)
                self.marks.append(Mark(a["href"], self._classes[table] if table >= 0 else "", tr, td))

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self._tables:
            self._tables.pop()
        elif tag == "li":
            self._item = None

    def handle_data(self, data: str) -> None:
        if self._item is not None:
            self._item.text.append(data)


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def text(item: Item) -> str:
    return " ".join("".join(item.text).split())


@pytest.fixture
def site(make_site: MakeSite, tmp_path: Path) -> Path:
    """A small site with a target missed at full marks, funds rows that do not add up, and a budget."""
    rows = [row("=60个", "0", reason="不再招录"), row(">=85%", "90%", weight="40", score="40",
                                                level1="满意度指标", level2="服务对象满意度指标", name="满意度")]
    root = make_site({SE: evaluation(indicators=rows, a_initial="0"),
                      BUDGET: budget(GOOD_ROWS.replace('"204 06 04"', '"205 06 04"'), GOOD_TOTAL),
                      "departments/quiet/department.yaml": "name: 安静局\n",
                      "departments/quiet/projects/2022/q.yaml": evaluation().replace("test-dept", "quiet")})
    out = tmp_path / "site"
    build(root, out)
    return out


def test_report_panel_lists_findings_and_marks_point_at_them(site: Path) -> None:
    page = parse(site / "test-dept/2022/p/index.html")
    rules = [item.attrs["data-rule"] for item in page.items]
    assert rules == ["funds-rows", "target-missed-full"]
    assert "未达指标值却得满分（评分存疑）：「完成数」年度指标值为“=60个”，实际完成值为“0”" in text(page.items[1])
    assert all(item.attrs["id"] in page.ids for item in page.items)
    marks = {m.href.lstrip("#"): m for m in page.marks}
    assert set(marks) == {item.attrs["id"] for item in page.items}
    funds, target = marks[page.items[0].attrs["id"]], marks[page.items[1].attrs["id"]]
    # the funds cell of 年度资金总额 × 年初预算数, and the row of the first indicator
    assert (funds.table, funds.row, funds.cell) == ("funds", 1, 1)
    assert (target.table, target.row, target.cell) == ("indicators", 1, 2)


def test_a_report_without_findings_says_so(site: Path) -> None:
    page = parse(site / "quiet/2022/q/index.html")
    assert page.items == [] and page.marks == []
    assert "表内数字核对无误。" in (site / "quiet/2022/q/index.html").read_text(encoding="utf-8")


def test_budget_page_marks_the_misprinted_code(site: Path) -> None:
    page = parse(site / "test-dept/budget/2024/index.html")
    assert [item.attrs["data-rule"] for item in page.items] == ["budget-code"]
    assert [(m.table, m.row, m.cell) for m in page.marks] == [("budget", 4, 0)]


def test_audit_page_groups_every_finding_by_department(site: Path) -> None:
    page = parse(site / "audit/index.html")
    assert [(i.attrs["data-department"], i.attrs["data-rule"]) for i in page.items] == [
        ("test-dept", "budget-code"), ("test-dept", "funds-rows"), ("test-dept", "target-missed-full")]
    assert "dept-test-dept" in page.ids and "dept-quiet" not in page.ids
    report_links = [link for link in page.links if link.startswith("/test-dept/2022/p/#finding-")]
    assert len(report_links) == 2
    html = (site / "audit/index.html").read_text(encoding="utf-8")
    assert '<form class="audit-filter" id="audit-filter" hidden' in html  # shown by the script only
    assert "audit.js" in html and "<script>" not in html


def test_findings_json(site: Path) -> None:
    data = json.loads((site / "audit/findings.json").read_text(encoding="utf-8"))
    assert [f["rule"] for f in data["findings"]] == ["budget-code", "funds-rows", "target-missed-full"]
    first = data["findings"][1]
    assert first["department"] == "test-dept" and first["report"] == "测试项目"
    assert first["url"].startswith("/test-dept/2022/p/#finding-") and first["severity"] == "error"
    assert data["rules"]["rate"]["title"] == "执行率与执行数、预算数不符"
    assert data["targets"]["met"] == 3 and data["targets"]["missed"] == 1


def test_department_and_year_pages_count_findings(site: Path) -> None:
    for rel in ("test-dept/index.html", "test-dept/2022/index.html"):
        html = (site / rel).read_text(encoding="utf-8")
        assert "<dt>核对发现</dt><dd>" in html
    links = parse(site / "test-dept/index.html").links
    assert "/audit/?department=test-dept#dept-test-dept" in links
    assert not [link for link in parse(site / "quiet/index.html").links if link.startswith("/audit/?")]


def run_check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "generator", "check", *args], capture_output=True, text=True,
                          cwd=ROOT, check=False)


def test_check_lists_findings_by_rule_with_a_summary(make_site: MakeSite) -> None:
    rows = [row("=60个", "0"), row("有效保障", "有效保障", weight="40", score="35", reason="偶有故障")]
    root = make_site({SE: evaluation(indicators=rows, a_initial="0", total="{weight: 100, score: 95}")})
    result = run_check("--content", str(root))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "funds-rows: 资金来源之和与总额不符 (error, 1)"
    assert lines[1].startswith("  ") and "p.yaml:7:" in lines[1] and "funds.total.initial:" in lines[1]
    assert lines[2] == "target-missed-full: 未达指标值却得满分 (warning, 1)"
    assert lines[4] == "target-met-lost: 已达指标值却失分 (warning, 1)"
    assert lines[-3] == "findings: 3 (funds-rows 1, target-missed-full 1, target-met-lost 1)"
    assert lines[-2] == "targets: 2 compared with their actuals (met 1, missed 1), 0 not compared"
    assert run_check("--strict", "--content", str(root)).returncode == 1
