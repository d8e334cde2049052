"""Stage 1, load: find the content files and parse them safely, keeping positions.

Contract: ``load_content(root)`` returns one :class:`Document` per content file,
sorted by path, and the :class:`ContentError` list of everything that could not
be read. YAML is parsed with a safe subset: no tags, no aliases (no alias bombs),
no duplicate keys, bounded depth and size. Floats are read as ``Decimal`` from
their literal text, so ``12880.00`` keeps its two decimals; numbers YAML 1.1
would read as octal, hexadecimal or base 60 (``010``, ``0x1F``, ``1:30``) stay
the text they were written as. Every value's line and column are kept, and every
key's (at ``(*loc, KEY)``), so later stages can point at the field at fault. A
syntax error caused by indentation or by a full-width colon or space (the
commonest slips on a Chinese keyboard) is named as such, at the line at fault. Nothing in a file, however broken,
raises anything but ``_Problem`` (turned into a :class:`ContentError`).
"""

from __future__ import annotations

import functools
import hashlib
import re
import sys
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from generator.errors import ContentError, display_path
from generator.folders import Walked, walk

# A whole seed PDF's extraction is under 100 KB; the pure-Python parsers need
# seconds per megabyte, so a larger file is a mistake or an attack.
MAX_BYTES = 1024 * 1024
MAX_DEPTH = 20
Loc = tuple[str | int, ...]

_STR = "tag:yaml.org,2002:str"
_FLOAT = "tag:yaml.org,2002:float"
_INT = "tag:yaml.org,2002:int"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_MERGE = "tag:yaml.org,2002:merge"
_DECIMAL_INT = re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$")
KEY = -1  # positions[(*loc, KEY)]: where the key of the value at loc stands (no index is negative)


@dataclass(frozen=True)
class Document:
    """One parsed content file: its data, and where each value stands in it when asked.

    Positions are kept as ``marks``, a compact array of lines and columns, and made into a map
    only when asked (only an error or an audit finding asks): a map of every value's position
    of every file would hold twice the memory of the data itself.
    """

    path: Path
    rel: str
    data: Any
    body: str = ""
    body_line: int = 1
    # what the Store knows the file by: a hash of its path and bytes and the generator's code
    # ("" when it was loaded without a Store, whose results are then never kept)
    digest: str = ""
    # the line and column of every node, keys included, in the order the text holds them (a
    # compact array: the positions of a file's values are asked for only on an error or a finding)
    marks: array[int] = field(default_factory=lambda: array("I"))
    checksum: str = ""  # of the text parsed: tells whether the file still holds this document

    @property
    def positions(self) -> dict[Loc, tuple[int, int]]:
        """The line and column of every value and key (at ``(*loc, KEY)``): from the marks, or, for a
        document kept without its data (:meth:`slim`), parsed again from the file; none when the
        file no longer holds this document."""
        if self.data is not None or not self.marks:
            return positions_of(self.data, self.marks)
        try:
            text = read_text(self.path)
            if _checksum(text) != self.checksum:
                return {}
            return _parse(text, self.path)[1]
        except (_Problem, OSError):
            return {}

    def places(self, locs: Sequence[Loc]) -> dict[Loc, tuple[int, int]]:
        """The positions :meth:`where` needs to place ``locs``: theirs and those of the values
        above them (all positions, for a document kept without its data)."""
        if self.data is None:
            return self.positions
        return positions_of(self.data, self.marks, {loc[:end] for loc in locs for end in range(1, len(loc) + 1)})

    def slim(self) -> Document:
        """This document without its data and its marks, once its model holds it and the audit has
        placed its findings (a build of 10,000 reports would keep 230 MB of them otherwise): its
        positions are then found by parsing the file again (``marks`` only says that it has some)."""
        return replace(self, data=None, marks=_AGAIN if self.marks else self.marks)

    @cached_property
    def shown(self) -> str:
        """The path as messages show it (relative to the working folder: asked for by every finding)."""
        return display_path(self.path)

    def where(self, loc: Loc, positions: dict[Loc, tuple[int, int]] | None = None) -> tuple[int, int]:
        """Return line and column of the deepest known value on ``loc`` (in ``positions``, when the
        caller has them at hand)."""
        positions = self.positions if positions is None else positions
        for end in range(len(loc), -1, -1):
            found = positions.get(tuple(loc[:end]))
            if found:
                return found
        return (1, 1)

    def error(self, loc: Loc, message: str, at_key: bool = False) -> ContentError:
        """Make a :class:`ContentError` pointing at ``loc`` (at its key with ``at_key``)."""
        positions = self.positions
        line, col = (at_key and positions.get((*loc, KEY))) or self.where(loc, positions)
        return ContentError(self.shown, line, col, format_loc(loc), message)


