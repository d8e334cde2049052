"""Interface language: message keys made in Python, and their translation.

Contract: every interface string is keyed by its Chinese text. Templates call
``_("中文")``; Python code that makes a label for a page (a crumb, a title, a
chart's caption) makes a :class:`Msg`, which *is* the Chinese text (a ``str``,
so the search index, the sitemap and zh-CN pages use it as it is) and also
remembers its key and values, so ``translate`` can put it in another language.
A catalogue is ``themes/<theme>/messages/<language>.yaml``, a mapping from key
to text; zh-CN needs none, and a key missing from a catalogue stays Chinese.
Content text never goes through a catalogue: a plain ``str`` that is not a key
comes back unchanged. A Msg's values are content (plain ``str``, kept as written)
or interface terms (nested Msgs, translated): the audit's findings are Msgs built
this way, and :func:`msg_data` and :func:`msg_from_data` keep them as JSON.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Any

import yaml

from generator.errors import UsageError

Catalogue = dict[str, str]


class Msg(str):
    """An interface string: the Chinese text, with the key and values it was made from."""

    key: str
    values: dict[str, Any]

    def __new__(cls, key: str, **values: Any) -> Msg:  # noqa: PYI034 (a subclass would be a Msg too)
        text = key.format(**values) if values else key
        made = super().__new__(cls, text)
        # interned: a Msg read back from the audit's memo pickles as the one it was made as, so a
        # page's fingerprint (the pickle of its view) does not change when nothing did
        made.key = sys.intern(key)
        made.values = values
        return made

    def __reduce__(self) -> tuple[Any, ...]:
        # keep Msg picklable (values are keyword-only, so the default protocol cannot rebuild it)
        return (_rebuild, (self.key, self.values))


def _rebuild(key: str, values: dict[str, Any]) -> Msg:
    return Msg(key, **values)


def msg_data(msg: Msg) -> list[Any]:
    """A Msg as JSON data: ``[key, {name: value}]``, a nested Msg as such a list, content as text."""
    return [msg.key, {k: msg_data(v) if isinstance(v, Msg) else v for k, v in msg.values.items()}]


def msg_from_data(data: Any) -> Msg:
    """The Msg of :func:`msg_data`'s ``data``; ValueError if it is not one."""
    if not (isinstance(data, list) and len(data) == 2 and isinstance(data[0], str) and isinstance(data[1], dict)):
        raise ValueError(f"not a message: {data!r}")
    if not data[1]:
        return _bare(data[0])
    # text interned, as the key: equal values are one object however they were read (JSON or not)
    return Msg(data[0], **{sys.intern(str(k)): msg_from_data(v) if isinstance(v, list) else sys.intern(str(v))
                           for k, v in data[1].items()})


@functools.lru_cache(maxsize=1 << 12)
def _bare(key: str) -> Msg:
    """A Msg without values (a label, a unit), one object for every finding that names it."""
    return Msg(key)


def listing(items: list[Any]) -> Any:
    """Items joined as a list the catalogue can punctuate: ``a、b、c`` (``a, b, c`` in English)."""
    if not items:
        return ""
    joined = items[0]
    for item in items[1:]:
        joined = Msg("{a}、{b}", a=joined, b=item)
    return joined


def content_values(msg: Msg) -> list[str]:
    """The content a Msg quotes: its plain-text values, nested ones included."""
    found: list[str] = []
    for value in msg.values.values():
        if isinstance(value, Msg):
            found += content_values(value)
        elif isinstance(value, str):
            found.append(value)
    return found


def translate(catalogue: Catalogue, text: str, values: dict[str, Any] | None = None) -> str:
    """Put ``text`` (a key, a :class:`Msg` or content text) in the catalogue's language."""
    if not catalogue and not values:
        return text  # no catalogue (zh-CN): a key, and a Msg, are their Chinese text
    if isinstance(text, Msg):
        values = {**text.values, **(values or {})}
        text = text.key
    out = catalogue.get(text, text)
    if not values:
        return out
    shown = {k: translate(catalogue, v) if isinstance(v, Msg) else v for k, v in values.items()}
    return out.format(**shown)


def load_catalogue(dirs: list[Path], language: str) -> Catalogue:
    """The message catalogue for ``language`` from the first theme folder that has one."""
    for d in dirs:
        path = d / "messages" / f"{language}.yaml"
        if path.is_file():
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            if not isinstance(data, dict):
                raise UsageError(f"{path}: a message catalogue must map Chinese keys to texts")
            return {str(k): str(v) for k, v in data.items()}
    return {}
