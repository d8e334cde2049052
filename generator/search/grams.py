"""Part of stage 6, index: the pieces of folded text the index keys, and how its files pack them.

Contract: ``Pieces().of(segments)`` gives one report's keys: every folded piece of one to
three characters (code points) of each segment, and each four-character piece with its
position, segment ``i`` from position ``i * SLOT``.
``shard_of(key, count)`` spreads keys over files by FNV-1a of their code points;
``pack``/``unpack`` write and read a list of integers as a width byte (1, 2 or 4) and
little-endian values; ``varint`` is LEB128. ``static/search.js`` reads all of it the same way (and ``static/search-start.js`` finds the shards).
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Iterable, Sequence
from operator import add

SLOT = 1 << 16  # the positions of one segment
LONGEST = 4  # pieces up to this length are keyed with their reports; longer queries join 4-pieces by position
_TYPECODE = {1: "B", 2: "H", 4: "I"}
_SWAP = sys.byteorder != "little"
assert array("I").itemsize == 4 and array("H").itemsize == 2


class Pieces:
    """The pieces of folded segments; a short segment's, which recur from report to report
    (indicator and department names), computed once per build."""

    SHORT = 24  # segments up to this many characters are remembered

    def __init__(self) -> None:
        self.known: dict[str, tuple[frozenset[str], tuple[str, ...]]] = {}

    def __call__(self, s: str) -> tuple[frozenset[str], tuple[str, ...]]:
        """The pieces of 1–3 characters of segment ``s``, and its 4-pieces in order."""
        found = self.known.get(s)
        if found is None:
            two = list(map(add, s, s[1:]))
            three = list(map(add, two, s[2:]))
            four = tuple(map(add, three, s[3:]))
            found = (frozenset(s).union(two, three), four)
            if len(s) <= self.SHORT:
                self.known[s] = found
        return found

    def of(self, segments: Iterable[str]) -> tuple[set[str], list[str], list[int]]:
        """The keys of one report: every piece of 1–3 characters of a segment; and each 4-piece
        with its position (the reports holding a 4-piece are those of its places): segment ``i``
        starts at ``i * SLOT`` (a longer one takes more slots), so an edit of one segment moves no
        piece of another."""
        grams: set[str] = set()
        fours: list[str] = []
        places: list[int] = []
        base = 0
        for s in segments:
            found = self.known.get(s)
            if found is None and len(s) <= self.SHORT:
                found = self(s)
            if found is not None:
                grams |= found[0]
                four: Sequence[str] = found[1]
            else:  # a long segment, seldom seen twice: its pieces straight into the report's
                two = list(map(add, s, s[1:]))
                three = list(map(add, two, s[2:]))
                four = list(map(add, three, s[3:]))
                grams.update(s, two, three)
            fours += four
            places += range(base, base + len(four))
            base += (len(s) // SLOT + 1) * SLOT  # at least one position between segments: no join spans two
        return grams, fours, places


def shard_of(key: str, count: int) -> int:
    """The file (of ``count``, a power of two) that holds ``key``: FNV-1a over its code points."""
    h = 2166136261
    for ch in key:
        h = ((h ^ ord(ch)) * 16777619) & 0xFFFFFFFF
    return h & (count - 1)


def varint(value: int) -> bytes:
    """``value`` (≥ 0) as LEB128: seven bits a byte, the high bit set on all but the last."""
    out = bytearray()
    while value > 127:
        out.append(value & 127 | 128)
        value >>= 7
    out.append(value)
    return bytes(out)


def read_varint(data: bytes | memoryview, at: int) -> tuple[int, int]:
    """The LEB128 value at ``at`` and the offset after it."""
    value = shift = 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 127) << shift
        if byte < 128:
            return value, at
        shift += 7


def pack(values: Sequence[int]) -> bytes:
    """``values`` (≥ 0) as a width byte and the values in that many bytes each, little-endian."""
    if isinstance(values, list):
        try:
            return b"\x01" + bytes(values)  # all below 256, most often: no pass to find the largest
        except ValueError:
            pass
    top = max(values, default=0)
    width = 1 if top < 256 else 2 if top < 65536 else 4
    if width == 1:  # bytes() of a list: of an array it would copy the array's memory
        return b"\x01" + bytes(values if isinstance(values, list) else list(values))
    packed = array(_TYPECODE[width], values)
    if _SWAP:
        packed.byteswap()
    return bytes([width]) + packed.tobytes()


def unpack(data: bytes | memoryview, at: int, count: int) -> tuple[array[int], int]:
    """``count`` values packed at ``at``; and the offset after them."""
    width = data[at]
    end = at + 1 + width * count
    values = array(_TYPECODE[width], bytes(data[at + 1:end]))
    if _SWAP and width > 1:
        values.byteswap()
    return values, end