_AGAIN = array("I", [0])  # the marks of a slim document: it has positions, found by parsing it again


def positions_of(data: Any, marks: Sequence[int], wanted: set[Loc] | None = None) -> dict[Loc, tuple[int, int]]:
    """The position of every value of ``data`` and of every key (at ``(*loc, KEY)``), from the
    marks its parse made: each node's line and column, a key's before its value, in the text's
    order. With ``wanted``, only those of the values at these locations (and the whole's)."""
    positions: dict[Loc, tuple[int, int]] = {}

    def walk(value: Any, loc: Loc, at: int) -> int:  # the index of the marks after value's
        positions[loc] = (marks[at], marks[at + 1])
        at += 2
        if isinstance(value, dict):
            for key, child in value.items():
                place = (*loc, key)
                if wanted is not None and place not in wanted:
                    at += 2 + 2 * _size(child)
                    continue
                positions[(*place, KEY)] = (marks[at], marks[at + 1])
                at = walk(child, place, at + 2)
        elif isinstance(value, list):
            for i, child in enumerate(value):
                place = (*loc, i)
                if wanted is not None and place not in wanted:
                    at += 2 * _size(child)
                    continue
                at = walk(child, place, at)
        return at

    if marks:
        try:
            walk(data, (), 0)
        except IndexError:
            return {}  # marks of other data: no positions rather than wrong ones
    return positions


def _size(value: Any) -> int:
    """How many marks (pairs) ``value`` and everything below it took: one a node, one a key."""
    children: Iterable[Any]
    if isinstance(value, dict):
        children, count = value.values(), 1 + len(value)
    elif isinstance(value, list):
        children, count = value, 1
    else:
        return 1
    return count + sum(_size(child) if isinstance(child, (dict, list)) else 1 for child in children)


