"""The statistics page, the tables, the counter's catalog list and the notify buttons as read."""

from __future__ import annotations

import pandas as pd
from reporting_department import standard_department

from certreview.reports.service import ReportService
from certreview.widgets import html
from certreview.widgets.statistics import StatisticsPanel
from certreview.workspace import Workspace


def test_reasons_table_says_each_reason_in_words_and_charts_keep_their_size(
    workspace: Workspace,
) -> None:
    with workspace.Session.begin() as s:
        standard_department(s)
    panel = StatisticsPanel(ReportService(workspace))
    reasons = panel.body.children[5].value  # the table under the reasons chart
    assert "<td>not a certificate</td>" in reasons
    assert "<td>not_certificate</td>" not in reasons  # a code, not a word a person reads
    charts = [c for c in panel.body.children if c.__class__.__name__ == "Image"]
    assert len(charts) == 2  # reasons and trends; the completion charts sit in a row
    # A column box stretches what is not told otherwise: a 540-pixel chart filled 1,366.
    assert {c.layout.align_self for c in charts} == {"flex-start"}


def test_tables_leave_room_between_columns() -> None:
    # "入學學年度課程標準": two headers with nothing between them, in the eligibility table.
    table = html.frame_table(pd.DataFrame({"admission_year": [111], "standard": ["AY111+"]}))
    assert table.startswith(html.TABLE_CSS)
    assert "<table class='cr-table'" in table
    assert "padding:1px 12px 1px 0" in html.TABLE_CSS
    assert "word-break:keep-all" in html.TABLE_CSS  # "在學" stays one word in a narrow notebook


def test_counter_names_each_certificate_level_once() -> None:
    from certreview.ingest.counter import CatalogChoice
    from certreview.widgets.counter import _item_label

    said_twice = CatalogChoice("JLPT-N1", "Language", "JLPT N1", "N1", 3, ("日檢N1",))
    assert _item_label(said_twice) == "Language / JLPT N1 (JLPT-N1, 3) · 日檢N1"
    not_in_name = CatalogChoice("TQC-W", "Information", "TQC Word", "實用級", 1, ())
    assert _item_label(not_in_name) == "Information / TQC Word 實用級 (TQC-W, 1)"


def test_notify_retry_button_is_as_wide_as_its_words(workspace: Workspace) -> None:
    from certreview.widgets.notify import NotifyPanel

    panel = NotifyPanel(workspace)
    assert panel.retry_button.layout.width == "auto"
