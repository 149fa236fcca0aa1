"""Read the department's CSV and XLSX files into rows of text, with one-line error messages."""

from __future__ import annotations

import csv
import difflib
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from certreview.i18n import _
from certreview.ingest.headers import header_key, header_lookup
from certreview.rules.cells import MAX_LONG_CHARS, clean_cell

# How far down an XLSX sheet we look for the header row (title rows above it are common).
HEADER_SEARCH_ROWS = 10
# A department's roster or a year's uploads are a few thousand rows: far more is a mistake
# or an attack, and would take minutes and gigabytes before failing somewhere else.
MAX_ROWS = 200_000
MAX_FILE_BYTES = 200 * 1024 * 1024
# Only the first columns can be ours; a sheet claiming 16,384 columns is not read to the end.
MAX_COLUMNS = 200
# A CSV line this long is no registrar export; it is skipped before it fills the memory.
MAX_LINE_CHARS = 1024 * 1024
# An XLSX is a ZIP: its parts are checked before opening, as a ZIP bomb expands a thousandfold.
MAX_XLSX_PART_BYTES = 64 * 1024 * 1024
MAX_XLSX_TOTAL_BYTES = 256 * 1024 * 1024
MAX_XLSX_RATIO = 200
RATIO_CHECKED_FROM = 4 * 1024 * 1024  # small parts (styles, headers) compress very well
# How many per-line notes (control characters removed) are listed before "and N more".
MAX_LINE_NOTES = 20


class TableError(ValueError):
    """A file that cannot be read as the expected table; str() is the one-line reason."""


@dataclass
class Table:
    """A file's rows as text keyed by lower-case header, with where each row came from."""

    rows: list[dict[str, str]]
    line_numbers: list[int]
    notes: list[str] = field(default_factory=list)
    # Per row (same order as rows): the columns whose text was too long and was cut.
    cut: list[list[str]] = field(default_factory=list)
    # Lines that could not be read at all (a cell or line far too long), with why.
    unread: list[tuple[int, str]] = field(default_factory=list)


# A row of a file as read: its cells, or why it could not be read.
_Grid = list[list[str] | str]


def read_table(
    path: Path,
    required: Sequence[str],
    optional: Sequence[str] = (),
    *,
    max_rows: int = MAX_ROWS,
    kind: str | None = None,
) -> Table:
    """Return the cleaned rows of a CSV or XLSX file that has at least the REQUIRED columns.

    With KIND (roster, catalog, submissions) the other header names of
    certreview.ingest.headers are accepted too; rows are keyed by our column names.
    """
    # Every cell loses its control characters and is cut to its column's limit (see
    # certreview.rules.cells); a file over MAX_ROWS rows or MAX_FILE_BYTES, or an XLSX that would
    # expand to far more than it holds, is refused whole with a one-line reason.
    path = Path(path)
    if not path.is_file():
        raise TableError(_("{path}: no such file").format(path=path))
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise TableError(
            _(
                "{name}: the file is {size:,.0f} MB, more than the {limit:,.0f} MB a table "
                "may be — is this the right file? Split it into smaller files"
            ).format(name=path.name, size=size / 2**20, limit=MAX_FILE_BYTES / 2**20)
        )
    with path.open("rb") as handle:
        head = handle.read(4096)
    if not head.removeprefix(b"\xef\xbb\xbf").strip() and size <= len(head):
        raise TableError(
            _("{name}: the file is empty — export it again with a header row").format(
                name=path.name
            )
        )
    if head[:4] == b"PK\x03\x04":
        grid, notes = _xlsx_grid(path, max_rows), []
    elif path.suffix.lower() in {".xls", ".xlsb", ".ods"}:
        raise TableError(
            _("{name}: {suffix} is not supported — save it as .xlsx or CSV").format(
                name=path.name, suffix=path.suffix
            )
        )
    else:
        grid, notes = _csv_grid(path, max_rows)
    return _to_table(path.name, grid, list(required), list(optional), notes, max_rows, kind)


def _too_many_rows(name: str, max_rows: int) -> TableError:
    return TableError(
        _(
            "{name}: more than {max_rows:,} rows — is this the right file? Split it into "
            "files of at most {max_rows:,} rows"
        ).format(name=name, max_rows=max_rows)
    )


