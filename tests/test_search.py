"""The index stage without a browser: folding, records, pieces, the index files and their format."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from generator.build import build
from generator.errors import BuildAborted
from generator.search.grams import Pieces, pack, read_varint, shard_of, unpack, varint
from generator.search.index import CHUNK, FORMAT
from generator.search.postings import decode_piece, decode_places, decode_shard
from generator.search.records import Plain, SearchRecord, fold, plain, search_records
from generator.site import check
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


def test_pieces_are_every_run_of_one_to_four_characters_and_the_4_pieces_stand_where_they_are() -> None:
    grams, fours, places = Pieces().of(["矫正工作", "𠮷野家"])
    assert grams == {"矫", "正", "工", "作", "矫正", "正工", "工作", "矫正工", "正工作",
                     "𠮷", "野", "家", "𠮷野", "野家", "𠮷野家"}  # code points, never half a character
    assert (fours, places) == (["矫正工作"], [0])
    _, fours, places = Pieces().of(["abcde", "fghi", "x" * 65536, "jklm"])  # each segment from a slot of its own
    where = list(zip(fours, places))
    assert where[:3] == [("abcd", 0), ("bcde", 1), ("fghi", 65536)]
    assert where[3] == ("xxxx", 2 * 65536) and where[-1] == ("jklm", 4 * 65536)


def test_the_numbers_of_the_format_read_back() -> None:
    for values in ([], [0], [255, 1], [256, 3], [65536, 7], list(range(1000)), [15, 0, 3]):
        data = pack(values) + b"rest"
        read, end = unpack(data, 0, len(values))
        assert list(read) == values and data[end:] == b"rest"
    assert pack([1, 2, 300]) == b"\x02\x01\x00\x02\x00\x2c\x01"
    assert varint(0) == b"\x00" and varint(127) == b"\x7f" and varint(128) == b"\x80\x01"


def test_shards_are_spread_by_fnv_1a_of_the_code_points() -> None:
    h = 2166136261
    for ch in "矫正":
        h = ((h ^ ord(ch)) * 16777619) % 2**32
    assert shard_of("矫正", 4096) == h % 4096


def test_plain_gives_the_text_readers_see_one_segment_per_block() -> None:
    text = "# 标题\n\n段落**加粗**文字\n第二行\n\n- 列表一\n- 列表二\n\n| 表 | 头 |\n|---|---|\n| 格 | 子 |\n"
    assert plain(text) == ("标题", "段落加粗文字第二行", "列表一", "列表二", "表", "头", "格", "子")
    assert plain("<b>不是标签</b>") == ("<b>不是标签</b>",)


@pytest.mark.parametrize("text", ["一段话。\n", "1. 列表", "- 列表", "# 标题", "  缩进", "    代码", "文字  ", "a &amp; b",
                                  "**粗**", "`代码`", "[链接](x)", "文字\\*", "＃全角", "正文 3 个", "\u3000全角空格\u3000"])
def test_one_line_of_plain_words_is_taken_as_markdown_would_take_it(text: str) -> None:
    fast = Plain()
    slow = Plain()
    slow._plain = slow._parsed  # type: ignore[method-assign]
    assert fast(text) == slow(text)


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
    assert (location.budget_key, location.score_key, location.kind_key) == ("12880.00", "100", "self-evaluation")
    assert (location.url, location.year, location.kind) == (
        "/minhang-justice/2022/correction-location-system/", 2022, "绩效自评")
    declaration = records["minhang-justice/2024/correction-work/"]
    assert (declaration.budget, declaration.score, declaration.score_key) == ("3,588,054.00 元", "", "")
    assert records["chaoyang-justice/2022/industry-upgrade-fund-2021/"].budget == "19.4 万元"  # as printed
    budget = records["minhang-justice/budget/2024/"]
    assert (budget.title, budget.kind, budget.budget_key, budget.score_key) == ("2024年部门预算", "部门预算", "", "")
    assert "公共安全支出" in dict(budget.fields)["text"]


class Tags(HTMLParser):
    """The attributes of every element of a document."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def built(make_site: MakeSite, tmp_path: Path, files: dict[str, str], name: str = "site") -> Path:
    out = tmp_path / name
    build(make_site(files), out)
    return out


