"""YAML writing for imported content: deterministic, readable, every figure as printed.

Contract: :func:`dump` writes a dict as YAML text in the layout of the design's
example files: block mappings at the top, one flow mapping per indicator, funds row
and budget row, multi-line text as ``|`` blocks. Numbers are ``Decimal`` written
from their digits (``12880.00`` stays ``12880.00``: the loader reads YAML floats as
Decimal from their literal text), Chinese is written as is, and a string is quoted
only when YAML would read it as something else. The same data always gives the
same bytes. Comment lines given to :func:`dump` open the file.
"""

from __future__ import annotations

import functools
import json
import re
from datetime import date
from decimal import Decimal
from typing import Any

import yaml

_BLOCK_KEYS = {"goals", "funds", "sections", "tables"}
_INDENT = "  "


def scalar(value: Any, flow: bool) -> str:
    """Write one scalar; quote a string only when it would not read back as itself."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return text if _plain_ok(text, flow) else json.dumps(text, ensure_ascii=False)


_RESOLVER = yaml.resolver.Resolver()


@functools.lru_cache(maxsize=65536)
def _plain_ok(text: str, flow: bool) -> bool:
    """Tell whether ``text`` reads back as this very string when written unquoted."""
    if not text or text != text.strip() or "\n" in text or "\t" in text:
        return False
    if text[0] in "-?:,[]{}#&*!|>'\"%@`" or ": " in text or " #" in text or text.endswith(":"):
        return False
    if flow and re.search(r"[,\[\]{}]", text):
        return False
    # Plain text that YAML would read as a number, a date, a boolean or null is quoted.
    tag = _RESOLVER.resolve(yaml.ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
    return bool(tag == "tag:yaml.org,2002:str")


def _is_leaf(value: Any) -> bool:
    return not isinstance(value, (dict, list))


def _flowable(value: Any) -> bool:
    """Tell whether a container is small enough to write on one line."""
    members = value.values() if isinstance(value, dict) else value
    for member in members:
        nested = isinstance(member, list) and not all(_is_leaf(m) for m in member)
        if nested or isinstance(member, dict) or (isinstance(member, str) and "\n" in member):
            return False
    return True


def _flow(value: Any) -> str:
    if isinstance(value, dict):
        inner = ", ".join(f"{k}: {_flow(v)}" for k, v in value.items())
        return "{" + inner + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return scalar(value, flow=True)


def _block_text(text: str, indent: str) -> list[str]:
    return ["|"] + [f"{indent}{line}" if line else "" for line in text.split("\n")]


def _mapping(data: dict[str, Any], indent: str, parent: str) -> list[str]:
    lines: list[str] = []
    for key, value in data.items():
        head = f"{indent}{key}:"
        if isinstance(value, dict):
            if value and _flowable(value) and key not in _BLOCK_KEYS and parent != "sections":
                lines.append(f"{head} {_flow(value)}")
            elif not value:
                lines.append(f"{head} {{}}")
            else:
                lines.append(head)
                lines += _mapping(value, indent + _INDENT, key)
        elif isinstance(value, list):
            lines += _sequence(key, value, indent)
        elif isinstance(value, str) and "\n" in value:
            block = _block_text(value, indent + _INDENT)
            lines.append(f"{head} {block[0]}")
            lines += block[1:]
        else:
            lines.append(f"{head} {scalar(value, flow=False)}")
    return lines


def _sequence(key: str, items: list[Any], indent: str) -> list[str]:
    head = f"{indent}{key}:"
    if not items:
        return [f"{head} []"]
    if all(_is_leaf(item) for item in items):
        return [f"{head} {_flow(items)}"]
    lines = [head]
    for item in items:
        if isinstance(item, dict) and _flowable(item) and key not in _BLOCK_KEYS:
            lines.append(f"{indent}  - {_flow(item)}")
        elif isinstance(item, dict):
            body = _mapping(item, indent + "    ", key)
            lines.append(f"{indent}  - {body[0].lstrip()}")
            lines += body[1:]
        else:
            lines.append(f"{indent}  - {_flow(item)}")
    return lines


def dump(data: dict[str, Any], comments: list[str] | None = None) -> str:
    """Write ``data`` as YAML, after ``comments`` (one ``# `` line each)."""
    out = [f"# {line}".rstrip() for c in comments or [] for line in c.split("\n")]
    out += _mapping(data, "", "")
    return "\n".join(out) + "\n"
