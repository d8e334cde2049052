"""Part of stage 6, index: a whole build's postings, cut and encoded with numpy arrays.

Contract: ``cut(reports, start, shards, folding)`` takes one block of reports (numbered
``start``, ``start + 1``, …, at most ``BLOCK`` of them), each as its searchable (field, segments)
pairs, folds their segments with ``folding`` and gives that block's :class:`Runs`: for every
piece of one to four characters the run of the reports holding it (and of those holding it in
their name), for every 4-piece the run of its places, each with its shard of ``shards``
(pieces, places). ``files(blocks, kind, numbers)`` joins the runs of the blocks, in order, into
the files of shards ``numbers``: the bytes :func:`postings.encode_shard` gives for the same
postings, which the tests check against the pieces :class:`grams.Pieces` cuts one by one.

Why arrays: at 10,000 reports a build appends some fourteen million (piece, report) pairs; one
Python operation each is seconds, a sort of 64-bit integers is milliseconds. A key is held as
its code points plus one, four columns, 0 where the key is shorter: sorted column by column,
keys come in the order of Python's strings.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from generator.search.grams import SLOT
from generator.search.records import Folding

Ints = npt.NDArray[np.int64]
Bytes = npt.NDArray[np.uint8]

_CODE_BITS = 21  # a code point plus one, below 0x110001
_CODE = (1 << _CODE_BITS) - 1
_NARROW = 32  # values of this many bits or fewer are sorted as 32-bit words, twice as quick


@dataclass(frozen=True)
class Table:
    """Keys with a run each: ``keys`` (n × 4 code points plus one), ``shard``, and the runs laid
    end to end in ``data``, key ``i``'s from ``ends[i - 1]`` (or 0) to ``ends[i]``."""

    keys: npt.NDArray[np.uint32]
    shard: Ints
    data: Bytes
    ends: Ints


@dataclass(frozen=True)
class Runs:
    """One block's runs: of the pieces (``names`` holds the name runs of some of the same keys,
    an empty run for the others), and of the 4-pieces' places."""

    pieces: Table
    names: Table
    places: Table


@dataclass(frozen=True)
class Spilled:
    """A block's :class:`Runs` written to the file ``path`` (raw arrays, each at its offset): a
    build holds the runs of one block at a time, and its joins map only the parts they read."""

    path: str
    layout: tuple[tuple[str, tuple[int, ...], int], ...]  # each array's dtype, shape and offset

    @staticmethod
    def write(runs: Runs, path: str) -> Spilled:
        layout = []
        offset = 0
        with open(path, "xb") as out:
            for table in (runs.pieces, runs.names, runs.places):
                for array in (table.keys, table.shard, table.data, table.ends):
                    data = np.ascontiguousarray(array).tobytes()
                    pad = -len(data) % 8  # each array aligned for its machine words
                    out.write(data + bytes(pad))
                    layout.append((array.dtype.str, array.shape, offset))
                    offset += len(data) + pad
        return Spilled(path, tuple(layout))

    def read(self) -> Runs:
        """The runs, mapped from the file (read only; nothing in it is code: raw numbers)."""
        size = os.path.getsize(self.path)
        raw = np.memmap(self.path, np.uint8, mode="r") if size else np.zeros(0, np.uint8)
        arrays = [raw[at:at + np.dtype(kind).itemsize * math.prod(shape)].view(kind).reshape(shape)
                  for kind, shape, at in self.layout]
        return Runs(*(Table(*arrays[i:i + 4]) for i in range(0, len(arrays), 4)))


# -- small tools -------------------------------------------------------------------------------------