def _csv_grid(path: Path, max_rows: int) -> tuple[_Grid, list[str]]:
    try:
        return _read_csv(path, "utf-8-sig", max_rows), []
    except UnicodeDecodeError:
        pass
    try:
        grid = _read_csv(path, "cp950", max_rows)
    except UnicodeDecodeError:
        raise TableError(
            _(
                "{name}: the file is neither UTF-8 nor Big5 text — in Excel use 'Save As > CSV "
                "UTF-8 (Comma delimited)' and import that file"
            ).format(name=path.name)
        ) from None
    # Excel on Traditional Chinese Windows saves "CSV" in CP950; reading it is safe, but
    # characters outside Big5 (堃, 峯 ...) were already lost when Excel wrote it.
    return grid, [
        _(
            "{name}: read as Big5/CP950 (Excel's default); names with characters outside "
            "Big5 may be damaged — next time save as 'CSV UTF-8'"
        ).format(name=path.name)
    ]


class _Lines:
    """The lines of a text file, each over MAX_LINE_CHARS replaced by an empty line."""

    def __init__(self, handle: TextIO) -> None:
        self.handle = handle
        self.replaced = False  # whether the line handed out last was a replaced one

    def __iter__(self) -> Iterator[str]:
        while line := self.handle.readline(MAX_LINE_CHARS):
            self.replaced = len(line) == MAX_LINE_CHARS and not line.endswith(("\n", "\r"))
            if self.replaced:
                # Read on to the end of the line in bounded pieces, keeping none of it.
                while (rest := self.handle.readline(MAX_LINE_CHARS)) and not rest.endswith(
                    ("\n", "\r")
                ):
                    pass
                line = "\n"
            yield line


def _read_csv(path: Path, encoding: str, max_rows: int) -> _Grid:
    with path.open(encoding=encoding, newline="") as handle:
        try:
            dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(
                handle.read(4096), delimiters=",;\t"
            )
        except csv.Error:
            dialect = csv.excel
        handle.seek(0)
        lines = _Lines(handle)
        reader = csv.reader(lines, dialect)
        grid: _Grid = []
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return grid
            except csv.Error as exc:
                # The reader goes on with the next line: only this row is lost.
                grid.append(_("not readable as CSV ({exc})").format(exc=exc))
            else:
                if lines.replaced:
                    grid.append(
                        _("the line is over {max_line_chars:,} characters long").format(
                            max_line_chars=MAX_LINE_CHARS
                        )
                    )
                else:
                    grid.append([c[: MAX_LONG_CHARS + 1] for c in row[:MAX_COLUMNS]])
            if len(grid) > max_rows + HEADER_SEARCH_ROWS:
                raise _too_many_rows(path.name, max_rows)


