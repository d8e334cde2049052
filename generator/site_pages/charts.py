"""Stage 5b, charts: bar charts drawn at build time as inline SVG.

Contract: a :class:`Chart` is plain data (groups of labelled bars with their
figures already formatted as printed); ``render_chart(chart, translate)``
returns ``Markup``: a ``<figure>`` holding an SVG image (``role="img"``, a
``<title>`` and a ``<desc>`` it is labelled and described by) and the same
figures as a table in a ``<details>``, so nothing is only in the picture.
Every text is escaped and goes through ``translate`` (content text comes back
unchanged). No script and no file from elsewhere: the SVG uses presentation
attributes (the CSP forbids style attributes) and scales with its ``viewBox``
to the width of the page, with the label of each group above its bars so a
360 px phone still reads it. Geometry is Decimal arithmetic rounded to 0.1, so
the same chart is the same bytes on every build.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol

from markupsafe import Markup, escape


class Translate(Protocol):
    """The interface's message function (``Renderer.message``)."""

    def __call__(self, text: str, **values: Any) -> str: ...


WIDTH = 360                 # viewBox width; the SVG is drawn at 100 % of the column
PAD = 4
LABEL_SIZE = 14             # font sizes in viewBox units: 12.8 and 11 px on a 360 px phone
VALUE_SIZE = 12
BAR = 14                    # height of one bar
BAR_GAP = 3
GROUP_GAP = 10
SWATCH = 10
INK = "#1a1a1a"
# Bar colours with at least 3:1 contrast on white (WCAG 1.4.11); the legend names them.
FILLS = ("#0b4f8a", "#b5541c", "#2e7d32")
TENTH = Decimal("0.1")


@dataclass(frozen=True)
class Bar:
    """One bar: value, the figure in the unit shown (None when not printed); text, as printed."""

    value: Decimal | None
    text: str


@dataclass(frozen=True)
class Chart:
    """A grouped bar chart.

    ident: unique on its page, prefix of the SVG's element ids; title, description: what it
    shows (interface strings, translated when drawn); category: heading of the label column of
    its table; series: the name of each bar of a group; unit: the unit of the figures, or '';
    rows: (label, one Bar per series) per group, in the order drawn; note: a line under the
    chart (e.g. how many groups were left out), or ''.
    """

    ident: str
    title: str
    description: str
    category: str
    series: tuple[str, ...]
    unit: str
    rows: tuple[tuple[str, tuple[Bar, ...]], ...]
    note: str = ""


def _tenths(char: str) -> int:
    """A character's width in tenths of an em: wide (CJK) 10, others 6."""
    return 10 if unicodedata.east_asian_width(char) in "WF" else 6


def text_width(text: str, size: int) -> Decimal:
    """Estimate how wide ``text`` is drawn: wide (CJK) characters 1 em, others 0.6 em."""
    return Decimal(sum(map(_tenths, text)) * size) / 10


def fit(text: str, size: int, room: Decimal) -> str:
    """Cut ``text`` with an ellipsis so it fits in ``room``; the table keeps it whole.

    One pass over the characters, however long the text (measuring each shorter cut again
    made a long name cost quadratic time)."""
    if text_width(text, size) <= room:
        return text
    budget = room * 10 / size - _tenths("…")  # tenths of an em left for the characters kept
    used = kept = 0
    for char in text:
        used += _tenths(char)
        if used > budget:
            break
        kept += 1
    return text[:kept] + "…"


def _n(value: Decimal | int) -> str:
    """A coordinate as SVG text: one decimal at most, no exponent."""
    shown = Decimal(value).quantize(TENTH, ROUND_HALF_UP).normalize()
    return format(shown, "f")


