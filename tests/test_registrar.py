"""The registrar's own files, database errors that name the place, and the demo kept apart."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from certreview.cli import main
from certreview.config import sqlite_url
from certreview.ingest.headers import HEADER_SYNONYMS, header_key, synonyms_markdown
from certreview.ingest.read_table import read_table
from certreview.ingest.reference import (
    STATUS_WORDS,
    import_catalog,
    import_roster,
    status_code,
)
from certreview.rules.flags import REQUIRED_FIELDS
from certreview.store.engine import database_error_text
from certreview.store.models import CatalogItem, Student
from tests.conftest import SAMPLES

README = Path(__file__).resolve().parents[1] / "README.md"

# The registrar's export as it comes: Chinese headers in its own order, Chinese status words.
ROSTER_ZH = (
    "學號,姓名,學制,班級,入學學年度,學籍狀態,離校學年度,電子郵件\n"
    "B11001001,王小明,日間部,資四甲,110,在學,,b1@example.edu\n"
    "B10801004,林雅惠,日間部,資四乙,108,畢業,111,\n"
    "B10901005,陳志豪,進修部,進四甲,109,延修,,\n"
    "B11101006,張家豪,日間部,資三甲,111,休學,,\n"
    "B10901007,黃怡君,日間部,資四甲,109,肄業,112,\n"
    "B10901008,吳宗翰,日間部,資四甲,109,退學,,\n"
    "B10901009,劉建宏,日間部,資四甲,109,轉系,,\n"
)


def test_a_big5_roster_with_chinese_headers_and_status_words_is_imported(workspace, tmp_path):
    path = tmp_path / "學籍名冊.csv"
    path.write_bytes(ROSTER_ZH.encode("cp950"))
    with workspace.Session.begin() as s:
        result = import_roster(s, path)
    assert result.summary() == "roster: 6 added, 1 row not imported"
    assert result.problems == [
        (
            8,
            "B10901009: status '轉系' is not one of enrolled, graduated, withdrawn, suspended "
            "(or 在學, 在校, 延修, 延畢, 畢業, 已畢業, 退學, 肄業, 休學) — "
            "correct it in the file and import again",
        )
    ]
    assert result.notes == [
        "學籍名冊.csv: read as Big5/CP950 (Excel's default); names with characters outside Big5 "
        "may be damaged — next time save as 'CSV UTF-8'",
        "學籍名冊.csv: no exit_year (離校學年度) for 1 graduated or withdrawn student: "
        "line 7 B10901008 (withdrawn) — until it is added they count as enrolled up to this "
        "year; add it and import again",
    ]
    with workspace.Session() as s:
        rows = [
            (st.student_id, st.name, st.program, st.class_name, st.status, st.exit_year, st.email)
            for st in s.scalars(select(Student).order_by(Student.student_id))
        ]
    assert rows == [
        ("B10801004", "林雅惠", "日間部", "資四乙", "graduated", 111, None),
        ("B10901005", "陳志豪", "進修部", "進四甲", "enrolled", None, None),
        ("B10901007", "黃怡君", "日間部", "資四甲", "withdrawn", 112, None),
        ("B10901008", "吳宗翰", "日間部", "資四甲", "withdrawn", None, None),
        ("B11001001", "王小明", "日間部", "資四甲", "enrolled", None, "b1@example.edu"),
        ("B11101006", "張家豪", "日間部", "資三甲", "suspended", None, None),
    ]


def test_an_xlsx_roster_with_chinese_headers_below_a_title_row(workspace, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["114學年度 學生名冊"])
    # Full-width letters, spaces and another case are the same header.
    sheet.append([" 學號 ", "姓 名", "入學學年度", "學籍狀態", "ＥＭＡＩＬ", "Exit Year"])
    sheet.append(["B11001001", "王小明", 110, "在學", "b1@example.edu", None])
    sheet.append(["B10801004", "林雅惠", 108, "畢業", None, 111])
    path = tmp_path / "roster.xlsx"
    book.save(path)
    with workspace.Session.begin() as s:
        result = import_roster(s, path)
    assert (result.summary(), result.problems) == ("roster: 2 added", [])
    with workspace.Session() as s:
        graduate = s.get(Student, "B10801004")
        assert (graduate.status, graduate.exit_year, graduate.admission_year) == (
            "graduated",
            111,
            108,
        )
        assert s.get(Student, "B11001001").email == "b1@example.edu"


def test_a_catalog_with_chinese_headers(workspace, tmp_path):
    path = tmp_path / "catalog.csv"
    path.write_text(
        "代碼,證照類別,證照名稱,級別,點數,群組,別名\nCCNA,網路,CCNA,,3,,CCNA R&S\n",
        encoding="utf-8-sig",
    )
    with workspace.Session.begin() as s:
        assert import_catalog(s, path).summary() == "catalog: 1 added"
    with workspace.Session() as s:
        item = s.get(CatalogItem, "CCNA")
        assert (item.category, item.name, item.points, item.aliases) == (
            "網路",
            "CCNA",
            3.0,
            "CCNA R&S",
        )


def test_submission_headers_in_chinese_are_read_as_ours(tmp_path):
    path = tmp_path / "uploads.csv"
    path.write_text(
        "序號,上傳時間,學號,姓名,證照類別,證照名稱,考試學年度,圖檔,證照字號\n"
        "u1,2026-03-02 09:15,B1,王小明,資訊,TQC,112,a.jpg,No-1\n",
        encoding="utf-8",
    )
    table = read_table(
        path,
        REQUIRED_FIELDS,
        ("certificate_no",),
        kind="submissions",
    )
    assert table.rows == [
        {
            "submission_id": "u1",
            "submitted_at": "2026-03-02 09:15",
            "student_id": "B1",
            "student_name": "王小明",
            "category": "資訊",
            "certificate_name": "TQC",
            "exam_year": "112",
            "image": "a.jpg",
            "certificate_no": "No-1",
        }
    ]


@pytest.mark.parametrize("kind", sorted(HEADER_SYNONYMS))
def test_no_header_name_means_two_columns_of_one_file(kind: str):
    meanings: dict[str, set[str]] = {}
    for column, names in HEADER_SYNONYMS[kind].items():
        for name in (column, *names):
            meanings.setdefault(header_key(name), set()).add(column)
    assert {k: v for k, v in meanings.items() if len(v) > 1} == {}


@pytest.mark.parametrize(
    ("word", "code"),
    [
        ("在學", "enrolled"),
        ("延修", "enrolled"),
        ("畢業", "graduated"),
        ("休學", "suspended"),
        ("退學", "withdrawn"),
        ("肄業", "withdrawn"),
        (" Enrolled ", "enrolled"),
        ("ｇｒａｄｕａｔｅｄ", "graduated"),
        ("轉系", None),
        ("", None),
    ],
)
def test_status_words(word: str, code: str | None):
    assert status_code(word) == code


def test_the_readme_lists_every_header_synonym_and_status_word():
    text = README.read_text(encoding="utf-8")
    for kind in HEADER_SYNONYMS:
        assert synonyms_markdown(kind) in text
    for word, code in STATUS_WORDS.items():
        assert f"| {word} | `{code}` |" in text


# --- database errors ------------------------------------------------------------------------


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Return a function that runs certreview with no database settings in the environment."""
    monkeypatch.delenv("CERTREVIEW_DB", raising=False)
    monkeypatch.delenv("CERTREVIEW_DATA", raising=False)
    monkeypatch.delenv("CERTREVIEW_DEBUG", raising=False)

    def go(*args: str | Path) -> tuple[int, str, str]:
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return go