def format_loc(loc: Loc) -> str:
    """Write a location as ``indicators[3].weight``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class _Problem(Exception):
    """Something that stops a file from loading, at a YAML mark (0-based) or at the start."""

    def __init__(self, mark: yaml.Mark | yaml._yaml.Mark | None, message: str, loc: Loc = ()) -> None:
        super().__init__(message)
        self.line, self.col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        self.message = message
        self.loc = loc


_resolve: Any = yaml.resolver.Resolver().resolve  # PyYAML's: the tag a node implies (int, null …)
_CONSTRUCTOR = yaml.constructor.SafeConstructor()  # only its pure scalar constructors are used


def _compose(text: str) -> yaml.Node | None:
    """Compose the one document of ``text`` as PyYAML's Composer does, refusing aliases and tags.

    Events come from libyaml, eight times faster than PyYAML's Python parser; composing is
    done here, so every event passes the checks of :func:`_node`. PyYAML's own parser words
    syntax errors better (it names the character at fault), so a text libyaml rejects is
    parsed again by it, which reports the error as it always has.
    """
    if yaml.__with_libyaml__:
        try:
            return _document(yaml.parse(text, Loader=yaml.CSafeLoader))
        except yaml.MarkedYAMLError:
            pass
    return _document(yaml.parse(text, Loader=yaml.SafeLoader))


class _Loader(yaml.CSafeLoader):
    """libyaml's composer, with PyYAML's resolver taken once per distinct plain text that may be
    other than text (a number, a date …): it asks for every scalar, which took a third of composing."""

    def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is yaml.ScalarNode and (not implicit[0] or value[:1] not in _MAYBE):
            return _STR
        return _plain_tag(kind, value, implicit)


_MAYBE = frozenset(yaml.resolver.Resolver.yaml_implicit_resolvers)  # first characters ("" too: null)


@functools.lru_cache(maxsize=1 << 16)
def _plain_tag(kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
    return str(_resolve(kind, value, implicit))


# What only the checked path (:func:`_compose`) may read: anchors, aliases, tags, complex keys,
# and sequences nested on one line (``- - -``), whose depth the indentation does not bound.
_UNCHECKED = re.compile(r"[&*!?]|-\s+-")
_INDENT = re.compile(r"^ +", re.MULTILINE)


def _quick(text: str, line_offset: int) -> tuple[Any, array[int]] | None:
    """Data and positions composed by libyaml itself, five times faster than :func:`_compose`,
    for a text that cannot hold what that checks (an alias, a tag, nesting past any bound);
    None when the text must take the checked path, which words any error as it always has."""
    if not yaml.__with_libyaml__ or _UNCHECKED.search(text):
        return None
    # Each level of block nesting is indented deeper (a sequence may share its key's indent)
    # and each flow level opens a bracket: this bounds libyaml's recursion.
    indent = max((len(m) for m in _INDENT.findall(text)), default=0)
    if 2 * (indent + 1) + text.count("[") + text.count("{") > 400:
        return None
    marks: list[int] = []
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = None if node is None else _convert(node, [], marks, line_offset)
    except (yaml.YAMLError, _Problem, RecursionError):
        return None
    finally:
        loader.dispose()
    return data, array("I", marks)


def _document(events: Iterator[Any]) -> yaml.Node | None:
    """Compose the stream of ``events``: nothing, or a single document."""
    next(events)  # the stream's start
    event = next(events)
    if isinstance(event, yaml.StreamEndEvent):
        return None
    node = _node(events, next(events), [], None, {})
    next(events)  # the document's end
    event = next(events)
    if not isinstance(event, yaml.StreamEndEvent):
        raise yaml.composer.ComposerError("expected a single document in the stream", node.start_mark,
                                          "but found another document", event.start_mark)
    return node


def _node(events: Iterator[Any], event: Any, path: list[str | int], step: str | int | None,
          anchors: dict[str, Any]) -> yaml.Node:
    """Compose the node that ``event`` starts; ``path`` holds the keys and indexes above it.

    ``step`` is the key of a mapping value, the index of a sequence item, or None for a key,
    the document or the value of a key that is not text, which add no step of their own.
    """
    kind = event.__class__
    if kind is yaml.ScalarEvent:
        tag, anchor = event.tag, event.anchor
        if tag is not None or anchor is not None or len(path) >= MAX_DEPTH:
            _refuse(event, path, step, anchors)
        node: yaml.Node = yaml.ScalarNode(_resolve(yaml.ScalarNode, event.value, event.implicit),
                                          event.value, event.start_mark, event.end_mark, style=event.style)
        if anchor is not None:
            anchors[anchor] = node
        return node
    _refuse(event, path, step, anchors)
    if step is not None:
        path.append(step)
    if kind is yaml.SequenceStartEvent:
        node = yaml.SequenceNode(_resolve(yaml.SequenceNode, None, event.implicit), [],
                                 event.start_mark, None, flow_style=event.flow_style)
        if event.anchor is not None:
            anchors[event.anchor] = node
        while (item := next(events)).__class__ is not yaml.SequenceEndEvent:
            node.value.append(_node(events, item, path, len(node.value), anchors))
    else:
        node = yaml.MappingNode(_resolve(yaml.MappingNode, None, event.implicit), [],
                                event.start_mark, None, flow_style=event.flow_style)
        if event.anchor is not None:
            anchors[event.anchor] = node
        while (key_event := next(events)).__class__ is not yaml.MappingEndEvent:
            key = _node(events, key_event, path, None, anchors)
            value_step = key.value if key.__class__ is yaml.ScalarNode else None
            node.value.append((key, _node(events, next(events), path, value_step, anchors)))
    if step is not None:
        path.pop()
    return node


def _refuse(event: Any, path: list[str | int], step: str | int | None,
            anchors: dict[str, Any]) -> None:
    """Raise on an alias, a tag, nesting too deep or an anchor used twice, naming the field."""
    loc: Loc = (*path, step) if step is not None else tuple(path)
    if isinstance(event, yaml.AliasEvent):
        raise _Problem(event.start_mark, f"YAML aliases (*{event.anchor}) are not allowed: "
                       "write the value out in full", loc)
    tag = event.tag
    if tag is not None and tag != "!":
        shown = tag.replace("tag:yaml.org,2002:", "!!")
        raise _Problem(event.start_mark, f"YAML tags ({shown}) are not allowed: remove the tag "
                       "and write a plain value", loc)
    if len(path) >= MAX_DEPTH:
        raise _Problem(event.start_mark, f"nesting deeper than {MAX_DEPTH} levels: "
                       "the content format never needs that many", loc)
    if event.anchor is not None and event.anchor in anchors:
        raise yaml.composer.ComposerError(f"found duplicate anchor {event.anchor!r}; first occurrence",
                                          anchors[event.anchor].start_mark, "second occurrence",
                                          event.start_mark)


def read_text(path: Path) -> str:
    """Read a content file as UTF-8 (a BOM is dropped); raise ``_Problem`` if it is not text."""
    with path.open("rb") as stream:
        raw = stream.read(MAX_BYTES + 1)  # never more, whatever the file claims to be
    if len(raw) > MAX_BYTES:
        raise _Problem(None, f"file is larger than the limit of {MAX_BYTES:,} bytes: "
                       "a report is a few kilobytes; check it is the right file or split it")
    convert = f"iconv -f {{}} -t UTF-8 {path.name} > {path.name}.utf8 && mv {path.name}.utf8 {path.name}"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _Problem(None, f"file is UTF-16, not UTF-8; convert it with: {convert.format('UTF-16')}")
    if b"\x00" in raw:
        raise _Problem(None, "file is binary, not text: content files are YAML or markdown saved as UTF-8")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        try:
            raw.decode("gb18030")
            hint = f" (it looks like GBK/GB18030); convert it with: {convert.format('GB18030')}"
        except UnicodeDecodeError:
            hint = ": save it as UTF-8 in your editor"
        raise _Problem(_mark(line), f"file is not UTF-8{hint}") from None
    text = text.removeprefix("\ufeff")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _mark(line: int, col: int = 1) -> yaml.Mark:
    return yaml.Mark("", 0, line - 1, col - 1, None, 0)


def parse_yaml(text: str, line_offset: int = 0) -> tuple[Any, dict[Loc, tuple[int, int]]]:
    """Parse one YAML document; return its data and the position of every value."""
    data, marks = parse_marked(text, line_offset)
    return data, positions_of(data, marks)


def parse_marked(text: str, line_offset: int = 0) -> tuple[Any, array[int]]:
    """Parse one YAML document; return its data and its marks (see :func:`positions_of`)."""
    if "\t" in text:
        for number, line in enumerate(text.split("\n"), 1):
            indent = line[: len(line) - len(line.lstrip(" \t"))]
            if "\t" in indent:
                raise _Problem(_mark(number + line_offset, len(indent)),
                               "tab used for indentation: indent with spaces")
    _check_printable(text, line_offset)
    quick = _quick(text, line_offset)
    if quick is not None:
        return quick
    marks: list[int] = []
    try:
        node = _compose(text)
        data = None if node is None else _convert(node, [], marks, line_offset)
    except _Problem as problem:
        problem.line += line_offset
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        slip = _slip(text, exc)
        if slip:
            mark, message = _mark(*slip[:2]), slip[2]
        elif exc.problem == "but found another document":
            message = "a file holds one YAML document: remove the second '---' line and what follows"
        else:
            message = f"YAML syntax error: {_explain(exc, line_offset)}"
        syntax = _Problem(mark, message)
        syntax.line += line_offset
        raise syntax from None
    except yaml.YAMLError as exc:
        raise _Problem(None, f"YAML error: {' '.join(str(exc).split())}") from None
    return data, array("I", marks)


_FULL_WIDTH = re.compile(r"^([ ]*(?:- +)?)([^\s:：#\"'{}\[\],][^:：#{}\[\],]*?)[ ]*(：|:\u3000)")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _slip(text: str, exc: yaml.MarkedYAMLError) -> tuple[int, int, str] | None:
    """Name the slip behind a syntax error: a full-width colon or space, or a line indented wrongly.

    Returns the line and column (1-based, in ``text``) of the slip and the message, or None.
    """
    lines = text.split("\n")
    problem, at = exc.problem or "", exc.problem_mark
    if at is None or at.line >= len(lines):
        return None
    # the simple key YAML was reading when it gave up, else the line it stopped at and the one before
    first = exc.context_mark.line if exc.context_mark and "simple key" in (exc.context or "") else at.line - 1
    for number in range(max(first, 0), at.line + 1):
        line = lines[number]
        if "\u3000" in line[: len(line) - len(line.lstrip(" \u3000"))]:
            return (number + 1, line.index("\u3000") + 1, ("full-width space (U+3000) in the indentation: "
                    "indent with ASCII spaces"))
        found = _FULL_WIDTH.match(line)
        if found:
            key = found.group(2)
            if found.group(3) == "：":
                return (number + 1, found.start(3) + 1, (f"full-width colon ： after {key!r}: write an "
                        f"ASCII colon and a space, as in {key}: …"))
            return (number + 1, found.start(3) + 2, (f"full-width space (U+3000) after '{key}:': "
                    f"write an ASCII space after the colon, as in {key}: …"))
    line = lines[at.line]
    shown = _key(line)
    above = next((n for n in range(at.line - 1, -1, -1)
                  if lines[n].strip() and not lines[n].lstrip().startswith("#")), None)
    if above is None:
        return None
    parent, level, indent = _key(lines[above]), _key_column(lines[above]), _indent(line)
    where = f"indented {_spaces(indent)}"
    block_end = problem.startswith("expected <block end>") and exc.context_mark is not None
    if (problem == "mapping values are not allowed here" or block_end) and indent > level:
        return (at.line + 1, indent + 1,
                (f"indentation: {shown!r} is {where}, more than {parent!r} on line {above + 1}, "
                 f"which already has a value: indent it {_spaces(level)} like the fields beside it"))
    if block_end and exc.context_mark is not None:
        outer = exc.context_mark
        like = "the '-'" if "collection" in (exc.context or "") else repr(_key(lines[outer.line]))
        other = ("" if outer.column in (level, indent)
                 else f", or {outer.column} like {like} on line {outer.line + 1}")
        return (at.line + 1, indent + 1,
                (f"indentation: {shown!r} is {where}, which lines it up with no field above it: "
                 f"indent it {_spaces(level)} like {parent!r} on line {above + 1}{other}"))
    opening = next((n for n, text in enumerate(lines) if text.strip() and not text.lstrip().startswith("#")), None)
    if problem.startswith("expected '<document start>'") and opening is not None and _indent(lines[opening]):
        return (opening + 1, _indent(lines[opening]) + 1,
                (f"indentation: the first field {_key(lines[opening])!r} is indented "
                 f"{_spaces(_indent(lines[opening]))}: the fields of the top level start the line"))
    return None


def _spaces(count: int) -> str:
    return "1 space" if count == 1 else f"{count} spaces"


def _key_column(line: str) -> int:
    """The column (0-based) where the key of a line starts, after any list dash."""
    found = re.match(r"[ ]*(?:- +)?", line)
    return found.end() if found else 0


def _key(line: str) -> str:
    return line[_key_column(line):].split(":")[0][:40]


_OPENED = {"while parsing a flow sequence": "in the [ … ] list opened on line {}",
           "while parsing a flow mapping": "in the { … } mapping opened on line {}",
           "while scanning a quoted scalar": "in the quoted text opened on line {}"}


def _explain(exc: yaml.MarkedYAMLError, line_offset: int) -> str:
    """PyYAML's problem in plainer words, with where the construct at fault began."""
    problem = (exc.problem or exc.context or "invalid YAML").replace("'<stream end>'", "the end of the text")
    mark = exc.context_mark
    if exc.context and mark and exc.problem_mark and mark.line != exc.problem_mark.line:
        where = _OPENED.get(exc.context, exc.context + " that began on line {}")
        problem += " (" + where.format(mark.line + 1 + line_offset) + ")"
    return problem


