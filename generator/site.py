"""The orchestrator: a content folder in, a complete site out, in two halves as in Zola.

Contract: ``Site(root, out).load()`` runs load → validate → audit → aggregate and
returns one immutable :class:`Library` (the valid content, its findings with the
target outcomes, the summaries), or raises :class:`BuildAborted` with every error
of the run; nothing is written but the Store's records. ``Site.build(library)``
then renders, exports, indexes and writes, committing the new site only when all
of it succeeded. Everything a later build can reuse goes through the site's one
:class:`generator.store.Store`, keyed by content hashes, the same for ``disclose
build`` (a new process, reading the Store's records) and ``disclose serve`` (which
keeps its Site, and so its Store, between rebuilds). Each :class:`BuildReport` says
what every stage had to compute afresh (``recomputed``), so tests and benchmarks
read what a build did instead of patching it.

``check(root)`` and ``build(root, out)`` are the two halves as one call each.
"""

from __future__ import annotations

import gc
import json
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from pydantic import ValidationError

from generator.aggregate import Aggregates, aggregate
from generator.audit.rules import Finding, Findings, audit
from generator.audit.view import FINDINGS, findings_json
from generator.content.load import Document, load_content, load_one
from generator.content.models import Grade, SiteConfig
from generator.content.validate import Content, validate
from generator.downloads.export import sitemap
from generator.downloads.tables import write_downloads
from generator.errors import BuildAborted, ContentError
from generator.output import parallel
from generator.output.write import Output, check_target, recover
from generator.progress import Progress
from generator.search.index import write_index
from generator.search.records import record_keys, search_records
from generator.site_pages.context import DATA_PAGE, page_plan
from generator.site_pages.pages import held_pages, note_pages, page_tasks, write_all
from generator.site_pages.render import Renderer, theme_dirs
from generator.store import (
    Store,
    cache_folder,
    drop_note,
    output_stamp,
    read_note,
    write_note,
)


@dataclass(frozen=True)
class Library:
    """What :meth:`Site.load` gives :meth:`Site.build`: the content, read whole and valid; the
    audit's findings (with the target outcomes); the summaries and cross-report links."""

    content: Content
    findings: Findings
    aggregates: Aggregates


STAGES = ("hashed", "parsed", "validated", "audited", "recorded", "encoded", "views", "rendered", "laid")


@dataclass(frozen=True)
class BuildReport:
    """What a build did: pages, files (and how many were written, not kept), findings and seconds;
    ``recomputed``, per stage, what it had to compute afresh rather than take from the Store:
    ``hashed`` (content files read and hashed to know whether they changed: not known by their stats),
    ``parsed`` and ``validated`` (content files), ``audited``, ``recorded`` (their search records)
    and ``encoded`` (reports),
    ``views`` (report pages whose view was made), ``rendered`` (pages), ``laid`` (downloads
    laid out of the reports' encoded pieces)."""

    pages: int
    files: int
    changed: int
    findings: Sequence[Finding]
    seconds: float
    out: Path
    sources: tuple[Path, ...]  # folders the build read: content and theme, for serve to watch
    timings: dict[str, float] = field(default_factory=dict)  # seconds per step, for bench/
    recomputed: dict[str, list[str]] = field(default_factory=dict)
    kept: bool = False  # nothing read had changed since the last build, and its site was as it left it

    def warnings(self) -> Sequence[str]:
        """Each finding as the command line prints it."""
        return self.findings.lines if isinstance(self.findings, NotedFindings) else [str(f) for f in self.findings]

    def summary(self) -> str:
        if self.kept:
            return (f"nothing changed since the last build: kept its {self.pages} pages ({self.files} files) with "
                    f"{len(self.findings)} findings in {self.out} ({self.seconds:.2f} s)")
        return (f"built {self.pages} pages ({self.files} files, {self.changed} changed) with "
                f"{len(self.findings)} findings in {self.seconds:.2f} s into {self.out}")


class NotedFindings(Sequence[Finding]):
    """The findings of a build that was kept, as the last build noted them: their lines as the
    command line prints them, read at once; the findings themselves read from the note's text when
    first asked for (at 10,000 reports, 30,000 of them took longer to read than all the rest)."""

    def __init__(self, lines: list[str], data: str) -> None:
        self.lines, self._data = lines, data

    @cached_property
    def _findings(self) -> list[Finding]:
        return [Finding.from_data(f) for f in json.loads(self._data)]

    def __len__(self) -> int:
        return len(self.lines)

    def __getitem__(self, index: int) -> Finding:  # type: ignore[override]
        return self._findings[index]


