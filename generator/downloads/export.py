"""Stage 6a, export: the site's data files (per-report JSON) and its sitemap.

Contract: every function returns bytes or text that depend only on the content,
with keys and rows in a stable order, so two builds give identical files.
Amounts are exported in 元 as decimal strings with their printed digits.
"""

from __future__ import annotations

import json
from xml.sax.saxutils import escape

from generator.content.validate import ReportEntry


def report_data(entry: ReportEntry) -> dict[str, object]:
    """The report as JSON-ready data, amounts in 元 as strings."""
    data = entry.model.model_dump(mode="json")
    data["money_unit_printed"] = data.pop("money_unit")
    data["money_unit"] = "元"
    data["slug"] = entry.slug
    return data


def dumps(data: object, indent: int | None = None) -> bytes:
    """JSON, compact unless ``indent`` is given: the reports' files, thousands of them, are written
    by Python's C encoder, which cannot indent (its pure-Python encoder took a tenth of a build);
    browsers and ``jq`` lay them out for reading. Small descriptive files are indented."""
    separators = (",", ": ") if indent is not None else (",", ":")
    return (json.dumps(data, ensure_ascii=False, indent=indent, separators=separators, sort_keys=True)
            + "\n").encode("utf-8")


def report_path(entry: ReportEntry) -> str:
    """Where a report's JSON is written: beside its page."""
    stem = entry.slug if entry.slug != "budget" else f"budget-{entry.model.year}"
    return f"{entry.path}{stem}.json"


def sitemap(base_url: str, pages: list[str]) -> str:
    """A sitemap of every HTML page but the 404 page."""
    urls = []
    for rel in sorted(pages):
        if rel == "404.html":
            continue
        path = rel.removesuffix("index.html")
        urls.append(f"  <url><loc>{escape(base_url + path)}</loc></url>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + "\n".join(urls) + "\n</urlset>\n")
