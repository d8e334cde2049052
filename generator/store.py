"""The Store: everything a build can reuse, keyed by content hashes, kept safely.

Contract: a :class:`Store` gives :func:`generator.content.load.load_content` a
``load_many`` that returns, for each ``(path, rel)``, the :class:`Document`
parsed from the file's current bytes. A file whose path and bytes were parsed
before, by this same version of the generator, comes from memory (a cache kept
by ``disclose serve``) or from its JSON record under the cache folder; every other
file is parsed now, over both cores, and its record written. Records are plain
JSON (decimals and dates tagged with a key no content can hold), so reading a
cache planted by someone else can at worst give wrong data, never run code. A file that fails
to load is never cached, so its errors are always found afresh. In memory the
Store also keeps the model validated from each document (:meth:`remember`), so
``disclose serve`` validates only the files that changed. :meth:`prune`
deletes the records no file uses any more. The folder is ``.disclose-cache/``
beside the output folder (git ignores it); deleting it only costs time.

What else it holds, all keyed by content hashes (a document's key covers the generator's
code, the file's path and its bytes): each report's audit results (``audits``, on disk
beside the records), each department's part of the whole site's downloads (``shares``, a
folder of records: see :mod:`generator.downloads.tables`), and each page's fingerprint
(``pages``: in memory for a ``resident`` Store, kept from build to build by ``disclose
serve``; on disk as the note of :mod:`generator.site_pages.pages`). A resident Store has
all of them at hand; a new process starts from what is on disk.
"""

from __future__ import annotations

import json
import shutil
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.aggregate import Row
from generator.audit.rules import Finding, audit_key, bands_key, report_results
from generator.audit.view import Written
from generator.content.load import Document, load_one
from generator.content.models import REPORT_MODELS, Grade, kept, rebuilt
from generator.content.validate import Content, report_model
from generator.errors import ContentError
from generator.output import parallel
from generator.output.write import write_atomically
from generator.progress import Progress
from generator.site_pages.render import Compiled
from generator.stamps import Inputs, content_key, known

if TYPE_CHECKING:
    from generator.site_pages.pages import Memo



# Content can never hold a NUL (load refuses control characters), so these keys tag values.
_DECIMAL, _DATE = "\0decimal", "\0date"


def _tag(value: object) -> dict[str, str]:
    if isinstance(value, Decimal):
        return {_DECIMAL: str(value)}
    if isinstance(value, date):
        return {_DATE: value.isoformat()}
    raise TypeError(f"cannot record a {type(value).__name__}")


def _untag(found: dict[str, Any]) -> Any:
    if len(found) == 1:
        if _DECIMAL in found:
            return Decimal(found[_DECIMAL])
        if _DATE in found:
            return date.fromisoformat(found[_DATE])
    return found


def encode(doc: Document, model: Any = None) -> bytes:
    """A document as a JSON record: its data and body, nothing that can run (the positions of
    its values are found again from the file, should an error or a finding ask). A report's
    record begins with a line of its own: its ``model`` as validation gave it, and what the
    build keeps of its document (:func:`kept_report`), read without the rest."""
    record = {"path": str(doc.path), "rel": doc.rel, "data": doc.data, "body": doc.body,
              "body_line": doc.body_line, "digest": doc.digest, "marks": doc.marks.tolist(),
              "checksum": doc.checksum}
    line = _json(record)
    try:
        head = None if model is None else {
            "kind": model.kind, "model": kept(model), "path": str(doc.path), "body": doc.body,
            "body_line": doc.body_line, "marked": bool(doc.marks), "checksum": doc.checksum}
    except TypeError:
        head = None  # (a model of a field it cannot keep: validated again each time)
    return line if head is None else _json(head) + b"\n" + line


def _json(data: Any) -> bytes:
    # (no line break in it: one in a text is written \n)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=_tag).encode("utf-8")


def decode(data: bytes) -> Document:
    """The document of a record from :func:`encode`; ValueError, KeyError or TypeError if it is not one."""
    record = json.loads(data.rpartition(b"\n")[2], object_hook=_untag)
    return Document(Path(record["path"]), str(record["rel"]), record["data"],
                    str(record["body"]), int(record["body_line"]), str(record["digest"]),
                    array("I", record["marks"]), str(record["checksum"]))


@dataclass(frozen=True)
class _Loading:
    """What the workers loading files share: where the records are, the site's grade bands (None
    while site.yaml is not valid: the audit then waits for validation) and the reports' keys in
    the audit's memo that it lacks."""

    folder: Path
    grades: tuple[Grade, ...] | None
    bands: str  # the grades' bands_key
    unaudited: frozenset[str]


