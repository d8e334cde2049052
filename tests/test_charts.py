"""Charts: build-time SVG whose bars and figures are the content's, accessible and legible at 360 px."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from axe_playwright_python.sync_playwright import Axe
from markupsafe import Markup

from generator.i18n import Msg, translate
from generator.site_pages.charts import Bar, Chart, render_chart
from tests.conftest import EXAMPLES, MakeSite

SE_2022 = EXAMPLES / "departments/minhang-justice/projects/2022/correction-location-system.yaml"
CHART_PAGES = ["", "minhang-justice/2022/", "minhang-justice/2022/correction-location-system/",
               "chaoyang-justice/2022/industry-upgrade-fund-2021/"]


class Figures(HTMLParser):
    """Each <figure class="chart">: its ids, bars (widths), value texts, labels and table cells."""

    def __init__(self) -> None:
        super().__init__()
        self.charts: dict[str, dict[str, list[str]]] = {}
        self.current: dict[str, list[str]] | None = None
        self.where: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "figure" and a.get("class") == "chart":
            self.current = self.charts.setdefault(a["id"] or "", {
                "bars": [], "values": [], "labels": [], "cells": [], "svg": [], "title": [], "desc": []})
        if self.current is None:
            return
        if tag == "svg":
            self.current["svg"].append(repr(sorted(a.items())))
        if tag == "rect" and a.get("class") == "bar":
            self.current["bars"].append(a["width"] or "")
        self.where.append(f"{tag}.{a.get('class', '')}")

    def handle_endtag(self, tag: str) -> None:
        if self.current is not None and tag == "figure":
            self.current = None
        if self.where and self.current is not None:
            self.where.pop()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if self.where:
            self.where.pop()

    def handle_data(self, data: str) -> None:
        if self.current is None or not self.where or not data.strip():
            return
        last = self.where[-1]
        if last == "text.value":
            self.current["values"].append(data)
        elif last == "text.":
            self.current["labels"].append(data)
        elif last in ("td.num",):
            self.current["cells"].append(data)
        elif last in ("title.", "desc."):
            self.current[last[:-1]].append(data)


def charts_of(path: Path) -> dict[str, dict[str, list[str]]]:
    parser = Figures()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.charts


def test_self_evaluation_charts_show_its_funds_and_categories(built_examples: Path) -> None:
    source = yaml.load(SE_2022.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)  # figures as printed
    charts = charts_of(built_examples / "minhang-justice/2022/correction-location-system/index.html")
    funds = charts["chart-funds"]
    total = source["funds"]["total"]
    printed = [f"{Decimal(total[k]):,}" for k in ("initial", "adjusted", "executed")]
    assert funds["values"] == printed == funds["cells"]  # 12,880.00 12,880.00 12,880 as printed
    assert len(set(funds["bars"])) == 1  # equal amounts, equal bars
    sums: dict[str, list[Decimal]] = {}
    for row in source["indicators"]:
        pair = sums.setdefault(row["level1"], [Decimal(0), Decimal(0)])
        pair[0] += Decimal(row["weight"])
        pair[1] += Decimal(row["score"])
    categories = charts["chart-categories"]
    assert categories["labels"][2:] == list(sums)  # after the legend: 分值, 得分
    assert categories["values"] == [str(v) for pair in sums.values() for v in pair]
    widths = [Decimal(w) for w in categories["bars"]]
    figures = [v for pair in sums.values() for v in pair]
    for width, figure in zip(widths, figures):  # bar length is proportional to the figure
        assert abs(width / widths[0] - figure / figures[0]) < Decimal("0.01")


def test_not_applicable_rows_are_left_out_and_wan_yuan_kept_as_printed(built_examples: Path) -> None:
    charts = charts_of(built_examples / "chaoyang-justice/2022/industry-upgrade-fund-2021/index.html")
    assert charts["chart-funds"]["values"] == ["19.4", "19.4", "19.40"]  # 万元, digits as printed
    assert charts["chart-categories"]["values"] == ["60", "60", "25", "25", "15", "15"]


def test_year_and_overview_charts_match_the_summaries(built_examples: Path) -> None:
    year = charts_of(built_examples / "minhang-justice/2022/index.html")
    assert year["chart-projects"]["labels"][2:] == ["闵行区司法局矫正中心电子定位系统监控室(2022运维)"]
    assert year["chart-projects"]["values"] == ["12,880.00", "12,880.00"]
    assert year["chart-grades"]["labels"] == ["优", "良", "中", "差"]
    assert year["chart-grades"]["values"] == ["1", "0", "0", "0"]
    assert len(year["chart-grades"]["bars"]) == 1  # no bar is drawn for zero
    overview = charts_of(built_examples / "index.html")["chart-totals"]
    assert overview["labels"][2:] == ["朝阳区司法局 2022年", "闵行区司法局 2022年"]
    assert overview["values"] == ["194,000.00", "194,000.00", "12,880.00", "12,880.00"]


def test_every_chart_is_labelled_and_described(built_examples: Path) -> None:
    for path in CHART_PAGES:
        for ident, chart in charts_of(built_examples / path / "index.html").items():
            svg = chart["svg"][0]
            assert "('role', 'img')" in svg and f"('aria-labelledby', '{ident}-title')" in svg, ident
            assert f"('aria-describedby', '{ident}-desc')" in svg and "('viewbox', '0 0 360" in svg
            assert chart["title"] and chart["desc"], ident
            assert "style" not in svg  # the CSP forbids style attributes


def test_many_projects_show_the_largest_and_say_so(make_site: MakeSite, tmp_path: Path) -> None:
    from generator.build import build

    files = {}
    for n in range(30):
        files[f"departments/test-dept/projects/2023/p{n:02d}.yaml"] = (
            f"kind: self-evaluation\nyear: 2023\nname: 项目{n:02d}\ndepartment: test-dept\nmoney_unit: 元\n"
            f"funds:\n  total: {{adjusted: {1000 + n}, executed: {900 + n}}}\n")
    build(make_site(files), tmp_path / "out")
    chart = charts_of(tmp_path / "out/test-dept/2023/index.html")["chart-projects"]
    assert chart["labels"][2:5] == ["项目29", "项目28", "项目27"]  # largest budget first
    assert len(chart["labels"]) - 2 == 25 and len(chart["cells"]) == 50
    html = (tmp_path / "out/test-dept/2023/index.html").read_text(encoding="utf-8")
    assert "只画出预算最大的25个项目" in html


def test_text_is_escaped_and_translated() -> None:
    chart = Chart("chart-x", Msg("各项目全年预算数与全年执行数"), "<desc>", Msg("项目名称"),
                  (Msg("全年预算数"),), Msg("元"), (('<script>alert(1)</script>"&', (Bar(Decimal(5), "5"),)),))
    catalogue = {"元": "yuan", "{name}（{unit}）": "{name} ({unit})"}
    out = render_chart(chart, lambda text, **values: translate(catalogue, text, values))
    assert isinstance(out, Markup)
    assert "<script>" not in out and "&lt;script&gt;alert(1)&lt;/script&gt;&#34;&amp;" in out
    assert "&lt;desc&gt;" in out and '<th scope="col" class="num">全年预算数 (yuan)</th>' in out


def test_long_labels_are_cut_to_fit_but_whole_in_the_table() -> None:
    name = "很长的项目名称" * 10
    chart = Chart("c", "t", "d", "k", ("s",), "", ((name, (Bar(Decimal(1), "1"),)),))
    out = render_chart(chart, lambda text, **values: text)
    label = re.search(r'<text x="4" y="\d+" font-size="14" fill="#1a1a1a">([^<]*)</text>', out)
    assert label and label.group(1).endswith("…") and len(label.group(1)) < len(name)
    assert f'<th scope="row">{name}</th>' in out


@pytest.mark.parametrize("path", CHART_PAGES)
def test_pages_with_charts_have_no_accessibility_violations(page, built_examples: Path,
                                                            serve: Callable[[Path], str], path: str) -> None:
    page.goto(serve(built_examples) + path)
    page.locator("details.chart-data summary").first.click()  # the data table too
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


@pytest.mark.parametrize("path", CHART_PAGES)
def test_charts_are_legible_at_360_px(browser, built_examples: Path, serve: Callable[[Path], str],
                                      path: str, tmp_path: Path) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740})
    tab = context.new_page()
    tab.goto(serve(built_examples) + path)
    assert tab.evaluate("document.documentElement.scrollWidth") <= 360
    for figure in tab.locator("figure.chart").all():
        box = figure.locator("svg").bounding_box()
        assert box and 300 <= box["width"] <= 360
        # the smallest text drawn, in CSS pixels on the phone's screen
        smallest = figure.evaluate(
            "f => Math.min(...[...f.querySelectorAll('svg text')].map(t => t.getBoundingClientRect().height))")
        assert smallest >= 10.5
        figure.screenshot(path=str(tmp_path / "chart.png"))  # renders without error
    context.close()
