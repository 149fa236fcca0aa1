"""Hostile spreadsheets and cells: ZIP bombs, row bombs, huge cells, NUL and bidi controls."""

from __future__ import annotations

import io
import struct
import time
import zipfile
import zlib
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from certreview.demo.pictures import certificate_image, encode
from certreview.ingest.read_table import TableError, read_table
from certreview.ingest.recheck import reassess
from certreview.ingest.reference import import_catalog, import_roster, import_standards
from certreview.ingest.submissions import IntakeOptions, import_submissions
from certreview.store.models import CatalogItem, Student, Submission
from tests.conftest import SAMPLES

ROSTER_HEADER = "student_id,name,admission_year,status\n"
SUBMISSIONS_HEADER = (
    "submission_id,submitted_at,student_id,student_name,category,certificate_name,exam_year,image\n"
)
MB = 1024 * 1024


def deflate_repeated(prefix: bytes, filler: bytes, times: int, suffix: bytes) -> bytes:
    """Return raw deflate data of PREFIX + FILLER * TIMES + SUFFIX, made in milliseconds.

    Each piece is compressed on its own and ended by a full flush (byte-aligned, no
    back-references), so one compressed FILLER block can simply be repeated.
    """

    def piece(data: bytes, last: bool = False) -> bytes:
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        return c.compress(data) + c.flush(zlib.Z_FINISH if last else zlib.Z_FULL_FLUSH)

    return piece(prefix) + piece(filler) * times + piece(suffix, last=True)


def raw_zip(entries: list[tuple[str, bytes, int, int]]) -> bytes:
    """Return a ZIP of (name, raw deflate data, declared size, crc) entries, written by hand."""
    out, central = io.BytesIO(), io.BytesIO()
    for name, data, size, crc in entries:
        offset = out.tell()
        fields = (20, 0, 8, 0, 0, crc, len(data), size, len(name.encode()), 0)
        out.write(struct.pack("<4s5H3I2H", b"PK\x03\x04", *fields) + name.encode() + data)
        central.write(
            struct.pack("<4s6H3I5H2I", b"PK\x01\x02", 20, *fields, 0, 0, 0, 0, offset)
            + name.encode()
        )
    start, directory = out.tell(), central.getvalue()
    out.write(directory)
    out.write(
        struct.pack(
            "<4s4H2IH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(directory), start, 0
        )
    )
    return out.getvalue()


SST = (
    b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
    b'uniqueCount="1"><si><t>PLACEHOLDER</t></si></sst>'
)


def bomb_workbook(
    path: Path,
    part: str,
    filler: bytes,
    times: int,
    declared: int | None = None,
    crc: bool = False,
) -> None:
    """Write a real roster XLSX whose PART gets FILLER * TIMES inside it.

    The name of the one student is a shared string (as Excel writes it), so a
    xl/sharedStrings.xml bomb is a name; a sheet bomb gets its filler as rows.
    """
    book = Workbook()
    book.active.append(["student_id", "name", "admission_year", "status"])
    book.active.append(["B1", "PLACEHOLDER", 112, "enrolled"])
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(buffer) as original:
        parts = {name: original.read(name) for name in original.namelist()}
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(
        b'<c r="B2" t="inlineStr"><is><t>PLACEHOLDER</t></is></c>', b'<c r="B2" t="s"><v>0</v></c>'
    )
    parts["xl/sharedStrings.xml"] = SST
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/sharedStrings" Target="sharedStrings.xml" Id="rId9" /></Relationships>',
    )
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml" /></Types>',
    )
    entries = []
    for name, data in parts.items():
        if name == part:
            marker = b"PLACEHOLDER" if b"PLACEHOLDER" in data else b"</sheetData>"
            prefix, _, suffix = data.partition(marker)
            suffix = (b"" if marker == b"PLACEHOLDER" else marker) + suffix
            size = len(prefix) + len(filler) * times + len(suffix)
            raw = deflate_repeated(prefix, filler, times, suffix)
            # A bomb is refused before its CRC is ever checked; computing it would be slow.
            checksum = zlib.crc32(prefix + filler * times + suffix) if crc else 0
            entries.append((name, raw, declared or size, checksum))
        else:
            c = zlib.compressobj(9, zlib.DEFLATED, -15)
            raw = c.compress(data) + c.flush()
            entries.append((name, raw, len(data), zlib.crc32(data)))
    path.write_bytes(raw_zip(entries))


