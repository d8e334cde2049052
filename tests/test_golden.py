"""The examples as a golden site: every built text file equals tests/golden/, with a unified diff.

Regenerate on purpose with ``python3 -m pytest tests/test_golden.py --update-golden`` and
review the diff in git before committing it.
"""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"
TEXT = {".html", ".json", ".xml", ".css", ".js", ".csv", ".txt", ".svg"}
SKIP = ("search/index/", "static/")  # the search index and the theme's files are tested elsewhere


def text_files(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(root.rglob("*"))
            if p.is_file() and p.suffix in TEXT and not p.relative_to(root).as_posix().startswith(SKIP)}


def test_examples_match_the_golden_site(built_examples: Path, request: pytest.FixtureRequest) -> None:
    built = text_files(built_examples)
    if request.config.getoption("--update-golden"):
        shutil.rmtree(GOLDEN, ignore_errors=True)
        for rel, text in built.items():
            (GOLDEN / rel).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / rel).write_text(text, encoding="utf-8")
    golden = text_files(GOLDEN)
    assert sorted(built) == sorted(golden), "files differ; rerun with --update-golden if intended"
    for rel in golden:
        if built[rel] != golden[rel]:
            diff = "".join(difflib.unified_diff(golden[rel].splitlines(True), built[rel].splitlines(True),
                                                f"golden/{rel}", f"built/{rel}"))
            pytest.fail(f"{rel} differs from the golden site:\n{diff}")
