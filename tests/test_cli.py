"""The command line: exit status, one-line errors, and the office's everyday commands."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from reporting_department import standard_department

from certreview.config import display_url, sqlite_url
from certreview.reports.frames import this_year
from certreview.workspace import Workspace
from tests.conftest import SAMPLES


def test_office_day(cli, tmp_path: Path):
    images = tmp_path / "images"
    shutil.copytree(SAMPLES / "images", images)
    assert cli("init")[0] == 0
    assert cli("import", "roster", SAMPLES / "roster.csv")[1] == "roster: 4 added\n"
    assert cli("import", "catalog", SAMPLES / "catalog.csv")[1] == "catalog: 5 added\n"
    assert cli("import", "standards", SAMPLES / "standards.toml")[1] == "standards: 2 added\n"
    report = tmp_path / "report.csv"
    code, out, _ = cli(
        "import",
        "submissions",
        SAMPLES / "submissions.csv",
        "--images",
        images,
        "--round",
        "AY114",
        "--report",
        report,
    )
    assert code == 0
    assert out == (
        "submissions (AY114): 3 accepted, 2 flagged, 0 skipped\n"
        "flags: before_enrollment 1, missing_image 1\n"
    )
    assert (
        report.read_text(encoding="utf-8-sig").splitlines()[0]
        == "row,submission_id,student_id,status,flags"
    )
    assert cli("decide", "u0001", "approve", "--reviewer", "lin") == (
        0,
        "u0001: approved (decision #1)\n",
        "",
    )
    assert (
        cli("decide", "u0004", "reject", "--reason", "before_enrollment", "--reviewer", "lin")[0]
        == 0
    )
    code, out, err = cli("status", "b11201002")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "B11201002 李美玲"
    assert (
        lines[2]
        == "  standard: AY111 and later — 2 certificates, 3 points, earned during enrollment"
    )
    assert (
        "  - u0004 round AY114, 2026-04-12 08:30:00: TQC Excel 實用級 (Information, exam 111 = AY111)"
        " → TQC-EXCEL-P [rejected]" in lines
    )
    assert (
        "      flag before_enrollment: The exam year is before the student's admission year."
        in lines
    )
    assert lines[3] == (
        "  now: 0 counted, 0 points, 1 pending — "
        "needs 2 more certificates, including 1 in Information; 3 more points"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("decide", "nope", "approve", "--reviewer", "lin"),
            "certreview: no submission 'nope' — check the ID in the intake report\n",
        ),
        (
            ("decide", "nope", "reject", "--reviewer", "lin"),
            "certreview: reject needs a reason: one of incomplete, not_certificate, before_enrollment, "
            "not_in_catalog, mismatch, duplicate, illegible, other\n",
        ),
        (
            ("status", "B000"),
            "certreview: no student B000 on the roster and no uploads under that ID\n",
        ),
        (
            ("status", " "),
            "certreview: no student ID given — write one, e.g. certreview status B11001234\n",
        ),
        (("import", "roster", "missing.csv"), "certreview: missing.csv: no such file\n"),
    ],
)
def test_bad_input_gives_one_line(cli, args, message):
    cli("init")
    code, out, err = cli(*args)
    assert (code, out, err) == (1, "", message)


def test_commands_before_init_say_what_to_do(cli, db_url: str):
    code, _, err = cli("status", "B1")
    if db_url.startswith("sqlite"):
        where = db_url.removeprefix("sqlite:///")
        expected = (
            f"certreview: no certreview database at {where} — run `certreview init` "
            "(or check --db/CERTREVIEW_DB and --data/CERTREVIEW_DATA)\n"
        )
    else:
        expected = (
            f"certreview: {display_url(db_url)} has no certreview tables — run `certreview init` "
            "first (or check --db/CERTREVIEW_DB)\n"
        )
    assert (code, err) == (1, expected)


def test_installed_script_never_prints_a_traceback(tmp_path: Path):
    bad = tmp_path / "roster.csv"
    bad.write_bytes(b"")
    env = {
        "CERTREVIEW_DB": sqlite_url(tmp_path / "x.sqlite"),
        "CERTREVIEW_DATA": str(tmp_path),
        "PATH": "/usr/bin:/bin",
        "CERTREVIEW_LANG": "en",  # the default is Traditional Chinese (tests/test_cli_language.py)
    }
    script = Path(sys.executable).with_name("certreview")
    subprocess.run([script, "init"], env=env, check=True, capture_output=True)
    done = subprocess.run(
        [script, "import", "roster", bad], env=env, capture_output=True, text=True
    )
    assert (done.returncode, done.stdout, done.stderr) == (
        1,
        "",
        "certreview: roster.csv: the file is empty — export it again with a header row\n",
    )
    usage = subprocess.run([script, "decide"], env=env, capture_output=True, text=True)
    assert usage.returncode == 2 and "Traceback" not in usage.stderr


def test_demo_refuses_a_department_that_has_data(cli):
    cli("init")
    cli("import", "roster", SAMPLES / "roster.csv")
    code, out, err = cli("demo", "--students", "5", "--submissions", "5")
    assert (code, out) == (1, "")
    assert (
        err.startswith("certreview: ")
        and "already holds a department (4 students, 0 uploads)" in err
    )


def test_export_into_a_missing_folder_is_one_line_without_traceback(tmp_path: Path):
    env = {
        "CERTREVIEW_DB": sqlite_url(tmp_path / "x.sqlite"),
        "CERTREVIEW_DATA": str(tmp_path),
        "PATH": "/usr/bin:/bin",
        "CERTREVIEW_LANG": "en",
    }
    Workspace.open(env["CERTREVIEW_DB"], tmp_path, create=True).close()
    script = Path(sys.executable).with_name("certreview")
    missing = tmp_path / "no" / "such"
    # The audit as XLSX used to add openpyxl's "Exception ignored ... Traceback" to the line.
    for kind, name in (("audit", "x.xlsx"), ("eligibility", "x.csv")):
        done = subprocess.run(
            [script, "export", kind, missing / name], env=env, capture_output=True, text=True
        )
        assert (done.returncode, done.stdout, done.stderr) == (
            1,
            "",
            f"certreview: cannot write {name}: the folder {missing} does not exist"
            " — create it first or choose another folder\n",
        )
    assert not (tmp_path / "no").exists()


def test_a_report_into_a_missing_folder_stops_before_the_import(cli, tmp_path: Path):
    images = tmp_path / "images"
    shutil.copytree(SAMPLES / "images", images)
    cli("init")
    for kind, name in (("roster", "roster.csv"), ("catalog", "catalog.csv")):
        cli("import", kind, SAMPLES / name)
    cli("import", "standards", SAMPLES / "standards.toml")
    submissions = ("import", "submissions", SAMPLES / "submissions.csv", "--images", images)
    submissions += ("--round", "AY114")
    missing = tmp_path / "no-such-folder"
    code, out, err = cli(*submissions, "--report", missing / "report.csv")
    assert (code, out, err) == (
        1,
        "",
        f"certreview: cannot write report.csv: the folder {missing} does not exist"
        " — create it first or choose another folder\n",
    )
    # Nothing was saved: the same import with a good report path imports every row.
    code, out, _ = cli(*submissions, "--report", tmp_path / "report.csv")
    assert (code, out.splitlines()[0]) == (
        0,
        "submissions (AY114): 3 accepted, 2 flagged, 0 skipped",
    )


def test_the_intake_report_neutralises_formulas_students_typed(cli, tmp_path: Path):
    images = tmp_path / "images"
    shutil.copytree(SAMPLES / "images", images)
    rows = SAMPLES.joinpath("submissions.csv").read_text("utf-8").splitlines()[:4]
    rows[1] = rows[1].replace("u0001", "=DDE(cmd|'/C calc'!A0)")
    rows[2] = rows[2].replace("B11201002", "-2+3+CMD|' /C calc'!A0")
    rows[3] = rows[3].replace("b11201003", "＝１＋１")  # NFKC turns it into =1+1
    hostile = tmp_path / "submissions.csv"
    hostile.write_text("\n".join(rows) + "\n", encoding="utf-8")
    cli("init")
    report = tmp_path / "report.csv"
    code, _, err = cli("import", "submissions", hostile, "--images", images, "--report", report)
    assert code == 0, err
    assert report.read_bytes().decode("utf-8") == (
        "\ufeffrow,submission_id,student_id,status,flags\r\n"
        "2,'=DDE(cmd|'/C calc'!A0),B11001001,flagged,unknown_student;unknown_certificate\r\n"
        "3,u0002,'-2+3+CMD|'/CCALC'!A0,flagged,unknown_student;unknown_certificate\r\n"
        "4,u0003,'=1+1,flagged,unknown_student;unknown_certificate\r\n"
    )


@pytest.fixture
def department(cli, workspace: Workspace) -> Workspace:
    """Return the workspace the cli fixture runs on, holding the standard decided department."""
    with workspace.Session.begin() as s:
        standard_department(s)
    return workspace


def test_status_of_an_id_with_uploads_but_not_on_the_roster(cli, department: Workspace):
    code, out, err = cli("status", " ｂ９９９９９９９９ ")  # typed full-width and in lower case
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "B99999999 — not on the roster: uploads typed with this ID, none of them counts",
        "  submissions: 1",
        "  - u10 round AY113, 2025-05-01 10:00: 汽車駕照 (Other, exam 2023 = no academic year read)"
        " → no catalog match [rejected]",
        "      flag unknown_student: The student ID matches no student on the roster.",
        "      flag unknown_certificate: The certificate matches no catalog item or alias.",
        "      #10 2025-05-20 09:10 office-lin: reject incomplete (The upload is incomplete"
        " (missing information or part of the certificate).)",
    ]


def test_status_shows_the_round_and_the_academic_year_read(cli, department: Workspace):
    code, out, _ = cli("status", "B10500005")
    assert code == 0
    assert out.splitlines()[2:5] == [
        "  standard: none matches this admission year and program",
        "  now: 1 approved, 2 points, 0 pending — no standard applies",
        "  submissions: 1",
    ]
    assert out.splitlines()[5] == (
        "  - u09 round AY113, 2025-05-01 10:00: TOEIC 750+ (Language, exam 106 = AY106)"
        " → TOEIC-750 [approved] does not count: no course standard applies to the student"
    )


def test_export_commands_take_their_own_options(cli, department: Workspace, tmp_path: Path):
    out = tmp_path / "e.csv"
    code, text, err = cli(
        "export",
        "eligibility",
        out,
        "--status",
        "graduated,withdrawn",
        "--year",
        "114",
        "--by",
        "lin",
    )
    assert (code, err) == (0, "")
    assert text == (
        "eligibility as of AY114 (status graduated, withdrawn): 2 students, 1 met\n"
        f"eligibility: 2 rows written to {out}\n"
    )
    assert [row.split(",")[0] for row in out.read_text("utf-8-sig").splitlines()] == [
        "student_id",
        "B10500005",
        "B10900004",
    ]
    assert cli("export", "notices", tmp_path / "n.csv", "--year", "114", "--by", "lin")[1] == (
        f"notices for round AY114: 0 students\nnotices: 0 rows written to {tmp_path / 'n.csv'}\n"
    )
    code, text, _ = cli("export", "notices", tmp_path / "all.xlsx", "--round", "all", "--by", "lin")
    assert text.splitlines()[0] == "notices for all rounds: 6 students"
    code, text, _ = cli("export", "audit", tmp_path / "a.csv", "--status", "enrolled", "--by", "x")
    assert text.splitlines() == [
        f"audit as of AY{this_year()} (status enrolled): 7 submissions of 3 students",
        f"audit: 7 rows written to {tmp_path / 'a.csv'}",
        f"audit summary written to {tmp_path / 'a_summary.csv'}",
    ]
    assert cli("export", "audit", tmp_path / "b.csv", "--status", "left", "--by", "x") == (
        1,
        "",
        "certreview: unknown student status 'left': use one or more of enrolled, graduated, "
        "withdrawn, suspended, separated by commas\n",
    )
    assert not (tmp_path / "b.csv").exists()
    with pytest.raises(SystemExit):  # an option of another kind of export is refused
        cli("export", "notices", tmp_path / "c.csv", "--cohort", "111")


def test_reimporting_an_edited_export_imports_the_changed_row(cli, tmp_path: Path):
    images = tmp_path / "images"
    shutil.copytree(SAMPLES / "images", images)
    assert cli("init")[0] == 0
    for kind, name in (("roster", "roster.csv"), ("catalog", "catalog.csv")):
        assert cli("import", kind, SAMPLES / name)[0] == 0
    assert cli("import", "standards", SAMPLES / "standards.toml")[0] == 0
    export = tmp_path / "submissions.csv"
    export.write_bytes((SAMPLES / "submissions.csv").read_bytes())
    assert cli("import", "submissions", export, "--images", images, "--round", "AY114")[0] == 0
    assert cli("decide", "u0003", "approve", "--reviewer", "lin")[0] == 0
    # The student edits u0003 on the platform: the export keeps the ID, the certificate changes.
    export.write_text(
        export.read_text(encoding="utf-8").replace(",CCNA,112,", ",Cisco CCNA,112,"),
        encoding="utf-8",
    )
    code, out, err = cli("import", "submissions", export, "--images", images, "--round", "AY114")
    assert code == 0, err
    assert out == (
        "submissions (AY114): 1 accepted, 0 flagged, 4 skipped (1 changed since imported before)\n"
    )
    assert err == (
        "note: line 4: submission u0003 changed (certificate_name) — imported as version 2, "
        "the earlier version is kept in its history\n"
    )
    code, out, _ = cli("status", "B11201003")
    assert "u0003 (version 2) round AY114, 2026-04-11 20:02:00: Cisco CCNA" in out
    assert "u0003 (version 1, replaced by a newer version)" in out
    assert cli("decide", "u0003", "approve", "--reviewer", "lin")[1] == (
        "u0003: approved (decision #2)\n"
    )
