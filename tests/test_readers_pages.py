"""What readers see on the pages: descriptions and sharing tags, the footer's publisher and date,
the official document as the source, /audit/ linked to the figures, and a project across years.

Each test reads the built HTML with an HTML parser, as a reader's browser or a crawler would.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest

from generator.build import build
from generator.content.models import DepartmentBudget, SourceDocument
from tests.conftest import MakeSite

# one page of each kind in the examples
KINDS = {"overview": "index.html", "department": "minhang-justice/index.html",
         "year": "minhang-justice/2022/index.html",
         "self-evaluation": "chaoyang-justice/2022/industry-upgrade-fund-2021/index.html",
         "declaration": "minhang-justice/2024/correction-work/index.html",
         "budget": "minhang-justice/budget/2024/index.html", "data": "data/index.html",
         "audit": "audit/index.html", "search": "search/index.html", "page": "about/index.html",
         "404": "404.html"}


class Page(HTMLParser):
    """A page's meta tags, links, ids, footer text and the text of elements by class."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.links: list[tuple[str, str, dict[str, str]]] = []  # (href, text, attributes)
        self.ids: set[str] = set()
        self.footer = ""
        self.text = ""
        self.canonical = ""
        self._link: list[str] | None = None
        self._attrs: dict[str, str] = {}
        self._in_footer = 0
        self._in_head = True
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "meta" and ("name" in a or "property" in a):
            self.meta[a.get("name") or a["property"]] = a.get("content", "")
        elif tag == "link" and a.get("rel") == "canonical":
            self.canonical = a["href"]
        elif tag == "a":
            self._link, self._attrs = [], a
        elif tag == "footer":
            self._in_footer += 1
        elif tag == "body":
            self._in_head = False

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._link is not None:
            self.links.append((self._attrs.get("href", ""), "".join(self._link).strip(), self._attrs))
            self._link = None
        elif tag == "footer":
            self._in_footer -= 1

    def handle_data(self, data: str) -> None:
        if self._link is not None:
            self._link.append(data)
        if self._in_footer:
            self.footer += data
        if not self._in_head:
            self.text += data


def read(site: Path, rel: str) -> Page:
    return Page((site / rel).read_text(encoding="utf-8"))


# --- meta ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_page_describes_itself_for_search_engines_and_sharing(built_examples: Path, kind: str) -> None:
    page = read(built_examples, KINDS[kind])
    for name in ("description", "og:title", "og:description", "og:url", "og:type"):
        assert page.meta.get(name, "").strip(), (kind, name)
    assert page.meta["og:description"] == page.meta["description"]
    path = KINDS[kind].removesuffix("index.html")
    assert page.meta["og:url"] == "/" + path
    assert page.meta["og:type"] == ("article" if kind in ("self-evaluation", "declaration", "budget") else "website")
    assert not page.canonical  # a canonical link must be a full address: only with a full base_url


def test_descriptions_say_what_the_page_holds(built_examples: Path) -> None:
    report = read(built_examples, KINDS["self-evaluation"]).meta["description"]
    assert "北京市朝阳区司法局2022年度" in report and "执行率" in report and "得分100" in report
    year = read(built_examples, KINDS["year"]).meta["description"]
    assert year.startswith("上海市闵行区司法局2022年的1份绩效自评")
    assert len({read(built_examples, rel).meta["description"] for rel in KINDS.values()}) == len(KINDS)


def test_a_full_base_url_gives_full_addresses(make_site: MakeSite, tmp_path: Path) -> None:
    root = make_site({"site.yaml": "title: 测试站点\nbase_url: https://budget.example.org/minhang/\n"})
    build(root, tmp_path / "out")
    page = read(tmp_path / "out", "test-dept/index.html")
    assert page.meta["og:url"] == page.canonical == "https://budget.example.org/minhang/test-dept/"


# --- footer ----------------------------------------------------------------------------------------

