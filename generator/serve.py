"""``disclose serve``: build, serve on 127.0.0.1, rebuild on change, reload the browser.

Contract: the first build must succeed, search index included, or serve stops
with its errors; after that a failed rebuild prints its errors and keeps the
last good site served (the write stage never leaves half a site), so a typo
never kills the server. Changes are debounced by livereload's delay.

Rebuilds are incremental (see :mod:`generator.store`, :mod:`generator.site_pages.pages`,
:mod:`generator.output.write`) and wait neither for Pagefind nor for the removal of
the previous site: a :class:`Site` swaps in the new pages with the previous
search index and prints its summary; threads then remove the previous site and
make the new index, which is swapped in as the site's ``pagefind/`` with one
line printed (or one line of error, and serving goes on).
Rebuilds and that swap take one lock, so neither sees the other half done; a
rebuild that wants another index than the one being made kills its Pagefind,
and a job no longer wanted is discarded, so the newest rebuild's index wins.

Each build and each swap also holds the output folder's build lock
(:mod:`generator.output.lock`), so a ``disclose build`` into the same folder waits
for them and they for it. What serve keeps between its builds (parses, the pages'
fingerprints, the downloads, the index being made) describes the site it built
last: when the folder's marker shows another build made the site since, serve
drops all of it and builds afresh.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

from generator.cli import explain
from generator.errors import BuildAborted, DiscloseError, printable
from generator.output.lock import build_lock
from generator.output.write import MARKER
from generator.search.pagefind import Index, replace_index
from generator.site import BuildReport, build
from generator.store import ParseCache, cache_folder


class Site:
    """One served site: its builds, with the parse cache kept between them, and its index job."""

    def __init__(self, content: Path, out: Path, jobs: int = 0) -> None:
        self.content, self.out, self.jobs = content, out, jobs
        self.cache = ParseCache(cache_folder(out))
        self.lock = threading.RLock()  # held by a rebuild and by an index swap
        self.job: IndexJob | None = None  # the index being made for the site as it is now
        self.clearing: list[threading.Thread] = []  # removing previous sites
        self.made: tuple[int, ...] | None = None  # the marker of the site serve built last

    def stamp(self) -> tuple[int, ...] | None:
        """Which build made the site in the output folder: every build writes a new marker."""
        try:
            found = (self.out / MARKER).stat()
        except OSError:
            return None
        return (found.st_dev, found.st_ino, found.st_mtime_ns, found.st_ctime_ns)

    def _build(self, later: bool) -> BuildReport:
        """Build under the output's lock; first forget what describes a site another build replaced."""
        with build_lock(self.out):
            if self.made is not None and self.stamp() != self.made:
                print(f"{self.out} was rebuilt by another disclose; building it afresh", flush=True)
                self._index(None)
                self.cache = ParseCache(cache_folder(self.out))
            report = build(self.content, self.out, jobs=self.jobs, cache=self.cache, later=later)
            self.made = self.stamp()
            return report

    def first(self) -> BuildReport:
        """Build with the search index; raise on errors."""
        with self.lock:
            return self._build(later=False)

    def rebuild(self) -> BuildReport | None:
        """Build again, print the summary or the errors, and start making the search index if it
        changed. Return the report, or None when the build failed."""
        try:
            with self.lock:  # the summary comes before any line of the index job
                report = self._build(later=True)
                self._index(report.unindexed)
                print(report.summary() + ("; updating the search index" if self.job else ""), flush=True)
        except BuildAborted as exc:
            for error in exc.errors:
                print(error, file=sys.stderr)
            print(f"{len(exc.errors)} error(s); still serving the last good site", file=sys.stderr, flush=True)
            return None
        except DiscloseError as exc:
            print(f"disclose: {exc}", file=sys.stderr, flush=True)
            return None
        except Exception as exc:  # noqa: BLE001 - a broken template edit must not stop the server
            print(f"{explain(exc)}; still serving the last good site", file=sys.stderr, flush=True)
            return None
        if report.clear_previous is not None:
            self.clearing = [t for t in self.clearing if t.is_alive()]
            self.clearing.append(threading.Thread(target=report.clear_previous, daemon=True))
            self.clearing[-1].start()
        return report

    def _index(self, index: Index | None) -> None:
        """Have ``index`` made (None: the site has its index): keep a job making it, stop any other."""
        job = self.job
        if job is not None and (index is None or not job.thread.is_alive()
                                or job.index.fingerprint != index.fingerprint):
            job.cancel()
            self.job = job = None
        if index is not None and job is None:
            self.job = IndexJob(self, index)
            self.job.thread.start()

    def wait_index(self) -> None:
        """Wait until no index job runs (for tests and bench/)."""
        while (job := self.job) is not None and job.thread.is_alive():
            job.thread.join()

    def wait(self) -> None:
        """Wait until no index job runs and the previous sites are removed (for tests and bench/)."""
        self.wait_index()
        for thread in self.clearing:
            thread.join()

    def close(self) -> None:
        """Stop the index job, if one runs."""
        with self.lock:
            if self.job is not None:
                self.job.cancel()
                self.job = None


class IndexJob:
    """A thread making ``index`` with Pagefind, then swapping it into the site if still wanted."""

    def __init__(self, site: Site, index: Index) -> None:
        self.site, self.index = site, index
        self.thread = threading.Thread(target=self._run, name="search index", daemon=True)
        self.cancelled = False
        self._process: subprocess.Popen[bytes] | None = None
        self._guard = threading.Lock()  # between Pagefind starting and cancel()

    def _begun(self, process: subprocess.Popen[bytes]) -> None:
        with self._guard:
            self._process = process
            if self.cancelled:
                process.kill()

    def cancel(self) -> None:
        """Kill Pagefind if it runs, and drop the index."""
        with self._guard:
            self.cancelled = True
            if self._process is not None:
                self._process.kill()

    def _run(self) -> None:
        start = time.perf_counter()
        try:
            files = self.index.bundle(self.site.out, self._begun)
            with self.site.lock, build_lock(self.site.out):
                if self.site.job is not self or self.site.stamp() != self.site.made:
                    return  # a newer build wants another index, or none, or another build made the site
                replace_index(self.site.out, self.index, files)
                self.site.job = None
        except Exception as exc:  # noqa: BLE001 - serving goes on with the previous index
            if not self.cancelled:
                why = f"disclose: {printable(str(exc))}" if isinstance(exc, DiscloseError) else explain(exc)
                print(f"{why}; the search index was not updated", file=sys.stderr, flush=True)
            return
        print(f"search index updated in {time.perf_counter() - start:.1f} s", flush=True)


def serve(content: Path, out: Path, host: str, port: int) -> None:
    """Serve ``out`` and rebuild it whenever ``content`` or the theme changes."""
    from livereload import Server

    site = Site(content, out)
    first = site.first()
    print(first.summary(), flush=True)
    server = Server()
    for folder in dict.fromkeys(first.sources):
        server.watch(str(folder), site.rebuild, delay=0.3)
    print(f"serving {out} on http://{host}:{port}/ (Ctrl+C stops)", flush=True)
    try:
        server.serve(root=str(out.resolve()), host=host, port=port, open_url_delay=None)
    finally:
        site.close()
