"""Stage 5b, pages: render the planned pages, and make the per-report files, over both cores.

Contract: ``write_all(tasks, output, jobs, progress, label)`` gives ``output``
the bytes of every ``(path, make)`` task, made in worker processes forked from
this one (they share the content, the page plan and the Jinja environment
without pickling) and written there, so only a yes/no per file crosses back.
Nothing differs from a serial run: each file is made by the same function from
the same data, and the output paths are reserved here, in task order, before
any worker starts, so collisions are found as they would be serially.

``page_tasks(plan, renderer, memo)`` turns the page plan into such tasks. With
a ``memo`` (``disclose serve`` keeps one between builds), each page's view is
fingerprinted (its pickle, with the templates and the site settings) and a page
whose fingerprint is the one it had last build is not rendered again: the
previous site's file is kept. Pickles are only compared within one process's
life, where they are stable; a page they cannot prove unchanged is rendered.
A page planned with its inputs (a report's page: see ``PlannedPage``) whose
inputs, templates and settings are those of the last build is kept without even
making its view: at 10,000 reports, making and pickling every view took seconds.

``disclose build`` keeps no memory between runs, so each such page also gets a
``digest``: its inputs by content hash (each document's parse-cache key, which
covers the generator's code), with the templates, settings and the versions of
Jinja and markdown-it. ``note_pages`` records, beside the parse cache, each
page's digest and its file as written (size, time, inode); ``held_pages`` finds
the pages of the previous site that are still those files with those digests,
which a build links instead of making.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from generator.content.load import Document
from generator.folders import walk
from generator.output import parallel
from generator.output.write import Output, plain_path
from generator.progress import Progress
from generator.site_pages.context import PlannedPage
from generator.site_pages.render import Renderer, fingerprint_of
from generator.stamps import drop_note, fingerprint, read_note, stamp, write_note


@dataclass(frozen=True)
class Page:
    """Making one page: its view, then its bytes; ``key`` fingerprints its templates and settings."""

    renderer: Renderer
    template: str
    make: Callable[[], Any]
    key: bytes
    inputs: tuple[object, ...] | None = None  # what the view is made of, when the plan knows
    base: bytes = b""  # what the digest starts from: the key and the versions of the libraries
    reprs: dict[int, bytes] | None = field(default=None, compare=False, repr=False)  # see _digest
    # its template puts parts together (Renderer.part): made in the process that keeps the parts
    # from build to build (serve's), not in a worker, whose parts would be lost with it
    local: bool = False

    @cached_property
    def digest(self) -> str:
        """The inputs by content hash, with the key and library versions; "" if unknown. Made when
        first asked: ``serve`` asks only for those of the pages whose inputs changed."""
        if self.inputs is None or self.reprs is None:
            return ""
        return _digest(self.base, self.inputs, self.reprs)

    def __call__(self) -> bytes:
        return self.render(self.make())

    def render(self, view: Any) -> bytes:
        return self.renderer.render(self.template, page=view).encode("utf-8")

    def fingerprint(self, view: Any) -> bytes:
        """The view's pickle, hashed with the key (see :func:`fingerprint_of`)."""
        return fingerprint_of(self.key, view)


Task = tuple[str, Callable[[], bytes]]  # an output path and a function making its bytes


@dataclass(frozen=True)
class _Job:
    """What every worker needs, inherited through fork: the tasks, where each file goes, the memo."""

    tasks: Sequence[Task]
    targets: list[str]
    output: Output
    memo: Memo | None
    held: dict[str, str]  # output path -> digest of the previous site's page, checked on disk


# output path -> (the page's key and inputs, or None; the fingerprint of its view, or b"")
Memo = dict[str, tuple[tuple[object, ...] | None, bytes]]


