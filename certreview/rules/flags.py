"""Judge one submission row against the roster, the catalog and the standards (pure logic)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from certreview.rules.catalog import CatalogMatcher
from certreview.rules.cells import cell_limit, is_too_long
from certreview.rules.contract import FLAGS
from certreview.rules.eligibility import StudentFacts
from certreview.rules.normalise import is_blank, name_key, normalise_id
from certreview.rules.standards import Rule, pick_rule
from certreview.rules.years import (
    academic_year,
    enrollment_status,
    enrollment_years,
    parse_date,
    parse_datetime,
    parse_exam_year,
)

REQUIRED_FIELDS = (
    "submission_id",
    "submitted_at",
    "student_id",
    "student_name",
    "category",
    "certificate_name",
    "exam_year",
    "image",
)


@dataclass
class Assessment:
    """The normalised values of a row and the flags its data (not its image) earns."""

    student_key: str
    student_id: str | None
    submitted_at: datetime | None
    exam_year: int | None
    item_code: str | None
    flags: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)


def ordered(flags: set[str]) -> list[str]:
    """Return FLAGS in the contract's order (the order reviewers read them)."""
    return [f for f in FLAGS if f in flags]


def assess_row(
    row: Mapping[str, str],
    roster: Mapping[str, StudentFacts],
    matcher: CatalogMatcher,
    rules: Sequence[Rule],
    *,
    cutoff: datetime | None = None,
    today: date | None = None,
) -> Assessment:
    """Return the normalised values and data flags of one submissions row."""
    result = Assessment(normalise_id(row.get("student_id")), None, None, None, None)
    blank = [f for f in REQUIRED_FIELDS if is_blank(row.get(f))]
    if "exam_year" in blank and parse_date(row.get("exam_date")) is not None:
        blank.remove("exam_year")  # the exam date says the year
    if blank:
        result.flags.add("missing_field")
        result.notes.append(f"blank: {', '.join(blank)}")
    # The reader cuts an over-long cell (a name of megabytes) and keeps it too long to pass.
    too_long = [f for f, text in row.items() if is_too_long(text, f)]
    if too_long:
        result.flags.add("missing_field")
        result.notes.append(
            "too long, cut: "
            + ", ".join(f"{f} (over {cell_limit(f)} characters)" for f in too_long)
        )

    result.submitted_at = parse_datetime(row.get("submitted_at"))
    if result.submitted_at is None and "submitted_at" not in blank:
        result.flags.add("missing_field")
        result.notes.append(f"submitted_at {row.get('submitted_at')!r} is not a date and time")
    upload_year = academic_year(result.submitted_at or today or date.today())

    year = parse_exam_year(row.get("exam_year"), row.get("exam_date") or None)
    result.exam_year = year.year
    if year.problem == "ambiguous":
        result.flags.add("ambiguous_year")
    elif year.problem == "unreadable":
        result.flags.add("missing_field")
        result.notes.append(f"exam_year {row.get('exam_year')!r} is not an academic year")
    if result.exam_year is not None and result.exam_year > upload_year:
        result.flags.add("future_year")

    student = roster.get(result.student_key)
    if student is None:
        if result.student_key:
            result.flags.add("unknown_student")
    else:
        result.student_id = student.student_id
        if not is_blank(row.get("student_name")) and name_key(row.get("student_name")) != name_key(
            student.name
        ):
            result.flags.add("name_mismatch")
            result.notes.append(f"roster name is {student.name}")
        rule = pick_rule(rules, student.admission_year, student.program)
        if rule is not None and rule.during_enrollment:
            flag = enrollment_status(
                result.exam_year, student.admission_year, student.exit_year, upload_year
            )
            # future_year is flagged above already (the same comparison with the upload year).
            if flag in ("before_enrollment", "after_enrollment"):
                years = enrollment_years(student.admission_year, student.exit_year, upload_year)
                result.flags.add(flag)
                result.notes.append(f"enrolled AY{years.start}-{years.stop - 1} under {rule.name}")

    if not is_blank(row.get("certificate_name")):
        result.item_code = matcher.match(row.get("category"), row.get("certificate_name"))
        if result.item_code is None:
            result.flags.add("unknown_certificate")

    if cutoff is not None and result.submitted_at is not None and result.submitted_at > cutoff:
        result.flags.add("late")
    return result
