"""Search benchmark: disclose's own index beside Pagefind's over the same records.

For each size N (default 1,000 and 10,000), in a process of its own, takes N synthetic reports
(bench/synth.py; made once into bench/out/search-N/ and kept) and makes their search records as
a build makes them, then measures:

- our index: the seconds ``write_index`` takes into a new site (the search page and the theme
  beside it) with a process per core, as a build runs it, and its CPU seconds (all processes),
  its files and size, the peak memory it adds (tracemalloc, in one process), and the seconds it
  takes after one report's name is edited (the previous site in place, as a rebuild finds it);
- Pagefind, the peer (``pip install '.[bench]'``): the same records written as index-only pages
  of opaque pair tokens (the exact scheme disclose used before its own index), and the seconds,
  CPU seconds and size of the Pagefind binary's index of them;
- in Debian's Chromium, from a plain static server without compression: the bytes the search
  page fetches, page included, to show the results of ``/search/?q=矫正``, then of a later query
  (系统运维) typed into it, and the milliseconds from Enter to the results of a two-character
  query on the loaded page (measured in the page).

Prints one table; nothing is asserted. ``python3 bench/search_bench.py [N ...]``
"""

from __future__ import annotations

import dataclasses
import functools
import html
import http.server
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.synth import make_content
from generator.aggregate import aggregate
from generator.build import few_collections
from generator.output.write import Output
from generator.search.index import FOLDER, index_name, write_index
from generator.search.records import Folding, SearchRecord, search_records
from generator.site import check
from generator.site_pages.context import Pages
from generator.site_pages.render import Renderer, theme_dirs

