"""ROC academic years: parse what students type, and the enrollment window."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from certreview.rules.normalise import ZERO_WIDTH_CHARS

ROC_OFFSET = 1911
# Plausible ROC years for certificates earned by living students.
_ROC_RANGE = range(60, 200)
_INVISIBLE = dict.fromkeys(map(ord, ZERO_WIDTH_CHARS), None)
_GREGORIAN_RANGE = range(1971, 2111)


@dataclass(frozen=True)
class ExamYear:
    """What an exam-year cell means: an academic year, or why it has none."""

    year: int | None
    problem: str | None = None  # None, "blank", "ambiguous" or "unreadable"


def _clean(text: str | None) -> str:
    # Pasted from a web form, a year can carry zero-width characters nobody sees.
    return unicodedata.normalize("NFKC", text or "").translate(_INVISIBLE).strip()


def academic_year(day: date | datetime) -> int:
    """Return the ROC academic year of a day (AY N runs 1 Aug N+1911 to 31 Jul N+1912).

    >>> academic_year(date(2023, 7, 31)), academic_year(date(2023, 8, 1))
    (111, 112)
    """
    return day.year - ROC_OFFSET - (1 if day.month < 8 else 0)


_PATTERNS = [
    re.compile(r"^(?:民國)?(\d{2,3})(?:學年度?|年度?)?$"),  # 112, 112學年度, 民國112年
    re.compile(r"^(?:民國)?(\d{2,3})(?:[-/_.][12上下]|[上下])(?:學期)?$"),  # 112-1, 112-2, 112上
    re.compile(r"^(?:民國)?(\d{2,3})學年度?(?:第?[一二12上下]學期)$"),  # 112學年度第1學期
    re.compile(r"^(?:AY|ay)(\d{2,3})$"),
]
_GREGORIAN = re.compile(r"^(\d{4})(?:年)?$")


def parse_exam_year(text: str | None, exam_date: str | None = None) -> ExamYear:
    """Return the ROC academic year a student meant by TEXT, using EXAM_DATE when given.

    >>> parse_exam_year("民國112年").year, parse_exam_year("112-1").year
    (112, 112)
    >>> parse_exam_year("2023").problem
    'ambiguous'
    >>> parse_exam_year("2023", "2023-10-05").year
    112
    """
    when = parse_date(exam_date)
    cleaned = _clean(text).replace(" ", "")
    if not cleaned:
        return ExamYear(academic_year(when)) if when else ExamYear(None, "blank")
    if when is not None:
        return ExamYear(academic_year(when))
    for pattern in _PATTERNS:
        match = pattern.match(cleaned)
        if match and int(match.group(1)) in _ROC_RANGE:
            return ExamYear(int(match.group(1)))
    match = _GREGORIAN.match(cleaned)
    if match and int(match.group(1)) in _GREGORIAN_RANGE:
        # A calendar year spans two academic years: Jan-Jul is AY y-1912, Aug-Dec AY y-1911.
        return ExamYear(None, "ambiguous")
    return ExamYear(None, "unreadable")


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d")
_DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M")
_ROC_DATE = re.compile(r"^(?:民國)?(\d{2,3})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


def parse_date(text: str | None) -> date | None:
    """Return the day TEXT names (ISO, slashes, or an ROC date like 112/10/05), else None.

    >>> parse_date("112/10/05"), parse_date("2023-10-05")
    (datetime.date(2023, 10, 5), datetime.date(2023, 10, 5))
    """
    moment = parse_datetime(text)
    if moment is not None:
        return moment.date()
    cleaned = _clean(text)
    match = _ROC_DATE.match(cleaned)
    if match:
        year, month, day = (int(g) for g in match.groups())
        try:
            return date(year + ROC_OFFSET, month, day)
        except ValueError:
            return None
    return None


def parse_datetime(text: str | None) -> datetime | None:
    """Return the moment TEXT names (a date alone is midnight), else None."""
    cleaned = _clean(text)
    if not cleaned:
        return None
    for fmt in _DATETIME_FORMATS + _DATE_FORMATS:
        try:
            return datetime.strptime(cleaned, fmt)
        except ValueError:
            continue
    try:
        return datetime.fromisoformat(cleaned).replace(tzinfo=None)
    except ValueError:
        return None


def enrollment_years(admission_year: int, exit_year: int | None, current_year: int) -> range:
    """Return the academic years a student is enrolled for: admission to exit (or now).

    >>> enrollment_years(110, None, 114)
    range(110, 115)
    """
    last = exit_year if exit_year is not None else current_year
    return range(admission_year, last + 1)


def enrollment_status(
    exam_year: int | None, admission_year: int, exit_year: int | None, current_year: int
) -> str | None:
    """Return where EXAM_YEAR lies against a student's enrollment: None inside it, else a flag.

    The flag is before_enrollment, after_enrollment (after an exit year), or future_year
    (after CURRENT_YEAR for a student still enrolled: a misread year, not a departure).
    `eligibility.enrollment_statuses` is the same rule over arrays.

    >>> enrollment_status(110, 111, None, 114), enrollment_status(114, 111, None, 114)
    ('before_enrollment', None)
    >>> enrollment_status(115, 111, None, 114), enrollment_status(114, 108, 111, 114)
    ('future_year', 'after_enrollment')
    """
    if exam_year is None:
        return None
    years = enrollment_years(admission_year, exit_year, current_year)
    if exam_year < years.start:
        return "before_enrollment"
    if exam_year >= years.stop:
        return "after_enrollment" if exit_year is not None else "future_year"
    return None
