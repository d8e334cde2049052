"""Search in Chromium against built sites on 127.0.0.1: exact results, filters, sorting, keyboard, axe, portals."""

from __future__ import annotations

import functools
import json
import random
import re
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from generator.build import build
from generator.search.records import SearchRecord, fold
from tests.conftest import EXAMPLES, ROOT, MakeSite
from tests.test_search import records_of

Serve = Callable[[Path], str]

# Runs each query as the search page does (its own fold, the sites' indexes loaded by its own code)
# and returns, per query, each result's URL and whether the page's locate() finds the match in it.
EXACT = """async ({script, bundles, queries}) => {
  const search = await import(script);
  const sites = await search.loadSites(bundles);
  const out = [];
  for (const query of queries) {
    const folded = search.fold(query).text;
    const codes = Array.from(folded, (c) => c.codePointAt(0));
    const results = [];
    for (const site of sites) {
      for (const doc of (await site.find(codes)).docs) {
        const [url] = await site.entry(doc);
        results.push([url, search.locate(await site.text(doc), folded) !== null]);
      }
    }
    out.push(results);
  }
  return out;
}"""


def expected(records: Iterable[SearchRecord], query: str) -> set[str]:
    """The reports whose searchable text contains ``query``, as Python folds both."""
    q = fold(query)
    return {url for url, text in searchable(tuple(records)) if q in text}


@functools.cache
def searchable(records: tuple[SearchRecord, ...]) -> list[tuple[str, str]]:
    """Each record's folded segments, one per line (a folded query never holds a line break)."""
    return [(r.url, "\n".join(fold(s) for _, segments in r.fields for s in segments)) for r in records]


def substrings(text: str, longest: int = 4) -> set[str]:
    return {text[i:i + n] for n in range(1, longest + 1) for i in range(len(text) - n + 1)}


def ready(page: Any) -> None:
    """Wait until the script has started (the page's CSP forbids wait_for_function's eval)."""
    expect(page.locator("#search-status")).not_to_have_text("")


def check_exact(page: Any, base: str, records: list[SearchRecord], queries: set[str],
                bundles: list[str] | None = None) -> None:
    """Every query finds exactly the reports that contain it (recall and precision 100%), and the
    page finds the match to mark in each."""
    asked = sorted(q for q in queries if fold(q))
    path = urlsplit(base).path
    answers = page.evaluate(EXACT, {"script": f"{path}static/search.js", "queries": asked,
                                    "bundles": bundles or [f"{path}search/index/"]})
    wrong = []
    for query, results in zip(asked, answers):
        found = {url for url, _ in results}
        want = expected(records, query)
        if found != want or len(results) != len(found) or not all(ok for _, ok in results):
            wrong.append(f"{query!r}: missing {sorted(want - found)}, extra {sorted(found - want)}, "
                         f"unmarked {[u for u, ok in results if not ok]}")
    assert not wrong, f"{len(wrong)} of {len(asked)} queries wrong:\n" + "\n".join(wrong[:20])


def test_every_report_of_content_is_found_by_any_piece_of_its_text(page: Any, built_site: Path,
                                                                   serve: Serve) -> None:
    """Over whatever content/ holds: every name and 1–4 character piece of it, and pieces of the
    departments, indicators and goals."""
    records = records_of(ROOT / "content")
    assert records
    rng = random.Random(0)
    queries: set[str] = set()
    for record in records:
        queries |= {record.title} | substrings(record.title)
        fields = dict(record.fields)
        queries |= set(fields.get("indicators", ())) | set(fields["department"])
        queries |= substrings(fields["department"][0])
        for text in fields.get("goals", ())[:2]:
            start = rng.randrange(len(text))
            queries.add(text[start:start + rng.randint(1, 8)])
    base = serve(built_site)
    page.goto(base + "search/")
    ready(page)
    check_exact(page, base, records, queries)


def names(page: Any) -> list[str]:
    return page.locator("#search-results .result h2 a").all_inner_texts()


def wait_for(page: Any, text: str) -> None:
    """Wait for the status (shown at once) and for the results it counts (the list is busy until then)."""
    expect(page.locator("#search-status")).to_contain_text(text)
    expect(page.locator("#search-results")).not_to_have_attribute("aria-busy", "true")


