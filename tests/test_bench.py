"""The benchmarks' own promises: synthetic content that is valid, seed-like and the same every
time, and a runner that prints every figure the README's Performance section reports.

Timing itself is never asserted: the figures are read, not judged.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from generator.site import check
from tests.test_incremental import tree

ROOT = Path(__file__).resolve().parents[1]


def synth() -> ModuleType:
    spec = importlib.util.spec_from_file_location("synth", ROOT / "bench" / "synth.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_synthetic_content_is_valid_seed_like_and_deterministic(tmp_path: Path) -> None:
    make = synth().make_content
    first, again, other = make(tmp_path / "a", 90, 3), make(tmp_path / "b", 90, 3), make(tmp_path / "c", 90, 4)
    assert tree(first) == tree(again) and tree(first) != tree(other)
    content, findings = check(first)  # raises on any content error
    assert len(content.reports) == 90 and len(content.departments) == 3  # N reports over N/40 departments
    assert {e.model.year for e in content.reports} >= {2021, 2022, 2023}
    assert {e.kind for e in content.reports} == {"self-evaluation", "target-declaration", "department-budget"}
    assert findings  # some printed figures do not add up, as in the seeds


def test_the_build_benchmark_prints_every_figure() -> None:
    n = 41  # a size of its own under bench/out/, removed afterwards
    try:
        run = subprocess.run([sys.executable, "bench/build_bench.py", str(n)], cwd=ROOT, capture_output=True,
                             text=True, check=True, timeout=600)
    finally:
        shutil.rmtree(ROOT / "bench" / "out" / str(n), ignore_errors=True)
    out = run.stdout
    assert f"{n} reports, " in out and " pages, " in out
    # the peers' reports, the same for disclose: Hugo and Pagefind are timed when the bench extra
    # is installed, and named when it is not
    assert re.search(r"Hugo +[\d.]+ s wall.*\n.*Pagefind +[\d.]+ s wall", out) or "no peers" in out, out
    for figure in (r"full build +[\d.]+ s wall, [\d.]+ s CPU, [\d,]+ pages/s",
                   r"peak memory +[\d,]+ MB PSS .*largest process [\d,]+ MB; target (met|missed) \(400 MB\)",
                   r"steps \(s\): inputs [\d.]+, loading [\d.]+, reading [\d.]+, parsing [\d.]+, .*pages [\d.]+",
                   r"search index +[\d.]+ s, search/ [\d,]+ MB",
                   (r"unchanged +[\d.]+ s wall, 0 files written \(nothing it reads had changed: the site "
                    r"kept\); target (met|missed) \(2 s\)"),
                   r"one edit, CLI +[\d.]+ s wall \(build [\d.]+ s\), [1-9]\d* files written",
                   (r"one edit, serve \(figure\) +[\d.]+ s from save to site, search included, [1-9]\d* files "
                    r"written; target (met|missed) \(1 s\)"),
                   r"recomputed: \{'hashed': \d+, 'parsed': 1, ",
                   r"one edit, serve \(name\) +[\d.]+ s from save to site"):
        assert re.search(figure, out), f"missing: {figure}\n{out}"