def test_the_footer_shows_the_publisher_and_the_date_of_the_data(make_site: MakeSite, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    root = make_site({"site.yaml": "title: 测试站点\npublisher: {name: 上海市测试区财政局}\nupdated: 2025-06-30\n"})
    build(root, tmp_path / "a")
    for rel in ("index.html", "test-dept/index.html", "data/index.html", "audit/index.html", "404.html"):
        footer = read(tmp_path / "a", rel).footer
        assert "发布单位：上海市测试区财政局" in footer and "数据更新日期：2025-06-30" in footer, rel
    # without `updated`, the build's date from SOURCE_DATE_EPOCH; without either, no date
    (root / "site.yaml").write_text("title: 测试站点\n", encoding="utf-8")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1717200000")  # 2024-06-01
    build(root, tmp_path / "b")
    assert "数据更新日期：2024-06-01" in read(tmp_path / "b", "index.html").footer
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    build(root, tmp_path / "c")
    assert "数据更新日期" not in read(tmp_path / "c", "index.html").footer


# --- provenance ------------------------------------------------------------------------------------

def source_links(page: Page) -> list[tuple[str, str]]:
    return [(href, text) for href, text, a in page.links if a.get("rel") == "noopener" and href.startswith("http")
            and "beian" not in href]


def test_a_report_links_to_its_official_document(built_examples: Path) -> None:
    page = read(built_examples, KINDS["self-evaluation"])  # its own source_url and published
    assert source_links(page) == [("https://www.bjchy.gov.cn/", "www.bjchy.gov.cn")]
    assert "来源：www.bjchy.gov.cn（公开日期：2022-09-30）" in page.text
    for kind in ("declaration", "budget"):  # named once by the department, for the file they came from
        page = read(built_examples, KINDS[kind])
        assert source_links(page) == [("https://www.shmh.gov.cn/", "2024年闵行区司法局部门预算")], kind
        assert "公开日期：2024-02-05" in page.text


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_file_names_and_lines_are_not_shown_to_readers(built_examples: Path, kind: str) -> None:
    html = (built_examples / KINDS[kind]).read_text(encoding="utf-8")
    assert not re.search(r"\d{3}_[0-9a-f]{16}\.txt", html), kind
    assert "departments/" not in html and ".yaml" not in html, kind


def test_source_url_is_a_web_address_and_published_a_date() -> None:
    base = {"kind": "department-budget", "year": 2024, "department": "d", "money_unit": "元"}
    assert DepartmentBudget.model_validate({**base, "source_url": "https://x.gov.cn/a.pdf",
                                            "published": "2024-02-05"}).published is not None
    for bad in ({"source_url": "javascript:alert(1)"}, {"source_url": "ftp://x.gov.cn/a"},
                {"source_url": "www.x.gov.cn"}, {"published": 2024}, {"published": "2024-13-01"}):
        with pytest.raises(ValueError, match="source_url|published"):
            DepartmentBudget.model_validate({**base, **bad})
    with pytest.raises(ValueError, match="url"):
        SourceDocument.model_validate({"file": "a.txt", "url": "data:text/html,x"})


def test_a_report_without_a_document_shows_no_source(make_site: MakeSite, tmp_path: Path) -> None:
    root = make_site({"departments/test-dept/projects/2023/p.yaml":
                      "kind: self-evaluation\nyear: 2023\nname: 项目\ndepartment: test-dept\nmoney_unit: 元\n"
                      "funds:\n  total: {adjusted: 100, executed: 90}\nsource: 000_6e3dc4444b7839b1.txt:26-54\n"})
    build(root, tmp_path / "out")
    html = (tmp_path / "out" / "test-dept/2023/p/index.html").read_text(encoding="utf-8")
    assert "来源" not in html and "000_6e3dc4444b7839b1" not in html


# --- the audit page -------------------------------------------------------------------------------

def test_each_finding_on_the_audit_page_links_to_its_figure(built_examples: Path) -> None:
    audit = read(built_examples, "audit/index.html")
    figures = [href for href, text, _ in audit.links if text == "在表中查看"]
    assert len(figures) == 10  # every finding of the examples
    for href in figures:
        path, anchor = href.split("#")
        report = read(built_examples, path.lstrip("/") + "index.html")
        assert anchor in report.ids, href
        assert not anchor.startswith("finding-"), href  # the row or cell, not the findings panel
    assert any(href.endswith("#indicators-total") for href in figures)
    assert any(re.search(r"#table-\d+-row-\d+$", href) for href in figures)


# --- a project across years ----------------------------------------------------------------------

def evaluation(year: int, adjusted: str, executed: str, score: int, names: list[str]) -> str:
    rows = "".join(f"  - {{level1: 产出指标, level2: 数量指标, name: {n}, target: '1', actual: '1', "
                   f"weight: 10, score: 10}}\n" for n in names)
    return (f"kind: self-evaluation\nyear: {year}\nname: 矫正工作经费\ndepartment: test-dept\nmoney_unit: 万元\n"
            f"funds:\n  total: {{adjusted: {adjusted}, executed: {executed}, rate: 0.9, weight: 10, score: 9}}\n"
            f"indicators:\n{rows}total: {{weight: 100, score: {score}}}\n")


@pytest.fixture
def two_years(make_site: MakeSite, tmp_path: Path) -> Path:
    root = make_site({
        "departments/test-dept/projects/2022/a.yaml": evaluation(2022, "10", "9", 95, ["走访人数", "培训次数"]),
        "departments/test-dept/projects/2023/a.yaml": evaluation(2023, "12.5", "12", 85, ["走访人数", "宣传次数"]),
        "departments/test-dept/projects/2024/a.yaml":
            "kind: target-declaration\nyear: 2024\nname: 矫正工作经费\ndepartment: test-dept\nmoney_unit: 元\n"
            "funds: {requested: 130000}\nindicators:\n  - {level1: 产出指标, name: 走访人数, target: '1'}\n",
        "departments/test-dept/projects/2023/other.yaml": evaluation(2023, "1", "1", 100, ["x"]).replace(
            "矫正工作经费", "其他项目"),
        # a department with a declaration only: no score to sort by
        "departments/new-dept/department.yaml": "name: 上海市新设局\n",
        "departments/new-dept/projects/2024/plan.yaml":
            "kind: target-declaration\nyear: 2024\nname: 新项目\ndepartment: new-dept\nmoney_unit: 元\n",
    })
    build(root, tmp_path / "out")
    return tmp_path / "out"


def rows_of(html: str, table_class: str) -> list[list[str]]:
    """The text of each body row's cells (th and td) of the first table with ``table_class``."""
    table = re.search(rf'<table class="{table_class}[^"]*">(.*?)</table>', html, re.DOTALL)
    assert table, table_class
    body = re.findall(r"<tbody[^>]*>(.*?)</tbody>", table.group(1), re.DOTALL)
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.DOTALL)]
            for b in body for row in re.findall(r"<tr[^>]*>(.*?)</tr>", b, re.DOTALL)]