@pytest.mark.parametrize(
    "command",
    [
        ("status", "B1"),
        ("export", "eligibility", "OUT"),
        ("decide", "u1", "approve", "--reviewer", "lin"),
        ("import", "roster", str(SAMPLES / "roster.csv")),
        ("import", "catalog", str(SAMPLES / "catalog.csv")),
        ("import", "standards", str(SAMPLES / "standards.toml")),
        ("import", "submissions", str(SAMPLES / "submissions.csv"), "--images", "IMAGES"),
    ],
)
def test_a_mistyped_db_path_creates_no_file_and_says_so(run, tmp_path: Path, command):
    typo = tmp_path / "certreveiw.sqlite"
    args = [
        a.replace("OUT", str(tmp_path / "e.csv")).replace("IMAGES", str(tmp_path)) for a in command
    ]
    code, out, err = run(*args, "--db", sqlite_url(typo), "--data", tmp_path / "data")
    assert (code, out, err) == (
        1,
        "",
        f"certreview: no certreview database at {typo} — run `certreview init` "
        "(or check --db/CERTREVIEW_DB and --data/CERTREVIEW_DATA)\n",
    )
    assert sorted(os.listdir(tmp_path)) == []


def test_an_existing_file_without_tables_is_named(run, tmp_path: Path):
    empty = tmp_path / "other.sqlite"
    empty.write_bytes(b"")
    code, _, err = run("status", "B1", "--db", sqlite_url(empty))
    assert (code, err) == (
        1,
        f"certreview: {empty} has no certreview tables — run `certreview init` first "
        "(or check --db/CERTREVIEW_DB)\n",
    )


