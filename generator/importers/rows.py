"""The common intermediate of every importer, and the cleaning of PDF-extracted text.

Contract: a reader (``textforms``, ``spaced``, ``office``, ``pdf``) turns a source file
into a list of :class:`Row`: the cells of one printed table row, each cell's text as extracted (a wrapped cell keeps its line breaks), with the
line number where the row starts and whether a page break (a blank line inside a
table) comes just before it. Everything after the readers works on rows only.

The cleaning functions here undo what PDF extraction leaves behind without changing
any figure: stray HTML tags, LaTeX fragments (``$\\geq 85\\%$`` becomes ``≥85%``),
full-width variants of ASCII characters, spaces that a line wrap put between two
Chinese characters, and thousands separators in amounts. Amounts are returned as
``Decimal`` built from the printed digits, so ``12880.00`` keeps its two decimals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation


@dataclass(frozen=True)
class Row:
    """One printed table row: its cells, first source line, and a page break before it."""

    line: int
    cells: tuple[str, ...]
    brk: bool = False
    lines: tuple[int, ...] = ()

    def at(self, index: int) -> int:
        """Return the source line of cell ``index`` (the row's line when unknown)."""
        return self.lines[index] if index < len(self.lines) else self.line

    @property
    def filled(self) -> list[str]:
        """The cleaned cells that are not blank, in order."""
        return [c for c in (cell(x) for x in self.cells) if c]

    @property
    def text(self) -> str:
        """All cells cleaned and joined, for matching titles and labels."""
        return "".join(tight(x) for x in self.cells)


@dataclass(frozen=True, order=True)
class Message:
    """One line of importer output: ``file:line: what``; ``problem`` sets the exit code."""

    file: str
    line: int
    text: str
    problem: bool = True

    def __str__(self) -> str:
        prefix = "" if self.problem else "note: "
        return f"{self.file}:{self.line}: {prefix}{self.text}"


@dataclass
class Messages:
    """Messages of one source file, collected while reading it."""

    file: str
    items: list[Message] = field(default_factory=list)

    def problem(self, line: int, text: str) -> None:
        """Record something the importer could not place or read."""
        self.items.append(Message(self.file, line, text, True))

    def note(self, line: int, text: str) -> None:
        """Record something the importer decided that a reader should know about."""
        self.items.append(Message(self.file, line, text, False))


_CJK = r"\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef“”‘’、"
_HTML = re.compile(r"</?[A-Za-z][^<>]*>")
_MATH = re.compile(r"\$([^$]*)\$")
_LATEX = [
    (re.compile(r"\\geq?(?![a-z])"), "≥"), (re.compile(r"\\leq?(?![a-z])"), "≤"),
    (re.compile(r"\\neq(?![a-z])"), "≠"), (re.compile(r"\\times(?![a-z])"), "×"),
    (re.compile(r"\\text\{([^{}]*)\}"), r"\1"), (re.compile(r"\\mathrm\{([^{}]*)\}"), r"\1"),
    (re.compile(r"\\([%$&#_{}])"), r"\1"), (re.compile(r"\\[,;!: ]"), ""),
]
# Full-width forms of ASCII letters, digits and symbols; the Chinese punctuation that
# prose uses in full width (，。：；！？) is kept, parentheses only change in short cells.
_KEEP_WIDE = set("，：；！？（）")
_WIDE = {c: chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F) if chr(c) not in _KEEP_WIDE}
_WIDE[0x3000] = " "
_WIDE[0xA0] = " "
_DASHES = {"—", "–", "－", "-", "—-", "——", "/"}
_AMOUNT = re.compile(r"^[+-]?\d+(\.\d+)?$")


def strip_markup(text: str) -> str:
    """Remove HTML tags and turn LaTeX math fragments into plain text."""
    text = _HTML.sub("", text).replace("&nbsp;", " ").replace("&amp;", "&")

    def math(match: re.Match[str]) -> str:
        body = match.group(1)
        for pattern, repl in _LATEX:
            body = pattern.sub(repl, body)
        return re.sub(r"\s+", "", body)

    return _MATH.sub(math, text)


