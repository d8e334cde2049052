"""Property tests: any valid report builds and shows its figures as printed; no input crashes a check.

Hypothesis writes random but valid self-evaluations and target declarations
(amounts in 元 or 万元 with their own decimals, optional figures, any text), a
whole site is built from them, and each report page must show every figure in
its cell with the digits the file wrote: thousands separators added, a rate as
a percentage, "—" where the figure is absent. The expected text is worked out
here from the literal, independently of render.py. Then any data of any shape,
and any bytes, in any kind of content file give content errors (one line each),
never another exception.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.build import build
from generator.errors import BuildAborted
from generator.site import check

DASH = "—"


def grouped(literal: str) -> str:
    """A decimal literal with thousands separators, as printed: 1234567.50 → 1,234,567.50."""
    sign, literal = ("-", literal[1:]) if literal.startswith("-") else ("", literal)
    whole, dot, fraction = literal.partition(".")
    groups = []
    while len(whole) > 3:
        whole, groups = whole[:-3], [whole[-3:], *groups]
    return sign + ",".join([whole, *groups]) + dot + fraction


def as_percent(literal: str) -> str:
    """A ratio literal as a percentage with the same digits: 0.9598 → 95.98%, 1 → 100%."""
    whole, _, fraction = literal.partition(".")
    fraction = fraction.ljust(2, "0")
    whole, fraction = (whole + fraction[:2]).lstrip("0") or "0", fraction[2:]
    return grouped(whole + ("." + fraction if fraction else "")) + "%"


def shown(literal: str | None, percent: bool = False) -> str:
    if literal is None:
        return DASH
    return as_percent(literal) if percent else grouped(literal)


def figures(whole: int, decimals: int) -> st.SearchStrategy[str | None]:
    """Decimal literals up to ``whole`` with up to ``decimals`` decimals, or None (left blank)."""
    value = st.builds(lambda w, d, digits: f"{w}." + digits[:d] if d else str(w),
                      st.integers(0, whole), st.integers(0, decimals), st.text("0123456789", min_size=8, max_size=8))
    return st.none() | value


TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Co", "Cn", "Zl", "Zp")), min_size=1, max_size=30)
NAME = TEXT.filter(lambda s: s == s.strip())
FUNDS_FIELDS = ("initial", "adjusted", "executed", "weight", "rate", "score")
ROWS = ("total", "appropriation", "carryover", "other")
DECLARED = ("project_total", "requested", "appropriation", "carryover", "other")


@dataclass(frozen=True)
class Report:
    """One generated report: its file and the figures its page must show, cell by cell."""

    slug: str
    kind: str
    name: str
    unit: str
    funds: tuple[tuple[str | None, ...], ...]
    indicators: tuple[tuple[str | None, str | None], ...]
    total: tuple[str | None, str | None]

    def yaml(self) -> str:
        def plain(fields: tuple[str, ...], values: tuple[str | None, ...]) -> str:
            return "{" + ", ".join(f"{k}: {v}" for k, v in zip(fields, values, strict=True) if v is not None) + "}"

        head = (f"kind: {self.kind}\nyear: 2023\nname: {json.dumps(self.name, ensure_ascii=False)}\n"
                f"department: test-dept\nmoney_unit: {self.unit}\n")
        if self.kind == "target-declaration":
            return head + f"funds: {plain(DECLARED, tuple(row[0] for row in self.funds))}\n"
        funds = "".join(f"  {row}: {plain(FUNDS_FIELDS, values)}\n" for row, values in zip(ROWS, self.funds, strict=True))
        indicators = "".join(f"  - {{level1: 产出指标, name: 指标{i}, "
                             f"{plain(('weight', 'score'), pair).removeprefix('{')}\n"
                             for i, pair in enumerate(self.indicators))
        return (head + "funds:\n" + funds + ("indicators:\n" + indicators if indicators else "")
                + f"total: {plain(('weight', 'score'), self.total)}\n")

    def expected(self) -> dict[str, list[list[str]]]:
        """The figures of each table section, in the order the page prints them."""
        if self.kind == "target-declaration":
            return {"funds tbody": [[shown(row[0])] for row in self.funds]}
        return {
            "funds tbody": [[shown(v, percent=(f == "rate")) for f, v in zip(FUNDS_FIELDS, row, strict=True)]
                            for row in self.funds],
            # the total is the table's last body row (a tfoot would repeat on every printed page)
            "indicators tbody": [*([shown(w), shown(s)] for w, s in self.indicators),
                                 [shown(self.total[0]), shown(self.total[1])]],
        }


@st.composite
def reports(draw: st.DrawFn, slug: str) -> Report:
    kind = draw(st.sampled_from(["self-evaluation", "target-declaration"]))
    unit = draw(st.sampled_from(["元", "万元"]))
    amount = figures(10**9 if unit == "元" else 10**5, 2 if unit == "元" else 6)
    if kind == "target-declaration":
        funds = tuple((draw(amount),) for _ in DECLARED)
        return Report(slug, kind, draw(NAME), unit, funds, (), (None, None))
    small = figures(100, 2)
    funds = tuple((draw(amount), draw(amount), draw(amount), draw(small), draw(figures(2, 4)), draw(small))
                  for _ in ROWS)
    indicators = tuple(draw(st.lists(st.tuples(small, small), max_size=4)))
    return Report(slug, kind, draw(NAME), unit, funds, indicators, (draw(small), draw(small)))


class _Cells(HTMLParser):
    """The h1 text and, per table class and section, the figure of each numeric cell row by row.

    A figure is the text directly in its cell; finding marks and lost-point notes nest inside
    elements of their own and are left out."""

    def __init__(self) -> None:
        super().__init__()
        self.h1 = ""
        self.tables: dict[str, list[list[str]]] = {}
        self._table = self._section = ""
        self._cell: list[str] | None = None
        self._depth = 0
        self._in_h1 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if self._cell is not None:
            self._depth += 1
        elif tag == "table":
            self._table = classes[0] if classes else ""
        elif tag in ("thead", "tbody", "tfoot"):
            self._section = f"{self._table} {tag}"
        elif tag == "tr" and self._section:
            self.tables.setdefault(self._section, []).append([])
        elif tag == "td" and "num" in classes:
            self._cell, self._depth = [], 0
        self._in_h1 = self._in_h1 or tag == "h1"

    def handle_endtag(self, tag: str) -> None:
        if self._cell is not None and self._depth:
            self._depth -= 1
        elif self._cell is not None and tag == "td":
            self.tables[self._section][-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._table = self._section = ""
        self._in_h1 = self._in_h1 and tag != "h1"

    def handle_data(self, data: str) -> None:
        if self._cell is not None and not self._depth:
            self._cell.append(data)
        if self._in_h1:
            self.h1 += data


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(st.integers(0, 10**6), min_size=1, max_size=4, unique=True).flatmap(
    lambda ids: st.tuples(*(reports(f"r{i}") for i in ids))))
def test_random_valid_reports_build_and_show_every_figure_as_printed(generated: tuple[Report, ...]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "content"
        files = {"site.yaml": "title: 测试站点\n", "departments/test-dept/department.yaml": "name: 上海市测试局\n"}
        files |= {f"departments/test-dept/projects/2023/{r.slug}.yaml": r.yaml() for r in generated}
        for rel, text in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text, encoding="utf-8")
        out = build(root, Path(folder) / "site").out
        for report in generated:
            cells = _Cells()
            cells.feed((out / f"test-dept/2023/{report.slug}/index.html").read_text(encoding="utf-8"))
            assert cells.h1 == report.name
            for section, rows in report.expected().items():
                assert cells.tables.get(section, []) == rows, (section, report.yaml())


def test_the_expected_formatting_is_the_printed_one() -> None:
    assert [grouped(x) for x in ("0", "999", "1000", "12880.00", "1234567.5", "-1234")] == \
        ["0", "999", "1,000", "12,880.00", "1,234,567.5", "-1,234"]
    assert [as_percent(x) for x in ("1", "1.0000", "0.9598", "0.5", "0.05", "0", "1.2345")] == \
        ["100%", "100.00%", "95.98%", "50%", "5%", "0%", "123.45%"]


FIELDS = ("kind", "year", "name", "department", "money_unit", "funds", "total", "initial", "adjusted", "executed",
          "weight", "rate", "score", "indicators", "level1", "target", "goals", "planned", "period", "start",
          "tables", "columns", "rows", "values", "code", "title", "order", "base_url", "grades", "min", "units")
SCALARS = (st.none() | st.booleans() | st.integers(-10**40, 10**40) | st.floats() | st.dates() | TEXT
           | st.sampled_from(["self-evaluation", "target-declaration", "department-budget", "元", "万元", "2023",
                              "test-dept", ".nan", "-.inf", "1e400", "0x1F", "010", "1:30", "2023-02-30", "~"]))
SHAPES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.sampled_from(FIELDS) | TEXT, inner, max_size=6), max_leaves=30)
SPOTS = ("site.yaml", "departments/test-dept/department.yaml", "departments/test-dept/projects/2023/r.yaml",
         "departments/test-dept/budget-2023.yaml", "pages/about.md")


def _check_quietly(rel: str, data: bytes) -> None:
    """Write ``data`` at ``rel`` of a small valid site and check it: content errors, never a crash."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        files = {"site.yaml": b"title: t\n", "departments/test-dept/department.yaml": b"name: n\n", rel: data}
        for name, raw in files.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_bytes(raw)
        try:
            check(root)
        except BuildAborted as aborted:
            assert aborted.errors and all("\n" not in str(error) for error in aborted.errors)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(SPOTS), SHAPES)
def test_any_data_in_any_file_gives_content_errors_never_a_crash(rel: str, data: object) -> None:
    text = yaml.safe_dump(data, allow_unicode=True)
    _check_quietly(rel, (f"---\n{text}---\n正文\n" if rel.endswith(".md") else text).encode())


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(SPOTS), st.binary(max_size=300) | TEXT.map(str.encode)
       | st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_any_bytes_in_any_file_give_content_errors_never_a_crash(rel: str, data: bytes) -> None:
    _check_quietly(rel, data)