def test_a_data_folder_that_cannot_be_made_is_named_with_the_fix(run, tmp_path: Path):
    (tmp_path / "notes.txt").write_text("x")
    wrong = tmp_path / "notes.txt" / "data"
    code, out, err = run("init", "--data", wrong)
    assert (code, out) == (1, "")
    assert err == (
        f"certreview: cannot create {wrong} (Not a directory) — choose a folder you may write to "
        "with --data/CERTREVIEW_DATA (or a database with --db/CERTREVIEW_DB)\n"
    )


def test_a_data_folder_we_may_not_write_is_named_with_the_fix(run, tmp_path: Path):
    as_root = hasattr(os, "geteuid") and os.geteuid() == 0
    if as_root and not shutil.which("setpriv"):
        pytest.skip("root may write anywhere, and setpriv is not there to drop that")
    # As root, run as `nobody` from a folder it can reach (pytest's own folders are private).
    place = Path(tempfile.mkdtemp(dir="/tmp")) if as_root else tmp_path
    try:
        place.chmod(0o755)
        data = place / "data"
        assert run("init", "--data", data)[0] == 0
        data.chmod(0o555)
        command = [sys.executable, "-m", "certreview.cli", "status", "B1", "--data", str(data)]
        if as_root:
            command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
        env = {k: v for k, v in os.environ.items() if not k.startswith("CERTREVIEW_")}
        env["CERTREVIEW_LANG"] = "en"  # the words below; Traditional Chinese is the default
        done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=place)
    finally:
        if (place / "data").exists():
            (place / "data").chmod(0o700)
        if as_root:
            shutil.rmtree(place)
    assert done.returncode == 1
    assert done.stderr.startswith(
        f"certreview: cannot use the SQLite database {data / 'certreview.sqlite'} ("
    )
    assert done.stderr.endswith(
        f"check that the folder {data} exists and that you may write to it and to the file "
        "(SQLite keeps its -wal/-shm files beside the database), or choose another with "
        "--data/CERTREVIEW_DATA or --db/CERTREVIEW_DB\n"
    )


