"""What a certificate's text says: dates as academic years, the certificate number, the holder."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from certreview.rules.normalise import ZERO_WIDTH_CHARS
from certreview.rules.years import ROC_OFFSET, academic_year

_INVISIBLE = dict.fromkeys(map(ord, ZERO_WIDTH_CHARS), None)
_SPACES = re.compile(r"\s+")

# ROC dates: 中華民國112年10月3日, 民國 112 年 10 月 3 日, 112年10月3日, 112.10.03, 112/10/3.
_ROC_WORDS = re.compile(r"(?<!\d)(\d{2,3})年(\d{1,2})月(\d{1,2})日?")
_ROC_DOTS = re.compile(r"(?<![\d.\-/])(\d{2,3})([./-])(\d{1,2})\2(\d{1,2})(?!\d)")
# Western dates: 2023年10月3日, 2023-10-03, 2023/10/3, 2023.10.03.
_WEST_WORDS = re.compile(r"(?<!\d)((?:19|20)\d{2})年(\d{1,2})月(\d{1,2})日?")
_WEST_DIGITS = re.compile(r"(?<!\d)((?:19|20)\d{2})([./-])(\d{1,2})\2(\d{1,2})(?!\d)")
_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
# October 3, 2023 / Oct. 3 2023 / 3 October 2023.
_EN_MDY = re.compile(_MONTH + r"(\d{1,2}),?((?:19|20)\d{2})", re.IGNORECASE)
_EN_DMY = re.compile(r"(?<!\d)(\d{1,2})" + _MONTH + r",?((?:19|20)\d{2})", re.IGNORECASE)
_ROC_YEARS = range(60, 200)

# Labels a certificate number follows, and what a number looks like.
_NUMBER = re.compile(
    # OCR often returns simplified forms (号 for 號): both are accepted.
    r"(?:(?:[證证][書书]字[號号]|[證证][書书][號号]碼|[證证][書书][編编][號号]|[證证][號号]|字[號号]|[編编][號号]"
    r"|CertificateNo|CertificateNumber|Cert\.?No|No)"
    r"[.:：#]*)+([A-Z0-9][A-Z0-9\-]{3,})",
    re.IGNORECASE,
)
# A student ID as the department issues them: a letter and 8 digits (B11101211).
STUDENT_ID = re.compile(r"(?<![A-Z0-9])([A-Z]\d{8})(?!\d)")
_NAME_LABEL = re.compile(r"(?:姓\s*名|Name)\s*[:：]?\s*(\S+)", re.IGNORECASE)
_LEADING_NAME = re.compile(r"[\u3400-\u9fff\uf900-\ufaff][\u3400-\u9fff\uf900-\ufaff·]{1,4}")
_CJK_NAME = re.compile(r"^[\u3400-\u9fff\uf900-\ufaff][\u3400-\u9fff\uf900-\ufaff·]{1,4}$")
# Words printed on certificates that look like a two-to-four character name.
_NOT_NAMES = {
    "認證",
    "證書",
    "證明",
    "證明書",
    "合格證書",
    "成績證明",
    "成績單",
    "茲證明",
    "發證日期",
    "證書字號",
    "技能認證",
    "專業級",
    "實用級",
    "進階級",
    "通過",
    "中華民國",
}


@dataclass(frozen=True)
class Line:
    """One line of text the OCR read: what, where (four corner points, in pixels), how sure."""

    text: str
    box: tuple[tuple[float, float], ...]
    confidence: float

    @property
    def height(self) -> float:
        ys = [y for _, y in self.box]
        return max(ys) - min(ys) if ys else 0.0


@dataclass(frozen=True)
class Found:
    """What a certificate's text says about its holder, number and date."""

    name: str | None = None
    number: str | None = None
    date_text: str | None = None
    exam_date: date | None = None
    year: int | None = None
    student_ids: tuple[str, ...] = ()


def compact(text: str) -> str:
    """Return TEXT as OCR lines are compared: NFKC, no invisible characters, no spaces.

    >>> compact("中華民國 １１２ 年 10 月 3 日")
    '中華民國112年10月3日'
    """
    return _SPACES.sub("", unicodedata.normalize("NFKC", text).translate(_INVISIBLE))


