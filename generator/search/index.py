"""Stage 6, index: the site's own search index, exact for any piece of Chinese text.

Contract: ``write_index(records, output)`` writes the index of ``records`` (see
:mod:`generator.search.records`) under ``search/index/`` through ``output``, so the write
stage stays the only writer of the site, and returns what it did. The same records give
the same bytes, whatever ``--jobs``. No records, no index (the search page says so).

The files (format ``FORMAT``; ``static/search.js`` reads them, docs/search.md describes them):

- ``head.json``: the format, the index's version (a digest of all of it), the site's title, the
  counts below and which shards there are: all a page needs before its first results, and
  fetched anew by every page, so small;
- ``columns.bin``: each filter's values (and the departments' and kinds' slugs), and each
  report's filter values (one combination number a report): fetched to count and filter;
- ``sort.bin``: each report's budget and score, float64, NaN when missing (fetched to sort);
- ``g/<shard>.bin``: for every folded piece of one to four characters, the reports holding
  it, the pieces spread over the shards by a hash, so a query fetches its pieces' shards only;
- ``p/<shard>.bin``: for every folded four-character piece, where it stands in each report
  (a query longer than four characters joins its pieces by position);
- ``c/<chunk>.json``: what a result shows (URL, name, budget, score, department, year, kind,
  grade), for the ``CHUNK`` reports of each chunk;
- ``t/<chunk>.json``: the same reports' searchable text, fetched to mark a match found
  elsewhere than in the name or the department;
- ``state.json``: what the next build needs to update the index in place (not read by pages).

Reports are numbered in the order of their paths (so a department's reports are neighbours, as
are a query's first results most often), chunk ``c`` holding reports ``c × CHUNK`` onwards. An edit that keeps the set of reports
rewrites only the chunks of the reports that changed, the shards of the pieces whose
postings changed (read back from the previous site and updated), and the small files;
every other file is left as the previous site has it, unread. Adding or removing a report
renumbers the reports and writes the index whole. Both ways give the same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import math
import os
import shutil
import sys
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Any

import numpy as np

from generator.output import parallel
from generator.output.write import Output
from generator.search import postings, vectors
from generator.search.grams import Pieces, pack, shard_of, varint
from generator.search.postings import decode_shard, encode_shard, update_docs, update_places
from generator.search.records import KINDS, Folding, SearchRecord

FORMAT = 2
CHUNK = 12  # the reports of a chunk file
FOLDER = "search/index"

@dataclass(frozen=True)
class Indexed:
    """What :func:`write_index` did: files in the index, files written anew, whether in place."""

    files: int
    written: int
    in_place: bool


def _power(value: int, low: int, high: int) -> int:
    """The power of two at or above ``value``, within [low, high]."""
    return max(low, min(high, 1 << max(0, math.ceil(math.log2(max(1, value))))))


def layout(count: int) -> tuple[int, int, int]:
    """Chunks, piece shards and position shards for ``count`` reports (a function of the count only,
    so an edit keeps them): a piece shard holds the pieces of twelve to twenty-four reports (a
    query of up to four characters fetches one), a position shard those of twenty-four to
    forty-eight (only a longer query fetches them); few files, as each costs a build more to
    create than its bytes."""
    return -(-count // CHUNK), _power(count // 12, 16, 4096), _power(count // 24, 16, 2048)


# -- the reports' data -------------------------------------------------------------------------------

_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _digest(reports: Sequence[SearchRecord]) -> str:
    """What tells a chunk's files from others: its reports' digests, hashed."""
    return hashlib.sha256(b"".join(r.digest for r in reports)).hexdigest()[:16]


def index_version(records: Sequence[SearchRecord]) -> str:
    """The version of the index of ``records``: a digest of everything it holds (each record's
    digest, the format and the layout). The page asks for the index's files by it, so a browser never mixes
    files of two builds."""
    return hashlib.sha256(f"{FORMAT} {CHUNK} {layout(len(records))}\n".encode() +
                          b"".join(r.digest for r in records)).hexdigest()[:16]


@dataclass(frozen=True)
class IndexName:
    """What the search page names of its site's index, known before the index is written: its
    version, and its numbers of piece and position shards (so the page asks for the query's shards
    before it has the head)."""

    version: str
    grams: int
    places: int


def index_name(records: Sequence[SearchRecord]) -> IndexName:
    _, grams, places = layout(len(records))
    return IndexName(index_version(records), grams, places)


def _chunk(reports: Sequence[SearchRecord]) -> tuple[bytes, bytes]:
    """A chunk's two files: what its results show, and their text."""
    return (_JSON.encode([(r.url, r.title, r.budget, r.score, r.department, str(r.year), r.kind, r.grade)
                          for r in reports]).encode("utf-8"),
            _JSON.encode([r.fields for r in reports]).encode("utf-8"))