def _kept(job: _Job, index: int) -> tuple[bool, bytes, int] | None:
    """File ``index`` kept as the previous site has it, when the digest of its inputs, or its
    inputs themselves (a Store kept in memory), are those the last build noted; else None. Quick:
    asked in this process of every page before any is given to a worker."""
    rel, make = job.tasks[index]
    if not isinstance(make, Page):
        return None
    target = job.targets[index]
    held = job.held.get(rel)
    if held is not None and held == make.digest and job.output.keep(target):
        return False, b"", 0
    if job.memo is None:
        return None
    inputs, known = job.memo.get(rel, (None, b""))
    if make.inputs is not None and inputs == (make.key, *make.inputs) and job.output.keep(target):
        return False, known, 0  # (a tuple compares its items by identity first: the same models are quick)
    return None


def _make(index: int) -> tuple[bool, bytes, int]:
    """Make file ``index`` (not kept by :func:`_kept`) and give it to the output; return whether it
    was written, for a page its fingerprint, and how far it was made: 1 its view made, 2 rendered."""
    job: _Job = parallel.state()
    rel, make = job.tasks[index]
    target = job.targets[index]
    if job.memo is None or not isinstance(make, Page) or make.local:  # (a page of parts is quick to put together)
        return job.output.put(target, make()), b"", 2
    view = make.make()
    fingerprint = make.fingerprint(view)
    if job.memo.get(rel, (None, b""))[1] == fingerprint and job.output.keep(target):
        return False, fingerprint, 1
    return job.output.put(target, make.render(view)), fingerprint, 2


def _theme_key(renderer: Renderer, dirs: list[Path]) -> bytes:
    """A fingerprint of what a page's bytes depend on besides its view: templates, messages, site.
    The same in every process (a pickle of the settings is not: it holds a set)."""
    digest = hashlib.sha256(renderer.site.model_dump_json().encode("utf-8"))
    for folder in dirs:
        for path in walk(folder).files:  # the files Jinja reads, through links inside the theme too
            digest.update(path.as_posix().encode() + b"\0" + path.read_bytes())
    return digest.digest()


def page_tasks(plan: list[PlannedPage], renderer: Renderer, dirs: list[Path]) -> list[Task]:
    """The pages of ``plan`` as tasks; their templates (in ``dirs``) are compiled here once, not in
    every worker. Pages carry the key their fingerprints need and, when every document among their
    inputs has a Store key, the digest of their inputs."""
    local = set()
    for template in sorted({template for template, _, _, _ in plan}):
        renderer.env.get_template(template)
        if renderer.reads(template, "part"):
            local.add(template)
    key = _theme_key(renderer, dirs)
    renderer.identity = key
    base = key + fingerprint()
    reprs: dict[int, bytes] = {}  # a report's findings go into several pages' inputs as one tuple
    return [(rel, Page(renderer, template, make, key, inputs, base, reprs, template in local))
            for template, rel, make, inputs in plan]


def _digest(base: bytes, inputs: tuple[object, ...], reprs: dict[int, bytes]) -> str:
    """``inputs`` by content hash: a document by its Store key, text as it is, any other value
    (findings) by its repr, kept in ``reprs`` by identity while the inputs live; "" when a
    document has no key (it was loaded without a Store)."""
    digest = hashlib.sha256(base)
    for item in inputs:
        if isinstance(item, Document):
            if not item.digest:
                return ""
            item = item.digest
        if isinstance(item, str):
            digest.update(b"\0" + item.encode("utf-8"))
            continue
        text = reprs.get(id(item))
        if text is None:
            text = reprs[id(item)] = b"\0" + repr(item).encode("utf-8")
        digest.update(text)
    return digest.hexdigest()


def held_pages(output: Output) -> dict[str, str]:
    """The pages of the previous site that are, on disk, the files noted with their digests."""
    if output.previous is None:
        return {}
    try:
        return {rel: digest for rel, (digest, *known) in read_note(output.out, "pages").items()
                if plain_path(rel) and stamp(f"{output.previous}/{rel}") == known}
    except (OSError, ValueError, TypeError, AttributeError):
        return {}  # no note or a damaged one, or a file gone: make the pages


Noted = dict[str, list[Any]]  # output path -> [the page's digest, its file's stamp]


