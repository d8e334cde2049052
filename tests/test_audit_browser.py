"""The audit in Chromium: /audit/ filters by rule and department, and the pages with findings pass axe."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe


def visible_rules(page) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    items = page.locator(".audit-list > li:visible")
    return [(items.nth(i).get_attribute("data-department"), items.nth(i).get_attribute("data-rule"))
            for i in range(items.count())]


def test_audit_filter_by_rule_and_department(page, built_examples: Path,  # type: ignore[no-untyped-def]
                                             serve: Callable[[Path], str]) -> None:
    base = serve(built_examples)
    page.goto(base + "audit/")
    everything = visible_rules(page)
    assert {d for d, _ in everything} == {"chaoyang-justice", "minhang-justice"}
    assert page.locator("#audit-filter").is_visible()
    page.get_by_label("规则", exact=True).select_option("total-weight")
    assert visible_rules(page) == [("chaoyang-justice", "total-weight")]
    assert page.locator("#dept-minhang-justice").is_hidden()
    assert page.get_by_role("status").inner_text() == f"显示 1 / {len(everything)} 处"
    assert page.url.endswith("/audit/?rule=total-weight")
    page.get_by_label("规则", exact=True).select_option("")
    page.get_by_label("部门", exact=True).select_option("minhang-justice")
    shown = visible_rules(page)
    assert shown and {d for d, _ in shown} == {"minhang-justice"}
    assert len(shown) == sum(1 for d, _ in everything if d == "minhang-justice")
    # a filtered view can be linked to
    page.goto(base + "audit/?rule=budget-total&department=minhang-justice")
    assert {r for _, r in visible_rules(page)} == {"budget-total"}


def test_audit_page_without_javascript_lists_everything(browser, built_examples: Path,  # type: ignore[no-untyped-def]
                                                        serve: Callable[[Path], str]) -> None:
    context = browser.new_context(java_script_enabled=False)
    tab = context.new_page()
    tab.goto(serve(built_examples) + "audit/")
    assert tab.locator("#audit-filter").is_hidden()
    assert tab.locator(".audit-list > li:visible").count() == tab.locator(".audit-list > li").count() > 0
    context.close()


def test_a_mark_leads_to_its_finding(page, built_examples: Path,  # type: ignore[no-untyped-def]
                                     serve: Callable[[Path], str]) -> None:
    page.goto(serve(built_examples) + "chaoyang-justice/2022/industry-upgrade-fund-2021/")
    mark = page.locator("table.indicators .total-row .finding-mark").first
    target = mark.get_attribute("href")
    mark.click()
    assert page.url.endswith(target)
    assert "总分值印为100，但资金分值与各指标分值相加为110" in page.locator(target).inner_text()


@pytest.mark.parametrize("path", ["audit/", "chaoyang-justice/2022/industry-upgrade-fund-2021/",
                                  "minhang-justice/budget/2024/"])
def test_no_accessibility_violations_where_findings_show(page, built_examples: Path,  # type: ignore[no-untyped-def]
                                                         serve: Callable[[Path], str], path: str) -> None:
    page.goto(serve(built_examples) + path)
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
