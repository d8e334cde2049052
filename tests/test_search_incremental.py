"""The search index is updated in place: an edit rewrites only the files it touches, with the
bytes a fresh build writes, and serve commits the new index with the new pages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from generator.build import build
from generator.search.grams import Pieces, shard_of
from generator.search.index import CHUNK, FOLDER, layout
from generator.search.postings import decode_piece, decode_shard
from generator.search.records import fold
from generator.serve import Site
from tests.test_incremental import REPORT, tree

NAME = "闵行区司法局矫正中心电子定位系统监控室(2022运维)"
PATH = "minhang-justice/2022/correction-location-system/"
PAGE = PATH + "index.html"


def rename(content: Path, new: str) -> None:
    """Give the report REPORT the name ``new``."""
    path = content / REPORT
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[next(i for i, line in enumerate(lines) if line.startswith("name: "))] = f"name: {new}"
    path.write_text("\n".join(lines), encoding="utf-8")


def index(site: Path) -> dict[str, bytes]:
    return {k.removeprefix(FOLDER + "/"): v for k, v in tree(site).items() if k.startswith(FOLDER + "/")}


def inodes(site: Path) -> dict[str, int]:
    folder = site / FOLDER
    return {p.relative_to(folder).as_posix(): p.stat().st_ino for p in folder.rglob("*") if p.is_file()}


def holding(site: Path, text: str) -> set[str]:
    """The URLs of the reports whose name holds ``text`` (up to four characters), read from the index."""
    piece = fold(text)
    head = json.loads((site / FOLDER / "head.json").read_bytes())
    shard = site / FOLDER / "g" / f"{shard_of(piece, head['grams']):03x}.bin"
    postings = decode_shard(shard.read_bytes()) if shard.exists() else {}
    names = decode_piece(postings[piece])[1] if piece in postings else []
    entries = [e for c in sorted((site / FOLDER / "c").iterdir(), key=lambda p: int(p.stem, 16))
               for e in json.loads(c.read_bytes())]
    return {entries[n][0] for n in names}


def test_an_unchanged_rebuild_keeps_every_file_of_the_index(examples: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build(examples, out)
    before = inodes(out)
    build(examples, out)  # a new build, as `disclose build` run again: nothing kept in memory
    assert inodes(out) == before


def test_a_name_edit_rewrites_only_the_files_it_touches(examples: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    first = build(examples, out)
    before = inodes(out)
    rename(examples, "社区矫正定位平台")
    build(examples, out)
    changed = {name for name, inode in inodes(out).items() if before.get(name) != inode}
    # What the edit touches: the report's chunk, the shards of the pieces of the old name and not
    # the new or the reverse (as a piece of the text or of the name), the 4-pieces that moved, and
    # the state the next build reads, and the head (which names the index's version). The columns and
    # the sort keys are the same bytes.
    _, gshards, pshards = layout(json.loads((out / FOLDER / "head.json").read_bytes())["docs"])
    urls = [e[0] for c in sorted((out / FOLDER / "c").iterdir()) for e in json.loads(c.read_bytes())]
    assert urls == sorted(urls)  # the reports in the order of their paths, CHUNK a chunk
    chunk = next(n for n, url in enumerate(urls) if url.endswith(PATH)) // CHUNK
    old, new = Pieces()(fold(NAME)), Pieces()(fold("社区矫正定位平台"))
    expected = {f"c/{chunk:03x}.json", f"t/{chunk:03x}.json", "state.json", "head.json"}
    expected |= {f"g/{shard_of(g, gshards):03x}.bin" for g in old[0] ^ new[0]}
    expected |= {f"p/{shard_of(g, pshards):03x}.bin" for g in set(old[1]) | set(new[1])}
    assert changed <= expected and f"c/{chunk:03x}.json" in changed
    assert "columns.bin" not in changed and "sort.bin" not in changed
    assert set(inodes(out)) - expected - {"sort.bin"} <= set(before) - changed  # everything else left as it was
    assert first.out == out
    assert index(out) == index(build(examples, tmp_path / "fresh" / "site").out)  # as a fresh build writes it
    assert "/" + PATH in holding(out, "定位平台") and "/" + PATH not in holding(out, "电子定位")


def test_adding_a_report_writes_the_index_whole_with_the_bytes_of_a_fresh_build(examples: Path,
                                                                                 tmp_path: Path) -> None:
    out = tmp_path / "site"
    build(examples, out)
    copy = examples / REPORT.replace("correction-location-system", "copy")
    copy.write_text((examples / REPORT).read_text(encoding="utf-8"), encoding="utf-8")
    build(examples, out)
    assert index(out) == index(build(examples, tmp_path / "fresh" / "site").out)
    copy.unlink()
    build(examples, out)
    assert index(out) == index(build(examples, tmp_path / "fresh2" / "site").out)


@pytest.mark.parametrize("damage", ["delete a shard", "add a file", "rewrite the state"])
def test_an_index_not_whole_is_written_again(examples: Path, tmp_path: Path, damage: str) -> None:
    out = tmp_path / "site"
    build(examples, out)
    whole = index(out)
    folder = out / FOLDER
    if damage == "delete a shard":
        next((folder / "g").iterdir()).unlink()
    elif damage == "add a file":
        (folder / "c" / "fff.json").write_text("[]", encoding="utf-8")
    else:
        (folder / "state.json").write_text("{}", encoding="utf-8")
    rename(examples, "社区矫正定位平台")
    build(examples, out)
    rename(examples, NAME)
    build(examples, out)
    assert index(out) == whole


def test_serve_commits_the_new_index_with_the_new_pages(examples: Path, tmp_path: Path, page: Any,
                                                         serve: Any) -> None:
    """Edit a report's name under serve and search for the new name at once."""
    out = tmp_path / "site"
    site = Site(examples, out)
    site.first()
    base = serve(out)
    page.goto(base + "search/?q=定位平台")
    expect(page.locator("#search-status")).to_contain_text("没有找到包含“定位平台”的报告", timeout=30_000)
    rename(examples, "社区矫正定位平台")
    report = site.rebuild()
    assert report is not None
    assert "社区矫正定位平台" in (out / PAGE).read_text(encoding="utf-8")
    page.goto(base + "search/?q=定位平台")
    expect(page.locator("#search-results .result h2 a")).to_have_text(["社区矫正定位平台"], timeout=30_000)
    expect(page.locator("#search-results mark")).to_have_text(["定位平台"])
    assert index(out) == index(build(examples, tmp_path / "fresh" / "site").out)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".disclose-tmp")]


