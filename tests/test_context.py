"""Typed view objects: frozen, and every field documented (datasette's RowContext habit)."""

from __future__ import annotations

import dataclasses
import inspect
import re

import generator.aggregate
import generator.site_pages.context
import generator.site_pages.views

MODULES = [generator.site_pages.views, generator.site_pages.context, generator.aggregate]


def views() -> list[type]:
    return [obj for module in MODULES for _, obj in inspect.getmembers(module, inspect.isclass)
            if dataclasses.is_dataclass(obj) and obj.__module__ == module.__name__]


def test_every_view_field_is_documented() -> None:
    missing = []
    for cls in views():
        doc = inspect.getdoc(cls) or ""
        words = set(re.findall(r"[a-z_][a-z0-9_]*", doc))
        missing += [f"{cls.__name__}.{f.name}" for f in dataclasses.fields(cls) if f.name not in words]
    assert not missing, f"undocumented view fields: {missing}"


def test_views_are_frozen() -> None:
    assert all(cls.__dataclass_params__.frozen for cls in views())  # type: ignore[attr-defined]