def _legend(series: list[str], y: int) -> tuple[list[str], int]:
    """Swatches with the series' names, wrapped over lines; returns shapes and the next y."""
    shapes: list[str] = []
    x = Decimal(PAD)
    for i, name in enumerate(series):
        width = SWATCH + 4 + text_width(name, VALUE_SIZE) + 12
        if x > PAD and x + width > WIDTH - PAD:
            x, y = Decimal(PAD), y + LABEL_SIZE + 4
        shapes.append(f'<rect x="{_n(x)}" y="{y}" width="{SWATCH}" height="{SWATCH}" '
                      f'fill="{FILLS[i % len(FILLS)]}"/>')
        shapes.append(f'<text x="{_n(x + SWATCH + 4)}" y="{y + SWATCH - 1}" font-size="{VALUE_SIZE}" '
                      f'fill="{INK}">{escape(name)}</text>')
        x += width
    return shapes, y + LABEL_SIZE + 8


# Markup is built with f-strings around escape(): every content or interface text goes through
# escape(), numbers and the constants above are safe as they are (Markup.format is 5x slower).
def _svg(chart: Chart, t: Translate) -> str:
    series = [t(s) for s in chart.series]
    shapes: list[str] = []
    y = PAD
    if len(series) > 1:
        shapes, y = _legend(series, y)
    values = [b.value for _, bars in chart.rows for b in bars if b.value is not None]
    top = max(values, default=Decimal(0))
    room_for_text = max((text_width(b.text, VALUE_SIZE) for _, bars in chart.rows for b in bars),
                        default=Decimal(0)) + 6
    span = WIDTH - 2 * PAD - room_for_text
    for label, bars in chart.rows:
        y += LABEL_SIZE
        shapes.append(f'<text x="{PAD}" y="{y}" font-size="{LABEL_SIZE}" fill="{INK}">'
                      f'{escape(fit(t(label), LABEL_SIZE, Decimal(WIDTH - 2 * PAD)))}</text>')
        y += 4
        for i, bar in enumerate(bars):
            length = Decimal(0)
            if bar.value is not None and top > 0:
                length = max(bar.value, Decimal(0)) / top * span
            if length > 0:
                shapes.append(f'<rect class="bar" x="{PAD}" y="{y}" width="{_n(length)}" height="{BAR}" '
                              f'fill="{FILLS[i % len(FILLS)]}"/>')
            shapes.append(f'<text class="value" x="{_n(PAD + length + 4)}" y="{y + BAR - 2}" '
                          f'font-size="{VALUE_SIZE}" fill="{INK}">{escape(bar.text)}</text>')
            y += BAR + BAR_GAP
        y += GROUP_GAP
    height = y - GROUP_GAP + PAD
    ident = escape(chart.ident)
    shapes_text = "\n".join(shapes)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" viewBox="0 0 {WIDTH} {height}" '
            f'width="100%" role="img" aria-labelledby="{ident}-title" aria-describedby="{ident}-desc" '
            f'focusable="false"><title id="{ident}-title">{escape(t(chart.title))}</title>'
            f'<desc id="{ident}-desc">{escape(t(chart.description))}</desc>\n{shapes_text}\n</svg>')


def _table(chart: Chart, t: Translate) -> str:
    head = "".join(
        '<th scope="col" class="num">'
        f'{escape(t("{name}（{unit}）", name=t(s), unit=t(chart.unit)) if chart.unit else t(s))}</th>'
        for s in chart.series)
    body = "\n".join(
        f'<tr><th scope="row">{escape(t(label))}</th>'
        + "".join(f'<td class="num">{escape(b.text)}</td>' for b in bars) + "</tr>"
        for label, bars in chart.rows)
    return (f'<table><caption>{escape(t(chart.title))}</caption>\n<thead><tr><th scope="col">'
            f'{escape(t(chart.category))}</th>{head}</tr></thead>\n<tbody>\n{body}\n</tbody></table>')


def render_chart(chart: Chart, t: Translate) -> Markup:
    """The chart as a figure: caption, SVG, an optional note and its data table."""
    note = f'<p class="chart-note">{escape(t(chart.note))}</p>\n' if chart.note else ""
    return Markup(
        f'<figure class="chart" id="{escape(chart.ident)}">\n<figcaption>{escape(t(chart.title))}</figcaption>\n'
        f'{_svg(chart, t)}\n{note}<details class="chart-data"><summary>{escape(t("图表数据"))}</summary>\n'
        f'{_table(chart, t)}\n</details>\n</figure>\n')
