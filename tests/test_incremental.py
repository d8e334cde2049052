"""Fast builds stay correct: the parse cache, both cores, unchanged files kept, the quiet progress bar.

Timing is measured by bench/build_bench.py, not here: these tests check that the fast
paths give exactly what the plain ones give.
"""

from __future__ import annotations

import io
import os
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from generator import stamps
from generator.build import build
from generator.content import load
from generator.downloads.tables import SITE_FILES
from generator.errors import BuildAborted
from generator.output import parallel
from generator.output.write import MARKER, Output
from generator.progress import Progress
from generator.stamps import cache_folder
from generator.store import Store

REPORT = "departments/minhang-justice/projects/2022/correction-location-system.yaml"


def tree(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` by relative path, with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def edit(content: Path) -> None:
    """Change one figure of one report: the funds weight 10 printed as 10.5."""
    path = content / REPORT
    text = path.read_text(encoding="utf-8")
    assert text.count("weight: 10, rate:") == 1
    path.write_text(text.replace("weight: 10, rate:", "weight: 10.5, rate:"), encoding="utf-8")


def serving(examples: Path, tmp_path: Path) -> tuple[Path, Store]:
    """The examples built once with a cache kept in memory between builds, as ``disclose serve`` keeps it."""
    out = tmp_path / "site"
    cache = Store(cache_folder(out), resident=True)
    build(examples, out, store=cache)
    return out, cache


def _marks(node: yaml.Node) -> list[tuple[int, int]]:
    """Line and column of ``node`` and of every value below it, as PyYAML's pure parser marks them."""
    children: list[yaml.Node] = []
    if isinstance(node, yaml.MappingNode):
        children = [value for _, value in node.value]
    elif isinstance(node, yaml.SequenceNode):
        children = list(node.value)
    return [(node.start_mark.line + 1, node.start_mark.column + 1), *(m for c in children for m in _marks(c))]


def test_libyaml_parse_gives_pure_pyyaml_positions(examples: Path) -> None:
    for path in sorted(examples.rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        _, positions = load.parse_yaml(text)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        values = [where for loc, where in positions.items() if not loc or loc[-1] != load.KEY]
        assert node is not None and sorted(values) == sorted(_marks(node)), path


def test_cache_parses_only_what_changed(examples: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stamps, "RACY_NS", 0)  # the files were just written: known by their stats at once
    out = tmp_path / "site"
    every = sorted(p.relative_to(examples).as_posix() for p in examples.rglob("*") if p.is_file())
    assert sorted(build(examples, out).recomputed["parsed"]) == every
    # each build a new Store, as a new process has: only the records on disk are shared
    kept = build(examples, out)
    assert kept.kept and not any(kept.recomputed.values())  # nothing read changed, nor the site
    os.utime(out / "index.html")  # the site changed by hand: built again, from the Store's records
    again = build(examples, out).recomputed
    # the reports' models made again from their records, not validated again: the other files are
    reports = [p for p in every if "/projects/" in p or "/budget-" in p]
    assert reports and again["parsed"] == [] and again["audited"] == []
    assert again["validated"] == [p for p in every if p not in reports]
    edit(examples)
    changed = build(examples, out).recomputed
    assert changed["parsed"] == [REPORT]
    assert changed["audited"] == ["minhang-justice/2022/correction-location-system/"]
    page = (out / "minhang-justice/2022/correction-location-system/index.html").read_text(encoding="utf-8")
    assert "10.5" in page


def test_a_build_reads_only_the_content_files_changed_since_the_last(examples: Path, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "site"
    every = sorted(p.relative_to(examples).as_posix() for p in examples.rglob("*") if p.is_file())
    # files changed just before a build read them are read again by the next (their stats could
    # stay the same through a second change within one tick of the file system's clock)
    assert sorted(build(examples, out).recomputed["hashed"]) == every
    assert sorted(build(examples, out).recomputed["hashed"]) == every
    monkeypatch.setattr(stamps, "RACY_NS", 0)  # as if they had been written long before
    build(examples, out)
    assert build(examples, out).recomputed["hashed"] == []
    # an edit that keeps the file's size and puts its modification time back is still seen
    page = out / "minhang-justice/2022/correction-location-system/index.html"
    shown = page.read_bytes()
    path = examples / REPORT
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("weight: 10, rate:", "weight: 11, rate:"), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size and path.stat().st_mtime_ns == before.st_mtime_ns
    rebuilt = build(examples, out)
    assert rebuilt.recomputed["hashed"] == [REPORT] and rebuilt.recomputed["parsed"] == [REPORT]
    build(examples, tmp_path / "fresh")
    assert page.read_bytes() != shown and tree(out) == tree(tmp_path / "fresh")
    # a damaged note is no note: every file read again
    for noted in cache_folder(out).glob("stats-*.json"):
        noted.write_text("[not a note", encoding="utf-8")
    assert sorted(build(examples, out).recomputed["hashed"]) == every


def test_serve_reads_only_the_content_files_changed_since_its_last_build(examples: Path, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    out, cache = serving(examples, tmp_path)
    assert len(build(examples, out, store=cache).recomputed["hashed"]) > 5  # just written: read again
    monkeypatch.setattr(stamps, "RACY_NS", 0)
    build(examples, out, store=cache)
    assert build(examples, out, store=cache).recomputed["hashed"] == []
    edit(examples)
    rebuilt = build(examples, out, store=cache)
    assert rebuilt.recomputed["hashed"] == [REPORT] and rebuilt.recomputed["parsed"] == [REPORT]
    assert "10.5" in (out / "minhang-justice/2022/correction-location-system/index.html").read_text(encoding="utf-8")


def _theme_file(examples: Path, out: Path) -> None:
    (examples / "templates").mkdir()
    (examples / "templates" / "note.html").write_text("<p>x</p>", encoding="utf-8")


# What a build reads or left that, changed, makes the next build run (the others keep the site).
CHANGES = {
    "a content file": lambda examples, out: edit(examples),
    "a file removed": lambda examples, out: (examples / "pages" / "about.md").unlink(),
    "a template": _theme_file,
    "a page of the site edited": lambda examples, out: (out / "index.html").write_text("x", encoding="utf-8"),
    "a file of the site removed": lambda examples, out: (out / "sitemap.xml").unlink(),
    "a file added to the site": lambda examples, out: (out / "extra.html").write_text("x", encoding="utf-8"),
}


def test_a_build_with_nothing_changed_keeps_the_site_and_says_so(
        examples: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stamps, "RACY_NS", 0)
    out = tmp_path / "site"
    first = build(examples, out)
    before = tree(out)
    kept = build(examples, out)
    assert kept.kept and not any(kept.recomputed.values()) and tree(out) == before
    assert [str(f) for f in kept.findings] == [str(f) for f in first.findings] != []
    assert kept.warnings() == first.warnings() == [str(f) for f in first.findings]  # what the command prints
    assert [f.anchor for f in kept.findings] == [f.anchor for f in first.findings]
    assert kept.summary().startswith(f"nothing changed since the last build: kept its {first.pages} pages")
    with pytest.raises(BuildAborted):  # --strict still fails on the findings, every time
        build(examples, out, strict=True)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # the workbooks' dates change
    assert not build(examples, out).kept


def test_a_build_note_with_damaged_findings_is_no_note(examples: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stamps, "RACY_NS", 0)
    out = tmp_path / "site"
    first = build(examples, out)
    note = stamps.read_note(out, "build")
    stamps.write_note(out, "build", {**note, "warnings": [*note["warnings"][:-1], 7]})
    again = build(examples, out)
    assert not again.kept and again.warnings() == first.warnings()  # built, and noted again
    assert build(examples, out).kept


@pytest.mark.parametrize("change", CHANGES)
def test_a_build_runs_when_what_it_reads_or_left_changed(examples: Path, tmp_path: Path, change: str) -> None:
    out = tmp_path / "site"
    build(examples, out)
    assert build(examples, out).kept
    CHANGES[change](examples, out)
    again = build(examples, out)
    assert not again.kept
    fresh = tmp_path / "fresh"
    build(examples, fresh)
    assert tree(out) == tree(fresh)  # what it made is what a first build makes of the same content


def test_a_reverted_edit_comes_from_the_cache_and_a_broken_file_is_never_cached(
        examples: Path, tmp_path: Path) -> None:
    out, cache = serving(examples, tmp_path)
    original = (examples / REPORT).read_text(encoding="utf-8")
    (examples / REPORT).write_text(original + "funds: [\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(BuildAborted):
            build(examples, out, store=cache)
        assert cache.parsed == [REPORT]  # parsed afresh each time, to report its error again
    (examples / REPORT).write_text(original, encoding="utf-8")
    build(examples, out, store=cache)
    assert cache.parsed == []


def test_serve_validates_only_the_edited_file(examples: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    cache = Store(cache_folder(out), resident=True)  # one Store for every build, as disclose serve keeps it
    assert len(build(examples, out, store=cache).recomputed["validated"]) > 5
    edit(examples)
    rebuilt = build(examples, out, store=cache).recomputed
    assert rebuilt["parsed"] == rebuilt["validated"] == [REPORT]
    assert rebuilt["audited"] == ["minhang-justice/2022/correction-location-system/"]
    models = {doc.rel: cache.models[key] for key, doc in cache.memory.items()}
    assert models[REPORT].funds.total.weight == Decimal("10.5")


def test_serve_renders_again_only_the_pages_whose_view_changed(examples: Path, tmp_path: Path) -> None:
    out, cache = serving(examples, tmp_path)
    assert build(examples, out, store=cache).recomputed["rendered"] == []  # nothing changed: every page kept
    edit(examples)
    rebuilt = build(examples, out, store=cache)
    rendered = rebuilt.recomputed["rendered"]
    assert "minhang-justice/2022/correction-location-system/index.html" in rendered
    assert "chaoyang-justice/2022/industry-upgrade-fund-2021/index.html" not in rendered
    assert tree(rebuilt.out) == tree(build(examples, tmp_path / "fresh" / "site").out)
    (examples / "templates").mkdir()
    (examples / "templates" / "404.html").write_text("<p>{{ page.title }}</p>\n", encoding="utf-8")
    again = build(examples, out, store=cache)
    pages = [rel for rel in again.recomputed["rendered"] if rel.endswith(".html")]
    assert len(pages) == again.pages  # a template changed: every page is rendered again


def reports(views: list[str]) -> list[str]:
    """The report pages (not the budget's, nor a department's) among ``views``, by the report's path."""
    return [rel.removesuffix("index.html") for rel in views if "/budget/" not in rel and rel.count("/") == 3]


# The pages an edit of REPORT makes views of: its department's, its department's of that year, its own.
EDITED = ["minhang-justice/index.html", "minhang-justice/2022/index.html",
          "minhang-justice/2022/correction-location-system/index.html"]


def test_serve_makes_no_view_of_a_report_page_whose_inputs_are_the_same(examples: Path, tmp_path: Path) -> None:
    out, cache = serving(examples, tmp_path)
    assert build(examples, out, store=cache).recomputed["views"] == []
    edit(examples)
    rebuilt = build(examples, out, store=cache)
    assert rebuilt.recomputed["views"] == EDITED
    assert tree(rebuilt.out) == tree(build(examples, tmp_path / "fresh" / "site").out)
    site = examples / "site.yaml"
    site.write_text(site.read_text(encoding="utf-8").replace("base_url: /", "base_url: /budget/", 1),
                    encoding="utf-8")
    again = build(examples, out, store=cache)
    assert len(reports(again.recomputed["views"])) == 3  # the site's settings changed: every report page made again


def test_serve_removes_the_files_of_a_removed_report_from_what_it_committed(examples: Path, tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.output import write

    out, cache = serving(examples, tmp_path)
    assert cache.files is not None and "minhang-justice/2022/correction-location-system/index.html" in cache.files
    (examples / REPORT).unlink()
    listed = write._files

    def staged_only(root: str) -> set[str]:  # serve knows the files it committed: no walk of the site
        assert ".disclose-tmp-" in root
        return listed(root)

    monkeypatch.setattr(write, "_files", staged_only)
    rebuilt = build(examples, out, store=cache)
    monkeypatch.undo()
    assert tree(rebuilt.out) == tree(build(examples, tmp_path / "fresh" / "site").out)
    assert not (out / "minhang-justice/2022/correction-location-system").exists()


def test_serve_after_a_build_makes_only_the_view_of_the_edited_report(examples: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build(examples, out)  # disclose build, then disclose serve on its site: pages kept by their digests
    cache = Store(cache_folder(out), resident=True)
    # (but the audit page, made of parts, whose parts serve keeps for its rebuilds: see below)
    assert build(examples, out, store=cache).recomputed["views"] == ["audit/index.html"]
    edit(examples)
    rebuilt = build(examples, out, store=cache)
    assert rebuilt.recomputed["views"] == EDITED


def test_a_second_build_makes_only_the_report_pages_whose_inputs_changed(examples: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build(examples, out)  # as separate runs of disclose build: nothing kept in memory
    edit(examples)
    rebuilt = build(examples, out)
    assert rebuilt.recomputed["views"] == EDITED
    assert tree(rebuilt.out) == tree(build(examples, tmp_path / "fresh" / "site").out)
    page = out / "chaoyang-justice/2022/industry-upgrade-fund-2021/index.html"
    good = page.read_bytes()
    page.write_bytes(good.replace(b"</main>", b"<p>tampered</p></main>"))  # a file not as noted
    again = build(examples, out)
    assert again.recomputed["views"] == ["chaoyang-justice/2022/industry-upgrade-fund-2021/index.html"]
    assert page.read_bytes() == good
    (examples / "templates").mkdir()
    (examples / "templates" / "404.html").write_text("<p>{{ page.title }}</p>\n", encoding="utf-8")
    assert len(reports(build(examples, out).recomputed["views"])) == 3  # a template changed: every report page


def test_parallel_and_serial_builds_are_byte_identical(examples: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "MIN_PARALLEL", 1)  # fork even for the few pages of the examples
    serial = build(examples, tmp_path / "serial" / "site", jobs=1)
    forked = build(examples, tmp_path / "forked" / "site", jobs=2)
    assert serial.pages > 10
    assert tree(serial.out) == tree(forked.out)


def test_a_rebuild_after_one_edit_equals_a_full_build(examples: Path, tmp_path: Path) -> None:
    out, cache = serving(examples, tmp_path)
    kept = {rel: (out / rel).stat().st_ino for rel in tree(out)}
    edit(examples)
    rebuilt = build(examples, out, store=cache)
    full = build(examples, tmp_path / "fresh" / "site")
    assert tree(rebuilt.out) == tree(full.out)
    # only the files whose bytes changed were written; every other one is the previous file
    written = sorted(rel for rel in tree(out) if kept.get(rel) != (out / rel).stat().st_ino)
    assert rebuilt.changed == len(written) - 1  # the marker file is always new
    assert "minhang-justice/2022/correction-location-system/index.html" in written
    assert "index.html" not in written and "chaoyang-justice/index.html" not in written


def test_serve_encodes_only_the_edited_department_for_the_downloads(examples: Path, tmp_path: Path) -> None:
    out, cache = serving(examples, tmp_path)
    again = build(examples, out, store=cache).recomputed
    assert again["encoded"] == [] and again["laid"] == []  # nothing changed: every download kept
    edit(examples)
    rebuilt = build(examples, out, store=cache)
    # the reports stream through the downloads a department at a time: the edited one's
    assert sorted(rebuilt.recomputed["encoded"]) == ["minhang-justice/2022/correction-location-system/",
                                                     "minhang-justice/2024/correction-work/",
                                                     "minhang-justice/budget/2024/"]
    laid = rebuilt.recomputed["laid"]
    assert "minhang-justice/minhang-justice.csv" in laid and "chaoyang-justice/chaoyang-justice.csv" not in laid
    assert "data/reports.xlsx" in laid
    assert tree(rebuilt.out) == tree(build(examples, tmp_path / "fresh" / "site").out)
    messages = examples.parent / "themes" / "default" / "messages"  # the project's own theme folder
    messages.mkdir(parents=True)
    (messages / "zh-CN.yaml").write_text("是: 对\n", encoding="utf-8")
    encoded = build(examples, out, store=cache).recomputed["encoded"]
    assert len(encoded) == 4  # an interface string changed: every report encoded again


def test_serve_links_the_downloads_it_kept_without_reading_them(examples: Path, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    out, cache = serving(examples, tmp_path)
    compared: list[str] = []
    put = Output.put

    def counting(self: Output, target: str, data: bytes) -> bool:
        if target.endswith((".csv", ".xlsx", ".json")):
            compared.append(Path(target).relative_to(self.tmp).as_posix())
        return put(self, target, data)

    monkeypatch.setattr(Output, "put", counting)
    edit(examples)
    rebuilt = build(examples, out, store=cache)
    assert "minhang-justice/minhang-justice.csv" in compared and "data/reports.xlsx" in rebuilt.recomputed["laid"]
    assert "chaoyang-justice/chaoyang-justice.csv" not in compared  # unchanged: linked as it was
    assert tree(rebuilt.out) == tree(build(examples, tmp_path / "fresh" / "site").out)


def test_a_failed_rebuild_leaves_the_linked_site_as_it_was(examples: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build(examples, out)
    before = tree(out)
    inodes = {rel: (out / rel).stat().st_ino for rel in before}
    (examples / REPORT).write_text("kind: self-evaluation\nyear: [\n", encoding="utf-8")
    with pytest.raises(BuildAborted):
        build(examples, out)
    assert tree(out) == before
    assert {rel: (out / rel).stat().st_ino for rel in before} == inodes
    assert all(os.stat(out / rel).st_nlink == 1 for rel in before)  # no temporary folder holds them


def test_an_edit_updates_the_site_in_place_touching_only_the_files_it_changes(examples: Path,
                                                                              tmp_path: Path) -> None:
    out = tmp_path / "site"
    build(examples, out)
    old = tree(out)
    stats = {rel: (out / rel).stat() for rel in old}
    (out / "stray.html").write_text("not made by disclose", encoding="utf-8")
    (out / "old" / "deep").mkdir(parents=True)
    (out / "old" / "deep" / "page.html").write_text("left by an earlier build", encoding="utf-8")
    edit(examples)
    report = build(examples, out)
    new = tree(out)
    assert new == tree(build(examples, tmp_path / "fresh").out)  # what a first build makes, nothing else
    assert not (out / "old").exists()  # the folders left empty go too
    touched = {rel for rel, was in stats.items() if rel != MARKER
               and ((out / rel).stat().st_ino, (out / rel).stat().st_mtime_ns) != (was.st_ino, was.st_mtime_ns)}
    laid = {f"data/{name}" for name in SITE_FILES}  # laid out bit by bit, so written whenever a share changed
    assert touched - laid == {rel for rel in old if rel != MARKER and new[rel] != old[rel]} - laid  # the rest as it was
    assert "minhang-justice/2022/correction-location-system/index.html" in touched and len(touched) < 20
    assert report.changed == len(touched)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".disclose-tmp")]


def test_a_commit_cut_short_is_finished_by_the_next_build(examples: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.output import write

    out = tmp_path / "site"
    build(examples, out)
    edit(examples)
    real = os.replace
    moved: list[str] = []

    def killed(source: str, target: str) -> None:  # the kill falls after the journal and one file
        if ".disclose-tmp-" in str(source):
            if len(moved) == 2:
                raise KeyboardInterrupt
            moved.append(str(target))
        real(source, target)

    monkeypatch.setattr(write.os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        build(examples, out)
    monkeypatch.setattr(write.os, "replace", real)
    (left,) = tmp_path.glob(".disclose-tmp-site-*")  # its journal kept, for the next build
    assert (left / ".disclose-journal").is_file()
    Output(out).abort()  # any build into the folder first finishes the commit
    assert not left.exists()
    assert tree(out) == tree(build(examples, tmp_path / "fresh").out)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _drive(progress: Progress) -> None:
    with progress:
        progress.step("pages", 3)
        for _ in range(3):
            progress.advance()


def test_progress_bar_is_silent_when_not_on_a_terminal() -> None:
    pipe = io.StringIO()
    _drive(Progress(pipe, delay=0))
    assert pipe.getvalue() == ""
    terminal = _Terminal()
    _drive(Progress(terminal, delay=0))  # the same steps on a terminal draw a bar
    assert "pages" in terminal.getvalue()


def test_progress_bar_waits_before_drawing() -> None:
    terminal = _Terminal()
    _drive(Progress(terminal, delay=60))
    assert terminal.getvalue() == ""


def test_command_line_build_prints_only_its_summary_when_piped(examples: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    run = subprocess.run([sys.executable, "-m", "generator", "build", "--content", str(examples),
                          "--out", str(tmp_path / "site")], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1])
    assert run.stdout.startswith("built ") and run.stdout.count("\n") == 1
    assert "━" not in run.stderr and "\x1b[" not in run.stderr  # no bar, no terminal codes


def test_page_digests_are_the_same_in_every_process(examples: Path, tmp_path: Path) -> None:
    import json
    import subprocess
    import sys

    notes = []
    for seed in ("1", "2"):  # string hashing, and so set order, differs between the two processes
        run = subprocess.run([sys.executable, "-m", "generator", "build", "--content", str(examples),
                              "--out", str(tmp_path / "site")], capture_output=True, check=True, text=True,
                             cwd=Path(__file__).resolve().parents[1], env={**os.environ, "PYTHONHASHSEED": seed})
        assert run.stdout.startswith("built ")  # made, not kept
        note = json.loads((tmp_path / ".disclose-cache" / "pages-site.json").read_text(encoding="utf-8"))
        notes.append({rel: digest for rel, (digest, *_) in note.items()})
        os.utime(tmp_path / "site" / "index.html")  # the site not as left: the next build runs, digests and all
    # the report pages and the budget page, the two departments' pages and their three of a year,
    # the audit's
    assert len(notes[0]) == 10 and "audit/index.html" in notes[0] and notes[0] == notes[1]


def _inner(item: int) -> int:
    return item + int(parallel.state())


def _outer(item: int) -> list[int]:
    mine = parallel.state()
    inner = parallel.run(_inner, [1, 2], 2, 100)  # serial inside a worker, with its own state
    return [mine, *inner, parallel.state()]


def test_a_run_inside_a_run_keeps_the_outer_state(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "MIN_PARALLEL", 1)
    for jobs in (1, 2):
        assert parallel.run(_outer, [0, 1, 2], jobs, 7) == [[7, 101, 102, 7]] * 3


def test_a_department_whose_files_are_not_all_in_the_previous_site_is_made_again(examples: Path,
                                                                                 tmp_path: Path) -> None:
    out = tmp_path / "site"
    build(examples, out)
    (out / "minhang-justice" / "2024" / "minhang-justice-2024.xlsx").unlink()  # gone by hand
    (out / "data" / "reports.json").unlink()
    rebuilt = build(examples, out)
    assert "minhang-justice/minhang-justice.csv" in rebuilt.recomputed["laid"]
    assert "data/reports.json" in rebuilt.recomputed["laid"]
    assert "chaoyang-justice/chaoyang-justice.csv" not in rebuilt.recomputed["laid"]
    assert tree(rebuilt.out) == tree(build(examples, tmp_path / "fresh" / "site").out)


def test_the_reports_are_audited_once_as_they_are_loaded(examples: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.audit import rules

    judged: list[int] = []
    monkeypatch.setattr(rules, "_judge", lambda index: judged.append(index))  # the audit's own pass
    report = build(examples, tmp_path / "site")
    assert judged == [] and len(report.recomputed["audited"]) == 4  # each audited by the worker that loaded it


def test_serve_keeps_the_records_of_the_files_there_are_and_no_others(examples: Path, tmp_path: Path) -> None:
    """Each rebuild deletes the records of files edited or removed since (without walking the
    Store's folder), and writes the audit's memo only when its results changed."""
    out, cache = serving(examples, tmp_path)

    def records() -> set[str]:
        return {p.stem for p in cache.folder.rglob("*.json")}

    assert records() == cache.used and len(records()) > 5
    memo = cache.audits.path
    written = memo.stat().st_mtime_ns
    os.utime(memo, ns=(1, 1))
    build(examples, out, store=cache)  # nothing changed: the memo is not written again
    assert memo.stat().st_mtime_ns == 1 and written != 1
    before = records()
    edit(examples)
    (examples / "departments/chaoyang-justice/projects/2022/industry-upgrade-fund-2021.yaml").unlink()
    build(examples, out, store=cache)
    assert records() == cache.used and len(before - records()) == 2 and len(records() - before) == 1
    assert memo.stat().st_mtime_ns != 1
    fresh = Store(cache_folder(out))  # a new process finds the same records and memo
    assert fresh.audits.get(next(iter(cache.audits.known or {}))) is not None


@pytest.mark.parametrize("damage", ["truncated", "longer", "head"])
def test_a_damaged_share_of_the_downloads_is_made_again(examples: Path, tmp_path: Path, damage: str) -> None:
    """A department's share in the Store that is not whole is made again from its reports; the
    whole site's files equal a fresh build's, their data package's sizes and hashes included."""
    out = tmp_path / "site"
    build(examples, out)
    shares = sorted((cache_folder(out) / "downloads").iterdir())
    assert len(shares) == 2
    for share in shares:
        data = share.read_bytes()
        share.write_bytes({"truncated": data[:-3], "longer": data + b"x", "head": b"{" + data}[damage])
    edit(examples)  # one department changed; the other's share is damaged
    rebuilt = build(examples, out)
    assert len(rebuilt.recomputed["encoded"]) == 4  # every department made again
    assert tree(out) == tree(build(examples, tmp_path / "fresh" / "site").out)


def test_a_build_after_serve_keeps_the_pages_serve_noted(examples: Path, tmp_path: Path) -> None:
    """serve notes each page's digest for a later ``disclose build``, taking the note of the pages
    it kept by their inputs from its last build's; that build then makes no view of them."""
    out, cache = serving(examples, tmp_path)
    edit(examples)
    assert build(examples, out, store=cache).recomputed["views"] == EDITED
    assert build(examples, out, store=cache).recomputed["views"] == []  # (noted as the last build's)
    after = build(examples, out)  # a new process: the note on disk is all it knows
    assert after.recomputed["views"] == [] and reports(after.recomputed["rendered"]) == []
    assert tree(after.out) == tree(build(examples, tmp_path / "fresh" / "site").out)


def test_the_audit_page_is_made_again_only_when_what_it_lists_changed(examples: Path, tmp_path: Path) -> None:
    """The audit page is planned with its inputs (the findings, the names of their reports, the
    target outcomes, the departments' files): an edit that changes none of them keeps it without
    making its view, one that changes a finding makes it again."""
    out, cache = serving(examples, tmp_path)
    before = build(examples, out, store=cache)
    path = examples / REPORT
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("implementer: 上海市闵行区司法局", "implementer: 上海市闵行区司法局矫正中心"),
                    encoding="utf-8")
    quiet = build(examples, out, store=cache)
    assert quiet.findings == before.findings and "audit/index.html" not in quiet.recomputed["views"]
    assert EDITED[0] in quiet.recomputed["views"]
    text = path.read_text(encoding="utf-8")  # the rows of the funds no longer add up: a finding
    path.write_text(text.replace("adjusted: 12880, executed: 12880}", "adjusted: 12880, executed: 12000}"),
                    encoding="utf-8")
    loud = build(examples, out, store=cache)
    assert len(loud.findings) > len(before.findings)
    assert "audit/index.html" in loud.recomputed["views"] and "audit/index.html" in loud.recomputed["rendered"]
    assert tree(out) == tree(build(examples, tmp_path / "fresh" / "site").out)


def test_serve_puts_the_audit_page_together_from_the_parts_it_kept(examples: Path, tmp_path: Path) -> None:
    """The audit page is a part a department: after an edit that keeps the page (its parts kept
    meanwhile), then one that changes a department's findings, serve renders that department's
    part only, and the page is the one a fresh build makes."""
    out, cache = serving(examples, tmp_path)
    before = dict(cache.parts)
    assert len(before) == 2  # a part a department with findings
    path = examples / REPORT
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("implementer: 上海市闵行区司法局", "implementer: 上海市闵行区司法局矫正中心"),
                    encoding="utf-8")
    quiet = build(examples, out, store=cache)
    assert "audit/index.html" not in quiet.recomputed["views"] and quiet.recomputed["parts"] == []
    assert cache.parts == before  # kept while no page of parts is made
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("adjusted: 12880, executed: 12880}", "adjusted: 12880, executed: 12000}"),
                    encoding="utf-8")
    loud = build(examples, out, store=cache)
    assert len(loud.recomputed["parts"]) == 1 and "audit/index.html" in loud.recomputed["rendered"]
    assert len(cache.parts) == 2 and len(set(cache.parts) - set(before)) == 1
    assert tree(out) == tree(build(examples, tmp_path / "fresh" / "site").out)


def test_serve_over_a_built_site_makes_its_audit_page_once_to_keep_its_parts(examples: Path,
                                                                             tmp_path: Path) -> None:
    """serve started over a site `disclose build` made finds its pages there, but makes the audit
    page, so it has the departments' parts at hand: the first edit that changes a finding
    renders one part, not every department's."""
    out = tmp_path / "site"
    build(examples, out)
    cache = Store(cache_folder(out), resident=True)
    first = build(examples, out, store=cache)
    assert len(first.recomputed["parts"]) == 2 and first.changed == 0  # made, but the same bytes
    path = examples / REPORT
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("adjusted: 12880, executed: 12880}", "adjusted: 12880, executed: 12000}"),
                    encoding="utf-8")
    assert len(build(examples, out, store=cache).recomputed["parts"]) == 1
