"""Completion statistics: literal frames from a small decided department, and charts that draw."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from matplotlib.figure import Figure
from reporting_department import standard_department

from certreview.reports import stats
from certreview.workspace import Workspace

YEAR = 114


@pytest.fixture
def data(workspace: Workspace) -> stats.StatsData:
    """Return the statistics input of the standard decided department."""
    with workspace.Session.begin() as s:
        standard_department(s)
    with workspace.Session() as s:
        return stats.load_stats(s, current_year=YEAR)


def test_completion_rate_by_cohort_program_and_class(data: stats.StatsData) -> None:
    assert stats.completion_rate(data.students, "admission_year").values.tolist() == [
        [105, 1, 0, 1, 1, 0.0],
        [109, 1, 1, 0, 0, 1.0],
        [111, 3, 1, 2, 0, 0.333],
    ]
    by_program = stats.completion_rate(data.students, "program")
    assert list(by_program.columns) == [
        "program",
        "students",
        "met",
        "not_met",
        "no_standard",
        "rate",
    ]
    assert by_program.values.tolist() == [["Day", 4, 2, 2, 1, 0.5], ["Evening", 1, 0, 1, 0, 0.0]]
    by_class = stats.completion_rate(data.students, ["program", "class_name"])
    assert by_class[["program", "class_name", "met"]].values.tolist() == [
        ["Day", "-", 0],
        ["Day", "資三甲", 1],
        ["Day", "資畢", 1],
        ["Evening", "進資三甲", 0],
    ]


def test_decisions_by_reason_and_category(data: stats.StatsData) -> None:
    assert stats.decisions_by_reason(data.submissions)[
        ["reason", "rejected", "returned", "total"]
    ].values.tolist() == [
        ["illegible", 0, 1, 1],
        ["incomplete", 1, 0, 1],
        ["not_certificate", 1, 0, 1],
    ]
    expected = pd.DataFrame(
        {
            "category": ["Information", "Language", "Other"],
            "approved": [3, 3, 0],
            "rejected": [0, 1, 1],
            "returned": [1, 0, 0],
            "pending": [1, 0, 0],
            "total": [5, 4, 1],
            "approval_rate": [0.75, 0.75, 0.0],
        }
    )
    pd.testing.assert_frame_equal(
        stats.decisions_by_category(data.submissions), expected, check_dtype=False
    )


def test_most_common_certificates(data: stats.StatsData) -> None:
    top = stats.top_certificates(data.submissions, n=3)
    assert top.values.tolist() == [
        ["TOEIC-750", "TOEIC 750+", "Language", 3, 3],
        ["CCNA", "Cisco CCNA", "Information", 3, 1],
        ["TQC-WORD-A", "TQC Word 進階級", "Information", 1, 1],
    ]


def test_trends_across_rounds(data: stats.StatsData) -> None:
    trends = stats.round_trends(data.submissions)
    assert trends.drop(columns="approval_rate").values.tolist() == [
        ["AY113", 9, 6, 2, 1, 0, 1],
        ["AY114", 1, 0, 0, 0, 1, 0],
    ]
    assert trends["approval_rate"].tolist()[0] == 0.667
    assert pd.isna(trends["approval_rate"].tolist()[1])


@pytest.mark.parametrize(("year", "at_risk"), [(113, []), (114, ["B11100002", "B11100003"])])
def test_students_at_risk_are_close_to_graduation_and_not_met(
    data: stats.StatsData, year: int, at_risk: list[str]
) -> None:
    # Graduated, withdrawn and met students are never at risk; AY111 reaches year 4 in AY114.
    risky = stats.students_at_risk(data.students, year)
    assert risky["student_id"].tolist() == at_risk
    if at_risk:
        assert risky.loc[1, ["year_of_study", "pending", "missing"]].tolist() == [
            4,
            1,
            "needs 1 more certificate; 1 more point",
        ]


def test_charts_are_figures_that_render(data: stats.StatsData) -> None:
    figures = [
        stats.completion_chart(stats.completion_rate(data.students, "program"), "program"),
        stats.completion_chart(stats.completion_rate(data.students), "admission_year"),
        stats.reasons_chart(stats.decisions_by_reason(data.submissions)),
        stats.trends_chart(stats.round_trends(data.submissions)),
    ]
    for figure in figures:
        assert isinstance(figure, Figure)
        out = io.BytesIO()
        figure.savefig(out, format="png")
        assert out.getvalue().startswith(b"\x89PNG")
    assert [t.get_text() for t in figures[1].axes[0].get_xticklabels()] == [
        "AY105",
        "AY109",
        "AY111",
    ]