def test_a_report_compares_its_project_across_years(two_years: Path) -> None:
    html = (two_years / "test-dept/2023/a/index.html").read_text(encoding="utf-8")
    rows = rows_of(html, "history")
    assert [r[0] for r in rows] == ["2022年 绩效自评", "2023年 绩效自评", "2024年 绩效目标"]
    assert rows[0][1:6] == ["100,000.00", "90,000.00", "90%", "95（优）", "—"]  # the rate as printed
    assert rows[1][1:5] == ["125,000.00", "120,000.00", "90%", "85（良）"]
    assert rows[1][5] == "不再考核：培训次数新增：宣传次数"
    assert rows[2][1:5] == ["130,000.00", "—", "—", "—"]
    assert rows[2][5] == "不再考核：宣传次数"
    assert 'aria-current="page">2023年</a>' in html
    chart = re.search(r'<figure class="chart" id="chart-history">(.*?)</figure>', html, re.DOTALL)
    assert chart and "历年预算与执行" in chart.group(1) and "125,000.00" in chart.group(1)
    # a project of one year has no comparison
    assert 'class="history' not in (two_years / "test-dept/2023/other/index.html").read_text(encoding="utf-8")


def test_a_department_compares_its_years(two_years: Path) -> None:
    html = (two_years / "test-dept/index.html").read_text(encoding="utf-8")
    rows = rows_of(html, "by-year")
    assert [r[0] for r in rows] == ["2022年", "2023年", "2024年"]
    # 绩效自评, 绩效目标, 全年预算数, 全年执行数, 执行率, 平均得分, 申请资金
    assert rows[0][1:] == ["1", "0", "100,000.00", "90,000.00", "90.00%", "95.00", "—"]
    assert rows[1][1:] == ["2", "0", "135,000.00", "130,000.00", "96.30%", "92.50", "—"]
    assert rows[2][1:] == ["0", "1", "—", "—", "—", "—", "130,000.00"]


@pytest.mark.parametrize(("path", "column"), [("test-dept/", "得分"), ("", "平均得分"), ("", "执行率")])
def test_unscored_reports_sort_last_either_way(page, two_years: Path,  # type: ignore[no-untyped-def]
                                               serve: Callable[[Path], str], path: str, column: str) -> None:
    page.goto(serve(two_years) + path)
    header = page.locator("table.reports thead th").filter(has_text=re.compile(f"^{column}$")).locator("button")
    for direction in ("ascending", "descending"):  # low to high, then high to low
        header.click()
        assert header.locator("xpath=..").get_attribute("aria-sort") == direction
        cells = page.locator(f"table.reports tbody td[data-label='{column}']").all_inner_texts()
        assert cells[-1] == "—" and "—" not in cells[:-1], (direction, cells)
        figures = [float(c.rstrip("%")) for c in cells[:-1]]
        assert figures == sorted(figures, reverse=direction == "descending"), (direction, cells)
