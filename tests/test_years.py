"""ROC academic years, exam-year parsing and the enrollment window."""

from datetime import date, datetime

import pytest

from certreview.rules.years import (
    ExamYear,
    academic_year,
    enrollment_status,
    parse_date,
    parse_datetime,
    parse_exam_year,
)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2023, 7, 31), 111),
        (date(2023, 8, 1), 112),
        (date(2024, 1, 15), 112),
        (date(2026, 5, 15), 114),
        (date(2026, 11, 29), 115),
        (datetime(2011, 8, 1, 0, 0), 100),
    ],
)
def test_academic_year(day, expected):
    assert academic_year(day) == expected


@pytest.mark.parametrize(
    ("text", "exam_date", "expected"),
    [
        ("112", None, ExamYear(112)),
        (" 112 ", None, ExamYear(112)),
        ("１１２", None, ExamYear(112)),
        ("112學年度", None, ExamYear(112)),
        ("112學年", None, ExamYear(112)),
        ("民國112年", None, ExamYear(112)),
        ("112年", None, ExamYear(112)),
        ("112-1", None, ExamYear(112)),
        ("112-2", None, ExamYear(112)),
        ("112/1", None, ExamYear(112)),
        ("112上", None, ExamYear(112)),
        ("112學年度第2學期", None, ExamYear(112)),
        ("AY112", None, ExamYear(112)),
        ("98", None, ExamYear(98)),
        ("2023", None, ExamYear(None, "ambiguous")),
        ("2023年", None, ExamYear(None, "ambiguous")),
        ("2023", "2023-10-05", ExamYear(112)),
        ("2023", "2023-03-05", ExamYear(111)),
        ("2023", "112/03/05", ExamYear(111)),  # an ROC date: 2023-03-05 lies in AY111
        ("", "2024-09-01", ExamYear(113)),
        ("", None, ExamYear(None, "blank")),
        ("   ", None, ExamYear(None, "blank")),
        ("去年", None, ExamYear(None, "unreadable")),
        ("12345", None, ExamYear(None, "unreadable")),
        ("3000", None, ExamYear(None, "unreadable")),
        ("5", None, ExamYear(None, "unreadable")),
    ],
)
def test_parse_exam_year(text, exam_date, expected):
    assert parse_exam_year(text, exam_date) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-10-05", date(2023, 10, 5)),
        ("2023/10/05", date(2023, 10, 5)),
        ("2023.10.05", date(2023, 10, 5)),
        ("20231005", date(2023, 10, 5)),
        ("112/10/05", date(2023, 10, 5)),
        ("民國112年10月5日", date(2023, 10, 5)),
        ("2023-10-05 14:30:00", date(2023, 10, 5)),
        ("2023-02-30", None),
        ("112/02/30", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_date(text, expected):
    assert parse_date(text) == expected


def test_parse_datetime_keeps_the_time_and_drops_a_zone():
    assert parse_datetime("2026-03-02 09:15:00") == datetime(2026, 3, 2, 9, 15)
    assert parse_datetime("2026-03-02T09:15:00+08:00") == datetime(2026, 3, 2, 9, 15)
    assert parse_datetime("2026-03-02") == datetime(2026, 3, 2)


@pytest.mark.parametrize(
    ("admission", "exit_year", "current", "exam", "flag"),
    [
        (111, None, 114, 111, None),
        (111, None, 114, 114, None),
        (111, None, 114, 110, "before_enrollment"),
        (111, None, 114, 115, "future_year"),  # still enrolled: a misread year
        (111, None, 114, None, None),
        (108, 111, 114, 111, None),
        (108, 111, 114, 112, "after_enrollment"),
        (108, 111, 114, 107, "before_enrollment"),
    ],
)
def test_enrollment_window(admission, exit_year, current, exam, flag):
    assert enrollment_status(exam, admission, exit_year, current) == flag