def index_files(site: Path) -> dict[str, bytes]:
    folder = site / "search" / "index"
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_index_is_written_into_the_site_and_is_reproducible(make_site: MakeSite, tmp_path: Path) -> None:
    files = {f"departments/test-dept/projects/2023/p{i}.yaml": SELF_EVALUATION.format(name=f"测试项目{i}")
             for i in range(3)}
    root = make_site(files)
    first = index_files(built(make_site, tmp_path, files, "one"))
    out = tmp_path / "two"
    build(root, out, jobs=1)
    assert index_files(out) == first  # the same bytes, whatever --jobs
    head = json.loads(first["head.json"])
    assert head["format"] == FORMAT and head["docs"] == 3 and head["site"] == "测试站点" and head["chunk"] == CHUNK
    length, at = read_varint(first["columns.bin"], 0)
    assert json.loads(first["columns.bin"][at:at + length]) == {  # the filters' values, and the slugs
        "facets": {"department": ["上海市测试局"], "year": ["2023"], "kind": ["绩效自评"], "grade": ["优"]},
        "slugs": {"department": ["test-dept"], "kind": ["self-evaluation"]}}
    chunks = [json.loads(data) for name, data in first.items() if name.startswith("c/")]
    assert len(chunks) == 1  # the reports in the order of their paths, CHUNK a chunk
    assert [e[1] for e in chunks[0]] == ["测试项目0", "测试项目1", "测试项目2"]
    assert chunks[0][1] == ["/test-dept/2023/p1/", "测试项目1", "100.00 元", "100", "上海市测试局", "2023", "绩效自评", "优"]
    shards = {}
    for name, data in first.items():
        if name.startswith("g/"):
            shards.update(decode_shard(data))
    assert decode_piece(shards["测试"])[0] == [0, 1, 2]  # every report, in the name of every one
    assert decode_piece(shards["目1"]) == ([n for n, e in enumerate(e for c in chunks for e in c)
                                           if e[1] == "测试项目1"],) * 2
    places = {}
    for name, data in first.items():
        if name.startswith("p/"):
            places.update(decode_shard(data))
    assert [at for _, at in decode_places(places["测试项目"])] == [0, 0, 0]


def test_the_filters_offer_their_values_in_the_order_the_site_shows_them(built_site: Path) -> None:
    """Departments by slug (as the home page lists them), the latest year first, kinds in the order
    of the content format, grades best first (the not carried out last)."""
    data = (built_site / "search" / "index" / "columns.bin").read_bytes()
    length, at = read_varint(data, 0)
    labels = json.loads(data[at:at + length])
    home = (built_site / "index.html").read_text(encoding="utf-8")
    assert labels["slugs"]["department"] == sorted(labels["slugs"]["department"])
    assert sorted(labels["facets"]["department"], key=lambda d: home.index(f">{d}<")) == labels["facets"]["department"]
    assert labels["facets"]["year"] == sorted(labels["facets"]["year"], reverse=True)
    assert labels["facets"]["kind"] == ["绩效自评", "绩效目标", "部门预算"]
    assert labels["facets"]["grade"] == ["优", "差", "未实施"]


def test_the_search_page_names_the_version_of_its_index(make_site: MakeSite, tmp_path: Path) -> None:
    """The page names the version of its index (its head holds it too), and a new version when a
    report changes."""
    files = {f"departments/test-dept/projects/2023/p{i}.yaml": SELF_EVALUATION.format(name=f"测试项目{i}")
             for i in range(3)}
    root = make_site(files)
    out = tmp_path / "site"

    def named() -> tuple[str, str]:
        page = (out / "search" / "index.html").read_text(encoding="utf-8")
        version = json.loads((out / "search" / "index" / "head.json").read_bytes())["version"]
        found = re.search(r'data-version="(\w*)" data-shards="16 16"', page)  # (the fewest shards)
        assert found is not None
        return found.group(1), version

    build(root, out)
    first = named()
    assert first[0] == first[1]
    edited = root / "departments/test-dept/projects/2023/p1.yaml"
    edited.write_text(edited.read_text(encoding="utf-8").replace("测试项目1", "测试项目一"), encoding="utf-8")
    build(root, out)
    second = named()
    assert second[0] == second[1] != first[1]


def test_a_site_without_reports_names_no_version(make_site: MakeSite, tmp_path: Path) -> None:
    out = built(make_site, tmp_path, {})
    page = (out / "search" / "index.html").read_text(encoding="utf-8")
    assert "data-version" not in page and "data-shards" not in page and "preload" not in page


