"""Placeholder: the space-separated layout reader (seed 004) comes next."""

from __future__ import annotations

from generator.importers.rows import Messages, Row


def spaced_rows(lines: list[str], messages: Messages) -> list[Row]:
    """Rows of a space-separated extraction."""
    return []
