"""Pagefind's bundle made reproducible: hash-map orders sorted, changed files renamed after their content."""

from __future__ import annotations

import json

from generator.search.bundle import Raw, decode, encode, read, reproducible, write


def bundle(values: list[list[object]], sorts: list[list[object]]) -> dict[str, bytes]:
    """A Pagefind 1.5 bundle with one filter chunk, in the orders Pagefind happened to write."""
    meta = ["1.5.2", [["zh-cn_0000001", 12]], [["aa", "zz", "zh-cn_0000002"]],
            [["kind", "zh-cn_abcdef0"]], sorts, ["title", "url"]]
    return {"pagefind-entry.json": b'{"version":"1.5.2","languages":{"zh-cn":{"hash":"zh-cn_1234567890abc"}}}',
            "pagefind.zh-cn_1234567890abc.pf_meta": write(meta),
            "filter/zh-cn_abcdef0.pf_filter": write(["kind", values]),
            "fragment/zh-cn_0000001.pf_fragment": b"kept as it is"}


def test_the_same_index_in_another_order_gives_the_same_files() -> None:
    one = reproducible(bundle([["绩效自评", [0, 3]], ["部门预算", [1]]], [["score", [1, 0]], ["budget", [0, 1]]]))
    two = reproducible(bundle([["部门预算", [1]], ["绩效自评", [0, 3]]], [["budget", [0, 1]], ["score", [1, 0]]]))
    assert one == two
    assert one["fragment/zh-cn_0000001.pf_fragment"] == b"kept as it is"
    (meta_name,) = [n for n in one if n.endswith(".pf_meta")]
    (filter_name,) = [n for n in one if n.startswith("filter/")]
    meta = read(one[meta_name])
    assert meta[3] == [["kind", filter_name.removeprefix("filter/").removesuffix(".pf_filter")]]
    assert [s[0] for s in meta[4]] == ["budget", "score"]
    assert read(one[filter_name])[1] == sorted([["绩效自评", [0, 3]], ["部门预算", [1]]])
    entry = json.loads(one["pagefind-entry.json"])
    assert f"pagefind.{entry['languages']['zh-cn']['hash']}.pf_meta" == meta_name
    assert len(meta_name) == len("pagefind.zh-cn_1234567890abc.pf_meta")


def test_cbor_items_it_does_not_change_are_kept_byte_for_byte() -> None:
    data = bytes.fromhex("83fa3fc00000a1616101f5")  # [1.5 as a float32, {"a": 1}, true]
    item, end = decode(data)
    assert end == len(data) and all(isinstance(x, Raw) for x in item)
    assert encode(item) == data
    assert encode([0, 23, 24, 255, 256, 65536, 2**32, -1, "词", b"\x00"]) == bytes.fromhex(
        "8a00171818" "18ff" "190100" "1a00010000" "1b0000000100000000" "20" "63e8af8d" "4100")


def test_a_bundle_of_another_layout_comes_back_unchanged() -> None:
    files = bundle([["a", [0]]], [])
    files["pagefind.zh-cn_1234567890abc.pf_meta"] = write(["2.0.0", []])
    assert reproducible(files) == files
