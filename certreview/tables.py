"""Read the department's CSV and XLSX files into rows of text, with one-line error messages."""

from __future__ import annotations

import csv
import difflib
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

# How far down an XLSX sheet we look for the header row (title rows above it are common).
HEADER_SEARCH_ROWS = 10


class TableError(ValueError):
    """A file that cannot be read as the expected table; str() is the one-line reason."""


@dataclass
class Table:
    """A file's rows as text keyed by lower-case header, with where each row came from."""

    rows: list[dict[str, str]]
    line_numbers: list[int]
    notes: list[str] = field(default_factory=list)


def read_table(path: Path, required: Sequence[str], optional: Sequence[str] = ()) -> Table:
    """Return the rows of a CSV or XLSX file that has at least the REQUIRED columns."""
    path = Path(path)
    if not path.is_file():
        raise TableError(f"{path}: no such file")
    data = path.read_bytes()
    if not data.removeprefix(b"\xef\xbb\xbf").strip():
        raise TableError(f"{path.name}: the file is empty — export it again with a header row")
    if data[:4] == b"PK\x03\x04":
        grid, notes = _xlsx_grid(path, data), []
    elif path.suffix.lower() in {".xls", ".xlsb", ".ods"}:
        raise TableError(f"{path.name}: {path.suffix} is not supported — save it as .xlsx or CSV")
    else:
        grid, notes = _csv_grid(path, data)
    return _to_table(path.name, grid, list(required), list(optional), notes)


def _decode(name: str, data: bytes) -> tuple[str, list[str]]:
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp950")
    except UnicodeDecodeError:
        raise TableError(
            f"{name}: the file is neither UTF-8 nor Big5 text — in Excel use "
            "'Save As > CSV UTF-8 (Comma delimited)' and import that file"
        ) from None
    # Excel on Traditional Chinese Windows saves "CSV" in CP950; reading it is safe, but
    # characters outside Big5 (堃, 峯 ...) were already lost when Excel wrote it.
    return text, [
        f"{name}: read as Big5/CP950 (Excel's default); names with characters outside Big5 "
        "may be damaged — next time save as 'CSV UTF-8'"
    ]


def _csv_grid(path: Path, data: bytes) -> tuple[list[list[str]], list[str]]:
    text, notes = _decode(path.name, data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        return [row for row in csv.reader(io.StringIO(text), dialect)], notes
    except csv.Error as exc:
        raise TableError(f"{path.name}: not a readable CSV ({exc})") from None


def _xlsx_grid(path: Path, data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise TableError(f"{path.name}: not a readable XLSX workbook ({exc})") from None
    try:
        sheet = book.worksheets[0]
        return [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores 112 as 112.0
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()  # type: ignore[call-arg]
    return str(value)


def _header_key(cell: str) -> str:
    return cell.replace("\ufeff", "").strip().lower()


def _to_table(
    name: str, grid: list[list[str]], required: list[str], optional: list[str], notes: list[str]
) -> Table:
    known = set(required) | set(optional)
    header_at = next(
        (
            i
            for i, row in enumerate(grid[:HEADER_SEARCH_ROWS])
            if set(required) <= {_header_key(c) for c in row}
        ),
        None,
    )
    if header_at is None:
        first = next((row for row in grid if any(c.strip() for c in row)), [])
        found = {_header_key(c) for c in first if c.strip()}
        missing = [c for c in required if c not in found]
        unknown = sorted(found - known)
        if len(missing) > len(required) / 2:
            # Most columns are wrong: rather a different file than a misspelt header.
            raise TableError(
                f"{name}: missing columns {', '.join(missing)} — is this the right file? "
                f"Its first row has {', '.join(sorted(found)) or 'nothing'}"
            )
        hint = _hints(unknown, missing)
        raise TableError(
            f"{name}: missing columns {', '.join(missing)}"
            + (f"; unknown columns {', '.join(unknown)}" if unknown else "")
            + hint
        )
    header = [_header_key(c) for c in grid[header_at]]
    if header_at:
        notes.append(f"{name}: skipped {header_at} title row(s) above the header")
    unknown = sorted({h for h in header if h and h not in known})
    if unknown:
        notes.append(f"{name}: ignored unknown columns {', '.join(unknown)}")
    rows, lines = [], []
    for offset, raw in enumerate(grid[header_at + 1 :], start=header_at + 2):
        if not any(str(c).strip() for c in raw):
            continue
        row = {h: (raw[i] if i < len(raw) else "") for i, h in enumerate(header) if h in known}
        rows.append({c: row.get(c, "") for c in [*required, *optional]})
        lines.append(offset)
    return Table(rows, lines, notes)


def _hints(unknown: list[str], missing: list[str]) -> str:
    pairs = []
    for m in missing:
        close = difflib.get_close_matches(m, unknown, n=1, cutoff=0.6)
        if close:
            pairs.append(f"'{close[0]}' → '{m}'")
    return f" (rename {', '.join(pairs)})" if pairs else " — the first row must be the header"