def test_a_record_s_text_is_data_in_the_index_never_markup(make_site: MakeSite, tmp_path: Path) -> None:
    name = '<img src=x onerror="alert(1)"> & “引号” R&amp;D'
    site = built(make_site, tmp_path, {"departments/test-dept/projects/2023/p.yaml": SELF_EVALUATION.format(
        name=json.dumps(name, ensure_ascii=False))})
    (chunk,) = [json.loads(data) for n, data in index_files(site).items() if n.startswith("c/")]
    (text,) = [json.loads(data) for n, data in index_files(site).items() if n.startswith("t/")]
    assert chunk[0][1] == name and text[0][0] == ["name", [name]]


def test_a_site_without_reports_has_no_index_and_says_so(make_site: MakeSite, tmp_path: Path) -> None:
    site = built(make_site, tmp_path, {})
    assert not (site / "search" / "index").exists()
    page = (site / "search" / "index.html").read_text(encoding="utf-8")
    assert "本站还没有可搜索的报告。" in page
    assert "search.js" not in page


def test_the_search_page_reads_without_javascript(built_examples: Path) -> None:
    parser = Tags()
    page = (built_examples / "search" / "index.html").read_text(encoding="utf-8")
    parser.feed(page)
    attrs: dict[str, dict[str, Any]] = {a["id"] or "": a for _, a in parser.tags if a.get("id")}
    form = next(a for t, a in parser.tags if t == "form" and a.get("class") == "search-form")
    # The form shows from the first paint; a style sheet read only without JavaScript hides it.
    assert "hidden" not in form and "hidden" in attrs["search-nojs"]
    assert '<noscript><link rel="stylesheet" href="/static/search-nojs.css"></noscript>' in page
    assert "搜索需要浏览器运行 JavaScript。" in page
    links = [a["href"] for t, a in parser.tags if t == "a"]
    assert "/minhang-justice/" in links and "/chaoyang-justice/" in links
    assert json.loads(attrs["search"]["data-merge"]) == []
    assert attrs["search"]["data-bundle"] == "/search/index/"


@pytest.mark.parametrize("value", ["//evil.example/", "https://evil.example/", "/a/b", "javascript:x/"])
def test_search_merge_takes_only_paths_on_this_host(make_site: MakeSite, value: str,
                                                    tmp_path: Path) -> None:
    root = make_site({"site.yaml": f"title: 测试站点\nsearch_merge: [{json.dumps(value)}]\n"})
    with pytest.raises(BuildAborted) as caught:
        check(root)
    assert "search_merge[0]" in str(caught.value.errors[0])


@pytest.mark.parametrize(("reports", "bundle", "merge"), [
    (1, "/search/index/", ["/minhang/search/index/", "/chaoyang/search/index/"]),
    (0, "/minhang/search/index/", ["/chaoyang/search/index/"]),  # a portal of its own has no index to load
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


def test_postings_of_many_blocks_read_back() -> None:
    from generator.search.postings import BLOCK, decode_docs, encode_docs, encode_places

    ids = [0, 1, BLOCK - 1, BLOCK, 3 * BLOCK + 5, 3 * BLOCK + 70000]
    data = encode_docs(ids)
    assert decode_docs(data) == (ids, len(data)) and data.count(b"\x00") >= 1
    assert decode_docs(encode_docs([])) == ([], 1)
    reports = [1, 1, BLOCK + 2, 5 * BLOCK]
    positions = [3, 65536 * 7, 0, 12]
    assert decode_places(encode_places(reports, positions)) == list(zip(reports, positions))


def test_the_index_is_the_same_however_many_processes_make_it(make_site: MakeSite, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.search import postings

    monkeypatch.setattr(postings, "BLOCK", 2)  # several batches, and runs, of the examples' few reports
    files = {f"departments/test-dept/projects/2023/p{i}.yaml": SELF_EVALUATION.format(name=f"测试项目{i}")
             for i in range(7)}
    root = make_site(files)
    one, two = tmp_path / "one", tmp_path / "two"
    build(root, one, jobs=1)
    build(root, two, jobs=2)
    assert index_files(one) == index_files(two)
    monkeypatch.setattr(postings, "BLOCK", 1 << 11)
    build(root, tmp_path / "three", jobs=2)
    assert index_files(tmp_path / "three") != index_files(one)  # one run a posting: other bytes
