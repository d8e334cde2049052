"""Stage 7: the safe join and the commit."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.errors import OutputError
from generator.output.write import MARKER, Output


def test_commit_swaps_and_abort_leaves_the_old_site(tmp_path: Path) -> None:
    out = tmp_path / "site"
    first = Output(out)
    first.write_text("index.html", "一")
    first.commit()
    assert (out / "index.html").read_text(encoding="utf-8") == "一" and (out / MARKER).is_file()
    second = Output(out)
    second.write_text("index.html", "二")
    second.abort()
    assert (out / "index.html").read_text(encoding="utf-8") == "一"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_paths_cannot_escape_or_repeat(tmp_path: Path) -> None:
    output = Output(tmp_path / "site")
    with pytest.raises(OutputError, match="outside the output folder"):
        output.write_text("../evil.html", "x")
    output.write_text("a/index.html", "x")
    with pytest.raises(OutputError, match="two sources write the same output file a/index.html"):
        output.write_text("a/./index.html", "y")
    output.abort()


def test_refuses_a_folder_it_did_not_make(tmp_path: Path) -> None:
    foreign = tmp_path / "docs"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("mine")
    with pytest.raises(OutputError, match="was not made by disclose"):
        Output(foreign)
    assert (foreign / "keep.txt").read_text() == "mine"


@pytest.mark.parametrize("pieces, written", [
    ([b"abc", b"def"], False),  # the same bytes, in other pieces: the previous file is left
    ([b"abcdef", b"g"], True),  # longer
    ([b"abc"], True),  # shorter
    ([b"abc", b"deF"], True),  # other bytes
    ([b"a", b"bc", b"d", b"Ef"], True),  # other bytes after three pieces the same (copied, not written)
    ([], True),  # empty
])
def test_a_streamed_file_leaves_the_previous_one_when_it_is_the_same(tmp_path: Path, pieces: list[bytes],
                                                                      written: bool) -> None:
    out = tmp_path / "site"
    first = Output(out)
    first.write_bytes("audit/findings.json", b"abcdef")
    first.commit()
    inode = (out / "audit/findings.json").stat().st_ino
    second = Output(out)
    assert second.stream(second.path("audit/findings.json"), iter(pieces)) is written
    second.commit()
    assert (out / "audit/findings.json").read_bytes() == b"".join(pieces)
    assert ((out / "audit/findings.json").stat().st_ino == inode) is not written
    fresh = Output(tmp_path / "other")
    assert fresh.stream(fresh.path("a/b.json"), iter([b"x"])) is True  # no previous site
    fresh.abort()


def test_a_streamed_file_that_changes_late_keeps_every_byte(tmp_path: Path) -> None:
    """The part the pieces share with the previous file (megabytes, copied in blocks) and the rest."""
    out = tmp_path / "site"
    first = Output(out)
    old = bytes(range(256)) * 12_000  # 3 MB
    first.write_bytes("data/reports.json", old)
    first.commit()
    new = [old[i:i + 4096] for i in range(0, 2_500_000, 4096)] + [b"changed", old[2_500_007:], b"more"]
    second = Output(out)
    assert second.stream(second.path("data/reports.json"), iter(new)) is True
    second.commit()
    assert (out / "data/reports.json").read_bytes() == b"".join(new)
