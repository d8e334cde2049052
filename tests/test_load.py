"""Stage 1: safe YAML parsing with positions."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.content.load import (
    Document,
    _Problem,
    load_content,
    parse_markdown,
    parse_yaml,
    read_text,
)


def test_floats_keep_their_printed_digits() -> None:
    data, _ = parse_yaml("a: 12880.00\nb: 1.0000\nc: 19.4\nd: 7\n")
    assert data == {"a": Decimal("12880.00"), "b": Decimal("1.0000"), "c": Decimal("19.4"), "d": 7}
    assert str(data["a"]) == "12880.00"


def test_positions_point_at_values() -> None:
    _, pos = parse_yaml("funds:\n  total: {initial: 1, adjusted: 2}\nlist:\n  - x\n  - y\n")
    assert pos[("funds", "total", "adjusted")] == (2, 33)
    assert pos[("list", 1)] == (5, 5)


@pytest.mark.parametrize("text, message", [
    ("a: !!python/object:os.system x\n", "YAML tags"),
    ("a: &x [1]\nb: *x\n", "aliases"),
    ("a: 1\na: 2\n", "duplicate key 'a' (first on line 1)"),
    ("a:\n\t- 1\n", "tab used for indentation"),
    ("a: [1, 2\n", "YAML syntax error"),
    ("a: 2022-02-30\n", "impossible date"),
    ("a: {<<: {b: 1}}\n", "not allowed"),
])
def test_unsafe_or_broken_yaml_is_refused(text: str, message: str) -> None:
    with pytest.raises(_Problem, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_yaml(text)


def test_deep_nesting_is_refused() -> None:
    with pytest.raises(_Problem, match="nesting deeper"):
        parse_yaml("a: " + "[" * 50 + "]" * 50 + "\n")


def test_bom_and_crlf_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_bytes("\ufeffa: 1\r\nb: 二\r\n".encode())
    assert read_text(path) == "a: 1\nb: 二\n"


def test_gbk_gets_a_conversion_hint(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_bytes("name: 司法局\n".encode("gbk"))
    with pytest.raises(_Problem, match="not UTF-8 .*GBK.*iconv -f GB18030 -t UTF-8"):
        read_text(path)


def test_front_matter_lines_are_counted_from_the_file_start() -> None:
    data, pos, body, body_line = parse_markdown("---\ntitle: 关于\norder: 2\n---\n正文\n")
    assert data == {"title": "关于", "order": 2}
    assert pos[("order",)] == (3, 8)
    assert body == "正文\n" and body_line == 5


def test_load_content_collects_every_problem(make_site) -> None:
    root = make_site({"pages/a.md": "---\ntitle: [\n---\n", "departments/x/department.yaml": "",
                      "notes.txt": "hi"})
    loaded = load_content(root)
    messages = sorted((e.path.rsplit("/", 1)[-1], e.message.split(":")[0]) for e in loaded.errors)
    assert messages == [("a.md", "YAML syntax error"), ("department.yaml", "file is empty"),
                        ("notes.txt", "not a content file")]
    assert all(isinstance(d, Document) for d in loaded.docs)
    assert "departments/x/department.yaml" in loaded.failed


# Plain scalars PyYAML resolves to something other than text, and their neighbours.
_TRICKY = ["", "~", "null", "Null", "yes", "No", "on", "OFF", "true", "1_000", "0x1F", "010", "1:30",
           "1:30.5", "-.inf", ".NaN", "12880.00", "-7", "+3.5e2", "2024-01-31", "2024-02-30", "=", "<<x",
           "o", "y", "n", "2022年", "3个", ">=95%", "100%", "12,880.00", "项目", "a b", "Ｏ"]


@settings(max_examples=300, deadline=None)
@given(st.recursive(
    st.sampled_from(_TRICKY) | st.text(alphabet="0123456789.:-+_exyonNT~年项 ", max_size=8),
    lambda inner: st.lists(inner, min_size=1, max_size=3)
    | st.dictionaries(st.sampled_from(["a", "b", "名称", "1", "y", "null", "2024-01-01"]), inner, min_size=1,
                      max_size=3),
    max_leaves=12))
def test_the_quick_path_reads_what_the_checked_path_reads(value: object) -> None:
    """libyaml's composer with the memoised resolver gives the data and marks of the checked path."""
    from generator.content import load

    def plain(item: object, indent: str) -> str:  # block YAML with every scalar unquoted
        if isinstance(item, dict):
            return "".join(f"\n{indent}{k}:{plain(v, indent + '  ')}" for k, v in item.items())
        if isinstance(item, list):
            return "".join(f"\n{indent}-{plain(v, indent + '  ')}" for v in item)
        return f" {item}" if item else ""

    text = plain(value, "").lstrip("\n") + "\n" if isinstance(value, (dict, list)) else f"{value}\n"
    try:
        node = load._compose(text)
    except yaml.YAMLError:
        return  # not a document of its own (a scalar the block syntax takes otherwise)
    marks: list[int] = []
    try:
        checked = None if node is None else load._convert(node, [], marks, 0)
    except load._Problem:
        return  # refused (a duplicate key, an impossible date): the quick path then gives way too
    quick = load._quick(text, 0)
    if quick is None:  # it gives way only to what it cannot check (here: "- -" nests on one line)
        assert load._UNCHECKED.search(text)
        return
    assert repr(quick[0]) == repr(checked) and list(quick[1]) == marks  # (repr: types too, and NaN)
    # a finding's place is found from the marks of the values above it only, as from all of them
    every = load.positions_of(checked, marks)
    doc = load.Document(Path("x.yaml"), "x.yaml", checked, marks=quick[1])
    for loc in every:
        if loc and loc[-1] != load.KEY:
            assert doc.where(loc, doc.places([loc])) == every[loc]