def _check_printable(text: str, line_offset: int) -> None:
    """Refuse characters YAML does not allow, at their line and column (PyYAML gives an offset)."""
    bad = yaml.reader.Reader.NON_PRINTABLE.search(text)
    if bad:
        before = text[: bad.start()]
        line, col = before.count("\n") + 1 + line_offset, bad.start() - (before.rfind("\n") + 1) + 1
        raise _Problem(_mark(line, col), f"control character U+{ord(bad.group()):04X} is not allowed "
                       "in the text: delete it")


def _convert(node: yaml.Node, path: list[str | int], marks: list[int], offset: int) -> Any:
    """The value of ``node`` (at ``path``), its nodes' lines and columns added to ``marks``."""
    if len(path) > MAX_DEPTH:  # refused by the checked path, whose words are its own
        raise _Problem(node.start_mark, f"nesting deeper than {MAX_DEPTH} levels", tuple(path))
    start = node.start_mark
    marks += (start.line + 1 + offset, start.column + 1)
    kind = node.__class__
    if kind is yaml.MappingNode:
        out: dict[str, Any] = {}
        leaf = len(path) < MAX_DEPTH  # a text value below may be taken here, without a call
        for key_node, value_node in node.value:
            if key_node.tag == _STR:  # (the commonest by far: plain text)
                key = key_node.value
                key = sys.intern(key) if len(key) <= 16 else key
            else:
                if key_node.tag == _MERGE:
                    raise _Problem(key_node.start_mark, "YAML merge keys (<<) are not allowed: "
                                   "write the fields out in full", tuple(path))
                if not isinstance(key_node, yaml.ScalarNode):
                    raise _Problem(key_node.start_mark, "a key must be plain text", tuple(path))
                key = str(_scalar(key_node, path))
            if key.startswith("\u3000"):  # YAML takes U+3000 for text: an indentation it swallowed
                raise _Problem(key_node.start_mark, "full-width space (U+3000) in the indentation: "
                               "indent with ASCII spaces", tuple(path))
            if key in out:
                first = next(v for k, v in node.value if isinstance(k, yaml.ScalarNode) and str(_scalar(k, path)) == key)
                raise _Problem(key_node.start_mark, f"duplicate key {key!r} (first on line "
                               f"{first.start_mark.line + 1 + offset})", (*path, key))
            at = key_node.start_mark
            marks += (at.line + 1 + offset, at.column + 1)
            if leaf and value_node.tag == _STR and value_node.__class__ is yaml.ScalarNode:
                at = value_node.start_mark
                marks += (at.line + 1 + offset, at.column + 1)
                text = value_node.value
                out[key] = sys.intern(text) if len(text) <= 16 else text
                continue
            path.append(key)
            out[key] = _convert(value_node, path, marks, offset)
            path.pop()
        return out
    if kind is yaml.SequenceNode:
        items = []
        for i, item in enumerate(node.value):
            path.append(i)
            items.append(_convert(item, path, marks, offset))
            path.pop()
        return items
    assert isinstance(node, yaml.ScalarNode)
    return _scalar(node, path)


