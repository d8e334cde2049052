"""The orchestrator: content folder in, complete site out.

Contract: ``check(content)`` runs load → validate → audit and returns the
valid content with its findings, or raises :class:`BuildAborted` with every
error. ``build(content, out)`` then aggregates, renders, exports, indexes and
writes, swapping the new site in only when all of it succeeded.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from generator.aggregate import aggregate
from generator.audit import Finding, audit
from generator.audit_view import findings_json
from generator.context import site_pages
from generator.downloads import data_files
from generator.errors import BuildAborted, ContentError
from generator.export import report_files, sitemap
from generator.load import load_content
from generator.render import Renderer, theme_dirs
from generator.search import search_records, write_index
from generator.validate import Content, validate
from generator.write import Output


@dataclass(frozen=True)
class BuildReport:
    """What a build did: pages, files, findings and seconds, for the summary line."""

    pages: int
    files: int
    findings: list[Finding]
    seconds: float
    out: Path
    sources: tuple[Path, ...]  # folders the build read: content and theme, for serve to watch

    def summary(self) -> str:
        return (f"built {self.pages} pages ({self.files} files) with {len(self.findings)} findings "
                f"in {self.seconds:.2f} s into {self.out}")


def check(root: Path, strict: bool = False) -> tuple[Content, list[Finding]]:
    """Load, validate and audit ``root``; raise BuildAborted on errors (and findings if strict)."""
    content = validate(root, load_content(root))
    findings = audit(content)
    if strict and findings:
        raise BuildAborted([ContentError(f.file, f.line, f.col, f.field, f"{f.rule}: {f.message}")
                            for f in findings])
    return content, findings


def build(root: Path, out: Path, strict: bool = False) -> BuildReport:
    """Build the site of content folder ``root`` into ``out``."""
    start = time.perf_counter()
    content, findings = check(root, strict)
    aggregates = aggregate(content, findings)
    dirs = theme_dirs(root, content.site.theme)
    renderer = Renderer(dirs, content.site)
    downloads = data_files(content, findings, renderer.message)
    records = search_records(content, renderer.message)
    output = Output(out, root)
    try:
        pages = []
        for template, rel, view in site_pages(content, aggregates, findings, downloads):
            output.write_text(rel, renderer.render(template, page=view))
            pages.append(rel)
        for rel, data in report_files(content):
            output.write_bytes(rel, data)
        output.write_bytes("audit/findings.json", findings_json(content, findings, content.site.base_url))
        for download in downloads:
            output.write_bytes(download.path, download.data)
        output.write_text("sitemap.xml", sitemap(content.site.base_url, pages))
        for static in renderer.static_dirs:
            output.copy_tree(static, "static")
        write_index(records, output)
        output.commit()
    except BaseException:
        output.abort()
        raise
    return BuildReport(len(pages), len(output.written), findings, time.perf_counter() - start, output.out,
                       (root, *dirs))
