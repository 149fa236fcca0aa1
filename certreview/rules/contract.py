"""The fixed words of the contract: intake flags, decisions and reasons, with plain meanings."""

from __future__ import annotations

from functools import partial

from certreview.i18n import N_, _

# Intake flags, in the order the office reads them; the text is what a reviewer sees.
FLAGS: dict[str, str] = {
    "missing_field": N_("A required field is blank or cannot be read."),
    "unknown_student": N_("The student ID matches no student on the roster."),
    "name_mismatch": N_("The typed name is not the roster name for this ID."),
    "before_enrollment": N_("The exam year is before the student's admission year."),
    "after_enrollment": N_("The exam year is after the student left."),
    "future_year": N_("The exam year is later than the year the upload was made."),
    "ambiguous_year": N_(
        "A calendar year (e.g. 2023) without an exam date: two academic years fit."
    ),
    "unknown_certificate": N_("The certificate matches no catalog item or alias."),
    "missing_image": N_("The image file named in the export is not there."),
    "unreadable_image": N_("The file is not a readable image or PDF."),
    "image_too_large": N_("The image is over the size or pixel limit."),
    "unsafe_path": N_("The image path points outside the images folder or ZIP."),
    "duplicate_image": N_("The same image was already submitted by this student."),
    "shared_image": N_("The same image was submitted by another student."),
    "late": N_("Submitted after the round's cutoff."),
}

# A roster student's status, as the registrar's roster says it.
STUDENT_STATUSES = ("enrolled", "graduated", "withdrawn", "suspended")

VERDICTS = ("approve", "reject", "return")
# "pending" is never chosen by a reviewer: it is what an undo of a first decision writes.
STATES = ("pending", "approved", "rejected", "returned")
STATE_OF_VERDICT = {
    "approve": "approved",
    "reject": "rejected",
    "return": "returned",
    "pending": "pending",
}

# One colour per state, the same in the workbench and in the statistics charts.
STATE_COLOURS = {
    "pending": "#757575",
    "approved": "#2e7d32",
    "rejected": "#c62828",
    "returned": "#ef6c00",
}

REASONS: dict[str, str] = {
    "incomplete": N_("The upload is incomplete (missing information or part of the certificate)."),
    "not_certificate": N_(
        "The image is not a copy of the certificate (receipt, transcript, ticket)."
    ),
    "before_enrollment": N_("The certificate was earned before enrollment."),
    "not_in_catalog": N_("The certificate is not in the course standards' catalog."),
    "mismatch": N_("The certificate does not match the student or the details typed."),
    "duplicate": N_("This certificate was already submitted."),
    "illegible": N_("The image cannot be read clearly."),
    "other": N_("Other (see the note)."),
}

