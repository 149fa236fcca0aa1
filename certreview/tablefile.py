"""Write DataFrames to CSV or XLSX files that are safe to open in Excel.

Safe means: every text cell that Excel could read as a formula (starting with = + - @, tab or
CR) is neutralised with a leading apostrophe; IDs stay text (leading zeros survive); CSV is
UTF-8 with a BOM so Excel reads 郭峯堃 as written; XLSX has a frozen header, filters, sensible
column widths and text-typed ID columns.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
SUFFIXES = (".csv", ".xlsx")
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")


def neutralise(value: object) -> object:
    """Return VALUE with a leading apostrophe when it is text Excel could run as a formula.

    Control characters a spreadsheet cannot hold (which openpyxl strips) are removed first, so
    they cannot hide a formula: formula-like text comes back without them, after the apostrophe.

    >>> neutralise("=HYPERLINK(1)"), neutralise("-5"), neutralise("B109"), neutralise(-5)
    ("'=HYPERLINK(1)", "'-5", 'B109', -5)
    >>> neutralise("\x01=HYPERLINK(1)")
    "'=HYPERLINK(1)"
    """
    if not isinstance(value, str):
        return value
    visible = ILLEGAL_CHARACTERS_RE.sub("", value)
    if visible.startswith(FORMULA_START):
        return "'" + visible
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of FRAME with formula-like text neutralised and whole floats as integers."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if pd.api.types.is_float_dtype(values) and _whole(values):
            out[column] = values.astype("Int64")
        elif pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values):
            out[column] = values.map(neutralise)
    return out


def check_suffix(path: str | os.PathLike[str]) -> str:
    """Return the lower-case suffix of PATH, or raise ValueError unless it is .csv or .xlsx."""
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        raise ValueError(
            f"cannot write {Path(path).name!r}: give a file name ending in .csv or .xlsx"
        )
    return suffix


def write_table(
    frames: pd.DataFrame | Mapping[str, pd.DataFrame],
    path: str | os.PathLike[str],
) -> list[Path]:
    """Write one frame, or named frames, to PATH (.csv or .xlsx); return the files written.

    Named frames become sheets of one XLSX; as CSV the first goes to PATH and each other to
    PATH's stem plus `_name` (`audit.csv`, `audit_summary.csv`).
    """
    suffix = check_suffix(path)
    path = Path(path)
    named = {"data": frames} if isinstance(frames, pd.DataFrame) else dict(frames)
    if not named:
        raise ValueError("nothing to write: no tables given")
    if suffix == ".xlsx":
        _write_xlsx(named, path)
        return [path]
    written = []
    for index, (name, frame) in enumerate(named.items()):
        target = path if index == 0 else path.with_name(f"{path.stem}_{name}{path.suffix}")
        safe_frame(frame).to_csv(target, index=False, encoding="utf-8-sig", lineterminator="\r\n")
        written.append(target)
    return written


def is_id_column(name: str) -> bool:
    """Return True for columns holding identifiers, which must stay text in a spreadsheet."""
    return name in {"id", "email", "certificate_no"} or name.endswith(("_id", "_id_text"))


def _write_xlsx(named: Mapping[str, pd.DataFrame], path: Path) -> None:
    """Write each frame as a sheet: bold frozen header, filters, widths, text-typed IDs."""
    book = Workbook(write_only=True)
    used: set[str] = set()
    for name, frame in named.items():
        sheet = book.create_sheet(_sheet_title(name, used))
        frame = safe_frame(frame)
        columns = [str(c) for c in frame.columns]
        for index, column in enumerate(columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = _width(
                column, frame.iloc[:, index - 1]
            )
        sheet.freeze_panes = "A2"
        if columns:
            last = get_column_letter(len(columns))
            sheet.auto_filter.ref = f"A1:{last}{len(frame) + 1}"
        header = []
        for column in columns:
            cell = WriteOnlyCell(sheet, value=column)
            cell.font = Font(bold=True)
            header.append(cell)
        sheet.append(header)
        values = [_cells(frame.iloc[:, i]) for i in range(len(columns))]
        text_columns = [i for i, c in enumerate(columns) if is_id_column(c)]
        for row in zip(*values, strict=True):
            cells = list(row)
            for i in text_columns:
                if cells[i] is not None:
                    cell = WriteOnlyCell(sheet, value=str(cells[i]))
                    cell.number_format = "@"
                    cells[i] = cell
            sheet.append(cells)
    book.save(path)


def _cells(values: pd.Series) -> list[object]:
    """Return a column as plain Python values openpyxl stores as they are (missing as None)."""
    out = values.astype(object).where(values.notna(), None).tolist()
    return [ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else _plain(v) for v in out]


def _plain(value: object) -> object:
    """Return numpy scalars as Python scalars (openpyxl does not know numpy's bool)."""
    return value.item() if isinstance(value, np.generic) else value


def _width(header: str, values: pd.Series) -> float:
    """Return a column width that fits the header and most values (CJK counts double)."""
    sample = sorted(_display_width(str(v)) for v in values.head(2000).dropna())
    # The 95th percentile, so one long note does not make the whole column wide.
    typical = sample[int(len(sample) * 0.95)] if sample else 0
    return float(min(max(_display_width(header), typical) + 2, 60))


def _display_width(text: str) -> int:
    """Return how many columns TEXT takes in a spreadsheet cell (wide characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _whole(values: pd.Series) -> bool:
    """Return True when every present value of a float column is a whole number."""
    present = values.dropna()
    return bool(len(present)) and bool(np.all(np.mod(present.to_numpy(), 1) == 0))


def _sheet_title(name: str, used: set[str]) -> str:
    """Return a valid, unique sheet title for NAME (31 characters, no []:*?/\\)."""
    title = _SHEET_NAME_BAD.sub("_", name)[:31] or "sheet"
    base, n = title, 2
    while title.lower() in used:
        title = f"{base[:28]}_{n}"
        n += 1
    used.add(title.lower())
    return title
