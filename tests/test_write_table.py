"""The one table writer: neutralised cells in every report, atomic replace, nothing left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from certreview.ingest.report import IntakeResult, ReportRow
from certreview.reports.write_table import TableWriteError, neutralise, write_table

REPORT_CSV = (
    "\ufeffrow,submission_id,student_id,status,flags\r\n"
    '2,"\'=DDE(""cmd"";""/C calc"";""x"")",B1,flagged,unknown_student\r\n'
    "3,u2,'-2+3+CMD|' /C calc'!A0,flagged,unknown_student\r\n"
    "4,u3,'=1+1,flagged,unknown_student\r\n"
    "5,' ＝1+1,'＋886,accepted,\r\n"
)


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("＝1+1", "'＝1+1"),  # full-width signs become real ones under NFKC
        ("＋886", "'＋886"),
        ("－2", "'－2"),
        ("＠SUM(A1)", "'＠SUM(A1)"),
        ("﹦1+1", "'﹦1+1"),  # the small equals sign too
        (" =1+1", "' =1+1"),  # leading blanks a spreadsheet import may trim
        ("\u3000=1+1", "'\u3000=1+1"),
        ("\u00a0+1", "'\u00a0+1"),
        ("\u200b=1+1", "'\u200b=1+1"),
        (" \x01 -2", "'  -2"),  # control characters go first
        ("a ＝ b", "a ＝ b"),
        ("  B1091", "  B1091"),
        ("   ", "   "),
        ("１２３", "１２３"),
    ],
)
def test_formulas_behind_full_width_signs_or_blanks_are_neutralised(value: str, safe: str) -> None:
    assert neutralise(value) == safe


def _report() -> IntakeResult:
    return IntakeResult(
        "AY114",
        [
            ReportRow(2, '=DDE("cmd";"/C calc";"x")', "B1", "flagged", "unknown_student"),
            ReportRow(3, "u2", "-2+3+CMD|' /C calc'!A0", "flagged", "unknown_student"),
            # What NFKC makes of a full-width ＝１＋１ typed as a student ID.
            ReportRow(4, "u3", "=1+1", "flagged", "unknown_student"),
            ReportRow(5, " ＝1+1", "＋886", "accepted", ""),
        ],
    )


def test_the_intake_report_is_neutralised_as_csv(tmp_path: Path) -> None:
    out = tmp_path / "report.csv"
    _report().write_report(out)
    assert out.read_bytes().decode("utf-8") == REPORT_CSV


def test_the_intake_report_is_neutralised_as_xlsx(tmp_path: Path) -> None:
    out = tmp_path / "report.xlsx"
    _report().write_report(out)
    sheet = openpyxl.load_workbook(out).worksheets[0]
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    assert [r[1:3] for r in sheet.iter_rows(min_row=2, values_only=True)] == [
        ('\'=DDE("cmd";"/C calc";"x")', "B1"),
        ("u2", "'-2+3+CMD|' /C calc'!A0"),
        ("u3", "'=1+1"),
        ("' ＝1+1", "'＋886"),
    ]


def test_a_missing_folder_is_one_line_and_creates_nothing(tmp_path: Path) -> None:
    frame = pd.DataFrame({"student_id": ["B1"]})
    for name in ("x.csv", "x.xlsx"):
        with pytest.raises(TableWriteError) as caught:
            write_table(frame, tmp_path / "no" / "such" / name)
        assert str(caught.value) == (
            f"cannot write {name}: the folder {tmp_path / 'no' / 'such'} does not exist"
            " — create it first or choose another folder"
        )
    assert list(tmp_path.iterdir()) == []


class Unwritable:
    """A cell value neither pandas nor openpyxl can write: the writer fails half-way."""

    def __str__(self) -> str:
        raise RuntimeError("this cell cannot be written")


@pytest.fixture(params=["unnamed", "dot-files"])
def scratch_kind(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Return how scratch files are made: nameless (Linux) or as dot-files (Windows, shares)."""
    if request.param == "dot-files":
        monkeypatch.delattr(os, "O_TMPFILE", raising=False)
    return request.param


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_failed_write_keeps_the_old_file_and_leaves_no_temp_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str, scratch_kind: str
) -> None:
    folder, system_temp = tmp_path / "exports", tmp_path / "system-temp"
    folder.mkdir()
    system_temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_temp))
    out = folder / f"audit{suffix}"
    write_table({"summary": pd.DataFrame({"standard": ["AY111+"]})}, out)
    before = out.read_bytes()
    rows = 3000
    good = pd.DataFrame({"student_id": [f"B{n:08d}" for n in range(rows)], "name": "王小明"})
    bad = good.astype(object)
    bad.loc[rows - 1, "name"] = Unwritable() if suffix == ".csv" else object()
    # The first table is written in full, the second fails near its end.
    with pytest.raises((RuntimeError, ValueError)):
        write_table({"summary": good, "submissions": bad}, out)
    unchanged = out.read_bytes() == before  # a bool: a diff of megabytes helps nobody
    assert unchanged, "the previous file was changed"
    assert sorted(p.name for p in folder.iterdir()) == [out.name]
    assert list(system_temp.iterdir()) == []