def test_the_bomb_builder_makes_a_readable_workbook(tmp_path):
    # A "bomb" of one small filler is a sound workbook: the refusals below are for size.
    path = tmp_path / "roster.xlsx"
    bomb_workbook(path, "xl/sharedStrings.xml", "郭峯堃".encode(), 2, crc=True)
    table = read_table(path, ("student_id", "name"))
    assert table.rows == [{"student_id": "B1", "name": "郭峯堃郭峯堃"}]


# --- 1. resource bombs ------------------------------------------------------------------


def test_a_shared_strings_bomb_is_refused_before_opening(tmp_path):
    # The reported file: one "student name" of 512 MB in xl/sharedStrings.xml.
    path = tmp_path / "roster.xlsx"
    bomb_workbook(path, "xl/sharedStrings.xml", b"A" * MB, 512)
    assert path.stat().st_size < 2 * MB
    started = time.perf_counter()
    with pytest.raises(TableError) as err:
        read_table(path, ("student_id", "name"))
    assert time.perf_counter() - started < 1
    assert str(err.value) == (
        "roster.xlsx: its part xl/sharedStrings.xml would expand to 512 MB (1,010 times its "
        "packed size) — this is not a normal spreadsheet; open it in Excel, check it and save it again"
    )


def test_a_small_bomb_is_refused_by_its_ratio(tmp_path):
    path = tmp_path / "roster.xlsx"
    bomb_workbook(path, "xl/sharedStrings.xml", b"A" * MB, 8)
    with pytest.raises(
        TableError, match=r"^roster.xlsx: its part xl/sharedStrings.xml would expand to 8 MB \("
    ):
        read_table(path, ("student_id", "name"))


def test_a_row_bomb_sheet_is_refused_before_opening(tmp_path):
    # The reported row bomb: a million identical rows pack into a few kilobytes.
    row = b'<row><c t="inlineStr"><is><t>B1</t></is></c></row>'
    path = tmp_path / "roster.xlsx"
    bomb_workbook(path, "xl/worksheets/sheet1.xml", row * 20_000, 55)
    with pytest.raises(TableError, match=r"^roster.xlsx: its part xl/worksheets/sheet1.xml would"):
        read_table(path, ("student_id", "name"))


def test_a_lying_size_in_the_zip_header_reads_no_more_than_it_declares(tmp_path):
    # The directory claims 1 MB; the data would expand to 512 MB. Only the 1 MB is read.
    path = tmp_path / "roster.xlsx"
    bomb_workbook(path, "xl/sharedStrings.xml", b"A" * MB, 512, declared=MB)
    started = time.perf_counter()
    with pytest.raises(TableError, match=r"^roster.xlsx: not a readable XLSX workbook \("):
        read_table(path, ("student_id", "name"))
    assert time.perf_counter() - started < 2


def test_a_huge_file_is_refused_before_reading(tmp_path):
    path = tmp_path / "roster.csv"
    with path.open("wb") as handle:
        handle.write(b"student_id,name\n")
        handle.truncate(201 * MB)  # sparse: no time, no disk
    with pytest.raises(TableError) as err:
        read_table(path, ("student_id", "name"))
    assert str(err.value) == (
        "roster.csv: the file is 201 MB, more than the 200 MB a table may be — "
        "is this the right file? Split it into smaller files"
    )


