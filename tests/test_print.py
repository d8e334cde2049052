"""Print: a self-evaluation prints on A4 like the official form (Chromium's print to PDF, read with pypdf)."""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pypdf
import pytest
import yaml

from generator.build import build
from tests.conftest import EXAMPLES, MakeSite

A4 = (Decimal(595), Decimal(842))  # points
SELF_EVALUATIONS = ["minhang-justice/2022/correction-location-system",
                    "chaoyang-justice/2022/industry-upgrade-fund-2021"]


def printed(page, url: str) -> pypdf.PdfReader:  # type: ignore[no-untyped-def]
    page.goto(url)
    return pypdf.PdfReader(io.BytesIO(page.pdf(format="A4", prefer_css_page_size=True)))


def text_of(pdf: pypdf.PdfReader) -> str:
    """The PDF's text; NFKC folds the Kangxi radicals some CJK fonts map their glyphs to."""
    return unicodedata.normalize("NFKC", "\n".join(p.extract_text() for p in pdf.pages))


@pytest.mark.parametrize("path", SELF_EVALUATIONS)
def test_self_evaluation_prints_as_the_form(page, built_examples: Path, serve: Callable[[Path], str],
                                            path: str) -> None:
    dept, year, slug = path.split("/")
    source = yaml.load((EXAMPLES / "departments" / dept / "projects" / year / f"{slug}.yaml").read_text(
        encoding="utf-8"), Loader=yaml.BaseLoader)
    pdf = printed(page, serve(built_examples) + path + "/")
    assert 1 <= len(pdf.pages) <= 2
    for sheet in pdf.pages:
        size = (Decimal(str(sheet.mediabox.width)), Decimal(str(sheet.mediabox.height)))
        assert all(abs(a - b) < 1 for a, b in zip(size, A4)), size
    text = text_of(pdf)
    words = "".join(text.split())  # table cells wrap over lines in print
    assert "财政项目支出绩效自评表" in text and "".join(source["name"].split()) in words
    for row in source["indicators"]:
        if "name" in row:
            assert "".join(row["name"].split()) in words, row["name"]
    total = source["funds"]["total"]
    shown = f"{Decimal(total['adjusted']):,}"  # as the page prints it, e.g. 12,880.00 or 19.4
    assert shown in text
    assert f"总分{source['total']['score']}" in words
    # the screen's extras stay off the paper: navigation, search box, charts, download links
    for absent in ("跳到正文", "搜索项目", "图表", "全部数据（JSON）"):
        assert absent not in text, absent


def test_long_forms_repeat_their_table_header(page, make_site: MakeSite, tmp_path: Path,
                                              serve: Callable[[Path], str]) -> None:
    rows = "\n".join(f"  - {{level1: 产出指标, level2: 数量指标, name: 第{n}项指标的名称比较长需要换行显示, "
                     f"target: '>=90%', actual: '95%', weight: 2, score: 2}}" for n in range(45))
    root = make_site({"departments/test-dept/projects/2023/long.yaml":
                      "kind: self-evaluation\nyear: 2023\nname: 长表项目\ndepartment: test-dept\nmoney_unit: 元\n"
                      f"funds:\n  total: {{adjusted: 100, executed: 90, weight: 10, rate: 0.9, score: 9}}\n"
                      f"indicators:\n{rows}\n"})
    build(root, tmp_path / "out")
    pdf = printed(page, serve(tmp_path / "out") + "test-dept/2023/long/")
    assert len(pdf.pages) >= 2
    for sheet in pdf.pages:  # the header on every sheet the table's rows are on
        text = unicodedata.normalize("NFKC", sheet.extract_text())
        assert "三级指标" in text or "项指标的名称" not in "".join(text.split())
    assert "第44项指标" in text_of(pdf)


def test_year_page_prints_its_charts(page, built_examples: Path, serve: Callable[[Path], str]) -> None:
    pdf = printed(page, serve(built_examples) + "minhang-justice/2022/")
    text = text_of(pdf)
    assert "各项目全年预算数与全年执行数" in text and "自评等级分布" in text
    assert text.count("12,880.00") >= 2  # the bars' figures are text in the PDF, not pixels
    assert "图表数据" not in text  # the data table's toggle is for screens


def long_form(goals: int, rows: int = 45) -> str:
    """A self-evaluation whose goals take ``goals`` lines, so its indicator table starts lower on page 1."""
    items = "\n".join(f"  - {{level1: 产出指标, level2: 数量指标, name: 第{n}项指标的名称比较长需要换行显示, "
                      f"target: '>=90%', actual: '95%', weight: 2, score: 2}}" for n in range(rows))
    planned = "\\n\\n".join(f"第{n}段预期目标。" for n in range(goals))
    return ("kind: self-evaluation\nyear: 2023\nname: 长表项目\ndepartment: test-dept\nmoney_unit: 元\n"
            "funds:\n  total: {adjusted: 100, executed: 90, weight: 10, rate: 0.9, score: 9}\n"
            f'goals: {{planned: "{planned}", achieved: 完成}}\n'
            f"indicators:\n{items}\ntotal: {{weight: 100, score: 99}}\n")


def test_total_prints_once_and_no_page_ends_with_a_bare_header(page, make_site: MakeSite, tmp_path: Path,
                                                                  serve: Callable[[Path], str]) -> None:
    # the table starts at several heights on page 1, down to its very bottom
    files: dict[str, str | bytes] = {f"departments/test-dept/projects/2023/long-{g}.yaml":
                                     long_form(g).replace("name: 长表项目", f"name: 长表项目{g}") for g in range(8, 24, 3)}
    build(make_site(files), tmp_path / "out")
    base = serve(tmp_path / "out")
    for g in range(8, 24, 3):
        pdf = printed(page, f"{base}test-dept/2023/long-{g}/")
        sheets = [unicodedata.normalize("NFKC", s.extract_text()) for s in pdf.pages]
        words = ["".join(s.split()) for s in sheets]
        # 总分 closes the table once, on its last sheet: a tfoot would repeat it on every page
        assert sum(w.count("总分10099") for w in words) == 1, (g, [w.count("总分") for w in words])
        assert "总分10099" in words[-1] or "总分10099" in "".join(words[-2:]), g
        for n, w in enumerate(words):
            if "偏差原因分析及改进措施" in w:  # the indicator table's header: never alone on its page
                assert "项指标的名称" in w, (g, n, sheets[n][-200:])
            if "预期目标实际完成情况" in w:  # nor the goals' header
                assert "段预期目标" in w, (g, n, sheets[n][-200:])
        assert "第44项指标" in "".join(words)
