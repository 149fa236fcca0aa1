"""The three answers of an image against what was typed: names, certificates and years."""

from __future__ import annotations

import pytest

from certreview.rules.evidence import (
    AGREES,
    DISAGREES,
    NOT_FOUND,
    CatalogEntry,
    Claim,
    Reference,
    weigh,
)
from certreview.rules.reading import Line

pytest.importorskip("opencc", reason="the ocr extra is not installed")
from certreview.images.ocr import fold_chinese

ROSTER = [
    ("B11101211", "陳怡君"),
    ("B11101212", "林家豪"),
    ("B11101213", "張雅婷"),
    ("B11101214", "臺志明"),
    ("B11101215", "王明"),
]
CATALOG = [
    CatalogEntry("TQC-WORD-P", "TQC Word 實用級", "實用級", "TQC-WORD", ("TQC Word 實用",)),
    CatalogEntry("TQC-WORD-A", "TQC Word 進階級", "進階級", "TQC-WORD", ("TQC Word 進階",)),
    CatalogEntry("MOS-WORD", "MOS Word Associate", "Associate", "MOS-WORD", ("MOS Word",)),
    CatalogEntry("MOS-WORD-E", "MOS Word Expert", "Expert", "MOS-WORD", ("MOS Word 專家級",)),
    CatalogEntry("TECH-SW-C", "電腦軟體應用丙級", "丙級", "TECH-SW", ("丙級電腦軟體應用",)),
    CatalogEntry("TECH-SW-B", "電腦軟體應用乙級", "乙級", "TECH-SW", ()),
    CatalogEntry("GEPT-I", "GEPT 中級", "中級", "GEPT", ("全民英檢中級",)),
]
REF = Reference(ROSTER, CATALOG, fold_chinese)


def lines(*texts: str) -> list[Line]:
    return [
        Line(t, ((0.1, i / 10), (0.9, i / 10), (0.9, i / 10 + 0.05), (0.1, i / 10 + 0.05)), 0.9)
        for i, t in enumerate(texts)
    ]


def claim(sid: str = "B11101211", item: str | None = "TQC-WORD-P", year: int | None = 112):
    return Claim(sid, dict(ROSTER).get(sid), item, "typed", year)


@pytest.mark.parametrize(
    ("texts", "answer", "named"),
    [
        (["茲證明", "陳怡君", "has passed"], AGREES, None),
        (["陈怡君"], AGREES, None),  # OCR returned the simplified 陈
        (["陳 怡 君"], AGREES, None),
        (["學號 B11101211"], AGREES, None),  # no name, but the student's own ID
        (["林家豪"], DISAGREES, "B11101212"),  # a classmate's certificate
        (["No. B11101213"], DISAGREES, "B11101213"),  # another roster student's ID
        (["陳怡君", "B11101212"], DISAGREES, "B11101212"),  # own name, another's ID
        (["姓名：黃冠宇"], DISAGREES, None),  # someone not on the roster
        (["陳怡群"], AGREES, None),  # one character of three misread (群 for 君)
        (["陳君"], NOT_FOUND, None),  # one dropped: not a different person, not the name either
        (["王明", "B11101211"], AGREES, None),
        (["Certificate of Proficiency"], NOT_FOUND, None),
        (["王明德"], DISAGREES, None),  # not 王明 (B11101215): a 2-character name must be whole
    ],
)
def test_the_image_names_this_student_or_another(texts, answer, named) -> None:
    evidence = weigh(lines(*texts), claim(), REF)
    assert (evidence.name, evidence.named_student) == (answer, named)


def test_variant_characters_count_as_the_same_name() -> None:
    evidence = weigh(lines("台志明"), claim("B11101214"), REF)
    assert evidence.name == AGREES


@pytest.mark.parametrize(
    ("texts", "item", "answer", "shown"),
    [
        (["TQC Word 實用級"], "TQC-WORD-P", AGREES, None),
        (["TQC WORD 實用級 認證"], "TQC-WORD-P", AGREES, None),
        (["TQC Word 進階級"], "TQC-WORD-P", DISAGREES, "TQC-WORD-A"),  # another level
        (["TQC Word"], "TQC-WORD-P", AGREES, None),  # the name without a level
        (["TQC Word 實級"], "TQC-WORD-P", AGREES, None),  # OCR dropped a character
        (["TQC Word 進級"], "TQC-WORD-P", DISAGREES, "TQC-WORD-A"),
        (["MOS Word Expert"], "MOS-WORD-E", AGREES, None),
        (["MOS Word Expert"], "MOS-WORD", DISAGREES, "MOS-WORD-E"),
        (["电脑软体应用丙级"], "TECH-SW-C", AGREES, None),  # simplified OCR output
        (["電腦軟體應用乙級"], "TECH-SW-C", DISAGREES, "TECH-SW-B"),
        (["全民英檢中級 初試複試通過"], "GEPT-I", AGREES, None),
        (["GEPT 中級"], "TQC-WORD-P", DISAGREES, "GEPT-I"),
        (["Certificate of Proficiency"], "TQC-WORD-P", NOT_FOUND, None),
    ],
)
def test_the_image_shows_this_certificate_or_another(texts, item, answer, shown) -> None:
    evidence = weigh(lines(*texts), claim(item=item), REF)
    assert (evidence.certificate, evidence.shown_item) == (answer, shown)


def test_a_certificate_outside_the_catalog_is_matched_by_its_typed_name() -> None:
    typed = Claim("B11101211", "陳怡君", None, "汽車駕照", 112)
    assert weigh(lines("普通小型車 汽車駕照"), typed, REF).certificate == AGREES
    assert weigh(lines("GEPT 中級"), typed, REF).certificate == DISAGREES
    blank = Claim("B11101211", "陳怡君", None, "", 112)
    evidence = weigh(lines("GEPT 中級"), blank, REF)
    assert (evidence.certificate, evidence.shown_item) == (NOT_FOUND, "GEPT-I")


@pytest.mark.parametrize(
    ("texts", "typed", "answer", "shown"),
    [
        (["發證日期 中華民國112年10月3日"], 112, AGREES, None),
        (["112.10.03"], 112, AGREES, None),
        (["2023-10-03"], 112, AGREES, None),
        (["2023-07-03"], 112, DISAGREES, 111),
        (["中華民國110年5月1日"], 112, DISAGREES, 109),
        (["出生 90年1月1日", "考試 112年10月3日"], 112, AGREES, None),  # any date will do
        (["no date"], 112, NOT_FOUND, None),
        (["112年10月3日"], None, NOT_FOUND, 112),  # nothing typed to compare with
    ],
)
def test_the_image_dates_inside_the_typed_year(texts, typed, answer, shown) -> None:
    evidence = weigh(lines(*texts), claim(year=typed), REF)
    assert (evidence.year, evidence.shown_year) == (answer, shown)


def test_all_three_agree_and_the_matching_lines_are_named() -> None:
    evidence = weigh(
        lines("TQC Word 實用級", "茲證明", "陳怡君", "中華民國112年10月3日"), claim(), REF
    )
    assert evidence.all_agree and not evidence.disagrees
    assert evidence.lines == {"name": (2,), "certificate": (0,), "year": (3,)}