# What a reviewer reads in place of a code: short words on badges, filters and decisions.
# Codes stay in files and exports; these are only for people.
FLAG_LABELS: dict[str, str] = {
    "missing_field": N_("A required field is blank"),
    "unknown_student": N_("Student ID not on the roster"),
    "name_mismatch": N_("Name differs from the roster"),
    "before_enrollment": N_("Earned before admission"),
    "after_enrollment": N_("Earned after leaving"),
    "future_year": N_("Exam year in the future"),
    "ambiguous_year": N_("Exam year unclear (calendar year)"),
    "unknown_certificate": N_("Certificate not in the catalog"),
    "missing_image": N_("Image file missing"),
    "unreadable_image": N_("Image cannot be opened"),
    "image_too_large": N_("Image too large"),
    "unsafe_path": N_("Image path outside the upload"),
    "duplicate_image": N_("Same image uploaded twice by this student"),
    "shared_image": N_("Image also uploaded by another student"),
    "late": N_("Submitted after the cutoff"),
}
REASON_LABELS: dict[str, str] = {
    "incomplete": N_("incomplete"),
    "not_certificate": N_("not a certificate"),
    "before_enrollment": N_("earned before enrollment"),
    "not_in_catalog": N_("not in the catalog"),
    "mismatch": N_("does not match the student"),
    "duplicate": N_("already submitted"),
    "illegible": N_("cannot be read"),
    "other": N_("other reason"),
}
# A verdict as an action ("Your approve was not saved"); "pending" is what an undo writes.
VERDICT_LABELS: dict[str, str] = {
    "approve": N_("approve"),
    "reject": N_("reject"),
    "return": N_("return"),
    "pending": N_("pending"),
}
STUDENT_STATUS_LABELS: dict[str, str] = {
    "enrolled": N_("enrolled"),
    "graduated": N_("graduated"),
    "withdrawn": N_("withdrawn"),
    "suspended": N_("suspended"),
}
STATE_LABELS: dict[str, str] = {
    "pending": N_("Pending"),
    "approved": N_("Approved"),
    "rejected": N_("Rejected"),
    "returned": N_("Returned"),
}
# Column headers of every table a person reads (widgets, notebooks); files keep the codes.
COLUMN_LABELS: dict[str, str] = {
    "row": N_("Row"),
    "submission_id": N_("Submission"),
    "student_id": N_("Student ID"),
    "name": N_("Name"),
    "student_name": N_("Name"),
    "program": N_("Program"),
    "class_name": N_("Class"),
    "admission_year": N_("Admitted (AY)"),
    "exit_year": N_("Left (AY)"),
    "status": N_("Status"),
    "standard": N_("Standard"),
    "approved": N_("Approved"),
    "rejected": N_("Rejected"),
    "returned": N_("Returned"),
    "pending": N_("Pending"),
    "points": N_("Points"),
    "met": N_("Met"),
    "not_met": N_("Not met"),
    "missing": N_("Still needed"),
    "students": N_("Students"),
    "met_pct": N_("Met (%)"),
    "approval_pct": N_("Approved of decided (%)"),
    "flags": N_("Flags"),
    "flag": N_("Flag"),
    "meaning": N_("Meaning"),
    "submissions": N_("Submissions"),
    "flagged": N_("Flagged"),
    "round": N_("Round"),
    "category": N_("Category"),
    "certificate": N_("Certificate"),
    "item_code": N_("Catalog item"),
    "item_name": N_("Certificate"),
    "reason": N_("Reason"),
    "total": N_("Total"),
    "submitted": N_("Submitted"),
    "year_of_study": N_("Year of study"),
    "why_not": N_("Why it does not count"),
    "certificate_typed": N_("Certificate (as typed)"),
    "decision": N_("Decision"),
    "counted": N_("Counts"),
    "during_enrollment": N_("Earned during enrollment"),
    "min_count": N_("Certificates needed"),
    "min_points": N_("Points needed"),
    "academic_year": N_("As of AY"),
    "admission_years": N_("Admission years (AY)"),
    "programs": N_("Programs"),
    "min_per_category": N_("Needed per category"),
    "rule": N_("Rule"),
    "changed": N_("Changed"),
}


# Rows a table adds to its own (the rest, the total): files keep these words as they are.
NO_STANDARD_ROW = "(no standard applies)"
ALL_STUDENTS_ROW = "all students"
NO_REASON_ROW = "(none)"
ROW_LABELS = {
    NO_STANDARD_ROW: N_("(no standard applies)"),
    ALL_STUDENTS_ROW: N_("all students"),
    NO_REASON_ROW: N_("(none)"),
}


def column_label(code: str) -> str:
    """Return the words a person reads for a column code (its own words when unknown)."""
    found = COLUMN_LABELS.get(code)
    return _(found) if found else code.replace("_", " ").capitalize()


def words(table: dict[str, str], code: str) -> str:
    """Return the words of CODE in TABLE, in the language set (the code itself when unknown).

    >>> words(FLAG_LABELS, "late"), words(FLAG_LABELS, "no_such_flag")
    ('Submitted after the cutoff', 'no_such_flag')
    """
    return _(table[code]) if code in table else code


# The words of each kind of code, in the language set: flag_label("late") ...
flag_label = partial(words, FLAG_LABELS)
flag_meaning = partial(words, FLAGS)
reason_label = partial(words, REASON_LABELS)
reason_meaning = partial(words, REASONS)
state_label = partial(words, STATE_LABELS)  # pending, approved, rejected, returned
verdict_label = partial(words, VERDICT_LABELS)  # approve, reject, return as actions
student_status_label = partial(words, STUDENT_STATUS_LABELS)  # enrolled, graduated ...
row_label = partial(words, ROW_LABELS)  # all students, (no standard applies) ...


def decision_label(state: str, reason: str | None) -> str:
    """Return a decision in words, e.g. "Rejected — not a certificate"."""
    words = state_label(state)
    return f"{words} — {reason_label(reason)}" if reason else words