def _scalar(node: yaml.ScalarNode, path: Sequence[str | int]) -> Any:
    tag, value = node.tag, node.value
    if tag == _STR:
        # keys, categories, units and short targets repeat in every report: one copy of each
        return sys.intern(value) if len(value) <= 16 else value
    if tag == _FLOAT:
        text = value.replace("_", "")
        try:
            return Decimal(text)
        except InvalidOperation:
            pass
        try:
            return Decimal(text.lower().replace(".inf", "Infinity").replace(".nan", "NaN"))
        except InvalidOperation:
            return value  # base 60 (1:30.5): a time or a ratio, kept as written
    if tag == _INT:
        if not _DECIMAL_INT.match(value):
            return value  # 010, 0x1F, 1:30 mean text to a publisher, not octal, hex or base 60
        if len(value) > 30:
            raise _Problem(node.start_mark, f"a number of {len(value)} digits is too long: "
                           "figures must be less than 10^15", tuple(path))
        return _CONSTRUCTOR.construct_yaml_int(node)
    if tag == _BOOL:
        return _CONSTRUCTOR.construct_yaml_bool(node)
    if tag == _NULL:
        return None
    if tag == _TIMESTAMP:
        try:
            stamp = _CONSTRUCTOR.construct_yaml_timestamp(node)
        except ValueError as exc:
            raise _Problem(node.start_mark, f"impossible date {value!r} ({exc}): "
                           "write a real date as YYYY-MM-DD", tuple(path)) from None
        return stamp.date() if isinstance(stamp, datetime) else stamp
    return value  # (another tag: the checked path has refused it)