@pytest.mark.parametrize(
    ("url", "cause", "expected"),
    [
        (
            "sqlite:////srv/office/certreview.sqlite",
            "unable to open database file",
            "cannot use the SQLite database /srv/office/certreview.sqlite (unable to open "
            "database file) — check that the folder /srv/office exists and that you may write "
            "to it and to the file (SQLite keeps its -wal/-shm files beside the database), or "
            "choose another with --data/CERTREVIEW_DATA or --db/CERTREVIEW_DB",
        ),
        (
            "sqlite:////srv/office/certreview.sqlite",
            "attempt to write a readonly database",
            "cannot use the SQLite database /srv/office/certreview.sqlite (attempt to write a "
            "readonly database) — check that the folder /srv/office exists and that you may "
            "write to it and to the file (SQLite keeps its -wal/-shm files beside the database), "
            "or choose another with --data/CERTREVIEW_DATA or --db/CERTREVIEW_DB",
        ),
        (
            "postgresql+psycopg://office:s3cret@db.example/certreview",
            "connection refused",
            "database error at postgresql+psycopg://office:***@db.example/certreview: "
            "connection refused — check --db/CERTREVIEW_DB and that the server is running",
        ),
        (
            "postgresql+psycopg://office@db.example/certreveiw",
            'FATAL:  database "certreveiw" does not exist',
            "database error at postgresql+psycopg://office@db.example/certreveiw: "
            'FATAL:  database "certreveiw" does not exist — create the database certreveiw on '
            "the server, then run `certreview init` (or check --db/CERTREVIEW_DB)",
        ),
    ],
)
def test_database_errors_name_the_database(url: str, cause: str, expected: str):
    exc = OperationalError("SELECT 1", {}, Exception(cause))
    assert database_error_text(exc, make_url(url)) == expected


# --- the demo kept apart --------------------------------------------------------------------


DEMO_SIZE = ("--students", "6", "--submissions", "6")


def test_real_files_go_into_a_demo_database_only_when_allowed(run, tmp_path: Path, db_url: str):
    place = ("--db", db_url, "--data", tmp_path / "data")
    assert run("demo", *DEMO_SIZE, *place)[0] == 0
    for kind, file in [
        ("roster", SAMPLES / "roster.csv"),
        ("catalog", SAMPLES / "catalog.csv"),
        ("standards", SAMPLES / "standards.toml"),
        ("submissions", SAMPLES / "submissions.csv"),
    ]:
        extra = ("--images", SAMPLES / "images") if kind == "submissions" else ()
        code, out, err = run("import", kind, file, *extra, *place)
        assert (code, out) == (1, "")
        assert re.fullmatch(
            r"certreview: \S+ holds the demo department — import real files into a new database "
            r"\(--data DIR, then `certreview init`\), or add --allow-demo to mix them in anyway\n",
            err,
        )
    # A demo replaced with --force is marked again (its mark went with the old rows).
    assert run("demo", *DEMO_SIZE, "--force", *place)[0] == 0
    assert run("import", "roster", SAMPLES / "roster.csv", *place)[0] == 1
    code, out, err = run("import", "roster", SAMPLES / "roster.csv", "--allow-demo", *place)
    assert (code, out) == (0, "roster: 4 added\n")


def test_a_real_database_takes_imports_without_the_option(run, tmp_path: Path, db_url: str):
    data = tmp_path / "data"
    assert run("init", "--db", db_url, "--data", data)[0] == 0
    code, out, _ = run("import", "roster", SAMPLES / "roster.csv", "--db", db_url, "--data", data)
    assert (code, out) == (0, "roster: 4 added\n")


def test_the_cli_lists_rows_not_imported_and_still_succeeds(run, tmp_path: Path):
    place = ("--data", tmp_path / "data")
    path = tmp_path / "roster.csv"
    path.write_bytes(ROSTER_ZH.encode("cp950"))
    assert run("init", *place)[0] == 0
    code, out, err = run("import", "roster", path, *place)
    assert (code, out) == (0, "roster: 6 added, 1 row not imported\n")
    assert err.splitlines()[-1] == (
        "row 8: B10901009: status '轉系' is not one of enrolled, graduated, withdrawn, suspended "
        "(or 在學, 在校, 延修, 延畢, 畢業, 已畢業, 退學, 肄業, 休學) — "
        "correct it in the file and import again"
    )