def test_typing_a_query_shows_the_right_reports_and_only_them(page: Any, built_examples: Path,
                                                              serve: Serve) -> None:
    records = records_of(EXAMPLES)
    page.goto(serve(built_examples) + "search/")
    ready(page)
    page.locator("#search-q").click()
    page.keyboard.type("矫正")
    wait_for(page, "包含“矫正”的报告共 2 个")
    want = {r.title for r in records if r.url in expected(records, "矫正")}
    assert set(names(page)) == want and len(want) == 2
    for result in page.locator("#search-results .result").all():
        assert [fold(m) for m in result.locator("mark").all_inner_texts()] == ["矫正"]
    assert parse_qs(urlsplit(page.url).query)["q"] == ["矫正"]  # the address can be shared


def test_the_match_is_marked_where_it_was_found(page: Any, built_examples: Path, serve: Serve) -> None:
    page.goto(serve(built_examples) + "search/?q=运维制度")
    wait_for(page, "共 1 个")
    passage = page.locator(".result-passage")
    assert passage.locator(".result-field").inner_text() == "绩效指标"
    assert passage.locator("mark").inner_text() == "运维制度"
    assert "系统运维制度健全性" in passage.inner_text()
    page.fill("#search-q", "ＡＢＣ不存在")
    wait_for(page, "没有找到包含“ＡＢＣ不存在”的报告")
    assert names(page) == []


def test_a_search_that_finds_nothing_offers_the_longest_piece_that_does(page: Any, built_examples: Path,
                                                                       serve: Serve) -> None:
    page.goto(serve(built_examples) + "search/?q=矫正工作业务经费调整")
    wait_for(page, "没有找到包含“矫正工作业务经费调整”的报告")
    hint = page.locator("#search-status a")
    expect(hint).to_have_text("试试「矫正工作业务经费」")
    hint.click()
    wait_for(page, "包含“矫正工作业务经费”的报告共 1 个")
    assert names(page) == ["矫正工作业务经费"]
    assert parse_qs(urlsplit(page.url).query)["q"] == ["矫正工作业务经费"]


def test_a_filter_in_the_address_may_be_a_slug(page: Any, built_examples: Path, serve: Serve) -> None:
    page.goto(serve(built_examples) + "search/?q=司法局&department=minhang-justice&kind=self-evaluation")
    wait_for(page, "共 1 个")
    assert names(page) == ["闵行区司法局矫正中心电子定位系统监控室(2022运维)"]
    assert page.locator("#search-department").input_value() == "上海市闵行区司法局"


def options(page: Any, facet: str, shown: list[str]) -> None:
    """The options of a filter are ``shown`` (each value's count comes once the filters are in)."""
    expect(page.locator(f"#search-{facet} option")).to_have_text(shown)


def test_a_filter_narrows_the_results_and_the_counts_follow(page: Any, built_examples: Path,
                                                            serve: Serve) -> None:
    page.goto(serve(built_examples) + "search/?q=司法局")
    wait_for(page, "共 4 个")
    options(page, "department", ["全部部门", "北京市朝阳区司法局（1）", "上海市闵行区司法局（3）"])
    options(page, "year", ["全部年度", "2024（2）", "2022（2）"])
    page.select_option("#search-department", "上海市闵行区司法局")
    wait_for(page, "共 3 个")
    assert "2021年产业转型升级资金" not in names(page)
    options(page, "year", ["全部年度", "2024（2）", "2022（1）"])
    options(page, "department", ["全部部门", "北京市朝阳区司法局（1）", "上海市闵行区司法局（3）"])
    page.select_option("#search-kind", "绩效自评")
    wait_for(page, "共 1 个")
    assert names(page) == ["闵行区司法局矫正中心电子定位系统监控室(2022运维)"]
    query = parse_qs(urlsplit(page.url).query)
    assert query["department"] == ["上海市闵行区司法局"] and query["kind"] == ["绩效自评"]


