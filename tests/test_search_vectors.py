"""The index's postings cut with arrays equal, byte for byte, those of its pieces taken one by one."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.search import postings, vectors
from generator.search.grams import SLOT, Pieces, shard_of
from generator.search.postings import encode_piece, encode_places, encode_shard
from generator.search.records import Folding

Fields = Sequence[tuple[str, Sequence[str]]]
SHARDS = (16, 8)


def one_by_one(reports: Sequence[Fields]) -> tuple[dict[int, bytes], dict[int, bytes]]:
    """The shards, each piece's reports and places gathered in dictionaries, as the index's format says."""
    folding, pieces = Folding(), Pieces()
    docs: dict[str, list[int]] = {}
    names: dict[str, list[int]] = {}
    places: dict[str, list[tuple[int, int]]] = {}
    for number, fields in enumerate(reports):
        segments = [f for field, texts in fields for t in texts if (f := t.translate(folding))]
        grams, fours, at = pieces.of(segments)
        for key in grams | set(fours):
            docs.setdefault(key, []).append(number)
        for field, texts in fields:
            for text in texts:
                if field == "name" and (f := text.translate(folding)):
                    for key in {*pieces(f)[0], *pieces(f)[1]}:
                        if number not in names.setdefault(key, []):
                            names[key].append(number)
        for key, place in zip(fours, at):
            places.setdefault(key, []).append((number, place))
    shards: tuple[dict[int, dict[str, bytes]], dict[int, dict[str, bytes]]] = ({}, {})
    for key, ids in docs.items():
        shards[0].setdefault(shard_of(key, SHARDS[0]), {})[key] = encode_piece(ids, names.get(key, []))
    for key, pairs in places.items():
        shards[1].setdefault(shard_of(key, SHARDS[1]), {})[key] = encode_places([r for r, _ in pairs],
                                                                                 [p for _, p in pairs])
    return ({s: encode_shard(v) for s, v in shards[0].items()}, {s: encode_shard(v) for s, v in shards[1].items()})


def with_arrays(reports: Sequence[Fields]) -> tuple[dict[int, bytes], dict[int, bytes]]:
    """The same shards, cut a block at a time and joined as a build does."""
    folding = Folding()
    blocks = []
    folder = tempfile.mkdtemp()
    for start in range(0, len(reports), postings.BLOCK):
        runs = vectors.cut(reports[start:start + postings.BLOCK], start, SHARDS, folding)
        blocks.append(vectors.Spilled.write(runs, f"{folder}/{start}.bin").read())  # spilled as a build does
    found = []
    for kind in (0, 1):
        shards = sorted({int(s) for b in blocks for s in (b.pieces if kind == 0 else b.places).shard})
        found.append(dict(vectors.files(blocks, kind, shards)))
    shutil.rmtree(folder)
    return found[0], found[1]


TEXT = st.text(alphabet=st.sampled_from("社区矫正法律援助系统运维ABab1１ 　\U00020000\U0002a6a5é"), max_size=12)
REPORT = st.tuples(st.lists(TEXT, min_size=1, max_size=2), st.sampled_from(["司法局", " ", ""]),
                   st.lists(TEXT, max_size=4)).map(lambda t: [("name", t[0]), ("department", [t[1]]), ("text", t[2])])


@settings(max_examples=150, deadline=None)
@given(st.lists(REPORT, min_size=1, max_size=12), st.sampled_from([2, 3, 2048]), st.sampled_from([32, 0]))
def test_any_reports_give_the_bytes_of_their_pieces_taken_one_by_one(reports: list[Fields], block: int,
                                                                    narrow: int) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(postings, "BLOCK", block)  # several blocks: runs joined across them
        patch.setattr(vectors, "_NARROW", narrow)  # sorted as 32-bit words, or never
        assert with_arrays(reports) == one_by_one(reports)


def test_long_texts_many_characters_and_repeated_pieces_give_the_same_bytes() -> None:
    rare = "".join(map(chr, range(0x4E00, 0x4E00 + 9000)))  # more characters than 13 bits number
    reports: list[Fields] = [
        [("name", ["社区矫正定位平台"]), ("text", ["矫正" * (SLOT // 2 + 10), "社区矫正"])],  # a segment past SLOT
        [("name", ["法律援助"]), ("text", [rare, "援助援助援助"])],
        [("name", ["ab"]), ("text", ["x" * 300 + "援助" + "y" * 70000])],  # places above 16 bits
        *[[("name", [f"项目{i}"]), ("text", ["系统运维", "系统运维服务"])] for i in range(300)],  # gaps of one
    ]
    assert with_arrays(reports) == one_by_one(reports)


_NUMBERS = st.sets(st.integers(0, 5 * postings.BLOCK), max_size=60)


@settings(max_examples=200, deadline=None)
@given(_NUMBERS, _NUMBERS, st.lists(st.tuples(st.integers(0, 5 * postings.BLOCK), st.booleans()), max_size=12,
                                   unique_by=lambda change: change[0]))
def test_an_edit_of_a_posting_equals_encoding_it_whole(ids: set[int], names: set[int],
                                                       changes: list[tuple[int, bool]]) -> None:
    """An edit rewrites only the runs of the blocks it touches: the bytes are those of the whole
    posting encoded again, for report numbers and for places, in and across blocks."""
    names &= ids
    data = postings.encode_piece(sorted(ids), sorted(names))
    new_ids, at = postings.update_docs(data, 0, changes)
    new_names, end = postings.update_docs(data, at, [(n, now and n % 2 == 0) for n, now in changes])
    after = {n for n, now in changes if now} | (ids - {n for n, _ in changes})
    named = {n for n, now in changes if now and n % 2 == 0} | (names - {n for n, _ in changes})
    assert (new_ids, new_names, end) == (postings.encode_docs(sorted(after)), postings.encode_docs(sorted(named)),
                                         len(data))
    places = {n: [n % 7, n % 7 + 3] for n in ids}
    moved = [(n, [n % 5] * (n % 3) if now else []) for n, now in changes]
    old = postings.encode_places(*zip(*[(n, at) for n in sorted(places) for at in places[n]])) if ids else b"\x00"
    places.update({n: list(now) for n, now in moved})
    pairs = [(n, at) for n in sorted(places) for at in places[n]]
    assert postings.update_places(old, moved) == (postings.encode_places(*zip(*pairs)) if pairs else b"\x00")