def test_too_many_csv_rows_are_refused_with_the_limit(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(b"student_id,name\n" + b"B1,x\n" * 200_001)
    with pytest.raises(TableError) as err:
        read_table(path, ("student_id", "name"))
    assert str(err.value) == (
        "roster.csv: more than 200,000 rows — is this the right file? "
        "Split it into files of at most 200,000 rows"
    )


def test_the_row_limit_is_exact_and_configurable(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(b"title\nstudent_id,name\n" + b"B1,x\n" * 50)
    assert len(read_table(path, ("student_id", "name"), max_rows=50).rows) == 50
    with pytest.raises(TableError, match=r"^roster.csv: more than 49 rows"):
        read_table(path, ("student_id", "name"), max_rows=49)


def test_an_xlsx_with_too_many_rows_is_refused_while_streaming(tmp_path):
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["student_id", "name"])
    for i in range(1_000):
        sheet.append([f"B{i}", "x"])
    path = tmp_path / "roster.xlsx"
    book.save(path)
    assert len(read_table(path, ("student_id", "name"), max_rows=1_000).rows) == 1_000
    with pytest.raises(TableError, match=r"^roster.xlsx: more than 100 rows"):
        read_table(path, ("student_id", "name"), max_rows=100)


def test_a_sheet_claiming_every_column_is_read_only_as_wide_as_needed(tmp_path):
    book = Workbook()
    book.active.append(["student_id", "name"])
    book.active.append(["B1", "甲"])
    book.active.cell(row=2, column=16_384, value="far away")
    path = tmp_path / "roster.xlsx"
    book.save(path)
    table = read_table(path, ("student_id", "name"))
    assert table.rows == [{"student_id": "B1", "name": "甲"}]


# --- 1. over-long cells -----------------------------------------------------------------


def test_over_long_roster_cells_skip_their_row_only(workspace, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(
        ROSTER_HEADER
        + "B1,"
        + "長" * 201
        + ",112,enrolled\n"
        + "B2,"
        + "y" * 500_000
        + ",112,enrolled\n"
        + "B3,"
        + "z" * 3_000_000
        + ",112,enrolled\n"
        + "X" * 100  # over the 64 a key column holds: PostgreSQL would refuse the whole import
        + ",王小明,112,enrolled\n"
        + "B4,李美玲,112,enrolled\n",
        encoding="utf-8",
    )
    with workspace.Session.begin() as s:
        result = import_roster(s, path)
    assert result.summary() == "roster: 4 rows not imported, 1 added"
    assert result.problems == [
        (2, "B1: name is over 200 characters — shorten it in the file"),
        (3, "not readable as CSV (field larger than field limit (131072)) — row not read"),
        (4, "the line is over 1,048,576 characters long — row not read"),
        (5, f"{'X' * 40}: student_id is over 64 characters — shorten it in the file"),
    ]
    with workspace.Session() as s:
        assert s.scalars(select(Student.student_id)).all() == ["B4"]
        assert s.scalar(select(func.max(func.length(Student.name)))) == 3


def test_an_over_long_catalog_cell_skips_its_row(workspace, tmp_path):
    path = tmp_path / "catalog.csv"
    path.write_text(
        "code,category,name,level,points,group,aliases\n"
        "A,Information,Item A,,1,," + "a" * 4001 + "\n"
        "B,Information,Item B,,1,,b\n",
        encoding="utf-8",
    )
    with workspace.Session.begin() as s:
        result = import_catalog(s, path)
    assert result.problems == [(2, "A: aliases is over 4000 characters — shorten it in the file")]
    with workspace.Session() as s:
        assert s.scalars(select(CatalogItem.code)).all() == ["B"]


@pytest.fixture
def department(workspace):
    """Return a workspace with the sample roster, catalog and standards."""
    with workspace.Session.begin() as s:
        import_roster(s, SAMPLES / "roster.csv")
        import_catalog(s, SAMPLES / "catalog.csv")
        import_standards(s, SAMPLES / "standards.toml")
    return workspace


def submit(ws, tmp_path: Path, rows: str):
    folder = tmp_path / "images"
    folder.mkdir(exist_ok=True)
    image = certificate_image("Certificate", "Student", "No. 1", size=(300, 210), seed=1)
    (folder / "a.jpg").write_bytes(encode(image, "jpeg"))
    export = tmp_path / "submissions.csv"
    export.write_text(SUBMISSIONS_HEADER + rows, encoding="utf-8")
    with ws.Session.begin() as s:
        return import_submissions(
            s, ws.store, export, folder, IntakeOptions(round_name="AY114", today=date(2026, 5, 20))
        )


def test_an_over_long_submission_cell_is_kept_cut_and_flagged(department, tmp_path):
    name = "李" * 100_000
    result = submit(
        department,
        tmp_path,
        f"s1,2026-03-01 10:00,B11201002,{name},Information,CCNA,113,a.jpg\n"
        "s2,2026-03-01 10:00,B11201002,李美玲,Information,CCNA,113,a.jpg\n",
    )
    assert [(r.row, r.submission_id, r.flags) for r in result.rows] == [
        (2, "s1", "missing_field;name_mismatch"),
        (3, "s2", "duplicate_image"),
    ]
    note = "too long, cut: student_name (over 200 characters)"
    with department.Session.begin() as s:
        sub = s.scalars(select(Submission).where(Submission.submission_id == "s1")).one()
        assert sub.student_name_text == "李" * 200 + "…"
        assert sub.notes.splitlines()[0] == note
        reassess(s)  # a later roster import checks again: the flag stays
        assert "missing_field" in sub.flag_list
        assert sub.notes.splitlines()[0] == note


def test_two_over_long_submission_ids_alike_at_first_are_both_kept(department, tmp_path):
    stem = "S" * 300
    result = submit(
        department,
        tmp_path,
        f"{stem}1,2026-03-01 10:00,B11201002,李美玲,Information,CCNA,113,a.jpg\n"
        f"{stem}2,2026-03-01 10:00,B11201002,李美玲,Information,CCNA,112,a.jpg\n",
    )
    assert [(r.row, r.status) for r in result.rows] == [(2, "flagged"), (3, "flagged")]
    assert all(r.submission_id.startswith("row-") for r in result.rows)
    with department.Session() as s:
        assert s.scalar(select(func.count()).select_from(Submission)) == 2


# --- 2. NUL and other control characters --------------------------------------------------


def test_control_characters_are_removed_from_roster_rows_on_every_backend(workspace, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(
        (
            ROSTER_HEADER
            + "B1\x00,王\x00小明,112,enrolled\n"
            + "B2,\u202e明小李\u202c,112,enrolled\n"
            + "B3,陳\x1b[31m家豪\x85,112\x7f,enrolled\n"
            + "B4,林\t雅惠,112,enrolled\n"
        ).encode()
    )
    with workspace.Session.begin() as s:
        result = import_roster(s, path)
    assert result.summary() == "roster: 4 added"
    assert result.notes == [
        "roster.csv: removed control characters (invisible, or reversing the text) from "
        "line 2 (student_id, name), line 3 (name), line 4 (name, admission_year) "
        "— check those rows in the file"
    ]
    with workspace.Session() as s:
        names = dict(s.execute(select(Student.student_id, Student.name)).all())
    assert names == {"B1": "王小明", "B2": "明小李", "B3": "陳[31m家豪", "B4": "林\t雅惠"}


def test_control_characters_are_removed_from_catalog_rows(workspace, tmp_path):
    path = tmp_path / "catalog.csv"
    path.write_bytes(
        b"code,category,name,level,points,group,aliases\nA\x00,Infor\x00mation,It\x00em,,1,,a\x00|b\n"
    )
    with workspace.Session.begin() as s:
        result = import_catalog(s, path)
    assert result.summary() == "catalog: 1 added"
    assert result.notes[-1].startswith("catalog.csv: removed control characters")
    with workspace.Session() as s:
        item = s.get(CatalogItem, "A")
        assert (item.category, item.name, item.aliases) == ("Information", "Item", "a|b")


def test_control_characters_are_removed_from_submissions(department, tmp_path):
    result = submit(
        department,
        tmp_path,
        "s1,2026-03-01 10:00,B1120\x001002,李美\x00玲,Information,CC\u202eNA,113,a.jpg\n",
    )
    assert [(r.row, r.submission_id, r.student_id, r.flags) for r in result.rows] == [
        (2, "s1", "B11201002", "")
    ]
    assert result.notes == [
        "submissions.csv: removed control characters (invisible, or reversing the text) from "
        "line 2 (student_id, student_name, certificate_name) — check those rows in the file"
    ]
    with department.Session() as s:
        sub = s.scalars(select(Submission)).one()
        assert (sub.student_id_text, sub.student_name_text, sub.certificate_name_text) == (
            "B11201002",
            "李美玲",
            "CCNA",
        )


def test_many_dirty_lines_are_listed_up_to_a_limit(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(b"student_id,name\n" + b"B1,\x00x\n" * 25)
    notes = read_table(path, ("student_id", "name")).notes
    assert notes[-1].endswith("line 21 (name) and 5 more lines — check those rows in the file")


def test_an_xlsx_cell_is_cleaned_like_a_csv_cell(tmp_path):
    book = Workbook()
    book.active.append(["student_id", "name"])
    book.active.append(["B1", "王\u202e小明"])
    path = tmp_path / "roster.xlsx"
    book.save(path)
    table = read_table(path, ("student_id", "name"))
    assert table.rows == [{"student_id": "B1", "name": "王小明"}]
    assert table.notes == [
        "roster.xlsx: removed control characters (invisible, or reversing the text) from "
        "line 2 (name) — check those rows in the file"
    ]