class Site:
    """One content folder and its output folder, with the Store of what builds can reuse."""

    def __init__(self, root: Path, out: Path | None = None, jobs: int = 0, store: Store | None = None,
                 progress: Progress | None = None) -> None:
        self.root, self.out = root, out
        self.jobs = jobs or parallel.cores()
        self.store = store if store is not None else Store(cache_folder(out)) if out is not None else None
        self.progress = progress or Progress(stream=None)
        self.recomputed: dict[str, list[str]] = {}

    def load(self, strict: bool = False) -> Library:
        """Load, validate, audit and sum up the content; raise BuildAborted on errors (and on
        findings if ``strict``)."""
        store, progress = self.store, self.progress
        if store:
            # the reports are audited as they are loaded, in the workers, when the bands are known
            store.jobs, store.progress, store.grades = self.jobs, progress, _grades(self.root)
        loaded = load_content(self.root, store.load_many if store else None)
        if store:
            loaded.models = store.known()
            self.recomputed.update(hashed=list(store.hashed), parsed=list(store.parsed))
        # validated afresh: as they were loaded (the reports), or now
        self.recomputed["validated"] = sorted([*(store.validated if store else ()),
                                               *(doc.rel for doc in loaded.docs if doc.rel not in loaded.models)])
        content = validate(self.root, loaded)
        del loaded
        if store:
            store.remember(content)
        findings = audit(content, self.jobs, store.audits if store else None)
        if store:
            fresh = {key.partition(":")[0] for key in store.audits.fresh}
            self.recomputed["audited"] = [e.path for e in content.reports if e.doc.digest in fresh]
        if not (store and store.resident):
            content = content.slim()  # its models hold the reports' data; the audit has placed its findings
        if strict and findings:
            raise BuildAborted([ContentError(f.file, f.line, f.col, f.field, f"{f.rule}: {f.message}")
                                for f in findings])
        progress.step("summaries")
        return Library(content, findings, aggregate(content, findings))

    def build(self, library: Library) -> BuildReport:
        """Render, export, index and write ``library`` into the output folder, put in place only
        when all of it succeeded."""
        assert self.out is not None and self.store is not None
        start = time.perf_counter()
        content, findings, store, progress = library.content, library.findings, self.store, self.progress
        dirs = theme_dirs(self.root, content.site.theme)
        renderer = Renderer(dirs, content.site, store.templates)
        progress.step("search records")
        # serve keeps each report's record while the settings and the interface texts stay the same
        context = (content.site_doc.digest, renderer.catalogue)
        known = store.records[1] if store.resident and store.records[0] == context else {}
        keys = record_keys(content)
        made = [known.get(key) if all(key) else None for key in keys]
        records = search_records(content, renderer.message, made)
        self.recomputed["recorded"] = [e.path for e, found in zip(content.reports, made, strict=True)
                                       if found is None]
        if store.resident:
            store.records = (context, dict(zip(keys, records, strict=True)))
        output = Output(self.out, self.root, store.files if store.resident else None)
        store.files = None  # until this build's commit is done
        try:
            downloads = write_downloads(content, findings, renderer.message, output, store.shares, self.jobs,
                                        progress)
            files = list(downloads.listed)  # and the whole site's, once laid while the pages are made
            plan = page_plan(content, library.aggregates, findings, files)
            tasks = page_tasks(plan, renderer, dirs)

            def meanwhile() -> None:  # in this process, while the workers make the pages
                files.extend(downloads.site())
                # the audit's data, streamed: at 50,000 reports it would be 100 MB to hold
                output.changed += output.stream(output.path(FINDINGS),
                                                findings_json(content, findings, content.site.base_url))

            renderer.parts = store.parts if store.resident else None
            # a Store kept in memory (serve) compares pages with its last build's views; a new
            # process, with what the last build noted of the previous site's pages
            held = held_pages(output) if not store.pages else {}
            pages, fingerprints, views, rendered = write_all(
                tasks, output, self.jobs, progress, "pages", store.pages if store.resident else None, held,
                first=meanwhile, after={DATA_PAGE})
            progress.step("files")
            output.write_text("sitemap.xml", sitemap(content.site.base_url, pages))
            for static in renderer.static_dirs:
                output.copy_tree(static, "static")
            progress.step("search")
            write_index(records, output, self.jobs)
            progress.step("commit")
            output.commit()
        except BaseException:
            output.abort()
            raise
        noted = note_pages(output.out, tasks, store.noted if store.resident else None, set(views))
        if store.resident:
            store.noted, store.parts = noted, renderer.used
        store.pages, store.used_shares, store.files = fingerprints, downloads.shares, output.written
        store.prune()
        progress.step("")
        self.recomputed.update(views=views, rendered=rendered, encoded=downloads.encoded, laid=downloads.laid)
        recomputed, self.recomputed = self.recomputed, {}
        return BuildReport(len(pages), len(output.written), output.changed, findings, time.perf_counter() - start,
                           output.out, (self.root, *dirs), dict(progress.timings), recomputed)


