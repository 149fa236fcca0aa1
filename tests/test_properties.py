"""Property-based tests: year, ID and name parsing never crash and keep their promises."""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certreview.rules.normalise import VARIANT_PAIRS, is_blank, name_key, normalise_id, text_key
from certreview.rules.years import (
    ROC_OFFSET,
    academic_year,
    enrollment_status,
    parse_date,
    parse_exam_year,
)

# Generating arbitrary Unicode is slow on a busy 2-core machine: fewer, still varied examples.
FEWER = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Any text a student could type, hostile bytes included (surrogates cannot reach us as UTF-8).
TYPED = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
ROC_YEARS = st.integers(60, 199)
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
SPACES = st.sampled_from(["", " ", "\u3000", "\u00a0", "\t", "\u200b"])


@FEWER
@given(TYPED, st.one_of(st.none(), TYPED))
def test_exam_year_parsing_never_crashes_and_gives_a_year_or_a_reason(text, exam_date):
    result = parse_exam_year(text, exam_date)
    assert (result.year is None) == (result.problem is not None)
    if result.year is not None:
        assert 0 < result.year < 400


@FEWER
@given(
    ROC_YEARS,
    st.sampled_from(
        ["{y}", "{y}學年度", "民國{y}年", "{y}-1", "{y}-2", "AY{y}", "{y}上", "{y}學年度第2學期"]
    ),
    st.booleans(),
    SPACES,
)
def test_every_written_form_of_an_academic_year_means_that_year(year, form, wide, space):
    text = space + form.format(y=year) + space
    if wide:
        text = text.translate(FULL_WIDTH)
    assert parse_exam_year(text).year == year


@FEWER
@given(st.dates(date(1972, 1, 1), date(2100, 12, 31)))
def test_a_gregorian_year_alone_is_ambiguous_but_with_its_date_exact(day):
    assert parse_exam_year(str(day.year)).problem == "ambiguous"
    assert parse_exam_year(str(day.year), day.isoformat()).year == academic_year(day)


@FEWER
@given(st.dates(date(1972, 1, 1), date(2100, 12, 31)))
def test_academic_years_change_on_the_first_of_august(day):
    assert academic_year(day) in {day.year - ROC_OFFSET, day.year - ROC_OFFSET - 1}
    assert academic_year(day + timedelta(days=366)) == academic_year(day) + 1
    first_of_august = date(day.year, 8, 1)
    assert academic_year(first_of_august) == academic_year(first_of_august - timedelta(1)) + 1


@FEWER
@given(st.dates(date(1923, 1, 1), date(2100, 12, 31)), st.sampled_from(["/", "-", "."]))
def test_roc_and_iso_dates_name_the_same_day(day, sep):
    roc = f"{day.year - ROC_OFFSET}{sep}{day.month:02d}{sep}{day.day:02d}"
    assert parse_date(roc) == day == parse_date(day.isoformat())


@FEWER
@given(ROC_YEARS, ROC_YEARS, st.one_of(st.none(), ROC_YEARS), ROC_YEARS)
def test_the_enrollment_window_is_admission_to_exit_or_now(exam, admitted, left, now):
    status = enrollment_status(exam, admitted, left, now)
    last = left if left is not None else now
    assert (status is None) == (admitted <= exam <= last)
    assert status != "before_enrollment" or exam < admitted


@FEWER
@given(TYPED)
def test_id_keys_are_stable_and_blind_to_width_case_and_spacing(typed):
    key = normalise_id(typed)
    assert normalise_id(key) == key
    assert not any(ch.isspace() for ch in key)
    wide = unicodedata.normalize("NFKC", typed)
    assert normalise_id(wide.lower()) == normalise_id(wide.upper()) or not wide.isascii()


@FEWER
@given(st.from_regex(r"[A-Za-z][0-9]{8}", fullmatch=True), SPACES, SPACES)
def test_a_student_id_typed_any_way_has_one_key(sid, before, after):
    wide = sid.translate(str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}))
    assert normalise_id(before + wide.lower() + after) == normalise_id(sid) == sid.upper()


@FEWER
@given(
    st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=2, max_size=4),
    SPACES,
    st.sampled_from(sorted(VARIANT_PAIRS.items())),
)
def test_names_match_across_spaces_and_variant_characters(name, space, pair):
    variant, standard = pair
    written = space.join([variant, *name])
    assert name_key(written) == name_key(standard + name)
    assert name_key(name_key(written)) == name_key(written)


@FEWER
@given(TYPED)
def test_text_keys_are_idempotent_and_blank_means_empty(typed):
    key = text_key(typed)
    assert text_key(key) == key
    assert is_blank(typed) == (key == "")


@FEWER
@given(TYPED)
def test_name_keys_never_crash_on_any_text(typed):
    assert isinstance(name_key(typed), str)
