"""``disclose build``: a content folder in, a complete site out, unless nothing changed.

Contract: ``build(root, out)`` builds the site of content folder ``root`` into ``out`` with a
:class:`generator.site.Site`, and returns a :class:`BuildReport` of what it did. A build notes
what it read (:class:`generator.stamps.Inputs`) and the site it left; when neither has changed
since, the next build keeps that site as it is, as ``make`` would, and reports the last build's
findings, without importing the stages at all (:func:`_kept`).
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
from typing import TYPE_CHECKING

from generator.output.write import check_target, recover
from generator.progress import Progress
from generator.stamps import Inputs, cache_folder, drop_note, output_stamp, read_note, write_note

if TYPE_CHECKING:
    from generator.audit.findings import Finding
    from generator.store import Store

STAGES = ("hashed", "parsed", "validated", "audited", "recorded", "encoded", "views", "rendered", "parts", "laid")


@dataclass(frozen=True)
class BuildReport:
    """What a build did: pages, files (and how many were written, not kept), findings and seconds;
    ``recomputed``, per stage, what it had to compute afresh rather than take from the Store:
    ``hashed`` (content files read and hashed to know whether they changed: not known by their stats),
    ``parsed`` and ``validated`` (content files), ``audited``, ``recorded`` (their search records)
    and ``encoded`` (reports),
    ``views`` (report pages whose view was made), ``rendered`` (pages), ``parts`` (the parts of a
    page of parts rendered afresh where serve keeps them: the audit page's, a department each),
    ``laid`` (downloads laid out of the reports' encoded pieces)."""

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


class NotedFindings(Sequence["Finding"]):  # (Finding imported when first asked for)
    """The findings of a build that was kept, as the last build noted them: their lines as the
    command line prints them, read at once; the findings themselves read from the note's text when
    first asked for (at 10,000 reports, 30,000 of them took longer to read than all the rest)."""

    def __init__(self, lines: list[str], data: str) -> None:
        self.lines, self._data = lines, data

    @cached_property
    def _findings(self) -> list[Finding]:
        from generator.audit.findings import Finding  # (not needed to print them)

        return [Finding.from_data(f) for f in json.loads(self._data)]

    def __len__(self) -> int:
        return len(self.lines)

    def __getitem__(self, index: int) -> Finding:  # type: ignore[override]
        return self._findings[index]


def build(root: Path, out: Path, strict: bool = False, jobs: int = 0, store: Store | None = None) -> BuildReport:
    """Build the site of content folder ``root`` into ``out`` with ``jobs`` processes (0: a core each).

    ``store`` keeps what builds reuse in memory too (``disclose serve`` passes its own); without
    one, a build reads what the last build left in the Store's folder beside ``out``, and when
    nothing it would read has changed since (:class:`generator.stamps.Inputs`) and the site in
    ``out`` is the one that build left, it keeps that site as it is, as ``make`` would."""
    out = check_target(out, root)  # before the Store beside it is written
    with Progress() as progress, few_collections():
        start = time.perf_counter()
        inputs, digest = None, None
        if store is None:  # (serve keeps its Store, and knows what changed)
            progress.step("inputs")
            inputs = Inputs(cache_folder(out))
            digest = inputs.digest(root)
            recover(out)  # (what a killed build left, before the site is looked at)
            kept = _kept(out, digest, strict) if digest else None
            if kept is not None:
                progress.step("")
                return BuildReport(**{**kept.__dict__, "seconds": time.perf_counter() - start,
                                      "timings": dict(progress.timings),
                                      "recomputed": {**kept.recomputed, "hashed": list(inputs.hashed)}})
        from generator.site import Site  # the stages, imported only when there is a build to run

        site = Site(root, out, jobs, store, progress)
        if inputs is not None and site.store is not None:
            site.store.take(inputs)
        report = site.build(site.load(strict))
        if digest:
            _note_build(digest, report)
    # the whole run, loading included
    return BuildReport(**{**report.__dict__, "seconds": time.perf_counter() - start})


def _kept(out: Path, digest: str, strict: bool) -> BuildReport | None:
    """The last build's report if what it read had the same ``digest`` and its site in ``out`` is as it
    left it (and, with ``strict``, found nothing), else None: the build must run."""
    try:
        note = read_note(out, "build")
        if note["inputs"] != digest or note["out"] != str(out) or output_stamp(out) != note["output"]:
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


def _note_build(digest: str, report: BuildReport) -> None:
    """Note what the build just made of what it read (its ``digest``), for the next build to keep
    if nothing changed."""
    out = report.out
    try:
        write_note(out, "build", {"inputs": digest, "out": str(out), "output": output_stamp(out),
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
