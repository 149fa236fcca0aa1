"""The eligibility panel, driven through its controls and buttons with a real database."""

from __future__ import annotations

import openpyxl
import pandas as pd
from reporting_department import standard_department
from sqlalchemy import select

from certreview.reports.service import ReportService
from certreview.store.models import ExportLog
from certreview.widgets.eligibility import EligibilityPanel, table_html
from certreview.workspace import Workspace


def panel_for(workspace: Workspace) -> EligibilityPanel:
    with workspace.Session.begin() as s:
        standard_department(s)
    return EligibilityPanel(ReportService(workspace), current_year=114)


def test_filters_narrow_the_table_and_the_summary(workspace: Workspace) -> None:
    panel = panel_for(workspace)
    assert [label for label, _ in panel.cohort.options] == [
        "All cohorts",
        "AY105",
        "AY109",
        "AY111",
    ]
    assert "<b>2 of 5</b> students meet their standard (40%); <b>1</b> fall under no standard" in (
        panel.summary.value
    )
    panel.cohort.value = 111
    assert panel.frame["student_id"].tolist() == ["0912345678", "B11100002", "B11100003"]
    panel.program.value = "Evening"
    assert panel.frame["student_id"].tolist() == ["B11100003"]
    assert panel.summary.value.startswith("<b>0 of 1</b>")
    panel.program.index = 0  # "All programs" again: shown in the box, not an empty box
    assert (panel.program.label, panel.program.value) == ("All programs", "")
    assert panel.frame["student_id"].tolist() == ["0912345678", "B11100002", "B11100003"]
    panel.only_not_met.value = True
    assert "0912345678" not in panel.table.value
    assert "B11100002" in panel.table.value


def test_table_highlights_met_and_escapes_text() -> None:
    frame = pd.DataFrame(
        {"student_id": ["B1", "B2"], "name": ["<b>x</b>", "郭峯堃"], "met": ["yes", "no"]}
    )
    out = table_html(frame)
    assert "<tr style='background:#e8f5e9'><td>B1</td><td>&lt;b&gt;x&lt;/b&gt;</td>" in out
    assert "<tr style='background:#ffebee'><td>B2</td><td>郭峯堃</td>" in out
    assert "Showing 1 of 2 rows" in table_html(frame, limit=1)


def test_export_button_writes_the_filtered_table_and_logs_it(workspace: Workspace) -> None:
    panel = panel_for(workspace)
    assert panel.exported_by.value  # the login, as in the review notebook
    panel.exported_by.value = " "
    panel.export_button.click()
    assert "Type your name" in panel.message.value
    panel.cohort.value = 111
    panel.exported_by.value = "office-lin"
    panel.export_button.click()
    assert "eligibility as of AY114: 3 students, 1 met. Wrote 3 rows to" in panel.message.value
    written = list((workspace.settings.data_dir / "exports").glob("eligibility_AY111_2*.xlsx"))
    assert len(written) == 1
    sheet = openpyxl.load_workbook(written[0])["eligibility"]
    assert [c.value for c in sheet["A"]][1:] == ["0912345678", "B11100002", "B11100003"]
    with workspace.Session() as s:
        log = s.scalars(select(ExportLog)).one()
    assert (log.kind, log.rows, log.exported_by, log.details["cohort"]) == (
        "eligibility",
        3,
        "office-lin",
        111,
    )


def test_notices_default_to_the_current_round_and_all_rounds_is_a_choice(
    workspace: Workspace,
) -> None:
    panel = panel_for(workspace)
    assert panel.round.options == (
        ("current round (AY114)", ""),  # not None: ipywidgets 8 shows None as an empty box
        ("all rounds", "all"),
        ("AY114", "AY114"),
        ("AY113", "AY113"),
    )
    panel.kind.value = "notices"
    panel.format.value = "csv"
    panel.exported_by.value = "office-chen"
    panel.export_button.click()  # AY114 holds one upload, still pending: nobody to write to
    assert "notices for round AY114: 0 students. Wrote 0 rows to" in panel.message.value
    panel.round.value = "all"
    panel.export_button.click()
    assert "notices for all rounds: 6 students. Wrote 9 rows to" in panel.message.value
    exports = workspace.settings.data_dir / "exports"
    assert len(list(exports.glob("notices_2*.csv"))) == 1
    assert len(list(exports.glob("notices_all_2*.csv"))) == 1


def test_status_picker_narrows_the_table_and_the_export(workspace: Workspace) -> None:
    panel = panel_for(workspace)
    assert panel.status.value == ("enrolled", "graduated", "withdrawn", "suspended")
    assert panel.frame["status"].tolist() == [
        "enrolled",
        "withdrawn",
        "graduated",
        "enrolled",
        "enrolled",
    ]
    panel.status.value = ("withdrawn",)
    assert panel.frame[
        ["student_id", "approved", "points", "missing", "status"]
    ].values.tolist() == [["B10500005", 1, 2.0, "no standard applies", "withdrawn"]]
    assert panel.summary.value.startswith("<b>0 of 1</b> students meet their standard")
    panel.kind.value = "audit"
    panel.exported_by.value = "office-lin"
    panel.export_button.click()
    assert "audit as of AY114 (status withdrawn): 1 submission of 1 student" in (
        panel.message.value
    )
    assert len(list((workspace.settings.data_dir / "exports").glob("audit_withdrawn_*.xlsx"))) == 1
    with workspace.Session() as s:
        log = s.scalars(select(ExportLog)).one()
    assert (log.kind, log.rows, log.details["statuses"]) == ("audit", 1, ["withdrawn"])
    panel.status.value = ()  # none chosen reads as every student, not as nobody
    assert len(panel.frame) == 5
