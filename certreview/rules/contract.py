"""The fixed words of the contract: intake flags, decisions and reasons, with plain meanings."""

from __future__ import annotations

# Intake flags, in the order the office reads them; the text is what a reviewer sees.
FLAGS: dict[str, str] = {
    "missing_field": "A required field is blank or cannot be read.",
    "unknown_student": "The student ID matches no student on the roster.",
    "name_mismatch": "The typed name is not the roster name for this ID.",
    "before_enrollment": "The exam year is before the student's admission year.",
    "after_enrollment": "The exam year is after the student left.",
    "future_year": "The exam year is later than the year the upload was made.",
    "ambiguous_year": "A calendar year (e.g. 2023) without an exam date: two academic years fit.",
    "unknown_certificate": "The certificate matches no catalog item or alias.",
    "missing_image": "The image file named in the export is not there.",
    "unreadable_image": "The file is not a readable image or PDF.",
    "image_too_large": "The image is over the size or pixel limit.",
    "unsafe_path": "The image path points outside the images folder or ZIP.",
    "duplicate_image": "The same image was already submitted by this student.",
    "shared_image": "The same image was submitted by another student.",
    "late": "Submitted after the round's cutoff.",
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
    "incomplete": "The upload is incomplete (missing information or part of the certificate).",
    "not_certificate": "The image is not a copy of the certificate (receipt, transcript, ticket).",
    "before_enrollment": "The certificate was earned before enrollment.",
    "not_in_catalog": "The certificate is not in the course standards' catalog.",
    "mismatch": "The certificate does not match the student or the details typed.",
    "duplicate": "This certificate was already submitted.",
    "illegible": "The image cannot be read clearly.",
    "other": "Other (see the note).",
}

# What a reviewer reads in place of a code: short words on badges, filters and decisions.
# Codes stay in files and exports; these are only for people.
FLAG_LABELS: dict[str, str] = {
    "missing_field": "A required field is blank",
    "unknown_student": "Student ID not on the roster",
    "name_mismatch": "Name differs from the roster",
    "before_enrollment": "Earned before admission",
    "after_enrollment": "Earned after leaving",
    "future_year": "Exam year in the future",
    "ambiguous_year": "Exam year unclear (calendar year)",
    "unknown_certificate": "Certificate not in the catalog",
    "missing_image": "Image file missing",
    "unreadable_image": "Image cannot be opened",
    "image_too_large": "Image too large",
    "unsafe_path": "Image path outside the upload",
    "duplicate_image": "Same image uploaded twice by this student",
    "shared_image": "Image also uploaded by another student",
    "late": "Submitted after the cutoff",
}
REASON_LABELS: dict[str, str] = {
    "incomplete": "incomplete",
    "not_certificate": "not a certificate",
    "before_enrollment": "earned before enrollment",
    "not_in_catalog": "not in the catalog",
    "mismatch": "does not match the student",
    "duplicate": "already submitted",
    "illegible": "cannot be read",
    "other": "other reason",
}
STATE_LABELS: dict[str, str] = {
    "pending": "Pending",
    "approved": "Approved",
    "rejected": "Rejected",
    "returned": "Returned",
}
# Column headers of every table a person reads (widgets, notebooks); files keep the codes.
COLUMN_LABELS: dict[str, str] = {
    "row": "Row",
    "submission_id": "Submission",
    "student_id": "Student ID",
    "name": "Name",
    "student_name": "Name",
    "program": "Program",
    "class_name": "Class",
    "admission_year": "Admitted (AY)",
    "exit_year": "Left (AY)",
    "status": "Status",
    "standard": "Standard",
    "approved": "Approved",
    "rejected": "Rejected",
    "returned": "Returned",
    "pending": "Pending",
    "points": "Points",
    "met": "Met",
    "not_met": "Not met",
    "missing": "Still needed",
    "students": "Students",
    "met_pct": "Met (%)",
    "approval_pct": "Approved of decided (%)",
    "flags": "Flags",
    "flag": "Flag",
    "meaning": "Meaning",
    "submissions": "Submissions",
    "flagged": "Flagged",
    "round": "Round",
    "category": "Category",
    "certificate": "Certificate",
    "item_code": "Catalog item",
    "item_name": "Certificate",
    "reason": "Reason",
    "total": "Total",
    "submitted": "Submitted",
    "year_of_study": "Year of study",
    "why_not": "Why it does not count",
    "certificate_typed": "Certificate (as typed)",
    "decision": "Decision",
    "counted": "Counts",
    "during_enrollment": "Earned during enrollment",
    "min_count": "Certificates needed",
    "min_points": "Points needed",
    "rule": "Rule",
}


def column_label(code: str) -> str:
    """Return the words a person reads for a column code (its own words when unknown)."""
    return COLUMN_LABELS.get(code, code.replace("_", " ").capitalize())


def decision_label(state: str, reason: str | None) -> str:
    """Return a decision in words, e.g. "Rejected — not a certificate"."""
    words = STATE_LABELS.get(state, state)
    return f"{words} — {REASON_LABELS.get(reason, reason)}" if reason else words
