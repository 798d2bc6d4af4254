"""Cells for CSV files people open in a spreadsheet."""

from __future__ import annotations

# Excel and LibreOffice run a cell that starts with one of these as a formula (tab and carriage
# return too, since some importers strip them first and then see the next character).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def defuse_formula(text: str) -> str:
    """A leading apostrophe keeps text that came from people text, so it cannot run as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text