def _grades(root: Path) -> tuple[Grade, ...] | None:
    """The grade bands of the site in ``root``; None when its site.yaml is not valid (validation
    then says why)."""
    doc = load_one(root / "site.yaml", "site.yaml")
    try:
        return SiteConfig.model_validate(doc.data).grades if isinstance(doc, Document) else None
    except ValidationError:
        return None


def check(root: Path, strict: bool = False, store: Store | None = None, jobs: int = 1) -> tuple[Content, Findings]:
    """Load, validate and audit ``root``; raise BuildAborted on errors (and findings if strict)."""
    library = Site(root, jobs=jobs, store=store).load(strict)
    return library.content, library.findings


def build(root: Path, out: Path, strict: bool = False, jobs: int = 0, store: Store | None = None) -> BuildReport:
    """Build the site of content folder ``root`` into ``out`` with ``jobs`` processes (0: a core each).

    ``store`` keeps what builds reuse in memory too (``disclose serve`` passes its own); without
    one, a build reads what the last build left in the Store's folder beside ``out``, and when
    nothing it would read has changed since (:meth:`generator.store.Store.inputs`) and the site in
    ``out`` is the one that build left, it keeps that site as it is, as ``make`` would."""
    out = check_target(out, root)  # before the Store beside it is written
    with Progress() as progress, few_collections():
        start = time.perf_counter()
        site = Site(root, out, jobs, store, progress)
        inputs = None
        if store is None and site.store is not None:  # (serve keeps its Store, and knows what changed)
            progress.step("inputs")
            inputs = site.store.inputs(root)
            site.recomputed["hashed"] = list(site.store.hashed)
            recover(out)  # (what a killed build left, before the site is looked at)
        kept = _kept(out, inputs, strict) if inputs else None
        if kept is not None:
            progress.step("")
            return BuildReport(**{**kept.__dict__, "seconds": time.perf_counter() - start,
                                  "timings": dict(progress.timings),
                                  "recomputed": {**kept.recomputed, **site.recomputed}})
        report = site.build(site.load(strict))
        if inputs:
            _note_build(inputs, report)
    # the whole run, loading included
    return BuildReport(**{**report.__dict__, "seconds": time.perf_counter() - start})


def _kept(out: Path, inputs: str, strict: bool) -> BuildReport | None:
    """The last build's report if it read the same ``inputs`` and its site in ``out`` is as it
    left it (and, with ``strict``, found nothing), else None: the build must run."""
    try:
        note = read_note(out, "build")
        if note["inputs"] != inputs or note["out"] != str(out) or output_stamp(out) != note["output"]:
            return None
        lines, data = note["warnings"], note["findings"]
        if not (isinstance(lines, list) and all(isinstance(line, str) for line in lines) and isinstance(data, str)):
            return None
        findings = NotedFindings(lines, data)
        report = BuildReport(int(note["pages"]), int(note["files"]), 0, findings, 0.0, out,
                             tuple(Path(p) for p in note["sources"]), {}, {stage: [] for stage in STAGES}, kept=True)
    except (OSError, ValueError, TypeError, KeyError):
        return None  # no note, a damaged one, or no site
    return None if strict and findings else report


def _note_build(inputs: str, report: BuildReport) -> None:
    """Note what the build just made of ``inputs``, for the next build to keep if nothing changed."""
    out = report.out
    try:
        write_note(out, "build", {"inputs": inputs, "out": str(out), "output": output_stamp(out),
                                  "pages": report.pages, "files": report.files,
                                  "warnings": list(report.warnings()),
                                  "findings": json.dumps([f.data() for f in report.findings], ensure_ascii=False),
                                  "sources": [str(p) for p in report.sources]})
    except OSError:
        drop_note(out, "build")


@contextmanager
def few_collections() -> Iterator[None]:
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