def _distinct(values: Ints) -> Ints:
    """The distinct values, ascending (a sort and a comparison: quicker than ``np.unique``)."""
    if not len(values):
        return values
    ordered = np.sort(values)
    keep = np.empty(len(ordered), bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def _numbered(values: Ints) -> tuple[Ints, Ints]:
    """The distinct values, ascending, and each value's number among them (an argsort, which
    numpy vectorises: quicker than a binary search of each value)."""
    order = np.argsort(values)
    ordered = values[order]
    new = np.empty(len(ordered), bool)
    new[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
    numbers = np.empty(len(values), np.int64)
    numbers[order] = np.cumsum(new) - 1
    return ordered[new], numbers


def _short(code: Ints, left: Ints) -> list[Ints]:
    """The pieces of one to three characters starting at each character of ``code`` (``left``:
    characters from it to its segment's end), numbered among the distinct pieces in ascending
    order: each character's 1-, 2- and 3-piece numbers (the last two meaningful where
    ``left`` is 2 or 3 and more), and the distinct pieces, packed 21 bits a character, the first
    highest. One sort of the 3-pieces (a shorter piece padded with zeros) orders them all: a
    piece's prefixes come right before it, so each distinct prefix is seen where it first
    differs from the one before."""
    padded = np.concatenate((code, np.zeros(2, np.int64)))
    index = np.arange(len(code))
    whole = (code << 42 | np.where(left >= 2, padded[index + 1], 0) << 21
             | np.where(left >= 3, padded[index + 2], 0))
    order = np.argsort(whole)
    ordered = whole[order]
    new = []  # at each place in order: whether its 1-, 2- and 3-piece is new there
    for bits, length in ((42, 1), (21, 2), (0, 3)):
        prefix = ordered >> bits
        fresh = np.empty(len(ordered), bool)
        fresh[:1] = True
        np.not_equal(prefix[1:], prefix[:-1], out=fresh[1:])
        if length > 1:
            fresh &= (prefix & _CODE) > 0  # not a shorter piece padded
        new.append(fresh)
    count = new[0].astype(np.int64) + new[1] + new[2]  # the pieces new at each place
    short = np.empty(int(count.sum()), np.int64)
    numbers = []
    offset = np.cumsum(count) - count  # where the first of them goes
    for length, fresh in zip((1, 2, 3), new):
        bits = 21 * (3 - length)
        short[offset[fresh]] = ordered[fresh] >> bits << bits
        at_order = np.maximum.accumulate(np.where(fresh, offset, -1))
        number = np.empty(len(code), np.int64)
        number[order] = at_order
        numbers.append(number)
        offset += fresh
    return [*numbers, short]


def _word(bits: int) -> np.dtype[Any]:
    """The integers to pack values of ``bits`` bits into: 32-bit where they fit (sorted twice as
    quickly), else 64-bit."""
    return np.dtype(np.uint32 if bits <= _NARROW else np.int64)


def _ranges(starts: Ints, counts: Ints) -> npt.NDArray[np.signedinteger[Any]]:
    """``starts[i]``, ``starts[i] + 1``, … ``counts[i]`` of each, laid end to end: the running sum
    of ones and of a jump where each range starts, 32-bit where that holds them (half the memory
    to walk)."""
    some = counts > 0
    starts, counts = starts[some], counts[some]
    ends = np.cumsum(counts)
    total = int(ends[-1]) if len(ends) else 0
    kind: type[np.signedinteger[Any]] = np.int32 if total < 1 << 31 and int(starts.max(initial=0)) + total < 1 << 31 else np.int64
    steps = np.ones(total, kind)
    if total:
        steps[0] = starts[0]
        steps[ends[:-1]] = starts[1:] - starts[:-1] - counts[:-1] + 1
    return np.cumsum(steps, dtype=kind)


def _first_of(groups: Ints) -> Ints:
    """Where each run of equal values of ``groups`` starts."""
    if not len(groups):
        return np.zeros(0, np.int64)
    return np.flatnonzero(np.concatenate(([True], groups[1:] != groups[:-1])))


def _varint_size(values: Ints) -> Ints:
    size = np.ones(values.shape, np.int64)
    for bits in range(7, 64, 7):
        size += values >= (1 << bits)
    return size


def _put_varints(out: Bytes, at: Ints, values: Ints) -> None:
    """Write ``values`` as LEB128 at offsets ``at`` of ``out`` (as :func:`grams.varint`)."""
    size = _varint_size(values)
    for k in range(int(size.max(initial=0))):
        some = size > k
        byte = (values[some] >> (7 * k)) & 127
        out[at[some] + k] = byte | np.where(size[some] > k + 1, 128, 0)


def _width(top: Ints) -> Ints:
    """The bytes a value takes packed (:func:`grams.pack`): 1, 2 or 4, by the largest of them."""
    return np.where(top < 256, 1, np.where(top < 65536, 2, 4))


def _put_packed(out: Bytes, at: Ints, values: Ints, width: Ints) -> None:
    """Write each value in ``width`` bytes (1, 2 or 4; most often all 1), little-endian, at ``at``."""
    out[at] = values & 255
    for k in range(1, int(width.max(initial=1))):
        some = np.flatnonzero(width > k)
        out[at[some] + k] = (values[some] >> (8 * k)) & 255


def _encode(first: Ints, values: Ints, positions: Ints | None) -> tuple[Bytes, Ints]:
    """The run of each group of ``values`` (ascending report numbers, groups starting at
    ``first``), as :func:`postings.run` writes it, or with the group's ``positions`` packed after
    it as :func:`postings.places_run` does; laid end to end, and where each ends."""
    if not len(first):
        return np.zeros(0, np.uint8), np.zeros(0, np.int64)
    count: Ints = np.diff(first, append=len(values))
    gap = np.empty(len(values), np.int64)  # (np.diff with prepend copies, slowly)
    np.subtract(values[1:], values[:-1], out=gap[1:])
    gap[first] = 0
    gap_width = _width(np.maximum.reduceat(gap, first))
    head = _varint_size(count) + _varint_size(values[first])
    size: Ints = head + 1 + (count - 1) * gap_width
    if positions is not None:
        place_width = _width(np.maximum.reduceat(positions, first))
        size += 1 + count * place_width
    ends: Ints = np.cumsum(size)
    start = ends - size
    out = np.zeros(int(ends[-1]), np.uint8)
    index = np.arange(len(values))
    # value j's gap at start + head + 1 + (j - first - 1) × width; a group's first value has none:
    # its place, in the group's head (one or two bytes before its end: the gaps of one block's
    # report numbers take one or two), is written over below.
    width = np.repeat(gap_width, count)
    _put_packed(out, index * width + np.repeat(start + head + 1 - (first + 1) * gap_width, count), gap, width)
    if positions is not None:
        after = start + head + 1 + (count - 1) * gap_width
        width = np.repeat(place_width, count)
        _put_packed(out, index * width + np.repeat(after + 1 - first * place_width, count), positions, width)
        out[after] = place_width
    _put_varints(out, start, count)
    _put_varints(out, start + _varint_size(count), values[first])
    out[start + head] = gap_width
    return out, ends


def _shards(keys: npt.NDArray[np.uint32], count: int) -> Ints:
    """:func:`grams.shard_of` of each key: FNV-1a over its code points."""
    h = np.full(len(keys), 2166136261, np.uint64)
    for column in range(4):
        code = keys[:, column].astype(np.uint64)
        there = code > 0
        h = np.where(there, ((h ^ (code - 1)) * np.uint64(16777619)) & np.uint64(0xFFFFFFFF), h)
    return (h & np.uint64(count - 1)).astype(np.int64)


def _columns(packed: Ints, last: Ints | None = None) -> npt.NDArray[np.uint32]:
    """Keys of up to three code points packed 21 bits each (the first highest), and a fourth."""
    keys = np.zeros((len(packed), 4), np.uint32)
    for column in range(3):
        keys[:, column] = (packed >> (_CODE_BITS * (2 - column))) & _CODE
    if last is not None:
        keys[:, 3] = last
    return keys


def _in_files(keys: npt.NDArray[np.uint32], count: int) -> tuple[npt.NDArray[np.uint32], Ints, Ints]:
    """``keys`` in the order of the files: by shard (of ``count``), then as strings; their shards;
    and each key's number in that order."""
    shard = _shards(keys, count)
    order = np.lexsort((*keys.T[::-1], shard))
    number = np.empty(len(order), np.int64)
    number[order] = np.arange(len(order))
    return keys[order], shard[order], number


def _table(keys: tuple[npt.NDArray[np.uint32], Ints], pairs: tuple[Ints, Ints], start: int,
           positions: Ints | None = None) -> Table:
    """The runs of (key number, report's place) ``pairs``, ascending by key then report."""
    key, report = pairs
    first = _first_of(key)
    data, ends = _encode(first, report + start, positions)
    return Table(keys[0][key[first]], keys[1][key[first]], data, ends)


# -- a block's runs ----------------------------------------------------------------------------------

def cut(block: Sequence[Sequence[tuple[str, Sequence[str]]]], start: int, shards: tuple[int, int],
        folding: Folding) -> Runs:
    """The runs of one block of reports, given by their fields (see the module's contract)."""
    flat: list[str] = []  # the block's segments, in order
    runs: list[int] = []  # how many each (report, field) has
    report_of: list[int] = []  # its report's place in the block
    of_name: list[bool] = []  # whether it is the name
    for report, fields in enumerate(block):
        for field, segments in fields:
            flat += segments
            runs.append(len(segments))
            report_of.append(report)
            of_name.append(field == "name")
    # each distinct segment folded once (indicator names recur), the empty ones dropped
    folded = {text: text.translate(folding) for text in set(flat)}
    texts = list(map(folded.__getitem__, flat))
    kept = np.fromiter(map(bool, texts), bool, len(texts))
    reports = np.repeat(np.array(report_of, np.int64), runs)[kept]
    names = np.repeat(np.array(of_name, bool), runs)[kept]
    if not kept.all():
        texts = [text for text in texts if text]
    # Each distinct segment is cut once: indicator names, departments and goals recur.
    number = {text: i for i, text in enumerate(dict.fromkeys(texts))}
    segment = np.fromiter(map(number.__getitem__, texts), np.int64, len(texts))
    distinct = list(number)
    length = np.fromiter(map(len, distinct), np.int64, len(distinct))
    begin = np.cumsum(length) - length
    code = np.frombuffer("".join(distinct).encode("utf-32-le", "surrogatepass"), "<u4").astype(np.int64) + 1
    owner = np.repeat(np.arange(len(distinct)), length)  # each character's segment
    left = (begin + length)[owner] - np.arange(len(code))  # characters from it to its segment's end
    at = [np.flatnonzero(left >= n) for n in (1, 2, 3, 4)]
    ids = _short(code, left)
    ids[1], ids[2] = ids[1][at[1]], ids[2][at[2]]
    short = ids.pop()
    # a 4-piece: the number of its first three characters, and its fourth
    four_key = ids[2][left[at[2]] >= 4] << _CODE_BITS | code[at[3] + 3]
    fours, four_id = _numbered(four_key)
    keys = np.concatenate((_columns(short), _columns(short[fours >> _CODE_BITS], fours & _CODE)))
    # numbered in the order of the files, so that each table's runs come in that order
    piece_keys, piece_shards, piece_number = _in_files(keys, shards[0])
    place_keys, place_shards, place_number = _in_files(keys[len(short):], shards[1])
    # each distinct segment's keys, once each, its 4-pieces also with their places in it
    # (segment, key), narrow where they fit
    key_bits = len(keys).bit_length()
    kind = _word(key_bits + len(distinct).bit_length())
    held = _distinct(np.concatenate([np.left_shift(owner[a].astype(kind), key_bits) | i.astype(kind)
                                     for a, i in zip(at, (*ids, four_id + len(short)))]))
    held_by, held_key = (held >> key_bits).astype(np.int64), piece_number[held & ((1 << key_bits) - 1)]
    held_ends = np.searchsorted(held_by, np.arange(1, len(distinct) + 1))
    four_ends = np.cumsum(np.bincount(owner[at[3]], minlength=len(distinct)))
    four_at = at[3] - begin[owner[at[3]]]
    # each segment of the block: its report's keys, and its 4-pieces' places in the report
    held_count = np.diff(held_ends, prepend=0)
    four_count = np.diff(four_ends, prepend=0)

    report_bits = max(1, int(reports.max(initial=0)).bit_length())
    # each key shifted for its reports, narrow where both fit
    keyed = np.left_shift(held_key.astype(_word(int(held_key.max(initial=0)).bit_length() + report_bits)),
                          report_bits)

    def pairs(which: npt.NDArray[np.bool_] | slice) -> tuple[Ints, Ints]:
        """(key, report) of the segments ``which``, ascending, once each."""
        n = held_count[segment[which]]
        key_report = _distinct(keyed[_ranges((held_ends - held_count)[segment[which]], n)]
                               | np.repeat(reports[which].astype(keyed.dtype), n))
        return (key_report >> report_bits).astype(np.int64), (key_report & ((1 << report_bits) - 1)).astype(np.int64)

    step = (length[segment] // SLOT + 1) * SLOT
    base = np.cumsum(step) - step
    base -= base[np.searchsorted(reports, reports)]  # each report's first segment at 0
    n = four_count[segment]
    where = _ranges((four_ends - four_count)[segment], n)
    place_key, place_report, place = place_number[four_id[where]], np.repeat(reports, n), four_at[where] + np.repeat(base, n)
    bits = max(1, int(place.max(initial=0)).bit_length())
    if int(place_key.max(initial=0)).bit_length() + report_bits + bits <= 63:
        ordered = np.sort(place_key << (report_bits + bits) | place_report << bits | place)
        place_key, place_report, place = (ordered >> (report_bits + bits), ordered >> bits & ((1 << report_bits) - 1),
                                          ordered & ((1 << bits) - 1))
    else:  # a report too long to pack a place into 64 bits with its key and report
        order = np.lexsort((place, place_report, place_key))
        place_key, place_report, place = place_key[order], place_report[order], place[order]
    return Runs(_table((piece_keys, piece_shards), pairs(slice(None)), start),
                _table((piece_keys, piece_shards), pairs(names), start),
                _table((place_keys, place_shards), (place_key, place_report), start, place))


# -- the files of the shards -------------------------------------------------------------------------

def files(blocks: list[Runs], kind: int, numbers: list[int]) -> list[tuple[int, bytes]]:
    """The files of shards ``numbers`` (ascending; every shard between the first and the last
    that has keys) of the pieces (``kind`` 0) or the places (1): each key in the order of
    strings with its posting, the runs of the blocks in order, then 0 (for a piece, then its name
    runs and 0), as :func:`postings.encode_shard` writes them."""
    if not numbers:
        return []
    low_shard, high_shard = numbers[0], numbers[-1] + 1
    keys, shard, block, part, size, data = [], [], [], [], [], []
    for number, runs in enumerate(blocks):
        for which, table in enumerate((runs.pieces, runs.names) if kind == 0 else (runs.places,)):
            a, b = np.searchsorted(table.shard, (low_shard, high_shard))  # the tables are in file order
            before = int(table.ends[a - 1]) if a else 0
            keys.append(table.keys[a:b])
            shard.append(table.shard[a:b])
            block.append(np.full(b - a, number, np.int64))
            part.append(np.full(b - a, which, np.int64))
            size.append(np.diff(table.ends[a:b], prepend=before))
            data.append(table.data[before:before + int(size[-1].sum())])
    key_codes, shard_of, size_of = np.concatenate(keys).astype(np.int64), np.concatenate(shard), np.concatenate(size)
    begin = np.cumsum(size_of) - size_of
    # the runs by shard (below 2 ** 21), key, part and block: two 64-bit words
    block_bits = max(1, len(blocks).bit_length())
    high = shard_of << 42 | key_codes[:, 0] << 21 | key_codes[:, 1]
    low = ((key_codes[:, 2] << 21 | key_codes[:, 3]) << 1 | np.concatenate(part)) << block_bits | np.concatenate(block)
    order = np.lexsort((low, high))
    high, low, key_codes, size_of, begin = high[order], low[order], key_codes[order], size_of[order], begin[order]
    part_of = low >> block_bits & 1
    low >>= block_bits + 1
    new = np.ones(len(order), bool)
    new[1:] = (high[1:] != high[:-1]) | (low[1:] != low[:-1])
    first = np.flatnonzero(new)  # each key's first run
    key = np.cumsum(new) - 1  # each run's key
    run_count = np.diff(first, append=len(order))
    codes = key_codes[first]
    posting = np.add.reduceat(size_of, first) + (2 if kind == 0 else 1)
    named = np.add.reduceat(part_of, first) > 0  # a piece with name runs
    # each key's head: the count of its shard's keys (before its first key), its length and code
    # points, its posting's length
    shards_first = _first_of(high[first] >> 42)
    key_count = np.diff(shards_first, append=len(first))
    present = codes > 0
    head = 1 + (_varint_size(np.maximum(codes - 1, 0)) * present).sum(axis=1) + _varint_size(posting)
    lead = head.copy()
    lead[shards_first] += _varint_size(key_count)
    heads = np.zeros(int(lead.sum()) + 2, np.uint8)  # and two zeros, to end postings with
    at = np.cumsum(lead) - lead
    _put_varints(heads, at[shards_first], key_count)
    at[shards_first] += _varint_size(key_count)
    _put_varints(heads, at, present.sum(axis=1))
    at += 1
    for column in range(4):
        there = present[:, column]
        _put_varints(heads, at[there], codes[there, column] - 1)
        at[there] += _varint_size(codes[there, column] - 1)
    _put_varints(heads, at, posting)
    # the file's pieces in order, for each key: its head, its runs, 0 (and its name runs, 0; or
    # 0 for none), taken from the runs, then the heads, in one gather
    source = np.concatenate([*data, heads])
    zeros = len(source) - 2
    earlier_named: Ints = np.cumsum(named) - named
    run_item = np.arange(len(order)) + 2 * key + 1 + earlier_named[key] + part_of
    key_item = first + 2 * np.arange(len(first)) + earlier_named
    last_plain = first + run_count - np.add.reduceat(part_of, first) - 1  # each key's last run of part 0
    items = len(order) + 2 * len(first) + int(named.sum())
    item_start = np.empty(items, np.int64)
    item_size = np.empty(items, np.int64)
    item_start[run_item], item_size[run_item] = begin, size_of
    item_start[key_item], item_size[key_item] = len(source) - len(heads) + np.cumsum(lead) - lead, lead
    item_start[run_item[last_plain] + 1] = zeros
    item_size[run_item[last_plain] + 1] = np.where(named | (kind == 1), 1, 2)
    item_start[run_item[first + run_count - 1][named] + 1] = zeros
    item_size[run_item[first + run_count - 1][named] + 1] = 1
    out = source[_ranges(item_start, item_size)]
    bounds = np.append((np.cumsum(item_size) - item_size)[key_item[shards_first]], len(out))
    return [(int(s), out[bounds[i]:bounds[i + 1]].tobytes()) for i, s in enumerate(high[first][shards_first] >> 42)]
