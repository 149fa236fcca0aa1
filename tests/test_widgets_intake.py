"""The intake panel: pick files, press Import, read one line and the report."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import func, select

from certreview.ingest.report import flag_counts_frame, report_frame
from certreview.store.models import Student, Submission
from certreview.widgets.intake import NONE, IntakePanel
from tests.conftest import SAMPLES


def test_import_everything_by_clicking(workspace, tmp_path: Path):
    folder = tmp_path / "incoming"
    shutil.copytree(SAMPLES, folder)
    panel = IntakePanel(workspace, folder)
    # Files are guessed from their names.
    assert (panel.roster.value, panel.catalog.value, panel.standards.value) == (
        "roster.csv",
        "catalog.csv",
        "standards.toml",
    )
    assert (panel.submissions.value, panel.images.value) == ("submissions.csv", "images")
    panel.buttons["roster"].click()
    assert "roster: 4 added" in panel.message.value
    (folder / "submissions_AY113.csv").write_bytes((folder / "submissions.csv").read_bytes())
    (folder / "intake_report_AY113.csv").write_text("row\n", encoding="utf-8")
    panel.refresh()
    assert "intake_report_AY113.csv" not in panel.submissions.options  # never offered as input
    panel.submissions.value = "submissions_AY113.csv"
    assert panel.round.value == "AY113"  # the round named in the file
    panel.submissions.value = "submissions.csv"
    panel.buttons["catalog"].click()
    panel.buttons["standards"].click()
    panel.round.value = "AY114"
    panel.cutoff.value = "2026-04-15"
    panel.buttons["submissions"].click()
    assert "submissions (AY114): 3 accepted, 2 flagged, 0 skipped" in panel.message.value
    assert (folder / "intake_report_AY114.csv").exists()
    assert panel.progress.value == panel.progress.max == 4
    with workspace.Session() as s:
        assert s.scalar(select(func.count()).select_from(Student)) == 4
        assert s.scalar(select(func.count()).select_from(Submission)) == 5
        report = report_frame(s, "AY114")
    assert report[["submission_id", "status", "flags"]].values.tolist() == [
        ["u0001", "accepted", ""],
        ["u0002", "accepted", ""],
        ["u0003", "accepted", ""],
        ["u0004", "flagged", "before_enrollment"],
        ["u0005", "flagged", "missing_image;late"],
    ]
    counts = flag_counts_frame(report)
    assert counts[counts["submissions"] > 0][["flag", "submissions"]].values.tolist() == [
        ["before_enrollment", 1],
        ["missing_image", 1],
        ["late", 1],
    ]
    # Importing the same export again adds nothing.
    panel.buttons["submissions"].click()
    assert "submissions: nothing new — all 5 rows were imported before" in panel.message.value
    assert "5 skipped" in panel.report.value
    assert "<table" not in panel.report.value  # no empty table of flagged rows under it


def test_mistakes_give_one_line_and_no_traceback(workspace, tmp_path: Path):
    folder = tmp_path / "incoming"
    folder.mkdir()
    (folder / "roster.csv").write_text("id,nmae\n1,x\n", encoding="utf-8")
    panel = IntakePanel(workspace, folder)
    panel.buttons["roster"].click()
    assert (
        "Could not import roster: roster.csv: missing columns student_id, name"
        in panel.message.value
    )
    assert panel.submissions.value == NONE
    panel.buttons["submissions"].click()
    assert "Could not import submissions: choose the uploads file first" in panel.message.value
    panel.folder_box.value = str(tmp_path / "nowhere")
    panel.refresh_button.click()
    assert panel.roster.options == (NONE,)


def test_student_text_is_escaped_in_messages(workspace, tmp_path: Path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "roster.csv").write_text(
        "student_id,name,admission_year,status\n<img src=x onerror=alert(1)>,x,abc,enrolled\n",
        encoding="utf-8",
    )
    panel = IntakePanel(workspace, folder)
    panel.buttons["roster"].click()
    assert "<img" not in panel.message.value
    assert "&lt;IMGSRC=XONERROR=ALERT(1)&gt;" in panel.message.value


def test_the_panel_works_through_the_intake_service_and_shows_changed_rows(
    workspace, tmp_path: Path
):
    from certreview.ingest.service import IntakeService

    folder = tmp_path / "incoming"
    shutil.copytree(SAMPLES, folder)
    panel = IntakePanel(IntakeService(workspace), folder)
    for kind in ("roster", "catalog", "standards"):
        panel.buttons[kind].click()
    panel.round.value = "AY114"
    panel.buttons["submissions"].click()
    export = folder / "submissions.csv"
    export.write_text(
        export.read_text(encoding="utf-8").replace(",113學年度,a2.png", ",112學年度,a2.png"),
        encoding="utf-8",
    )
    panel.buttons["submissions"].click()
    assert (
        "submissions (AY114): 1 accepted, 0 flagged, 4 skipped (1 changed since imported before)"
        in panel.message.value
    )
    assert "submission u0002 changed (exam_year) — imported as version 2" in panel.message.value


def test_a_demo_department_takes_real_files_only_when_ticked(workspace, tmp_path: Path):
    from certreview.store.demomark import mark_demo

    with workspace.Session.begin() as s:
        mark_demo(s)
    folder = tmp_path / "incoming"
    shutil.copytree(SAMPLES, folder)
    panel = IntakePanel(workspace, folder)
    assert panel.allow_demo.layout.display == "none"  # nothing to ask before an import
    panel.buttons["roster"].click()
    assert "holds the demo department" in panel.message.value
    assert panel.allow_demo.layout.display == "flex"
    with workspace.Session() as s:
        assert s.scalar(select(func.count()).select_from(Student)) == 0  # nothing written
    panel.allow_demo.value = True
    panel.buttons["roster"].click()
    assert "roster: 4 added" in panel.message.value
