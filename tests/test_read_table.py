"""Reading CSV and XLSX files: encodings, headers, IDs as text, and one-line errors."""

from pathlib import Path

import pytest
from openpyxl import Workbook

from certreview.ingest.read_table import TableError, read_table

REQUIRED = ("student_id", "name")


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf")],
)
def test_utf8_with_and_without_bom(tmp_path, encoding, prefix):
    path = write(
        tmp_path, "r.csv", prefix + "student_id,name\n0912345678,郭峯堃\n".encode(encoding)
    )
    table = read_table(path, REQUIRED)
    assert table.rows == [{"student_id": "0912345678", "name": "郭峯堃"}]
    assert table.line_numbers == [2]
    assert table.notes == []


def test_big5_from_excel_is_read_with_a_note(tmp_path):
    path = write(tmp_path, "r.csv", "student_id,name\nB1,王小明\n".encode("cp950"))
    table = read_table(path, REQUIRED)
    assert table.rows == [{"student_id": "B1", "name": "王小明"}]
    assert table.notes == [
        "r.csv: read as Big5/CP950 (Excel's default); names with characters outside Big5 "
        "may be damaged — next time save as 'CSV UTF-8'"
    ]


def test_undecodable_bytes_are_refused_with_the_fix(tmp_path):
    path = write(tmp_path, "r.csv", b"student_id,name\n\x81\xff\xfe\x80\n")
    with pytest.raises(TableError) as err:
        read_table(path, REQUIRED)
    assert str(err.value) == (
        "r.csv: the file is neither UTF-8 nor Big5 text — in Excel use "
        "'Save As > CSV UTF-8 (Comma delimited)' and import that file"
    )


@pytest.mark.parametrize("data", [b"", b"   \n\n", b"\xef\xbb\xbf"])
def test_empty_file(tmp_path, data):
    path = write(tmp_path, "r.csv", data)
    with pytest.raises(
        TableError, match=r"^r.csv: the file is empty — export it again with a header row$"
    ):
        read_table(path, REQUIRED)


def test_missing_and_misspelt_columns_are_named(tmp_path):
    path = write(tmp_path, "r.csv", b"studnet_id,name,admission_year,stauts,extra\n1,2,3,4,5\n")
    with pytest.raises(TableError) as err:
        read_table(path, ("student_id", "name", "admission_year", "status"))
    assert str(err.value) == (
        "r.csv: missing columns student_id, status; unknown columns extra, stauts, studnet_id "
        "(rename 'studnet_id' → 'student_id', 'stauts' → 'status')"
    )


@pytest.mark.parametrize(
    "header", ["studentid", "Student ID", "STUDENT-ID", "ｓｔｕｄｅｎｔ＿ｉｄ"]
)
def test_case_width_spaces_and_separators_do_not_matter_in_headers(tmp_path, header: str):
    path = write(tmp_path, "r.csv", f"{header},name\nB1,甲\n".encode())
    assert read_table(path, REQUIRED).rows == [{"student_id": "B1", "name": "甲"}]


def test_a_different_file_is_recognised_as_such(tmp_path):
    path = write(tmp_path, "catalog.csv", b"code,category,name\nA,B,C\n")
    with pytest.raises(TableError) as err:
        read_table(path, ("student_id", "name", "admission_year", "status"))
    assert str(err.value) == (
        "catalog.csv: missing columns student_id, admission_year, status — is this the right file? "
        "Its first row has category, code, name"
    )


def test_unknown_extra_columns_are_ignored_with_a_note(tmp_path):
    path = write(tmp_path, "r.csv", " Student_ID ,NAME,remark\nB1,甲,x\n".encode())
    table = read_table(path, REQUIRED)
    assert table.rows == [{"student_id": "B1", "name": "甲"}]
    assert table.notes == ["r.csv: ignored unknown columns remark"]


def test_optional_columns_default_to_blank_and_blank_lines_are_skipped(tmp_path):
    path = write(tmp_path, "r.csv", b"student_id,name\nB1,A\n,\n\nB2,B\n")
    table = read_table(path, REQUIRED, ("email",))
    assert table.rows == [
        {"student_id": "B1", "name": "A", "email": ""},
        {"student_id": "B2", "name": "B", "email": ""},
    ]
    assert table.line_numbers == [2, 5]


def test_missing_file(tmp_path):
    with pytest.raises(TableError, match=r"nope.csv: no such file$"):
        read_table(tmp_path / "nope.csv", REQUIRED)


def test_xlsx_with_title_rows_ids_as_text_and_numbers(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["2026 roster export"])
    sheet.append([])
    sheet.append(["student_id", "name", "admission_year"])
    sheet.append(["0912345678", "郭峯堃", 112])
    sheet.append(["B11201002", "李美玲", 112.0])
    path = tmp_path / "roster.xlsx"
    book.save(path)
    table = read_table(path, ("student_id", "name", "admission_year"))
    assert table.rows == [
        {"student_id": "0912345678", "name": "郭峯堃", "admission_year": "112"},
        {"student_id": "B11201002", "name": "李美玲", "admission_year": "112"},
    ]
    assert table.line_numbers == [4, 5]
    assert table.notes == ["roster.xlsx: skipped 2 title row(s) above the header"]


def test_xlsx_without_the_header_in_reach(tmp_path):
    book = Workbook()
    sheet = book.active
    for i in range(12):
        sheet.append([f"title {i}"])
    sheet.append(["student_id", "name"])
    path = tmp_path / "late.xlsx"
    book.save(path)
    with pytest.raises(TableError, match=r"^late.xlsx: missing columns student_id, name"):
        read_table(path, REQUIRED)


def test_broken_xlsx(tmp_path):
    path = write(tmp_path, "broken.xlsx", b"PK\x03\x04 not really a zip")
    with pytest.raises(TableError, match=r"^broken.xlsx: not a readable XLSX workbook"):
        read_table(path, REQUIRED)


def test_old_excel_format_is_refused(tmp_path):
    path = write(tmp_path, "old.xls", b"\xd0\xcf\x11\xe0 binary")
    with pytest.raises(
        TableError, match=r"^old.xls: .xls is not supported — save it as .xlsx or CSV$"
    ):
        read_table(path, REQUIRED)