Loaded = tuple[Document | ContentError, Any, bytes | None, bool]  # outcome, model, audit results (JSON), parsed


def _record(folder: Path, key: str) -> Path:
    return folder / key[:2] / f"{key}.json"


def kept_report(folder: Path, path: Path, rel: str, key: str) -> tuple[Document, Any] | None:
    """A report's document (slim: without its data) and its model as a build validated them, from
    the first line of its record, made again without validating (:func:`rebuilt`): under a third
    of the time of reading its data and validating it. None when its record keeps no model."""
    try:
        with _record(folder, key).open("rb") as file:
            line = file.readline()
        if not line.startswith(b'{"kind":'):
            return None  # (a record of a file that is no report)
        head = json.loads(line)
        if head["path"] != str(path):
            return None  # (the same content seen through another path)
        model = rebuilt(REPORT_MODELS[head["kind"]], head["model"])
        marks = array("I", [0] if head["marked"] else [])
        doc = Document(path, rel, None, str(head["body"]), int(head["body_line"]), key, marks, str(head["checksum"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None  # absent, no model kept, or not a record of this version
    return doc.slim(), model


def _load(item: tuple[Path, str, str]) -> Loaded:
    """Load one file in a worker: from its record, or parsed (its record written); a report also
    validated and audited, so only its model and results go back, not its data."""
    path, rel, key = item
    job: _Loading = parallel.state()
    doc, parsed = None, False
    try:
        doc = decode(_record(job.folder, key).read_bytes())
    except (OSError, ValueError, KeyError, TypeError):
        pass  # absent, or not a record of this version: parse again
    if doc is None or doc.path != path:  # (the same content seen through another path: parse afresh)
        outcome = load_one(path, rel)
        if isinstance(outcome, ContentError):
            return outcome, None, None, True
        doc, parsed = replace(outcome, digest=key), True
    model = report_model(doc)
    if parsed or model is not None:  # (a report's record read here kept no model it could use)
        write_atomically(_record(job.folder, key), encode(doc, model))  # its model with it, for the next build
    if model is None:
        return doc, None, None, parsed  # validated with the rest, or not a report
    results = None
    if job.grades is not None and audit_key(key, job.bands) in job.unaudited:
        results = encode_result(report_results(model, job.grades, doc))
    return doc.slim(), model, results, parsed


def encode_result(result: Any) -> bytes:
    """A result as :class:`Results` keeps it: JSON, decimals and dates tagged (made in the workers)."""
    return json.dumps(result, ensure_ascii=False, separators=(",", ":"), default=_tag).encode("utf-8")


class Results:
    """The results of one pure function of a report, by the report's digest, kept as JSON.

    A build asks :meth:`get` (or :meth:`read`) for each report and :meth:`put` for those it had
    to compute; :meth:`save` then writes the results this build used, and only those, beside the
    parse records, so the next build (another process, or ``disclose serve``'s next rebuild)
    starts from them. The file holds a line a result (its key, a tab, its JSON), and a build
    holds each result as that text until it is asked for: the objects of the whole memo took
    four times its size (60 MB at 10,000 reports), in the main process and every worker."""

    def __init__(self, path: Path, resident: bool = False) -> None:
        self.path = path
        self.known: dict[str, bytes] | None = None  # read when first asked
        self.used: dict[str, bytes] = {}
        self.fresh: list[str] = []  # the keys put since the last save: what was recomputed
        # a resident memo's (serve's) results as :meth:`read` made them, kept from build to build
        self.readings: dict[str, Any] | None = {} if resident else None

    def text(self, key: str) -> bytes | None:
        """The JSON of the result kept for ``key``, or None; what a build asks for is kept by :meth:`save`."""
        if self.known is None:
            try:
                data = self.path.read_bytes()
            except OSError:
                data = b""  # none yet
            self.known = {}
            for line in data.split(b"\n"):
                found, tab, value = line.partition(b"\t")
                if tab:
                    self.known[found.decode("utf-8", "replace")] = value
        result = self.used.get(key)
        if result is None:
            result = self.known.get(key)
            if result is not None:
                self.used[key] = result
        return result

    def get(self, key: str) -> Any:
        """The result kept for ``key``, or None (also when what is kept is not JSON)."""
        text = self.text(key)
        try:
            return None if text is None else json.loads(text, object_hook=_untag)
        except ValueError:
            return None

    def read(self, key: str, reader: Callable[[Any], Any]) -> Any:
        """``reader(self.get(key))``: what a build makes of the result kept for ``key`` (results
        never change, so a resident memo keeps what it made until a build no longer uses it)."""
        if self.readings is None:
            return reader(self.get(key))
        found = self.readings.get(key)
        if found is None or self.text(key) is None:
            found = reader(self.get(key))
            if found is not None:
                self.readings[key] = found
        return found

    def put(self, key: str, result: Any) -> None:
        """Keep ``result`` for ``key`` (its JSON, as :func:`encode_result` makes it)."""
        self.put_text(key, encode_result(result))

    def put_text(self, key: str, text: bytes) -> None:
        self.used[key] = text
        self.fresh.append(key)

    def save(self) -> None:
        """Keep the results of this build, and only those, for the next (written only when they are
        not those the file already holds)."""
        if self.fresh or self.known is None or self.used.keys() != self.known.keys():
            write_atomically(self.path, b"".join(b"%s\t%s\n" % (key.encode(), text)
                                                 for key, text in self.used.items()))
        if self.readings is not None:
            self.readings = {key: found for key, found in self.readings.items() if key in self.used}
        self.known, self.used, self.fresh = self.used, {}, []


class Store:
    """What builds reuse: parsed documents by the hash of their path and bytes, in memory and on
    disk, and the results computed from them."""

    def __init__(self, folder: Path, resident: bool = False, jobs: int = 1, progress: Progress | None = None) -> None:
        self.folder = folder / "parsed"
        # kept in memory from one build to the next (disclose serve): worth fingerprinting every
        # page's view, so the next build renders only the pages whose view changed
        self.resident = resident
        self.jobs = jobs
        self.progress = progress
        self.memory: dict[str, Document] = {}
        self.models: dict[str, Any] = {}  # key -> the model validated from that document
        # output path -> what the page the last build made there was made of (memory only:
        # see generator.site_pages.pages)
        self.pages: Memo = {}
        self.used: set[str] = set()
        self.kept: set[str] | None = None  # the records the last prune left (a resident Store's)
        self.parsed: list[str] = []  # rel paths parsed (not found in the cache) by the last load
        self.validated: list[str] = []  # rel paths of the reports validated as the last load loaded them
        self.audits = Results(folder / "audit.json", resident)  # each report's findings and target outcomes
        self.shares = folder / "downloads"  # each department's part of the whole site's downloads
        self.used_shares: set[str] = set()  # the shares the last build used
        self.files: set[str] | None = None  # the site's files as the last build committed them (resident)
        self.templates = Compiled()  # the theme's templates, compiled (in memory)
        # the search records of the last build (a resident Store's), by the settings' and the
        # interface texts' digests, then by report (generator.search.records.record_keys)
        self.records: tuple[tuple[str, str], dict[tuple[str, str], Any]] = (("", ""), {})
        # the pages' note of the last build (a resident Store's): see generator.site_pages.pages.note_pages
        self.noted: dict[str, list[Any]] = {}
        # the parts of pages the last build rendered or took (a resident Store's): see Renderer.part
        self.parts: dict[bytes, Any] = {}
        # each report's findings as the last build made them, by its audit key (a resident Store's)
        self.findings: dict[str, tuple[tuple[str, str, str], list[Finding]]] = {}
        self.items: Written = {}  # each finding's item in findings.json as the last build wrote it (a resident Store's)
        self.rows: dict[tuple[str, int], Row] = {}  # each report's summary row, by its key and findings (a resident Store's)
        self.grades: tuple[Grade, ...] | None = None  # the site's, when known before loading: see load_many
        self.keyed: dict[Path, str] = {}  # the content files' keys as inputs() found them, for load_many
        self.hashed: list[str] = []  # the content files the last load read and hashed (not known by their stats)
        self.stats: dict[Path, list[Any]] = {}  # each content file's stats and key as the last load saw them

    def key(self, path: Path, rel: str) -> str:
        """The cache key of a file as it is now."""
        try:
            data = path.read_bytes()
        except OSError:
            data = b""  # load_one reports the problem; an unreadable file is never cached
        return content_key(rel, data)

    def take(self, inputs: Inputs) -> None:
        """The content files' keys as ``inputs`` found them, for the load that follows: so it reads
        and hashes none of them again."""
        self.keyed, self.hashed = inputs.keyed, inputs.hashed

    def load_many(self, files: list[tuple[Path, str]]) -> list[Document | ContentError]:
        """Load ``files`` (path, rel), parsing only those not seen with these bytes before.

        It all happens in the workers, file by file: a file's record is read (or the file parsed and
        its record written), a report is validated and, when the audit's memo lacks it, audited
        (with the ``grades`` of the site, when known), so what comes back is its model and its
        results, never its data; a file kept in memory (a resident Store's) does not go at all."""
        if self.progress:
            self.progress.step("loading")
        if not self.keyed:  # (not given by take()) each file's key, by its stats as the last load saw them
            began, self.hashed = time.time_ns(), []
            for path, rel in files:
                try:
                    self.stats[path] = known(path, rel, self.stats.get(path), began, self.hashed)
                    self.keyed[path] = self.stats[path][-1]
                except OSError:
                    pass  # load_one reports the problem; never cached
            self.stats = {path: self.stats[path] for path in self.keyed}
        keys = [self.keyed.get(path) or self.key(path, rel) for path, rel in files]
        self.keyed = {}
        grades = self.grades
        bands = bands_key(grades) if grades is not None else ""
        outcomes: list[Document | ContentError | None] = []
        todo: list[tuple[Path, str, str]] = []
        if self.progress:
            self.progress.step("reading", len(files))  # the reports kept whole, in this process
        for n, ((path, rel), key) in enumerate(zip(files, keys, strict=True), 1):
            if self.progress and not n % 512:
                self.progress.advance(512)
            found = self.memory.get(key)
            if found is not None and (found.path != path or (found.data is None and key not in self.models)):
                found = None
            # a report whose model its record keeps, and whose audit's results are kept too (or
            # wait for validation), is taken from its record in this process
            whole = None if found is not None or (grades is not None and self.audits.text(audit_key(key, bands)) is None) \
                else kept_report(self.folder, path, rel, key)
            if whole is not None:
                found, self.models[key] = whole
            outcomes.append(found)
            if found is None:
                todo.append((path, rel, key))
        unaudited: frozenset[str] = frozenset()
        if grades is not None:
            unaudited = frozenset(k for _, _, key in todo if self.audits.text(k := audit_key(key, bands)) is None)
        if self.progress:
            self.progress.step("parsing", len(todo))  # hashing the files is timed as "loading"; the workers' part
        loaded = parallel.run(_load, todo, self.jobs, _Loading(self.folder, grades, bands, unaudited),
                              done=self.progress.advance if self.progress else None)
        self.parsed, self.validated = [], []
        for (_, rel, key), (outcome, model, results, parsed) in zip(todo, loaded, strict=True):
            if model is not None:
                self.models[key] = model
                self.validated.append(rel)
            if results is not None and grades is not None:
                self.audits.put_text(audit_key(key, bands), results)
            if parsed:
                self.parsed.append(rel)
        fresh = iter(outcome for outcome, _, _, _ in loaded)
        result = [found if found is not None else next(fresh) for found in outcomes]
        self.memory = {key: doc for key, doc in zip(keys, result, strict=True) if isinstance(doc, Document)}
        self.models = {key: model for key, model in self.models.items() if key in self.memory}
        self.used = set(keys)
        if self.progress:
            self.progress.step("checking")  # what the build does next: validate and audit
        return result

    def known(self) -> dict[str, Any]:
        """The models validated before from the documents of the last load, by relative path."""
        return {doc.rel: self.models[key] for key, doc in self.memory.items() if key in self.models}

    def remember(self, content: Content) -> None:
        """Keep the model validated from each document of ``content``, for the next build."""
        pairs: list[tuple[Document, Any]] = [(content.site_doc, content.site)]
        pairs += [(d.doc, d.model) for d in content.departments.values()]
        pairs += [(r.doc, r.model) for r in content.reports]
        pairs += [(p.doc, p.meta) for p in content.pages]
        for doc, model in pairs:
            if doc.digest in self.memory:
                self.models[doc.digest] = model

    def prune(self) -> None:
        """Keep the memos of this build; delete the records of files that no longer exist or have
        changed since, and the shares of downloads it did not use."""
        self.audits.save()
        if self.shares.is_dir():
            for entry in self.shares.iterdir():
                if entry.name not in self.used_shares:
                    entry.unlink(missing_ok=True)
        if self.kept is not None:  # (a resident Store that pruned before: what it kept is known)
            for key in self.kept - self.used:
                _record(self.folder, key).unlink(missing_ok=True)
        elif self.folder.is_dir():
            for bucket in self.folder.iterdir():
                for entry in bucket.iterdir():
                    if entry.name.removesuffix(".json") not in self.used:
                        entry.unlink(missing_ok=True)
                if not any(bucket.iterdir()):
                    shutil.rmtree(bucket, ignore_errors=True)
        if self.resident:
            self.kept = set(self.used)