def test_a_failing_build_leaves_the_previous_index(examples: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build(examples, out)
    whole = index(out)
    rename(examples, "社区矫正定位平台")
    (examples / "templates").mkdir()
    (examples / "templates" / "404.html").write_text("{{ page.no_such_field }}\n", encoding="utf-8")
    with pytest.raises(Exception, match="no_such_field"):
        build(examples, out)
    assert index(out) == whole
    assert not list(tmp_path.glob(".disclose-tmp-*"))


def test_serve_makes_the_search_record_of_the_edited_report_only(examples: Path, tmp_path: Path) -> None:
    """serve keeps each report's search record while its file, its department's, the settings and
    the interface texts are the same; the index then equals a fresh build's."""
    from tests.test_incremental import serving

    out, cache = serving(examples, tmp_path)
    assert build(examples, out, store=cache).recomputed["recorded"] == []
    rename(examples, "社区矫正定位平台")
    assert build(examples, out, store=cache).recomputed["recorded"] == [PATH]
    assert "/" + PATH in holding(out, "定位平台")
    site = examples / "site.yaml"
    site.write_text(site.read_text(encoding="utf-8").replace("language: zh-CN", "language: en")
                    if "language:" in site.read_text(encoding="utf-8")
                    else site.read_text(encoding="utf-8") + "language: en\n", encoding="utf-8")
    again = build(examples, out, store=cache).recomputed["recorded"]
    reports = json.loads((out / FOLDER / "head.json").read_bytes())["docs"]
    assert len(again) == reports > 1 and PATH in again  # the settings changed: every record made again
    assert index(out) == index(build(examples, tmp_path / "fresh" / "site").out)
