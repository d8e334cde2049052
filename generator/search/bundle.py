"""Part of stage 6, index: Pagefind's bundle made byte-identical for the same input.

Contract: ``reproducible(files)`` takes a Pagefind 1.5 bundle as ``{path: bytes}`` and
returns it with the values of each filter chunk and the metadata's lists of filters and
sorts in sorted order, the files so changed named after their new content, and
``pagefind-entry.json`` pointing at the new metadata. Pagefind writes those lists from hash
maps, in an order that changes from run to run (its issue #638); everything else it writes is
already stable. A bundle of another layout comes back unchanged.

The files are gzip streams of ``pagefind_dcd`` followed by CBOR; the few CBOR items they use
are read and written here, and whatever is not understood is kept byte for byte.
"""

from __future__ import annotations

import gzip
import hashlib
import re
from dataclasses import dataclass
from typing import Any

SIGNATURE = b"pagefind_dcd"
_FILTER = re.compile(r"^filter/(?P<lang>[^/_]+)_(?P<hash>[0-9a-f]+)\.pf_filter$")
_META = re.compile(r"^pagefind\.(?P<lang>[^/_]+)_(?P<hash>[0-9a-f]+)\.pf_meta$")


@dataclass(frozen=True)
class Raw:
    """A CBOR item kept as its bytes (floats, simple values, maps, tags)."""

    data: bytes


def _argument(data: bytes, i: int) -> tuple[int, int, int]:
    head = data[i]
    info = head & 31
    if info < 24:
        return head >> 5, info, i + 1
    if info > 27:
        raise ValueError(f"indefinite or reserved CBOR item {head:#x}")
    size = 1 << (info - 24)
    return head >> 5, int.from_bytes(data[i + 1:i + 1 + size], "big"), i + 1 + size


def decode(data: bytes, i: int = 0) -> tuple[Any, int]:
    """Read one CBOR item at ``i``; return it and the offset after it."""
    major, value, j = _argument(data, i)
    if major == 0:
        return value, j
    if major == 1:
        return -1 - value, j
    if major == 2:
        return data[j:j + value], j + value
    if major == 3:
        return data[j:j + value].decode("utf-8"), j + value
    if major == 4:
        items = []
        for _ in range(value):
            item, j = decode(data, j)
            items.append(item)
        return items, j
    if major == 5:
        for _ in range(2 * value):
            _, j = decode(data, j)
    elif major == 6:
        _, j = decode(data, j)
    elif major == 7 and (data[i] & 31) >= 24:
        j = i + 1 + (1 << ((data[i] & 31) - 24))  # a float of 2, 4 or 8 bytes, not an argument
    return Raw(data[i:j]), j


def _head(major: int, value: int) -> bytes:
    if value < 24:
        return bytes([major << 5 | value])
    size = next(s for s in (1, 2, 4, 8) if value < 1 << (8 * s))
    return bytes([major << 5 | (24 + size.bit_length() - 1)]) + value.to_bytes(size, "big")


def encode(item: Any) -> bytes:
    """Write ``item`` as CBOR in its shortest form, as Pagefind does."""
    if isinstance(item, Raw):
        return item.data
    if isinstance(item, int):
        return _head(0, item) if item >= 0 else _head(1, -1 - item)
    if isinstance(item, bytes):
        return _head(2, len(item)) + item
    if isinstance(item, str):
        text = item.encode("utf-8")
        return _head(3, len(text)) + text
    if isinstance(item, list):
        return _head(4, len(item)) + b"".join(encode(x) for x in item)
    raise TypeError(f"cannot write {type(item).__name__} as CBOR")


def read(blob: bytes) -> Any:
    """The CBOR item of one Pagefind file."""
    data = gzip.decompress(blob)
    if not data.startswith(SIGNATURE):
        raise ValueError("not a Pagefind file")
    item, end = decode(data, len(SIGNATURE))
    if end != len(data):
        raise ValueError("trailing bytes after the CBOR item")
    return item


def write(item: Any) -> bytes:
    """One Pagefind file holding ``item``, compressed the same way on every run."""
    return gzip.compress(SIGNATURE + encode(item), compresslevel=9, mtime=0)


def _digest(data: bytes, length: int) -> str:
    return hashlib.sha256(data).hexdigest()[:length]


def _pairs(item: Any) -> bool:
    return isinstance(item, list) and all(isinstance(p, list) and len(p) == 2 and isinstance(p[0], str)
                                          for p in item)


def reproducible(files: dict[str, bytes]) -> dict[str, bytes]:
    """Return the bundle with its hash-map orders sorted and the changed files renamed."""
    metas = [name for name in files if _META.match(name)]
    if len(metas) != 1 or "pagefind-entry.json" not in files:
        return files
    try:
        meta = read(files[metas[0]])
        chunks = {name: read(files[name]) for name in files if _FILTER.match(name)}
    except ValueError:
        return files
    # Pagefind 1.5: meta = [version, pages, index chunks, [[filter, chunk]], [[sort, pages]], fields];
    # a filter chunk = [filter, [[value, pages]]].
    if not (isinstance(meta, list) and len(meta) == 6 and _pairs(meta[3]) and _pairs(meta[4])
            and all(isinstance(c, list) and len(c) == 2 and _pairs(c[1]) for c in chunks.values())):
        return files
    out = {name: data for name, data in files.items() if name not in chunks and name != metas[0]}
    renamed = {}
    for name, (key, values) in chunks.items():
        data = write([key, sorted(values, key=lambda v: v[0])])
        match = _FILTER.match(name)
        assert match is not None
        new = f"{match['lang']}_{_digest(data, len(match['hash']))}"
        renamed[f"{match['lang']}_{match['hash']}"] = new
        out[f"filter/{new}.pf_filter"] = data
    meta[3] = sorted([key, renamed.get(chunk, chunk)] for key, chunk in meta[3])
    meta[4] = sorted(meta[4], key=lambda s: s[0])
    data = write(meta)
    match = _META.match(metas[0])
    assert match is not None
    old, new = f"{match['lang']}_{match['hash']}", f"{match['lang']}_{_digest(data, len(match['hash']))}"
    out[f"pagefind.{new}.pf_meta"] = data
    entry = files["pagefind-entry.json"].decode("utf-8")
    out["pagefind-entry.json"] = entry.replace(f'"{old}"', f'"{new}"').encode("utf-8")
    return out