CHROMIUM = "/usr/bin/chromium"
QUERIES = ("矫正", "系统运维")  # a first query (two characters), then a later one (a phrase)
TIMED = "援助"  # a two-character query timed from Enter to its results


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def search_site(content: Path, out: Path) -> tuple[list[SearchRecord], dict[str, float]]:
    """Write the search page and the theme into ``out`` and our index beside them; return the
    records and the timings."""
    site, findings = check(content, jobs=2)
    renderer = Renderer(theme_dirs(content, site.site.theme), site.site)
    start = time.perf_counter()
    records = search_records(site, renderer.message)
    made = time.perf_counter()
    pages = Pages(site, aggregate(site, findings), findings)

    def search_page(indexed: list[SearchRecord]) -> str:  # as a build makes it, naming its index
        return renderer.render("search.html", page=pages.search_page(index_name(indexed)))

    output = Output(out)
    output.write_text("search/index.html", search_page(records))
    for static in renderer.static_dirs:
        output.copy_tree(static, "static")
    jobs = os.cpu_count() or 1  # as a build does: a process per core
    before = (resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN))
    begun = time.perf_counter()
    with few_collections():  # as in a build: forked workers that collect would copy every page they walk
        write_index(records, output, jobs)
    seconds = time.perf_counter() - begun
    after = (resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN))
    cpu = sum(b.ru_utime + b.ru_stime - a.ru_utime - a.ru_stime for a, b in zip(before, after))
    output.commit()
    # the memory it adds, in a run of its own in one process (tracing slows it down)
    scratch = Output(out.parent / "scratch")
    tracemalloc.start()
    write_index(records, scratch)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    scratch.abort()
    # one report's name edited, the index updated in place from the previous site
    edited = list(records)
    edited[len(edited) // 2] = dataclasses.replace(
        edited[len(edited) // 2], title="社区矫正定位平台",
        fields=(("name", ("社区矫正定位平台",)), *edited[len(edited) // 2].fields[1:]))
    output = Output(out)
    output.write_text("search/index.html", search_page(edited))
    for static in renderer.static_dirs:
        output.copy_tree(static, "static")
    begun = time.perf_counter()
    with few_collections():
        indexed = write_index(edited, output)
    edit = time.perf_counter() - begun
    output.commit()
    assert indexed is not None and indexed.in_place
    return records, {"records": made - start, "index": seconds, "index_cpu": cpu, "index_mb": peak / 2**20,
                     "edit": edit, "edit_written": indexed.written}


# -- the peer: Pagefind over index-only pages of pair tokens ---------------------------------------

_ALPHABET = "bcdfghjklmnpqrst"
_CODES = ["".join(_ALPHABET[unit >> shift & 15] for shift in (12, 8, 4, 0)) for unit in range(0x10000)]


def _tokens(folded: str) -> list[str]:
    units = memoryview(folded.encode("utf-16-le", "surrogatepass")).cast("H").tolist()
    codes = [_CODES[u] for u in units]
    return ["z" + a + b for a, b in zip(codes, [*codes[1:], _CODES[0]])]


def _document(record: SearchRecord, folding: Folding) -> str:
    meta = {"title": record.title, "url": record.url, "department": record.department, "year": str(record.year),
            "kind": record.kind, "grade": record.grade, "budget": record.budget, "score": record.score,
            "fields": json.dumps(dict(record.fields), ensure_ascii=False)}
    tags = [f'<span data-pagefind-meta="{k}[data-value]" data-value="{html.escape(v)}"></span>'
            for k, v in meta.items() if v]
    tags += [f'<span data-pagefind-filter="{k}[data-value]" data-value="{html.escape(v)}"></span>'
             for k, v in (("department", record.department), ("year", str(record.year)), ("kind", record.kind),
                          ("grade", record.grade)) if v]
    body = " ".join(t for _, segments in record.fields for s in segments for t in _tokens(s.translate(folding)))
    return (f'<!doctype html><html lang="zh-cn"><head><meta charset="utf-8"><title></title></head><body>'
            f'{"".join(tags)}<main data-pagefind-body><p>{body}</p></main></body></html>\n')


def pagefind(records: Sequence[SearchRecord], folder: Path) -> dict[str, float] | None:
    """Index ``records`` with the Pagefind binary; None when the bench extra is not installed."""
    try:
        from pagefind.service import get_executable  # type: ignore[import-not-found]
    except ImportError:
        return None
    binary = get_executable()
    if binary is None:
        return None
    docs = folder / "docs"
    folding = Folding()
    for record in records:
        path = docs / record.path / "index.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_document(record, folding), encoding="utf-8")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([str(binary), "--site", str(docs), "--output-path", str(folder / "pagefind"),
                    "--force-language", "zh-cn", "--silent"], check=True)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    files = [p for p in (folder / "pagefind").rglob("*") if p.is_file()]
    return {"seconds": seconds, "cpu": after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime,
            "mb": sum(p.stat().st_size for p in files) / 2**20, "files": len(files)}


# -- the page in Chromium --------------------------------------------------------------------------

# Installed before the page's own script runs: the time of Enter in the query box, and of the
# first results after it.
_TIMER = """() => {
  window.__enter = 0; window.__shown = 0;
  document.addEventListener("keydown", (e) => { if (e.key === "Enter") { window.__enter = performance.now(); window.__shown = 0; } }, true);
  new MutationObserver(() => { if (window.__enter && !window.__shown && document.querySelector("#search-results .result")) window.__shown = performance.now(); })
    .observe(document.getElementById("search-results"), { childList: true });
}"""


def browse(folder: Path) -> dict[str, float]:
    """Bytes fetched for the first query (page included) and for a later one; ms to results."""
    from playwright.sync_api import sync_playwright

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}/"
    sizes: list[int] = []

    def sized(request: Any) -> None:
        path = folder / unquote(urlsplit(request.url).path).lstrip("/")
        sizes.append((path / "index.html" if path.is_dir() else path).stat().st_size)

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page()
            # The server sends files as they are, so a response's size is its file's size.
            page.on("requestfinished", sized)
            page.goto(f"{base}search/?q={QUERIES[0]}")
            page.wait_for_selector(".result", timeout=120_000)
            page.wait_for_load_state("networkidle")
            first = sum(sizes)
            page.fill("#search-q", QUERIES[1])
            page.press("#search-q", "Enter")
            page.wait_for_selector(f"#search-status:has-text('{QUERIES[1]}')", timeout=120_000)
            page.wait_for_load_state("networkidle")
            later = sum(sizes) - first
            page.evaluate(_TIMER)
            times = []
            for query in (TIMED, "矫正", TIMED):
                page.fill("#search-q", "")
                page.press("#search-q", "Enter")
                page.fill("#search-q", query)
                page.press("#search-q", "Enter")
                page.wait_for_selector(f"#search-status:has-text('{query}')", timeout=120_000)
                page.wait_for_timeout(100)
                times.append(page.evaluate("window.__shown - window.__enter"))
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return {"first_kb": first / 1024, "later_kb": later / 1024, "enter_ms": times[0], "again_ms": times[-1]}


def kept_content(n: int) -> Path:
    """The synthetic reports of size ``n`` in ``bench/out/search-<n>/content`` (git ignores it),
    made once and kept between runs, as build_bench keeps its own: a run then creates and deletes
    only the files it measures. Where files were deleted a minute before, ext4 skips their inodes
    when it makes new ones, at a cost that can pass 1 ms a file: 3,200 small files took 3.2 s
    in a /tmp that the tests and earlier runs churned, 0.1 s in a quiet folder of the same disk."""
    content = ROOT / "bench" / "out" / f"search-{n}" / "content"
    if not (content / "site.yaml").exists():
        partial = content.with_name("content.partial")
        shutil.rmtree(partial, ignore_errors=True)
        make_content(partial, n)
        partial.rename(content)  # (site.yaml written first: only a whole folder is taken as made)
    return content


def measure(n: int) -> dict[str, float]:
    """Everything for ``n`` reports; run in a process of its own (see main)."""
    content = kept_content(n)
    with tempfile.TemporaryDirectory(prefix="run-", dir=content.parent) as tmp:
        records, ours = search_site(content, Path(tmp) / "site")
        files = [p for p in (Path(tmp) / "site" / FOLDER).rglob("*") if p.is_file()]
        peer = pagefind(records, Path(tmp) / "peer")
        shutil.rmtree(Path(tmp) / "peer", ignore_errors=True)
        return {"n": n, **ours, "files": len(files), "size_mb": sum(p.stat().st_size for p in files) / 2**20,
                **({f"pf_{k}": v for k, v in peer.items()} if peer else {}), **browse(Path(tmp) / "site")}


def main() -> None:
    if sys.argv[1:2] == ["--one"]:
        print(json.dumps(measure(int(sys.argv[2]))))
        return
    print(f"{'reports':>8} {'records s':>9} {'index s':>8} {'CPU s':>6} {'+MB':>5} {'edit s':>7} {'files':>6} "
          f"{'MB':>5} | {'Pagefind s':>10} {'CPU s':>6} {'MB':>5} | {'1st KB':>7} {'later KB':>8} "
          f"{'Enter ms':>8}")
    for n in [int(a) for a in sys.argv[1:]] or [1000, 10000]:
        run = subprocess.run([sys.executable, __file__, "--one", str(n)], capture_output=True, text=True, check=True)
        m = json.loads(run.stdout)
        peer = (f"{m['pf_seconds']:>10.1f} {m['pf_cpu']:>6.1f} {m['pf_mb']:>5.1f}" if "pf_seconds" in m
                else f"{'(not installed)':>23}")
        print(f"{m['n']:>8} {m['records']:>9.2f} {m['index']:>8.2f} {m['index_cpu']:>6.2f} {m['index_mb']:>5.0f} "
              f"{m['edit']:>7.3f} {m['files']:>6} {m['size_mb']:>5.1f} | {peer} | {m['first_kb']:>7.0f} "
              f"{m['later_kb']:>8.0f} {m['enter_ms']:>8.0f}", flush=True)


if __name__ == "__main__":
    main()
