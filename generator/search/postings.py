"""Part of stage 6, index: the postings of the index's shards, as bytes.

Contract: ``encode_docs``/``decode_docs`` write and read ascending report numbers as runs, one
for each block of ``BLOCK`` numbers that has any (a count, the first, the gaps packed), ended by
0; a piece's posting (``encode_piece``) is its reports, then those holding it in their name;
a 4-piece's (``encode_places``) is runs of its places, (report, position); a shard
(``encode_shard``) is the count of its keys, then each key as code points with its posting, keys
in order. ``run`` and ``places_run`` give one block's run, which a build's batch writes on its
own: joined in order, the runs of the batches are the postings a whole build writes.
``static/search.js`` reads the same.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from itertools import accumulate, groupby, islice
from operator import sub

from generator.search.grams import pack, read_varint, unpack, varint

BLOCK = 1 << 10  # report numbers per run of a posting, and per batch of a build: what it holds at once


def runs(ids: Sequence[int]) -> list[tuple[int, int]]:
    """Where the ascending ``ids`` cross from one block of report numbers to the next: (start, end)."""
    out = []
    start = 0
    while start < len(ids):
        end = bisect.bisect_left(ids, (ids[start] // BLOCK + 1) * BLOCK, start)
        out.append((start, end))
        start = end
    return out


def run(ids: Sequence[int]) -> bytes:
    return varint(len(ids)) + varint(ids[0]) + pack(list(map(sub, islice(ids, 1, None), ids)))


def encode_docs(ids: Sequence[int]) -> bytes:
    """Ascending report numbers, a run for each block of ``BLOCK`` numbers that has any (its count,
    its first, the gaps packed), then 0."""
    return b"".join(run(ids[a:b]) for a, b in runs(ids)) + b"\x00"


def decode_docs(data: bytes | memoryview, at: int = 0) -> tuple[list[int], int]:
    """The report numbers at ``at``, and the offset after them."""
    out: list[int] = []
    while True:
        n, at = read_varint(data, at)
        if n == 0:
            return out, at
        first, at = read_varint(data, at)
        gaps, at = unpack(data, at, n - 1)
        out += accumulate(gaps, initial=first)


def encode_piece(ids: Sequence[int], names: Sequence[int]) -> bytes:
    """A piece's posting: the reports holding it, then those holding it in their name."""
    return encode_docs(ids) + encode_docs(names)


def decode_piece(data: bytes) -> tuple[list[int], list[int]]:
    ids, at = decode_docs(data)
    names, at = decode_docs(data, at)
    if at != len(data):
        raise ValueError("trailing bytes in a posting")
    return ids, names


def places_run(reports: Sequence[int], positions: Sequence[int]) -> bytes:
    return run(reports) + pack(positions)


def encode_places(reports: Sequence[int], positions: Sequence[int]) -> bytes:
    """Where a 4-piece stands: a run for each block of report numbers (the count of its places,
    the report of the first, the gaps between the reports of one place and the next, 0 within a
    report, packed, then the positions packed), then 0."""
    return b"".join(places_run(reports[a:b], positions[a:b]) for a, b in runs(reports)) + b"\x00"


def decode_places(data: bytes | memoryview) -> list[tuple[int, int]]:
    """The (report, position) places of a 4-piece, in order."""
    out: list[tuple[int, int]] = []
    at = 0
    while True:
        n, at = read_varint(data, at)
        if n == 0:
            return out
        first, at = read_varint(data, at)
        gaps, at = unpack(data, at, n - 1)
        positions, at = unpack(data, at, n)
        out += zip(accumulate(gaps, initial=first), positions)


def _runs(data: bytes, at: int, places: bool) -> tuple[dict[int, bytes], int]:
    """The runs of the numbers (``places``: the places) at ``at``, by the block of their reports,
    as encoded; and the offset after them. Each is skipped by its counts and widths, not read."""
    found: dict[int, bytes] = {}
    while True:
        start = at
        n, at = read_varint(data, at)
        if n == 0:
            return found, at
        first, at = read_varint(data, at)
        for count in (n - 1, n) if places else (n - 1,):
            width = data[at]
            at += 1 + width * count
        found[first // BLOCK] = data[start:at]


def update_docs(data: bytes, at: int, changes: Sequence[tuple[int, bool]]) -> tuple[bytes, int]:
    """The report numbers at ``at`` (``encode_docs``), each (report, whether it is in them now) of
    ``changes`` applied, encoded again; and the offset after the old ones. Only the runs of the
    blocks ``changes`` touch are read and written: the same bytes as encoding the numbers whole."""
    blocks, end = _runs(data, at, places=False)
    for block, group in groupby(sorted(changes), key=lambda change: change[0] // BLOCK):
        ids = decode_docs(blocks[block] + b"\x00")[0] if block in blocks else []
        for number, now in group:
            where = bisect.bisect_left(ids, number)
            there = where < len(ids) and ids[where] == number
            if now and not there:
                ids.insert(where, number)
            elif there and not now:
                del ids[where]
        if ids:
            blocks[block] = run(ids)
        else:
            blocks.pop(block, None)
    return b"".join(blocks[block] for block in sorted(blocks)) + b"\x00", end


def update_places(data: bytes, changes: Sequence[tuple[int, Sequence[int]]]) -> bytes:
    """A 4-piece's places (``encode_places``), each (report, its positions now) of ``changes``
    applied; only the runs of the blocks ``changes`` touch read and written again."""
    blocks, end = _runs(data, 0, places=True)
    if end != len(data):
        raise ValueError("trailing bytes in a posting")
    for block, group in groupby(sorted(changes), key=lambda change: change[0] // BLOCK):
        pairs = decode_places(blocks[block] + b"\x00") if block in blocks else []
        for number, now in group:
            start = bisect.bisect_left(pairs, (number, -1))
            pairs[start:bisect.bisect_left(pairs, (number + 1, -1))] = [(number, at) for at in now]
        if pairs:
            blocks[block] = places_run([r for r, _ in pairs], [at for _, at in pairs])
        else:
            blocks.pop(block, None)
    return b"".join(blocks[block] for block in sorted(blocks)) + b"\x00"


def encode_shard(postings: dict[str, bytes]) -> bytes:
    """A shard: the count of its keys, then each key (code points) and its posting, keys in order."""
    out = [varint(len(postings))]
    for key in sorted(postings):
        out += [varint(len(key)), *(varint(ord(c)) for c in key), varint(len(postings[key])), postings[key]]
    return b"".join(out)


def decode_shard(data: bytes) -> dict[str, bytes]:
    view = memoryview(data)
    count, at = read_varint(view, 0)
    out = {}
    for _ in range(count):
        length, at = read_varint(view, at)
        codes = []
        for _ in range(length):
            code, at = read_varint(view, at)
            codes.append(chr(code))
        size, at = read_varint(view, at)
        out["".join(codes)] = bytes(view[at:at + size])
        at += size
    if at != len(data):
        raise ValueError("trailing bytes in a shard")
    return out
