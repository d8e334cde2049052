"""The search index is made only when its input changed.

Pagefind is real here: tests count the calls of ``Index.bundle`` (which runs it) and read the
titles in the bundle's fragment files.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from generator.build import build
from generator.search import Index
from tests.test_incremental import REPORT, tree

NAME = "闵行区司法局矫正中心电子定位系统监控室(2022运维)"
PAGE = "minhang-justice/2022/correction-location-system/index.html"


def rename(content: Path, new: str) -> None:
    """Give the report REPORT the name ``new``."""
    path = content / REPORT
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[next(i for i, line in enumerate(lines) if line.startswith("name: "))] = f"name: {new}"
    path.write_text("\n".join(lines), encoding="utf-8")


def titles(site: Path) -> set[str]:
    """The titles of the reports in the site's index, read from Pagefind's fragment files."""
    found = set()
    for path in (site / "pagefind" / "fragment").iterdir():
        data = gzip.decompress(path.read_bytes())
        found.add(json.loads(data.removeprefix(b"pagefind_dcd"))["meta"]["title"])
    return found


def inodes(site: Path) -> dict[str, int]:
    return {p.relative_to(site).as_posix(): p.stat().st_ino for p in (site / "pagefind").rglob("*") if p.is_file()}


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many records each Pagefind run indexed, in order."""
    calls: list[int] = []
    original = Index.bundle

    def counting(self: Index, *args: Any) -> dict[str, bytes]:
        calls.append(len(self.records))
        return original(self, *args)

    monkeypatch.setattr(Index, "bundle", counting)
    return calls


def test_an_unchanged_rebuild_keeps_the_index_without_running_pagefind(examples: Path, tmp_path: Path,
                                                                       runs: list[int]) -> None:
    out = tmp_path / "site"
    build(examples, out)
    assert len(runs) == 1
    before = inodes(out)
    again = build(examples, out)  # a new build, as `disclose build` run again: no cache in memory
    assert len(runs) == 1 and inodes(out) == before
    (examples / "templates").mkdir()
    (examples / "templates" / "404.html").write_text("<p>{{ page.title }}</p>\n", encoding="utf-8")
    build(examples, out)  # a template edit: the records are the same
    assert len(runs) == 1 and inodes(out) == before
    assert again.timings["search"] < 1
    build(examples, tmp_path / "other" / "site")  # another output folder has no index to keep
    assert len(runs) == 2


def test_a_changed_name_is_indexed_again(examples: Path, tmp_path: Path, runs: list[int]) -> None:
    out = tmp_path / "site"
    build(examples, out)
    assert NAME in titles(out)
    rename(examples, "社区矫正定位平台")
    build(examples, out)
    assert len(runs) == 2
    assert "社区矫正定位平台" in titles(out) and NAME not in titles(out)
    fresh = build(examples, tmp_path / "fresh" / "site").out
    assert {k: v for k, v in tree(out).items() if k.startswith("pagefind/")} == \
        {k: v for k, v in tree(fresh).items() if k.startswith("pagefind/")}


def test_an_index_not_whole_is_made_again(examples: Path, tmp_path: Path, runs: list[int]) -> None:
    out = tmp_path / "site"
    build(examples, out)
    whole = tree(out)
    fragment = next((out / "pagefind" / "fragment").iterdir())
    fragment.unlink()
    build(examples, out)
    assert len(runs) == 2 and tree(out) == whole
    (out / "pagefind" / "pagefind-entry.json").write_text("{}", encoding="utf-8")  # rewritten in place
    build(examples, out)
    assert len(runs) == 3 and tree(out) == whole
