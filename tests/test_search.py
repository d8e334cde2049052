"""The index stage without a browser: folding, tokens, records, the index-only documents, the bundle."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from generator.errors import BuildAborted
from generator.search.pagefind import SearchRecord, document, fold, plain, search_records, tokens
from generator.site import build, check
from generator.site_pages.render import Renderer, theme_dirs
from tests.conftest import MakeSite

SELF_EVALUATION = """\
kind: self-evaluation
year: 2023
name: {name}
department: test-dept
money_unit: 元
funds:
  total: {{initial: 100.00, adjusted: 100.00, executed: 100.00, weight: 10, rate: 1.0000, score: 10}}
indicators:
  - {{level1: 产出指标, level2: 数量指标, name: 完成率, target: "=100%", actual: "100%", weight: 90, score: 90}}
"""


def records_of(root: Path) -> list[SearchRecord]:
    """The records a build of ``root`` indexes, made the way the build makes them."""
    content, _ = check(root)
    renderer = Renderer(theme_dirs(root, content.site.theme), content.site)
    return search_records(content, renderer.message)


def test_fold_makes_what_readers_type_equal_to_what_reports_print() -> None:
    assert fold("（特邀）调解 ＡＢ\u3000c\n") == "(特邀)调解abc"
    assert fold("２０２２运维") == "2022运维"
    assert fold("Σ") == fold("σ") == "σ"


@pytest.mark.parametrize("text", ["矫正工作业务经费", "ﬁ㈠Σς e\u0301", "闵行区 人民法院（特 约调解）", "𠮷野家"])
def test_fold_works_character_by_character(text: str) -> None:
    """So a substring of a text folds to a substring of the folded text: no query can miss."""
    assert fold(text) == "".join(fold(ch) for ch in text)
    for i in range(len(text)):
        for j in range(i + 1, len(text) + 1):
            assert fold(text[i:j]) in fold(text)


def test_tokens_pair_each_unit_with_the_next_and_the_last_with_an_end_mark() -> None:
    pair = tokens("矫正")
    assert len(pair) == 2 and all(len(t) == 9 and t.startswith("z") and t.isalpha() for t in pair)
    assert pair[0][5:] == pair[1][1:5]  # 正 ends the first pair and starts the second
    assert pair[1].endswith("bbbb")  # the end mark
    assert tokens("Ｘ") == tokens("x")
    assert len(tokens("𠮷")) == 2  # a character beyond the BMP is two UTF-16 units, as in JavaScript
    assert tokens(" \n") == []


def test_plain_gives_the_text_readers_see_one_segment_per_block() -> None:
    text = "# 标题\n\n段落**加粗**文字\n第二行\n\n- 列表一\n- 列表二\n\n| 表 | 头 |\n|---|---|\n| 格 | 子 |\n"
    assert plain(text) == ("标题", "段落加粗文字第二行", "列表一", "列表二", "表", "头", "格", "子")
    assert plain("<b>不是标签</b>") == ("<b>不是标签</b>",)


def test_records_of_the_examples(examples: Path) -> None:
    records = {r.path: r for r in records_of(examples)}
    location = records["minhang-justice/2022/correction-location-system/"]
    fields = dict(location.fields)
    assert fields["name"] == ("闵行区司法局矫正中心电子定位系统监控室(2022运维)",)
    assert fields["department"] == ("上海市闵行区司法局",)  # the short name is part of the full name
    assert fields["implementer"] == ("上海市闵行区司法局",)
    assert fields["indicators"][0] == "系统软件运维完成率" and len(fields["indicators"]) == 8
    assert fields["goals"][0].startswith("在维护期内，提供有关软件的技术支持")
    assert (location.budget, location.score, location.grade) == ("12,880.00 元", "100", "优")
    assert (location.budget_key, location.score_key) == ("12880.00", "100")
    assert (location.url, location.year, location.kind) == (
        "/minhang-justice/2022/correction-location-system/", 2022, "绩效自评")
    declaration = records["minhang-justice/2024/correction-work/"]
    assert (declaration.budget, declaration.score, declaration.score_key) == ("3,588,054.00 元", "", "-1")
    assert records["chaoyang-justice/2022/industry-upgrade-fund-2021/"].budget == "19.4 万元"  # as printed
    budget = records["minhang-justice/budget/2024/"]
    assert (budget.title, budget.kind, budget.budget_key, budget.score_key) == ("2024年部门预算", "部门预算", "-1", "-1")
    assert "公共安全支出" in dict(budget.fields)["text"]
    assert all(r.budget_key and r.score_key for r in records.values())  # no report drops out of a sort


class Tags(HTMLParser):
    """The attributes of every element of a document."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_documents_carry_text_as_attribute_data_never_markup() -> None:
    name = '<img src=x onerror="alert(1)"> & “引号” R&amp;D'
    record = SearchRecord("d/2023/x/", "/d/2023/x/", name, "测试局", 2023, "绩效自评", "", "", "", "-1", "-1",
                          "站点", (("name", (name,)),))
    parser = Tags()
    parser.feed(document(record))
    values = {a["data-pagefind-meta"]: a["data-value"] for t, a in parser.tags if "data-pagefind-meta" in a}
    assert values["title[data-value]"] == name
    assert json.loads(values["fields[data-value]"] or "") == {"name": [name]}
    assert not [t for t, _ in parser.tags if t == "img"]
    sorts = [a["data-pagefind-sort"] for _, a in parser.tags if "data-pagefind-sort" in a]
    assert sorts == ["budget[data-value]", "score[data-value]"]


