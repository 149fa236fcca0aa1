"""What the reports say in Traditional Chinese: the phone view, the shortfall, charts, the audit's words."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest
from reporting_department import standard_department

from certreview import i18n
from certreview.reports import stats
from certreview.reports.frames import audit_frames
from certreview.reports.student import student_status
from certreview.rules.eligibility import missing_text
from certreview.workspace import Workspace


@pytest.fixture
def chinese() -> Iterator[None]:
    i18n.set_language("zh_TW")
    yield
    i18n.set_language(None)


def test_the_shortfall_in_plain_chinese(chinese: None) -> None:
    assert missing_text(1, 2, {"資訊類": 1, "語文類": 0}) == "尚需 資訊類 1 張證照；2 點"
    assert missing_text(3, 0, {"資訊類": 1, "語文類": 1}) == (
        "尚需 3 張證照，其中 資訊類 1 張、語文類 1 張"
    )
    i18n.set_language("en")
    assert missing_text(1, 2, {"Information": 1}) == (
        "needs 1 more certificate in Information; 2 more points"
    )


def test_the_phone_view_in_chinese(workspace: Workspace, chinese: None) -> None:
    with workspace.Session.begin() as s:
        standard_department(s)
    with workspace.Session() as s:
        text = student_status(s, "b11100003")
    lines = text.splitlines()
    assert lines[1].startswith("  學制 Evening，班級 ") and "入學，在學" in lines[1]
    assert "  上傳件數：2" in lines
    assert "[已退件]" in text and "[待審]" in text and "退件 not_certificate" in text
    assert not any(word in text for word in ("program", "submissions:", "flag ", "pending"))


def test_the_audit_says_why_in_the_language_set(workspace: Workspace, chinese: None) -> None:
    with workspace.Session.begin() as s:
        standard_department(s)
    with workspace.Session() as s:
        rows = audit_frames(s, 114)["submissions"].set_index("submission_id")
    assert rows.loc["u05", "why_not"].startswith("於入學前取得（課程標準只採計在學期間取得的證照）")
    assert " — 考照 110 學年度，在學 111–114 學年度" in rows.loc["u05", "why_not"]
    assert rows.loc["u05", "decision"] == "approved" and rows.loc["u05", "counted"] == "no"


def test_the_audit_summary_rows_read_in_chinese_and_stay_codes_in_files(
    workspace: Workspace, chinese: None
) -> None:
    with workspace.Session.begin() as s:
        standard_department(s)
    with workspace.Session() as s:
        summary = audit_frames(s, 114)["summary"]
    # The file keeps its words for tools; the table on screen reads them in Chinese, no <NA>.
    assert summary["standard"].tolist()[-2:] == ["(no standard applies)", "all students"]
    shown = stats.readable(summary)
    assert shown.iloc[-2:, 0].tolist() == ["（不適用任何門檻）", "全體學生"]
    assert not shown.astype(str).isin(["<NA>", "nan", "NaN", "None"]).any().any()
    assert stats.readable(pd.DataFrame({"reason": ["(none)"]})).iloc[0, 0] == "（無）"
    # Notebook 04's reasons table showed the codes (not_in_catalog) beside their meaning.
    assert stats.readable(pd.DataFrame({"reason": ["not_certificate", ""]}))["理由"].tolist() == [
        "非證照影本",
        "",
    ]
    # Every header in words (notebook 03 showed "Academic year", "Min per category").
    assert [c for c in shown.columns if not any("\u4e00" <= ch <= "\u9fff" for ch in c)] == []


def test_charts_and_notes_in_chinese(chinese: None) -> None:
    students = pd.DataFrame(
        {
            "program": ["Day", "Day"],
            "met": ["yes", "no"],
            "standard": ["A", "A"],
            "admission_year": [110, 111],
        }
    )
    note = stats.population_note(students, 114)
    assert note == "適用課程標準、113 學年度以前入學的學生 2 人（名冊共 2 人）。"
    rates = stats.completion_rate(students, 114, "admission_year")
    chart = stats.completion_chart(rates, "admission_year", note)
    ax = chart.axes[0]
    assert ax.get_title() == "各入學學年度達成率"
    assert ax.get_ylabel() == "達成課程標準的學生（%）"
    assert chart.get_supxlabel() == note
    assert stats.readable(rates).columns.tolist() == [
        "入學學年度",
        "學生數",
        "達成",
        "未達成",
        "達成率（%）",
    ]
    by_reason = pd.DataFrame(
        {"reason": ["illegible"], "meaning": [""], "rejected": [2], "returned": [1], "total": [3]}
    )
    reasons = stats.reasons_chart(by_reason).axes[0]
    assert [t.get_text() for t in reasons.get_legend().get_texts()] == ["已退件", "已退回補件"]
    assert [t.get_text() for t in reasons.get_yticklabels()] == ["無法辨識"]


def test_the_intake_report_reads_in_chinese_and_stays_codes_in_the_file(chinese: None) -> None:
    from certreview.ingest.report import flag_counts_frame, flag_counts_words, report_words

    report = pd.DataFrame(
        {
            "row": [2, 3],
            "submission_id": ["u1", "u2"],
            "student_id": ["B1", "B2"],
            "status": ["accepted", "flagged"],
            "flags": ["", "late;shared_image"],
        }
    )
    # Notebook 01 showed the codes and English meanings; the report file keeps them.
    assert flag_counts_frame(report).loc[14].tolist() == [
        "late",
        1,
        "Submitted after the round's cutoff.",
    ]
    words = stats.readable(flag_counts_words(report))
    assert words.columns.tolist() == ["標記", "上傳件數", "說明"]
    assert words.iloc[14].tolist() == ["逾期上傳", 1, "於本梯次截止時間後上傳。"]
    shown = report_words(report)
    assert shown[["status", "flags"]].values.tolist() == [
        ["已收件", ""],
        ["有標記", "逾期上傳，他人也上傳此影像"],
    ]
