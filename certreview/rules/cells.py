"""Clean one cell of text read from a file: control characters out, length capped (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass

# IDs, names, codes, years and statuses are short; a longer cell is a mistake or an attack.
MAX_SHORT_CHARS = 200
# Free text (aliases, image paths, issuers) may be longer, but never unbounded.
MAX_LONG_CHARS = 4000
LONG_COLUMNS = frozenset({"aliases", "image", "issuer"})
# Keys the database holds in String(64) columns (models.py): a longer one would abort a whole
# import on PostgreSQL, so it is a per-row problem like any other over-long cell.
KEY_COLUMNS = frozenset({"student_id", "code", "group"})
MAX_KEY_CHARS = 64
CUT_MARK = "…"

# C0 controls except tab, LF and CR (whitespace a name may carry), DEL, C1 controls, and the
# bidi embeddings, overrides and isolates that make text read differently from its bytes.
# NUL in particular is refused by PostgreSQL, so the same row would import on SQLite only.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class Cell:
    """A cleaned cell: its text, whether control characters were removed, whether it was cut."""

    text: str
    stripped: bool = False
    cut: bool = False


def cell_limit(column: str) -> int:
    """Return how many characters a cell of COLUMN may hold.

    >>> cell_limit("student_name"), cell_limit("aliases"), cell_limit("student_id")
    (200, 4000, 64)
    """
    if column in KEY_COLUMNS:
        return MAX_KEY_CHARS
    return MAX_LONG_CHARS if column in LONG_COLUMNS else MAX_SHORT_CHARS


def is_too_long(text: str | None, column: str) -> bool:
    """Return True when TEXT is longer than a cell of COLUMN may be (a cut cell is, too)."""
    return text is not None and len(text) > cell_limit(column)


def clean_cell(text: str, column: str) -> Cell:
    """Return TEXT without control characters, cut to its column's limit with a mark.

    A cut cell keeps its first characters plus CUT_MARK, so it stays recognisably too long.

    >>> clean_cell("B1\\x0023", "student_id")
    Cell(text='B123', stripped=True, cut=False)
    >>> len(clean_cell("x" * 999, "name").text), clean_cell("x" * 999, "name").cut
    (201, True)
    """
    cleaned, removed = _CONTROLS.subn("", text)
    limit = cell_limit(column)
    cut = len(cleaned) > limit
    if cut:
        cleaned = cleaned[:limit] + CUT_MARK
    return Cell(cleaned, stripped=bool(removed), cut=cut)
