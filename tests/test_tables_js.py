"""Sortable, filterable report tables in Chromium (static/tables.js), and plain tables without it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from generator.build import build
from tests.conftest import MakeSite

# (name, adjusted, executed, score) of a made-up year: the orders differ by column
PROJECTS = [("乙项目", "900.00", "850.00", "88"), ("甲项目", "12000.00", "11000.50", "95.5"),
            ("丙项目", "45.50", "45.50", "72"), ("丁项目", "3000", "100", "100")]


@pytest.fixture(scope="module")
def year_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tables") / "content"
    files = {"site.yaml": "title: 测试站点\n", "departments/test-dept/department.yaml": "name: 上海市测试局\n"}
    for i, (name, adjusted, executed, score) in enumerate(PROJECTS):
        files[f"departments/test-dept/projects/2023/p{i}.yaml"] = (
            f"kind: self-evaluation\nyear: 2023\nname: {name}\ndepartment: test-dept\nmoney_unit: 元\n"
            f"funds:\n  total: {{adjusted: {adjusted}, executed: {executed}}}\ntotal: {{score: {score}}}\n")
    files["departments/test-dept/projects/2023/decl.yaml"] = (
        "kind: target-declaration\nyear: 2023\nname: 戊申报\ndepartment: test-dept\nmoney_unit: 元\n")
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    out = root.parent / "site"
    build(root, out)
    return out


def names(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.locator("table.reports tbody tr:not([hidden]) td:first-child").all_inner_texts()


def header(page, text: str):  # type: ignore[no-untyped-def]
    return page.locator("table.reports thead th").filter(has_text=text)


def test_sorting_by_figures_and_by_text(page, year_site: Path, serve: Callable[[Path], str]) -> None:
    page.goto(serve(year_site) + "test-dept/2023/")
    assert names(page) == ["乙项目", "甲项目", "丙项目", "丁项目", "戊申报"]  # as the content lists them
    budget = header(page, "预算数")
    budget.get_by_role("button").click()
    assert budget.get_attribute("aria-sort") == "ascending"
    # numerically by data-value (45.50 < 900 < 3000 < 12000), rows without a figure last
    assert names(page)[:4] == ["丙项目", "乙项目", "丁项目", "甲项目"]
    budget.get_by_role("button").click()
    assert budget.get_attribute("aria-sort") == "descending"
    assert names(page) == ["甲项目", "丁项目", "乙项目", "丙项目", "戊申报"]
    score = header(page, "得分")
    score.get_by_role("button").press("Enter")  # keyboard: the header is a button
    assert score.get_attribute("aria-sort") == "ascending" and budget.get_attribute("aria-sort") is None
    assert names(page)[:4] == ["丙项目", "乙项目", "甲项目", "丁项目"]  # 72 < 88 < 95.5 < 100
    header(page, "项目名称").get_by_role("button").click()
    assert names(page) == ["丙项目", "丁项目", "甲项目", "戊申报", "乙项目"]  # Chinese text in pinyin order


def test_filtering_by_text_says_how_many_rows_show(page, year_site: Path, serve: Callable[[Path], str]) -> None:
    page.goto(serve(year_site) + "test-dept/2023/")
    field = page.get_by_label("筛选表格")
    field.fill("甲")
    assert names(page) == ["甲项目"]
    assert page.locator(".table-status").first.inner_text() == "显示 1 / 5 行"
    field.fill("绩效目标")  # any cell's text: the kind column
    assert names(page) == ["戊申报"]
    field.fill("")
    assert len(names(page)) == 5


def test_enhanced_table_is_accessible(page, year_site: Path, serve: Callable[[Path], str]) -> None:
    page.goto(serve(year_site) + "test-dept/2023/")
    header(page, "执行率").get_by_role("button").click()
    page.get_by_label("筛选表格").fill("项目")
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def test_without_javascript_the_table_is_plain_and_complete(browser, year_site: Path,
                                                            serve: Callable[[Path], str]) -> None:
    context = browser.new_context(java_script_enabled=False)
    tab = context.new_page()
    tab.goto(serve(year_site) + "test-dept/2023/")
    assert tab.locator("table.reports thead button").count() == 0
    assert tab.locator(".table-tools").count() == 0
    assert len(tab.locator("table.reports tbody tr").all()) == 5
    context.close()


def test_overview_and_department_tables_sort_too(page, built_examples: Path,
                                                 serve: Callable[[Path], str]) -> None:
    base = serve(built_examples)
    page.goto(base)
    rows = page.locator("table.reports tbody tr td:first-child")
    header(page, "全年预算数").get_by_role("button").click()
    assert rows.all_inner_texts() == ["上海市闵行区司法局", "北京市朝阳区司法局"]  # 12,880 < 194,000
    page.goto(base + "minhang-justice/")
    assert page.get_by_label("筛选表格").count() == 1


def test_english_words_come_from_the_catalogue(page, make_site: MakeSite, tmp_path: Path,
                                               serve: Callable[[Path], str]) -> None:
    root = make_site({"site.yaml": "title: Test\nlanguage: en\n",
                      "departments/test-dept/projects/2023/a.yaml":
                      "kind: self-evaluation\nyear: 2023\nname: 甲\ndepartment: test-dept\nmoney_unit: 元\n"
                      "funds:\n  total: {adjusted: 1, executed: 1}\n"})
    build(root, tmp_path / "out")
    page.goto(serve(tmp_path / "out") + "test-dept/2023/")
    page.get_by_label("Filter the table").fill("甲")
    assert page.locator(".table-status").first.inner_text() == "Showing 1 of 1 rows"
    assert page.locator("table.reports th button").first.get_attribute("title") == "Sort by this column"