_FRONT = re.compile(r"\A---\n(.*?\n)?---(?:\n|\Z)", re.DOTALL)


def parse_markdown(text: str) -> tuple[Any, dict[Loc, tuple[int, int]], str, int]:
    """Split a markdown page into front matter (parsed) and body."""
    data, marks, body, body_line = _markdown(text)
    return data, positions_of(data, marks), body, body_line


def _markdown(text: str) -> tuple[Any, array[int], str, int]:
    match = _FRONT.match(text)
    if not match:
        if text.startswith("---\n"):
            raise _Problem(None, "front matter opened by '---' on line 1 is never closed: "
                           "end it with a line '---'")
        return {}, array("I"), text, 1
    data, marks = parse_marked(match.group(1) or "", line_offset=1)
    body_line = match.group(0).count("\n") + 1
    return data, marks, text[match.end():], body_line


def _parse(text: str, path: Path) -> tuple[Any, dict[Loc, tuple[int, int]]]:
    """The data and positions of the text of content file ``path``."""
    if path.suffix == ".md":
        data, positions, _, _ = parse_markdown(text)
        return data, positions
    return parse_yaml(text)


def _checksum(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def load_file(path: Path, rel: str) -> Document:
    """Parse one content file; raise ``_Problem`` on the first thing that stops it."""
    text = read_text(path)
    if path.suffix == ".md":
        data, marks, body, body_line = _markdown(text)
        return Document(path, rel, data, body, body_line, marks=marks, checksum=_checksum(text))
    if not text.strip():
        raise _Problem(None, "file is empty: fill in its fields or delete it")
    data, marks = parse_marked(text)
    return Document(path, rel, data, marks=marks, checksum=_checksum(text))


def discover(root: Path) -> Walked:
    """List every content file below ``root``, sorted, skipping hidden files and folders, and
    the symbolic links refused (:func:`generator.folders.walk`: none is followed out of ``root``).

    ``templates/`` is skipped too: it holds the content's own overrides of theme templates; and
    so is ``corrections.yaml`` at the top, the importer's corrections (docs/importing.md).
    """
    return walk(root, lambda parts: parts[-1].startswith(".") or parts in (("templates",), ("corrections.yaml",)))


@dataclass
class Loaded:
    """The outcome of loading: documents, errors, and the files (relative) that failed."""

    docs: list[Document] = field(default_factory=list)
    errors: list[ContentError] = field(default_factory=list)
    failed: set[str] = field(default_factory=set)
    # rel -> the model an earlier build validated from this very document (the build cache's)
    models: dict[str, Any] = field(default_factory=dict)


def load_one(path: Path, rel: str) -> Document | ContentError:
    """Load one content file, or say why it cannot be read."""
    problem: _Problem
    if path.suffix not in (".yaml", ".md"):
        problem = _Problem(None, "not a content file: content files end in .yaml or .md")
    else:
        try:
            return load_file(path, rel)
        except _Problem as failure:
            problem = failure
        except OSError as exc:
            problem = _Problem(None, f"cannot read: {exc.strerror}")
    return ContentError(display_path(path), problem.line, problem.col, format_loc(problem.loc),
                        problem.message)


# Loads many (path, rel) pairs at once: the build cache passes one that reuses earlier parses.
LoadMany = Callable[[list[tuple[Path, str]]], list[Document | ContentError]]


def load_content(root: Path, load_many: LoadMany | None = None) -> Loaded:
    """Load every file of the content folder ``root``; collect what cannot be read."""
    found = discover(root)
    files = list(zip(found.files, found.rels, strict=True))
    outcomes = load_many(files) if load_many else [load_one(path, rel) for path, rel in files]
    result = Loaded()
    for (_, rel), outcome in zip(files, outcomes, strict=True):
        if isinstance(outcome, Document):
            result.docs.append(outcome)
        else:
            result.failed.add(rel)
            result.errors.append(outcome)
    for refused in found.refused:
        result.failed.add(refused.link.relative_to(root).as_posix())
        result.errors.append(ContentError(display_path(refused.link), 1, 1, "", refused.reason))
    return result


def plain(value: Any) -> Any:
    """Return JSON-friendly data (Decimal and dates as text) for export and messages."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, (Decimal, date)):
        return str(value) if isinstance(value, Decimal) else value.isoformat()
    return value