def keys(records: list[SearchRecord], key: str, reverse: bool) -> list[str]:
    """The titles in the order of ``key``, reports without one last, either way."""
    from decimal import Decimal

    have = sorted([r for r in records if getattr(r, key)], key=lambda r: Decimal(getattr(r, key)), reverse=reverse)
    return [r.title for r in have + [r for r in records if not getattr(r, key)]]


@pytest.mark.parametrize(("sort", "key", "reverse"), [("budget:desc", "budget_key", True),
                                                       ("budget:asc", "budget_key", False)])
def test_sorting_orders_the_results(page: Any, built_examples: Path, serve: Serve, sort: str, key: str,
                                    reverse: bool) -> None:
    records = [r for r in records_of(EXAMPLES) if r.url in expected(records_of(EXAMPLES), "司法局")]
    page.goto(serve(built_examples) + f"search/?q=司法局&sort={sort}")
    wait_for(page, "共 4 个")
    assert names(page) == keys(records, key, reverse)  # the budget without an amount comes last


def test_the_whole_search_works_by_keyboard_alone(page: Any, built_examples: Path, serve: Serve) -> None:
    page.goto(serve(built_examples) + "search/")
    ready(page)

    def tab_to(selector: str) -> None:
        for _ in range(30):
            page.keyboard.press("Tab")
            if page.evaluate("s => document.activeElement.matches(s)", selector):
                return
        pytest.fail(f"Tab never reached {selector}")

    tab_to("#search-q")
    page.keyboard.type("司法局")
    wait_for(page, "共 4 个")
    tab_to("#search-department")
    page.keyboard.press("ArrowDown")  # the first department
    wait_for(page, "共 1 个")
    tab_to("#search-results a")
    target = page.evaluate("document.activeElement.href")
    page.keyboard.press("Enter")
    page.wait_for_url(target)
    assert page.locator("h1").inner_text() == "2021年产业转型升级资金"


@pytest.mark.parametrize("path", ["search/", "search/?q=运维", "search/?q=司法局&year=2024&sort=budget:desc"])
def test_no_accessibility_violations_on_the_search_page(page: Any, built_examples: Path, serve: Serve,
                                                        path: str) -> None:
    page.goto(serve(built_examples) + path)
    ready(page)
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def test_the_search_page_runs_no_webassembly_and_no_eval(page: Any, built_examples: Path, serve: Serve) -> None:
    """The search page's policy is every page's: scripts of the site only, no eval of any kind."""
    page.goto(serve(built_examples) + "search/?q=矫正")
    wait_for(page, "共 2 个")
    policy = page.locator("meta[http-equiv=Content-Security-Policy]").get_attribute("content")
    assert "script-src 'self';" in policy and "eval" not in policy


def test_results_fit_a_360_px_phone(browser: Any, built_examples: Path, serve: Serve) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740})
    tab = context.new_page()
    tab.goto(serve(built_examples) + "search/?q=运维")
    expect(tab.locator(".result mark")).to_have_text("运维")
    assert tab.evaluate("document.documentElement.scrollWidth") <= 360
    context.close()


def test_without_javascript_the_page_says_where_to_go(browser: Any, built_examples: Path, serve: Serve) -> None:
    context = browser.new_context(java_script_enabled=False)
    tab = context.new_page()
    tab.goto(serve(built_examples) + "search/?q=矫正")
    assert tab.locator("#search-nojs").is_visible()
    assert not tab.locator("form.search-form").is_visible()
    assert "搜索需要浏览器运行 JavaScript" in tab.locator("#search-nojs").inner_text()
    tab.locator("#search-nojs").get_by_role("link", name="闵行区司法局").click()
    assert tab.locator("h1").inner_text() == "上海市闵行区司法局"
    context.close()


def test_twenty_results_show_at_a_time(page: Any, make_site: MakeSite, tmp_path: Path, serve: Serve) -> None:
    reports = {f"departments/haidian-justice/projects/2023/p{i:02d}.yaml": PORTAL_REPORT.format(
        name=f"培训项目{i:02d}", budget=f"{1000 + i}.00", goal="培训。") for i in range(25)}
    site = tmp_path / "site"
    build(make_site({"departments/haidian-justice/department.yaml": "name: 北京市海淀区司法局\n", **reports}), site)
    page.goto(serve(site) + "search/?q=培训项目&sort=budget:desc")
    wait_for(page, "共 25 个")
    assert names(page) == [f"培训项目{i:02d}" for i in range(24, 4, -1)]
    page.get_by_role("button", name="显示更多").click()
    expect(page.locator("#search-results .result")).to_have_count(25)
    assert page.evaluate("document.activeElement.textContent") == "培训项目04"  # focus on the first new one
    assert not page.get_by_role("button", name="显示更多").is_visible()


