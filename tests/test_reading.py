"""What a certificate's text says: dates as academic years, numbers, student IDs, the holder."""

from __future__ import annotations

from datetime import date

import pytest

from certreview.rules.reading import (
    Line,
    certificate_number,
    find,
    find_dates,
    holder_name,
    student_ids,
)


def line(text: str, top: float = 0.0, height: float = 0.05) -> Line:
    return Line(text, ((0.1, top), (0.9, top), (0.9, top + height), (0.1, top + height)), 0.95)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("發證日期 中華民國112年10月3日", [date(2023, 10, 3)]),
        ("中華民國 112 年 10 月 3 日", [date(2023, 10, 3)]),
        ("民國一一二年", []),  # numerals in words are not read (yet): no guess
        ("112.10.03", [date(2023, 10, 3)]),
        ("112/8/1", [date(2023, 8, 1)]),
        ("2023-10-03", [date(2023, 10, 3)]),
        ("2024/02/29", [date(2024, 2, 29)]),
        ("2023年7月31日", [date(2023, 7, 31)]),
        ("Date of issue: October 3, 2023", [date(2023, 10, 3)]),
        ("3 Oct 2023", [date(2023, 10, 3)]),
        ("１１２．１０．０３", [date(2023, 10, 3)]),  # full-width digits from OCR
        ("112.13.03", []),  # no month 13
        ("2023-02-30", []),
        ("Score 785 / TW0123456", []),
        ("考試 112年3月5日 發證 112年4月1日", [date(2023, 3, 5), date(2023, 4, 1)]),
    ],
)
def test_dates_are_found_in_roc_and_western_forms(text: str, expected: list[date]) -> None:
    assert [day for _, day in find_dates(text)] == expected


@pytest.mark.parametrize(
    ("lines", "year"),
    [
        (["發證日期 中華民國112年10月3日"], 112),
        (["發證日期 中華民國112年7月31日"], 111),  # AY 111 runs to 31 July 2023
        (["2023-08-01"], 112),
        (["no date here"], None),
    ],
)
def test_the_first_date_gives_the_academic_year(lines: list[str], year: int | None) -> None:
    assert find([line(t) for t in lines]).year == year


@pytest.mark.parametrize(
    ("texts", "number"),
    [
        (["證書字號 Certificate No.: TQC-EX0123456"], "TQC-EX0123456"),
        (["證號：GEPT0012345"], "GEPT0012345"),
        (["證書字号：TQC0012345"], "TQC0012345"),  # OCR's simplified 号
        (["No. AY114-00012"], "AY114-00012"),
        (["Certificate of Proficiency"], None),
    ],
)
def test_the_certificate_number_follows_its_label(texts: list[str], number: str | None) -> None:
    assert certificate_number(texts) == number


def test_student_ids_are_read_upper_case_and_whole() -> None:
    assert student_ids("學號 b11101211，B1110121，XB111012113") == ["B11101211"]


@pytest.mark.parametrize(
    ("texts", "name"),
    [
        (["茲證明 This is to certify that", "陳怡君", "Chen Yiting"], "陳怡君"),
        (["姓名：林家豪 出生日期 90年1月1日"], "林家豪"),
        (["認證", "技能認證", "合格證書"], None),
        (["Certificate of Proficiency"], None),
    ],
)
def test_the_holder_is_the_labelled_or_the_tallest_name(texts: list[str], name: str | None) -> None:
    lines = [line(t, top=i * 0.1, height=0.2 if i == 1 else 0.04) for i, t in enumerate(texts)]
    assert holder_name(lines) == name
