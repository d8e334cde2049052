"""A reader in Chromium: browse the example site served on 127.0.0.1, on a phone and a desktop."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from axe_playwright_python.sync_playwright import Axe

from tests.conftest import EXAMPLES

PAGE_KINDS = ["", "minhang-justice/", "minhang-justice/2022/", "minhang-justice/2022/correction-location-system/",
              "minhang-justice/2024/correction-work/", "minhang-justice/budget/2024/",
              "chaoyang-justice/2022/industry-upgrade-fund-2021/", "about/", "404.html", "data/", "audit/",
              "search/?q=矫正"]


def test_reader_goes_from_overview_to_a_report(page, built_examples: Path,
                                               serve: Callable[[Path], str]) -> None:
    base = serve(built_examples)
    source = yaml.safe_load((EXAMPLES / "departments/minhang-justice/projects/2022/"
                             "correction-location-system.yaml").read_text(encoding="utf-8"))
    page.goto(base)
    page.get_by_role("link", name="上海市闵行区司法局").first.click()
    assert page.get_by_role("heading", level=1).inner_text() == "上海市闵行区司法局"
    page.get_by_role("link", name="2022年项目").click()
    page.get_by_role("link", name=source["name"]).first.click()
    assert page.get_by_role("heading", level=1).inner_text() == source["name"]
    funds = page.locator("table.funds tbody tr").first.locator("td").all_inner_texts()
    total = source["funds"]["total"]
    assert funds[0] == f"{Decimal(str(total['initial'])):,.2f}"
    assert funds[2].replace(",", "") == str(total["executed"])
    assert funds[4] == "100.00%"
    names = page.locator("table.indicators tbody tr td:nth-last-child(6)").all_inner_texts()
    assert names == [row["name"] for row in source["indicators"]]


@pytest.mark.parametrize("path", PAGE_KINDS)
def test_no_accessibility_violations(page, built_examples: Path, serve: Callable[[Path], str],
                                     path: str) -> None:
    page.goto(serve(built_examples) + path)
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


@pytest.mark.parametrize("path", ["minhang-justice/2022/", "minhang-admin-service/2022/"])
def test_no_accessibility_violations_where_indicators_lost_points(page, built_site: Path,
                                                                   serve: Callable[[Path], str], path: str) -> None:
    """The real content's department-years list the indicators that lost points, in a table of their own."""
    page.goto(serve(built_site) + path)
    assert page.locator("#missed").count() == 1
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


@pytest.mark.parametrize("path", ["", "minhang-justice/2022/correction-location-system/",
                                  "minhang-justice/budget/2024/"])
def test_readable_at_360_px(browser, built_examples: Path, serve: Callable[[Path], str], path: str) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740})
    tab = context.new_page()
    tab.goto(serve(built_examples) + path)
    # the page itself never scrolls sideways: wide tables scroll inside their own region
    assert tab.evaluate("document.documentElement.scrollWidth") <= 360
    size = tab.evaluate("parseFloat(getComputedStyle(document.querySelector('main p, main td')).fontSize)")
    assert size >= 13
    context.close()


def test_pages_read_without_javascript(browser, built_examples: Path, serve: Callable[[Path], str]) -> None:
    context = browser.new_context(java_script_enabled=False)
    tab = context.new_page()
    tab.goto(serve(built_examples) + "minhang-justice/2022/correction-location-system/")
    assert "系统软件运维完成率" in tab.locator("table.indicators").inner_text()
    context.close()