def built(make_site: MakeSite, tmp_path: Path, files: dict[str, str], name: str = "site") -> Path:
    out = tmp_path / name
    build(make_site(files), out)
    return out


def bundle(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted((site / "pagefind").rglob("*"))
            if p.is_file()}


def test_the_bundle_is_written_into_the_site_and_is_reproducible(make_site: MakeSite, tmp_path: Path) -> None:
    files = {f"departments/test-dept/projects/2023/p{i}.yaml": SELF_EVALUATION.format(name=f"测试项目{i}")
             for i in range(3)}
    first = bundle(built(make_site, tmp_path, files, "one"))
    second = bundle(built(make_site, tmp_path, files, "two"))
    assert first == second
    names = set(first)
    assert {"pagefind/pagefind.js", "pagefind/pagefind-worker.js", "pagefind/pagefind-entry.json"} <= names
    assert sum(n.startswith("pagefind/fragment/") for n in names) == 3
    assert not [n for n in names if "-ui" in n or "highlight" in n]  # Pagefind's own interfaces stay out
    entry = json.loads(first["pagefind/pagefind-entry.json"])
    assert list(entry["languages"]) == ["zh-cn"]


def test_a_site_without_reports_has_no_index_and_says_so(make_site: MakeSite, tmp_path: Path) -> None:
    site = built(make_site, tmp_path, {})
    assert not (site / "pagefind").exists()
    page = (site / "search" / "index.html").read_text(encoding="utf-8")
    assert "本站还没有可搜索的报告。" in page
    assert "search.js" not in page


def test_the_search_page_reads_without_javascript(built_examples: Path) -> None:
    parser = Tags()
    page = (built_examples / "search" / "index.html").read_text(encoding="utf-8")
    parser.feed(page)
    attrs: dict[str, dict[str, Any]] = {a["id"] or "": a for _, a in parser.tags if a.get("id")}
    form = next(a for t, a in parser.tags if t == "form" and a.get("class") == "search-form")
    assert "hidden" in form and "hidden" not in attrs["search-nojs"]  # the script shows the form
    assert "搜索需要浏览器运行 JavaScript。" in page
    links = [a["href"] for t, a in parser.tags if t == "a"]
    assert "/minhang-justice/" in links and "/chaoyang-justice/" in links
    assert json.loads(attrs["search"]["data-merge"]) == []
    assert attrs["search"]["data-bundle"] == "/pagefind/"


@pytest.mark.parametrize("value", ["//evil.example/", "https://evil.example/", "/a/b", "javascript:x/"])
def test_search_merge_takes_only_paths_on_this_host(make_site: MakeSite, value: str,
                                                    tmp_path: Path) -> None:
    root = make_site({"site.yaml": f"title: 测试站点\nsearch_merge: [{json.dumps(value)}]\n"})
    with pytest.raises(BuildAborted) as caught:
        check(root)
    assert "search_merge[0]" in str(caught.value.errors[0])


@pytest.mark.parametrize(("reports", "bundle", "merge"), [
    (1, "/pagefind/", ["/minhang/pagefind/", "/chaoyang/pagefind/"]),
    (0, "/minhang/pagefind/", ["/chaoyang/pagefind/"]),  # a portal of its own has no index to load
])
def test_search_merge_names_the_other_bundles(make_site: MakeSite, tmp_path: Path, reports: int, bundle: str,
                                              merge: list[str]) -> None:
    files = {"site.yaml": "title: 门户\nsearch_merge: [/minhang/, /chaoyang/]\n"}
    files.update({"departments/test-dept/projects/2023/p.yaml": SELF_EVALUATION.format(name="测试项目")}
                 if reports else {})
    page = (built(make_site, tmp_path, files) / "search" / "index.html").read_text(encoding="utf-8")
    parser = Tags()
    parser.feed(page)
    root = next(a for _, a in parser.tags if a.get("id") == "search")
    assert (root["data-bundle"], json.loads(root["data-merge"] or "")) == (bundle, merge)
    assert "search.js" in page