def _check_xlsx_sizes(path: Path) -> None:
    """Refuse an XLSX whose parts would expand to far more than a table needs."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise TableError(
            _("{name}: not a readable XLSX workbook ({exc})").format(name=path.name, exc=exc)
        ) from None
    total = 0
    for info in infos:
        total += info.file_size
        big = info.file_size > MAX_XLSX_PART_BYTES
        ratio = info.file_size / max(info.compress_size, 1)
        bomb = info.file_size > RATIO_CHECKED_FROM and ratio > MAX_XLSX_RATIO
        if big or bomb or total > MAX_XLSX_TOTAL_BYTES:
            raise TableError(
                _(
                    "{name}: its part {filename} would expand to {megabytes:,.0f} MB ({ratio:,.0f} "
                    "times its packed size) — this is not a normal spreadsheet; open it in Excel, "
                    "check it and save it again"
                ).format(
                    name=path.name,
                    filename=info.filename,
                    megabytes=info.file_size / 2**20,
                    ratio=ratio,
                )
            )


def _xlsx_grid(path: Path, max_rows: int) -> _Grid:
    from openpyxl import load_workbook

    _check_xlsx_sizes(path)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise TableError(
            _("{name}: not a readable XLSX workbook ({exc})").format(name=path.name, exc=exc)
        ) from None
    grid: _Grid = []
    try:
        sheet = book.worksheets[0]
        # A sheet's stated size can be stale (written by a script): read_only mode would stop
        # there and drop the other rows in silence. The row limit below still bounds reading.
        sheet.reset_dimensions()
        # zipfile reads no more than a part's declared size (a lying header ends in a CRC
        # error), so the checks above bound what is read here too.
        for row in sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True):
            grid.append([_cell_text(v)[: MAX_LONG_CHARS + 1] for v in row])
            if len(grid) > max_rows + HEADER_SEARCH_ROWS:
                raise _too_many_rows(path.name, max_rows)
    except TableError:
        raise
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError) as exc:
        raise TableError(
            _("{name}: not a readable XLSX workbook ({exc})").format(name=path.name, exc=exc)
        ) from None
    finally:
        book.close()
    return grid


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
    name: str,
    grid: _Grid,
    required: list[str],
    optional: list[str],
    notes: list[str],
    max_rows: int = MAX_ROWS,
    kind: str | None = None,
) -> Table:
    known = set(required) | set(optional)
    lookup = header_lookup([*required, *optional], kind)

    def column(cell: str) -> str:
        # Our name for a header cell, or the cell as written (trimmed, lower-case) if unknown.
        return lookup.get(header_key(cell), _header_key(cell))

    cells = [row if isinstance(row, list) else [] for row in grid]
    header_at = next(
        (
            i
            for i, row in enumerate(cells[:HEADER_SEARCH_ROWS])
            if set(required) <= {column(c) for c in row}
        ),
        None,
    )
    if header_at is None:
        first = next((row for row in cells if any(c.strip() for c in row)), [])
        found = {column(c) for c in first if c.strip()}
        missing = [c for c in required if c not in found]
        unknown = sorted(found - known)
        if len(missing) > len(required) / 2:
            # Most columns are wrong: rather a different file than a misspelt header.
            raise TableError(
                _(
                    "{file}: missing columns {missing} — is this the right file? "
                    "Its first row has {found}"
                ).format(
                    file=name,
                    missing=", ".join(missing),
                    found=", ".join(sorted(found)) or _("nothing"),
                )
            )
        hint = _hints(unknown, missing)
        if unknown:
            message = _("{file}: missing columns {missing}; unknown columns {unknown}")
        else:
            message = _("{file}: missing columns {missing}")
        raise TableError(
            message.format(file=name, missing=", ".join(missing), unknown=", ".join(unknown)) + hint
        )
    if len(grid) - header_at - 1 > max_rows:
        raise _too_many_rows(name, max_rows)
    header = [column(c) for c in cells[header_at]]
    if header_at:
        notes.append(
            _("{name}: skipped {header_at} title row(s) above the header").format(
                name=name, header_at=header_at
            )
        )
    unknown = sorted({h for h in header if h and h not in known})
    if unknown:
        notes.append(
            _("{name}: ignored unknown columns {unknown}").format(
                name=name, unknown=", ".join(unknown)
            )
        )
    # The last of two same-named columns wins, as it always has.
    positions = {h: i for i, h in enumerate(header) if h in known}
    table = Table([], [], notes)
    stripped: list[str] = []
    for offset, raw in enumerate(grid[header_at + 1 :], start=header_at + 2):
        if isinstance(raw, str):
            table.unread.append((offset, raw))
            continue
        if not any(str(c).strip() for c in raw):
            continue
        row, cut, dirty = {}, [], []
        for key in [*required, *optional]:
            at = positions.get(key, len(raw))
            cell = clean_cell(raw[at] if at < len(raw) else "", key)
            row[key] = cell.text
            if cell.cut:
                cut.append(key)
            if cell.stripped:
                dirty.append(key)
        if dirty:
            stripped.append(
                _("line {line} ({columns})").format(line=offset, columns=", ".join(dirty))
            )
        table.rows.append(row)
        table.line_numbers.append(offset)
        table.cut.append(cut)
    if stripped:
        more = len(stripped) - MAX_LINE_NOTES
        lines = ", ".join(stripped[:MAX_LINE_NOTES])
        if more > 0:
            lines = _("{lines} and {more} more lines").format(lines=lines, more=more)
        notes.append(
            _(
                "{file}: removed control characters (invisible, or reversing the text) from "
                "{lines} — check those rows in the file"
            ).format(file=name, lines=lines)
        )
    return table


def _hints(unknown: list[str], missing: list[str]) -> str:
    pairs = []
    for m in missing:
        close = difflib.get_close_matches(m, unknown, n=1, cutoff=0.6)
        if close:
            pairs.append(f"'{close[0]}' → '{m}'")
    if pairs:
        return _(" (rename {pairs})").format(pairs=", ".join(pairs))
    return _(" — the first row must be the header")
