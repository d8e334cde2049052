"""The orchestrator: content folder in, complete site out.

Contract: ``check(content)`` runs load → validate → audit and returns the
valid content with its findings, or raises :class:`BuildAborted` with every
error. ``build(content, out)`` then aggregates, renders, exports, indexes and
writes, swapping the new site in only when all of it succeeded. Files are
parsed once (:mod:`generator.store`), pages are rendered on every core
(:mod:`generator.site_pages.pages`), only changed files are written, and the search
index is updated in place (:mod:`generator.search.index`).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from generator.aggregate import aggregate
from generator.audit.rules import Finding, Findings, audit
from generator.audit.view import findings_json
from generator.content.load import load_content
from generator.content.validate import Content, validate
from generator.downloads.export import sitemap
from generator.downloads.tables import data_files
from generator.errors import BuildAborted, ContentError
from generator.output import parallel
from generator.output.write import Output, check_target
from generator.progress import Progress
from generator.search.index import write_index
from generator.search.records import search_records
from generator.site_pages.context import page_plan
from generator.site_pages.pages import Unchanged, held_pages, note_pages, page_tasks, write_all
from generator.site_pages.render import Renderer, theme_dirs
from generator.store import ParseCache, cache_folder


@dataclass(frozen=True)
class BuildReport:
    """What a build did: pages, files (and how many were written, not kept), findings and seconds."""

    pages: int
    files: int
    changed: int
    findings: list[Finding]
    seconds: float
    out: Path
    sources: tuple[Path, ...]  # folders the build read: content and theme, for serve to watch
    timings: dict[str, float] = field(default_factory=dict)  # seconds per step, for bench/
    # after build(later=True): what removes the previous site
    clear_previous: Callable[[], None] | None = None

    def summary(self) -> str:
        return (f"built {self.pages} pages ({self.files} files, {self.changed} changed) with "
                f"{len(self.findings)} findings in {self.seconds:.2f} s into {self.out}")


def check(root: Path, strict: bool = False, cache: ParseCache | None = None,
          jobs: int = 1) -> tuple[Content, Findings]:
    """Load, validate and audit ``root``; raise BuildAborted on errors (and findings if strict)."""
    loaded = load_content(root, cache.load_many if cache else None)
    if cache:
        loaded.models = cache.known()
    content = validate(root, loaded)
    if cache:
        cache.remember(content)
    findings = audit(content, jobs, cache.audits if cache else None)
    if strict and findings:
        raise BuildAborted([ContentError(f.file, f.line, f.col, f.field, f"{f.rule}: {f.message}")
                            for f in findings])
    return content, findings


def build(root: Path, out: Path, strict: bool = False, jobs: int = 0,
          cache: ParseCache | None = None, later: bool = False) -> BuildReport:
    """Build the site of content folder ``root`` into ``out`` with ``jobs`` processes (0: a core each).

    ``cache`` keeps parses between builds in memory too (``disclose serve`` passes one).
    ``later`` leaves removing the previous site to the caller (``disclose serve`` does it in the
    background), as ``clear_previous``."""
    with Progress() as progress, _few_collections():
        return _build(root, out, strict, jobs or parallel.cores(), cache, progress, later)


@contextmanager
def _few_collections() -> Iterator[None]:
    """No cyclic garbage collection during a build: a build makes millions of objects that live
    to its end and almost no cycles, and each full collection walks them all (at 10,000 reports,
    collections took two thirds of the time of parsing and checking). Workers inherit this."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _build(root: Path, out: Path, strict: bool, jobs: int, cache: ParseCache | None,
           progress: Progress, later: bool) -> BuildReport:
    start = time.perf_counter()
    check_target(out, root)  # before the cache beside it is written
    remember = cache is not None  # a cache kept between builds (serve) also keeps the pages' fingerprints
    cache = cache or ParseCache(cache_folder(out))
    cache.jobs, cache.progress = jobs, progress
    content, findings = check(root, strict, cache, jobs)
    progress.step("summaries")
    aggregates = aggregate(content, findings)
    dirs = theme_dirs(root, content.site.theme)
    renderer = Renderer(dirs, content.site)
    progress.step("search records")
    records = search_records(content, renderer.message)
    output = Output(out, root)
    try:
        progress.step("downloads")
        downloads = data_files(content, findings, renderer.message, jobs)
        # first, so the target outcomes it judges are known to the workers making the audit page
        findings_data = findings_json(content, findings, content.site.base_url)
        plan = page_plan(content, aggregates, findings, downloads)
        tasks = page_tasks(plan, renderer, dirs, {id(doc): key for key, doc in cache.memory.items()})
        # serve compares pages with its last build in memory; a new process, with what the last
        # build noted of the previous site's pages
        held = held_pages(output) if not remember else {}
        pages, fingerprints = write_all(tasks, output, jobs, progress, "pages",
                                        cache.pages if remember else None, held)
        # a download whose bytes are the very object the last build wrote is the previous file
        known = cache.files if remember else {}
        write_all([(f.path, Unchanged(f) if known.get(f.path) is f.data else f) for f in downloads], output,
                  jobs, progress, "data files")
        progress.step("files")
        output.write_bytes("audit/findings.json", findings_data)
        output.write_text("sitemap.xml", sitemap(content.site.base_url, pages))
        for static in renderer.static_dirs:
            output.copy_tree(static, "static")
        progress.step("search")
        write_index(records, output, jobs)
        progress.step("swap")
        clear_previous = output.commit(clear=not later)
    except BaseException:
        output.abort()
        raise
    note_pages(output.out, tasks)
    if remember:
        cache.pages = fingerprints
        cache.files = {f.path: f.data for f in downloads}
    cache.prune()
    progress.step("")
    return BuildReport(len(pages), len(output.written), output.changed, findings, time.perf_counter() - start,
                       output.out, (root, *dirs), dict(progress.timings),
                       clear_previous if later else None)
