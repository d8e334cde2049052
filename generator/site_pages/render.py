"""Stage 5, render: one Jinja environment over a theme, its filters and markdown.

Contract: ``Renderer(theme_dirs, site)`` builds the environment once:
autoescape on, ``StrictUndefined``, the filters ``money``, ``amount``,
``percent``, ``number``, ``markdown``, ``chart`` and the ``_`` message function registered
here and nowhere else. Markdown goes through one markdown-it-py instance with raw
HTML off, so untrusted text never becomes markup. Numbers are formatted without
the process locale, so output is the same everywhere.
"""

from __future__ import annotations

import importlib.util
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from jinja2 import BytecodeCache, Environment, FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.bccache import Bucket
from markdown_it import MarkdownIt
from markupsafe import Markup

from generator.content.models import UNIT_FACTOR, SiteConfig
from generator.errors import BuildAborted, ContentError, UsageError, display_path
from generator.folders import walk
from generator.i18n import load_catalogue, translate
from generator.numbers import printed
from generator.site_pages.charts import render_chart

DASH = "—"
_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")


def markdown(text: str | None) -> Markup:
    """Render markdown with raw HTML off; unsafe link schemes are dropped by markdown-it."""
    return Markup(_md.render(text or ""))


def number(value: Decimal | int | None) -> str:
    """Format a figure as printed: thousands separators, its own decimals, no locale."""
    return DASH if value is None else printed(value)


def money(value: Decimal | None, unit: str = "元") -> str:
    """Format an amount held in 元 in ``unit`` (元 or 万元), with the printed digits."""
    if value is None:
        return DASH
    return number(value / UNIT_FACTOR[unit])


def percent(ratio: Decimal | None) -> str:
    """Format a ratio as a percentage with its printed digits: 0.9598 → 95.98%."""
    if ratio is None:
        return DASH
    return f"{number(ratio.scaleb(2))}%"


def amount(value: Decimal | None, unit: str) -> str:
    """Format a computed sum (in 元) in ``unit``, to two decimals."""
    if value is None:
        return DASH
    return number((value / UNIT_FACTOR[unit]).quantize(Decimal("0.01"), ROUND_HALF_UP))


def theme_dirs(content_root: Path, theme: str) -> list[Path]:
    """The template and static folders to use, the project's own before the bundled theme."""
    candidates = [content_root / "templates", content_root.parent / "themes" / theme]
    candidates += [bundle / theme for bundle in bundles()]
    found = [c for c in candidates if c.is_dir()]
    if not any(c.name == theme for c in found):
        raise UsageError(f"theme {theme!r} not found (looked in {content_root.parent / 'themes'})")
    # Templates, messages and static files are read and published as they are: none may be a
    # link out of its folder (templates/404.html -> /etc/passwd would become the 404 page).
    refused = [r for folder in found  # the content's templates/ stays in the content folder
               for r in walk(folder, inside=content_root if folder == candidates[0] else None).refused]
    if refused:
        raise BuildAborted([ContentError(display_path(r.link), 1, 1, "", r.reason) for r in refused])
    return found


def bundles() -> list[Path]:
    """The themes folders installed with the package (a namespace package, so maybe several)."""
    try:
        spec = importlib.util.find_spec("disclose_themes")
    except ModuleNotFoundError:
        return []
    return [Path(p) for p in (spec.submodule_search_locations or [])] if spec else []


class Compiled(BytecodeCache):
    """Templates compiled once, by file and source checksum (Jinja compiles again when a source
    changed): ``disclose serve`` makes a Renderer for every rebuild, and compiling the theme took
    half a second each time. The Store keeps one (:attr:`generator.store.Store.templates`)."""

    def __init__(self) -> None:
        self.codes: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self.codes.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)  # Jinja discards it if the source's checksum differs

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.codes[bucket.key] = bucket.bytecode_to_string()


class Renderer:
    """The site's one Jinja environment."""

    def __init__(self, dirs: list[Path], site: SiteConfig, compiled: Compiled | None = None) -> None:
        template_dirs = [d if d.name == "templates" else d / "templates" for d in dirs]
        self.static_dirs = [d / "static" for d in dirs if (d / "static").is_dir()]
        self.messages = load_catalogue(dirs, site.language)
        self.site = site
        env = Environment(
            loader=FileSystemLoader([str(d) for d in template_dirs if d.is_dir()]),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            bytecode_cache=compiled,
        )
        env.filters.update(money=money, number=number, percent=percent, markdown=markdown,
                           amount=self.amount, chart=lambda chart: render_chart(chart, self.message))
        env.globals.update(_=self.message, site=site)
        self.env = env

    def amount(self, value: Decimal | None) -> str:
        """Format a computed sum (in 元) in the site's unit, to two decimals."""
        return amount(value, self.site.money_unit)

    def message(self, text: str, **values: Any) -> str:
        """Translate an interface string (keyed by its Chinese text, or a Msg) and fill in ``values``."""
        return translate(self.messages, text, values)

    def render(self, template: str, **context: Any) -> str:
        return self.env.get_template(template).render(**context)

