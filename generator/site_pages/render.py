"""Stage 5, render: one Jinja environment over a theme, its filters and markdown.

Contract: ``Renderer(theme_dirs, site)`` builds the environment once:
autoescape on, ``StrictUndefined``, the filters ``money``, ``amount``,
``percent``, ``number``, ``markdown``, ``chart`` and the ``_`` message function registered
here and nowhere else. Markdown goes through one markdown-it-py instance with raw
HTML off, so untrusted text never becomes markup. Numbers are formatted without
the process locale, so output is the same everywhere.
"""

from __future__ import annotations

import hashlib
import io
import json
import pickle
from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from jinja2 import (
    BytecodeCache,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    nodes,
    select_autoescape,
)
from jinja2.bccache import Bucket
from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream
from markdown_it import MarkdownIt
from markupsafe import Markup

from generator.content.models import UNIT_FACTOR, SiteConfig
from generator.errors import BuildAborted, ContentError, UsageError, display_path
from generator.folders import bundles, walk
from generator.i18n import load_catalogue, translate
from generator.numbers import printed
from generator.site_pages.charts import render_chart

if TYPE_CHECKING:
    from generator.audit.rules import Finding

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


def fingerprint_of(prefix: bytes, value: Any) -> bytes:
    """``value``'s pickle, hashed after ``prefix``. Pickled without its memo ("fast"), so that equal
    values give equal bytes whether or not they share equal objects (text read back from the Store
    is not the very text a fresh computation gives); views and parts are trees, never cycles."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, pickle.HIGHEST_PROTOCOL)
    pickler.fast = True
    pickler.dump(value)
    return hashlib.sha256(prefix + buffer.getvalue()).digest()


class Compiled(BytecodeCache):
    """Templates compiled once, by file, source checksum and message catalogue (Jinja compiles
    again when a source changed; the catalogue's texts are compiled into them, see
    :class:`Folded`): ``disclose serve`` makes a Renderer for every rebuild, and compiling the
    theme took half a second each time. The Store keeps one (:attr:`generator.store.Store.templates`)."""

    def __init__(self) -> None:
        self.codes: dict[str, bytes] = {}
        self.catalogue = ""  # the digest of the catalogue the Renderer compiles with
        self.names: dict[tuple[str, str], frozenset[str]] = {}  # (template, source) -> names it reads

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        return f"{super().get_cache_key(name, filename)}-{self.catalogue}"

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self.codes.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)  # Jinja discards it if the source's checksum differs

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.codes[bucket.key] = bucket.bytecode_to_string()


class Folded(Extension):
    """``_("text")`` of a literal text is translated once, when the template is compiled: the
    text becomes a literal that Jinja escapes then and writes out as it is, instead of a call on
    every page (a report page has about 400 of them, in every cell's ``data-label``)."""

    def filter_stream(self, stream: TokenStream) -> Any:
        message = cast(Callable[[str], str], self.environment.globals["_"])
        window: list[Token] = []
        after_dot = False
        for token in stream:
            window.append(token)
            if (len(window) == 4 and window[0].type == "name" and window[0].value == "_" and not after_dot
                    and [t.type for t in window[1:]] == ["lparen", "string", "rparen"]):
                window = [Token(window[0].lineno, "string", message(window[2].value))]
            elif len(window) == 4:
                first = window.pop(0)
                after_dot = first.type == "dot"
                yield first
        yield from window


class Renderer:
    """The site's one Jinja environment."""

    def __init__(self, dirs: list[Path], site: SiteConfig, compiled: Compiled | None = None) -> None:
        template_dirs = [d if d.name == "templates" else d / "templates" for d in dirs]
        self.static_dirs = [d / "static" for d in dirs if (d / "static").is_dir()]
        self.messages = load_catalogue(dirs, site.language)
        self.site = site
        # what a text made with this catalogue depends on (compiled templates, memoised records)
        self.catalogue = hashlib.sha256(json.dumps(self.messages, sort_keys=True).encode()).hexdigest()[:16]
        if compiled is not None:
            compiled.catalogue = self.catalogue
        self.compiled = compiled or Compiled()
        env = Environment(
            loader=FileSystemLoader([str(d) for d in template_dirs if d.is_dir()]),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            bytecode_cache=compiled,
            extensions=[Folded],
        )
        env.filters.update(money=money, number=number, percent=percent, markdown=markdown,
                           amount=self.amount, chart=lambda chart: render_chart(chart, self.message))
        env.globals.update(_=self.message, site=site, marks=self.marks, part=self.part)
        # |tojson as the text is (its <, >, & and ' still escaped): Chinese in three bytes, not six
        env.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False}
        self.env = env
        # parts (see part), by what they are made of; ``parts`` as a Store kept them (serve's),
        # ``used`` those this Renderer rendered or took, for the Store to keep for the next build
        self.identity = b""  # the theme's and the settings' fingerprint (set when pages are planned)
        self.parts: dict[bytes, Markup] | None = None  # None: no parts kept (nor their keys made)
        self.used: dict[bytes, Markup] = {}
        self.made: list[str] = []  # the parts rendered afresh (their templates), of kept ones

    def amount(self, value: Decimal | None) -> str:
        """Format a computed sum (in 元) in the site's unit, to two decimals."""
        return amount(value, self.site.money_unit)

    def message(self, text: str, **values: Any) -> str:
        """Translate an interface string (keyed by its Chinese text, or a Msg) and fill in ``values``."""
        return translate(self.messages, text, values)

    def marks(self, findings: Sequence[Finding], field: str, prefix: bool = False) -> Markup:
        """The theme's mark (``_partials/marks.html``) of each finding on exactly ``field`` (with
        ``prefix``, on it or below it): chosen here, not in a macro called for every cell of a
        table, as most cells have none."""
        if not self.site.audit_panels:
            return Markup()
        below = field + "."
        hits = [f for f in findings if f.field == field or (prefix and f.field.startswith(below))]
        if not hits:
            return Markup()
        mark = self.env.get_template("_partials/marks.html").module.mark  # type: ignore[attr-defined]
        return Markup().join(mark(f) for f in hits)

    def part(self, template: str, **values: Any) -> Markup:
        """The partial ``template`` rendered with ``values``: a part of a page made of many (the
        audit's, one a department), taken from :attr:`parts` when one was rendered before from
        the same values, templates and settings (``serve`` keeps them), so that a page whose
        parts did not change is only put together again."""
        if self.parts is None:
            return Markup(self.env.get_template(template).render(**values))
        key = fingerprint_of(self.identity + template.encode("utf-8") + b"\0", sorted(values.items()))
        found = self.parts.get(key)
        if found is None:
            found = Markup(self.env.get_template(template).render(**values))
            self.made.append(template)
        self.used[key] = found
        return found

    def reads(self, template: str, name: str) -> bool:
        """Whether ``template`` reads the global ``name`` itself (not through another template);
        known once for each text of the template. (Every name it loads: Jinja's
        ``meta.find_undeclared_variables`` leaves out the environment's globals, ``part`` among them.)"""
        source = self.env.loader.get_source(self.env, template)[0] if self.env.loader else ""
        names = self.compiled.names.get((template, source))
        if names is None:
            names = self.compiled.names[(template, source)] = frozenset(
                node.name for node in self.env.parse(source).find_all(nodes.Name) if node.ctx == "load")
        return name in names

    def render(self, template: str, **context: Any) -> str:
        return self.env.get_template(template).render(**context)

