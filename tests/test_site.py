"""What a reader sees in the built example site, parsed as HTML."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path


class Text(HTMLParser):
    """Collect visible text, links and table cells of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.links: list[str] = []
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        if tag == "a":
            self.links.append(dict(attrs).get("href") or "")
        if tag == "tr":
            self.rows.append([])
        if tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1
        if tag in ("td", "th") and self._cell is not None and self.rows:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)
            if self._cell is not None:
                self._cell.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.parts).split())


def read(site: Path, rel: str) -> Text:
    parser = Text()
    parser.feed((site / rel).read_text(encoding="utf-8"))
    return parser


def test_every_page_of_the_site_map_exists(built_examples: Path) -> None:
    for rel in ["index.html", "minhang-justice/index.html", "minhang-justice/2022/index.html",
                "minhang-justice/2024/index.html", "minhang-justice/2022/correction-location-system/index.html",
                "minhang-justice/2024/correction-work/index.html", "minhang-justice/budget/2024/index.html",
                "chaoyang-justice/2022/industry-upgrade-fund-2021/index.html", "about/index.html",
                "404.html", "sitemap.xml",
                "minhang-justice/2022/correction-location-system/correction-location-system.json"]:
        assert (built_examples / rel).is_file(), rel


def test_self_evaluation_shows_the_form(built_examples: Path) -> None:
    page = read(built_examples, "minhang-justice/2022/correction-location-system/index.html")
    assert ["年度资金总额", "12,880.00", "12,880.00", "12,880", "10", "100.00%", "10"] in page.rows
    assert ["产出指标", "数量指标", "系统软件运维完成率", "=100%", "100%", "15", "15", ""] in page.rows
    assert "总分 100 100" in page.text
    assert "本年度圆满完成系统维护任务" in page.text


def test_amounts_in_wan_yuan_are_shown_as_printed(built_examples: Path) -> None:
    page = read(built_examples, "chaoyang-justice/2022/industry-upgrade-fund-2021/index.html")
    assert "项目资金（万元）" in page.text
    assert ["年度资金总额", "19.4", "19.4", "19.40", "10", "100%", "10"] in page.rows
    assert any(row[:1] == ["不适用"] or "不适用" in row for row in page.rows)


def test_lost_points_are_highlighted_with_their_reason(make_site, tmp_path: Path) -> None:
    from generator.build import build

    root = make_site({"departments/test-dept/projects/2022/a.yaml": """\
kind: self-evaluation
year: 2022
name: 失分项目
department: test-dept
money_unit: 元
funds: {total: {initial: 100, adjusted: 100, executed: 90, weight: 10, rate: 0.90, score: 9}}
indicators:
  - {level1: 产出指标, level2: 数量指标, name: 完成数, target: ">=10个", actual: 8个, weight: 50, score: 40, reason: 疫情影响}
  - {level1: 产出指标, level2: 质量指标, name: 合格率, target: "=100%", actual: 90%, weight: 40, score: 35}
total: {weight: 100, score: 84}
"""})
    build(root, tmp_path / "out")
    html = (tmp_path / "out/test-dept/2022/a/index.html").read_text(encoding="utf-8")
    lost = re.findall(r'<tr class="lost">(.*?)</tr>', html, re.DOTALL)
    assert len(lost) == 2
    assert "疫情影响" in lost[0] and "失10分" in lost[0]
    assert "未说明原因" in lost[1]
    year = read(tmp_path / "out", "test-dept/2022/index.html")
    assert ["失分项目", "完成数", ">=10个", "8个", "50", "40", "疫情影响"] in year.rows


def test_declaration_and_related_links(built_examples: Path) -> None:
    page = read(built_examples, "minhang-justice/2024/correction-work/index.html")
    assert ["年度资金申请总额", "3,588,054.00"] in page.rows
    assert ["成本指标", "经济成本指标", "成本构成合理性", "合理"] in page.rows
    assert "2024-01-01" in page.text and "特定目标类" in page.text


def test_year_summary_figures(built_examples: Path) -> None:
    page = read(built_examples, "minhang-justice/2022/index.html")
    assert "全年预算数 12,880.00 元" in page.text and "执行率 100.00%" in page.text
    assert "平均得分 100.00" in page.text
    assert ["优", "良", "中", "差"] in page.rows and ["1", "0", "0", "0"] in page.rows


def test_budget_tables_with_codes(built_examples: Path) -> None:
    page = read(built_examples, "minhang-justice/budget/2024/index.html")
    assert ["204 06 01", "行政运行", "30,599,585", "30,599,585", "—"] in page.rows
    assert ["", "2024年预算数", "21.5", "0", "4", "17.5", "—", "17.5", "655"] in page.rows
    assert "（单位：万元）" in page.text


def test_department_page(built_examples: Path) -> None:
    page = read(built_examples, "minhang-justice/index.html")
    assert "负责本区社区矫正工作" in page.text
    assert ["上海市闵行公证处", "自收自支事业单位"] in page.rows
    assert "/minhang-justice/2022/" in page.links and "/minhang-justice/budget/2024/" in page.links


def test_markdown_page_sitemap_and_json(built_examples: Path) -> None:
    assert "本站公开各部门财政项目支出的 绩效自评 、" in read(built_examples, "about/index.html").text
    sitemap = (built_examples / "sitemap.xml").read_text(encoding="utf-8")
    assert "<loc>/minhang-justice/2022/correction-location-system/</loc>" in sitemap
    assert "404" not in sitemap
    data = json.loads((built_examples / "chaoyang-justice/2022/industry-upgrade-fund-2021/"
                       "industry-upgrade-fund-2021.json").read_text(encoding="utf-8"))
    assert data["funds"]["total"]["executed"] == "194000.00" and data["money_unit_printed"] == "万元"


def test_same_content_gives_identical_output(examples: Path, tmp_path: Path) -> None:
    from generator.build import build

    build(examples, tmp_path / "a")
    build(examples, tmp_path / "b")
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file())
    for rel in files:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel


def test_real_budget_shows_the_notes_printed_under_empty_tables(built_site: Path) -> None:
    page = read(built_site, "minhang-justice/budget/2024/index.html")
    assert "注：本部门2024年无政府性基金预算安排，故本表无数据。" in page.text


def test_same_project_reports_link_to_each_other(make_site, tmp_path: Path) -> None:
    from generator.build import build

    evaluation = """\
kind: self-evaluation
year: 2022
name: 矫正工作业务经费（运维）
department: test-dept
money_unit: 元
funds: {total: {initial: 100, adjusted: 100, executed: 100}}
"""
    declaration = """\
kind: target-declaration
year: 2024
name: 矫正工作业务经费 (运维)
department: test-dept
money_unit: 元
"""
    other = declaration.replace("矫正工作业务经费 (运维)", "法律援助经费")
    root = make_site({"departments/test-dept/projects/2022/a.yaml": evaluation,
                      "departments/test-dept/projects/2024/b.yaml": declaration,
                      "departments/test-dept/projects/2024/c.yaml": other})
    build(root, tmp_path / "out")
    a = read(tmp_path / "out", "test-dept/2022/a/index.html")
    b = read(tmp_path / "out", "test-dept/2024/b/index.html")
    c = read(tmp_path / "out", "test-dept/2024/c/index.html")
    assert "/test-dept/2024/b/" in a.links and "/test-dept/2024/c/" not in a.links
    assert "/test-dept/2022/a/" in b.links
    assert "同一项目的其他报告" not in c.text
