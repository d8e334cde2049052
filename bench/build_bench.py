"""Build benchmark: full, unchanged and one-edit builds of synthetic sites, with peak memory.

Usage: ``python3 bench/build_bench.py [N ...] [--jobs J] [--full]`` (default N: 1000 10000;
``--full``: the cold build only, e.g. for 50,000 reports).

For each N it writes N seed-like reports with ``bench/synth.py`` into
``bench/out/<N>/content`` (kept between runs; git ignores ``bench/out/``) and
prints, each measured in a fresh process:

- full: a cold build (no cache, no previous site), with search: wall and CPU
  seconds, pages per second, the seconds of each step, and peak memory — the
  largest proportional set size (PSS) of the build and its children (worker
  processes, Pagefind) summed, sampled every 50 ms from /proc, with the Python
  processes' and Pagefind's own peaks, and the largest single process
  (``ru_maxrss``);
- search: Pagefind's seconds and the size of ``pagefind/``;
- unchanged: the same build again (parses from the cache, unchanged files linked);
- one edit, CLI: after changing one report's figure, ``disclose build`` again;
- one edit, serve: the same edit rebuilt as ``disclose serve`` does it (``serve.Site``,
  which keeps its caches between builds), then an edit of the report's name (which the
  search index holds): from the file's save to the new site in place, and to the new
  search index swapped in after it (at once when the index did not change).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(ROOT), str(BENCH)]

from synth import make_content

# The child: one build (or, with "serve", serve's first build, then edits each rebuilt as serve
# rebuilds them, up to the new search index), as JSON.
CHILD = r"""
import json, sys, time
from pathlib import Path
from generator.site import build
from generator.serve import Site
content, out, jobs, mode = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
if mode == "serve":
    site = Site(content, out, jobs)
    site.first()
    edited, edits = Path(sys.argv[5]), []
    for old, new in zip(sys.argv[6::2], sys.argv[7::2]):
        edited.write_text(edited.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
        saved = time.perf_counter()
        report = site.rebuild()
        seconds = time.perf_counter() - saved
        site.wait_index()
        edits.append({"seconds": seconds, "search": time.perf_counter() - saved, "changed": report.changed,
                      "timings": report.timings})
        site.wait()  # the previous site removed, as it is in the background, before the next edit
    print(json.dumps({**edits[0], "edits": edits}))
else:
    report = build(content, out, jobs=jobs)
    print(json.dumps({"seconds": report.seconds, "pages": report.pages, "files": report.files,
                      "changed": report.changed, "timings": report.timings}))
"""


def _tree(pid: int) -> list[int]:
    """The process ``pid`` and all its descendants."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    todo += [int(c) for c in handle.read().split()]
        except OSError:
            continue
    return found


def _pss(pids: list[int]) -> dict[str, int]:
    """The proportional set size of ``pids`` in bytes (shared pages counted once), by program name."""
    sizes: dict[str, int] = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/comm") as handle:
                name = "pagefind" if "pagefind" in handle.read() else "python"
            with open(f"/proc/{pid}/smaps_rollup") as handle:
                for line in handle:
                    if line.startswith("Pss:"):
                        sizes[name] = sizes.get(name, 0) + int(line.split()[1]) * 1024
                        break
        except OSError:
            continue
    return sizes


def measure(args: list[str]) -> dict[str, float]:
    """Run the child with ``args``; return its JSON plus wall, CPU and peak memory."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", CHILD, *args], cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True)
    peak = python = pagefind = 0
    while child.poll() is None:
        sizes = _pss(_tree(child.pid))
        peak = max(peak, sum(sizes.values()))
        python, pagefind = max(python, sizes.get("python", 0)), max(pagefind, sizes.get("pagefind", 0))
        time.sleep(0.05)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = child.stdout.read() if child.stdout else ""
    if child.returncode != 0:
        raise SystemExit(f"the build failed (exit {child.returncode}); run it alone to see why")
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    result.update(wall=wall, cpu=(after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
                  pss_peak=peak, pss_python=python, pss_pagefind=pagefind, rss_max=after.ru_maxrss * 1024)
    return result


def _steps(result: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.2f}" for k, v in result["timings"].items())  # type: ignore[attr-defined]


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _mb(count: float) -> str:
    return f"{count / 2**20:,.0f} MB"


def bench(n: int, jobs: int, only_full: bool = False) -> None:
    """Measure the builds of ``n`` reports and print them."""
    base = BENCH / "out" / str(n)
    content, out = base / "content", base / "site"
    if not (content / "site.yaml").is_file():
        make_content(content, n, seed=1)
    for stale in (out, base / ".disclose-cache"):
        shutil.rmtree(stale, ignore_errors=True)
    args = [str(content), str(out), str(jobs)]
    full = measure([*args, "full"])
    print(f"\n{n} reports, {full['pages']:.0f} pages, {full['files']:.0f} files, {jobs} processes")
    print(f"  full build    {full['wall']:7.2f} s wall, {full['cpu']:.2f} s CPU, "
          f"{full['pages'] / full['wall']:,.0f} pages/s")
    print(f"  peak memory   {_mb(full['pss_peak'])} PSS of the build and its children (Python processes at most "
          f"{_mb(full['pss_python'])}, Pagefind {_mb(full['pss_pagefind'])}); largest process {_mb(full['rss_max'])}")
    print(f"    steps (s): {_steps(full)}")
    indexing = full["timings"].get("pagefind (alongside)", full["timings"]["search"])  # type: ignore[attr-defined]
    print(f"  search index  {indexing:7.2f} s of Pagefind beside the other steps, "
          f"pagefind/ {_mb(_size(out / 'pagefind'))}")
    if only_full:
        return
    again = measure([*args, "full"])
    print(f"  unchanged     {again['wall']:7.2f} s wall, {again['changed']:.0f} files written")
    edited = sorted((content / "departments").glob("*/projects/*/*.yaml"))[n // 2]
    text = edited.read_text(encoding="utf-8")
    try:
        edited.write_text(text.replace("weight: 10, rate:", "weight: 10.0, rate:", 1) + "\n", encoding="utf-8")
        cli = measure([*args, "full"])
        print(f"  one edit, CLI {cli['wall']:7.2f} s wall (build {cli['seconds']:.2f} s), "
              f"{cli['changed']:.0f} files written")
        name = next(line for line in text.splitlines() if line.startswith("name: "))
        renamed = f'{name[:-1]}（修订）"' if name.endswith('"') else f"{name}（修订）"
        serve = measure([*args, "serve", str(edited), "weight: 10.0, rate:", "weight: 10.00, rate:", name, renamed])
        for what, edit in zip(("figure", "name"), serve["edits"]):  # type: ignore[call-overload]
            print(f"  one edit, serve ({what}) {edit['seconds']:5.2f} s from save to site, {edit['changed']:.0f} "
                  f"files written; search index in place {edit['search']:.2f} s after the save")
            print(f"    steps (s): {_steps(edit)}")
    finally:
        edited.write_text(text, encoding="utf-8")


def main() -> None:
    argv = sys.argv[1:]
    jobs = 0
    if "--jobs" in argv:
        at = argv.index("--jobs")
        jobs = int(argv[at + 1])
        del argv[at:at + 2]
    only_full = "--full" in argv
    argv = [a for a in argv if a != "--full"]
    from generator.output.parallel import cores

    for n in [int(a) for a in argv] or [1000, 10000]:
        bench(n, jobs or cores(), only_full)


if __name__ == "__main__":
    main()
