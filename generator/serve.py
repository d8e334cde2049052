"""``disclose serve``: build, serve on 127.0.0.1, rebuild on change, reload the browser.

Contract: the first build must succeed, search index included, or serve stops
with its errors; after that a failed rebuild prints its errors and keeps the
last good site served (the write stage never leaves half a site), so a typo
never kills the server. Changes are debounced by livereload's delay.

Rebuilds are incremental (see :mod:`generator.store`, :mod:`generator.site_pages.pages`,
:mod:`generator.output.write`), the search index included: a rebuild updates it in place
(:mod:`generator.search.index`) and commits it with the new pages, so a search finds an
edit as soon as its page shows it.

Each build also holds the output folder's build lock
(:mod:`generator.output.lock`), so a ``disclose build`` into the same folder waits
for it and it for them. What serve keeps between its builds (parses, the pages'
fingerprints, the downloads) describes the site it built
last: when the folder's marker shows another build made the site since, serve
drops all of it and builds afresh.
"""

from __future__ import annotations

import gc
import sys
import threading
from pathlib import Path

from generator.build import BuildReport, build
from generator.cli import explain
from generator.errors import BuildAborted, DiscloseError
from generator.output.lock import build_lock
from generator.output.write import MARKER
from generator.stamps import cache_folder
from generator.store import Store


class Site:
    """One served site: its builds, with the Store kept between them."""

    def __init__(self, content: Path, out: Path, jobs: int = 0) -> None:
        self.content, self.out, self.jobs = content, out, jobs
        self.store = Store(cache_folder(out), resident=True)
        self.lock = threading.RLock()  # held by a rebuild
        self.made: tuple[int, ...] | None = None  # the marker of the site serve built last

    def stamp(self) -> tuple[int, ...] | None:
        """Which build made the site in the output folder: every build writes a new marker."""
        try:
            found = (self.out / MARKER).stat()
        except OSError:
            return None
        return (found.st_dev, found.st_ino, found.st_mtime_ns, found.st_ctime_ns)

    def _build(self) -> BuildReport:
        """Build under the output's lock; first forget what describes a site another build replaced."""
        with build_lock(self.out):
            if self.made is not None and self.stamp() != self.made:
                print(f"{self.out} was rebuilt by another disclose; building it afresh", flush=True)
                self.store = Store(cache_folder(self.out), resident=True)
            try:
                report = build(self.content, self.out, jobs=self.jobs, store=self.store)
            finally:
                settle()
            self.made = self.stamp()
            return report

    def first(self) -> BuildReport:
        """Build; raise on errors."""
        with self.lock:
            return self._build()

    def rebuild(self) -> BuildReport | None:
        """Build again (search index included) and print the summary or the errors. Return the
        report, or None when the build failed."""
        try:
            with self.lock:
                report = self._build()
                print(report.summary(), flush=True)
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
        return report


def settle() -> None:
    """After a build (which runs without cyclic garbage collection): collect the garbage it left,
    then move what lives on (the Store: millions of objects at 10,000 reports) out of the
    collector's way, so no later collection walks it all again (a full one took 0.6 s every few
    edits). Only the objects of each build are looked at, once; what a later build drops of them
    is freed by its reference count, and a cycle among them would stay (16 edits at 10,000
    reports grew the process by 5 MB, of 600 MB)."""
    gc.collect(0)  # (all the build made is in the youngest generation: none was collected)
    gc.freeze()


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
    server.serve(root=str(out.resolve()), host=host, port=port, open_url_delay=None)