def note_pages(out: Path, tasks: Sequence[Task], known: Noted | None = None,
               views: Collection[str] = ()) -> Noted:
    """Note each page's digest and its file in the site ``out`` just committed, and return the
    note. With ``known``, the note of the last build (``serve`` keeps it), a page planned with
    its inputs whose view this build did not make (not in ``views``: kept because its inputs are
    those of that build, its file untouched) is noted as it was."""
    known = known or {}
    noted: Noted = {}
    try:
        for rel, make in tasks:
            if isinstance(make, Page):
                found = known.get(rel) if make.inputs is not None and rel not in views else None
                if found is None and make.digest:
                    found = [make.digest, *stamp(f"{out}/{rel}")]
                if found is not None:
                    noted[rel] = found
        write_note(out, "pages", noted)
    except OSError:
        drop_note(out, "pages")  # a site changed under the build: no note, the next build makes every page
        return {}
    return noted


def _local(make: Callable[[], bytes]) -> bool:
    return isinstance(make, Page) and make.local


def of_parts(tasks: Sequence[Task]) -> set[str]:
    """The pages of ``tasks`` made of parts (see :meth:`generator.site_pages.render.Renderer.part`)."""
    return {rel for rel, make in tasks if _local(make)}


def _weight(make: Callable[[], bytes]) -> float:
    """How large the page ``make`` makes is likely to be: how many inputs it is made of (a page of
    the whole site planned without them counts as the largest)."""
    if not isinstance(make, Page):
        return 0
    return math.inf if make.inputs is None else len(make.inputs)


def write_all(tasks: Sequence[Task], output: Output, jobs: int, progress: Progress, label: str,
              memo: Memo | None = None, held: dict[str, str] | None = None,
              first: Callable[[], object] | None = None, after: Collection[str] = ()
              ) -> tuple[list[str], Memo, list[str], list[str]]:
    """Make and write every task; return their output paths in task order, the pages'
    fingerprints for the next build's ``memo``, the pages planned with their inputs whose view
    was made (not kept), and the files made (pages rendered, downloads laid out).

    ``first`` runs in this process while the workers make the pages; the pages ``after`` (output
    paths: those that need what ``first`` makes) are made here after it, and so are, when a
    ``memo`` is kept, those made of parts (see :class:`Page`)."""
    targets = [output.path(rel) for rel, _ in tasks]
    progress.step(label, len(tasks))
    job = _Job(tasks, targets, output, memo, held or {})
    found = [_kept(job, index) for index in range(len(tasks))]  # no worker forked for what is kept
    todo = [index for index, kept in enumerate(found) if kept is None]
    # the largest pages first (the audit's lists every finding), so that no core is left making
    # one of them alone at the end while the other has finished
    todo.sort(key=lambda index: -_weight(tasks[index][1]))
    progress.advance(len(tasks) - len(todo))
    here = {i for i in todo if (memo is not None and _local(tasks[i][1])) or tasks[i][0] in after}
    there = [i for i in todo if i not in here]

    def make_here() -> None:  # while the workers make the others
        if first:
            first()
        for index in sorted(here):
            found[index] = _make(index)
            progress.advance(1)

    for index, result in zip(there, parallel.run(_make, there, jobs, job, progress.advance, meanwhile=make_here),
                             strict=True):
        found[index] = result
    made = [result for result in found if result is not None]
    output.changed += sum(written for written, _, _ in made)
    rels = [rel for rel, _ in tasks]
    kept: Memo = {}
    for (rel, make), (_, seen, _) in zip(tasks, made, strict=True):
        inputs = (make.key, *make.inputs) if isinstance(make, Page) and make.inputs is not None else None
        if seen or inputs is not None:  # a page kept by its digest is known by its inputs
            kept[rel] = (inputs, seen)
    views = [rel for (rel, make), (_, _, how) in zip(tasks, made, strict=True)
             if how and isinstance(make, Page) and make.inputs is not None]
    return rels, kept, views, [rel for rel, (_, _, how) in zip(rels, made, strict=True) if how == 2]
