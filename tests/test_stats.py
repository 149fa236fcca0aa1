"""Completion statistics: literal frames from a small decided department, and charts that draw."""

from __future__ import annotations

import io
import itertools

import pandas as pd
import pytest
from matplotlib.figure import Figure
from reporting_department import add_submission, standard_department, verdict

from certreview.reports import stats
from certreview.rules.contract import column_label
from certreview.workspace import Workspace

YEAR = 114


@pytest.fixture
def data(workspace: Workspace) -> stats.StatsData:
    """Return the statistics input of the standard decided department."""
    with workspace.Session.begin() as s:
        standard_department(s)
    with workspace.Session() as s:
        return stats.load_stats(s, current_year=YEAR)


def test_completion_rate_counts_students_under_a_standard_past_their_first_year(
    data: stats.StatsData,
) -> None:
    # B10500005 falls under no standard: a rate over them would count a "no" nobody could meet.
    expected = pd.DataFrame(
        {
            "admission_year": [109, 111],
            "students": [1, 3],
            "met": [1, 1],
            "not_met": [0, 2],
            "met_pct": [100.0, 33.3],
        }
    )
    pd.testing.assert_frame_equal(stats.completion_rate(data.students, YEAR), expected)
    assert stats.population_note(data.students, YEAR) == (
        "4 students under a standard, admitted AY113 or earlier (of 5 on the roster)."
    )
    by_program = stats.completion_rate(data.students, YEAR, "program")
    assert by_program.values.tolist() == [["Day", 3, 2, 1, 66.7], ["Evening", 1, 0, 1, 0.0]]
    by_class = stats.completion_rate(data.students, YEAR, ["program", "class_name"])
    assert by_class[["program", "class_name", "met"]].values.tolist() == [
        ["Day", "資三甲", 1],
        ["Day", "資畢", 1],
        ["Evening", "進資三甲", 0],
    ]


def test_first_year_students_are_left_out_of_completion(data: stats.StatsData) -> None:
    # In AY111 the AY111 cohort has only just arrived: only the AY109 student is counted.
    assert stats.completion_rate(data.students, 111).values.tolist() == [[109, 1, 1, 0, 100.0]]
    assert stats.population_note(data.students, 111) == (
        "1 student under a standard, admitted AY110 or earlier (of 5 on the roster)."
    )


def test_decisions_by_reason(data: stats.StatsData) -> None:
    assert stats.decisions_by_reason(data.submissions)[
        ["reason", "rejected", "returned", "total"]
    ].values.tolist() == [
        ["illegible", 0, 1, 1],
        ["incomplete", 1, 0, 1],
        ["not_certificate", 1, 0, 1],
    ]


