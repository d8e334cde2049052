"""The search index is made only when its input changed, and serve makes it after the pages.

Pagefind is real here: tests count the calls of ``Index.start`` (which starts it) and read the
titles in the bundle's fragment files.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from generator.search import pagefind as search
from generator.search.pagefind import Bundling, Index
from generator.serve import Site
from generator.site import build
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
    original = Index.start

    def counting(self: Index, *args: Any) -> Bundling:
        calls.append(len(self.records))
        return original(self, *args)

    monkeypatch.setattr(Index, "start", counting)
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
    note = tmp_path / ".disclose-cache" / "search-index-site.json"
    files = json.loads(note.read_text(encoding="utf-8"))
    files["files"]["../index.html"] = files["files"].pop("pagefind.js")
    note.write_text(json.dumps(files), encoding="utf-8")  # a damaged note is not trusted
    build(examples, out)
    assert len(runs) == 4 and tree(out) == whole


def test_serve_swaps_in_the_pages_first_and_the_index_after(examples: Path, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "site"
    site = Site(examples, out)
    site.first()
    rename(examples, "社区矫正定位平台")
    with site.lock:  # the index job cannot swap its index in while the test looks
        report = site.rebuild()
        assert report is not None and report.unindexed is not None
        assert "社区矫正定位平台" in (out / PAGE).read_text(encoding="utf-8")
        assert NAME in titles(out) and "社区矫正定位平台" not in titles(out)  # the previous index, whole
    site.wait()
    assert "社区矫正定位平台" in titles(out) and NAME not in titles(out)
    assert tree(out) == tree(build(examples, tmp_path / "fresh" / "site").out)
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith("built ") and printed[0].endswith("; updating the search index")
    assert printed[1].startswith("search index updated in ")
    assert not [p for p in out.iterdir() if p.name.startswith(".disclose-tmp")]
    assert not list(tmp_path.glob(".disclose-old-*"))  # the previous sites, removed in the background
    site.rebuild()  # nothing changed: no job
    assert site.job is None


def test_in_serve_a_newer_edit_during_indexing_wins(examples: Path, tmp_path: Path, runs: list[int]) -> None:
    out = tmp_path / "site"
    site = Site(examples, out)
    site.first()
    with site.lock:  # so the first edit's job, however fast, swaps nothing in before the second edit
        rename(examples, "第一次改名")
        site.rebuild()
        first = site.job
        rename(examples, "第二次改名")
        site.rebuild()
        assert first is not None and first.cancelled and site.job is not first
    site.wait()
    first.thread.join()
    assert "第二次改名" in titles(out) and "第一次改名" not in titles(out)
    assert tree(out) == tree(build(examples, tmp_path / "fresh" / "site").out)
    with site.lock:
        rename(examples, "第三次改名")
        site.rebuild()
        third = site.job
        rename(examples, "第二次改名")  # back to what the index holds: no index to make
        site.rebuild()
        assert third is not None and third.cancelled and site.job is None
    third.thread.join()
    assert "第二次改名" in titles(out) and "第三次改名" not in titles(out)


def test_in_serve_a_failed_index_job_says_so_and_serving_goes_on(
        examples: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "site"
    site = Site(examples, out)
    site.first()
    broken = tmp_path / "pagefind"
    broken.write_text("#!/bin/sh\necho 'out of memory' >&2\nexit 3\n", encoding="utf-8")
    broken.chmod(0o755)
    monkeypatch.setattr(search, "get_executable", lambda: str(broken))
    before = tree(out)
    rename(examples, "社区矫正定位平台")
    assert site.rebuild() is not None
    site.wait()
    err = capsys.readouterr().err
    assert err == "disclose: pagefind failed to index the site: out of memory; the search index was not updated\n"
    assert "社区矫正定位平台" in (out / PAGE).read_text(encoding="utf-8")
    assert {k: v for k, v in tree(out).items() if k.startswith("pagefind/")} == \
        {k: v for k, v in before.items() if k.startswith("pagefind/")}
    monkeypatch.undo()  # Pagefind again
    (examples / REPORT).write_text((examples / REPORT).read_text(encoding="utf-8") + "\n", encoding="utf-8")
    site.rebuild()  # the next rebuild tries again
    site.wait()
    assert "社区矫正定位平台" in titles(out)


def test_a_build_failing_while_pagefind_runs_stops_it_and_leaves_nothing(
        examples: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[Bundling] = []
    original = Index.start

    def keeping(self: Index, *args: Any) -> Bundling:
        started.append(original(self, *args))
        return started[-1]

    monkeypatch.setattr(Index, "start", keeping)
    (examples / "templates").mkdir()
    (examples / "templates" / "404.html").write_text("{{ page.no_such_field }}\n", encoding="utf-8")
    with pytest.raises(Exception, match="no_such_field"):
        build(examples, tmp_path / "site")
    assert len(started) == 1  # Pagefind was at work beside the pages when the template failed
    bundling = started[0]
    assert bundling.process.returncode is not None  # stopped and reaped, not left running
    assert not Path(bundling.scratch.name).exists()  # its scratch folder removed
    assert not (tmp_path / "site").exists() and not list(tmp_path.glob(".disclose-tmp-*"))