def test_the_page_fetches_its_index_once_by_the_version_it_names(page: Any, built_examples: Path,
                                                                 serve: Serve) -> None:
    """The head is fetched once, anew; every other file once, by the index's version: the query's
    shard, the first results' chunks, and only then the filters, which count the results."""
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(serve(built_examples) + "search/?q=矫正")
    wait_for(page, "共 2 个")
    options(page, "department", ["全部部门", "上海市闵行区司法局（2）"])
    version = json.loads((built_examples / "search" / "index" / "head.json").read_bytes())["version"]
    assert page.locator("#search").get_attribute("data-version") == version
    index = [(urlsplit(u).path.split("/index/")[1], urlsplit(u).query) for u in asked if "/index/" in u]
    assert [query for name, query in index if name == "head.json"] == [""]
    assert all(query == f"v={version}" for name, query in index if name != "head.json")
    assert len({name for name, _ in index}) == len(index)  # each once
    chunks = [i for i, (name, _) in enumerate(index) if name.startswith("c/")]
    assert chunks and [name for name, _ in index].index("columns.bin") > chunks[0]
    assert len([name for name, _ in index if name.startswith("g/")]) == 1  # asked before search.js ran, taken over
    assert names(page)


def test_without_a_query_the_filters_offer_every_report(page: Any, built_examples: Path, serve: Serve) -> None:
    """An empty search shows each filter value's count over all reports: choosing one lists its reports."""
    page.goto(serve(built_examples) + "search/")
    wait_for(page, "输入项目名称")
    options(page, "department", ["全部部门", "北京市朝阳区司法局（1）", "上海市闵行区司法局（3）"])
    page.select_option("#search-department", "北京市朝阳区司法局")
    wait_for(page, "符合筛选条件的报告共 1 个")
    assert names(page) == ["2021年产业转型升级资金"]


def test_a_page_older_than_its_index_still_finds_the_new_reports(page: Any, make_site: MakeSite, tmp_path: Path,
                                                                 serve: Serve) -> None:
    """A search page of an earlier build (a cached copy, or uploaded before the index) names a version
    the head no longer has: the page fetches the index anew, and finds what it holds now."""
    root = make_site({"departments/haidian-justice/department.yaml": "name: 北京市海淀区司法局\n",
                      "departments/haidian-justice/projects/2023/p.yaml": PORTAL_REPORT.format(
                          name="培训项目甲", budget="1000.00", goal="培训。")})
    site = tmp_path / "site"
    build(root, site)
    older = (site / "search" / "index.html").read_bytes()
    edited = root / "departments/haidian-justice/projects/2023/p.yaml"
    edited.write_text(edited.read_text(encoding="utf-8").replace("培训项目甲", "培训项目乙"), encoding="utf-8")
    build(root, site)
    assert (site / "search" / "index.html").read_bytes() != older
    (site / "search" / "index.html").write_bytes(older)
    page.goto(serve(site) + "search/?q=培训项目")
    wait_for(page, "共 1 个")
    assert names(page) == ["培训项目乙"]


PORTAL_REPORT = """\
kind: self-evaluation
year: 2023
name: {name}
department: haidian-justice
implementer: 北京市海淀区司法局
money_unit: 元
funds:
  total: {{initial: {budget}, adjusted: {budget}, executed: {budget}, weight: 10, rate: 1.0000, score: 10}}
goals:
  planned: {goal}
indicators:
  - {{level1: 产出指标, level2: 数量指标, name: 培训人次, target: ">=100", actual: "120", weight: 90, score: 88}}
"""