def _join_wrapped(pieces: list[str], prose: bool) -> str:
    """Join the lines of a wrapped cell: Chinese joins without a space, prose keeps sentences."""
    out = ""
    for piece in pieces:
        piece = piece.strip()
        if not piece:
            continue
        if not out:
            out = piece
        elif prose and out[-1] in "。；;！!？?：:":
            out += "\n" + piece
        elif (re.match(f"[{_CJK}]", out[-1]) or re.match(f"[{_CJK}]", piece[0])
              or out[-1] in ".%(（" or piece[0] in ".%)）,，"):
            out += piece
        else:
            out += " " + piece
    return out


def _tidy_spaces(text: str) -> str:
    text = re.sub(r"[ \t]+", " ", text)
    # A space next to a Chinese character or full-width punctuation is a wrap artefact.
    text = re.sub(f"(?<=[{_CJK}]) (?=[{_CJK}])", "", text)
    text = re.sub(f"(?<=[{_CJK}]) (?=\\()|(?<=\\)) (?=[{_CJK}])", "", text)
    text = re.sub(r"(?<=\d) (?=\()|\( | \)", lambda m: m.group(0).strip(), text)
    return text.strip()


def cell(raw: str) -> str:
    """Clean a short cell (a label, name, target or value) to one line."""
    text = strip_markup(raw).translate(_WIDE).replace("（", "(").replace("）", ")")
    text = _tidy_spaces(_join_wrapped(text.split("\n"), prose=False))
    if text.count('"') == 1 and text[0] == '"':
        text = text[1:]  # a lone quote left by a CSV-style extractor
    return text


def prose(raw: str) -> str:
    """Clean a text cell (goals, reasons, sections), keeping its sentences on their lines."""
    text = strip_markup(raw).translate(_WIDE)
    lines = _join_wrapped(text.split("\n"), prose=True).split("\n")
    return "\n".join(_tidy_spaces(line) for line in lines if line.strip())


def tight(raw: str) -> str:
    """Clean a cell and drop every space: the form used to recognise labels."""
    return re.sub(r"\s+", "", cell(raw))


def is_blank(text: str) -> bool:
    """Tell whether a cell is empty or only a placeholder dash."""
    return cell(text) in ("", *_DASHES)


def amount(text: str) -> Decimal | None:
    """Read an amount as printed: ``14,753,068.9`` is ``Decimal('14753068.9')``.

    Blank cells and placeholder dashes are ``None``; anything else that is not a
    number raises ``ValueError`` so that the caller can say where it was.
    """
    value = re.sub(r"[,\s]", "", cell(text))
    if value in ("", *_DASHES):
        return None
    if not _AMOUNT.match(value):
        raise ValueError(f"{cell(text)!r} is not a number")
    try:
        return Decimal(value)
    except InvalidOperation:  # pragma: no cover - the pattern admits only digits
        raise ValueError(f"{cell(text)!r} is not a number") from None


def is_amount(text: str) -> bool:
    """Tell whether a cell holds a plain number (thousands separators allowed)."""
    value = re.sub(r"[,\s]", "", cell(text))
    return bool(_AMOUNT.match(value))


def rate(text: str) -> Decimal | None:
    """Read an execution rate as a ratio keeping the printed digits: 95.98% is 0.9598."""
    value = re.sub(r"\s", "", cell(text))
    if value in ("", *_DASHES):
        return None
    match = re.fullmatch(r"(\d+(?:\.\d+)?)%", value)
    if not match:
        raise ValueError(f"{value!r} is not a percentage")
    return Decimal(match.group(1)).scaleb(-2)


def money_unit(text: str) -> str | None:
    """Find the unit a heading states: ``项目资金（万元）`` gives ``万元``."""
    found = re.search(r"[(（]\s*(万元|元)\s*[)）]|单位[:：]\s*(万元|元)", text)
    if not found:
        return None
    return found.group(1) or found.group(2)