def _text(record: SearchRecord) -> bytes:
    """A report's searchable text, as JSON: what a result's match is marked in."""
    return _JSON.encode(record.fields).encode("utf-8")


def _segments(fields: Iterable[tuple[str, Sequence[str]]], folding: Folding, only: str = "") -> list[str]:
    return [f for field, segments in fields if not only or field == only
            for s in segments if (f := s.translate(folding))]


def _keys(fields: Iterable[tuple[str, Sequence[str]]], folding: Folding,
          pieces: Pieces) -> tuple[set[str], set[str], list[str], list[int]]:
    """A report's pieces of 1–3 characters, its pieces of 1–4 in its name, and its 4-pieces with
    their positions."""
    fields = list(fields)
    grams, fours, places = pieces.of(_segments(fields, folding))
    names: set[str] = set()
    for segment in _segments(fields, folding, "name"):
        found = pieces(segment)
        names.update(found[0], found[1])
    return grams, names, fours, places


def _bitmap(numbers: Iterable[int], count: int) -> bytes:
    bits = bytearray((count + 7) // 8)
    for n in numbers:
        bits[n >> 3] |= 1 << (n & 7)
    return bytes(bits)


def _head_and_columns(records: Sequence[SearchRecord], shards: tuple[int, int],
                      present: tuple[Iterable[int], Iterable[int]], version: str) -> tuple[bytes, bytes, bytes]:
    """The head (which names the index's ``version``), the columns and the sort keys."""
    # each report's columns made once (serve keeps its records), the passes over them C's loops
    made = list(map(attrgetter("columns"), records))
    rows = list(map(itemgetter(0, 1, 2, 3), made))
    distinct = set(rows)
    firsts = dict(zip(map(attrgetter("department"), reversed(records)), map(attrgetter("path"), reversed(records))))
    slugs = {"department": {d: path.split("/")[0] for d, path in firsts.items()},
             "kind": dict(map(attrgetter("kind", "kind_key"), records))}
    best: dict[str, float] = {}  # each grade's highest score: the order of the bands
    for _, _, _, grade, _, score in made:
        if grade:
            best[grade] = max(best.get(grade, -math.inf), -math.inf if math.isnan(score) else score)
    # Each filter's values in the order the site shows them: the departments by slug, as its pages
    # list them; the latest year first; the kinds as the content format names them; the grades best first.
    values: dict[str, list[str]] = {
        "department": sorted({d for d, _, _, _ in distinct}, key=slugs["department"].__getitem__),
        "year": sorted({str(y) for _, y, _, _ in distinct}, key=int, reverse=True),
        "kind": sorted({k for _, _, k, _ in distinct}, key=lambda k: list(KINDS).index(slugs["kind"][k])),
        "grade": sorted({g for _, _, _, g in distinct if g}, key=lambda g: (-best[g], g)),
    }
    index = {facet: {v: i + 1 for i, v in enumerate(vs)} for facet, vs in values.items()}
    coded = {row: (index["department"][row[0]], index["year"][str(row[1])], index["kind"][row[2]],
                   index["grade"].get(row[3], 0)) for row in distinct}
    ranked = sorted(coded, key=coded.__getitem__)  # the combinations of values in order, one number each
    combos = [coded[row] for row in ranked]
    number = {row: i for i, row in enumerate(ranked)}
    labels = _json({"facets": values, "slugs": {facet: [found[v] for v in values[facet]]
                                                for facet, found in slugs.items()}})
    columns = b"".join([varint(len(labels)), labels, varint(len(records)), varint(len(combos)),
                        pack([v for combo in combos for v in combo]), pack(list(map(number.__getitem__, rows)))])
    numbers = array("d", [*map(itemgetter(4), made), *map(itemgetter(5), made)])
    if numbers.itemsize != 8:
        raise AssertionError("float64 expected")
    if sys.byteorder != "little":
        numbers.byteswap()
    head = {"format": FORMAT, "version": version, "site": records[0].site, "docs": len(records), "chunk": CHUNK,
            "grams": shards[0], "places": shards[1],
            "present": {kind: base64.b64encode(_bitmap(numbers, count)).decode("ascii")
                        for kind, numbers, count in zip("gp", present, shards)}}
    return _json(head), columns, numbers.tobytes()


def _json(data: object) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


# -- writing -----------------------------------------------------------------------------------------

def _name(number: int) -> str:
    return f"{number:03x}"


def write_index(records: Sequence[SearchRecord], output: Output, jobs: int = 1) -> Indexed | None:
    """Write the index of ``records`` into ``output`` under ``search/index/``, in place of the
    previous site's where that site holds the index of the same reports, with ``jobs`` processes."""
    if not records:
        return None
    folding = Folding()
    chunks, gshards, pshards = layout(len(records))
    ordered = sorted(records, key=attrgetter("path"))
    order = hashlib.sha256(f"{FORMAT} {chunks} {gshards} {pshards}\n".encode() +
                           "\n".join(r.path for r in ordered).encode("utf-8")).hexdigest()
    previous = _previous(output, order, {str(c) for c in range(chunks)})
    # The chunks, one at a time: written when their bytes changed, else kept.
    digests: dict[str, str] = {}
    changed: list[int] = []
    kept_c: list[str] = []  # the same names in c/ and t/
    starts = [min(c * CHUNK, len(ordered)) for c in range(chunks + 1)]
    for c in range(chunks):
        digests[str(c)] = _digest(ordered[starts[c]:starts[c + 1]])
        if previous is not None and previous[0]["chunks"].get(str(c)) == digests[str(c)]:
            kept_c.append(f"{_name(c)}.json")
        else:
            changed.append(c)
    written = 2 * len(changed)
    if previous is None:  # every file new: written on every core
        present = _whole(ordered, starts, (gshards, pshards), output, jobs)
        kept: tuple[list[str], list[str]] = ([], [])
    else:
        state, folder = previous
        for c in changed:
            for sub_folder, data in zip("ct", _chunk(ordered[starts[c]:starts[c + 1]])):
                output.write_bytes(f"{FOLDER}/{sub_folder}/{_name(c)}.json", data)
        files = _update(ordered, starts, changed, folding, folder, state, gshards, pshards)
        for sub_folder, shards in zip(("g", "p"), files):
            for shard in sorted(shards):
                if shards[shard]:  # else no key is left in it: no file
                    output.write_bytes(f"{FOLDER}/{sub_folder}/{_name(shard)}.bin", shards[shard])
                    written += 1
        kept = ([f"{_name(s)}.bin" for s in state["g"] if s not in files[0]],
                [f"{_name(s)}.bin" for s in state["p"] if s not in files[1]])
        present = (sorted([*(s for s, data in files[0].items() if data), *(int(n[:-4], 16) for n in kept[0])]),
                   sorted([*(s for s, data in files[1].items() if data), *(int(n[:-4], 16) for n in kept[1])]))
    for sub_folder, names in (("g", kept[0]), ("p", kept[1]), ("c", kept_c), ("t", kept_c)):
        if names:
            output.keep_folder(f"{FOLDER}/{sub_folder}", names)
    noted = json.dumps({"format": FORMAT, "order": order, "chunks": digests, "g": present[0], "p": present[1]},
                       sort_keys=True).encode("utf-8")
    head, columns, numbers = _head_and_columns(ordered, (gshards, pshards), present, index_version(records))
    for rel, data in (("head.json", head), ("columns.bin", columns), ("sort.bin", numbers), ("state.json", noted)):
        output.write_bytes(f"{FOLDER}/{rel}", data)
    if previous is None:
        written += len(present[0]) + len(present[1])
    return Indexed(4 + len(present[0]) + len(present[1]) + 2 * len(digests), written, previous is not None)


def _previous(output: Output, order: str, chunks: set[str]) -> tuple[dict[str, Any], Path] | None:
    """The previous site's index state when it indexes the same reports, in the same order, whole."""
    if output.previous is None:
        return None
    folder = output.previous / FOLDER
    try:
        state = json.loads((folder / "state.json").read_bytes())
        if state["format"] != FORMAT or state["order"] != order or set(state["chunks"]) != chunks:
            return None
        for sub_folder, want in (("g", {f"{_name(s)}.bin" for s in state["g"]}),
                                 ("p", {f"{_name(s)}.bin" for s in state["p"]}),
                                 ("c", {f"{_name(int(c))}.json" for c in state["chunks"]}),
                                 ("t", {f"{_name(int(c))}.json" for c in state["chunks"]})):
            if set(os.listdir(folder / sub_folder)) != want:
                return None  # a file gone or added since: not the index the state describes
        return state, folder
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _whole(ordered: Sequence[SearchRecord], starts: list[int], shards: tuple[int, int], output: Output,
           jobs: int) -> tuple[list[int], list[int]]:
    """Write every chunk and shard of the index of ``ordered``; return the numbers of the shards.

    The reports are indexed ``BLOCK`` at a time, the blocks on ``jobs`` cores: each gives the
    runs of its postings, encoded, with their keys and shards (:mod:`generator.search.vectors`),
    while this process writes the chunks; the runs are then joined and written shard by shard,
    the shards too on every core. So the build holds the runs of one block per core and the
    index encoded, never a posting per Python object. No two processes create files in one
    folder at once where that can be helped: the file system locks a folder for each file
    made in it (at 10,000 reports the index is 3,000 files)."""
    spill = output.tmp / ".disclose-spill"  # in the build's own folder, gone before its commit
    spill.mkdir()

    def chunks() -> None:  # in this process, while the workers cut
        for c in range(len(starts) - 1):
            for kind, data in zip("ct", _chunk(ordered[starts[c]:starts[c + 1]])):
                output.write_bytes(f"{FOLDER}/{kind}/{_name(c)}.json", data)

    try:
        found = parallel.run(_batch, range(0, len(ordered), postings.BLOCK), jobs, (ordered, shards, spill),
                             chunk=1, meanwhile=chunks)
        blocks = [spilled for spilled, _ in found]
        present = [sorted({int(s) for _, shards_of in found for s in shards_of[kind]}) for kind in (0, 1)]
        targets = [{shard: output.path(f"{FOLDER}/{sub_folder}/{_name(shard)}.bin") for shard in numbers}
                   for sub_folder, numbers in zip("gp", present)]
        kinds = []  # at least two a core, and as many as blocks: each about one block's bytes
        for kind, numbers in enumerate(present):
            step = max(1, len(numbers) // max(2 * jobs, len(blocks)))
            kinds.append([(kind, numbers[i:i + step]) for i in range(0, len(numbers), step)])
        # the two kinds in turn, so that two workers most often write into two folders
        groups = [group for pair in itertools.zip_longest(*kinds) for group in pair if group]
        output.changed += sum(parallel.run(_join, groups, jobs, (blocks, targets, output), chunk=1))
    finally:
        shutil.rmtree(spill, ignore_errors=True)
    return present[0], present[1]


def _join(group: tuple[int, list[int]]) -> int:
    """Join the blocks' runs of a group of shards of one kind and write them; return how many
    were written anew."""
    blocks, targets, output = parallel.state()
    kind, shards = group
    runs = [spilled.read() for spilled in blocks]
    return sum(output.put(targets[kind][shard], data) for shard, data in vectors.files(runs, kind, shards))


def _batch(start: int) -> tuple[vectors.Spilled, tuple[list[int], list[int]]]:
    """Spill the runs of the postings of reports ``start`` to ``start + BLOCK``
    (:func:`vectors.cut`); give them and the shards they touch (of the pieces, of the places)."""
    ordered, shards, spill = parallel.state()
    block = [r.fields for r in ordered[start:start + postings.BLOCK]]
    runs = vectors.cut(block, start, shards, Folding())
    touched = (np.unique(runs.pieces.shard).tolist(), np.unique(runs.places.shard).tolist())
    return vectors.Spilled.write(runs, f"{spill}/{start}.bin"), touched


def _update(ordered: Sequence[SearchRecord], starts: list[int], changed: list[int], folding: Folding,
            folder: Path, state: dict[str, Any], gshards: int,
            pshards: int) -> tuple[dict[int, bytes], dict[int, bytes]]:
    """The shards the reports of chunks ``changed`` touch, updated from the previous site's
    (empty bytes: a shard left without keys)."""
    pieces = Pieces()
    g_ops: dict[int, dict[str, list[tuple[int, bool, bool]]]] = {}  # shard: key: (report, in it?, in name?)
    p_ops: dict[int, dict[str, list[tuple[int, list[int]]]]] = {}  # shard: key: (report, its positions now)
    for c in changed:
        old = json.loads((folder / "t" / f"{_name(c)}.json").read_bytes())
        for i, number in enumerate(range(starts[c], starts[c + 1])):
            if json.loads(_text(ordered[number])) == old[i]:
                continue  # the text is the same: no piece moved
            old_grams, old_names, old_fours, old_places = _keys(old[i], folding, pieces)
            new_grams, new_names, new_fours, new_places = _keys(ordered[number].fields, folding, pieces)
            old_grams.update(old_fours)
            new_grams.update(new_fours)
            for gram in (old_grams ^ new_grams) | (old_names ^ new_names):
                g_ops.setdefault(shard_of(gram, gshards), {}).setdefault(gram, []).append(
                    (number, gram in new_grams, gram in new_names))
            before, after = _grouped(old_fours, old_places), _grouped(new_fours, new_places)
            for gram in before.keys() | after.keys():
                if before.get(gram) != after.get(gram):
                    p_ops.setdefault(shard_of(gram, pshards), {}).setdefault(gram, []).append(
                        (number, after.get(gram, [])))
    return ({s: _apply_docs(folder / "g" / f"{_name(s)}.bin", s in state["g"], ops) for s, ops in g_ops.items()},
            {s: _apply_places(folder / "p" / f"{_name(s)}.bin", s in state["p"], ops) for s, ops in p_ops.items()})


def _grouped(fours: list[str], places: list[int]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for gram, at in zip(fours, places):
        out.setdefault(gram, []).append(at)
    return out


def _apply_docs(path: Path, exists: bool, ops: dict[str, list[tuple[int, bool, bool]]]) -> bytes:
    postings = decode_shard(path.read_bytes()) if exists else {}
    for gram, changes in ops.items():
        old = postings.get(gram, b"\x00\x00")
        ids, at = update_docs(old, 0, [(number, in_text) for number, in_text, _ in changes])
        names, end = update_docs(old, at, [(number, in_name) for number, _, in_name in changes])
        if end != len(old):
            raise ValueError("trailing bytes in a posting")
        if ids != b"\x00":
            postings[gram] = ids + names
        else:
            postings.pop(gram, None)
    return encode_shard(postings) if postings else b""


def _apply_places(path: Path, exists: bool, ops: dict[str, list[tuple[int, list[int]]]]) -> bytes:
    postings = decode_shard(path.read_bytes()) if exists else {}
    for gram, changes in ops.items():
        places = update_places(postings.get(gram, b"\x00"), changes)
        if places != b"\x00":
            postings[gram] = places
        else:
            postings.pop(gram, None)
    return encode_shard(postings) if postings else b""