@pytest.fixture
def portal(make_site: MakeSite, tmp_path: Path) -> tuple[Path, list[SearchRecord]]:
    """Two sites on one host, /a/ (the examples) and /b/ (made up); /a/ searches both."""
    a = tmp_path / "a-content"
    shutil.copytree(EXAMPLES, a)
    site = (a / "site.yaml").read_text(encoding="utf-8")
    (a / "site.yaml").write_text(re.sub(r"(?m)^base_url:.*$", "base_url: /a/\nsearch_merge: [/b/]", site),
                                 encoding="utf-8")
    b = make_site({
        "site.yaml": "title: 海淀区绩效公开\nbase_url: /b/\n",
        "departments/haidian-justice/department.yaml": "name: 北京市海淀区司法局\nshort_name: 海淀区司法局\n",
        "departments/haidian-justice/projects/2023/volunteers.yaml": PORTAL_REPORT.format(
            name="社区矫正志愿者培训经费", budget="1000000.00", goal="组织社区矫正志愿者培训。"),
        "departments/haidian-justice/projects/2023/aid-centre.yaml": PORTAL_REPORT.format(
            name="法律援助中心运维", budget="20000.00", goal="保障法律援助中心系统正常运行。"),
    }, defaults=False)
    root = tmp_path / "host"
    build(a, root / "a")
    build(b, root / "b")
    return root, records_of(a) + records_of(b)


def test_a_portal_searches_two_sites_exactly(page: Any, portal: tuple[Path, list[SearchRecord]],
                                             serve: Serve) -> None:
    root, records = portal
    host = serve(root)
    page.goto(host + "a/search/?q=矫正")
    wait_for(page, "共 3 个")
    assert set(names(page)) == {"矫正工作业务经费", "闵行区司法局矫正中心电子定位系统监控室(2022运维)", "社区矫正志愿者培训经费"}
    assert page.get_by_role("link", name="社区矫正志愿者培训经费").get_attribute("href") == "/b/haidian-justice/2023/volunteers/"
    options(page, "site", ["全部站点", "财政项目绩效公开（2）", "海淀区绩效公开（1）"])
    queries: set[str] = set()
    for record in records:
        queries |= {record.title} | substrings(record.title)
    check_exact(page, host + "a/", records, queries, ["/a/search/index/", "/b/search/index/"])


def test_a_portal_sorts_the_sites_together(page: Any, portal: tuple[Path, list[SearchRecord]],
                                           serve: Serve) -> None:
    root, records = portal
    page.goto(serve(root) + "a/search/?q=司&sort=budget:desc")
    wait_for(page, "共 6 个")
    assert names(page) == keys([r for r in records if r.url in expected(records, "司")], "budget_key", True)
    page.select_option("#search-site", "海淀区绩效公开")
    wait_for(page, "共 2 个")
    assert names(page) == ["社区矫正志愿者培训经费", "法律援助中心运维"]


def test_characters_beyond_the_bmp_and_full_width_forms_are_found(page: Any, make_site: MakeSite, tmp_path: Path,
                                                                   serve: Serve) -> None:
    """Pieces are code points on both sides (a character beyond the BMP is one), folded alike."""
    reports = {"departments/haidian-justice/projects/2023/a.yaml": PORTAL_REPORT.format(
        name="𠮷野家ＡＢＣ运维项目（二期）", budget="1000.00", goal="𠮷字的　系统运维。"),
        "departments/haidian-justice/projects/2023/b.yaml": PORTAL_REPORT.format(
        name="另一个项目", budget="2000.00", goal="无关。")}
    site = tmp_path / "site"
    build(make_site({"departments/haidian-justice/department.yaml": "name: 北京市海淀区司法局\n", **reports}), site)
    records = records_of(make_site({"departments/haidian-justice/department.yaml": "name: 北京市海淀区司法局\n",
                                    **reports}))
    base = serve(site)
    page.goto(base + "search/")
    ready(page)
    check_exact(page, base, records, {"𠮷", "𠮷野", "𠮷野家abc", "野家ａｂｃ运维", "abc运维项目(二期)", "字的系统运维",
                                      "𠮷字的 系统", "另一个", "个项目"})
    page.goto(base + "search/?q=𠮷野家abc运维")
    wait_for(page, "共 1 个")
    expect(page.locator("#search-results mark")).to_have_text(["𠮷野家ＡＢＣ运维"])