def _day(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def find_dates(text: str) -> list[tuple[str, date]]:
    """Return every date in TEXT (ROC or Western, in words or digits) with the text that named it.

    >>> [d.isoformat() for _, d in find_dates("發證日期 中華民國112年10月3日")]
    ['2023-10-03']
    >>> [d.isoformat() for _, d in find_dates("112.10.03 / 2024-02-29 / March 5, 2024")]
    ['2023-10-03', '2024-02-29', '2024-03-05']
    """
    flat = compact(text)
    found: list[tuple[int, str, date]] = []
    taken: list[range] = []

    def add(match: re.Match[str], day: date | None) -> None:
        span = range(*match.span())
        if day is None or any(span.start < t.stop and t.start < span.stop for t in taken):
            return
        taken.append(span)
        found.append((match.start(), match.group(0), day))

    for m in _WEST_WORDS.finditer(flat):
        add(m, _day(int(m[1]), int(m[2]), int(m[3])))
    for m in _WEST_DIGITS.finditer(flat):
        add(m, _day(int(m[1]), int(m[3]), int(m[4])))
    for m in _ROC_WORDS.finditer(flat):
        if int(m[1]) in _ROC_YEARS:
            add(m, _day(int(m[1]) + ROC_OFFSET, int(m[2]), int(m[3])))
    for m in _ROC_DOTS.finditer(flat):
        if int(m[1]) in _ROC_YEARS:
            add(m, _day(int(m[1]) + ROC_OFFSET, int(m[3]), int(m[4])))
    for m in _EN_MDY.finditer(flat):
        add(m, _day(int(m[3]), _MONTHS.index(m[1].lower()) + 1, int(m[2])))
    for m in _EN_DMY.finditer(flat):
        add(m, _day(int(m[3]), _MONTHS.index(m[2].lower()) + 1, int(m[1])))
    return [(text, day) for _, text, day in sorted(found)]


def student_ids(text: str) -> list[str]:
    """Return the student IDs written in TEXT, upper-cased, in order.

    >>> student_ids("學號 b11101211 / B1110121")
    ['B11101211']
    """
    return STUDENT_ID.findall(compact(text).upper())


def certificate_number(texts: Sequence[str]) -> str | None:
    """Return the certificate number printed after its label, if any line has one.

    >>> certificate_number(["證書字號 Certificate No.: TQC-EX0123456"])
    'TQC-EX0123456'
    """
    for text in texts:
        for match in _NUMBER.finditer(compact(text)):
            if any(c.isdigit() for c in match[1]):
                return match[1].upper()
    return None


def holder_name(lines: Sequence[Line]) -> str | None:
    """Return the holder's name: after a 姓名/Name label, else the tallest name-like line.

    >>> holder_name([Line("茲證明", ((0, 0), (9, 0), (9, 20), (0, 20)), 0.9),
    ...              Line("陳 怡君", ((0, 40), (90, 40), (90, 110), (0, 110)), 0.9)])
    '陳怡君'
    """
    for line in lines:
        match = _NAME_LABEL.search(unicodedata.normalize("NFKC", line.text))
        name = _LEADING_NAME.match(match[1]) if match else None
        if name:
            return name[0]
    names = [
        line
        for line in lines
        if _CJK_NAME.match(compact(line.text)) and compact(line.text) not in _NOT_NAMES
    ]
    if not names:
        return None
    return compact(max(names, key=lambda line: line.height).text)


def find(lines: Sequence[Line]) -> Found:
    """Return what LINES say: holder, certificate number, the first date and its academic year."""
    texts = [line.text for line in lines]
    dates = [d for text in texts for d in find_dates(text)]
    ids = tuple(dict.fromkeys(i for text in texts for i in student_ids(text)))
    first = dates[0] if dates else None
    return Found(
        name=holder_name(lines),
        number=certificate_number(texts),
        date_text=first[0] if first else None,
        exam_date=first[1] if first else None,
        year=academic_year(first[1]) if first else None,
        student_ids=ids,
    )
