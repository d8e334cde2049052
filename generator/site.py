"""The orchestrator: a content folder in, a complete site out, in two halves as in Zola.

Contract: ``Site(root, out).load()`` runs load → validate → audit → aggregate and
returns one immutable :class:`Library` (the valid content, its findings with the
target outcomes, the summaries), or raises :class:`BuildAborted` with every error
of the run; nothing is written but the Store's records. ``Site.build(library)``
then renders, exports, indexes and writes, committing the new site only when all
of it succeeded. Everything a later build can reuse goes through the site's one
:class:`generator.store.Store`, keyed by content hashes, the same for ``disclose
build`` (a new process, reading the Store's records) and ``disclose serve`` (which
keeps its Site, and so its Store, between rebuilds). Each
:class:`generator.build.BuildReport` says what every stage had to compute afresh
(``recomputed``), so tests and benchmarks read what a build did instead of patching it.

``check(root)`` is the first half as one call; :func:`generator.build.build` runs both,
unless nothing changed since the last build.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from generator.aggregate import Aggregates, aggregate
from generator.audit.rules import Findings, audit
from generator.audit.view import FINDINGS, findings_json
from generator.build import BuildReport
from generator.content.load import Document, load_content, load_one
from generator.content.models import Grade, SiteConfig
from generator.content.validate import Content, validate
from generator.downloads.export import sitemap
from generator.downloads.tables import write_downloads
from generator.errors import BuildAborted, ContentError
from generator.output import parallel
from generator.output.write import Output
from generator.progress import Progress
from generator.search.index import index_name, write_index
from generator.search.records import record_keys, search_records
from generator.site_pages.context import DATA_PAGE, page_plan
from generator.site_pages.pages import held_pages, note_pages, of_parts, page_tasks, write_all
from generator.site_pages.render import Renderer, theme_dirs
from generator.stamps import cache_folder
from generator.store import Store


@dataclass(frozen=True)
class Library:
    """What :meth:`Site.load` gives :meth:`Site.build`: the content, read whole and valid; the
    audit's findings (with the target outcomes); the summaries and cross-report links."""

    content: Content
    findings: Findings
    aggregates: Aggregates


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
        findings = audit(content, self.jobs, store.audits if store else None,
                         store.findings if store and store.resident else None)
        if store:
            fresh = {key.partition(":")[0] for key in store.audits.fresh}
            self.recomputed["audited"] = [e.path for e in content.reports if e.doc.digest in fresh]
        if not (store and store.resident):
            content = content.slim()  # its models hold the reports' data; the audit has placed its findings
        if strict and findings:
            raise BuildAborted([ContentError(f.file, f.line, f.col, f.field, f"{f.rule}: {f.message}")
                                for f in findings])
        progress.step("summaries")
        return Library(content, findings, aggregate(content, findings, store.rows if store and store.resident else None))

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
            plan = page_plan(content, library.aggregates, findings, files, index_name(records))
            tasks = page_tasks(plan, renderer, dirs)

            def meanwhile() -> None:  # in this process, while the workers make the pages
                files.extend(downloads.site())
                # the audit's data, streamed: at 50,000 reports it would be 100 MB to hold
                output.changed += output.stream(output.path(FINDINGS), findings_json(
                    content, findings, content.site.base_url, store.items if store.resident else None))

            renderer.parts = store.parts if store.resident else None
            # a Store kept in memory (serve) compares pages with its last build's views; a new
            # process, with what the last build noted of the previous site's pages
            held = held_pages(output) if not store.pages else {}
            if store.resident and not store.parts:  # serve's first build makes its pages of parts, to keep the parts
                made_of_parts = of_parts(tasks)
                held = {rel: digest for rel, digest in held.items() if rel not in made_of_parts}
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
        if store.resident:  # (the parts of the last build that made pages of parts: kept while none is made)
            store.noted, store.parts = noted, renderer.used or store.parts
        store.pages, store.used_shares, store.files = fingerprints, downloads.shares, output.written
        store.prune()
        progress.step("")
        self.recomputed.update(views=views, rendered=rendered, parts=renderer.made, encoded=downloads.encoded,
                               laid=downloads.laid)
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
