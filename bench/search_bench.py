"""Search benchmark: index time, index size and bytes fetched per query, at 1,000 and 10,000 reports.

For each size, makes synthetic content (bench/synth.py), runs the index stage as a build does
(records, index-only documents, Pagefind) into a site that also holds the real search page
and theme, serves it on 127.0.0.1 and drives the search page in Debian's Chromium: the
kilobytes of the first query (loading Pagefind, its filters and the first results) and of a
later query. Prints one table; nothing is asserted.

    python3 bench/search_bench.py [N ...]
"""

from __future__ import annotations

import functools
import http.server
import json
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.synth import make_content
from generator.aggregate import aggregate
from generator.output.write import Output
from generator.search.pagefind import search_records, write_index
from generator.site import check
from generator.site_pages.context import Pages
from generator.site_pages.render import Renderer, theme_dirs

CHROMIUM = "/usr/bin/chromium"
QUERIES = ("矫正", "系统运维")  # a first query (two characters), then a later one (a phrase)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def build_search_site(content: Path, out: Path) -> dict[str, float]:
    """Build only what search needs (the search page, the theme, the index); return timings."""
    site, findings = check(content)
    dirs = theme_dirs(content, site.site.theme)
    renderer = Renderer(dirs, site.site)
    start = time.perf_counter()
    records = search_records(site, renderer.message)
    made = time.perf_counter()
    output = Output(out)
    output.write_text("search/index.html", renderer.render(
        "search.html", page=Pages(site, aggregate(site, findings), findings).search_page()))
    for static in renderer.static_dirs:
        output.copy_tree(static, "static")
    indexed = time.perf_counter()
    write_index(records, output)
    done = time.perf_counter()
    output.commit()
    return {"records": made - start, "index": done - indexed}


def fetched(folder: Path) -> tuple[int, int]:
    """Bytes the search page fetches from pagefind/ for the first query and for a later one."""
    from playwright.sync_api import sync_playwright

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}/"
    sizes: list[int] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page()
            # The server sends files as they are, so a response's size is its file's size (this also
            # counts what Pagefind's web worker fetches, which the page's own events do not size).
            page.on("requestfinished", lambda r: sizes.append((folder / urlsplit(r.url).path[1:]).stat().st_size)
                    if "/pagefind/" in r.url else None)
            page.goto(f"{base}search/?q={QUERIES[0]}")
            page.wait_for_selector(".result", timeout=120_000)
            page.wait_for_load_state("networkidle")
            first = sum(sizes)
            page.fill("#search-q", QUERIES[1])
            page.wait_for_selector(f"#search-status:has-text('{QUERIES[1]}')", timeout=120_000)
            page.wait_for_load_state("networkidle")
            later = sum(sizes) - first
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return first, later


def measure(n: int) -> dict[str, float]:
    """Index ``n`` synthetic reports and measure; run in a process of its own (see main)."""
    with tempfile.TemporaryDirectory(prefix="search-bench-") as tmp:
        content = make_content(Path(tmp) / "content", n)
        times = build_search_site(content, Path(tmp) / "site")
        # Pagefind is the only child so far: the children's figures are its own.
        child = resource.getrusage(resource.RUSAGE_CHILDREN)
        files = [p for p in (Path(tmp) / "site" / "pagefind").rglob("*") if p.is_file()]
        first, later = fetched(Path(tmp) / "site")
        return {"n": n, **times, "pagefind_cpu": child.ru_utime + child.ru_stime,
                "pagefind_mb": child.ru_maxrss / 1024, "files": len(files),
                "size_mb": sum(p.stat().st_size for p in files) / 2**20,
                "first_kb": first / 1024, "later_kb": later / 1024}


def main() -> None:
    if sys.argv[1:2] == ["--one"]:
        print(json.dumps(measure(int(sys.argv[2]))))
        return
    print(f"{'reports':>8} {'records s':>10} {'index s':>8} {'Pagefind CPU s':>15} {'Pagefind peak MB':>17} "
          f"{'files':>7} {'index MB':>9} {'1st query KB':>13} {'later KB':>9}")
    for n in [int(a) for a in sys.argv[1:]] or [1000, 10000]:
        run = subprocess.run([sys.executable, __file__, "--one", str(n)], capture_output=True, text=True, check=True)
        m = json.loads(run.stdout)
        print(f"{m['n']:>8} {m['records']:>10.2f} {m['index']:>8.2f} {m['pagefind_cpu']:>15.1f} "
              f"{m['pagefind_mb']:>17.0f} {m['files']:>7} {m['size_mb']:>9.1f} {m['first_kb']:>13.0f} "
              f"{m['later_kb']:>9.0f}", flush=True)


if __name__ == "__main__":
    main()
