"""Write DataFrames to CSV or XLSX files that are safe to open in Excel — the project's one writer.

Safe means: every text cell that Excel could read as a formula (starting with = + - @, tab or
CR) is neutralised with a leading apostrophe; IDs stay text (leading zeros survive); CSV is
UTF-8 with a BOM so Excel reads 郭峯堃 as written; XLSX has a frozen header, filters, sensible
column widths and text-typed ID columns.

Writing is atomic: a table goes to a scratch file in the target's own folder (unnamed where the
operating system allows, so even a killed process leaves nothing behind), is synced to disk,
and only then replaces the old file in one step. openpyxl's per-sheet spool files stay in that
folder too, never in the system temp folder.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
import tempfile
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
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet._writer import WorksheetWriter

from certreview.i18n import _

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
SUFFIXES = (".csv", ".xlsx")
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")
# Leading blanks a spreadsheet import may trim: all Unicode spaces and the zero-width ones.
_BLANKS = re.compile(r"^[\s\u200b\u200c\u200d\u2060\ufeff]+")


def neutralise(value: object) -> object:
    """Return VALUE with a leading apostrophe when it is text Excel could run as a formula.

    Control characters a spreadsheet cannot hold (which openpyxl strips) are removed first, so
    they cannot hide a formula: formula-like text comes back without them, after the apostrophe.

    Text also counts as formula-like when = + - @ comes only after leading blanks (spaces,
    U+3000, no-break and zero-width spaces, which spreadsheet imports and clean-ups may trim) or
    only after NFKC (full-width ＝ ＋ － ＠ and small ﹦ ﹢, which our own ID matching and IME
    input turn into the real signs). Such text keeps every character as typed and gains the
    apostrophe: changing what a student typed would hide what was submitted.

    >>> neutralise("=HYPERLINK(1)"), neutralise("-5"), neutralise("B109"), neutralise(-5)
    ("'=HYPERLINK(1)", "'-5", 'B109', -5)
    >>> neutralise("\x01=HYPERLINK(1)"), neutralise(" =1+1"), neutralise("＝1+1")
    ("'=HYPERLINK(1)", "' =1+1", "'＝1+1")
    """
    if not isinstance(value, str):
        return value
    visible = ILLEGAL_CHARACTERS_RE.sub("", value)
    if visible.startswith(FORMULA_START):
        return "'" + visible
    first = visible[:1]
    if not first or (first.isascii() and not first.isspace()):
        return value  # the common case: NFKC leaves ASCII as it is
    rest = _BLANKS.sub("", visible, count=1)
    # NFKC of the first few characters is enough to see the first sign, and stays cheap.
    if rest and unicodedata.normalize("NFKC", rest[:4]).startswith(FORMULA_START):
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


class TableWriteError(OSError):
    """A table file that cannot be written where asked; str() is one line saying what to do."""


def check_suffix(path: str | os.PathLike[str]) -> str:
    """Return the lower-case suffix of PATH, or raise ValueError unless it is .csv or .xlsx."""
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        said = _("cannot write {name}: give a file name ending in .csv or .xlsx")
        raise ValueError(said.format(name=repr(Path(path).name)))
    return suffix


def check_target(path: str | os.PathLike[str]) -> str:
    """Return PATH's suffix once sure its folder exists and takes files, else raise one line.

    Callers check before long work (an import, a big query), so a typo in a folder name costs
    nothing and saves nothing half-way.
    """
    suffix = check_suffix(path)
    target = Path(path)
    folder = target.parent
    if target.is_dir():
        said = _("cannot write {target}: it is a folder — give a file name ending in {suffix}")
        raise TableWriteError(said.format(target=target, suffix=suffix))
    if not folder.exists():
        said = _(
            "cannot write {name}: the folder {folder} does not exist"
            " — create it first or choose another folder"
        )
        raise TableWriteError(said.format(name=target.name, folder=folder))
    if not folder.is_dir():
        said = _("cannot write {name}: {folder} is a file, not a folder — choose a folder")
        raise TableWriteError(said.format(name=target.name, folder=folder))
    if not os.access(folder, os.W_OK | os.X_OK):
        said = _(
            "cannot write {name}: no permission to write in {folder}"
            " — choose another folder or ask for access"
        )
        raise TableWriteError(said.format(name=target.name, folder=folder))
    return suffix


def write_table(
    frames: pd.DataFrame | Mapping[str, pd.DataFrame],
    path: str | os.PathLike[str],
) -> list[Path]:
    """Write one frame, or named frames, to PATH (.csv or .xlsx); return the files written.

    Named frames become sheets of one XLSX; as CSV the first goes to PATH and each other to
    PATH's stem plus `_name` (`audit.csv`, `audit_summary.csv`). Every file is written in full
    beside its target first and replaces it only then, so an old file stays intact whatever
    happens to the writer.
    """
    suffix = check_target(path)
    path = Path(path)
    named = {"data": frames} if isinstance(frames, pd.DataFrame) else dict(frames)
    if not named:
        raise ValueError("nothing to write: no tables given")
    if suffix == ".xlsx":
        plan = [(path, named)]
    else:
        plan = [
            (
                path if index == 0 else path.with_name(f"{path.stem}_{name}{path.suffix}"),
                {name: frame},
            )
            for index, (name, frame) in enumerate(named.items())
        ]
    scratches: list[_Scratch] = []
    try:
        for target, tables in plan:
            scratch = _Scratch(target)
            scratches.append(scratch)
            if suffix == ".xlsx":
                _write_xlsx(tables, scratch, target)
            else:
                (frame,) = tables.values()
                safe_frame(frame).to_csv(
                    scratch.file, index=False, encoding="utf-8-sig", lineterminator="\r\n"
                )
        # Replace only once every file is complete, so the audit's two CSVs change together.
        for (target, _frame), scratch in zip(plan, scratches, strict=True):
            scratch.place(target)
        _sync_folder(path.parent)
    finally:
        for scratch in scratches:
            scratch.close()
    return [target for target, _ in plan]


class _Scratch:
    """A file being written beside TARGET that nobody sees until `place` puts it there.

    Where Linux allows it (O_TMPFILE) the file has no name at all, so even a killed process
    leaves nothing behind; elsewhere (Windows, network shares) it is a dot-file removed on close.
    """

    def __init__(self, target: Path) -> None:
        self.path: Path | None = None
        fd = _unnamed_file(target.parent)
        if fd is None:
            try:
                fd, name = tempfile.mkstemp(
                    prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
                )
            except OSError as exc:
                said = _("cannot write {name} in {folder}: {error} — choose another folder")
                raise TableWriteError(
                    said.format(name=target.name, folder=target.parent, error=exc.strerror)
                ) from exc
            self.path = Path(name)
        self.file = os.fdopen(fd, "w+b")
        try:
            # Keep the permissions of the file being replaced; mkstemp alone makes it private.
            if target.exists():
                os.chmod(self.name, stat.S_IMODE(target.stat().st_mode))
            elif self.path is not None:
                os.chmod(self.path, 0o644)
        except BaseException:
            self.close()
            raise

    @property
    def name(self) -> str:
        """Return a path by which others (openpyxl, zipfile) can open the file."""
        if self.path is not None:
            return str(self.path)
        return f"/proc/self/fd/{self.file.fileno()}"

    def place(self, target: Path) -> None:
        """Sync the file to disk and put it at TARGET in one step, replacing what was there."""
        self.file.flush()
        os.fsync(self.file.fileno())
        if self.path is None:
            self.path = _link_unnamed(self.file.fileno(), target)
        # Windows cannot rename a file that is still open.
        self.file.close()
        try:
            os.replace(self.path, target)
        except PermissionError as exc:
            said = _("cannot replace {target}: {error} — close it (e.g. in Excel) and try again")
            raise TableWriteError(said.format(target=target, error=exc.strerror)) from exc
        self.path = None

    def close(self) -> None:
        """Close the file and remove it unless it was placed (safe to call more than once)."""
        if not self.file.closed:
            self.file.close()
        if self.path is not None:
            self.path.unlink(missing_ok=True)
            self.path = None


def _unnamed_file(folder: Path) -> int | None:
    """Return a descriptor of a new nameless file in FOLDER, or None where that is not possible."""
    flag = getattr(os, "O_TMPFILE", 0)
    # Naming it later goes through /proc/self/fd (linkat with AT_SYMLINK_FOLLOW).
    if not flag or not os.path.isdir("/proc/self/fd"):
        return None
    try:
        return os.open(folder, flag | os.O_RDWR, 0o666)
    except OSError:
        # Filesystems without O_TMPFILE (NFS, SMB, some FUSE) fall back to a dot-file.
        return None


def _link_unnamed(fd: int, target: Path) -> Path:
    """Give the nameless file FD a fresh dot-name beside TARGET and return it."""
    folder = os.open(target.parent, os.O_RDONLY)
    try:
        while True:
            name = target.parent / f".{target.name}.{secrets.token_hex(6)}.tmp"
            try:
                # A dir fd makes Python call linkat(), which follows the /proc link to the file.
                os.link(f"/proc/self/fd/{fd}", name, src_dir_fd=folder, follow_symlinks=True)
            except FileExistsError:
                continue
            return name
    finally:
        os.close(folder)


def _sync_folder(folder: Path) -> None:
    """Flush FOLDER's entries to disk, so a replaced file survives a power cut."""
    if os.name == "nt":  # Windows has no directory handles to sync; NTFS journals renames.
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems (network shares) refuse fsync on a folder; the data is synced
    finally:
        os.close(fd)


