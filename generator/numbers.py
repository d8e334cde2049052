"""Figures as text: the one way every stage writes a number.

Contract: :func:`printed` gives a Decimal or int with thousands separators and exactly the
digits it was written with (``12880.00`` stays ``12,880.00``, ``0.00`` stays ``0.00``), a zero
never signed, and never through the process locale. Pages, downloads, the audit's messages
and search records all call it, so a figure reads the same wherever it appears.
"""

from __future__ import annotations

from decimal import Decimal


def printed(value: Decimal | int) -> str:
    """Write ``value`` with thousands separators and its own digits; a zero has no sign."""
    text = format(value, ",f")
    return text[1:] if value == 0 and text.startswith("-") else text
