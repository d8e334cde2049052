"""Invalid inputs as data: one folder per case under fixtures/invalid/.

Each case holds a content folder ``content/`` and ``expected.txt``: the exact
lines ``disclose check`` must print on stderr (paths as seen from the case
folder). Every case must exit 1, print no traceback and finish within seconds.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

CASES = sorted(p for p in (Path(__file__).parent / "fixtures" / "invalid").iterdir() if p.is_dir())


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_invalid_case(case: Path) -> None:
    expected = (case / "expected.txt").read_text(encoding="utf-8").splitlines()
    start = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "generator", "check", "--content", "content"],
                            cwd=case, capture_output=True, text=True, timeout=60, check=False,
                            env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])})
    assert time.monotonic() - start < 10
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[:-1] == expected
    assert lines[-1] == f"{len(expected)} error(s); nothing was written"