def test_categories_are_the_catalog_items_not_what_students_typed(workspace: Workspace) -> None:
    with workspace.Session.begin() as s:
        standard_department(s)
        # A stray "其他" typed for a TOEIC the reviewer approved as TOEIC-750.
        stray = add_submission(s, "u11", "B11100003", None, 113, certificate="多益 800")
        stray.category_text = "其他"
        verdict(s, stray, "approve", item="TOEIC-750", minutes=11)
    with workspace.Session() as s:
        data = stats.load_stats(s, current_year=YEAR)
    expected = pd.DataFrame(
        {
            "category": ["Information", "Language", "(no catalog item)"],
            "approved": [3, 4, 0],
            "rejected": [0, 1, 1],
            "returned": [1, 0, 0],
            "pending": [1, 0, 0],
            "total": [5, 5, 1],
            "approval_pct": [75.0, 80.0, 0.0],
        }
    )
    pd.testing.assert_frame_equal(
        stats.decisions_by_category(data.submissions), expected, check_dtype=False
    )
    assert stats.uploads_note(data.submissions) == (
        "11 uploads in 2 review rounds; categories are the catalog item's, not what students typed."
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
    assert trends.drop(columns="approval_pct").values.tolist() == [
        ["AY113", 9, 6, 2, 1, 0, 1],
        ["AY114", 1, 0, 0, 0, 1, 0],
    ]
    assert trends["approval_pct"].tolist()[0] == 66.7
    assert pd.isna(trends["approval_pct"].tolist()[1])


def test_readable_tables_have_words_for_headers_and_no_nan(data: stats.StatsData) -> None:
    shown = stats.readable(stats.round_trends(data.submissions))
    expected = pd.DataFrame(
        {
            "Round": ["AY113", "AY114"],
            "Submissions": [9, 1],
            "Approved": [6, 0],
            "Rejected": [2, 0],
            "Returned": [1, 0],
            "Pending": [0, 1],
            "Flagged": [1, 0],
            "Approved of decided (%)": [66.7, ""],
        },
        dtype=object,
    )
    pd.testing.assert_frame_equal(shown, expected)
    at_risk = stats.readable(stats.students_at_risk(data.students, YEAR))
    assert list(at_risk.columns)[:4] == ["Student ID", "Name", "Program", "Class"]
    for frame in (shown, at_risk, stats.readable(pd.DataFrame({"x": [pd.NA, None, 1.5]}))):
        html = frame.to_html()
        assert "NaN" not in html and "&lt;NA&gt;" not in html and "None" not in html


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
        stats.completion_chart(stats.completion_rate(data.students, YEAR, "program"), "program"),
        stats.completion_chart(
            stats.completion_rate(data.students, YEAR), "admission_year", "4 students ..."
        ),
        stats.reasons_chart(stats.decisions_by_reason(data.submissions)),
        stats.trends_chart(stats.round_trends(data.submissions)),
    ]
    for figure in figures:
        assert isinstance(figure, Figure)
        out = io.BytesIO()
        figure.savefig(out, format="png")
        assert out.getvalue().startswith(b"\x89PNG")
    axes = figures[1].axes[0]
    assert [t.get_text() for t in axes.get_xticklabels()] == ["AY109", "AY111"]
    # Percentages on the bars, as in the table, and the population under the chart.
    assert [t.get_text() for t in axes.texts] == ["100 % (1/1)", "33.3 % (1/3)"]
    assert figures[1].get_supxlabel() == "4 students ..."
    reasons = figures[2].axes[0]
    assert [t.get_text() for t in reasons.get_yticklabels()] == [
        "not a certificate",
        "incomplete",
        "cannot be read",
    ]


def test_completion_chart_labels_do_not_run_into_each_other() -> None:
    # Seven cohorts of nine or ten: the walk through the app found "33.3 % (3/9)" over "30 %".
    rates = pd.DataFrame(
        {
            "admission_year": [108, 109, 110, 111, 112, 113, 114],
            "students": [9, 9, 9, 9, 10, 10, 10],
            "met": [0, 1, 4, 3, 3, 4, 1],
            "met_pct": [0.0, 11.1, 44.4, 33.3, 30.0, 40.0, 10.0],
        }
    )
    figure = stats.completion_chart(rates, "admission_year")
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(figure).get_renderer()
    figure.draw(renderer)  # lays the labels out as the page's PNG has them
    boxes = [t.get_window_extent(renderer) for t in figure.axes[0].texts]
    assert len(boxes) == 7
    for left, right in itertools.pairwise(boxes):
        assert left.x1 < right.x0, (left, right)


def test_a_cohort_reads_alike_in_its_table_and_its_chart(data: stats.StatsData) -> None:
    rates = stats.completion_rate(data.students, YEAR, "admission_year")
    chart = stats.completion_chart(rates, "admission_year")
    bars = [t.get_text() for t in chart.axes[0].get_xticklabels()]
    assert stats.readable(rates)[column_label("admission_year")].tolist() == bars
    assert all(label.startswith("AY1") for label in bars)
    assert rates["admission_year"].tolist()[0] == int(bars[0][2:])  # the data keeps its numbers