def is_id_column(name: str) -> bool:
    """Return True for columns holding identifiers, which must stay text in a spreadsheet."""
    return name in {"id", "email", "certificate_no"} or name.endswith(("_id", "_id_text"))


def _write_xlsx(named: Mapping[str, pd.DataFrame], scratch: _Scratch, target: Path) -> None:
    """Write each frame as a sheet: bold frozen header, filters, widths, text-typed IDs."""
    book = Workbook(write_only=True)
    used: set[str] = set()
    spools: list[_SheetSpool] = []
    try:
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
            spools.append(_SheetSpool(sheet, target))
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
        book.save(scratch.file)
    finally:
        for spool in spools:
            spool.discard()


class _SheetSpool(WorksheetWriter):
    """openpyxl's writer for one write-only sheet, spooling beside the export instead of in /tmp.

    openpyxl spools every write-only sheet to a named file in the system temp folder, which a
    killed export leaves behind full of names and IDs. Handing each sheet this writer before its
    first row keeps the spool in the export's folder, nameless where the system allows.
    """

    def __init__(self, sheet: WriteOnlyWorksheet, target: Path) -> None:
        self.spool = _Scratch(target.with_name(f"{target.name}.sheet"))
        try:
            super().__init__(sheet, out=self.spool.name)
        except BaseException:
            self.spool.close()
            raise
        # WriteOnlyWorksheet makes its own writer (in /tmp) only while it has none.
        sheet._writer = self
        self.write_top()

    def cleanup(self) -> None:
        """Drop the spool once openpyxl has copied it into the workbook."""
        self.spool.close()

    def discard(self) -> None:
        """Close the sheet's open XML streams in order, then drop the spool (safe to repeat)."""
        # Left to the garbage collector, the row stream would write to an already closed file
        # and print "Exception ignored ... Traceback" after our one-line error.
        rows = self.ws._rows
        with contextlib.suppress(Exception):
            if rows is not None:
                rows.close()
        with contextlib.suppress(Exception):
            self.close()
        self.spool.close()


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