# Run in a subprocess: write a big table and stop for good once it is half-way (the parent then
# sends SIGKILL). Half-way is made deterministic by a cell value or a patched openpyxl step that
# touches SIGNAL and sleeps, instead of guessing a time.
KILLED_WRITER = r"""
import sys, time, zipfile
from pathlib import Path
import pandas as pd
from openpyxl.worksheet import _writer
from certreview.reports.write_table import write_table

out, signal, stage = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]


def stop() -> None:
    signal.write_text("half-way")
    time.sleep(600)


class Stop:
    def __str__(self) -> str:
        stop()
        return ""


rows = 120_000 if stage == "csv" else 20_000
frame = pd.DataFrame({"student_id": [f"B{n:09d}" for n in range(rows)], "name": "郭峯堃"})
frame = frame.astype(object)
if stage == "csv":
    frame.loc[rows - 10, "name"] = Stop()  # after two of pandas' 50,000-row chunks
elif stage == "xlsx-rows":
    write_row = _writer.WorksheetWriter.write_row

    def slow_write_row(self, xf, row, row_idx):
        if row_idx == 15_000:
            stop()
        return write_row(self, xf, row, row_idx)

    _writer.WorksheetWriter.write_row = slow_write_row
else:  # xlsx-zip: the first sheet is in the workbook file, the second still spooled
    write = zipfile.ZipFile.write

    def slow_write(self, filename, arcname=None, *args, **kwargs):
        if arcname and "sheet2" in arcname:
            stop()
        return write(self, filename, arcname, *args, **kwargs)

    zipfile.ZipFile.write = slow_write
write_table({"first": frame, "second": frame}, out)
"""


def _bytes_open_in(pid: int, folder: Path) -> int:
    """Return how many bytes process PID holds in open files of FOLDER (named or not)."""
    total = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            if os.readlink(fd).startswith(f"{folder}/"):
                total += fd.stat().st_size
        except OSError:
            continue  # closed meanwhile
    return total


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs SIGKILL and /proc")
@pytest.mark.parametrize("stage", ["csv", "xlsx-rows", "xlsx-zip"])
def test_an_export_killed_half_way_leaves_the_old_file_and_no_temp_files(
    tmp_path: Path, stage: str
) -> None:
    folder, system_temp = tmp_path / "exports", tmp_path / "system-temp"
    folder.mkdir()
    system_temp.mkdir()
    out = folder / ("eligibility.csv" if stage == "csv" else "eligibility.xlsx")
    write_table({"first": pd.DataFrame({"student_id": ["0912345678"], "name": ["郭峯堃"]})}, out)
    before = out.read_bytes()
    half_way = tmp_path / "half-way"
    env = dict(os.environ, TMPDIR=str(system_temp))
    writer = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(out), str(half_way), stage],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not half_way.exists():
            assert writer.poll() is None, writer.communicate()[1]
            assert time.monotonic() < deadline, "the writer never got half-way"
            time.sleep(0.05)
        # It really is half-way: data of the new file is on disk in the export folder.
        assert _bytes_open_in(writer.pid, folder) > 100_000
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.communicate()
    assert writer.returncode == -signal.SIGKILL
    unchanged = out.read_bytes() == before  # a bool: a diff of megabytes helps nobody
    assert unchanged, "the previous file was changed"
    assert sorted(p.name for p in folder.iterdir()) == [out.name]
    assert list(system_temp.iterdir()) == []


def test_a_replaced_file_keeps_its_permissions(tmp_path: Path) -> None:
    out = tmp_path / "eligibility.csv"
    write_table(pd.DataFrame({"a": [1]}), out)
    out.chmod(0o640)
    write_table(pd.DataFrame({"a": [2]}), out)
    assert (out.stat().st_mode & 0o777, out.read_bytes()) == (0o640, b"\xef\xbb\xbfa\r\n2\r\n")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_table_replaces_the_old_file_and_leaves_only_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str, scratch_kind: str
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    out = tmp_path / f"eligibility{suffix}"
    for name in ("王小明", "郭峯堃"):
        write_table({"eligibility": pd.DataFrame({"student_id": ["0912"], "name": [name]})}, out)
    back = pd.read_csv(out, dtype=str) if suffix == ".csv" else pd.read_excel(out, dtype=str)
    assert back.to_dict("records") == [{"student_id": "0912", "name": "郭峯堃"}]
    assert [p.name for p in tmp_path.iterdir()] == [out.name]
